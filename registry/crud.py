"""The write path every service shares: validate, save, audit — once, not per model.

Domain services (``service_centre_create`` …) check permissions and domain rules, then call
these to persist. Each guarantees that the row is saved and its audit entry written in the
same transaction, or neither.
"""

import hashlib
import json
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction

from registry.audit.services import audit_record, created, deleted, field_values, updated
from registry.errors import PreconditionFailed

M = TypeVar("M", bound=models.Model)


def etag_for(instance: models.Model) -> str:
    """A strong ETag over every stored value of the object: any change gives a new tag."""
    payload = json.dumps(field_values(instance), sort_keys=True, default=str)
    return '"' + hashlib.sha256(f"{instance.pk}:{payload}".encode()).hexdigest()[:32] + '"'


def check_if_match(instance: models.Model, if_match: str | None) -> None:
    """Raise ``PreconditionFailed`` unless ``if_match`` (when given) is the object's ETag."""
    if not if_match:
        return
    tags = {t.strip().removeprefix("W/") for t in if_match.split(",")}
    if "*" in tags or etag_for(instance) in tags:
        return
    raise PreconditionFailed("The object has changed since you read it; fetch it again and retry with its new ETag.")


def _integrity_to_validation(exc: IntegrityError, unique_messages: dict[str, dict[str, str]]) -> ValidationError:
    text = str(exc)
    for constraint, errors in unique_messages.items():
        if constraint in text:
            return ValidationError(errors)
    return ValidationError(f"The data breaks a database rule: {text.splitlines()[0][:200]}")


def create(*, by: Any, instance: M, unique_messages: dict[str, dict[str, str]] | None = None, audit: bool = True) -> M:
    """Save a new object and audit it. ``unique_messages`` maps a constraint name to the
    field errors to show when a concurrent write wins the race to that unique value."""
    try:
        with transaction.atomic():
            instance.save(force_insert=True)
            if audit:
                audit_record(by=by, change=created(instance))
    except IntegrityError as exc:
        raise _integrity_to_validation(exc, unique_messages or {}) from exc
    return instance


def update(
    *,
    by: Any,
    instance: M,
    data: dict[str, Any],
    if_match: str | None = None,
    unique_messages: dict[str, dict[str, str]] | None = None,
    after_lock: Callable[[M], None] | None = None,
) -> M:
    """Apply ``data`` to ``instance`` under a row lock and audit what changed.

    With ``if_match``, the row is re-read under lock and the update is refused with
    ``PreconditionFailed`` (nothing written) when its ETag differs. Nothing is written, and no
    audit entry made, when no value actually changes.
    """
    model = type(instance)
    try:
        with transaction.atomic():
            locked = model.objects.select_for_update().get(pk=instance.pk)
            check_if_match(locked, if_match)
            if after_lock is not None:
                after_lock(locked)
            before = field_values(locked, data.keys())
            for name, value in data.items():
                setattr(locked, name, value)
            change = updated(locked, before)
            if change.changes:
                locked.save()
                audit_record(by=by, change=change)
    except IntegrityError as exc:
        raise _integrity_to_validation(exc, unique_messages or {}) from exc
    return locked


def delete(*, by: Any, instance: models.Model, if_match: str | None = None) -> None:
    """Delete the object and audit it with its last stored values (re-read under lock, so a
    stale in-memory copy never misreports them); a stale ``if_match`` refuses the delete."""
    with transaction.atomic():
        locked = type(instance).objects.select_for_update().get(pk=instance.pk)
        check_if_match(locked, if_match)
        # Written first: once deleted, the instance no longer knows its primary key.
        audit_record(by=by, change=deleted(locked))
        locked.delete()
