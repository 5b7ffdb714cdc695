"""Made-up prospects with fictional phone numbers: the bundled demo contacts and the demo team.

Reproducible (fixed seed). Nobody in it is real: names and companies are random
combinations, and every number sits in a range reserved for fiction or examples:
North American 555-0100..0199, Ofcom's drama ranges (020 7946 0xxx, 0161/0131/0117 496 0xxx)
and ACMA's (0x 5550 xxxx). ``phonenumbers`` accepts all of them as valid, so they import.
``scripts/gen_demo.py`` writes ``data/demo_contacts.csv`` with it.
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

HEADERS = [
    "Record ID", "First name", "Last name", "Email", "Phone number", "Company name",
    "Job title", "Industry", "State/Region", "Country/Region", "Number of employees",
    "Do Not Call",
]

VERTICALS = {
    "Software": ["Cloud", "Data", "Stack", "Byte", "Logic", "Pixel", "Vector", "Signal"],
    "Healthcare": ["Care", "Health", "Clinic", "Wellness", "Medical", "Family Health"],
    "Manufacturing": ["Precision", "Fabrication", "Components", "Tooling", "Machining", "Works"],
    "Financial Services": ["Capital", "Credit Union", "Savings", "Advisors", "Trust", "Lending"],
    "Logistics": ["Freight", "Logistics", "Transport", "Haulage", "Shipping", "Carriers"],
    "Retail": ["Outfitters", "Market", "Goods", "Stores", "Supply", "Home"],
}
PREFIXES = [
    "Acme", "Birch", "Cedar", "Harbor", "Summit", "Meadow", "Granite", "Silver", "Blue Ridge",
    "Northwind", "Oakline", "Riverbend", "Lakeside", "Pinecrest", "Redstone", "Brightwave",
    "Copper", "Evergreen", "Foxhill", "Ironwood", "Juniper", "Keystone", "Larkspur", "Maplewood",
]
SUFFIXES = ["Inc", "LLC", "Co", "Group", "Partners", "Ltd", "Holdings", ""]
FIRST = [
    "Avery", "Blake", "Casey", "Dana", "Emery", "Finley", "Gale", "Harper", "Indra", "Jules",
    "Kai", "Lane", "Morgan", "Noor", "Oakley", "Parker", "Quinn", "Reese", "Sasha", "Tatum",
    "Uma", "Val", "Wren", "Xan", "Yael", "Zion", "Amari", "Bo", "Cleo", "Dev", "Eli", "Fern",
]
LAST = [
    "Abernathy", "Brightman", "Castellano", "Delacroix", "Eastwood", "Fairbanks", "Galloway",
    "Hollister", "Ingersoll", "Jaramillo", "Kowalczyk", "Lindqvist", "Montague", "Nakamura",
    "Okonkwo", "Pendergast", "Quintero", "Rasmussen", "Sorensen", "Thistlewood", "Umberto",
    "Vanterpool", "Whitcombe", "Yarborough", "Zelinski",
]
TITLES = {
    "C-level": ["CEO", "Chief Operating Officer", "CFO", "Founder & CEO", "President", "CTO"],
    "VP": ["VP of Sales", "Vice President, Operations", "SVP Finance", "VP Engineering"],
    "Director": ["Director of Operations", "IT Director", "Head of Procurement", "Director, Finance"],
    "Manager": ["Operations Manager", "Practice Manager", "Plant Manager", "Sales Manager"],
    "Individual contributor": ["Buyer", "Analyst", "Account Executive", "Engineer", "Coordinator"],
}
ROLE_WEIGHTS = [15, 15, 25, 25, 20]

# (state/region, country, number pattern, first, last) - {n} is filled from range(first, last).
PLACES = [
    ("New York", "United States", "({a}) 555-{n:04d}", ["212", "646", "718"], (100, 200)),
    ("NY", "United States", "{a}.555.{n:04d}", ["917", "347"], (100, 200)),
    ("California", "United States", "+1 {a} 555 {n:04d}", ["415", "213", "310", "650"], (100, 200)),
    ("Texas", "United States", "{a}-555-{n:04d}", ["214", "512", "713"], (100, 200)),
    ("Illinois", "United States", "({a}) 555-{n:04d}", ["312", "773"], (100, 200)),
    ("Colorado", "United States", "1 {a} 555 {n:04d}", ["303", "720"], (100, 200)),
    ("Washington", "United States", "{a}-555-{n:04d}", ["206", "425"], (100, 200)),
    ("Arizona", "United States", "({a}) 555-{n:04d}", ["602", "480"], (100, 200)),
    ("Massachusetts", "United States", "+1 ({a}) 555-{n:04d}", ["617"], (100, 200)),
    ("Ontario", "Canada", "({a}) 555-{n:04d}", ["416", "647"], (100, 200)),
    ("British Columbia", "Canada", "{a}-555-{n:04d}", ["604"], (100, 200)),
    ("London", "United Kingdom", "020 7946 {n:04d}", [""], (0, 1000)),
    ("Greater Manchester", "United Kingdom", "+44 161 496 {n:04d}", [""], (0, 1000)),
    ("Scotland", "United Kingdom", "0131 496 {n:04d}", [""], (0, 1000)),
    ("New South Wales", "Australia", "(02) 5550 {n:04d}", [""], (0, 10000)),
    ("Victoria", "Australia", "+61 3 5550 {n:04d}", [""], (0, 10000)),
    ("Western Australia", "Australia", "08 5550 {n:04d}", [""], (0, 10000)),
]
PLACE_WEIGHTS = [9, 4, 10, 9, 7, 5, 5, 4, 4, 5, 3, 6, 4, 3, 5, 4, 3]


def generate(count: int, seed: int, dnc_share: float = 0.02) -> list[list[str]]:
    """Rows of the demo CSV (header excluded); ``dnc_share`` of them marked do-not-call."""
    rng = random.Random(seed)
    used: set[tuple[int, str, int]] = set()
    verticals = list(VERTICALS)
    families = list(TITLES)
    rows = []
    companies: dict[str, list[tuple[str, int]]] = {}
    for v in verticals:
        names = rng.sample(PREFIXES, 8)
        companies[v] = [
            (f"{p} {rng.choice(VERTICALS[v])} {rng.choice(SUFFIXES)}".strip(),
             rng.choice([8, 25, 40, 120, 180, 450, 900, 2400, 4800, 12000]))
            for p in names
        ]
    for i in range(count):
        vertical = verticals[i % len(verticals)]
        company, employees = rng.choice(companies[vertical])
        family = rng.choices(families, ROLE_WEIGHTS)[0]
        first, last = rng.choice(FIRST), rng.choice(LAST)
        while True:
            p = rng.choices(range(len(PLACES)), PLACE_WEIGHTS)[0]
            region, country, pattern, areas, (lo, hi) = PLACES[p]
            area = rng.choice(areas)
            n = rng.randrange(lo, hi)
            if (p, area, n) not in used:
                used.add((p, area, n))
                break
        phone = pattern.format(a=area, n=n)
        if rng.random() < 0.05:
            phone += f" x{rng.randint(10, 999)}"
        domain = "".join(ch for ch in company.split()[0].lower() if ch.isalpha()) + ".example"
        rows.append([
            str(1000 + i),
            first,
            last,
            f"{first.lower()}.{last.lower()}@{domain}",
            phone,
            company,
            rng.choice(TITLES[family]),
            vertical,
            region,
            country,
            str(employees),
            "Yes" if rng.random() < dnc_share else "",
        ])
    return rows


def write_csv(path: Path, count: int, seed: int, dnc_share: float = 0.02) -> int:
    """Write ``count`` made-up contacts as a HubSpot-style CSV; returns the row count."""
    rows = generate(count, seed, dnc_share)
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADERS)
        writer.writerows(rows)
    return len(rows)
