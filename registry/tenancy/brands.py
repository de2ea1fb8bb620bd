"""Brand figures derived from the network: established markets and the exporter quota.

A market "has a network" when the brand has at least one qualifying centre there; only
overseas markets count (DESIGN.md §5). The quota tiers are those of the 2012 notice for
passenger-car makers; the licensing issue will make the thresholds data that officials edit.
"""

from dataclasses import dataclass

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce

from registry.network.models import ServiceCentre
from registry.tenancy.models import Brand
from registry.vocabulary import HOME_MARKET


@dataclass(frozen=True)
class QuotaTier:
    min_volume: int
    min_markets: int
    own_brand_required: bool
    quota: int


DEFAULT_QUOTA_TIERS = (
    QuotaTier(min_volume=2000, min_markets=5, own_brand_required=True, quota=5),
    QuotaTier(min_volume=200, min_markets=1, own_brand_required=False, quota=3),
    QuotaTier(min_volume=0, min_markets=1, own_brand_required=False, quota=1),
)


def with_established_markets(queryset: QuerySet[Brand]) -> QuerySet[Brand]:
    """Annotate ``established_markets`` in the same query (no query per brand)."""
    markets = (
        ServiceCentre.objects.qualifying()
        .filter(brand=OuterRef("pk"))
        .exclude(market_id=HOME_MARKET)
        .order_by()
        .values("brand")
        .annotate(n=Count("market", distinct=True))
        .values("n")
    )
    return queryset.annotate(established_markets=Coalesce(Subquery(markets, output_field=IntegerField()), 0))


def brand_established_markets(brand: Brand) -> int:
    annotated = getattr(brand, "established_markets", None)
    if annotated is not None:
        return int(annotated)
    return (
        ServiceCentre.objects.qualifying()
        .filter(brand=brand)
        .exclude(market_id=HOME_MARKET)
        .values("market")
        .distinct()
        .count()
    )


def export_authorization_quota(brand: Brand, tiers: tuple[QuotaTier, ...] = DEFAULT_QUOTA_TIERS) -> int:
    """How many export companies the brand may authorise; 0 without an overseas network."""
    markets = brand_established_markets(brand)
    for tier in tiers:
        if (
            brand.annual_export_volume >= tier.min_volume
            and markets >= tier.min_markets
            and (brand.own_brand or not tier.own_brand_required)
        ):
            return tier.quota
    return 0
