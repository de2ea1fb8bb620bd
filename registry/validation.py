"""Validation rules for network data, each a plain function defined once.

Forms, serializers and the bulk importer all call these, so a brand admin gets the same
message whichever way the data arrives. Each raises ``django.core.exceptions.ValidationError``
with a message a person understands, and returns the normalised value.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

import phonenumbers
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from opening_hours import OpeningHours, ParserError

from registry.vocabulary import Capability

if TYPE_CHECKING:
    from registry.geography.models import Market


def normalize_phone(value: str, *, market: Market | None) -> str:
    """A phone number in E.164, parsed with the market as the default region."""
    value = (value or "").strip()
    if not value:
        return ""
    region = market.code if market is not None else None
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException as exc:
        raise ValidationError(
            f"“{value}” is not a phone number; give it with the country code, e.g. {_example_number(region)}.",
            code="phone",
        ) from exc
    if not phonenumbers.is_valid_number(number):
        where = f" in {market.name}" if market is not None else ""
        raise ValidationError(
            f"“{value}” is not a valid phone number{where}; give it with the country code, e.g. "
            f"{_example_number(region)}.",
            code="phone",
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _example_number(region: str | None) -> str:
    example = phonenumbers.example_number(region) if region else None
    if example is None:
        return "+44 20 7946 0000"
    return phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def validate_postal_code(value: str, *, market: Market) -> str:
    """The postal code, checked against the market's GeoNames pattern where it has one."""
    value = (value or "").strip().upper() if value else ""
    if not value or not market.postal_code_regex:
        return value
    if not re.fullmatch(market.postal_code_regex.strip("^$"), value, flags=re.IGNORECASE):
        raise ValidationError(
            f"“{value}” is not a postal code of {market.name} (expected the pattern {market.postal_code_regex}).",
            code="postal_code",
        )
    return value


def validate_opening_hours(value: str) -> str:
    """Opening hours in OpenStreetMap ``opening_hours`` syntax; empty means unknown."""
    value = (value or "").strip()
    if not value:
        return ""
    try:
        OpeningHours(value)
    except (ParserError, ValueError) as exc:
        raise ValidationError(
            f"“{value}” is not in OpenStreetMap opening_hours syntax "
            "(for example “Mo-Fr 08:00-18:00; Sa 09:00-13:00”).",
            code="opening_hours",
        ) from exc
    return value


def validate_capabilities(values: Iterable[str]) -> list[str]:
    """Capabilities from the fixed vocabulary, de-duplicated and in vocabulary order."""
    values = list(values or [])
    unknown = sorted({v for v in values if v not in Capability.values}, key=str)
    if unknown:
        raise ValidationError(
            f"Unknown capability {', '.join(map(str, unknown))}; use any of {', '.join(Capability.values)}.",
            code="capability",
        )
    return [c for c in Capability.values if c in set(values)]


def validate_email(value: str) -> str:
    value = (value or "").strip()
    if value:
        EmailValidator(message=f"“{value}” is not an e-mail address.")(value)
    return value


def validate_url(value: str) -> str:
    value = (value or "").strip()
    if value:
        URLValidator(schemes=["http", "https"], message=f"“{value}” is not a web address (http:// or https://).")(value)
    return value


def validate_wmi_codes(values: Iterable[str]) -> list[str]:
    """VIN manufacturer identifiers: three characters of the VIN alphabet (no I, O, Q)."""
    codes = []
    for raw in values or []:
        code = str(raw).strip().upper()
        if not re.fullmatch(r"[A-HJ-NPR-Z0-9]{3}", code):
            raise ValidationError(f"“{raw}” is not a WMI code: three letters or digits, without I, O or Q.", code="wmi")
        if code not in codes:
            codes.append(code)
    return codes
