"""Django admin for platform staff: every registry model, searchable and filterable.

Admin edits bypass the services, so the brand-data admins write the audit trail themselves
(``AuditedAdmin``); the audit trail itself is read-only here as everywhere.
"""

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone

from registry.audit.models import AuditAction, AuditEntry
from registry.audit.services import Change, audit_record, diff, field_values
from registry.coverage.models import CoveragePolicy, CoverageReport
from registry.geography.models import Market, PopulationCentre
from registry.network.models import ServiceCentre
from registry.network.services import EDITABLE_FIELDS, service_centre_clean
from registry.parts.models import Part, PartsDepot, StockLevel, VehicleModel
from registry.tenancy.models import Brand, Invitation, Membership


def _snapshot(obj: models.Model) -> dict[str, Any]:
    """What the audit trail records of an object: its concrete fields (bar automatic
    timestamps) and its many-to-many relations as sorted keys."""
    auto = {
        f.name for f in obj._meta.concrete_fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
    }
    values = {k: v for k, v in field_values(obj).items() if k not in auto}
    for m2m in obj._meta.many_to_many:
        values[m2m.name] = sorted(str(pk) for pk in getattr(obj, m2m.name).values_list("pk", flat=True))
    return values


class AuditedAdmin(admin.ModelAdmin):
    """Records admin creates, changes and deletes in the audit trail, as the services would.

    The entry is written after the related objects are saved, so many-to-many changes (a
    member's markets) are in it; its source is the admin request's id.
    """

    def save_model(self, request, obj, form, change):
        obj._audit_before = _snapshot(type(obj).objects.get(pk=obj.pk)) if change else {}
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        obj = form.instance
        before, after = getattr(obj, "_audit_before", {}), _snapshot(obj)
        changes = diff(before, after) if change else {k: [None, v] for k, v in after.items()}
        if changes:
            audit_record(
                by=request.user, change=Change(AuditAction.UPDATE if change else AuditAction.CREATE, obj, changes)
            )

    def delete_model(self, request, obj):
        # Recorded first, while the object still has its id; rolled back with it on failure.
        with transaction.atomic():
            changes = {k: [v, None] for k, v in _snapshot(obj).items()}
            audit_record(by=request.user, change=Change(AuditAction.DELETE, obj, changes))
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for obj in queryset:
                self.delete_model(request, obj)


# --- Tenancy ----------------------------------------------------------------------------------


@admin.register(Brand)
class BrandAdmin(AuditedAdmin):
    list_display = ("name", "slug", "annual_export_volume", "own_brand", "wmi_codes", "created_at")
    list_filter = ("own_brand", "created_at")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    readonly_fields = ("created_at", "updated_at")


@admin.register(Membership)
class MembershipAdmin(AuditedAdmin):
    list_display = ("user", "brand", "role", "market_scope", "created_at")
    list_filter = ("role", "brand", ("markets", admin.RelatedOnlyFieldListFilter))
    search_fields = ("user__username", "user__email", "brand__name", "brand__slug")
    list_select_related = ("user", "brand")
    autocomplete_fields = ("user", "brand")
    filter_horizontal = ("markets",)

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("markets")

    @admin.display(description="markets")
    def market_scope(self, obj):
        return ", ".join(m.code for m in obj.markets.all()) or "all"


@admin.register(Invitation)
class InvitationAdmin(AuditedAdmin):
    """Invitations are made in the product (it e-mails the link); here they can be read,
    expired or deleted. Only the token's hash is stored, and it is never editable."""

    list_display = ("email", "brand", "role", "state", "invited_by", "created_at", "expires_at")
    list_filter = ("role", "brand", ("accepted_at", admin.EmptyFieldListFilter), "expires_at")
    search_fields = ("email", "brand__name", "brand__slug", "invited_by__username")
    list_select_related = ("brand", "invited_by")
    filter_horizontal = ("markets",)
    readonly_fields = ("token_hash", "invited_by", "created_at", "accepted_at", "accepted_by")

    def has_add_permission(self, request):
        return False

    @admin.display(description="state")
    def state(self, obj):
        if obj.accepted_at:
            return "accepted"
        return "expired" if obj.expires_at < timezone.now() else "open"


# --- Geography --------------------------------------------------------------------------------


@admin.register(Market)
class MarketAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "continent", "population", "postal_code_regex", "phone_prefix")
    list_filter = ("continent",)
    search_fields = ("code", "name")


@admin.register(PopulationCentre)
class PopulationCentreAdmin(admin.ModelAdmin):
    list_display = ("name", "geonameid", "market", "population", "latitude", "longitude", "timezone")
    list_filter = ("market",)
    # name_key is the folded name, so "Sao Paulo" finds São Paulo; geonameid matches exactly.
    search_fields = ("name", "name_key", "geonameid__exact")
    list_select_related = ("market",)
    show_full_result_count = False  # 170,000 rows: no second COUNT(*) per page
    autocomplete_fields = ("market",)


# --- Network and parts ------------------------------------------------------------------------


@admin.register(VehicleModel)
class VehicleModelAdmin(AuditedAdmin):
    list_display = ("code", "name", "brand", "powertrain", "updated_at")
    list_filter = ("brand", "powertrain")
    search_fields = ("code", "name", "brand__name")
    list_select_related = ("brand",)
    autocomplete_fields = ("brand",)


class ServiceCentreAdminForm(forms.ModelForm):
    """Staff edits pass the same rules as every other entry path (``service_centre_clean``)."""

    website = forms.URLField(required=False, assume_scheme="https", max_length=200)

    class Meta:
        model = ServiceCentre
        fields = "__all__"  # noqa: DJ007 — staff edit every column

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        brand, market = data.get("brand"), data.get("market")
        if brand is None or market is None or self.errors:
            return data
        instance = self.instance if self.instance.pk else None
        given = {f: data.get(f) for f in EDITABLE_FIELDS if instance is None or f in self.changed_data}
        try:
            data.update(service_centre_clean(brand=brand, market=market, data=given, instance=instance))
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                self.add_error(field if field in self.fields else None, messages)
        return data


@admin.register(ServiceCentre)
class ServiceCentreAdmin(AuditedAdmin):
    form = ServiceCentreAdminForm
    list_display = (
        "code",
        "name",
        "brand",
        "market",
        "city",
        "kind",
        "status",
        "qualifying",
        "ev_technicians",
        "location_precision",
        "updated_at",
    )
    list_filter = ("brand", "market", "status", "kind", "location_precision", "is_public")
    search_fields = ("code", "name", "city", "postal_code", "brand__name")
    list_select_related = ("brand", "market")
    autocomplete_fields = ("brand", "market")
    readonly_fields = ("created_at", "updated_at")

    @admin.display(boolean=True, description="qualifying")
    def qualifying(self, obj):
        return obj.is_qualifying


@admin.register(Part)
class PartAdmin(AuditedAdmin):
    list_display = ("part_number", "name", "brand", "category", "is_critical", "fits_models")
    list_filter = ("brand", "category", "is_critical")
    search_fields = ("part_number", "name", "brand__name")
    list_select_related = ("brand",)
    autocomplete_fields = ("brand",)


@admin.register(PartsDepot)
class PartsDepotAdmin(AuditedAdmin):
    list_display = ("code", "name", "brand", "market", "city", "updated_at")
    list_filter = ("brand", "market")
    search_fields = ("code", "name", "city", "brand__name")
    list_select_related = ("brand", "market")
    autocomplete_fields = ("brand", "market")


@admin.register(StockLevel)
class StockLevelAdmin(AuditedAdmin):
    list_display = ("part", "depot", "brand", "quantity_on_hand", "updated_at")
    list_filter = ("brand", ("depot__market", admin.RelatedOnlyFieldListFilter), "part__category", "updated_at")
    search_fields = ("part__part_number", "part__name", "depot__code", "depot__name")
    list_select_related = ("brand", "depot", "part")
    autocomplete_fields = ("brand",)
    raw_id_fields = ("depot", "part")


# --- Read-only records -------------------------------------------------------------------------


class ReadOnlyAdmin(admin.ModelAdmin):
    """For records only the product writes: staff read them, nobody adds, changes or deletes."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CoveragePolicy)
class CoveragePolicyAdmin(ReadOnlyAdmin):
    """Policy versions are published by officials in the product; a version is never edited."""

    list_display = (
        "market",
        "version",
        "effective_from",
        "coverage_radius_km",
        "population_coverage_pct",
        "critical_parts_fill_rate_pct",
        "stock_max_age_days",
        "created_by",
    )
    list_filter = (("market", admin.RelatedOnlyFieldListFilter), "effective_from")
    search_fields = ("market__code", "market__name")
    list_select_related = ("market", "created_by")


@admin.register(CoverageReport)
class CoverageReportAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "brand",
        "market",
        "planned_annual_volume",
        "status",
        "passed",
        "policy_version",
        "computed_at",
    )
    list_filter = ("status", "passed", "brand", ("market", admin.RelatedOnlyFieldListFilter))
    search_fields = ("brand__name", "brand__slug", "market__code", "fingerprint")
    list_select_related = ("brand", "market")
    date_hierarchy = "created_at"


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    """The audit trail is append-only, for staff as for everyone."""

    list_display = ("at", "actor_username", "action", "object_type", "object_id", "object_repr", "brand", "source")
    list_filter = ("action", "object_type", "brand")
    search_fields = ("object_repr", "actor_username", "source")
    date_hierarchy = "at"
    list_select_related = ("brand",)
