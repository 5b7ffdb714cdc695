"""Phone numbers: normalise to E.164 with the ``phonenumbers`` library, keep extensions,
and pick one IANA time zone per number.

Parsing with ``phonenumbers.parse`` costs ~35 us a number, too slow for a 100k-row import,
so plainly written North American numbers (digits with spaces, dots, dashes, brackets,
an optional +1 or 1) take a fast path: the digits are read with one regular expression and
validated with ``phonenumbers``' own metadata for the region that owns the area code (cached
per area code). Everything else goes through ``phonenumbers.parse``. A property test checks
both paths agree.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, lru_cache

import phonenumbers
from phonenumbers import PhoneMetadata, PhoneNumber, PhoneNumberDesc, PhoneNumberFormat, phonenumberutil
from phonenumbers import timezone as pn_timezone
from phonenumbers.re_util import enable_pattern_cache
from phonenumbers.tzdata import TIMEZONE_DATA, TIMEZONE_LONGEST_PREFIX

from callcoach.core.lists.regions import COUNTRY_MAIN_ZONE, SUPPORTED_REGIONS, region_zone

#: Regions sharing the +1 country code (the North American Numbering Plan).
NANP_REGIONS = frozenset(phonenumberutil.COUNTRY_CODE_TO_REGION_CODE[1])
UNKNOWN_ZONE = "Etc/Unknown"
#: Zones of a non-geographic +1 number (toll-free, premium...): the whole plan's.
_NANP_COUNTRY_ZONES = tuple(TIMEZONE_DATA.get("1", (UNKNOWN_ZONE,)))

_EXTENSION = re.compile(
    r"\s*[,;]?\s*(?:extension|ext\.?|ex\.?|x\.?|#)\s*(\d{1,10})\s*$", re.IGNORECASE
)
_SIMPLE = re.compile(r"^\s*(\+)?[\s().\-/]*\d[\d\s().\-/]*$")
_NON_DIGITS = re.compile(r"\D")
# A plainly written North American number, optionally with +1/1 and an extension.
_NANP = re.compile(
    r"\s*(?:\+\s*1|1)?[\s.\-/]*\(?([2-9]\d\d)\)?[\s.\-/]*(\d{3})[\s.\-/]*(\d{4})"
    r"(?:\s*[,;]?\s*(?:extension|ext\.?|ex\.?|x\.?|#)\s*(\d{1,10}))?\s*",
    re.IGNORECASE,
)

_REASONS = {
    phonenumberutil.ValidationResult.TOO_SHORT: "too short",
    phonenumberutil.ValidationResult.TOO_LONG: "too long",
    phonenumberutil.ValidationResult.INVALID_COUNTRY_CODE: "unknown country code",
    phonenumberutil.ValidationResult.INVALID_LENGTH: "wrong number of digits",
}
_PARSE_REASONS = {
    phonenumbers.NumberParseException.INVALID_COUNTRY_CODE: "unknown country code",
    phonenumbers.NumberParseException.NOT_A_NUMBER: "not a phone number",
    phonenumbers.NumberParseException.TOO_SHORT_AFTER_IDD: "too short",
    phonenumbers.NumberParseException.TOO_SHORT_NSN: "too short",
    phonenumbers.NumberParseException.TOO_LONG: "too long",
}


@dataclass(frozen=True, slots=True)
class ParsedPhone:
    """A valid number: E.164, extension, ISO country and the candidate time zones."""

    e164: str
    extension: str
    country: str
    zones: tuple[str, ...]


class InvalidPhone(ValueError):
    """A number that cannot be called; ``str()`` is the reason for the user."""


class PhoneNormalizer:
    """Normalises numbers for one default region, caching per-area-code lookups."""

    def __init__(self, default_region: str = "US") -> None:
        region = (default_region or "US").strip().upper()
        if region == "UK":
            region = "GB"
        if region not in SUPPORTED_REGIONS:
            raise ValueError(f"unknown region {default_region!r}: expected a code such as US, GB, DE")
        self.default_region = region
        self._npa_region: dict[str, tuple[str, Callable[[str], int]]] = {}
        self._nanp_zones: dict[str, tuple[str, ...]] = {}
        enable_pattern_cache()  # phonenumbers recompiles its patterns on every call otherwise

    def parse(self, raw: str, region: str | None = None, extension: str = "") -> ParsedPhone:
        """Normalise ``raw`` (dialled from ``region``, else the default) or raise InvalidPhone."""
        text = raw.strip()
        if not text:
            raise InvalidPhone("missing phone number")
        region = region or self.default_region
        if region in NANP_REGIONS or text.startswith("+1"):
            m = _NANP.fullmatch(text)
            if m is not None and (text[0] == "+" or region in NANP_REGIONS):
                digits = m.group(1) + m.group(2) + m.group(3)
                fast = self._nanp_fast(digits, extension.strip() or m.group(4) or "")
                if fast is not None:
                    return fast
        ext = extension.strip()
        m = _EXTENSION.search(text)
        if m and _SIMPLE.match(text[: m.start()]):
            ext = ext or m.group(1)
            text = text[: m.start()]
        return self._slow(text, region, ext)

    def _nanp_fast(self, digits: str, ext: str) -> ParsedPhone | None:
        npa = digits[:3]
        owner = self._npa_region.get(npa)
        if owner is None:
            number = PhoneNumber(country_code=1, national_number=int(digits))
            found = phonenumbers.region_code_for_number(number)
            if found is None or not phonenumbers.is_valid_number_for_region(number, found):
                return None  # let the slow path explain it
            owner = self._npa_region[npa] = (found, _ten_digit_validator(found))
        region, classify = owner
        kind = classify(digits)
        if kind == INVALID:
            return None
        e164 = "+1" + digits
        if kind == NON_GEOGRAPHIC:
            return ParsedPhone(e164, ext[:20], region, _NANP_COUNTRY_ZONES)
        # NANP time-zone prefixes are at most 7 digits long ("1" + area code + exchange).
        zones = self._nanp_zones.get(e164[:8])
        if zones is None:
            zones = self._nanp_zones[e164[:8]] = _zones_by_prefix(e164)
        return ParsedPhone(e164, ext[:20], region, zones)

    def _slow(self, text: str, region: str, ext: str) -> ParsedPhone:
        try:
            number = phonenumbers.parse(text, region)
        except phonenumbers.NumberParseException as exc:
            raise InvalidPhone(_PARSE_REASONS.get(exc.error_type, "not a phone number")) from None
        if not phonenumbers.is_valid_number(number):
            reason = _REASONS.get(phonenumbers.is_possible_number_with_reason(number))
            if reason is None:
                country = phonenumbers.region_code_for_country_code(number.country_code or 0)
                reason = f"not a valid {country} number" if country != "ZZ" else "not a valid number"
            raise InvalidPhone(reason)
        e164 = phonenumbers.format_number(number, PhoneNumberFormat.E164)
        country = phonenumbers.region_code_for_number(number) or ""
        zones = tuple(pn_timezone.time_zones_for_number(number))
        return ParsedPhone(e164, (ext or number.extension or "")[:20], country, zones)


#: Number types checked before fixed line / mobile, in phonenumbers' own order.
_SPECIAL_DESCS = (
    "premium_rate", "toll_free", "shared_cost", "voip", "personal_number", "pager", "uan",
    "voicemail",
)
INVALID, NON_GEOGRAPHIC, GEOGRAPHIC = 0, 1, 2


@cache
def _ten_digit_validator(region: str) -> Callable[[str], int]:
    """``phonenumbers``' validity and type test for 10-digit numbers of ``region``, compiled.

    Returns INVALID, NON_GEOGRAPHIC (toll-free, premium, NANP mobile-only...: time zones are
    the whole country's) or GEOGRAPHIC (fixed line or fixed-line-or-mobile: zones by prefix),
    following ``_number_type_helper`` and ``is_number_type_geographical`` with a few
    precompiled full matches instead of a dozen pattern look-ups per number.
    """
    metadata = PhoneMetadata.metadata_for_region(region)
    if metadata is None:
        raise ValueError(f"no phone number metadata for region {region!r}")
    country = metadata.country_code

    def usable(desc: PhoneNumberDesc | None) -> re.Pattern[str] | None:
        if desc is None or not desc.national_number_pattern:
            return None
        lengths = desc.possible_length
        if lengths and 10 not in lengths:
            return None
        return re.compile(desc.national_number_pattern)

    def union(patterns: list[re.Pattern[str] | None]) -> re.Pattern[str] | None:
        found = [p.pattern for p in patterns if p is not None]
        return re.compile("|".join(f"(?:{p})" for p in found)) if found else None

    general = usable(metadata.general_desc)
    special = union([usable(getattr(metadata, name)) for name in _SPECIAL_DESCS])
    fixed = usable(metadata.fixed_line)
    mobile = usable(metadata.mobile)
    mobile_is_geographic = country in phonenumberutil._GEO_MOBILE_COUNTRIES
    if general is None:
        return lambda digits: INVALID

    def classify(digits: str) -> int:
        if general.fullmatch(digits) is None:
            return INVALID
        if special is not None and special.fullmatch(digits) is not None:
            return NON_GEOGRAPHIC
        if fixed is not None and fixed.fullmatch(digits) is not None:
            return GEOGRAPHIC
        if mobile is not None and mobile.fullmatch(digits) is not None:
            return GEOGRAPHIC if mobile_is_geographic else NON_GEOGRAPHIC
        return INVALID

    return classify


def _zones_by_prefix(e164: str) -> tuple[str, ...]:
    """Time zones for a valid geographic number by the longest known prefix."""
    digits = e164[1:]
    for length in range(min(TIMEZONE_LONGEST_PREFIX, len(digits)), 0, -1):
        found = TIMEZONE_DATA.get(digits[:length])
        if found is not None:
            return tuple(found)
    return (UNKNOWN_ZONE,)


def pick_zone(zones: tuple[str, ...], country: str, region: str) -> str:
    """One IANA zone for a number: its own if unique, else the one the region column names."""
    usable = tuple(z for z in zones if z != UNKNOWN_ZONE)
    if len(usable) == 1:
        return usable[0]
    hinted = region_zone(region, country)
    if hinted and (not usable or hinted in usable):
        return hinted
    main = COUNTRY_MAIN_ZONE.get(country)
    if main and (not usable or main in usable):
        return main
    return usable[0] if usable else ""


@lru_cache(maxsize=1024)
def display_phone(e164: str) -> str:
    """An E.164 number the way people read it aloud and dial it by hand: ``+1 212-555-0139``,
    ``+44 20 7946 0471`` (the stored E.164 stays what is dialled); unchanged if unparsable."""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL)
