"""Reading service centres through the tenancy layer."""

from typing import Any

from django.db.models import QuerySet

from registry.network.models import ServiceCentre
from registry.tenancy.access import scoped


def service_centres_visible(*, user: Any) -> QuerySet[ServiceCentre]:
    """Centres of the brands (and, for country managers, markets) the user may see."""
    return scoped(ServiceCentre.objects.select_related("brand", "market"), user)
