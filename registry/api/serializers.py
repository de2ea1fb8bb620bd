"""Serializers: they parse input types and render output. Domain rules live in the services;
a serializer never saves (views call the service with ``validated_data``)."""

from typing import Any

from django.contrib.auth import get_user_model
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from registry.audit.models import AuditEntry
from registry.coverage.models import POLICY_FIELDS, CoveragePolicy, CoverageReport
from registry.geography.models import Market
from registry.network.models import ServiceCentre
from registry.network.services import EDITABLE_FIELDS
from registry.parts.models import Part, PartsDepot, StockLevel, VehicleModel
from registry.tenancy.brands import brand_established_markets, export_authorization_quota
from registry.tenancy.models import Brand, Membership
from registry.vocabulary import Capability, PartCategory, Role

User = get_user_model()


class ErrorSerializer(serializers.Serializer):
    """The shape of every 4xx answer (DESIGN.md §6)."""

    detail = serializers.CharField()
    code = serializers.CharField()
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()), required=False)
    criteria = serializers.ListField(child=serializers.CharField(), required=False)


class BrandRefField(serializers.SlugRelatedField):
    """A brand given by its slug; which brands are acceptable is the service's decision."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("slug_field", "slug")
        kwargs.setdefault("queryset", Brand.objects.all())
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> Brand:
        brand = self.get_queryset().filter(slug=str(data)).first()
        request = self.context.get("request")
        from registry.tenancy.access import access_for

        if brand is None or request is None or not access_for(request.user).sees_brand(brand.pk):
            raise serializers.ValidationError(f"There is no brand “{data}” you belong to.")
        return brand


class MarketRefField(serializers.SlugRelatedField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("slug_field", "code")
        kwargs.setdefault("queryset", Market.objects.all())
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> Market:
        market = Market.objects.filter(code=str(data).upper()).first()
        if market is None:
            raise serializers.ValidationError(f"Unknown market code “{data}”.")
        return market


# --- markets and brands --------------------------------------------------------------------


class MarketSerializer(serializers.ModelSerializer):
    class Meta:
        model = Market
        fields = ["code", "name", "population", "postal_code_regex", "phone_prefix", "continent"]


class BrandSerializer(serializers.ModelSerializer):
    export_authorization_quota = serializers.SerializerMethodField()
    established_markets = serializers.SerializerMethodField()
    wmi_codes = serializers.ListField(child=serializers.CharField(max_length=3), required=False)

    class Meta:
        model = Brand
        fields = [
            "slug",
            "name",
            "annual_export_volume",
            "own_brand",
            "wmi_codes",
            "export_authorization_quota",
            "established_markets",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]
        extra_kwargs = {"slug": {"required": False, "validators": []}}

    def get_established_markets(self, brand: Brand) -> int:
        return brand_established_markets(brand)

    def get_export_authorization_quota(self, brand: Brand) -> int:
        return export_authorization_quota(brand)


class MembershipSerializer(serializers.ModelSerializer):
    username = serializers.CharField(source="user.username")
    markets = serializers.ListField(child=serializers.CharField(max_length=2), required=False, default=list)
    role = serializers.ChoiceField(choices=Role.choices)

    class Meta:
        model = Membership
        fields = ["username", "role", "markets", "created_at"]
        read_only_fields = ["created_at"]

    def to_representation(self, membership: Membership) -> dict[str, Any]:
        return {
            "username": membership.user.username,
            "role": membership.role,
            "markets": sorted(m.code for m in membership.markets.all()),
            "created_at": serializers.DateTimeField().to_representation(membership.created_at),
        }


class MembershipUpdateSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=Role.choices, required=False)
    markets = serializers.ListField(child=serializers.CharField(max_length=2), required=False)


class InvitationSerializer(serializers.Serializer):
    email = serializers.EmailField()
    role = serializers.ChoiceField(choices=Role.choices)
    markets = serializers.ListField(child=serializers.CharField(max_length=2), required=False, default=list)
    expires_at = serializers.DateTimeField(read_only=True)


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField()
    password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False)


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField()


# --- network data ---------------------------------------------------------------------------


class TenantSerializer(serializers.ModelSerializer):
    """Common shape: ``brand`` is written as a slug on create and is fixed afterwards."""

    brand = BrandRefField()

    def validate_brand(self, brand: Brand) -> Brand:
        if self.instance is not None and brand.pk != self.instance.brand_id:
            raise serializers.ValidationError("An object never moves to another brand.")
        return brand


class VehicleModelSerializer(TenantSerializer):
    class Meta:
        model = VehicleModel
        fields = ["id", "brand", "code", "name", "powertrain", "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]
        validators: list = []


@extend_schema_field({"type": "array", "items": {"type": "string", "enum": list(Capability.values)}})
class CapabilitiesField(serializers.ListField):
    child = serializers.CharField()


class ServiceCentreSerializer(TenantSerializer):
    market = MarketRefField()
    capabilities = CapabilitiesField(required=False)
    latitude = serializers.FloatField(required=False, allow_null=True)
    longitude = serializers.FloatField(required=False, allow_null=True)
    timezone = serializers.CharField(required=False, allow_blank=True, max_length=64)
    etag = serializers.SerializerMethodField()

    class Meta:
        model = ServiceCentre
        # The writable fields are the service's own list, so the two never drift apart.
        fields = [
            "id",
            "brand",
            "market",
            *EDITABLE_FIELDS,
            "location_precision",
            "is_qualifying",
            "etag",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["location_precision", "is_qualifying", "created_at", "updated_at"]
        validators: list = []
        extra_kwargs = {
            # Formats are the services' to judge, with messages that name the rule.
            "email": {"validators": []},
            "website": {"validators": []},
            "phone": {"max_length": 40},
        }

    def get_etag(self, centre: ServiceCentre) -> str:
        from registry.crud import etag_for

        return etag_for(centre)


class PartSerializer(TenantSerializer):
    fits_models = serializers.ListField(child=serializers.CharField(max_length=64), required=False)

    class Meta:
        model = Part
        fields = [
            "id",
            "brand",
            "part_number",
            "name",
            "category",
            "is_critical",
            "fits_models",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]
        validators: list = []


class PartsDepotSerializer(TenantSerializer):
    market = MarketRefField()
    latitude = serializers.FloatField(required=False, allow_null=True)
    longitude = serializers.FloatField(required=False, allow_null=True)

    class Meta:
        model = PartsDepot
        fields = ["id", "brand", "market", "code", "name", "city", "latitude", "longitude", "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]
        validators: list = []


class StockLevelSerializer(serializers.ModelSerializer):
    """Stock: ``depot`` and ``part`` by id; the brand follows from them (both must be one brand's)."""

    brand = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    depot = serializers.PrimaryKeyRelatedField(queryset=PartsDepot.objects.all())
    part = serializers.PrimaryKeyRelatedField(queryset=Part.objects.all())
    depot_code = serializers.CharField(source="depot.code", read_only=True)
    part_number = serializers.CharField(source="part.part_number", read_only=True)
    market = serializers.CharField(source="depot.market_id", read_only=True)
    updated_at = serializers.DateTimeField(required=False)
    etag = serializers.SerializerMethodField()

    class Meta:
        model = StockLevel
        fields = [
            "id",
            "brand",
            "depot",
            "part",
            "depot_code",
            "part_number",
            "market",
            "quantity_on_hand",
            "updated_at",
            "etag",
        ]
        validators: list = []

    def get_etag(self, stock: StockLevel) -> str:
        from registry.crud import etag_for

        return etag_for(stock)

    def _visible(self, obj: Any, label: str) -> Any:
        from registry.tenancy.access import access_for

        request = self.context["request"]
        if not access_for(request.user).sees_brand(obj.brand_id):
            raise serializers.ValidationError(f"There is no {label} with id {obj.pk} in your brands.")
        return obj

    def validate_depot(self, depot: PartsDepot) -> PartsDepot:
        return self._visible(depot, "depot")

    def validate_part(self, part: Part) -> Part:
        return self._visible(part, "part")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        depot, part = attrs.get("depot"), attrs.get("part")
        if depot is not None and part is not None and depot.brand_id != part.brand_id:
            raise serializers.ValidationError({"part": "The part belongs to another brand than the depot."})
        return attrs


class AuditEntrySerializer(serializers.ModelSerializer):
    brand = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = AuditEntry
        fields = [
            "id",
            "at",
            "actor_username",
            "brand",
            "object_type",
            "object_id",
            "object_repr",
            "action",
            "changes",
            "source",
        ]
        read_only_fields = fields


# --- coverage -------------------------------------------------------------------------------


class CoveragePolicySerializer(serializers.ModelSerializer):
    """A policy version. On write, ``effective_from`` is optional (default now); PUT needs
    every other field, PATCH only the ones it changes."""

    market = serializers.CharField(source="market_id", read_only=True)
    version = serializers.IntegerField(read_only=True)
    effective_from = serializers.DateTimeField(required=False, allow_null=True)
    coverage_radius_km = serializers.FloatField(min_value=0, max_value=20000)  # km; the service refuses 0
    population_coverage_pct = serializers.FloatField(min_value=0, max_value=100)
    critical_parts_fill_rate_pct = serializers.FloatField(min_value=0, max_value=100)
    required_part_categories = serializers.ListField(
        child=serializers.ChoiceField(choices=PartCategory.choices), allow_empty=True
    )
    # Both null for version 0, the default policy of a market nobody has published one for.
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    created_at = serializers.DateTimeField(read_only=True, allow_null=True)

    class Meta:
        model = CoveragePolicy
        fields = [
            "market",
            "version",
            "effective_from",
            *POLICY_FIELDS,
            "created_by",
            "created_at",
        ]
        read_only_fields = ["created_at"]
        # PUT takes every field; PATCH (partial) any subset.
        extra_kwargs = {name: {"required": True} for name in POLICY_FIELDS}


class MarketDetailSerializer(MarketSerializer):
    policy = serializers.SerializerMethodField()

    class Meta(MarketSerializer.Meta):
        fields = [*MarketSerializer.Meta.fields, "policy"]

    @extend_schema_field(CoveragePolicySerializer)
    def get_policy(self, market: Market) -> dict[str, Any]:
        from registry.coverage.selectors import policy_current

        policies = self.context.get("policies") or {}
        policy = policies.get(market.code) or policy_current(market=market)
        return CoveragePolicySerializer(policy).data


class CoverageReportRequestSerializer(serializers.Serializer):
    brand = BrandRefField()
    market = MarketRefField()
    planned_annual_volume = serializers.IntegerField(min_value=0, max_value=2_147_483_647)  # the column's range
    vehicle_models = serializers.ListField(child=serializers.CharField(max_length=64), required=False, default=list)


class CriterionSerializer(serializers.Serializer):
    code = serializers.ChoiceField(
        choices=["service_centres", "population_coverage", "critical_parts", "part_categories"]
    )
    label = serializers.CharField()
    required = serializers.FloatField()
    actual = serializers.FloatField()
    passed = serializers.BooleanField()
    explanation = serializers.CharField()


class GapSerializer(serializers.Serializer):
    geonameid = serializers.IntegerField()
    name = serializers.CharField()
    population = serializers.IntegerField()
    latitude = serializers.FloatField()
    longitude = serializers.FloatField()
    nearest_centre_km = serializers.FloatField(allow_null=True)


class CoverageMetricsSerializer(serializers.Serializer):
    qualifying_service_centres = serializers.IntegerField()
    verified_service_centres = serializers.IntegerField()
    required_service_centres = serializers.IntegerField()
    population_total = serializers.IntegerField()
    population_covered = serializers.IntegerField()
    population_coverage_pct = serializers.FloatField()
    country_population = serializers.IntegerField()
    critical_parts_total = serializers.IntegerField()
    critical_parts_in_stock = serializers.IntegerField()
    critical_parts_fill_rate_pct = serializers.FloatField()
    part_categories_covered = serializers.IntegerField()


class CoverageReportSerializer(serializers.ModelSerializer):
    brand = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    market = serializers.CharField(source="market_id", read_only=True)
    metrics = serializers.SerializerMethodField()
    criteria = CriterionSerializer(many=True, read_only=True)
    gaps = GapSerializer(many=True, read_only=True)
    policy = serializers.JSONField(read_only=True)
    requested_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = CoverageReport
        fields = [
            "id",
            "brand",
            "market",
            "planned_annual_volume",
            "vehicle_models",
            "status",
            "error",
            "passed",
            "metrics",
            "criteria",
            "gaps",
            "policy_version",
            "policy",
            "fingerprint",
            "requested_by",
            "created_at",
            "computed_at",
        ]
        read_only_fields = fields

    @extend_schema_field(CoverageMetricsSerializer(allow_null=True))
    def get_metrics(self, report: CoverageReport) -> dict[str, Any] | None:
        return report.metrics or None
