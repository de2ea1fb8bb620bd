"""Reading the audit trail: members see their brands' entries, officials every entry."""

from typing import Any

from django.db.models import Q, QuerySet

from registry.audit.models import AuditEntry
from registry.tenancy.access import access_for


def audit_entries_visible(*, user: Any) -> QuerySet[AuditEntry]:
    access = access_for(user)
    if access.is_official:
        return AuditEntry.objects.all()
    return AuditEntry.objects.filter(Q(brand_id__in=list(access.grants)))
