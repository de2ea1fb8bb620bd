from django.db import models

from registry.common import TenantModel, choices_check, coordinates_checks
from registry.vocabulary import CentreKind, CentreStatus, LocationPrecision


class ServiceCentreQuerySet(models.QuerySet):
    def qualifying(self) -> "ServiceCentreQuerySet":
        """Centres that count for coverage (DESIGN.md §3): active, public, high-voltage capable,
        with at least one EV technician."""
        return self.filter(
            status=CentreStatus.ACTIVE,
            is_public=True,
            ev_technicians__gte=1,
            capabilities__has_element="ev_high_voltage",
        )

    def public(self) -> "ServiceCentreQuerySet":
        return self.filter(status=CentreStatus.ACTIVE, is_public=True)


class ServiceCentre(TenantModel):
    """A repair location of a brand in an overseas market."""

    market = models.ForeignKey("registry.Market", on_delete=models.PROTECT, related_name="service_centres")
    code = models.CharField(max_length=64, help_text="The brand's own reference, unique in the brand.")
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=CentreKind.choices, default=CentreKind.AUTHORIZED_PARTNER)
    status = models.CharField(max_length=10, choices=CentreStatus.choices, default=CentreStatus.ACTIVE)
    address = models.CharField(max_length=300, blank=True)
    city = models.CharField(max_length=200, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)
    latitude = models.FloatField()
    longitude = models.FloatField()
    location_precision = models.CharField(max_length=5, choices=LocationPrecision.choices)
    phone = models.CharField(max_length=20, blank=True, help_text="E.164")
    email = models.EmailField(blank=True)
    website = models.URLField(blank=True)
    opening_hours = models.CharField(max_length=500, blank=True, help_text="OpenStreetMap opening_hours syntax")
    timezone = models.CharField(max_length=64)
    capabilities = models.JSONField(default=list, blank=True)
    service_bays = models.PositiveIntegerField(default=0)
    ev_technicians = models.PositiveIntegerField(default=0)
    is_public = models.BooleanField(default=True)
    last_confirmed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    market_path = "market"
    objects = ServiceCentreQuerySet.as_manager()

    class Meta:
        ordering = ["market_id", "city", "name", "id"]
        indexes = [
            models.Index(fields=["brand", "market", "status"], name="centre_brand_market_idx"),
            # The public finder's spatial prefilter is a box on these two columns.
            models.Index(fields=["latitude", "longitude"], name="centre_lat_lon_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["brand", "code"], name="centre_code_unique_in_brand"),
            models.UniqueConstraint(fields=["brand", "id"], name="centre_brand_id_unique"),
            *coordinates_checks("centre"),
            choices_check("kind", CentreKind, name="centre_kind_valid"),
            choices_check("status", CentreStatus, name="centre_status_valid"),
            choices_check("location_precision", LocationPrecision, name="centre_precision_valid"),
            models.CheckConstraint(condition=models.Q(service_bays__gte=0), name="centre_bays_non_negative"),
            models.CheckConstraint(condition=models.Q(ev_technicians__gte=0), name="centre_technicians_non_negative"),
            models.CheckConstraint(condition=~models.Q(market="CN"), name="centre_not_in_home_market"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def is_qualifying(self) -> bool:
        return (
            self.status == CentreStatus.ACTIVE
            and self.is_public
            and self.ev_technicians >= 1
            and "ev_high_voltage" in (self.capabilities or [])
        )
