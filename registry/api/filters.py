"""django-filter sets for the API's lists: one per resource, the same parameter names
everywhere (``brand`` slug, ``market`` code, ``code``, ``q`` text)."""

from django import forms
from django.db.models import Q, QuerySet
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema_field

from registry.audit.models import AuditEntry
from registry.coverage.models import CoverageReport, ReportStatus
from registry.geography.models import Market
from registry.network.models import ServiceCentre
from registry.parts.models import Part, PartsDepot, StockLevel, VehicleModel
from registry.vocabulary import Capability, CentreKind, CentreStatus, PartCategory


class TextSearchFilter(filters.CharFilter):
    """``q``: case-insensitive text search over the given fields."""

    def __init__(self, *, fields: tuple[str, ...], **kwargs) -> None:  # noqa: ANN003
        kwargs.setdefault("label", "Text search")
        super().__init__(**kwargs)
        self.search_fields = fields

    def filter(self, qs: QuerySet, value: str) -> QuerySet:
        if not value:
            return qs
        condition = Q()
        for field in self.search_fields:
            condition |= Q(**{f"{field}__icontains": value})
        return qs.filter(condition)


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": 2**63 - 1})
class IdFilter(filters.NumberFilter):
    """An object's id: a whole number (django-filter's ``NumberFilter`` takes any decimal, and
    one too large for the database's integers fails in the query instead of answering 400)."""

    field_class = forms.IntegerField

    def __init__(self, **kwargs) -> None:  # noqa: ANN003
        # A foreign key's lookup, unlike a primary key's, passes an out-of-range number on to
        # the database, which fails on it: ids are 64-bit and positive.
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 2**63 - 1)
        super().__init__(**kwargs)


class MarketFilter(filters.FilterSet):
    q = TextSearchFilter(fields=("name", "code"))
    continent = filters.CharFilter()

    class Meta:
        model = Market
        fields = ["continent"]


class VehicleModelFilter(filters.FilterSet):
    brand = filters.CharFilter(field_name="brand__slug")
    code = filters.CharFilter()
    q = TextSearchFilter(fields=("code", "name"))

    class Meta:
        model = VehicleModel
        fields = ["brand", "code", "powertrain"]


class ServiceCentreFilter(filters.FilterSet):
    brand = filters.CharFilter(field_name="brand__slug")
    market = filters.CharFilter(field_name="market_id")
    status = filters.ChoiceFilter(choices=CentreStatus.choices)
    kind = filters.ChoiceFilter(choices=CentreKind.choices)
    capability = filters.ChoiceFilter(choices=Capability.choices, method="filter_capability")
    code = filters.CharFilter()
    q = TextSearchFilter(fields=("name", "city", "code", "address"))

    class Meta:
        model = ServiceCentre
        fields = ["brand", "market", "status", "kind", "capability", "code", "is_public"]

    def filter_capability(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        return qs.filter(capabilities__has_element=value) if value else qs


class PartFilter(filters.FilterSet):
    brand = filters.CharFilter(field_name="brand__slug")
    category = filters.ChoiceFilter(choices=PartCategory.choices)
    code = filters.CharFilter(field_name="part_number", label="Part number")
    part_number = filters.CharFilter()
    q = TextSearchFilter(fields=("part_number", "name"))

    class Meta:
        model = Part
        fields = ["brand", "category", "code", "part_number", "is_critical"]


class PartsDepotFilter(filters.FilterSet):
    brand = filters.CharFilter(field_name="brand__slug")
    market = filters.CharFilter(field_name="market_id")
    code = filters.CharFilter()
    q = TextSearchFilter(fields=("code", "name", "city"))

    class Meta:
        model = PartsDepot
        fields = ["brand", "market", "code"]


class StockLevelFilter(filters.FilterSet):
    brand = filters.CharFilter(field_name="brand__slug")
    market = filters.CharFilter(field_name="depot__market_id")
    depot = IdFilter(field_name="depot_id")
    part = IdFilter(field_name="part_id")
    depot_code = filters.CharFilter(field_name="depot__code")
    code = filters.CharFilter(field_name="part__part_number", label="Part number")
    category = filters.ChoiceFilter(field_name="part__category", choices=PartCategory.choices)

    class Meta:
        model = StockLevel
        fields = ["brand", "market", "depot", "part", "depot_code", "code", "category"]


class AuditEntryFilter(filters.FilterSet):
    brand = filters.CharFilter(field_name="brand__slug")
    object_type = filters.CharFilter()
    object_id = filters.CharFilter()
    action = filters.CharFilter()

    class Meta:
        model = AuditEntry
        fields = ["brand", "object_type", "object_id", "action"]


class CoverageReportFilter(filters.FilterSet):
    brand = filters.CharFilter(field_name="brand__slug")
    market = filters.CharFilter(field_name="market_id")
    status = filters.ChoiceFilter(choices=ReportStatus.choices)
    passed = filters.BooleanFilter()

    class Meta:
        model = CoverageReport
        fields = ["brand", "market", "status", "passed"]
