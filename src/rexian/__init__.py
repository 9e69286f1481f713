"""Rexian (热线): an open-source platform for government service hotlines."""

__version__ = "0.1.0"
