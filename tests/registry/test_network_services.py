"""Where a centre or depot ends up when a write changes its city or coordinates."""

from registry.network import services as centres
from registry.parts import services as parts


def test_renaming_the_city_of_an_exact_centre_does_not_move_it(world):
    centre = world.alpha_ke_centre  # exact coordinates in Nairobi
    moved = centres.service_centre_update(by=world.alpha_admin, centre=centre, data={"city": "Mombasa"})
    assert (moved.latitude, moved.longitude, moved.location_precision) == (centre.latitude, centre.longitude, "exact")


def test_an_approximate_centre_follows_its_city(world):
    centre = centres.service_centre_create(
        by=world.alpha_admin,
        brand=world.alpha,
        market=world.ke,
        data={"code": "APX", "name": "Approx", "city": "Nairobi"},
    )
    assert centre.location_precision == "city"
    moved = centres.service_centre_update(by=world.alpha_admin, centre=centre, data={"city": "Kisumu"})
    assert (round(moved.latitude, 2), round(moved.longitude, 2), moved.location_precision) == (-0.1, 34.76, "city")
    pinned = centres.service_centre_update(
        by=world.alpha_admin, centre=moved, data={"latitude": -0.11, "longitude": 34.75}
    )
    assert pinned.location_precision == "exact"


def test_a_depot_moves_to_its_new_city(world):
    depot = parts.depot_update(by=world.alpha_admin, depot=world.alpha_ke_depot, data={"city": "Mombasa"})
    assert (round(depot.latitude, 2), round(depot.longitude, 2)) == (-4.05, 39.66)
