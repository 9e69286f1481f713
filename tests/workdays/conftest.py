import pytest

from rexian.workdays import calendar


@pytest.fixture(autouse=True)
def _fresh_calendar(db):
    # The calendar caches overrides for a minute and a rolled-back test sends no
    # post_delete signal: start and leave every test with an empty cache.
    calendar.clear_cache()
    yield
    calendar.clear_cache()
