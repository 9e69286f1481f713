"""For tests that run `rexian` in a process of its own against the test database."""

from django.db import connection


def database_url() -> str:
    """The test database as a REXIAN_DATABASE_URL, for the child process."""
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    return f"postgres://{settings['USER']}@{settings['HOST']}:{settings['PORT']}/{settings['NAME']}"
