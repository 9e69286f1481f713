"""Fixtures for the call-centre tests; the hand-computed calls live in calldata.py."""

import pytest
from calldata import local


@pytest.fixture
def write(tmp_path):
    def write(name: str, text: str):
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write


@pytest.fixture
def monday():
    """[Monday 00:00, Tuesday 00:00) local."""
    return local("00:00:00"), local("00:00:00", "2025-03-04")
