"""Reading brands and memberships through the tenancy layer."""

from typing import Any

from django.db.models import QuerySet

from registry.errors import NotFound
from registry.tenancy.access import access_for, scoped
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


def brand_for_write(*, user: Any, slug: str) -> Brand:
    """The brand a write names by slug. A brand the user cannot see is an invalid reference
    (400, DESIGN.md §2), not a 404: the request itself exists."""
    from django.core.exceptions import ValidationError

    brand = brands_visible(user=user).filter(slug=slug).first()
    if brand is None:
        raise ValidationError({"brand": f"There is no brand “{slug}” you belong to."})
    return brand


def memberships_of(*, user: Any, brand: Brand) -> QuerySet[Membership]:
    """The members of ``brand``: visible to its members, its officials and platform staff."""
    access = access_for(user)
    if not (access.sees_brand(brand.pk) or access.is_staff):
        raise NotFound("No such brand.")
    return Membership.objects.filter(brand=brand).select_related("user").prefetch_related("markets")
