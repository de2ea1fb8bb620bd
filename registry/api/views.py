"""API views: parse, call one selector or service, serialize. No rules live here.

Tenant resources share ``TenantViewSet``: the queryset comes from the tenancy layer's
selector (so other brands' objects are 404 and absent from lists), writes go through the
resource's services (which raise ``Forbidden`` for a missing role), and every error leaves in
the §6 shape through ``registry.api.errors``.
"""

from collections.abc import Callable
from typing import Any, ClassVar

from django.contrib.auth import authenticate
from django.db.models import Model, QuerySet
from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.authtoken.models import Token
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from registry.api import filters, serializers
from registry.api.pagination import Pagination
from registry.audit.selectors import audit_entries_visible
from registry.coverage import services as coverage_services
from registry.coverage.selectors import coverage_reports_visible, current_policies, policy_current, policy_versions
from registry.crud import etag_for
from registry.errors import Forbidden, NotFound
from registry.geography.models import Market
from registry.network import services as centre_services
from registry.network.selectors import service_centres_visible
from registry.parts import services as part_services
from registry.parts.selectors import depots_visible, parts_visible, stock_visible, vehicle_models_visible
from registry.tenancy import services as tenancy_services
from registry.tenancy.access import access_for
from registry.tenancy.brands import with_established_markets
from registry.tenancy.models import Membership
from registry.tenancy.selectors import brand_for_member_admin, brand_get, brands_visible, memberships_of

IF_MATCH = OpenApiParameter(
    "If-Match",
    location=OpenApiParameter.HEADER,
    required=False,
    description="The ETag you last read; a stale one is refused with 412 and nothing changes.",
)


class TokenView(APIView):
    """Exchange a username and password for an API token (``Authorization: Token <token>``)."""

    permission_classes = [AllowAny]
    authentication_classes: ClassVar[list] = []

    @extend_schema(request=serializers.TokenRequestSerializer, responses={200: serializers.TokenSerializer})
    def post(self, request: Request) -> Response:
        data = serializers.TokenRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = authenticate(request, **data.validated_data)
        if user is None:
            raise ValidationError({"non_field_errors": ["The username or password is wrong."]})
        token, _ = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})


# --- markets and brands ---------------------------------------------------------------------


class MarketViewSet(viewsets.ReadOnlyModelViewSet):
    """Markets (one per country) with the coverage policy in force. Anyone may read them."""

    queryset = Market.objects.all()
    serializer_class = serializers.MarketDetailSerializer
    permission_classes = [AllowAny]
    lookup_field = "code"
    filterset_class = filters.MarketFilter
    ordering_fields = ["code", "name", "population"]

    def get_object(self) -> Market:
        market = Market.objects.filter(code=str(self.kwargs["code"]).upper()).first()
        if market is None:
            raise NotFound("No such market.")
        return market

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        context = {**self.get_serializer_context(), "policies": current_policies(page)}
        return self.get_paginated_response(self.get_serializer_class()(page, many=True, context=context).data)

    @extend_schema(responses={200: serializers.CoveragePolicySerializer(many=True)})
    @action(detail=True, methods=["get"], url_path="policy/versions", filterset_class=None, ordering_fields=[])
    def policy_versions(self, request: Request, code: str) -> Response:
        """Every published version of the market's coverage policy, newest first."""
        page = self.paginate_queryset(policy_versions(market=self.get_object()).select_related("created_by"))
        return self.get_paginated_response(serializers.CoveragePolicySerializer(page, many=True).data)


@extend_schema(tags=["markets"])
class MarketPolicyView(GenericAPIView):
    """The market's coverage policy in force; officials publish a new version with PUT
    (every field; ``effective_from`` optional) or PATCH (only what changes)."""

    serializer_class = serializers.CoveragePolicySerializer

    def get_permissions(self) -> list:
        return [AllowAny()] if self.request.method in ("GET", "HEAD", "OPTIONS") else super().get_permissions()

    def _market(self, code: str) -> Market:
        market = Market.objects.filter(code=code.upper()).first()
        if market is None:
            raise NotFound("No such market.")
        return market

    def get_object(self) -> Any:
        # Also what OPTIONS describes a PUT against (DRF's metadata asks for the object).
        return policy_current(market=self._market(self.kwargs["code"]))

    def get(self, request: Request, code: str) -> Response:
        return Response(self.get_serializer(self.get_object()).data)

    def put(self, request: Request, code: str) -> Response:
        return self._publish(request, code, partial=False)

    def patch(self, request: Request, code: str) -> Response:
        return self._publish(request, code, partial=True)

    def _publish(self, request: Request, code: str, *, partial: bool) -> Response:
        market = self._market(code)
        if not access_for(request.user).is_official:
            raise Forbidden("Only officials set coverage policies.")
        data = self.get_serializer(data=request.data, partial=partial)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        effective_from = values.pop("effective_from", None)
        policy = coverage_services.policy_publish(
            by=request.user, market=market, values=values, effective_from=effective_from, partial=partial
        )
        return Response(self.get_serializer(policy).data)


class BrandViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Brands: members see theirs, officials and staff all; staff onboard; PATCH by role (§2)."""

    serializer_class = serializers.BrandSerializer
    lookup_field = "slug"
    ordering_fields = ["name", "slug"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet:
        return with_established_markets(brands_visible(user=self.request.user))

    def get_object(self) -> Model:
        brand_get(user=self.request.user, slug=self.kwargs["slug"])  # 404 unless visible
        return self.get_queryset().get(slug=self.kwargs["slug"])

    def perform_create(self, serializer: serializers.BrandSerializer) -> None:
        serializer.instance = tenancy_services.brand_create(by=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer: serializers.BrandSerializer) -> None:
        brand = tenancy_services.brand_update(
            by=self.request.user, brand=serializer.instance, data=serializer.validated_data
        )
        serializer.instance = self.get_queryset().get(pk=brand.pk)


@extend_schema(tags=["brands"])
class MemberListView(GenericAPIView):
    """A brand's members: brand admins (and platform staff) list and add them."""

    serializer_class = serializers.MembershipSerializer
    pagination_class = Pagination
    queryset = Membership.objects.none()  # for the schema only; rows come from memberships_of

    @extend_schema(operation_id="brands_members_list", responses=serializers.MembershipSerializer(many=True))
    def get(self, request: Request, slug: str) -> Response:
        brand = self._brand(slug, request)
        page = self.paginate_queryset(memberships_of(user=request.user, brand=brand))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(responses={201: serializers.MembershipSerializer})
    def post(self, request: Request, slug: str) -> Response:
        brand = self._brand(slug, request)
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = tenancy_services.user_by_username(data.validated_data["user"]["username"])
        membership = tenancy_services.membership_add(
            by=request.user,
            brand=brand,
            user=user,
            role=data.validated_data["role"],
            markets=data.validated_data.get("markets", []),
        )
        return Response(self.get_serializer(membership).data, status=status.HTTP_201_CREATED)

    def _brand(self, slug: str, request: Request) -> Any:
        return brand_for_member_admin(user=request.user, slug=slug)


@extend_schema(tags=["brands"])
class MemberDetailView(GenericAPIView):
    """Change a member's role or markets, or remove them; the last admin stays."""

    serializer_class = serializers.MembershipSerializer
    queryset = Membership.objects.none()  # for the schema only

    def _membership(self, request: Request, slug: str, username: str) -> Any:
        brand = brand_for_member_admin(user=request.user, slug=slug)
        membership = memberships_of(user=request.user, brand=brand).filter(user__username=username).first()
        if membership is None:
            raise NotFound(f"{username} is not a member of this brand.")
        return membership

    def get(self, request: Request, slug: str, username: str) -> Response:
        return Response(self.get_serializer(self._membership(request, slug, username)).data)

    @extend_schema(request=serializers.MembershipUpdateSerializer)
    def patch(self, request: Request, slug: str, username: str) -> Response:
        membership = self._membership(request, slug, username)
        data = serializers.MembershipUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        membership = tenancy_services.membership_update(by=request.user, membership=membership, **data.validated_data)
        return Response(
            self.get_serializer(memberships_of(user=request.user, brand=membership.brand).get(pk=membership.pk)).data
        )

    def delete(self, request: Request, slug: str, username: str) -> Response:
        tenancy_services.membership_remove(by=request.user, membership=self._membership(request, slug, username))
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(tags=["brands"])
class InvitationCreateView(GenericAPIView):
    """Invite someone by e-mail: a single-use link valid 7 days, accepted by choosing a password."""

    serializer_class = serializers.InvitationSerializer

    @extend_schema(responses={201: serializers.InvitationSerializer})
    def post(self, request: Request, slug: str) -> Response:
        brand = brand_for_member_admin(user=request.user, slug=slug)
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        invitation, _token = tenancy_services.invitation_create(
            by=request.user,
            brand=brand,
            accept_url=request.build_absolute_uri(reverse("portal:invitation-accept-base")),
            **data.validated_data,
        )
        body = {
            "email": invitation.email,
            "role": invitation.role,
            "markets": sorted(m.code for m in invitation.markets.all()),
            "expires_at": invitation.expires_at,
        }
        return Response(serializers.InvitationSerializer(body).data, status=status.HTTP_201_CREATED)


# --- tenant resources ---------------------------------------------------------------------


class TenantViewSet(viewsets.ModelViewSet):
    """CRUD over one tenant resource, wired to its selector and services.

    Subclasses name ``selector`` and the three ``*_service`` callables and say how the
    validated data maps onto the service's arguments in ``create_object``/``update_object``.
    """

    selector: ClassVar[Callable[..., QuerySet]]
    uses_etag: ClassVar[bool] = False

    def get_queryset(self) -> QuerySet:
        return type(self).selector(user=self.request.user)

    def _if_match(self) -> str | None:
        return self.request.headers.get("If-Match") if self.uses_etag else None

    def _respond(self, instance: Model, code: int = status.HTTP_200_OK) -> Response:
        response = Response(self.get_serializer(instance).data, status=code)
        if self.uses_etag:
            response["ETag"] = etag_for(instance)
        return response

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._respond(self.get_object())

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        instance = self.create_object(dict(serializer.validated_data))
        return self._respond(self.get_queryset().get(pk=instance.pk), status.HTTP_201_CREATED)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        instance = self.get_object()
        serializer = self.get_serializer(instance, data=request.data, partial=kwargs.get("partial", False))
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data.pop("brand", None)
        instance = self.update_object(instance, data)
        return self._respond(self.get_queryset().get(pk=instance.pk))

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        instance = self.get_object()
        outcome = self.delete_object(instance)
        if outcome == "closed":
            return self._respond(self.get_queryset().get(pk=instance.pk))
        return Response(status=status.HTTP_204_NO_CONTENT)

    def create_object(self, data: dict[str, Any]) -> Model:
        raise NotImplementedError

    def update_object(self, instance: Model, data: dict[str, Any]) -> Model:
        raise NotImplementedError

    def delete_object(self, instance: Model) -> str | None:
        raise NotImplementedError


@extend_schema_view(
    update=extend_schema(parameters=[IF_MATCH]),
    partial_update=extend_schema(parameters=[IF_MATCH]),
    destroy=extend_schema(
        parameters=[IF_MATCH],
        description="Deletes the centre; a centre named by evidence, an approval or a confirmation is closed "
        "instead and returned with status 200.",
        responses={200: serializers.ServiceCentreSerializer, 204: None},
    ),
)
class ServiceCentreViewSet(TenantViewSet):
    """Service centres of the brands you belong to (officials read all)."""

    selector = service_centres_visible
    serializer_class = serializers.ServiceCentreSerializer
    filterset_class = filters.ServiceCentreFilter
    ordering_fields = ["code", "name", "city", "market", "status", "updated_at"]
    uses_etag = True

    def create_object(self, data: dict[str, Any]) -> Model:
        brand, market = data.pop("brand"), data.pop("market")
        return centre_services.service_centre_create(by=self.request.user, brand=brand, market=market, data=data)

    def update_object(self, instance: Model, data: dict[str, Any]) -> Model:
        return centre_services.service_centre_update(
            by=self.request.user, centre=instance, data=data, if_match=self._if_match()
        )

    def delete_object(self, instance: Model) -> str | None:
        return centre_services.service_centre_delete(by=self.request.user, centre=instance, if_match=self._if_match())


class VehicleModelViewSet(TenantViewSet):
    """Vehicle models of the brands you belong to."""

    selector = vehicle_models_visible
    serializer_class = serializers.VehicleModelSerializer
    filterset_class = filters.VehicleModelFilter
    ordering_fields = ["code", "name"]

    def create_object(self, data: dict[str, Any]) -> Model:
        brand = data.pop("brand")
        return part_services.vehicle_model_create(by=self.request.user, brand=brand, data=data)

    def update_object(self, instance: Model, data: dict[str, Any]) -> Model:
        return part_services.vehicle_model_update(by=self.request.user, vehicle_model=instance, data=data)

    def delete_object(self, instance: Model) -> str | None:
        part_services.vehicle_model_delete(by=self.request.user, vehicle_model=instance)
        return None


class PartViewSet(TenantViewSet):
    """Parts catalogue of the brands you belong to."""

    selector = parts_visible
    serializer_class = serializers.PartSerializer
    filterset_class = filters.PartFilter
    ordering_fields = ["part_number", "name", "category"]

    def create_object(self, data: dict[str, Any]) -> Model:
        brand = data.pop("brand")
        return part_services.part_create(by=self.request.user, brand=brand, data=data)

    def update_object(self, instance: Model, data: dict[str, Any]) -> Model:
        return part_services.part_update(by=self.request.user, part=instance, data=data)

    def delete_object(self, instance: Model) -> str | None:
        part_services.part_delete(by=self.request.user, part=instance)
        return None


class PartsDepotViewSet(TenantViewSet):
    """Parts depots of the brands (and markets) you belong to."""

    selector = depots_visible
    serializer_class = serializers.PartsDepotSerializer
    filterset_class = filters.PartsDepotFilter
    ordering_fields = ["code", "name", "market"]

    def create_object(self, data: dict[str, Any]) -> Model:
        brand, market = data.pop("brand"), data.pop("market")
        return part_services.depot_create(by=self.request.user, brand=brand, market=market, data=data)

    def update_object(self, instance: Model, data: dict[str, Any]) -> Model:
        return part_services.depot_update(by=self.request.user, depot=instance, data=data)

    def delete_object(self, instance: Model) -> str | None:
        part_services.depot_delete(by=self.request.user, depot=instance)
        return None


@extend_schema_view(
    update=extend_schema(parameters=[IF_MATCH]),
    partial_update=extend_schema(parameters=[IF_MATCH]),
    destroy=extend_schema(parameters=[IF_MATCH]),
)
class StockLevelViewSet(TenantViewSet):
    """Stock levels: a part's quantity on hand in a depot, with the date it was counted."""

    selector = stock_visible
    serializer_class = serializers.StockLevelSerializer
    filterset_class = filters.StockLevelFilter
    ordering_fields = ["updated_at", "quantity_on_hand", "depot", "part"]
    uses_etag = True

    def create_object(self, data: dict[str, Any]) -> Model:
        depot, part = data["depot"], data["part"]
        return part_services.stock_create(
            by=self.request.user,
            brand=depot.brand,
            depot=depot,
            part=part,
            quantity_on_hand=data.get("quantity_on_hand", 0),
            updated_at=data.get("updated_at"),
        )

    def update_object(self, instance: Model, data: dict[str, Any]) -> Model:
        return part_services.stock_update(by=self.request.user, stock=instance, data=data, if_match=self._if_match())

    def delete_object(self, instance: Model) -> str | None:
        part_services.stock_delete(by=self.request.user, stock=instance, if_match=self._if_match())
        return None


class AuditEntryViewSet(viewsets.ReadOnlyModelViewSet):
    """The audit trail: members read their brands' entries, officials every entry. Read-only."""

    serializer_class = serializers.AuditEntrySerializer
    filterset_class = filters.AuditEntryFilter
    ordering_fields = ["at"]

    def get_queryset(self) -> QuerySet:
        return audit_entries_visible(user=self.request.user).select_related("brand")


class CoverageReportViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Coverage reports: brand editors and admins (and officials) ask for one with POST; it is
    evaluated by a Celery task (``status`` pending → done or failed)."""

    serializer_class = serializers.CoverageReportSerializer
    filterset_class = filters.CoverageReportFilter
    ordering_fields = ["created_at", "computed_at"]

    def get_queryset(self) -> QuerySet:
        return coverage_reports_visible(user=self.request.user).select_related("requested_by")

    @extend_schema(
        request=serializers.CoverageReportRequestSerializer, responses={202: serializers.CoverageReportSerializer}
    )
    def create(self, request: Request) -> Response:
        data = serializers.CoverageReportRequestSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        report = coverage_services.coverage_report_request(by=request.user, **data.validated_data)
        report = self.get_queryset().get(pk=report.pk)  # eager tasks have already finished it
        return Response(self.get_serializer(report).data, status=status.HTTP_202_ACCEPTED)
