"""The tenancy layer: who sees and changes what (DESIGN.md §2), proven through the same
selectors and services the API, the portal and the importer use."""

import pytest
from django.core.exceptions import ValidationError

from registry.errors import Forbidden, NotFound
from registry.network import services as centres
from registry.network.models import ServiceCentre
from registry.network.selectors import service_centres_visible
from registry.parts import services as parts
from registry.parts.selectors import depots_visible, parts_visible, stock_visible
from registry.tenancy import services as tenancy
from registry.tenancy.access import access_for, scoped
from registry.tenancy.models import Membership
from registry.tenancy.selectors import brands_visible
from tests.factories import UserFactory

NEW_CENTRE = {"code": "NEW-1", "name": "New centre", "latitude": -1.29, "longitude": 36.82}


def codes(qs):
    return sorted(qs.values_list("code", flat=True))


def test_members_see_only_their_brands_centres(world):
    assert codes(service_centres_visible(user=world.alpha_viewer)) == ["A-KE-1", "A-TZ-1"]
    assert codes(service_centres_visible(user=world.beta_admin)) == ["B-KE-1"]


def test_country_manager_sees_only_their_markets(world):
    assert codes(service_centres_visible(user=world.alpha_ke_editor)) == ["A-KE-1"]
    assert codes(depots_visible(user=world.alpha_ke_editor)) == ["A-NBO"]
    assert [s.depot.code for s in stock_visible(user=world.alpha_ke_editor)] == ["A-NBO"]


def test_country_manager_reads_brand_wide_parts_but_cannot_change_them(world):
    assert set(parts_visible(user=world.alpha_ke_editor)) == {world.alpha_part, world.alpha_spare_part}
    with pytest.raises(Forbidden, match="limited to KE"):
        parts.part_update(by=world.alpha_ke_editor, part=world.alpha_part, data={"name": "Renamed"})


def test_outsiders_and_anonymous_see_nothing(world, django_user_model):
    from django.contrib.auth.models import AnonymousUser

    assert not service_centres_visible(user=world.outsider).exists()
    assert not service_centres_visible(user=AnonymousUser()).exists()
    assert not brands_visible(user=world.outsider).exists()


def test_officials_see_every_brand_and_change_none(world):
    assert codes(service_centres_visible(user=world.official)) == ["A-KE-1", "A-TZ-1", "B-KE-1"]
    assert not scoped(ServiceCentre.objects.all(), world.official, action="edit").exists()
    with pytest.raises(Forbidden, match="never change"):
        centres.service_centre_update(by=world.official, centre=world.alpha_ke_centre, data={"name": "x"})


@pytest.mark.parametrize("username", ["beta_admin", "outsider"])
def test_non_members_cannot_change_another_brands_centre_and_learn_nothing(world, username):
    user = getattr(world, username)
    with pytest.raises(NotFound):
        centres.service_centre_update(by=user, centre=world.alpha_ke_centre, data={"name": "Hijacked"})
    with pytest.raises(NotFound):
        centres.service_centre_delete(by=user, centre=world.alpha_ke_centre)
    world.alpha_ke_centre.refresh_from_db()
    assert world.alpha_ke_centre.name == "Alpha Nairobi"


def test_country_manager_cannot_touch_other_markets(world):
    with pytest.raises(NotFound):
        centres.service_centre_update(by=world.alpha_ke_editor, centre=world.alpha_tz_centre, data={"name": "x"})
    with pytest.raises(Forbidden, match="limited to KE"):
        centres.service_centre_create(by=world.alpha_ke_editor, brand=world.alpha, market=world.tz, data=NEW_CENTRE)
    created = centres.service_centre_create(
        by=world.alpha_ke_editor, brand=world.alpha, market=world.ke, data=NEW_CENTRE
    )
    assert created.market_id == "KE"


def test_viewers_read_but_cannot_write(world):
    with pytest.raises(Forbidden, match="editor or admin"):
        centres.service_centre_create(by=world.alpha_viewer, brand=world.alpha, market=world.ke, data=NEW_CENTRE)
    with pytest.raises(Forbidden):
        parts.stock_update(by=world.alpha_viewer, stock=world.alpha_ke_stock, data={"quantity_on_hand": 1})


def test_stock_cannot_mix_brands(world):
    with pytest.raises(ValidationError) as exc:
        parts.stock_create(
            by=world.alpha_admin,
            brand=world.alpha,
            depot=world.alpha_ke_depot,
            part=world.beta_part,
            quantity_on_hand=3,
        )
    assert "another brand" in str(exc.value.message_dict["part"])


def test_official_cannot_become_member_and_member_cannot_become_official(world):
    with pytest.raises(ValidationError, match="official"):
        tenancy.membership_add(by=world.alpha_admin, brand=world.alpha, user=world.official, role="viewer")
    with pytest.raises(ValidationError, match="member of a brand"):
        tenancy.official_appoint(by=world.staff, user=world.alpha_viewer)
    # Also when the group is edited directly (Django admin), and when a row is written directly.
    from django.contrib.auth.models import Group
    from django.db import transaction

    with pytest.raises(ValidationError), transaction.atomic():
        world.alpha_viewer.groups.add(Group.objects.get(name="officials"))
    with pytest.raises(ValidationError), transaction.atomic():
        Membership.objects.create(user=world.official, brand=world.beta, role="viewer")


def test_only_staff_onboard_brands(world):
    with pytest.raises(Forbidden):
        tenancy.brand_create(by=world.alpha_admin, name="Gamma")
    brand = tenancy.brand_create(by=world.staff, name="Gamma Cars")
    assert brand.slug == "gamma-cars"
    newcomer = UserFactory(username="gamma_boss")
    tenancy.membership_add(by=world.staff, brand=brand, user=newcomer, role="admin")
    assert access_for(newcomer).grant(brand.pk).role == "admin"


def test_brand_keeps_at_least_one_admin(world):
    admin_membership = Membership.objects.get(user=world.alpha_admin, brand=world.alpha)
    with pytest.raises(ValidationError, match="at least one admin"):
        tenancy.membership_update(by=world.alpha_admin, membership=admin_membership, role="viewer")
    with pytest.raises(ValidationError, match="last admin"):
        tenancy.membership_remove(by=world.alpha_admin, membership=admin_membership)
    editor = Membership.objects.get(user=world.alpha_editor)
    tenancy.membership_update(by=world.alpha_admin, membership=editor, role="admin")
    tenancy.membership_update(by=world.alpha_editor, membership=admin_membership, role="viewer")
    assert Membership.objects.get(pk=admin_membership.pk).role == "viewer"


def test_only_admins_manage_members(world):
    with pytest.raises(Forbidden):
        tenancy.membership_add(by=world.alpha_editor, brand=world.alpha, user=world.outsider, role="viewer")
    with pytest.raises(NotFound):
        tenancy.membership_add(by=world.beta_admin, brand=world.alpha, user=world.outsider, role="viewer")


def test_official_only_brand_fields(world):
    with pytest.raises(Forbidden, match="Only officials"):
        tenancy.brand_update(by=world.alpha_admin, brand=world.alpha, data={"annual_export_volume": 99999})
    tenancy.brand_update(
        by=world.official, brand=world.alpha, data={"annual_export_volume": 2500, "wmi_codes": ["la9"]}
    )
    world.alpha.refresh_from_db()
    assert (world.alpha.annual_export_volume, world.alpha.wmi_codes) == (2500, ["LA9"])
    tenancy.brand_update(by=world.alpha_admin, brand=world.alpha, data={"name": "Alpha Motor Co."})
    with pytest.raises(Forbidden):
        tenancy.brand_update(by=world.alpha_editor, brand=world.alpha, data={"name": "Nope"})
