"""A small, fixed world that tenancy, service and API tests share.

Two brands (``alpha`` and ``beta``), three markets with a few real places each, and one user
per role: alpha's admin, editor, viewer and a Kenya-only editor (a country manager), beta's
admin, an official, platform staff and an outsider with no membership.
"""

from dataclasses import dataclass
from typing import Any

from tests.factories import (
    BrandFactory,
    MarketFactory,
    MembershipFactory,
    PartFactory,
    PartsDepotFactory,
    PopulationCentreFactory,
    ServiceCentreFactory,
    StockLevelFactory,
    UserFactory,
    VehicleModelFactory,
)

PLACES = [
    # geonameid, market, name, lat, lon, population, tz
    (184745, "KE", "Nairobi", -1.28333, 36.81667, 2750547, "Africa/Nairobi"),
    (186301, "KE", "Mombasa", -4.05466, 39.66359, 799668, "Africa/Nairobi"),
    (191245, "KE", "Kisumu", -0.10221, 34.76171, 216479, "Africa/Nairobi"),
    (160263, "TZ", "Dar es Salaam", -6.82349, 39.26951, 2698652, "Africa/Dar_es_Salaam"),
    (161325, "TZ", "Arusha", -3.36667, 36.68333, 341136, "Africa/Dar_es_Salaam"),
    (232422, "UG", "Kampala", 0.31628, 32.58219, 1353189, "Africa/Kampala"),
]


@dataclass
class World:
    alpha: Any
    beta: Any
    ke: Any
    tz: Any
    ug: Any
    alpha_admin: Any
    alpha_editor: Any
    alpha_viewer: Any
    alpha_ke_editor: Any
    beta_admin: Any
    official: Any
    staff: Any
    outsider: Any
    alpha_ke_centre: Any
    alpha_tz_centre: Any
    beta_ke_centre: Any
    alpha_model: Any
    beta_model: Any
    alpha_spare_part: Any
    alpha_part: Any
    beta_part: Any
    alpha_ke_depot: Any
    alpha_tz_depot: Any
    beta_ke_depot: Any
    alpha_ke_stock: Any
    alpha_tz_stock: Any
    beta_ke_stock: Any

    def users(self) -> dict[str, Any]:
        return {
            "alpha_admin": self.alpha_admin,
            "alpha_editor": self.alpha_editor,
            "alpha_viewer": self.alpha_viewer,
            "alpha_ke_editor": self.alpha_ke_editor,
            "beta_admin": self.beta_admin,
            "official": self.official,
            "staff": self.staff,
            "outsider": self.outsider,
        }


def build_world() -> World:
    ke = MarketFactory(code="KE", name="Kenya", postal_code_regex=r"^(\d{5})$", phone_prefix="254")
    tz = MarketFactory(code="TZ", name="Tanzania", phone_prefix="255")
    ug = MarketFactory(code="UG", name="Uganda", phone_prefix="256")
    markets = {"KE": ke, "TZ": tz, "UG": ug}
    for gid, code, name, lat, lon, pop, zone in PLACES:
        PopulationCentreFactory(
            geonameid=gid,
            market=markets[code],
            name=name,
            name_key=name.casefold(),
            alternate_keys=f"|{name.casefold()}|",
            latitude=lat,
            longitude=lon,
            population=pop,
            timezone=zone,
        )
    alpha = BrandFactory(name="Alpha Motors", slug="alpha", wmi_codes=["LA1"])
    beta = BrandFactory(name="Beta Auto", slug="beta", wmi_codes=["LB2"])
    users = {
        "alpha_admin": ("admin", alpha, []),
        "alpha_editor": ("editor", alpha, []),
        "alpha_viewer": ("viewer", alpha, []),
        "alpha_ke_editor": ("editor", alpha, [ke]),
        "beta_admin": ("admin", beta, []),
    }
    made = {}
    for username, (role, brand, scope) in users.items():
        made[username] = UserFactory(username=username)
        MembershipFactory(user=made[username], brand=brand, role=role, markets=scope)
    official = UserFactory(username="official", official=True)
    staff = UserFactory(username="staff", is_staff=True)
    outsider = UserFactory(username="outsider")
    alpha_model = VehicleModelFactory(brand=alpha, code="A1", name="Alpha One")
    alpha_part = PartFactory(brand=alpha, part_number="A-BAT-1", category="battery_module", is_critical=True)
    beta_part = PartFactory(brand=beta, part_number="B-BAT-1", category="battery_module", is_critical=True)
    alpha_ke_depot = PartsDepotFactory(brand=alpha, market=ke, code="A-NBO", latitude=-1.3, longitude=36.8)
    alpha_tz_depot = PartsDepotFactory(brand=alpha, market=tz, code="A-DAR", latitude=-6.8, longitude=39.28)
    beta_ke_depot = PartsDepotFactory(brand=beta, market=ke, code="B-NBO", latitude=-1.3, longitude=36.8)
    return World(
        alpha=alpha,
        beta=beta,
        ke=ke,
        tz=tz,
        ug=ug,
        official=official,
        staff=staff,
        outsider=outsider,
        alpha_ke_centre=ServiceCentreFactory(brand=alpha, market=ke, code="A-KE-1", name="Alpha Nairobi"),
        alpha_tz_centre=ServiceCentreFactory(
            brand=alpha,
            market=tz,
            code="A-TZ-1",
            name="Alpha Dar",
            city="Dar es Salaam",
            latitude=-6.8,
            longitude=39.27,
            timezone="Africa/Dar_es_Salaam",
        ),
        beta_ke_centre=ServiceCentreFactory(brand=beta, market=ke, code="B-KE-1", name="Beta Nairobi"),
        alpha_model=alpha_model,
        beta_model=VehicleModelFactory(brand=beta, code="B1", name="Beta One"),
        alpha_spare_part=PartFactory(brand=alpha, part_number="A-BRK-1", category="brakes", is_critical=False),
        alpha_part=alpha_part,
        beta_part=beta_part,
        alpha_ke_depot=alpha_ke_depot,
        alpha_tz_depot=alpha_tz_depot,
        beta_ke_depot=beta_ke_depot,
        alpha_ke_stock=StockLevelFactory(brand=alpha, depot=alpha_ke_depot, part=alpha_part),
        alpha_tz_stock=StockLevelFactory(brand=alpha, depot=alpha_tz_depot, part=alpha_part),
        beta_ke_stock=StockLevelFactory(brand=beta, depot=beta_ke_depot, part=beta_part),
        **made,
    )
