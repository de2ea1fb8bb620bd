"""Reading vehicle models, parts, depots and stock through the tenancy layer."""

from typing import Any

from django.db.models import QuerySet

from registry.parts.models import Part, PartsDepot, StockLevel, VehicleModel
from registry.tenancy.access import scoped


def vehicle_models_visible(*, user: Any) -> QuerySet[VehicleModel]:
    return scoped(VehicleModel.objects.select_related("brand"), user)


def parts_visible(*, user: Any) -> QuerySet[Part]:
    return scoped(Part.objects.select_related("brand"), user)


def depots_visible(*, user: Any) -> QuerySet[PartsDepot]:
    return scoped(PartsDepot.objects.select_related("brand", "market"), user)


def stock_visible(*, user: Any) -> QuerySet[StockLevel]:
    return scoped(StockLevel.objects.select_related("brand", "depot", "part"), user)
