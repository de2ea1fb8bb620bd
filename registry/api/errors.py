"""Every 4xx answer of the API has one shape (DESIGN.md §6):
``{"detail", "code", "errors"?, "criteria"?}``."""

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from registry.errors import Conflict, Forbidden, NotFound, PreconditionFailed


class PreconditionFailedError(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = "The object has changed since you read it; fetch it again and retry."
    default_code = "precondition_failed"


class ConflictError(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "This conflicts with the object's current state."
    default_code = "conflict"


def _flatten(detail: Any) -> list[str]:
    if isinstance(detail, dict):
        return [m for v in detail.values() for m in _flatten(v)]
    if isinstance(detail, list):
        return [m for v in detail for m in _flatten(v)]
    return [str(detail)]


def _field_errors(detail: Any) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for key, value in detail.items():
        errors[key] = _flatten(value)
    return errors


def _translate(exc: Exception) -> Exception:
    if isinstance(exc, NotFound):
        return exceptions.NotFound(exc.message)
    if isinstance(exc, Forbidden):
        return exceptions.PermissionDenied(exc.message)
    if isinstance(exc, PreconditionFailed):
        return PreconditionFailedError(exc.message)
    if isinstance(exc, Conflict):
        return ConflictError(exc.message, code=exc.code)
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            return exceptions.ValidationError(
                {k: [m for e in v for m in e.messages] for k, v in exc.error_dict.items()}
            )
        return exceptions.ValidationError({"non_field_errors": exc.messages})
    if isinstance(exc, Http404):
        return exceptions.NotFound("Not found.")
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied()
    return exc


def exception_handler(exc: Exception, context: dict) -> Response | None:
    exc = _translate(exc)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        detail = exc.detail
        if isinstance(detail, dict):
            errors = _field_errors(detail)
            non_field = errors.pop("non_field_errors", None)
            messages = non_field or [f"{field}: {msgs[0]}" for field, msgs in errors.items()]
            body: dict[str, Any] = {"detail": " ".join(messages[:3]) or "Invalid input.", "code": "invalid"}
            if errors:
                body["errors"] = errors
            elif non_field:
                body["errors"] = {"non_field_errors": non_field}
        else:
            body = {"detail": " ".join(_flatten(detail)), "code": "invalid"}
        criteria = getattr(exc, "criteria", None)
        if criteria:
            body["criteria"] = criteria
    else:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
        code = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
        body = {"detail": " ".join(_flatten(detail)), "code": code if isinstance(code, str) else "error"}
    response.data = body
    return response
