"""Domain errors raised by services and selectors; the API and the portal translate them.

Input problems use Django's ``ValidationError`` (with field errors where there is a field).
"""


class RegistryError(Exception):
    code = "error"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code


class NotFound(RegistryError):
    """The object does not exist, or the actor may not know that it does (tenancy)."""

    code = "not_found"


class Forbidden(RegistryError):
    """The actor can see the object but lacks the role (or market) to do this."""

    code = "permission_denied"


class Conflict(RegistryError):
    """The request is valid but clashes with the object's current state."""

    code = "conflict"


class PreconditionFailed(RegistryError):
    """An ``If-Match`` did not match: someone else changed the object first."""

    code = "precondition_failed"
