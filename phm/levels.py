"""Place levels: one declaration per level that queries, maps, the finder and every page read.

A level is where a person is counted: where they live (residence: LSOA, MSOA, borough, from
the lsoa table) or where they are registered (registration: PCN, GP practice, from the
practice table). Adding a level is one entry here plus its cohort field's tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class Level:
    """One place level: its names in the interface and where its codes live in the data."""

    key: str  # in URLs, widget values and frame columns, e.g. "msoa"
    label: str  # in selectors and column headers, e.g. "MSOA"
    noun: str  # in a sentence, e.g. "borough" ("each borough is higher...")
    basis: Literal["residence", "registration"]
    table: Literal["lsoa", "practice"]  # the table that names each area of the level
    code_column: str  # in `table`
    name_column: str  # in `table`
    code_sql: str  # over person p, lsoa l, practice pr (a fixed allow-list, never user text)
    cohort_field: str  # the Cohort field that narrows a cohort to areas of this level
    picker_label: str  # the sidebar's label for that field
    phrase: str  # a cohort narrowed to areas of the level, e.g. "in MSOA {}" (after "living")
    finding: str  # a finder's group in one area, e.g. "in {} (MSOA)"
    mapped: bool = False  # has boundaries (residence levels)
    published_code: str | None = None  # its level code in NHS England's published figures
    meaning: str = ""  # the abbreviation spelled out, for help text and About

    @property
    def name_sql(self) -> str:
        """Return SQL for the area's name (l. or pr., the table's alias)."""
        return f"{'l' if self.table == 'lsoa' else 'pr'}.{self.name_column}"

    @property
    def choice_label(self) -> str:
        """Return the label with its basis, e.g. 'PCN (registration)'."""
        return f"{self.label} ({self.basis})"


LEVELS: dict[str, Level] = {
    level.key: level
    for level in (
        Level(
            "lsoa",
            "LSOA",
            "LSOA",
            "residence",
            "lsoa",
            "lsoa_code",
            "lsoa_name",
            "p.lsoa_code",
            "lsoas",
            "LSOA",
            "in LSOA {}",
            "in {} (LSOA)",
            mapped=True,
            meaning="LSOA: lower layer super output area, a small area of about 1,500 people"
            " (ONS census geography)",
        ),
        Level(
            "msoa",
            "MSOA",
            "MSOA",
            "residence",
            "lsoa",
            "msoa_code",
            "msoa_name",
            "l.msoa_code",
            "msoas",
            "MSOA",
            "in MSOA {}",
            "in {} (MSOA)",
            mapped=True,
            meaning="MSOA: middle layer super output area, about 8,000 people (a few LSOAs)",
            published_code="msoa",
        ),
        Level(
            "borough",
            "Borough",
            "borough",
            "residence",
            "lsoa",
            "lad_code",
            "lad_name",
            "l.lad_code",
            "boroughs",
            "Borough",
            "in {}",
            "in {}",
            mapped=True,
            published_code="lad",
        ),
        Level(
            "pcn",
            "PCN",
            "PCN",
            "registration",
            "practice",
            "pcn_code",
            "pcn_name",
            "pr.pcn_code",
            "pcns",
            "Primary care network",
            "registered with {}",
            "registered with {}",
            meaning="PCN: primary care network, GP practices working together for about"
            " 30,000 to 50,000 patients",
        ),
        Level(
            "practice",
            "GP practice",
            "practice",
            "registration",
            "practice",
            "practice_code",
            "practice_name",
            "p.practice_code",
            "practices",
            "GP practice",
            "registered with {}",
            "registered with {}",
        ),
    )
}

# The levels each view offers, in the order it offers them.
MAP_LEVELS = tuple(key for key, level in LEVELS.items() if level.mapped)
COMPARE_LEVELS = ("borough", "pcn", "practice", "msoa")
FINDER_LEVELS = ("msoa", "borough", "pcn")
PUBLISHED_LEVELS = tuple(key for key, level in LEVELS.items() if level.published_code)


def spelled_out(offered: tuple[str, ...] = tuple(LEVELS)) -> str:
    """Return the abbreviations among the offered levels spelled out, one sentence each."""
    return " ".join(f"{LEVELS[key].meaning}." for key in offered if LEVELS[key].meaning)


def level_of(key: str, offered: tuple[str, ...] = tuple(LEVELS)) -> Level:
    """Return the level named `key` if `offered` includes it, else raise ValueError."""
    if key not in offered:
        raise ValueError(f"unknown place level {key!r}; choose from {sorted(offered)}")
    return LEVELS[key]


def labels(offered: tuple[str, ...]) -> dict[str, str]:
    """Return key -> label of the offered levels, in order (for a selector)."""
    return {key: LEVELS[key].label for key in offered}
