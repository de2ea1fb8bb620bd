"""The validation rules every entry path shares (forms, serializers, the importer)."""

import pytest
from django.core.exceptions import ValidationError

from registry import validation
from tests.factories import MarketFactory


@pytest.fixture
def kenya(db):
    return MarketFactory(code="KE", name="Kenya", postal_code_regex=r"^(\d{5})$")


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("0722 123 456", "+254722123456"),
        ("+254 722 123456", "+254722123456"),
        ("(020) 2222222", "+254202222222"),
        ("", ""),
    ],
)
def test_phone_numbers_become_e164_with_the_market_as_region(kenya, raw, e164):
    assert validation.normalize_phone(raw, market=kenya) == e164


@pytest.mark.parametrize("raw", ["12", "not a number", "+254 1"])
def test_bad_phone_numbers_say_how_to_write_them(kenya, raw):
    with pytest.raises(ValidationError) as exc:
        validation.normalize_phone(raw, market=kenya)
    assert "country code" in exc.value.messages[0]


def test_postal_codes_follow_the_market_pattern(kenya):
    assert validation.validate_postal_code("00100", market=kenya) == "00100"
    with pytest.raises(ValidationError, match="not a postal code of Kenya"):
        validation.validate_postal_code("ABC12", market=kenya)
    # A market without a GeoNames pattern accepts any code.
    assert (
        validation.validate_postal_code("whatever", market=MarketFactory(code="UG", postal_code_regex="")) == "WHATEVER"
    )


@pytest.mark.parametrize("hours", ["Mo-Fr 08:00-18:00; Sa 09:00-13:00", "24/7", "Mo-Su 07:00-22:00; PH off", ""])
def test_opening_hours_in_osm_syntax(hours):
    assert validation.validate_opening_hours(hours) == hours


@pytest.mark.parametrize("hours", ["weekdays 8 to 6", "Mo-Fr 25:00-26:00", "Monday"])
def test_bad_opening_hours_show_an_example(hours):
    with pytest.raises(ValidationError, match="Mo-Fr 08:00-18:00"):
        validation.validate_opening_hours(hours)


def test_capabilities_from_the_vocabulary_in_canonical_order():
    assert validation.validate_capabilities(["diagnostics", "ev_high_voltage", "diagnostics"]) == [
        "ev_high_voltage",
        "diagnostics",
    ]
    with pytest.raises(ValidationError, match="Unknown capability hovering"):
        validation.validate_capabilities(["hovering", "diagnostics"])


def test_email_and_url():
    assert validation.validate_email(" service@example.com ") == "service@example.com"
    with pytest.raises(ValidationError, match="not an e-mail address"):
        validation.validate_email("service at example")
    assert validation.validate_url("https://example.com/centre") == "https://example.com/centre"
    with pytest.raises(ValidationError, match="not a web address"):
        validation.validate_url("ftp://example.com")


def test_wmi_codes():
    assert validation.validate_wmi_codes(["lgx", "LGX", "L6T"]) == ["LGX", "L6T"]
    for bad in (["LG"], ["LIO"], ["L-X"]):
        with pytest.raises(ValidationError, match="not a WMI code"):
            validation.validate_wmi_codes(bad)
