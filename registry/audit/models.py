from django.conf import settings
from django.db import models


class AuditAction(models.TextChoices):
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"


class AuditEntryQuerySet(models.QuerySet):
    def update(self, **kwargs):  # noqa: ANN003, ANN201
        raise PermissionError("The audit trail is append-only.")

    def delete(self):  # noqa: ANN201
        raise PermissionError("The audit trail is append-only.")


class AuditEntry(models.Model):
    """One write to audited data: who, when, what changed from what to what, and where from.

    Written by the services (never by model signals) so bulk paths are audited too. Append-only:
    saving an existing entry or deleting one raises, and on PostgreSQL a trigger refuses
    UPDATE and DELETE as well.
    """

    at = models.DateTimeField(db_index=True)
    # No database-level reference: entries outlive the users and brands they name, and the
    # append-only trigger would refuse the update a SET_NULL makes.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.DO_NOTHING, db_constraint=False, null=True, related_name="+"
    )
    actor_username = models.CharField(max_length=150, blank=True)
    brand = models.ForeignKey(
        "registry.Brand", on_delete=models.DO_NOTHING, db_constraint=False, null=True, related_name="+"
    )
    object_type = models.CharField(max_length=40)
    object_id = models.CharField(max_length=64)
    object_repr = models.CharField(max_length=200, blank=True)
    action = models.CharField(max_length=6, choices=AuditAction.choices)
    # {field: [old, new]}; for a create, old is null; for a delete, new is null.
    changes = models.JSONField(default=dict)
    # The request ("request:<id>") or job ("task:<id>", "command:<name>") the write came from.
    source = models.CharField(max_length=100, blank=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name_plural = "audit entries"
        indexes = [
            models.Index(fields=["brand", "-at"], name="audit_brand_at_idx"),
            models.Index(fields=["object_type", "object_id"], name="audit_object_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_username} {self.action} {self.object_type} {self.object_id}"

    def save(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
        if self.pk is not None:
            raise PermissionError("The audit trail is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):  # noqa: ANN002, ANN003, ANN201
        raise PermissionError("The audit trail is append-only.")
