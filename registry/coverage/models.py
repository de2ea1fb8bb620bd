from decimal import Decimal

from django.conf import settings
from django.db import models

from registry.common import TenantModel
from registry.vocabulary import PartCategory

DEFAULT_REQUIRED_CATEGORIES = [
    PartCategory.BATTERY_MODULE,
    PartCategory.DRIVE_MOTOR,
    PartCategory.POWER_ELECTRONICS,
    PartCategory.CHARGING,
    PartCategory.BRAKES,
]

# The policy every market has until an official publishes a version (DESIGN.md §3).
POLICY_DEFAULTS = {
    "coverage_radius_km": Decimal("150"),
    "population_coverage_pct": Decimal("80"),
    "min_service_centres": 1,
    "vehicles_per_service_centre": 1000,
    "critical_parts_fill_rate_pct": Decimal("90"),
    "required_part_categories": [str(c) for c in DEFAULT_REQUIRED_CATEGORIES],
    "stock_max_age_days": 90,
    "grace_days": 30,
}
POLICY_FIELDS = tuple(POLICY_DEFAULTS)


def _default_categories() -> list[str]:
    return list(POLICY_DEFAULTS["required_part_categories"])


class CoveragePolicy(models.Model):
    """One version of a market's coverage policy. Versions are never edited: every change makes
    a new one, and reports keep the version they were judged under.

    Version 0 is never stored: it names the default policy a market has until an official
    publishes version 1.
    """

    market = models.ForeignKey("registry.Market", on_delete=models.CASCADE, related_name="policies")
    version = models.PositiveIntegerField()
    effective_from = models.DateTimeField()
    coverage_radius_km = models.DecimalField(
        max_digits=7, decimal_places=2, default=POLICY_DEFAULTS["coverage_radius_km"]
    )
    population_coverage_pct = models.DecimalField(
        max_digits=5, decimal_places=2, default=POLICY_DEFAULTS["population_coverage_pct"]
    )
    min_service_centres = models.PositiveIntegerField(default=1)
    vehicles_per_service_centre = models.PositiveIntegerField(default=1000)
    critical_parts_fill_rate_pct = models.DecimalField(
        max_digits=5, decimal_places=2, default=POLICY_DEFAULTS["critical_parts_fill_rate_pct"]
    )
    required_part_categories = models.JSONField(default=_default_categories)
    stock_max_age_days = models.PositiveIntegerField(default=90)
    grace_days = models.PositiveIntegerField(default=30)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["market_id", "-version"]
        verbose_name_plural = "coverage policies"
        constraints = [
            models.UniqueConstraint(fields=["market", "version"], name="policy_version_unique_in_market"),
            models.CheckConstraint(condition=models.Q(version__gte=1), name="policy_version_positive"),
            models.CheckConstraint(condition=models.Q(coverage_radius_km__gt=0), name="policy_radius_positive"),
            models.CheckConstraint(
                condition=models.Q(population_coverage_pct__gte=0, population_coverage_pct__lte=100),
                name="policy_population_pct_range",
            ),
            models.CheckConstraint(
                condition=models.Q(critical_parts_fill_rate_pct__gte=0, critical_parts_fill_rate_pct__lte=100),
                name="policy_fill_rate_range",
            ),
            models.CheckConstraint(
                condition=models.Q(vehicles_per_service_centre__gte=1), name="policy_vehicles_per_centre_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.market_id} policy v{self.version}"

    def snapshot(self) -> dict:
        """The policy as stored with a report: every field, numbers as JSON numbers."""
        data = {
            "version": self.version,
            "effective_from": self.effective_from.isoformat() if self.effective_from else None,
        }
        for name in POLICY_FIELDS:
            value = getattr(self, name)
            data[name] = float(value) if isinstance(value, Decimal) else value
        return data


class ReportStatus(models.TextChoices):
    PENDING = "pending"
    DONE = "done"
    FAILED = "failed"


class CoverageReport(TenantModel):
    """One coverage evaluation of a brand in a market (DESIGN.md §4), computed by a task."""

    market = models.ForeignKey("registry.Market", on_delete=models.PROTECT, related_name="+")
    planned_annual_volume = models.PositiveIntegerField()
    vehicle_models = models.JSONField(default=list, blank=True)
    policy_version = models.PositiveIntegerField(null=True, blank=True)
    policy = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=7, choices=ReportStatus.choices, default=ReportStatus.PENDING)
    error = models.TextField(blank=True)
    metrics = models.JSONField(default=dict, blank=True)
    criteria = models.JSONField(default=list, blank=True)
    passed = models.BooleanField(null=True, blank=True)
    gaps = models.JSONField(default=list, blank=True)
    fingerprint = models.CharField(max_length=64, blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    computed_at = models.DateTimeField(null=True, blank=True)

    market_path = "market"

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["brand", "market", "-created_at"], name="report_brand_market_idx")]
        constraints = [
            models.CheckConstraint(condition=models.Q(status__in=ReportStatus.values), name="report_status_valid"),
            models.CheckConstraint(condition=~models.Q(market="CN"), name="report_not_home_market"),
        ]

    def __str__(self) -> str:
        return f"Coverage of {self.brand_id} in {self.market_id} ({self.status})"
