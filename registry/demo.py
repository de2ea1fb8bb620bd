"""The demo world of ``manage.py seed_demo``: three fictional brands with networks, parts and
stock in six markets on six continents, built around the GeoNames places that are loaded.

Everything is written through the services, as platform staff and the brands' own members,
under the audit source ``command:seed_demo``, so the demo's audit trail is a real one.

Guarantees:

- Idempotent: objects are looked up by username, slug, code or part number first and only
  what is missing is created; a second run on the same data writes nothing.
- Adaptive: centre sites are chosen greedily on whatever places are loaded (the 15000 list or
  the 1000 list), so each brand passes the default coverage policy (DESIGN.md §4) in some
  markets and fails it in others, whichever list it runs on.
- Deterministic: the same loaded places give the same sites, codes, phones and quantities.
"""

from __future__ import annotations

import datetime
import enum
import random
import zlib
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import phonenumbers
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from registry.audit.context import audit_source
from registry.coverage.engine import Result, evaluate, required_service_centres
from registry.coverage.models import POLICY_DEFAULTS, CoveragePolicy
from registry.coverage.selectors import coverage_inputs, engine_policy
from registry.geo import haversine_km
from registry.geography.models import Market, PopulationCentre
from registry.geography.selectors import fold_name
from registry.network.models import ServiceCentre
from registry.network.services import service_centre_create
from registry.parts.models import Part, PartsDepot, StockLevel, VehicleModel
from registry.parts.services import StockRow, depot_create, part_create, stock_bulk_set, vehicle_model_create
from registry.tenancy.access import OFFICIALS_GROUP
from registry.tenancy.models import Brand, Membership
from registry.tenancy.services import brand_create, membership_add, official_appoint
from registry.vocabulary import CentreKind, CentreStatus, PartCategory, Role

User = get_user_model()

SOURCE = "command:seed_demo"
MARKETS = ("KE", "TH", "DE", "MX", "CL", "AU")  # Africa, Asia, Europe, North and South America, Oceania

# The default coverage policy of DESIGN.md §3/§4 (version 0), which the demo is judged against.
DEFAULT_POLICY_VERSION = CoveragePolicy(**POLICY_DEFAULTS)
DEFAULT_POLICY = engine_policy(DEFAULT_POLICY_VERSION)

# A passing network covers at least this share of the listed population (80 % is required).
PASS_TARGET_PCT = 85
# A sparse network stops once it covers this much, and never takes a site that would reach the
# ceiling: it must stay clearly under the required 80 %.
SPARSE_TARGET_PCT = 50
SPARSE_CEILING_PCT = 75
STALE_STOCK_DAYS = 120  # beyond the policy's 90
FRESH_STOCK_MAX_DAYS = 25


class Scenario(enum.StrEnum):
    COVERED = "covered"  # enough centres, full fresh stock
    SPARSE = "sparse"  # centres cover about half the population
    MISSING_CATEGORY = "missing_category"  # one required part category never stocked
    STALE = "stale"  # a full network, but the stock was last counted 120 days ago


@dataclass(frozen=True)
class MarketPlan:
    market: str
    volume: int  # planned annual volume V
    scenario: Scenario = Scenario.COVERED
    missing_category: str = ""


@dataclass(frozen=True)
class BrandSpec:
    name: str
    slug: str
    prefix: str  # of every code and part number the brand gives
    wmi_codes: tuple[str, ...]
    models: tuple[tuple[str, str], ...]  # (code, name)
    plans: tuple[MarketPlan, ...]
    editor_market: str  # the market of the brand's country-scoped editor

    @property
    def annual_export_volume(self) -> int:
        return sum(plan.volume for plan in self.plans)


BRANDS = (
    BrandSpec(
        name="Aurora Motors",
        slug="aurora",
        prefix="AUR",
        wmi_codes=("L9A",),
        models=(("A3", "Aurora A3 Hatch"), ("S7", "Aurora S7 Saloon")),
        plans=(
            MarketPlan("KE", 800),
            MarketPlan("TH", 2400),
            MarketPlan("DE", 2000),
            MarketPlan("MX", 2500, Scenario.SPARSE),
            MarketPlan("CL", 600, Scenario.MISSING_CATEGORY, PartCategory.CHARGING),
            MarketPlan("AU", 1500),
        ),
        editor_market="KE",
    ),
    BrandSpec(
        name="Kestrel EV",
        slug="kestrel",
        prefix="KES",
        wmi_codes=("L9K",),
        models=(("KC1", "Kestrel City"), ("KG5", "Kestrel Glide")),
        plans=(
            MarketPlan("KE", 400, Scenario.SPARSE),
            MarketPlan("TH", 1200, Scenario.STALE),
            MarketPlan("DE", 1500),
            MarketPlan("MX", 1800),
            MarketPlan("CL", 500),
        ),
        editor_market="DE",
    ),
    BrandSpec(
        name="Lumen Auto",
        slug="lumen",
        prefix="LUM",
        wmi_codes=("L9L",),
        models=(("LP1", "Lumen Pixel"),),
        plans=(
            MarketPlan("KE", 300),
            MarketPlan("TH", 200, Scenario.MISSING_CATEGORY, PartCategory.BRAKES),
            MarketPlan("CL", 150, Scenario.SPARSE),
            MarketPlan("AU", 250, Scenario.SPARSE),
        ),
        editor_market="CL",
    ),
)

STAFF_USERNAME = "staff"
OFFICIAL_USERNAMES = ("official_li", "official_garcia")

# (suffix of the part number, name, category, critical); "BAT" parts are made once per model.
PART_CATALOGUE = (
    ("BAT", "Battery module", PartCategory.BATTERY_MODULE, True),
    ("MOT-100", "Rear drive motor", PartCategory.DRIVE_MOTOR, True),
    ("INV-200", "Traction inverter", PartCategory.POWER_ELECTRONICS, True),
    ("DCDC-210", "DC-DC converter", PartCategory.POWER_ELECTRONICS, True),
    ("OBC-300", "On-board charger 11 kW", PartCategory.CHARGING, True),
    ("CHP-310", "Charging inlet", PartCategory.CHARGING, False),
    ("BRK-400", "Front brake pad set", PartCategory.BRAKES, True),
    ("BRK-410", "Front brake disc", PartCategory.BRAKES, False),
    ("THM-500", "Battery coolant pump", PartCategory.THERMAL, True),
    ("SUS-600", "Front lower control arm", PartCategory.SUSPENSION, False),
    ("BDY-700", "Front bumper cover", PartCategory.BODY, False),
    ("GLS-800", "Windscreen", PartCategory.GLASS, False),
    ("LGT-900", "LED headlamp unit", PartCategory.LIGHTING, False),
    ("ADS-950", "Front radar sensor", PartCategory.ADAS_SENSOR, False),
)

OPENING_HOURS = (
    "Mo-Fr 08:00-18:00; Sa 09:00-13:00",
    "Mo-Sa 08:00-17:30",
    "Mo-Fr 07:30-19:00; Sa 08:00-14:00; Su off",
    "Mo-Fr 08:00-17:00; Sa 08:00-12:00; PH off",
)

# Real central postal codes of the cities the demo is likely to pick (keyed by folded name);
# other places get none (a blank postal code is valid everywhere).
POSTAL_CODES = {
    "KE": {"nairobi": "00100", "mombasa": "80100", "kisumu": "40100", "nakuru": "20100", "eldoret": "30100",
           "kakamega": "50100", "thika": "01000", "malindi": "80200"},
    "TH": {"bangkok": "10200", "hat yai": "90110", "lampang": "52000", "surat thani": "84000",
           "udon thani": "41000", "chiang mai": "50000", "nakhon ratchasima": "30000", "khon kaen": "40000",
           "phuket": "83000", "nonthaburi": "11000"},
    "DE": {"berlin": "10115", "hamburg": "20095", "munich": "80331", "munchen": "80331", "koln": "50667",
           "cologne": "50667", "frankfurt am main": "60311", "stuttgart": "70173", "dresden": "01067",
           "dusseldorf": "40213", "leipzig": "04109", "hannover": "30159", "nuremberg": "90402",
           "nurnberg": "90402", "bremen": "28195", "dortmund": "44135", "essen": "45127"},
    "MX": {"mexico city": "06000", "tijuana": "22000", "santiago de queretaro": "76000", "ciudad juarez": "32000",
           "zapopan": "45100", "guadalajara": "44100", "merida": "97000", "monterrey": "64000",
           "chihuahua": "31000", "cancun": "77500", "hermosillo": "83000", "culiacan": "80000",
           "torreon": "27000", "san luis potosi": "78000", "acapulco de juarez": "39300", "tuxtla": "29000",
           "reynosa": "88500", "victoria de durango": "34000", "veracruz": "91700", "nuevo laredo": "88000",
           "mazatlan": "82000", "tapachula": "30700", "tepic": "63000", "ciudad victoria": "87000",
           "puebla": "72000", "leon de los aldama": "37000"},
    "CL": {"santiago": "8320000", "antofagasta": "1240000", "puerto montt": "5480000", "arica": "1000000",
           "temuco": "4780000", "concepcion": "4030000", "valparaiso": "2340000", "vina del mar": "2520000",
           "la serena": "1700000", "iquique": "1100000", "talca": "3460000", "rancagua": "2820000"},
    "AU": {"sydney": "2000", "melbourne": "3000", "brisbane": "4000", "perth": "6000", "adelaide": "5000",
           "canberra": "2600", "hobart": "7000", "darwin": "0800", "gold coast": "4217", "newcastle": "2300"},
}  # fmt: skip


class DemoError(Exception):
    """The database cannot take the demo: its places are not loaded, or a demo username is
    taken by a user of another kind."""


def demo_password(username: str) -> str:
    """The development-only password of a demo user (published in the command's output)."""
    return f"demo-{username}-2026"


# --- Result ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoUser:
    username: str
    role: str  # staff, official, admin, editor, viewer
    brand: str = ""
    markets: tuple[str, ...] = ()

    @property
    def password(self) -> str:
        return demo_password(self.username)


@dataclass(frozen=True)
class SummaryRow:
    brand: str
    market: str
    volume: int
    scenario: str
    qualifying_centres: int
    required_centres: int
    population_coverage_pct: float
    passed: bool
    failing: tuple[str, ...]


@dataclass
class SeedResult:
    created: Counter = field(default_factory=Counter)
    users: list[DemoUser] = field(default_factory=list)
    summary: list[SummaryRow] = field(default_factory=list)


# --- Entry point ----------------------------------------------------------------------------


def check_geodata() -> None:
    """Raise ``DemoError`` unless GeoNames places are loaded for every demo market."""
    loaded = dict(
        PopulationCentre.objects.filter(market_id__in=MARKETS)
        .values("market_id")
        .annotate(n=Count("geonameid"))
        .values_list("market_id", "n")
    )
    missing = [code for code in MARKETS if not loaded.get(code)]
    if missing:
        raise DemoError(
            f"No GeoNames places are loaded for {', '.join(missing)}. The demo is built around real places: "
            f"run `manage.py load_geodata --countries {','.join(MARKETS)}` (or `--countries all`) first."
        )


def seed_demo(*, now: datetime.datetime | None = None) -> SeedResult:
    """Create whatever of the demo world is missing, and evaluate every brand's markets.

    All or nothing: one transaction. Raises ``DemoError`` when the places are not loaded, and
    lets a service's ``ValidationError`` through when existing data conflicts with the demo.
    """
    check_geodata()
    now = now or timezone.now()
    result = SeedResult()
    result.users = demo_users()
    with audit_source(SOURCE), transaction.atomic():
        users = _create_users(result, result.users)
        staff = users[STAFF_USERNAME]
        if not staff.is_staff:
            raise DemoError(f"The user “{STAFF_USERNAME}” exists but is not platform staff; the demo needs it.")
        for username in OFFICIAL_USERNAMES:
            if not users[username].groups.filter(name=OFFICIALS_GROUP).exists():
                official_appoint(by=staff, user=users[username])
                result.created["official appointments"] += 1
        markets = {m.code: m for m in Market.objects.filter(code__in=MARKETS)}
        for spec in BRANDS:
            _seed_brand(result, spec, staff=staff, users=users, markets=markets, now=now)
    result.summary = coverage_summary(now=now)
    return result


# --- Users and brands -----------------------------------------------------------------------


def demo_users() -> list[DemoUser]:
    """Every demo user: platform staff, two officials, and per brand an admin, a country-scoped
    editor and a viewer."""
    users = [DemoUser(STAFF_USERNAME, "staff")] + [DemoUser(name, "official") for name in OFFICIAL_USERNAMES]
    for spec in BRANDS:
        users += [
            DemoUser(f"{spec.slug}_admin", Role.ADMIN.value, spec.slug),
            DemoUser(
                f"{spec.slug}_editor_{spec.editor_market.lower()}", Role.EDITOR.value, spec.slug, (spec.editor_market,)
            ),
            DemoUser(f"{spec.slug}_viewer", Role.VIEWER.value, spec.slug),
        ]
    return users


def _create_users(result: SeedResult, users: Sequence[DemoUser]) -> dict[str, Any]:
    """The demo users by username, creating the missing ones. Their password hashes are made in
    threads: hashing is most of the command's time, and the hash function releases the GIL."""
    existing = {u.username: u for u in User.objects.filter(username__in=[d.username for d in users])}
    missing = [d for d in users if d.username not in existing]
    with ThreadPoolExecutor() as pool:
        hashes = list(pool.map(lambda d: make_password(demo_password(d.username)), missing))
    for demo, password in zip(missing, hashes, strict=True):
        staff = demo.role == "staff"
        existing[demo.username] = User.objects.create(
            username=demo.username,
            email=f"{demo.username}@demo.example",
            password=password,
            is_staff=staff,
            is_superuser=staff,
        )
        result.created["users"] += 1
    return existing


def _member(result: SeedResult, *, by: Any, brand: Brand, user: Any, demo: DemoUser) -> None:
    if not Membership.objects.filter(brand=brand, user=user).exists():
        membership_add(by=by, brand=brand, user=user, role=demo.role, markets=demo.markets)
        result.created["memberships"] += 1


def _seed_brand(
    result: SeedResult,
    spec: BrandSpec,
    *,
    staff: Any,
    users: dict[str, Any],
    markets: dict[str, Market],
    now: datetime.datetime,
) -> None:
    brand = Brand.objects.filter(slug=spec.slug).first()
    if brand is None:
        brand = brand_create(
            by=staff,
            name=spec.name,
            slug=spec.slug,
            annual_export_volume=spec.annual_export_volume,
            wmi_codes=spec.wmi_codes,
        )
        result.created["brands"] += 1
    admin_demo, editor_demo, viewer_demo = [d for d in demo_users() if d.brand == spec.slug]
    admin, editor = users[admin_demo.username], users[editor_demo.username]
    _member(result, by=staff, brand=brand, user=admin, demo=admin_demo)  # staff onboards the first admin
    _member(result, by=admin, brand=brand, user=editor, demo=editor_demo)
    _member(result, by=admin, brand=brand, user=users[viewer_demo.username], demo=viewer_demo)

    for code, name in spec.models:
        if not VehicleModel.objects.filter(brand=brand, code=code).exists():
            vehicle_model_create(by=admin, brand=brand, data={"code": code, "name": name})
            result.created["vehicle models"] += 1
    for data in _catalogue(spec):
        if not Part.objects.filter(brand=brand, part_number=data["part_number"]).exists():
            part_create(by=admin, brand=brand, data=data)
            result.created["parts"] += 1

    for index, plan in enumerate(spec.plans):
        market = markets[plan.market]
        # The country-scoped editor keeps their own market's network, as they would for real.
        by = editor if plan.market == spec.editor_market else admin
        _seed_market(result, spec, brand=brand, market=market, plan=plan, by=by, admin=admin, now=now, index=index)


def _catalogue(spec: BrandSpec) -> list[dict[str, Any]]:
    parts = []
    for suffix, name, category, critical in PART_CATALOGUE:
        if suffix == "BAT":  # a battery module per model: the one part that does not fit all
            for code, model_name in spec.models:
                parts.append(
                    {
                        "part_number": f"{spec.prefix}-BAT-{code}",
                        "name": f"{name}, {model_name}",
                        "category": category,
                        "is_critical": critical,
                        "fits_models": [code],
                    }
                )
        else:
            parts.append(
                {"part_number": f"{spec.prefix}-{suffix}", "name": name, "category": category, "is_critical": critical}
            )
    return parts


# --- Sites ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Site:
    """Where a centre goes: near a real place (``latitude``/``longitude`` are the centre's own)."""

    geonameid: int
    name: str
    latitude: float
    longitude: float


@dataclass(frozen=True)
class PlaceTable:
    """A market's loaded places, most populous first (ties: lowest geonameid)."""

    geonameid: np.ndarray
    name: list[str]
    latitude: np.ndarray
    longitude: np.ndarray
    population: np.ndarray

    @classmethod
    def load(cls, market_code: str) -> PlaceTable:
        rows = list(
            PopulationCentre.objects.filter(market_id=market_code)
            .order_by("-population", "geonameid")
            .values_list("geonameid", "name", "latitude", "longitude", "population")
        )
        return cls(
            geonameid=np.array([r[0] for r in rows], dtype=np.int64),
            name=[r[1] for r in rows],
            latitude=np.array([r[2] for r in rows], dtype=np.float64),
            longitude=np.array([r[3] for r in rows], dtype=np.float64),
            population=np.array([r[4] for r in rows], dtype=np.int64),
        )


def _rng(*parts: object) -> random.Random:
    """A generator seeded by the parts (not by ``hash``, which changes between runs)."""
    return random.Random(zlib.crc32(":".join(map(str, parts)).encode()))  # noqa: S311 — demo data


def _near(prefix: str, geonameid: int, latitude: float, longitude: float) -> tuple[float, float]:
    """A point 0.5–2.5 km from the place, in a direction of the brand's own: a centre sits in
    town, not on the GeoNames point, and two brands in one town do not share an address."""
    rng = _rng(prefix, geonameid)
    km, bearing = rng.uniform(0.5, 2.5), rng.uniform(0, 2 * np.pi)
    dlat = km / 111.2 * np.cos(bearing)
    dlon = km / (111.2 * max(np.cos(np.radians(latitude)), 0.1)) * np.sin(bearing)
    return round(latitude + dlat, 5), round(longitude + dlon, 5)


def choose_sites(
    places: PlaceTable,
    *,
    prefix: str,
    target_pct: float,
    ceiling_pct: float | None = None,
    at_least: int = 1,
    radius_km: float = DEFAULT_POLICY.coverage_radius_km,
) -> list[Site]:
    """Greedy on population: walk the places most populous first and put a centre at each one
    not yet within ``radius_km`` of a chosen centre, until ``target_pct`` of the listed
    population is covered. With ``ceiling_pct``, skip a site that would reach it. Then, up to
    ``at_least`` centres, add the most populous places not chosen (a second centre in a city).
    """
    total = int(places.population.sum())
    uncovered = np.ones(places.population.size, dtype=bool)
    covered = 0
    chosen: list[int] = []
    sites: list[Site] = []

    def take(i: int) -> np.ndarray:
        gid = int(places.geonameid[i])
        lat, lon = _near(prefix, gid, float(places.latitude[i]), float(places.longitude[i]))
        sites.append(Site(gid, places.name[i], lat, lon))
        chosen.append(i)
        return np.asarray(haversine_km(lat, lon, places.latitude, places.longitude)) <= radius_km

    for i in range(places.population.size):
        if total == 0 or covered * 100 >= target_pct * total:
            break
        if not uncovered[i] or places.population[i] == 0:
            continue
        gid = int(places.geonameid[i])
        lat, lon = _near(prefix, gid, float(places.latitude[i]), float(places.longitude[i]))
        within = np.asarray(haversine_km(lat, lon, places.latitude, places.longitude)) <= radius_km
        gain = int(places.population[within & uncovered].sum())
        if ceiling_pct is not None and (covered + gain) * 100 >= ceiling_pct * total:
            continue
        take(i)
        uncovered &= ~within
        covered += gain
    for i in range(places.population.size):
        if len(sites) >= at_least:
            break
        if i not in chosen:
            take(i)
    return sites


def _spare_place(places: PlaceTable, sites: Sequence[Site]) -> int | None:
    """The most populous place without a centre (for a non-qualifying one)."""
    taken = {site.geonameid for site in sites}
    for i, gid in enumerate(places.geonameid.tolist()):
        if gid not in taken:
            return i
    return None


# --- Networks, depots, stock ----------------------------------------------------------------


def _phone(region: str, seed: int, *, mobile: bool = False) -> str:
    """A valid number of the region: its example number with other last digits."""
    kind = phonenumbers.PhoneNumberType.MOBILE if mobile else phonenumbers.PhoneNumberType.FIXED_LINE
    example = phonenumbers.example_number_for_type(region, kind) or phonenumbers.example_number(region)
    digits = str(example.national_number)
    for attempt in range(20):
        tail = f"{(seed + attempt * 7919) % 10000:04d}"
        number = phonenumbers.PhoneNumber(country_code=example.country_code, national_number=int(digits[:-4] + tail))
        if phonenumbers.is_valid_number(number):
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.E164)


def _centre_data(
    spec: BrandSpec, market: Market, site: Site, k: int, *, qualifying: bool, now: datetime.datetime
) -> dict[str, Any]:
    rng = _rng(spec.prefix, market.code, site.geonameid)
    code = f"{spec.prefix}-{market.code}-{site.geonameid}"
    common = {
        "code": code,
        "city": site.name,
        "latitude": site.latitude,
        "longitude": site.longitude,
        "postal_code": POSTAL_CODES.get(market.code, {}).get(fold_name(site.name), ""),
        "address": f"Unit {rng.randint(1, 40)}, {site.name} EV Park",
        "email": f"service-{code.lower()}@{spec.slug}.example",
        "website": f"https://{spec.slug}.example/service/{code.lower()}",
        "last_confirmed_at": now - datetime.timedelta(days=rng.randint(3, 60)),
    }
    if not qualifying:
        # Realism beside the counted network: a centre still being fitted out, or a body shop
        # without high-voltage work. Neither counts for coverage.
        if k % 2 == 0:
            return {
                **common,
                "name": f"{spec.name} {site.name} (opening soon)",
                "kind": CentreKind.BRAND_OWNED,
                "status": CentreStatus.PLANNED,
                "capabilities": ["ev_high_voltage", "diagnostics", "warranty_repairs"],
                "service_bays": 6,
                "ev_technicians": 0,
                "phone": _phone(market.code, rng.randint(0, 9999)),
            }
        return {
            **common,
            "name": f"{site.name} Body & Paint ({spec.name} partner)",
            "kind": CentreKind.AUTHORIZED_PARTNER,
            "capabilities": ["body_repair", "diagnostics"],
            "service_bays": rng.randint(2, 5),
            "ev_technicians": 0,
            "opening_hours": OPENING_HOURS[1],
            "phone": _phone(market.code, rng.randint(0, 9999)),
        }
    if k == 0:
        return {
            **common,
            "name": f"{spec.name} {site.name}",
            "kind": CentreKind.BRAND_OWNED,
            "capabilities": [
                "ev_high_voltage",
                "battery_repair",
                "body_repair",
                "diagnostics",
                "warranty_repairs",
                "software_updates",
            ],
            "service_bays": rng.randint(8, 14),
            "ev_technicians": rng.randint(4, 9),
            "opening_hours": OPENING_HOURS[0],
            "phone": _phone(market.code, rng.randint(0, 9999)),
        }
    if k % 4 == 3:
        return {
            **common,
            "name": f"{spec.name} Mobile Service {site.name}",
            "kind": CentreKind.MOBILE_UNIT,
            "address": "",
            "capabilities": ["ev_high_voltage", "diagnostics", "roadside_assistance", "software_updates"],
            "service_bays": 0,
            "ev_technicians": 1,
            "opening_hours": "24/7",
            "phone": _phone(market.code, rng.randint(0, 9999), mobile=True),
        }
    capabilities = ["ev_high_voltage", "diagnostics", "warranty_repairs"]
    if rng.random() < 0.5:
        capabilities.append("battery_repair")
    if rng.random() < 0.5:
        capabilities.append("body_repair")
    return {
        **common,
        "name": f"{spec.name} Service Partner {site.name}",
        "kind": CentreKind.AUTHORIZED_PARTNER,
        "capabilities": capabilities,
        "service_bays": rng.randint(3, 6),
        "ev_technicians": rng.randint(1, 3),
        "opening_hours": OPENING_HOURS[rng.randrange(len(OPENING_HOURS))],
        "phone": _phone(market.code, rng.randint(0, 9999)),
    }


def _sites_for(spec: BrandSpec, plan: MarketPlan, places: PlaceTable) -> list[Site]:
    required = required_service_centres(planned_annual_volume=plan.volume, policy=DEFAULT_POLICY)
    if plan.scenario == Scenario.SPARSE:
        return choose_sites(places, prefix=spec.prefix, target_pct=SPARSE_TARGET_PCT, ceiling_pct=SPARSE_CEILING_PCT)
    return choose_sites(places, prefix=spec.prefix, target_pct=PASS_TARGET_PCT, at_least=required)


def _seed_market(
    result: SeedResult,
    spec: BrandSpec,
    *,
    brand: Brand,
    market: Market,
    plan: MarketPlan,
    by: Any,
    admin: Any,
    now: datetime.datetime,
    index: int,
) -> None:
    places = PlaceTable.load(market.code)
    sites = _sites_for(spec, plan, places)
    existing = set(ServiceCentre.objects.filter(brand=brand).values_list("code", flat=True))
    planned = [(site, k, True) for k, site in enumerate(sites)]
    spare = _spare_place(places, sites)
    if spare is not None:
        gid = int(places.geonameid[spare])
        lat, lon = _near(spec.prefix, gid, float(places.latitude[spare]), float(places.longitude[spare]))
        planned.append((Site(gid, places.name[spare], lat, lon), index, False))
    for site, k, qualifying in planned:
        data = _centre_data(spec, market, site, k, qualifying=qualifying, now=now)
        if data["code"] not in existing:
            service_centre_create(by=by, brand=brand, market=market, data=data)
            result.created["service centres"] += 1

    # A depot in the largest city, and a second one where the network is wide.
    depot_sites = sites[:2] if len(sites) >= 4 else sites[:1]
    depots = []
    for n, site in enumerate(depot_sites, start=1):
        code = f"{spec.prefix}-{market.code}-D{n}"
        depot = PartsDepot.objects.filter(brand=brand, code=code).first()
        if depot is None:
            depot = depot_create(
                by=by,
                brand=brand,
                market=market,
                data={"code": code, "name": f"{spec.name} Parts {site.name}", "city": site.name},
            )
            result.created["depots"] += 1
        depots.append(depot)

    stocked = set(StockLevel.objects.filter(brand=brand, depot__in=depots).values_list("depot_id", "part_id"))
    parts = list(Part.objects.filter(brand=brand).order_by("part_number"))
    rows = []
    for depot in depots:
        rng = _rng(spec.prefix, depot.code)
        for part in parts:
            if part.category == plan.missing_category or (depot.pk, part.pk) in stocked:
                continue
            if plan.scenario == Scenario.STALE:
                counted = now - datetime.timedelta(days=STALE_STOCK_DAYS, hours=rng.randint(0, 23))
            else:
                counted = now - datetime.timedelta(days=rng.randint(1, FRESH_STOCK_MAX_DAYS), hours=rng.randint(0, 23))
            heavy = part.category == PartCategory.BATTERY_MODULE
            quantity = rng.randint(2, 8) if heavy else rng.randint(4, 40)
            if not part.is_critical and rng.random() < 0.1:
                quantity = 0  # sold out: a non-critical part may be, a critical one may not
            rows.append(StockRow(depot.code, part.part_number, quantity, counted))
    if rows:
        # Stock is the admin's: the country editor may not see another market's depots.
        stock_bulk_set(by=admin, brand=brand, rows=rows)
        result.created["stock levels"] += len(rows)


# --- Evaluation -----------------------------------------------------------------------------


def evaluate_plan(*, brand: Brand, market: Market, plan: MarketPlan, now: datetime.datetime) -> Result:
    # The same selector the coverage reports use: one definition of what counts.
    inputs = coverage_inputs(
        brand=brand,
        market=market,
        planned_annual_volume=plan.volume,
        vehicle_models=(),
        policy=DEFAULT_POLICY_VERSION,
        now=now,
    )
    return evaluate(inputs, DEFAULT_POLICY)


def coverage_summary(*, now: datetime.datetime | None = None) -> list[SummaryRow]:
    """Each demo brand in each of its markets, judged by the coverage engine under the default
    policy on what is in the database now."""
    now = now or timezone.now()
    brands = {b.slug: b for b in Brand.objects.filter(slug__in=[s.slug for s in BRANDS])}
    markets = {m.code: m for m in Market.objects.filter(code__in=MARKETS)}
    rows = []
    for spec in BRANDS:
        brand = brands.get(spec.slug)
        if brand is None:
            continue
        for plan in spec.plans:
            result = evaluate_plan(brand=brand, market=markets[plan.market], plan=plan, now=now)
            metrics = result.metrics
            rows.append(
                SummaryRow(
                    brand=spec.slug,
                    market=plan.market,
                    volume=plan.volume,
                    scenario=str(plan.scenario),
                    qualifying_centres=metrics["qualifying_service_centres"],
                    required_centres=metrics["required_service_centres"],
                    population_coverage_pct=metrics["population_coverage_pct"],
                    passed=result.passed,
                    failing=tuple(c["code"] for c in result.criteria if not c["passed"]),
                )
            )
    return rows
