"""Phone normalisation (fast path agrees with phonenumbers), time zones, clustering rules."""

from __future__ import annotations

import phonenumbers
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from phonenumbers import timezone as pn_timezone

from callcoach.core.lists import clustering
from callcoach.core.lists.phones import InvalidPhone, PhoneNormalizer, pick_zone
from callcoach.core.lists.regions import country_code, normalize_region, region_zone


@pytest.mark.parametrize(
    ("raw", "region", "e164", "ext"),
    [
        ("(212) 555-0101", "US", "+12125550101", ""),
        ("212.555.0101", "US", "+12125550101", ""),
        ("1-212-555-0101", "US", "+12125550101", ""),
        ("+1 (212) 555-0101 ext. 204", "US", "+12125550101", "204"),
        ("212 555 0101 x12", "US", "+12125550101", "12"),
        ("212-555-0101 #7", "US", "+12125550101", "7"),
        ("+44 20 7946 0123", "US", "+442079460123", ""),
        ("020 7946 0123", "GB", "+442079460123", ""),
        ("+44 (0)20 7946 0123", "US", "+442079460123", ""),
        ("0049 30 901820", "DE", "+4930901820", ""),
        ("030 901820", "DE", "+4930901820", ""),
        ("+33 1 23 45 67 89", "US", "+33123456789", ""),
        ("(02) 5550 1234", "AU", "+61255501234", ""),
        ("0491 570 006", "AU", "+61491570006", ""),
        ("(416) 555-0199", "CA", "+14165550199", ""),
        ("011 44 20 7946 0123", "US", "+442079460123", ""),
    ],
)
def test_formats_normalise_to_e164(raw, region, e164, ext):
    """National and international spellings give one E.164 number and the extension."""
    parsed = PhoneNormalizer("US").parse(raw, region)
    assert (parsed.e164, parsed.extension) == (e164, ext)


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("", "missing phone number"),
        ("555-12", "too short"),
        ("hello", "not a phone number"),
        ("(123) 456-7890", "not a valid US number"),
        ("+999 1234 5678", "unknown country code"),
        ("212 555 0101 0101 0101 99", "too long"),
    ],
)
def test_invalid_numbers_say_why(raw, reason):
    """Invalid numbers raise InvalidPhone with a readable reason."""
    with pytest.raises(InvalidPhone, match=reason):
        PhoneNormalizer("US").parse(raw)


def test_unknown_default_region_is_refused():
    """A default region phonenumbers does not know is a ValueError."""
    with pytest.raises(ValueError, match="unknown region"):
        PhoneNormalizer("XX")
    assert PhoneNormalizer("uk").default_region == "GB"


nanp_text = st.builds(
    lambda prefix, a, b, c, seps, ext: (
        f"{prefix}{seps[0]}{a}{seps[1]}{b}{seps[2]}{c}" + (f" x{ext}" if ext else "")
    ),
    st.sampled_from(["", "+1 ", "1-", "1", "+1", "(", "+1 ("]),
    st.integers(0, 999).map(lambda n: f"{n:03d}"),
    st.integers(0, 999).map(lambda n: f"{n:03d}"),
    st.integers(0, 9999).map(lambda n: f"{n:04d}"),
    st.tuples(*[st.sampled_from(["", " ", "-", ".", ") ", "/"])] * 3),
    st.one_of(st.just(""), st.integers(1, 99999).map(str)),
)


#: Shared across examples so the per-area-code cache (the fast path) is exercised.
SHARED = PhoneNormalizer("US")


@settings(max_examples=400, deadline=None)
@given(raw=nanp_text, region=st.sampled_from(["US", "CA", "GB"]))
def test_fast_path_agrees_with_phonenumbers(raw, region):
    """For any North American spelling the result equals phonenumbers' own parse + validate."""
    try:
        expected_number = phonenumbers.parse(raw, region)
        expected = (
            phonenumbers.format_number(expected_number, phonenumbers.PhoneNumberFormat.E164)
            if phonenumbers.is_valid_number(expected_number)
            else None
        )
    except phonenumbers.NumberParseException:
        expected = None
    try:
        got = SHARED.parse(raw, region)
    except InvalidPhone:
        assert expected is None
        return
    assert got.e164 == expected
    assert got.zones == tuple(pn_timezone.time_zones_for_number(expected_number))
    assert got.extension == (expected_number.extension or "")


def test_zone_choice():
    """One zone: kept; several: the region column decides, else the country's main zone."""
    assert pick_zone(("America/New_York",), "US", "California") == "America/New_York"
    perth = ("Australia/Adelaide", "Australia/Perth", "Australia/Sydney")
    assert pick_zone(perth, "AU", "WA") == "Australia/Perth"
    assert pick_zone(perth, "AU", "") == "Australia/Sydney"
    assert pick_zone(("Etc/Unknown",), "US", "Texas") == "America/Chicago"
    assert pick_zone(("Etc/Unknown",), "", "") == ""


def test_regions_and_countries():
    """State codes spell out per country; country names and codes map to ISO codes."""
    assert normalize_region("wa", "US") == "Washington"
    assert normalize_region("WA", "AU") == "Western Australia"
    assert normalize_region("  Greater   London ", "GB") == "Greater London"
    assert region_zone("Arizona") == "America/Phoenix"
    assert region_zone("Bavaria", "DE") is None
    assert [country_code(v) for v in ("USA", "uk", "Deutschland", "fr", "Narnia", "")] == [
        "US", "GB", "DE", "FR", None, None,
    ]


@pytest.mark.parametrize(
    ("title", "family"),
    [
        ("CEO", "C-level"),
        ("Chief Revenue Officer", "C-level"),
        ("Co-Founder", "C-level"),
        ("Managing Director", "C-level"),
        ("Owner", "C-level"),
        ("Vice President of Sales", "VP"),
        ("SVP, Finance", "VP"),
        ("VP Engineering", "VP"),
        ("Director of IT", "Director"),
        ("Head of Procurement", "Director"),
        ("Plant Manager", "Manager"),
        ("Team Lead, Support", "Manager"),
        ("Account Executive", "Individual contributor"),
        ("Executive Assistant to the CEO", "Individual contributor"),
        ("Software Engineer", "Individual contributor"),
        ("", ""),
    ],
)
def test_role_families(title, family):
    """Titles fall into C-level / VP / Director / Manager / individual contributor."""
    assert clustering.role_family(title) == family


@pytest.mark.parametrize(
    ("raw", "size", "band"),
    [
        ("8", 8, "1-10"),
        ("45", 45, "11-50"),
        ("51-200", 51, "51-200"),
        ("1,200", 1200, "1001-5000"),
        ("10,001+", 10001, "5001+"),
        ("n/a", None, ""),
        ("", None, ""),
        ("99999999999", None, ""),
    ],
)
def test_company_size_bands(raw, size, band):
    """Employee counts parse from the usual spellings and fall into bands."""
    parsed = clustering.parse_company_size(raw)
    assert parsed == size and clustering.size_band(parsed) == band


def test_assign_clusters_merges_small_groups_case_insensitively():
    """Groups below the minimum go to Other unless a list already exists for them."""
    values = ["Retail"] * 3 + ["retail"] * 2 + ["Energy"] * 2 + ["Mining"] + [""] * 5
    mapping = clustering.assign_clusters(values, 3, existing=["mining"])
    assert mapping == {"retail": "Retail", "energy": "Other", "mining": "Mining", "": "Unknown"}


def test_tidy_vertical_and_salutations():
    """HubSpot's enum industries read naturally; VICIdial's salutations are not titles."""
    assert clustering.tidy_vertical("COMPUTER_SOFTWARE") == "Computer Software"
    assert clustering.tidy_vertical("  Health   care ") == "Health care"
    assert all(clustering.is_salutation(t) for t in ("Mr.", "mrs", "Dr", "Ms."))
    assert not clustering.is_salutation("Director")


def test_nanp_zone_prefixes_fit_the_cache_key():
    """The fast path caches zones per '+1' + area code + exchange: no longer prefix exists."""
    from phonenumbers.tzdata import TIMEZONE_DATA

    assert max(len(k) for k in TIMEZONE_DATA if k.startswith("1")) <= 7


@pytest.mark.parametrize(
    "npa", ["212", "416", "800", "888", "900", "809", "829", "849", "876", "787", "671", "684"]
)
def test_fast_path_matches_phonenumbers_across_exchanges(npa):
    """Whole area codes (incl. toll-free, premium, Caribbean mobile-only): same result and zones."""
    normalizer = PhoneNormalizer("US")
    for nxx in range(200, 1000, 37):
        for line in ("0000", "0199", "5555", "9876"):
            raw = f"{npa}-{nxx}-{line}"
            number = phonenumbers.parse(raw, "US")
            try:
                got = normalizer.parse(raw)
            except InvalidPhone:
                assert not phonenumbers.is_valid_number(number), raw
                continue
            assert phonenumbers.is_valid_number(number), raw
            assert got.e164 == f"+1{npa}{nxx}{line}"
            assert got.zones == tuple(pn_timezone.time_zones_for_number(number)), raw
            assert got.country == phonenumbers.region_code_for_number(number), raw


@pytest.mark.parametrize(
    ("e164", "shown"),
    [
        ("+12125550139", "+1 212-555-0139"),
        ("+442079460471", "+44 20 7946 0471"),
        ("+61255501152", "+61 2 5550 1152"),
        ("not a number", "not a number"),
    ],
)
def test_display_phone_is_readable_and_never_fails(e164, shown):
    from callcoach.core.lists.phones import display_phone

    assert display_phone(e164) == shown
