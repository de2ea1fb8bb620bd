"""Reading brands and memberships through the tenancy layer."""

from typing import Any

from django.db.models import QuerySet

from registry.errors import Forbidden, NotFound
from registry.tenancy.access import access_for, require, scoped
from registry.tenancy.models import Brand, Membership


def brands_visible(*, user: Any) -> QuerySet[Brand]:
    """Brands the user is a member of; every brand for officials and platform staff."""
    access = access_for(user)
    if access.is_staff:
        return Brand.objects.all()
    return scoped(Brand.objects.all(), user)


def brand_get(*, user: Any, slug: str) -> Brand:
    brand = brands_visible(user=user).filter(slug=slug).first()
    if brand is None:
        raise NotFound("No such brand.")
    return brand


def brand_for_member_admin(*, user: Any, slug: str) -> Brand:
    """The brand whose members ``user`` manages: its admins do, and platform staff (to add a new
    brand's first admin). ``NotFound`` for a brand the user cannot see; ``Forbidden`` for its
    other members and for officials, who read brands but never manage their people."""
    access = access_for(user)
    if access.is_staff and not access.is_official:
        brand = Brand.objects.filter(slug=slug).first()
        if brand is None:
            raise NotFound("No such brand.")
        return brand
    brand = brand_get(user=user, slug=slug)
    if access.is_official:
        raise Forbidden("Members are managed by the brand's admins.")
    require(user, "admin", brand_id=brand.pk)
    return brand


def memberships_of(*, user: Any, brand: Brand) -> QuerySet[Membership]:
    """The members of ``brand``: visible to its members, its officials and platform staff."""
    access = access_for(user)
    if not (access.sees_brand(brand.pk) or access.is_staff):
        raise NotFound("No such brand.")
    return Membership.objects.filter(brand=brand).select_related("user").prefetch_related("markets")
