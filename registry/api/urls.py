from django.urls import include, path
from rest_framework.routers import DefaultRouter

from registry.api import public, views

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("markets", views.MarketViewSet, basename="market")
router.register("brands", views.BrandViewSet, basename="brand")
router.register("vehicle-models", views.VehicleModelViewSet, basename="vehicle-model")
router.register("service-centres", views.ServiceCentreViewSet, basename="service-centre")
router.register("parts", views.PartViewSet, basename="part")
router.register("depots", views.PartsDepotViewSet, basename="depot")
router.register("stock", views.StockLevelViewSet, basename="stock")
router.register("audit-entries", views.AuditEntryViewSet, basename="audit-entry")
router.register("coverage-reports", views.CoverageReportViewSet, basename="coverage-report")

urlpatterns = [
    path("auth/token/", views.TokenView.as_view(), name="api-token"),
    path("markets/<str:code>/policy/", views.MarketPolicyView.as_view(), name="market-policy"),
    path(
        "brands/<slug:slug>/members/",
        views.MemberListView.as_view(),
        name="brand-members",
    ),
    path(
        "brands/<slug:slug>/members/<str:username>/",
        views.MemberDetailView.as_view(),
        name="brand-member-detail",
    ),
    path("brands/<slug:slug>/invitations/", views.InvitationCreateView.as_view(), name="brand-invitations"),
    path("public/service-centres/", public.PublicServiceCentreList.as_view(), name="public-service-centres"),
    path("", include(router.urls)),
]
