"""Evaluating hotlines: third-party monitoring, rate helpers, staffing (Erlang C/A)."""
