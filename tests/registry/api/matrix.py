"""The tenancy and permission matrix every API endpoint joins by declaration.

After NetBox's generic API test cases: an endpoint declares where its objects live and what
a valid create/update looks like; the generic tests in ``test_matrix.py`` then check every
verb for every role — another brand's object is 404 and absent from lists, a member without
the role gets 403, anonymous gets 401, a create that names another brand is 400 — and that
each write is audited. ``test_every_endpoint_joins_the_matrix`` fails when a route exists that
neither joins the matrix nor is listed in ``SPECIAL`` with the test that covers it.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tests.world import World


@dataclass(frozen=True)
class Endpoint:
    name: str  # the route's basename
    path: str  # list path under /api/v1/
    own: Callable[[World], Any]  # an object of alpha in KE (or brand-wide)
    foreign: Callable[[World], Any]  # an object of beta
    other_market: Callable[[World], Any] | None  # an object of alpha outside KE; None when brand-wide
    create: Callable[[World], dict]  # a valid create payload for alpha in KE
    create_foreign: Callable[[World], dict]  # the same, naming another brand's references
    update: dict  # a valid PATCH
    audited_type: str
    lookup: Callable[[Any], str] = lambda obj: str(obj.pk)
    writable_by: frozenset[str] = field(default_factory=lambda: frozenset({"alpha_admin", "alpha_editor"}))

    def detail(self, obj: Any) -> str:
        return f"/api/v1/{self.path}{self.lookup(obj)}/"

    @property
    def brand_wide(self) -> bool:
        return self.other_market is None


_counter = iter(range(10_000, 99_999))


def _n() -> int:
    return next(_counter)


ENDPOINTS = [
    Endpoint(
        name="service-centre",
        path="service-centres/",
        own=lambda w: w.alpha_ke_centre,
        foreign=lambda w: w.beta_ke_centre,
        other_market=lambda w: w.alpha_tz_centre,
        create=lambda w: {
            "brand": "alpha",
            "market": "KE",
            "code": f"NEW-{_n()}",
            "name": "Alpha Westlands",
            "latitude": -1.2676,
            "longitude": 36.8108,
            "capabilities": ["ev_high_voltage"],
            "ev_technicians": 3,
        },
        create_foreign=lambda w: {"brand": "beta", "market": "KE", "code": f"X-{_n()}", "name": "X", "city": "Nairobi"},
        update={"name": "Alpha Nairobi Central"},
        audited_type="servicecentre",
    ),
    Endpoint(
        name="vehicle-model",
        path="vehicle-models/",
        own=lambda w: w.alpha_model,
        foreign=lambda w: w.beta_model,
        other_market=None,
        create=lambda w: {"brand": "alpha", "code": f"A{_n()}", "name": "Alpha Two"},
        create_foreign=lambda w: {"brand": "beta", "code": f"B{_n()}", "name": "Beta Two"},
        update={"name": "Alpha One Plus"},
        audited_type="vehiclemodel",
    ),
    Endpoint(
        name="part",
        path="parts/",
        own=lambda w: w.alpha_part,
        foreign=lambda w: w.beta_part,
        other_market=None,
        create=lambda w: {"brand": "alpha", "part_number": f"A-{_n()}", "name": "Brake pad", "category": "brakes"},
        create_foreign=lambda w: {"brand": "beta", "part_number": f"B-{_n()}", "name": "Pad", "category": "brakes"},
        update={"name": "Battery module 60 kWh"},
        audited_type="part",
    ),
    Endpoint(
        name="depot",
        path="depots/",
        own=lambda w: w.alpha_ke_depot,
        foreign=lambda w: w.beta_ke_depot,
        other_market=lambda w: w.alpha_tz_depot,
        create=lambda w: {
            "brand": "alpha",
            "market": "KE",
            "code": f"D-{_n()}",
            "name": "Mombasa depot",
            "city": "Mombasa",
        },
        create_foreign=lambda w: {"brand": "beta", "market": "KE", "code": f"D-{_n()}", "name": "X", "city": "Nairobi"},
        update={"name": "Nairobi main depot"},
        audited_type="partsdepot",
    ),
    Endpoint(
        name="stock",
        path="stock/",
        own=lambda w: w.alpha_ke_stock,
        foreign=lambda w: w.beta_ke_stock,
        other_market=lambda w: w.alpha_tz_stock,
        create=lambda w: {
            "depot": w.alpha_ke_depot.pk,
            "part": w.alpha_spare_part.pk,
            "quantity_on_hand": 7,
        },
        create_foreign=lambda w: {"depot": w.alpha_ke_depot.pk, "part": w.beta_part.pk, "quantity_on_hand": 7},
        update={"quantity_on_hand": 42},
        audited_type="stocklevel",
    ),
]

# Routes with their own tests instead of the generic matrix (name → where they are tested).
SPECIAL = {
    "api-token": "test_api.py::test_token_auth",
    "market-list": "test_api.py::test_markets_are_public",
    "market-detail": "test_api.py::test_markets_are_public",
    "brand-list": "test_brands_members.py",
    "brand-detail": "test_brands_members.py",
    "brand-members": "test_brands_members.py",
    "brand-member-detail": "test_brands_members.py",
    "brand-invitations": "test_brands_members.py",
    "audit-entry-list": "test_api.py::test_audit_trail_visibility",
    "audit-entry-detail": "test_api.py::test_audit_trail_visibility",
    "public-service-centres": "test_public_finder.py",
    "market-policy": "test_coverage_api.py::test_only_officials_write_policies",
    "market-policy-versions": "test_coverage_api.py::test_put_needs_every_field_and_patch_keeps_the_rest",
    "coverage-report-list": "test_coverage_api.py::test_request_a_report_and_read_it",
    "coverage-report-detail": "test_coverage_api.py::test_request_a_report_and_read_it",
}
