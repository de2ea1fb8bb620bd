"""The coverage engine, rule by rule of DESIGN.md §4, and against a brute-force reference.

Pure numpy: no database. The brute-force distance matrix lives only here.
"""

import hashlib
import json
import math
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from registry.coverage.engine import (
    GAP_LIMIT,
    Centres,
    Inputs,
    PartStock,
    Places,
    Policy,
    evaluate,
    fingerprint,
    fingerprint_facts,
    meets_rate,
    required_service_centres,
)
from registry.geo import EARTH_RADIUS_KM, haversine_km

REQUIRED_CATEGORIES = ("battery_module", "drive_motor", "power_electronics", "charging", "brakes")
POLICY = Policy(
    coverage_radius_km=150.0,
    population_coverage_pct=80.0,
    min_service_centres=1,
    vehicles_per_service_centre=1000,
    critical_parts_fill_rate_pct=90.0,
    required_part_categories=REQUIRED_CATEGORIES,
)
NAIROBI = (-1.2921, 36.8219)
KM_PER_DEGREE = math.pi * EARTH_RADIUS_KM / 180


def places(*rows):
    """rows: (geonameid, name, lat, lon, population)."""
    if not rows:
        return Places.empty()
    ids, names, lats, lons, pops = zip(*rows, strict=True)
    return Places(geonameid=ids, name=list(names), latitude=lats, longitude=lons, population=pops)


def centres(*rows, verified=()):
    """rows: (lat, lon); ids 1..n; ``verified`` lists the 0-based positions that are verified."""
    if not rows:
        return Centres.empty()
    lats, lons = zip(*rows, strict=True)
    return Centres(
        id=range(1, len(rows) + 1),
        latitude=lats,
        longitude=lons,
        verified=[i in verified for i in range(len(rows))],
    )


def stocked_categories(*categories, quantity=1, part_id_start=1000):
    """A non-critical, all-models part in stock for each category."""
    return tuple(
        PartStock(part_id=part_id_start + i, category=c, is_critical=False, fresh_quantity=quantity)
        for i, c in enumerate(categories)
    )


def make_inputs(**overrides):
    values = {
        "places": places((1, "Nairobi", *NAIROBI, 4_400_000)),
        "centres": centres(NAIROBI),
        "parts": (
            PartStock(part_id=1, category="battery_module", is_critical=True, fresh_quantity=3),
            *stocked_categories(*REQUIRED_CATEGORIES),
        ),
        "planned_annual_volume": 500,
        "vehicle_models": (),
        "country_population": 53_000_000,
        "market_name": "Kenya",
    }
    values.update(overrides)
    return Inputs(**values)


def criterion(result, code):
    [found] = [c for c in result.criteria if c["code"] == code]
    return found


def east_of_nairobi(km):
    """A point ``km`` due east of a point on the equator near Nairobi's longitude (exact along the equator)."""
    return 0.0, NAIROBI[1] + km / KM_PER_DEGREE


# --- shape of the result --------------------------------------------------------------------


def test_a_brand_meeting_every_rule_passes():
    result = evaluate(make_inputs(), POLICY)
    assert result.passed
    assert all(c["passed"] for c in result.criteria)
    assert result.gaps == []


def test_metrics_have_exactly_the_documented_keys():
    result = evaluate(make_inputs(), POLICY)
    assert set(result.metrics) == {
        "qualifying_service_centres",
        "verified_service_centres",
        "required_service_centres",
        "population_total",
        "population_covered",
        "population_coverage_pct",
        "country_population",
        "critical_parts_total",
        "critical_parts_in_stock",
        "critical_parts_fill_rate_pct",
        "part_categories_covered",
    }
    assert result.metrics["country_population"] == 53_000_000


def test_criteria_come_in_a_fixed_order_with_every_field():
    result = evaluate(make_inputs(), POLICY)
    assert [c["code"] for c in result.criteria] == [
        "service_centres",
        "population_coverage",
        "critical_parts",
        "part_categories",
    ]
    for c in result.criteria:
        assert set(c) == {"code", "label", "required", "actual", "passed", "explanation"}
        assert c["label"]
        assert c["explanation"].endswith(".")


def test_the_result_is_json_ready_with_plain_python_numbers():
    result = evaluate(make_inputs(centres=Centres.empty()), POLICY)
    text = json.dumps({"metrics": result.metrics, "criteria": result.criteria, "gaps": result.gaps})
    assert json.loads(text)["gaps"][0]["nearest_centre_km"] is None
    for value in result.metrics.values():
        assert type(value) in (int, float)


def test_one_failing_criterion_fails_the_whole_evaluation():
    result = evaluate(make_inputs(planned_annual_volume=1001), POLICY)
    assert not criterion(result, "service_centres")["passed"]
    assert all(c["passed"] for c in result.criteria if c["code"] != "service_centres")
    assert not result.passed


# --- service centres ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("volume", "per_centre", "minimum", "expected"),
    [
        (0, 1000, 1, 1),  # V = 0: the minimum still applies
        (0, 1000, 0, 0),
        (1, 1000, 0, 1),  # any vehicle needs a centre
        (1000, 1000, 1, 1),
        (1001, 1000, 1, 2),  # ceil, not round
        (3500, 1000, 1, 4),
        (1000, 1000, 5, 5),  # the minimum wins
        (10**18 + 1, 3, 0, 333_333_333_333_333_334),  # integer arithmetic, no float rounding
    ],
)
def test_required_service_centres_is_max_of_minimum_and_ceiling(volume, per_centre, minimum, expected):
    policy = replace(POLICY, vehicles_per_service_centre=per_centre, min_service_centres=minimum)
    assert required_service_centres(planned_annual_volume=volume, policy=policy) == expected


def test_service_centres_pass_when_exactly_the_required_number_qualify():
    three = centres(NAIROBI, (0.0, 37.0), (-4.0, 39.6))
    assert criterion(evaluate(make_inputs(centres=three, planned_annual_volume=3000), POLICY), "service_centres")[
        "passed"
    ]
    assert not criterion(evaluate(make_inputs(centres=three, planned_annual_volume=3001), POLICY), "service_centres")[
        "passed"
    ]


def test_service_centres_explanation_names_counts_verified_and_the_rule():
    three = centres(NAIROBI, (0.0, 37.0), (-4.0, 39.6), verified=(1,))
    result = evaluate(make_inputs(centres=three, planned_annual_volume=3500), POLICY)
    c = criterion(result, "service_centres")
    assert (c["required"], c["actual"], c["passed"]) == (4, 3, False)
    assert c["explanation"] == (
        "3 qualifying service centres in Kenya (1 verified); 4 are required for 3,500 vehicles a year "
        "(1 per 1,000, at least 1)."
    )
    assert result.metrics["qualifying_service_centres"] == 3
    assert result.metrics["verified_service_centres"] == 1
    assert result.metrics["required_service_centres"] == 4


def test_service_centres_explanation_with_no_centres_and_no_vehicles():
    c = criterion(evaluate(make_inputs(centres=Centres.empty(), planned_annual_volume=0), POLICY), "service_centres")
    assert c["explanation"] == (
        "No qualifying service centres in Kenya (0 verified); 1 is required for 0 vehicles a year "
        "(1 per 1,000, at least 1)."
    )
    assert not c["passed"]


def test_service_centres_pass_with_none_when_none_are_required():
    policy = replace(POLICY, min_service_centres=0)
    c = criterion(evaluate(make_inputs(centres=Centres.empty(), planned_annual_volume=0), policy), "service_centres")
    assert c["passed"]


# --- population coverage --------------------------------------------------------------------


def test_a_place_exactly_at_the_radius_is_covered_and_one_ulp_beyond_is_not():
    lat, lon = east_of_nairobi(150.0)
    distance = float(haversine_km(lat, lon, 0.0, NAIROBI[1]))
    inputs = make_inputs(places=places((1, "Edge", lat, lon, 100)), centres=centres((0.0, NAIROBI[1])))
    at_radius = evaluate(inputs, replace(POLICY, coverage_radius_km=distance))
    assert at_radius.metrics["population_covered"] == 100
    just_inside = evaluate(inputs, replace(POLICY, coverage_radius_km=float(np.nextafter(distance, 0.0))))
    assert just_inside.metrics["population_covered"] == 0


def test_coverage_uses_the_nearest_centre_across_the_antimeridian():
    fiji = places((1, "Suva-ish", -17.0, 179.9, 1000), (2, "Far", -17.0, 170.0, 10))
    result = evaluate(make_inputs(places=fiji, centres=centres((-17.0, -179.9))), POLICY)
    assert result.metrics["population_covered"] == 1000
    assert [g["geonameid"] for g in result.gaps] == [2]


def test_no_centres_covers_nobody_and_gaps_have_no_distance():
    result = evaluate(
        make_inputs(centres=Centres.empty(), places=places((1, "A", 0, 0, 10), (2, "B", 1, 1, 20))), POLICY
    )
    assert result.metrics["population_covered"] == 0
    assert result.metrics["population_coverage_pct"] == 0.0
    c = criterion(result, "population_coverage")
    assert not c["passed"]
    assert c["explanation"] == (
        "There is no qualifying service centre in Kenya, so none of the 30 people in listed places live within "
        "150 km of one; 80 % is required."
    )
    assert [g["nearest_centre_km"] for g in result.gaps] == [None, None]


def test_no_populated_places_fails_and_says_none_are_loaded():
    result = evaluate(make_inputs(places=Places.empty()), POLICY)
    c = criterion(result, "population_coverage")
    assert not c["passed"]
    assert result.metrics["population_total"] == 0
    assert result.metrics["population_coverage_pct"] == 0.0
    assert c["explanation"] == (
        "No populated places are loaded for Kenya, so population coverage cannot be measured; 80 % is required, "
        "so this does not pass."
    )


def test_no_populated_places_passes_when_the_policy_requires_zero_percent():
    c = criterion(
        evaluate(make_inputs(places=Places.empty()), replace(POLICY, population_coverage_pct=0.0)),
        "population_coverage",
    )
    assert c["passed"]
    assert c["explanation"].endswith("the policy requires 0 %, so this passes.")


def test_places_that_record_no_population_are_an_empty_base():
    result = evaluate(make_inputs(places=places((1, "Hamlet", *NAIROBI, 0), (2, "Farm", 0, 0, 0))), POLICY)
    c = criterion(result, "population_coverage")
    assert not c["passed"]
    assert c["explanation"].startswith("The 2 populated places loaded for Kenya record no population")


def coverage_inputs(covered, total):
    lat, lon = east_of_nairobi(1000.0)
    return make_inputs(
        places=places((1, "Near", *NAIROBI, covered), (2, "Far", lat, lon, total - covered)),
        centres=centres(NAIROBI),
    )


def test_exactly_80_percent_passes_and_79_99_fails():
    assert criterion(evaluate(coverage_inputs(80, 100), POLICY), "population_coverage")["passed"]
    assert not criterion(evaluate(coverage_inputs(7999, 10_000), POLICY), "population_coverage")["passed"]


def test_the_required_percentage_is_compared_as_the_decimal_written():
    # 79.99 · 10,000 in binary floating point is not 799,900; the rule is about the decimal.
    policy = replace(POLICY, population_coverage_pct=79.99)
    assert criterion(evaluate(coverage_inputs(7999, 10_000), policy), "population_coverage")["passed"]
    assert not criterion(evaluate(coverage_inputs(799_899, 1_000_000), policy), "population_coverage")["passed"]
    policy = replace(POLICY, population_coverage_pct=0.3)  # 0.3 is stored just below 3/10
    assert criterion(evaluate(coverage_inputs(3, 1000), policy), "population_coverage")["passed"]


def test_a_numpy_float_policy_percentage_is_read_as_its_decimal():
    policy = replace(POLICY, population_coverage_pct=np.float64(79.99))
    c = criterion(evaluate(coverage_inputs(7999, 10_000), policy), "population_coverage")
    assert c["passed"]
    assert c["explanation"].endswith("; 79.99 % is required.")


def test_rounded_display_never_decides_and_the_explanation_does_not_contradict_the_verdict():
    result = evaluate(coverage_inputs(79_996, 100_000), POLICY)
    c = criterion(result, "population_coverage")
    assert result.metrics["population_coverage_pct"] == 80.0  # 79.996 rounded to 2 decimals
    assert not c["passed"]
    assert c["explanation"].startswith("79.996 % of the")


def test_population_explanation_reads_like_the_design_example():
    total = 18_300_000
    covered = 13_578_600  # 74.2 %
    result = evaluate(coverage_inputs(covered, total), POLICY)
    c = criterion(result, "population_coverage")
    assert c["explanation"] == (
        "74.2 % of the 18.3 million people in listed places live within 150 km of a qualifying centre; "
        "80 % is required."
    )
    assert (c["required"], c["actual"], c["passed"]) == (80.0, 74.2, False)
    assert result.metrics["population_total"] == total
    assert result.metrics["population_covered"] == covered


@pytest.mark.parametrize(
    ("total", "words"),
    [(45_600, "45.6 thousand people"), (4_500, "4,500 people"), (1_000_000, "1 million people")],
)
def test_people_counts_are_written_humanly(total, words):
    c = criterion(evaluate(coverage_inputs(total, total), POLICY), "population_coverage")
    assert f"of the {words} in listed places" in c["explanation"]


def test_population_pct_metric_is_rounded_to_two_decimals():
    assert evaluate(coverage_inputs(2, 3), POLICY).metrics["population_coverage_pct"] == 66.67


# --- critical parts -------------------------------------------------------------------------


def critical(part_id, quantity, *, fits=(), category="battery_module"):
    return PartStock(part_id=part_id, category=category, is_critical=True, fits_models=fits, fresh_quantity=quantity)


def test_nine_of_ten_critical_parts_meets_ninety_percent_exactly():
    parts = (*(critical(i, 1) for i in range(9)), critical(9, 0), *stocked_categories(*REQUIRED_CATEGORIES))
    result = evaluate(make_inputs(parts=parts), POLICY)
    c = criterion(result, "critical_parts")
    assert c["passed"]
    assert c["explanation"] == "9 of 10 critical parts are in fresh stock in Kenya (90.0 %); 90 % is required."
    assert result.metrics["critical_parts_total"] == 10
    assert result.metrics["critical_parts_in_stock"] == 9
    assert result.metrics["critical_parts_fill_rate_pct"] == 90.0


def test_a_critical_part_with_zero_fresh_quantity_is_not_in_stock():
    result = evaluate(make_inputs(parts=(critical(1, 0), *stocked_categories(*REQUIRED_CATEGORIES))), POLICY)
    assert result.metrics["critical_parts_in_stock"] == 0
    assert not criterion(result, "critical_parts")["passed"]


def test_no_critical_parts_fails_unless_the_policy_requires_zero():
    parts = stocked_categories(*REQUIRED_CATEGORIES)
    failing = criterion(evaluate(make_inputs(parts=parts), POLICY), "critical_parts")
    assert not failing["passed"]
    assert failing["explanation"] == (
        "No critical parts are listed, so the fill rate cannot be measured; 90 % is required, so this does not pass."
    )
    passing = criterion(
        evaluate(make_inputs(parts=parts), replace(POLICY, critical_parts_fill_rate_pct=0.0)), "critical_parts"
    )
    assert passing["passed"]
    assert evaluate(make_inputs(parts=parts), POLICY).metrics["critical_parts_fill_rate_pct"] == 0.0


def test_vehicle_models_restrict_critical_parts_to_those_that_fit():
    parts = (
        critical(1, 1, fits=()),  # fits every model: counts
        critical(2, 0, fits=("M1", "M2")),  # shares M2 with S: counts
        critical(3, 0, fits=("M3",)),  # other model only: left out
        PartStock(part_id=4, category="brakes", is_critical=False, fresh_quantity=0),  # not critical
        *stocked_categories(*REQUIRED_CATEGORIES),
    )
    restricted = evaluate(make_inputs(parts=parts, vehicle_models=("M2", "M9")), POLICY)
    assert restricted.metrics["critical_parts_total"] == 2
    assert restricted.metrics["critical_parts_in_stock"] == 1
    assert (
        "critical parts for models M2, M9 are in fresh stock" in criterion(restricted, "critical_parts")["explanation"]
    )
    everything = evaluate(make_inputs(parts=parts, vehicle_models=()), POLICY)
    assert everything.metrics["critical_parts_total"] == 3


def test_an_unrounded_fill_rate_just_below_the_policy_fails():
    parts = (*(critical(i, 1) for i in range(8999)), *(critical(10_000 + i, 0) for i in range(1001)))
    result = evaluate(make_inputs(parts=(*parts, *stocked_categories(*REQUIRED_CATEGORIES))), POLICY)
    c = criterion(result, "critical_parts")
    assert result.metrics["critical_parts_fill_rate_pct"] == 89.99
    assert not c["passed"]
    assert "(89.99 %)" in c["explanation"]


# --- part categories ------------------------------------------------------------------------


def test_a_category_is_covered_by_a_non_critical_part_in_stock():
    parts = (critical(1, 1), *stocked_categories(*REQUIRED_CATEGORIES))
    result = evaluate(make_inputs(parts=parts), POLICY)
    assert all(not p.is_critical for p in parts if p.category == "brakes")
    assert criterion(result, "part_categories")["passed"]
    assert result.metrics["part_categories_covered"] == 5


def test_a_category_without_fresh_stock_is_missing_and_named():
    parts = (
        critical(1, 1),
        *stocked_categories("battery_module", "drive_motor", "power_electronics"),
        PartStock(part_id=50, category="brakes", is_critical=True, fresh_quantity=0),
    )
    result = evaluate(make_inputs(parts=parts), POLICY)
    c = criterion(result, "part_categories")
    assert not c["passed"]
    assert (c["required"], c["actual"]) == (5, 3)
    assert c["explanation"] == (
        "3 of 5 required part categories have parts in fresh stock in Kenya; missing: charging, brakes."
    )


def test_a_category_is_not_covered_by_a_part_that_does_not_fit_the_models():
    parts = (
        critical(1, 1),
        *stocked_categories("battery_module", "drive_motor", "power_electronics", "charging"),
        PartStock(part_id=60, category="brakes", is_critical=False, fits_models=("OTHER",), fresh_quantity=5),
    )
    assert not criterion(evaluate(make_inputs(parts=parts, vehicle_models=("M1",)), POLICY), "part_categories")[
        "passed"
    ]
    assert criterion(evaluate(make_inputs(parts=parts, vehicle_models=()), POLICY), "part_categories")["passed"]
    assert criterion(evaluate(make_inputs(parts=parts, vehicle_models=("OTHER",)), POLICY), "part_categories")["passed"]


def test_flagging_parts_outside_the_policy_categories_does_not_help():
    parts = (critical(1, 1, category="body"), *stocked_categories("body", "glass"))
    result = evaluate(make_inputs(parts=parts), POLICY)
    assert result.metrics["part_categories_covered"] == 0
    assert not criterion(result, "part_categories")["passed"]


def test_a_policy_without_required_categories_passes_that_criterion():
    c = criterion(evaluate(make_inputs(parts=()), replace(POLICY, required_part_categories=())), "part_categories")
    assert c["passed"]
    assert c["explanation"] == "The policy requires no part categories."


def test_category_explanation_when_all_are_covered():
    c = criterion(evaluate(make_inputs(), POLICY), "part_categories")
    assert c["explanation"] == "All 5 required part categories have parts in fresh stock in Kenya."


# --- gaps -----------------------------------------------------------------------------------


def test_gaps_list_uncovered_places_largest_first_with_geonameid_tie_break():
    far = east_of_nairobi(400.0)
    result = evaluate(
        make_inputs(
            places=places(
                (30, "C", *far, 500),
                (10, "A", *far, 500),
                (20, "B", *far, 900),
                (5, "Covered", *NAIROBI, 10_000),
            )
        ),
        POLICY,
    )
    assert [g["geonameid"] for g in result.gaps] == [20, 10, 30]
    gap = result.gaps[0]
    assert set(gap) == {"geonameid", "name", "population", "latitude", "longitude", "nearest_centre_km"}
    assert gap["name"] == "B"
    assert gap["population"] == 900
    assert gap["nearest_centre_km"] == round(float(haversine_km(*far, *NAIROBI)), 1)


def test_gaps_are_capped_at_fifty_and_ties_at_the_cut_resolve_by_geonameid():
    far = east_of_nairobi(400.0)
    rng = np.random.default_rng(5)
    ids = rng.permutation(np.arange(1, 301))
    populations = rng.integers(0, 8, 300) * 100  # many ties, including at the cut
    result = evaluate(
        make_inputs(places=places(*((int(i), f"P{i}", *far, int(p)) for i, p in zip(ids, populations, strict=True)))),
        POLICY,
    )
    expected = sorted(zip(ids.tolist(), populations.tolist(), strict=True), key=lambda row: (-row[1], row[0]))
    assert GAP_LIMIT == 50
    assert [(g["geonameid"], g["population"]) for g in result.gaps] == expected[:50]


def test_gap_distance_is_rounded_to_a_tenth_of_a_km():
    lat, lon = east_of_nairobi(1234.5678)
    inputs = make_inputs(places=places((1, "Far", lat, lon, 1)), centres=centres((0.0, NAIROBI[1])))
    [gap] = evaluate(inputs, POLICY).gaps
    assert gap["nearest_centre_km"] == 1234.6


# --- meets_rate -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("numerator", "denominator", "required", "expected"),
    [
        (80, 100, 80.0, True),
        (7999, 10_000, 80.0, False),
        (0, 0, 0.0, True),  # empty base, nothing required
        (0, 0, 0.0001, False),  # empty base fails otherwise
        (0, 5, 0.0, True),
        (1, 3, 33.333333333333336, False),  # the float nearest 100/3 is above 1/3
        (10**15, 10**15, 100.0, True),
    ],
)
def test_meets_rate_compares_exactly(numerator, denominator, required, expected):
    assert meets_rate(numerator, denominator, required) is expected


# --- against brute force --------------------------------------------------------------------

coordinates = st.one_of(
    st.tuples(st.floats(-90, 90), st.floats(-180, 180)),
    st.tuples(st.floats(84, 90), st.floats(-180, 180)),
    st.tuples(st.floats(-60, 60), st.one_of(st.floats(178, 180), st.floats(-180, -178))),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    place_points=st.lists(coordinates, min_size=1, max_size=80),
    centre_points=st.lists(coordinates, min_size=0, max_size=30),
    populations=st.lists(st.integers(0, 5_000_000), min_size=80, max_size=80),
    radius_km=st.floats(0, 3000),
)
def test_coverage_and_gaps_match_a_brute_force_distance_matrix(place_points, centre_points, populations, radius_km):
    n = len(place_points)
    plat = np.array([p[0] for p in place_points])
    plon = np.array([p[1] for p in place_points])
    pop = np.array(populations[:n], dtype=np.int64)
    ids = np.arange(1, n + 1)[::-1]
    inputs = make_inputs(
        places=Places(geonameid=ids, name=[f"P{i}" for i in ids], latitude=plat, longitude=plon, population=pop),
        centres=centres(*centre_points),
    )
    result = evaluate(inputs, replace(POLICY, coverage_radius_km=radius_km))

    if centre_points:
        clat = np.array([c[0] for c in centre_points])
        clon = np.array([c[1] for c in centre_points])
        nearest = haversine_km(plat[:, None], plon[:, None], clat, clon).min(axis=1)
    else:
        nearest = np.full(n, np.inf)
    covered = nearest <= radius_km
    assert result.metrics["population_covered"] == int(pop[covered].sum())
    assert result.metrics["population_total"] == int(pop.sum())

    uncovered = sorted(np.flatnonzero(~covered), key=lambda i: (-pop[i], ids[i]))[:GAP_LIMIT]
    assert [g["geonameid"] for g in result.gaps] == [int(ids[i]) for i in uncovered]
    for gap, i in zip(result.gaps, uncovered, strict=True):
        assert gap["nearest_centre_km"] == (round(float(nearest[i]), 1) if centre_points else None)


# --- fingerprint ----------------------------------------------------------------------------


def test_fingerprint_is_sha256_of_canonical_json():
    payload = {"b": [1, 2], "a": "Zürich"}
    canonical = '{"a":"Zürich","b":[1,2]}'.encode()
    assert fingerprint(payload) == hashlib.sha256(canonical).hexdigest()


def test_fingerprint_ignores_key_order_and_changes_with_any_value():
    assert fingerprint({"x": 1, "y": {"b": 2, "a": 1}}) == fingerprint({"y": {"a": 1, "b": 2}, "x": 1})
    assert fingerprint({"x": 1}) != fingerprint({"x": 2})


def test_fingerprint_refuses_nan():
    with pytest.raises(ValueError):
        fingerprint({"x": float("nan")})


def test_fingerprint_facts_do_not_depend_on_input_order():
    parts = (critical(2, 1), critical(1, 0), *stocked_categories(*REQUIRED_CATEGORIES))
    a = make_inputs(centres=centres(NAIROBI, (0.0, 37.0)), parts=parts, vehicle_models=("M2", "M1"))
    b = make_inputs(
        centres=Centres(id=[2, 1], latitude=[0.0, NAIROBI[0]], longitude=[37.0, NAIROBI[1]], verified=[False, False]),
        parts=tuple(reversed(parts)),
        vehicle_models=("M1", "M2"),
    )
    facts = fingerprint_facts(a, POLICY)
    assert facts == fingerprint_facts(b, POLICY)
    assert fingerprint(facts) == fingerprint(fingerprint_facts(b, POLICY))
    assert facts["centres"] == [[1, NAIROBI[0], NAIROBI[1]], [2, 0.0, 37.0]]
    assert facts["critical_parts"] == [[1, False], [2, True]]
    assert facts["vehicle_models"] == ["M1", "M2"]
    assert facts["planned_annual_volume"] == 500


def test_fingerprint_facts_change_when_stock_runs_out():
    before = fingerprint(fingerprint_facts(make_inputs(), POLICY))
    emptied = make_inputs(parts=(critical(1, 0), *stocked_categories(*REQUIRED_CATEGORIES)))
    assert fingerprint(fingerprint_facts(emptied, POLICY)) != before


# --- inputs are checked ---------------------------------------------------------------------


def test_policy_refuses_impossible_values():
    with pytest.raises(ValueError, match="vehicles_per_service_centre"):
        replace(POLICY, vehicles_per_service_centre=0)
    with pytest.raises(ValueError, match="population_coverage_pct"):
        replace(POLICY, population_coverage_pct=100.5)
    with pytest.raises(ValueError, match="repeat"):
        replace(POLICY, required_part_categories=("brakes", "brakes"))


def test_inputs_refuse_a_negative_volume_and_ragged_columns():
    with pytest.raises(ValueError, match="planned_annual_volume"):
        make_inputs(planned_annual_volume=-1)
    with pytest.raises(ValueError, match="same length"):
        Places(geonameid=[1, 2], name=["A"], latitude=[0, 0], longitude=[0, 0], population=[1, 1])
    with pytest.raises(ValueError, match="same length"):
        Centres(id=[1], latitude=[0, 1], longitude=[0], verified=[True])
