"""One error type for business rules, mapped to HTTP answers in one place (core.api, web views)."""

from typing import Any

from django.utils.functional import Promise


class XuejiError(Exception):
    """A refused operation. `code` is stable and machine-readable; `message` is shown to users."""

    status_code = 400
    default_code = "invalid"

    def __init__(self, message: str, *, code: str | None = None, field: str | None = None,
                 details: Any = None) -> None:
        super().__init__(str(message))
        # A lazy translation is the user's words, rendered in the language of whoever reads them (core.messages);
        # a plain string is the developer's message, which users see only through its code's words.
        self.words = message if isinstance(message, Promise) else None
        self.message = str(message)
        self.code = code or self.default_code
        self.field = field
        self.details = details

    def as_dict(self, message: str | None = None) -> dict[str, Any]:
        message = self.message if message is None else message
        data: dict[str, Any] = {"code": self.code, "message": message}
        if self.field:
            data["field"] = self.field
        if self.details is not None:
            data["details"] = self.details
        elif self.field:
            # The same shape as a serializer's errors, so clients read one format for every 400.
            data["details"] = {self.field: [message]}
        return data


class ValidationFailed(XuejiError):
    status_code = 400
    default_code = "invalid"


class NotFound(XuejiError):
    """Also raised for objects outside the user's jurisdiction, so their existence does not leak."""

    status_code = 404
    default_code = "not_found"


class Forbidden(XuejiError):
    status_code = 403
    default_code = "forbidden"


class Conflict(XuejiError):
    status_code = 409
    default_code = "conflict"


class PreconditionFailed(XuejiError):
    """An edit made against a version of the record that is no longer the current one (a stale If-Match, a form
    opened before someone else saved): 412, nothing written; reload and edit again."""

    status_code = 412
    default_code = "stale_version"


class Gone(XuejiError):
    """What existed and is gone for good (an expired export file): 410, with the words saying what to do."""

    status_code = 410
    default_code = "gone"


class ServiceUnavailable(Exception):  # noqa: N818  (not a refusal of the request: the system cannot answer safely)
    """A store the operation must write cannot be written (the audit log, control 15): the operation fails closed.

    Deliberately not a XuejiError, so no view or service that turns refusals into messages can swallow it: it
    rolls the operation's transaction back and reaches the one mapping to 503 (core.middleware for pages,
    core.api.exception_handler for the API)."""

    status_code = 503

    def __init__(self, message: str, *, code: str = "unavailable") -> None:
        super().__init__(message)
        self.message, self.code = message, code
