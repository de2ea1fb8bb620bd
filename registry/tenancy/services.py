"""Writing brands, memberships, invitations and official appointments (DESIGN.md §2)."""

from __future__ import annotations

import datetime
import hashlib
import secrets
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from registry import crud
from registry.audit.services import Change, audit_record, created
from registry.errors import Forbidden, NotFound
from registry.geography.models import Market
from registry.tenancy.access import OFFICIALS_GROUP, access_for, forget_access, require
from registry.tenancy.models import Brand, Invitation, Membership
from registry.validation import validate_wmi_codes
from registry.vocabulary import HOME_MARKET, Role

User = get_user_model()

# Fields of the brand profile only officials change (DESIGN.md §2).
OFFICIAL_BRAND_FIELDS = ("annual_export_volume", "own_brand", "wmi_codes")
_UNIQUE_SLUG = {"brand_slug_key": {"slug": "A brand with this slug already exists."}}


def _require_staff(by: Any) -> None:
    if not (by and by.is_authenticated and by.is_staff):
        raise Forbidden("Only platform staff onboard brands.")


def brand_create(
    *,
    by: Any,
    name: str,
    slug: str = "",
    annual_export_volume: int = 0,
    own_brand: bool = True,
    wmi_codes: Iterable[str] = (),
) -> Brand:
    """Onboard a brand (platform staff only). The slug defaults to one made from the name."""
    _require_staff(by)
    slug = slug or slugify(name)
    if not slug:
        raise ValidationError({"slug": "Give a slug of letters, digits and hyphens."})
    if Brand.objects.filter(slug=slug).exists():
        raise ValidationError({"slug": f"A brand with the slug “{slug}” already exists."})
    if annual_export_volume < 0:
        raise ValidationError({"annual_export_volume": "The annual export volume cannot be negative."})
    brand = Brand(
        name=name.strip(),
        slug=slug,
        annual_export_volume=annual_export_volume,
        own_brand=own_brand,
        wmi_codes=_wmi_codes(wmi_codes),
    )
    brand.full_clean(validate_unique=False, validate_constraints=False)
    return crud.create(by=by, instance=brand, unique_messages=_UNIQUE_SLUG)


def _wmi_codes(values: Iterable[str]) -> list[str]:
    try:
        return validate_wmi_codes(values)
    except ValidationError as exc:
        raise ValidationError({"wmi_codes": exc.messages}) from exc


def brand_update(*, by: Any, brand: Brand, data: dict[str, Any]) -> Brand:
    """Change a brand's profile. Admins of the brand (and staff) change its name; only officials
    change ``annual_export_volume``, ``own_brand`` and ``wmi_codes``; the slug never changes."""
    access = access_for(by)
    if not (access.sees_brand(brand.pk) or access.is_staff):
        raise NotFound("No such brand.")
    if "slug" in data and data["slug"] != brand.slug:
        raise ValidationError({"slug": "A brand's slug never changes; systems address the brand by it."})
    official_fields = [f for f in OFFICIAL_BRAND_FIELDS if f in data and data[f] != getattr(brand, f)]
    if official_fields and not access.is_official:
        raise Forbidden(f"Only officials change {', '.join(official_fields)}.")
    if "name" in data and data["name"] != brand.name and not access.is_staff:
        require(by, "admin", brand_id=brand.pk)
    changes: dict[str, Any] = {}
    if "name" in data:
        if not str(data["name"]).strip():
            raise ValidationError({"name": "The brand needs a name."})
        changes["name"] = str(data["name"]).strip()
    if "annual_export_volume" in data:
        volume = data["annual_export_volume"]
        if not isinstance(volume, int) or volume < 0:
            raise ValidationError({"annual_export_volume": "Give a whole number of vehicles, 0 or more."})
        changes["annual_export_volume"] = volume
    if "own_brand" in data:
        changes["own_brand"] = bool(data["own_brand"])
    if "wmi_codes" in data:
        changes["wmi_codes"] = _wmi_codes(data["wmi_codes"])
    return crud.update(by=by, instance=brand, data=changes)


def _markets(codes: Iterable[str]) -> list[Market]:
    codes = sorted({str(c).upper() for c in codes or []})
    if HOME_MARKET in codes:
        raise ValidationError({"markets": f"{HOME_MARKET} is the home market, not an overseas one."})
    found = list(Market.objects.filter(code__in=codes))
    missing = sorted(set(codes) - {m.code for m in found})
    if missing:
        raise ValidationError({"markets": f"Unknown market code {', '.join(missing)}."})
    return found


def _require_member_admin(by: Any, brand: Brand) -> None:
    """Brand admins manage members; platform staff may too (to add a new brand's first admin)."""
    access = access_for(by)
    if access.is_staff and not access.is_official:
        return
    require(by, "admin", brand_id=brand.pk)


def _check_role(role: str) -> None:
    if role not in Role.values:
        raise ValidationError({"role": f"Unknown role “{role}”; use admin, editor or viewer."})


def _membership_change(membership: Membership, before: dict[str, Any]) -> Change:
    after = {"role": membership.role, "markets": sorted(m.code for m in membership.markets.all())}
    return Change(
        "update",
        membership,
        {k: [before[k], v] for k, v in after.items() if before[k] != v},
        brand_id=membership.brand_id,
    )


def _locked_admin_count(brand: Brand) -> int:
    # Lock the brand's admin rows so two concurrent demotions cannot both pass the check.
    return len(list(Membership.objects.select_for_update().filter(brand=brand, role=Role.ADMIN).values_list("pk")))


@transaction.atomic
def membership_add(*, by: Any, brand: Brand, user: Any, role: str, markets: Iterable[str] = ()) -> Membership:
    """Make ``user`` a member of ``brand``. Officials can hold no membership."""
    _require_member_admin(by, brand)
    _check_role(role)
    if user.groups.filter(name=OFFICIALS_GROUP).exists():
        raise ValidationError({"username": f"{user.username} is an official; officials cannot be brand members."})
    if Membership.objects.filter(brand=brand, user=user).exists():
        raise ValidationError({"username": f"{user.username} is already a member of {brand.name}."})
    market_objs = _markets(markets)
    membership = Membership.objects.create(brand=brand, user=user, role=role)
    membership.markets.set(market_objs)
    audit_record(by=by, change=_with_markets(created(membership), membership))
    forget_access(user)
    return membership


def _with_markets(change: Change, membership: Membership) -> Change:
    changes = dict(change.changes)
    changes["markets"] = [None, sorted(m.code for m in membership.markets.all())]
    changes["user"] = [None, membership.user.username]
    return Change(change.action, change.instance, changes, brand_id=membership.brand_id)


@transaction.atomic
def membership_update(
    *, by: Any, membership: Membership, role: str | None = None, markets: Iterable[str] | None = None
) -> Membership:
    """Change a member's role or market scope; the brand always keeps at least one admin."""
    _require_member_admin(by, membership.brand)
    before = {"role": membership.role, "markets": sorted(m.code for m in membership.markets.all())}
    if role is not None:
        _check_role(role)
        if membership.role == Role.ADMIN and role != Role.ADMIN and _locked_admin_count(membership.brand) <= 1:
            raise ValidationError({"role": f"{membership.brand.name} must keep at least one admin."})
        membership.role = role
        membership.save(update_fields=["role"])
    if markets is not None:
        membership.markets.set(_markets(markets))
    change = _membership_change(membership, before)
    if change.changes:
        audit_record(by=by, change=change)
    forget_access(membership.user)
    return membership


@transaction.atomic
def membership_remove(*, by: Any, membership: Membership) -> None:
    """Remove a member; the last admin of a brand cannot be removed."""
    _require_member_admin(by, membership.brand)
    if membership.role == Role.ADMIN and _locked_admin_count(membership.brand) <= 1:
        raise ValidationError({"username": f"{membership.user.username} is the last admin of {membership.brand.name}."})
    change = Change(
        "delete",
        membership,
        {"user": [membership.user.username, None], "role": [membership.role, None]},
        brand_id=membership.brand_id,
    )
    audit_record(by=by, change=change)  # before the delete, while the row still has its id
    membership.delete()
    forget_access(membership.user)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def invitation_create(
    *, by: Any, brand: Brand, email: str, role: str, markets: Iterable[str] = (), accept_url: str
) -> tuple[Invitation, str]:
    """Invite ``email`` to join ``brand``; e-mails a single-use link valid 7 days.

    ``accept_url`` is the absolute URL of the acceptance page; the token is appended to it.
    Returns the invitation and the raw token (only its hash is stored).
    """
    from registry.tasks import send_email

    _require_member_admin(by, brand)
    _check_role(role)
    email = User.objects.normalize_email(email.strip())
    market_objs = _markets(markets)
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        brand=brand,
        email=email,
        role=role,
        token_hash=_token_hash(token),
        invited_by=by if getattr(by, "pk", None) else None,
        expires_at=timezone.now() + datetime.timedelta(days=settings.INVITATION_VALID_DAYS),
    )
    invitation.markets.set(market_objs)
    audit_record(by=by, change=Change("create", invitation, {"email": [None, email], "role": [None, role]}))
    link = f"{accept_url}{token}/"
    transaction.on_commit(
        lambda: send_email.delay(
            to=[email],
            subject=f"You are invited to {brand.name} on the After-sales Network Registry",
            body=(
                f"{getattr(by, 'username', 'The registry')} invited you to join {brand.name} as {role}.\n\n"
                f"Accept within {settings.INVITATION_VALID_DAYS} days by choosing a password:\n{link}\n\n"
                "The link works once."
            ),
        )
    )
    return invitation, token


def invitation_for_token(token: str) -> Invitation:
    """The open invitation for ``token``; ``NotFound`` when unknown, used or expired."""
    invitation = Invitation.objects.select_related("brand").filter(token_hash=_token_hash(token)).first()
    if invitation is None or invitation.accepted_at is not None:
        raise NotFound("This invitation link is not valid or has already been used.")
    if invitation.expires_at < timezone.now():
        raise NotFound("This invitation link has expired; ask the brand's admin for a new one.")
    return invitation


@transaction.atomic
def invitation_accept(*, token: str, username: str, password: str) -> Membership:
    """Accept an invitation by choosing a username and password: creates the account and the
    membership, and spends the token (single use, even under concurrent acceptance)."""
    invitation = invitation_for_token(token)
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at is not None:
        raise NotFound("This invitation link has already been used.")
    username = username.strip()
    if not username:
        raise ValidationError({"username": "Choose a username."})
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": f"The username “{username}” is taken; choose another."})
    user = User(username=username, email=invitation.email)
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from exc
    user.set_password(password)
    user.save()
    membership = Membership.objects.create(brand=invitation.brand, user=user, role=invitation.role)
    membership.markets.set(invitation.markets.all())
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    audit_record(by=user, change=_with_markets(created(membership), membership))
    return membership


@transaction.atomic
def official_appoint(*, by: Any, user: Any) -> None:
    """Make ``user`` an official (platform staff only). A brand member cannot be one."""
    _require_staff(by)
    if user.memberships.exists():
        raise ValidationError({"username": f"{user.username} is a member of a brand and cannot become an official."})
    group, _ = Group.objects.get_or_create(name=OFFICIALS_GROUP)
    user.groups.add(group)
    audit_record(by=by, change=Change("update", user, {"groups": [None, OFFICIALS_GROUP]}))
    forget_access(user)


def user_by_username(username: str) -> Any:
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise ValidationError({"username": f"There is no user “{username}”; invite them by e-mail instead."})
    return user
