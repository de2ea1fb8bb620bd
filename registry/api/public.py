"""The public finder, ``GET /api/v1/public/service-centres/`` (DESIGN.md §6).

Anyone may ask, without logging in; each client IP is throttled at ``PUBLIC_FINDER_RATE``.
The view parses the query, calls ``registry.network.finder.public_service_centres`` and
renders what it returns. Bad parameters answer 400 in the §6 error shape, naming each one.
"""

from datetime import datetime
from typing import Any, ClassVar

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from registry.api.serializers import CapabilitiesField, ErrorSerializer
from registry.geography.models import Market
from registry.network.finder import FoundCentre, public_service_centres
from registry.tenancy.models import Brand
from registry.vocabulary import Capability, CentreKind, LocationPrecision

DEFAULT_LIMIT = 20
MAX_LIMIT = 100
MAX_RADIUS_KM = 2000.0


def clock() -> datetime:
    """The moment "open now" is judged at (tests replace it)."""
    return timezone.now()


class PublicFinderThrottle(AnonRateThrottle):
    """Requests per client IP (``X-Forwarded-For`` as far as ``NUM_PROXIES`` trusts it)."""

    scope = "public"

    def get_rate(self) -> str | None:
        # Read on every request: DRF's class attribute is frozen at import and would miss
        # settings changed later (a test's tiny rate, the benchmark's unlimited one).
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)


# --- Query parameters ---------------------------------------------------------------------


class QueryBooleanField(serializers.Field):
    """``true`` or ``false``, nothing else: a query string has no other booleans."""

    default_error_messages: ClassVar[dict[str, str]] = {"invalid": "Give true or false."}

    def to_internal_value(self, data: Any) -> bool:
        text = str(data).strip().lower()
        if text not in ("true", "false"):
            self.fail("invalid")
        return text == "true"

    def to_representation(self, value: bool) -> str:
        return "true" if value else "false"


class PublicServiceCentreQuerySerializer(serializers.Serializer):
    lat = serializers.FloatField(required=False, min_value=-90.0, max_value=90.0)
    lon = serializers.FloatField(required=False, min_value=-180.0, max_value=180.0)
    radius_km = serializers.FloatField(required=False, max_value=MAX_RADIUS_KM)
    brand = serializers.SlugField(required=False, max_length=60)
    market = serializers.CharField(required=False, max_length=10)
    capability = serializers.ChoiceField(
        required=False,
        choices=Capability.choices,
        error_messages={
            "invalid_choice": f"Unknown capability “{{input}}”; use one of {', '.join(Capability.values)}."
        },
    )
    q = serializers.CharField(required=False, max_length=100)
    open_now = QueryBooleanField(required=False, default=False)
    limit = serializers.IntegerField(required=False, default=DEFAULT_LIMIT, min_value=1, max_value=MAX_LIMIT)

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        # An empty parameter (``?brand=``, as a search form sends it) means "not given".
        return super().to_internal_value({key: value for key, value in data.items() if str(value).strip() != ""})

    def validate_radius_km(self, value: float) -> float:
        if value <= 0:
            raise serializers.ValidationError("Give a radius greater than 0 km.")
        return value

    def validate_brand(self, value: str) -> str:
        if not Brand.objects.filter(slug=value).exists():
            raise serializers.ValidationError(f"Unknown brand “{value}”.")
        return value

    def validate_market(self, value: str) -> str:
        code = value.strip().upper()
        if not Market.objects.filter(code=code).exists():
            raise serializers.ValidationError(
                f"Unknown market “{value}”; give an ISO 3166-1 alpha-2 country code such as KE."
            )
        return code

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        errors: dict[str, list[str]] = {}
        if "lat" in attrs and "lon" not in attrs:
            errors["lon"] = ["Give lon together with lat."]
        if "lon" in attrs and "lat" not in attrs:
            errors["lat"] = ["Give lat together with lon."]
        if "radius_km" in attrs and not ("lat" in attrs or "lon" in attrs):
            errors["radius_km"] = ["radius_km needs a point: give lat and lon too."]
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


# --- Answer -------------------------------------------------------------------------------


class PublicServiceCentreBrandSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    name = serializers.CharField()


class PublicServiceCentreSerializer(serializers.Serializer):
    """One centre as the public sees it: contact details, no internal figures."""

    id = serializers.IntegerField(source="centre.id")
    brand = PublicServiceCentreBrandSerializer(source="centre.brand")
    name = serializers.CharField(source="centre.name")
    kind = serializers.ChoiceField(source="centre.kind", choices=CentreKind.choices)
    market = serializers.CharField(source="centre.market_id", help_text="ISO 3166-1 alpha-2 code.")
    address = serializers.CharField(source="centre.address")
    city = serializers.CharField(source="centre.city")
    postal_code = serializers.CharField(source="centre.postal_code")
    latitude = serializers.FloatField(source="centre.latitude")
    longitude = serializers.FloatField(source="centre.longitude")
    location_precision = serializers.ChoiceField(
        source="centre.location_precision",
        choices=LocationPrecision.choices,
        help_text="`city`: the position is the city's, an approximate location.",
    )
    phone = serializers.CharField(source="centre.phone", help_text="E.164, or empty.")
    email = serializers.CharField(source="centre.email")
    website = serializers.CharField(source="centre.website")
    opening_hours = serializers.CharField(
        source="centre.opening_hours", help_text="OpenStreetMap opening_hours syntax; empty when unknown."
    )
    timezone = serializers.CharField(source="centre.timezone", help_text="IANA time zone of the centre.")
    open_now = serializers.BooleanField(
        allow_null=True, help_text="Open at this moment in its own time zone; null when its hours are unknown."
    )
    capabilities = CapabilitiesField(source="centre.capabilities")
    verified = serializers.BooleanField(help_text="Checked by an official (not recorded yet: always false).")
    updated_at = serializers.DateTimeField(source="centre.updated_at")
    distance_km = serializers.SerializerMethodField(
        help_text="Great-circle distance from the point asked about, in km (3 decimals); null without a point."
    )

    @extend_schema_field({"type": "number", "format": "double", "nullable": True})
    def get_distance_km(self, found: FoundCentre) -> float | None:
        return None if found.distance_km is None else round(found.distance_km, 3)

    def to_representation(self, found: FoundCentre) -> dict[str, Any]:
        # The same answer as the fields above (a test holds the two together), written out:
        # DRF's generic walk over 21 fields costs more per request than the search itself.
        centre = found.centre
        return {
            "id": centre.id,
            "brand": {"slug": centre.brand.slug, "name": centre.brand.name},
            "name": centre.name,
            "kind": centre.kind,
            "market": centre.market_id,
            "address": centre.address,
            "city": centre.city,
            "postal_code": centre.postal_code,
            "latitude": centre.latitude,
            "longitude": centre.longitude,
            "location_precision": centre.location_precision,
            "phone": centre.phone,
            "email": centre.email,
            "website": centre.website,
            "opening_hours": centre.opening_hours,
            "timezone": centre.timezone,
            "open_now": found.open_now,
            "capabilities": list(centre.capabilities),
            "verified": found.verified,
            "updated_at": _DATETIME.to_representation(centre.updated_at),
            "distance_km": self.get_distance_km(found),
        }


_DATETIME = serializers.DateTimeField()


class PublicServiceCentreListSerializer(serializers.Serializer):
    count = serializers.IntegerField(help_text="Number of results returned (there is no paging).")
    results = PublicServiceCentreSerializer(many=True)


# --- Documentation ------------------------------------------------------------------------

_PARAMETERS = [
    OpenApiParameter(
        "lat",
        OpenApiTypes.DOUBLE,
        description="Latitude of the point to search from, in degrees [-90, 90]; give it with `lon`.",
        examples=[OpenApiExample("Nairobi", value=-1.2921)],
    ),
    OpenApiParameter(
        "lon",
        OpenApiTypes.DOUBLE,
        description="Longitude of the point, in degrees [-180, 180]; give it with `lat`.",
        examples=[OpenApiExample("Nairobi", value=36.8219)],
    ),
    OpenApiParameter(
        "radius_km",
        OpenApiTypes.DOUBLE,
        description=f"Only centres within this great-circle distance of the point (> 0, at most {MAX_RADIUS_KM:g}); "
        "needs `lat` and `lon`.",
        examples=[OpenApiExample("150 km", value=150)],
    ),
    OpenApiParameter(
        "brand",
        OpenApiTypes.STR,
        description="Only this brand's centres (the brand's slug).",
        examples=[OpenApiExample("A brand", value="volta-motors")],
    ),
    OpenApiParameter(
        "market",
        OpenApiTypes.STR,
        description="Only centres in this market (ISO 3166-1 alpha-2 code).",
        examples=[OpenApiExample("Kenya", value="KE")],
    ),
    OpenApiParameter(
        "capability",
        OpenApiTypes.STR,
        enum=Capability.values,
        description="Only centres with this capability.",
        examples=[OpenApiExample("High-voltage EV work", value="ev_high_voltage")],
    ),
    OpenApiParameter(
        "q",
        OpenApiTypes.STR,
        description="Text that the centre's name or city contains (case-insensitive).",
        examples=[OpenApiExample("City", value="Mombasa")],
    ),
    OpenApiParameter(
        "open_now",
        OpenApiTypes.STR,
        enum=["true", "false"],
        description="`true`: only centres open at this moment in their own time zone (unknown hours never match).",
        examples=[OpenApiExample("Open now", value="true")],
    ),
    OpenApiParameter(
        "limit",
        OpenApiTypes.INT,
        description=f"Most results to return (default {DEFAULT_LIMIT}, at most {MAX_LIMIT}); "
        "every filter applies first.",
        examples=[OpenApiExample("Ten", value=10)],
    ),
]

_EXAMPLE_RESULT = {
    "count": 1,
    "results": [
        {
            "id": 42,
            "brand": {"slug": "volta-motors", "name": "Volta Motors"},
            "name": "Volta Service Nairobi West",
            "kind": "authorized_partner",
            "market": "KE",
            "address": "Mombasa Road 12",
            "city": "Nairobi",
            "postal_code": "00100",
            "latitude": -1.3192,
            "longitude": 36.8473,
            "location_precision": "exact",
            "phone": "+254712345678",
            "email": "service@example.com",
            "website": "https://example.com/nairobi",
            "opening_hours": "Mo-Fr 08:00-18:00; Sa 09:00-13:00",
            "timezone": "Africa/Nairobi",
            "open_now": True,
            "capabilities": ["ev_high_voltage", "diagnostics"],
            "verified": False,
            "updated_at": "2026-01-05T09:30:00Z",
            "distance_km": 4.218,
        }
    ],
}

_EXAMPLES = [
    OpenApiExample("Nearest centres", value=_EXAMPLE_RESULT, response_only=True, status_codes=["200"]),
    OpenApiExample(
        "Bad parameter",
        value={
            "detail": "lat: Ensure this value is less than or equal to 90.0.",
            "code": "invalid",
            "errors": {"lat": ["Ensure this value is less than or equal to 90.0."]},
        },
        response_only=True,
        status_codes=["400"],
    ),
    OpenApiExample(
        "Throttled",
        value={"detail": "Request was throttled. Expected available in 30 seconds.", "code": "throttled"},
        response_only=True,
        status_codes=["429"],
    ),
]


class PublicServiceCentreList(APIView):
    """Find authorised repair locations: nearest to a point, or by market, city and name."""

    permission_classes: ClassVar[list] = [AllowAny]
    authentication_classes: ClassVar[list] = []
    throttle_classes: ClassVar[list] = [PublicFinderThrottle]

    @extend_schema(
        operation_id="public_service_centres_find",
        summary="Find service centres",
        description=(
            "Active, public service centres of every brand. With `lat` and `lon` the nearest come first, "
            "each with its great-circle `distance_km`; without a point they are ordered by market, city and "
            "name. Filters apply before `limit`. No login needed; requests are limited per client IP (429)."
        ),
        tags=["public"],
        auth=[],
        parameters=_PARAMETERS,
        responses={200: PublicServiceCentreListSerializer, 400: ErrorSerializer, 429: ErrorSerializer},
        examples=_EXAMPLES,
    )
    def get(self, request: Request) -> Response:
        query = PublicServiceCentreQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        found = public_service_centres(
            lat=params.get("lat"),
            lon=params.get("lon"),
            radius_km=params.get("radius_km"),
            brand=params.get("brand"),
            market=params.get("market"),
            capability=params.get("capability"),
            q=params.get("q"),
            open_now=params["open_now"],
            limit=params["limit"],
            now=clock(),
        )
        results = PublicServiceCentreSerializer(found, many=True).data
        return Response({"count": len(results), "results": results})
