import pytest

from rexian.orders.services import workflow


@pytest.fixture
def take(users):
    """take(order, (action, who, data), ...) -> the order, reloaded: workflow steps without ceremony."""

    def run(order, *steps):
        for name, who, data in steps:
            workflow.perform(order, name, users[who], data)
        order.refresh_from_db()
        return order

    return run
