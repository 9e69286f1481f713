import pytest

from rexian.knowledge import services


@pytest.fixture
def publish(users):
    """Create an article and carry it through review to published."""

    def make(title, body, **fields):
        data = {"kind": "qa", "title": title, "body": body, "visibility": "internal", **fields}
        article = services.create(users["supervisor"], data)
        services.transition(article, "submit", users["supervisor"])
        return services.transition(article, "publish", users["reviewer"])

    return make
