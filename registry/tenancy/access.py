"""The tenancy layer: who may see and change which brand's data (DESIGN.md §2).

Everything that reads or writes tenant data goes through here — API views, portal views,
services and the importer — so isolation is decided in one place:

* ``scoped(queryset, user)`` narrows any tenant queryset to what the user may see;
* ``require(user, action, brand_id=…, market=…)`` raises ``NotFound`` when the user may not
  even see the brand or market, and ``Forbidden`` when they see it but lack the role.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from django.db.models import Model, Q, QuerySet

from registry.errors import Forbidden, NotFound
from registry.vocabulary import ROLE_RANK, Role

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

OFFICIALS_GROUP = "officials"

Action = Literal["view", "edit", "admin"]
# The least role each action needs.
_NEEDS: dict[str, int] = {
    "view": ROLE_RANK[Role.VIEWER],
    "edit": ROLE_RANK[Role.EDITOR],
    "admin": ROLE_RANK[Role.ADMIN],
}


@dataclass(frozen=True)
class Grant:
    brand_id: int
    role: str
    markets: frozenset[str] = field(default_factory=frozenset)  # empty: every market

    def covers(self, market: str | None) -> bool:
        return not self.markets or (market is not None and market in self.markets)


@dataclass(frozen=True)
class Access:
    """What one user may do, computed once per request (two queries) and cached on the user."""

    user_id: int | None
    is_official: bool = False
    is_staff: bool = False
    grants: dict[int, Grant] = field(default_factory=dict)

    @property
    def is_authenticated(self) -> bool:
        return self.user_id is not None

    def grant(self, brand_id: int) -> Grant | None:
        return self.grants.get(brand_id)

    def can(self, action: Action, *, brand_id: int, market: str | None = None, brand_wide: bool = False) -> bool:
        """May the user do ``action`` on data of ``brand_id`` in ``market``?

        ``brand_wide`` data (parts, vehicle models) has no market: market-scoped members read
        it, but only members of the whole brand change it.
        """
        if action == "view" and self.is_official:
            return True
        grant = self.grants.get(brand_id)
        if grant is None or ROLE_RANK[grant.role] < _NEEDS[action]:
            return False
        if brand_wide:
            return action == "view" or not grant.markets
        return (market is None and action == "view") or grant.covers(market)

    def sees_brand(self, brand_id: int) -> bool:
        return self.is_official or brand_id in self.grants


_ANONYMOUS = Access(user_id=None)


def access_for(user: AbstractBaseUser | AnonymousUser | None) -> Access:
    if user is None or not user.is_authenticated:
        return _ANONYMOUS
    cached = getattr(user, "_registry_access", None)
    if cached is not None:
        return cached
    from registry.tenancy.models import Membership

    grants: dict[int, Grant] = {}
    memberships = Membership.objects.filter(user=user).prefetch_related("markets")
    for m in memberships:
        grants[m.brand_id] = Grant(m.brand_id, m.role, frozenset(mk.code for mk in m.markets.all()))
    access = Access(
        user_id=user.pk,
        is_official=user.groups.filter(name=OFFICIALS_GROUP).exists(),
        is_staff=bool(user.is_staff),
        grants=grants,
    )
    user._registry_access = access
    return access


def forget_access(user: Any) -> None:
    """Drop the cached access after memberships or groups change in this request."""
    if hasattr(user, "_registry_access"):
        del user._registry_access


def is_official(user: Any) -> bool:
    return access_for(user).is_official


def scoped(queryset: QuerySet, user: Any, *, action: Action = "view") -> QuerySet:
    """``queryset`` narrowed to the rows ``user`` may ``action``.

    Works for every model with a ``brand`` (its ``market_path`` says where its market is) and
    for ``Brand`` itself. Officials see everything and change nothing here.
    """
    model = queryset.model
    access = access_for(user)
    is_brand = model._meta.model_name == "brand"
    if action == "view" and access.is_official:
        return queryset
    brand_field = "pk" if is_brand else "brand_id"
    market_path = None if is_brand else getattr(model, "market_path", None)
    condition = Q(pk__in=[])
    for grant in access.grants.values():
        if ROLE_RANK[grant.role] < _NEEDS[action]:
            continue
        allowed = Q(**{brand_field: grant.brand_id})
        if grant.markets and not is_brand:
            if market_path:
                allowed &= Q(**{f"{market_path}__in": sorted(grant.markets)})
            elif action != "view":
                continue  # brand-wide data is changed only by members of the whole brand
        condition |= allowed
    return queryset.filter(condition)


def market_of(instance: Model) -> str | None:
    """The market code of a tenant object, following its ``market_path``."""
    path = getattr(type(instance), "market_path", None)
    if not path:
        return None
    value: Any = instance
    for part in path.split("__"):
        value = getattr(value, part)
    return value.code if value is not None else None


def require(user: Any, action: Action, *, brand_id: int, market: str | None = None, brand_wide: bool = False) -> None:
    """Raise unless ``user`` may ``action`` on ``brand_id``'s data in ``market``.

    ``NotFound`` when the brand (or, for a country manager, the market) is invisible to the
    user — so nothing leaks about other tenants — and ``Forbidden`` when it is visible but the
    role or market scope does not allow the action.
    """
    access = access_for(user)
    if access.can(action, brand_id=brand_id, market=market, brand_wide=brand_wide):
        return
    if not access.sees_brand(brand_id):
        raise NotFound("No such object.")
    if access.is_official:
        raise Forbidden("Officials read brand network data but never change it.")
    grant = access.grant(brand_id)
    assert grant is not None
    if ROLE_RANK[grant.role] < _NEEDS[action]:
        needed = "an admin" if action == "admin" else "an editor or admin"
        raise Forbidden(f"This needs {needed} of the brand; your role is {grant.role}.")
    scope = ", ".join(sorted(grant.markets))
    if brand_wide:
        raise Forbidden(f"Your membership is limited to {scope}; brand-wide data is changed by the brand's editors.")
    raise Forbidden(f"Your membership is limited to {scope}; this is in {market or 'no market'}.")


def require_object(user: Any, action: Action, instance: Model) -> None:
    """``require`` for an existing tenant object: invisible objects are ``NotFound``."""
    brand_wide = getattr(type(instance), "market_path", None) is None
    market = market_of(instance)
    access = access_for(user)
    if not access.can("view", brand_id=instance.brand_id, market=market, brand_wide=brand_wide):
        raise NotFound("No such object.")
    require(user, action, brand_id=instance.brand_id, market=market, brand_wide=brand_wide)
