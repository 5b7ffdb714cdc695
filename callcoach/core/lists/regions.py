"""States, provinces and countries: names, codes and the time zone most of each one uses.

Used to tidy the region column (``CA`` and ``California`` cluster together), to read a
country column, and to choose one time zone when a number maps to several (mobiles in
Australia, toll-free numbers).
"""

from __future__ import annotations

import phonenumbers

# The regions phonenumbers knows numbers of: the country codes a country column may hold
SUPPORTED_REGIONS = frozenset(phonenumbers.SUPPORTED_REGIONS)

# code: (name, main IANA zone)
US_STATES: dict[str, tuple[str, str]] = {
    "AL": ("Alabama", "America/Chicago"),
    "AK": ("Alaska", "America/Anchorage"),
    "AZ": ("Arizona", "America/Phoenix"),
    "AR": ("Arkansas", "America/Chicago"),
    "CA": ("California", "America/Los_Angeles"),
    "CO": ("Colorado", "America/Denver"),
    "CT": ("Connecticut", "America/New_York"),
    "DE": ("Delaware", "America/New_York"),
    "DC": ("District of Columbia", "America/New_York"),
    "FL": ("Florida", "America/New_York"),
    "GA": ("Georgia", "America/New_York"),
    "HI": ("Hawaii", "Pacific/Honolulu"),
    "ID": ("Idaho", "America/Boise"),
    "IL": ("Illinois", "America/Chicago"),
    "IN": ("Indiana", "America/Indiana/Indianapolis"),
    "IA": ("Iowa", "America/Chicago"),
    "KS": ("Kansas", "America/Chicago"),
    "KY": ("Kentucky", "America/New_York"),
    "LA": ("Louisiana", "America/Chicago"),
    "ME": ("Maine", "America/New_York"),
    "MD": ("Maryland", "America/New_York"),
    "MA": ("Massachusetts", "America/New_York"),
    "MI": ("Michigan", "America/Detroit"),
    "MN": ("Minnesota", "America/Chicago"),
    "MS": ("Mississippi", "America/Chicago"),
    "MO": ("Missouri", "America/Chicago"),
    "MT": ("Montana", "America/Denver"),
    "NE": ("Nebraska", "America/Chicago"),
    "NV": ("Nevada", "America/Los_Angeles"),
    "NH": ("New Hampshire", "America/New_York"),
    "NJ": ("New Jersey", "America/New_York"),
    "NM": ("New Mexico", "America/Denver"),
    "NY": ("New York", "America/New_York"),
    "NC": ("North Carolina", "America/New_York"),
    "ND": ("North Dakota", "America/Chicago"),
    "OH": ("Ohio", "America/New_York"),
    "OK": ("Oklahoma", "America/Chicago"),
    "OR": ("Oregon", "America/Los_Angeles"),
    "PA": ("Pennsylvania", "America/New_York"),
    "RI": ("Rhode Island", "America/New_York"),
    "SC": ("South Carolina", "America/New_York"),
    "SD": ("South Dakota", "America/Chicago"),
    "TN": ("Tennessee", "America/Chicago"),
    "TX": ("Texas", "America/Chicago"),
    "UT": ("Utah", "America/Denver"),
    "VT": ("Vermont", "America/New_York"),
    "VA": ("Virginia", "America/New_York"),
    "WA": ("Washington", "America/Los_Angeles"),
    "WV": ("West Virginia", "America/New_York"),
    "WI": ("Wisconsin", "America/Chicago"),
    "WY": ("Wyoming", "America/Denver"),
    "PR": ("Puerto Rico", "America/Puerto_Rico"),
}

CA_PROVINCES: dict[str, tuple[str, str]] = {
    "AB": ("Alberta", "America/Edmonton"),
    "BC": ("British Columbia", "America/Vancouver"),
    "MB": ("Manitoba", "America/Winnipeg"),
    "NB": ("New Brunswick", "America/Moncton"),
    "NL": ("Newfoundland and Labrador", "America/St_Johns"),
    "NS": ("Nova Scotia", "America/Halifax"),
    "NT": ("Northwest Territories", "America/Yellowknife"),
    "NU": ("Nunavut", "America/Iqaluit"),
    "ON": ("Ontario", "America/Toronto"),
    "PE": ("Prince Edward Island", "America/Halifax"),
    "QC": ("Quebec", "America/Toronto"),
    "SK": ("Saskatchewan", "America/Regina"),
    "YT": ("Yukon", "America/Whitehorse"),
}

AU_STATES: dict[str, tuple[str, str]] = {
    "ACT": ("Australian Capital Territory", "Australia/Sydney"),
    "NSW": ("New South Wales", "Australia/Sydney"),
    "NT": ("Northern Territory", "Australia/Darwin"),
    "QLD": ("Queensland", "Australia/Brisbane"),
    "SA": ("South Australia", "Australia/Adelaide"),
    "TAS": ("Tasmania", "Australia/Hobart"),
    "VIC": ("Victoria", "Australia/Melbourne"),
    "WA": ("Western Australia", "Australia/Perth"),
}

_SUBDIVISIONS = {"US": US_STATES, "CA": CA_PROVINCES, "AU": AU_STATES}
_BY_NAME: dict[str, dict[str, tuple[str, str]]] = {
    cc: {name.lower(): (name, zone) for name, zone in table.values()}
    for cc, table in _SUBDIVISIONS.items()
}

#: The zone to use for a country whose number maps to several and no region says which.
COUNTRY_MAIN_ZONE: dict[str, str] = {
    "US": "America/New_York",
    "CA": "America/Toronto",
    "AU": "Australia/Sydney",
    "BR": "America/Sao_Paulo",
    "MX": "America/Mexico_City",
    "RU": "Europe/Moscow",
    "ID": "Asia/Jakarta",
    "KZ": "Asia/Almaty",
    "CL": "America/Santiago",
    "AR": "America/Argentina/Buenos_Aires",
    "NZ": "Pacific/Auckland",
    "ES": "Europe/Madrid",
    "PT": "Europe/Lisbon",
    "GB": "Europe/London",
    "FR": "Europe/Paris",
    "DE": "Europe/Berlin",
}

COUNTRY_NAMES: dict[str, str] = {
    "US": "United States",
    "CA": "Canada",
    "GB": "United Kingdom",
    "IE": "Ireland",
    "DE": "Germany",
    "FR": "France",
    "NL": "Netherlands",
    "BE": "Belgium",
    "ES": "Spain",
    "IT": "Italy",
    "PT": "Portugal",
    "CH": "Switzerland",
    "AT": "Austria",
    "SE": "Sweden",
    "NO": "Norway",
    "DK": "Denmark",
    "FI": "Finland",
    "PL": "Poland",
    "AU": "Australia",
    "NZ": "New Zealand",
    "IN": "India",
    "SG": "Singapore",
    "JP": "Japan",
    "BR": "Brazil",
    "MX": "Mexico",
    "ZA": "South Africa",
    "AE": "United Arab Emirates",
    "IL": "Israel",
}

_COUNTRY_ALIASES: dict[str, str] = {
    **{name.lower(): code for code, name in COUNTRY_NAMES.items()},
    "usa": "US",
    "u.s.": "US",
    "u.s.a.": "US",
    "united states of america": "US",
    "america": "US",
    "uk": "GB",
    "u.k.": "GB",
    "great britain": "GB",
    "britain": "GB",
    "england": "GB",
    "scotland": "GB",
    "wales": "GB",
    "northern ireland": "GB",
    "deutschland": "DE",
    "the netherlands": "NL",
    "holland": "NL",
    "españa": "ES",
    "schweiz": "CH",
    "österreich": "AT",
    "uae": "AE",
}


def country_code(value: str) -> str | None:
    """ISO 3166 alpha-2 code for a country column value (code or common name), else None."""
    text = value.strip()
    if not text:
        return None
    upper = text.upper()
    if upper == "UK":
        return "GB"
    if len(upper) == 2 and upper.isalpha():
        return upper if upper in SUPPORTED_REGIONS else None
    return _COUNTRY_ALIASES.get(text.lower())


def _lookup(region: str, country: str) -> tuple[str, str] | None:
    text = region.strip()
    if not text:
        return None
    order = [country] if country in _SUBDIVISIONS else []
    order += [cc for cc in ("US", "CA", "AU") if cc not in order]
    if country and country not in _SUBDIVISIONS:
        return None
    for cc in order:
        hit = _SUBDIVISIONS[cc].get(text.upper().rstrip(".")) or _BY_NAME[cc].get(text.lower())
        if hit is not None:
            return hit
    return None


def normalize_region(region: str, country: str = "") -> str:
    """The region's display name: state/province codes spelled out, whitespace tidied."""
    text = " ".join(region.split())
    hit = _lookup(text, country)
    return hit[0] if hit else text


def region_zone(region: str, country: str = "") -> str | None:
    """The main time zone of a US state, Canadian province or Australian state, if known."""
    hit = _lookup(region, country)
    return hit[1] if hit else None


def country_display(code: str) -> str:
    """A readable country name for a code (the code itself when unknown)."""
    return COUNTRY_NAMES.get(code, code)
