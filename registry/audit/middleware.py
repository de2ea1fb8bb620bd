import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from registry.audit.context import audit_source


class AuditSourceMiddleware:
    """Tags every write made while serving a request with that request's id (also sent back
    as ``X-Request-ID`` so a support ticket can be matched to the audit trail)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = request.headers.get("X-Request-ID", "")[:64] or uuid.uuid4().hex
        request.request_id = request_id
        with audit_source(f"request:{request_id}"):
            response = self.get_response(request)
        response["X-Request-ID"] = request_id
        return response
