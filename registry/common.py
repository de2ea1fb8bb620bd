"""Small pieces shared by every area of the registry."""

from django.db import models


def choices_check(field: str, choices: type[models.TextChoices], *, name: str) -> models.CheckConstraint:
    """A check constraint that keeps ``field`` inside a fixed vocabulary."""
    return models.CheckConstraint(condition=models.Q(**{f"{field}__in": choices.values}), name=name)


def coordinates_checks(prefix: str) -> list[models.CheckConstraint]:
    return [
        models.CheckConstraint(
            condition=models.Q(latitude__gte=-90, latitude__lte=90), name=f"{prefix}_latitude_range"
        ),
        models.CheckConstraint(
            condition=models.Q(longitude__gte=-180, longitude__lte=180), name=f"{prefix}_longitude_range"
        ),
    ]


class TenantModel(models.Model):
    """Base for every table that belongs to one brand (DESIGN.md §2).

    ``market_path`` names the lookup from the row to its market, or is ``None`` for data that
    is brand-wide (parts, vehicle models); the tenancy layer scopes on it.
    """

    brand = models.ForeignKey("registry.Brand", on_delete=models.PROTECT, related_name="+")

    market_path: str | None = None

    class Meta:
        abstract = True
