"""Clustering contacts around one theme: vertical, region, company size band or role family.

One talk track then serves the whole list (METHOD.md rule 2). Groups smaller than the
minimum size merge into an "Other" list so nobody gets a list of two.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping

OTHER = "Other"
UNKNOWN = "Unknown"

#: Role families from most to least senior; the order of the checks matters.
ROLE_FAMILIES = ("C-level", "VP", "Director", "Manager", "Individual contributor")

_C_LEVEL = re.compile(
    r"\b(?:c[a-z]?o|chief|founder|co-?founder|owner|president|managing director|"
    r"managing partner|general manager|proprietor|geschäftsführer)\b",
    re.IGNORECASE,
)
_VP = re.compile(r"\b(?:vp|svp|evp|avp|vice[\s-]+president|v\.p\.)\b", re.IGNORECASE)
_DIRECTOR = re.compile(r"\b(?:director|head of|head|dir\.?)\b", re.IGNORECASE)
_MANAGER = re.compile(
    r"\b(?:manager|mgr|management|lead|leader|supervisor|team lead|superintendent|"
    r"foreman|controller)\b",
    re.IGNORECASE,
)
_ASSISTANT = re.compile(r"\b(?:assistant|executive assistant|ea to|pa to|intern)\b", re.IGNORECASE)
_SALUTATIONS = frozenset({"mr", "mrs", "ms", "miss", "mx", "dr", "prof", "sir", "madam", "herr", "frau"})

#: Company-size bands (upper bounds inclusive) and their labels.
SIZE_BANDS: tuple[tuple[int, str], ...] = (
    (10, "1-10"),
    (50, "11-50"),
    (200, "51-200"),
    (1000, "201-1000"),
    (5000, "1001-5000"),
)
LARGEST_BAND = "5001+"
_SIZE_NUMBER = re.compile(r"\d[\d,.\s]*")
_MAX_COMPANY_SIZE = 10_000_000  # fits a 32-bit integer column with room to spare


def is_salutation(title: str) -> bool:
    """True for "Mr.", "Dr" and the like (VICIdial's ``title`` column is a salutation)."""
    return title.strip().rstrip(".").lower() in _SALUTATIONS


def role_family(title: str) -> str:
    """The role family of a job title: C-level, VP, Director, Manager or IC ("" if blank)."""
    text = title.strip()
    if not text:
        return ""
    if _ASSISTANT.search(text):
        return "Individual contributor"
    if _VP.search(text):
        return "VP"
    if _C_LEVEL.search(text):
        return "C-level"
    if _DIRECTOR.search(text):
        return "Director"
    if _MANAGER.search(text):
        return "Manager"
    return "Individual contributor"


def parse_company_size(value: str) -> int | None:
    """Employee count from "250", "1,200", "51-200" (lower bound), "10,001+"; None if unusable."""
    m = _SIZE_NUMBER.search(value)
    if m is None:
        return None
    digits = re.sub(r"[,.\s]", "", m.group(0).strip())
    if not digits.isdigit() or len(digits) > 9:
        return None
    number = int(digits)
    return number if 0 < number <= _MAX_COMPANY_SIZE else None


def size_band(size: int | None) -> str:
    """The employee-count band label for a company size ("" when unknown)."""
    if size is None:
        return ""
    for upper, label in SIZE_BANDS:
        if size <= upper:
            return label
    return LARGEST_BAND


def tidy_vertical(value: str) -> str:
    """An industry value tidied: HubSpot's ``COMPUTER_SOFTWARE`` becomes "Computer Software"."""
    text = " ".join(value.split())
    if "_" in text and text.upper() == text:
        text = text.replace("_", " ").title()
    return text


def assign_clusters(
    values: Iterable[str],
    min_size: int,
    existing: Iterable[str] = (),
) -> dict[str, str]:
    """Map each value (case-insensitively) to its cluster name, merging tiny groups.

    The cluster name is the most common spelling of the value; blank values form
    "Unknown". Groups with fewer than ``min_size`` members go to "Other" unless a list
    for that value already exists (``existing``, lower-cased names of values).
    """
    return assign_cluster_counts(Counter(values), min_size, existing)


def assign_cluster_counts(
    tally: Mapping[str, int],
    min_size: int,
    existing: Iterable[str] = (),
) -> dict[str, str]:
    """:func:`assign_clusters` from a count of each value, in the order each first appeared
    (an import counts its rows as it streams them, then names the lists)."""
    counts: Counter[str] = Counter()
    spellings: dict[str, Counter[str]] = {}
    for value, n in tally.items():
        key = value.strip().lower()
        counts[key] += n
        spellings.setdefault(key, Counter())[value.strip()] += n
    keep = {e.lower() for e in existing}
    result: dict[str, str] = {}
    for key, n in counts.items():
        name = spellings[key].most_common(1)[0][0] or UNKNOWN
        if n < min_size and name.lower() not in keep:
            name = OTHER
        result[key] = name
    return result
