"""Writing the audit trail. Every service that changes audited data calls one of these."""

import datetime
import decimal
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.utils import timezone

from registry.audit.context import current_source
from registry.audit.models import AuditAction, AuditEntry


def _plain(value: Any) -> Any:
    """A JSON-safe form of a field value, as a person would read it."""
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def field_values(instance: models.Model, fields: Iterable[str] | None = None) -> dict[str, Any]:
    """The concrete field values of ``instance`` keyed by field name (``brand``, not ``brand_id``)."""
    names = fields or [f.name for f in instance._meta.concrete_fields if not f.primary_key]
    values = {}
    for name in names:
        field = instance._meta.get_field(name)
        values[name] = _plain(getattr(instance, field.attname))
    return values


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """{field: [old, new]} for the fields whose value changed."""
    return {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}


@dataclass(frozen=True)
class Change:
    """One audited write, ready to be stored."""

    action: str
    instance: models.Model
    changes: dict[str, list[Any]]
    brand_id: int | None = None


def _object_type(instance: models.Model) -> str:
    return instance._meta.model_name or type(instance).__name__.lower()


def _entry(change: Change, *, by: Any, at: datetime.datetime, source: str) -> AuditEntry:
    instance = change.instance
    brand_id = change.brand_id
    if brand_id is None:
        brand_id = getattr(instance, "brand_id", None)
    if brand_id is None and _object_type(instance) == "brand":
        brand_id = instance.pk
    return AuditEntry(
        at=at,
        actor=by if getattr(by, "pk", None) else None,
        actor_username=getattr(by, "username", "") or "",
        brand_id=brand_id,
        object_type=_object_type(instance),
        object_id=str(instance.pk),
        object_repr=str(instance)[:200],
        action=change.action,
        changes=change.changes,
        source=current_source(),
    )


def audit_record(*, by: Any, change: Change) -> AuditEntry:
    """Store one audit entry for ``change``, made by ``by`` (a user, or None for the system)."""
    entry = _entry(change, by=by, at=timezone.now(), source=current_source())
    entry.save()
    return entry


def audit_record_bulk(*, by: Any, changes: Sequence[Change], batch_size: int = 2000) -> int:
    """Store many audit entries in a few INSERTs (one per ``batch_size``), not one per row.

    Guarantees the same entries ``audit_record`` would write one by one, sharing one timestamp.
    """
    at = timezone.now()
    source = current_source()
    AuditEntry.objects.bulk_create([_entry(c, by=by, at=at, source=source) for c in changes], batch_size=batch_size)
    return len(changes)


def created(instance: models.Model, **kwargs: Any) -> Change:
    return Change(AuditAction.CREATE, instance, {k: [None, v] for k, v in field_values(instance).items()}, **kwargs)


def deleted(instance: models.Model, **kwargs: Any) -> Change:
    return Change(AuditAction.DELETE, instance, {k: [v, None] for k, v in field_values(instance).items()}, **kwargs)


def updated(instance: models.Model, before: dict[str, Any], **kwargs: Any) -> Change:
    return Change(AuditAction.UPDATE, instance, diff(before, field_values(instance, before.keys())), **kwargs)
