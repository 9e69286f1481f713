"""Errors the workflow raises; each has a machine-readable code for the API."""


class WorkflowError(Exception):
    code = "workflow_error"
    status = 400

    def __init__(self, message: str, **details):
        super().__init__(message)
        self.message = message
        self.details = details


class UnknownAction(WorkflowError):
    code = "unknown_action"
    status = 404


class NotAllowed(WorkflowError):
    """The user's role may not take this action on this order."""

    code = "forbidden"
    status = 403


class InvalidTransition(WorkflowError):
    """The action does not apply in the order's current state."""

    code = "invalid_transition"
    status = 409


class Conflict(WorkflowError):
    """Someone else changed the order first."""

    code = "conflict"
    status = 409


class InvalidInput(WorkflowError):
    code = "invalid_input"
    status = 422

    def __init__(self, message: str, errors: dict | None = None):
        super().__init__(message, errors=errors or {})
        self.errors = errors or {}
