"""The Cohort: one frozen description of who is counted, turned into SQL, words and URLs."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from phm import codes
from phm.levels import LEVELS, Level
from phm.text import parse_whole_number

DEFAULT_AS_AT = date(2022, 3, 31)
PROGRAMME_START = date(2020, 12, 8)


def as_at_note(data_as_at: date) -> str:
    """Return why every figure is as at the data's own date (and where earlier dates are)."""
    return (
        f"Figures are as at {data_as_at:%d %B %Y}, the date of the data: comparing two dates'"
        " registered populations could reveal one person's move, death or dose. Uptake on"
        " earlier dates, among the same people, is on the Trends page."
    )


def age_sql(birth: str = "p.birth_date") -> str:
    """Return SQL for age in whole years on the as-at date (birth dates are firsts of months)."""
    return f"((year($as_at) - year({birth})) * 12 + month($as_at) - month({birth})) // 12"


def age_band_sql(birth: str = "p.birth_date") -> str:
    """Return SQL for the age band on the as-at date of a birth-date expression."""
    age = age_sql(birth)
    return (
        "CASE "
        + " ".join(
            f"WHEN {age} <= {high} THEN '{label}'"
            for label, _low, high in codes.AGE_BANDS
            if high is not None
        )
        + f" ELSE '{codes.AGE_BANDS[-1][0]}' END"
    )


def ethnic_group_sql(code: str = "p.ethnicity_code") -> str:
    """Return SQL for the broad ethnic group of an ethnicity-code expression."""
    return (
        f"CASE {code} "
        + " ".join(f"WHEN '{e.code}' THEN '{e.group}'" for e in codes.ETHNICITIES)
        + " END"
    )


def imd_quintile_sql(decile: str = "l.imd_decile") -> str:
    """Return SQL for the IMD quintile of an IMD-decile expression."""
    return f"(({decile} + 1) // 2)"


AGE_SQL = age_sql()
AGE_BAND_SQL = age_band_sql()
ETHNIC_GROUP_SQL = ethnic_group_sql()
IMD_QUINTILE_SQL = imd_quintile_sql()


def _spoken_ethnicity(code: object) -> str:
    """Return an ethnicity's label as it reads mid-sentence ('any other White background')."""
    label = codes.ETHNICITY_LABELS[str(code)]
    return label[0].lower() + label[1:] if label.startswith("Any other") else label


@dataclass(frozen=True)
class Field:
    """One characteristic a cohort can be narrowed to (values OR'd) and broken down by.

    `to_where`, `describe`, the URL, the sidebar picker, Explore's breakdowns and the
    finder all loop over FIELDS: adding a characteristic is one entry here.
    """

    name: str  # the Cohort attribute, e.g. "languages"
    url_key: str  # e.g. "language"
    sql: str  # a person's code, over person p, lsoa l, practice pr (never user text)
    label: str  # the sidebar's label
    phrase: str | None  # the cohort in words, "{}" the values; None: said by the subject noun
    dimension: str  # its key as a breakdown (phm.queries.DIMENSIONS, the finder)
    dimension_label: str  # its label as a breakdown
    values: Mapping[Any, str] | None = None  # code -> label in order; None: the data's own
    integer: bool = False  # codes are whole numbers
    section: str | None = None  # the sidebar section it sits in; None: links only
    spoken: Callable[[Any], str] | None = None  # one value in a sentence, when not its code
    place: bool = False  # values are area or practice codes, spoken by their names
    residence: bool = False  # a phrase about where people live (said after one "living")
    # A derived code (age band, broad group, quintile) is counted by the stored column it
    # comes from, then mapped: mapping a few hundred groups is cheaper than every person.
    stored_sql: str | None = None
    derive: Callable[[str], str] | None = None
    meaning: str | None = None  # abbreviations in the label spelled out (the picker's help)


# Abbreviations in the characteristics' labels, spelled out once (the picker's help, About).
JCVI_MEANING = (
    "JCVI: the Joint Committee on Vaccination and Immunisation, whose priority cohorts 1 (care"
    " homes) to 12 (18 and over) set the order people were offered the vaccine."
)
IMD_MEANING = (
    "IMD: the English Index of Multiple Deprivation (2019), which ranks every LSOA by"
    " deprivation; quintile 1 and decile 1 are the most deprived."
)
CORE20_MEANING = (
    "Core20: NHS England's name for the most deprived 20% of the population (IMD quintile 1),"
    " a focus of its Core20PLUS5 approach to reducing health inequalities."
)


def _place_field(level: Level, section: str | None) -> Field:
    """Return the field that narrows a cohort to areas of a level."""
    return Field(
        level.cohort_field,
        level.key,
        level.code_sql,
        level.picker_label,
        level.phrase,
        level.key,
        level.label,
        section=section,
        place=True,
        residence=level.basis == "residence",
        meaning=level.meaning or None,
    )


FIELDS: tuple[Field, ...] = (
    Field(
        "age_bands",
        "age_band",
        AGE_BAND_SQL,
        "Age band",
        "in age band {}",
        "age_band",
        "Age band",
        values={b: b for b in codes.AGE_BAND_LABELS},
        section="Age and sex",
        stored_sql="p.birth_date",
        derive=age_band_sql,
    ),
    Field(
        "jcvi_cohorts",
        "jcvi",
        "p.jcvi_cohort",
        "JCVI priority cohort",
        "in JCVI cohort {}",
        "jcvi_cohort",
        "JCVI cohort",
        values=codes.JCVI_COHORTS,
        integer=True,
        section="Age and sex",
        meaning=JCVI_MEANING,
    ),
    Field(
        "sexes",
        "sex",
        "p.sex",
        "Sex",
        None,
        "sex",
        "Sex",
        values=codes.SEXES,
        section="Age and sex",
    ),
    Field(
        "ethnicities",
        "ethnicity",
        "p.ethnicity_code",
        "Ethnicity (NHS category)",
        "of {} ethnicity",
        "ethnicity_code",
        "Ethnicity",
        values=codes.ETHNICITY_LABELS,
        section="Ethnicity and language",
        spoken=_spoken_ethnicity,
    ),
    Field(
        "ethnic_groups",
        "ethnic_group",
        ETHNIC_GROUP_SQL,
        "Broad ethnic group",
        "in the {} ethnic group",
        "ethnic_group",
        "Broad ethnic group",
        values={g: g for g in codes.ETHNIC_GROUPS},
        section="Ethnicity and language",
        stored_sql="p.ethnicity_code",
        derive=ethnic_group_sql,
    ),
    Field(
        "languages",
        "language",
        "p.main_language",
        "First language",
        "whose first language is {}",
        "main_language",
        "First language",
        section="Ethnicity and language",
    ),
    Field(
        "imd_quintiles",
        "imd_quintile",
        IMD_QUINTILE_SQL,
        "IMD quintile (Core20 = 1)",
        "in IMD quintile {} areas (1 = most deprived)",
        "imd_quintile",
        "IMD quintile",
        values=codes.IMD_QUINTILES,
        integer=True,
        residence=True,
        section="Place and deprivation",
        stored_sql="l.imd_decile",
        derive=imd_quintile_sql,
        meaning=IMD_MEANING + " " + CORE20_MEANING,
    ),
    Field(
        "imd_deciles",
        "imd_decile",
        "l.imd_decile",
        "IMD decile",
        "in IMD decile {} areas (1 = most deprived)",
        "imd_decile",
        "IMD decile",
        values={d: str(d) for d in codes.IMD_DECILES},
        integer=True,
        residence=True,
        meaning=IMD_MEANING,
    ),
    _place_field(LEVELS["borough"], "Place and deprivation"),
    _place_field(LEVELS["msoa"], "Place and deprivation"),
    _place_field(LEVELS["lsoa"], None),
    _place_field(LEVELS["pcn"], "Registration"),
    _place_field(LEVELS["practice"], "Registration"),
)
FIELD_BY_NAME: dict[str, Field] = {f.name: f for f in FIELDS}
FIELD_BY_DIMENSION: dict[str, Field] = {f.dimension: f for f in FIELDS}

FLAG_VALUES = {"yes": True, "no": False}


@dataclass(frozen=True)
class Cohort:
    """Who is counted and what is measured: values within a field are OR'd, fields AND'd."""

    age_min: int | None = None
    age_max: int | None = None
    age_bands: tuple[str, ...] = ()
    jcvi_cohorts: tuple[int, ...] = ()
    sexes: tuple[str, ...] = ()
    ethnicities: tuple[str, ...] = ()
    ethnic_groups: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    imd_quintiles: tuple[int, ...] = ()
    imd_deciles: tuple[int, ...] = ()
    boroughs: tuple[str, ...] = ()
    msoas: tuple[str, ...] = ()
    lsoas: tuple[str, ...] = ()
    pcns: tuple[str, ...] = ()
    practices: tuple[str, ...] = ()
    flags: tuple[tuple[str, bool], ...] = ()
    programme: str = "covid19"
    dose: str = "1"
    as_at: date = field(default=DEFAULT_AS_AT)

    def __post_init__(self) -> None:
        """Validate every value against the code lists; geography codes are checked by shape."""
        for f in FIELDS:
            values = getattr(self, f.name)
            if f.values is not None:
                bad = [v for v in values if v not in f.values]
                if bad:
                    raise ValueError(f"unknown {f.url_key} value(s): {bad}")
                continue
            for value in values:  # the data's own codes: checked by shape
                if not isinstance(value, str) or not value or len(value) > 60:
                    raise ValueError(f"malformed {f.url_key} value: {value!r}")
        unknown_flags = [name for name, _ in self.flags if name not in codes.FLAGS]
        if unknown_flags:
            raise ValueError(f"unknown flag(s): {unknown_flags}")
        if len({n for n, _ in self.flags}) != len(self.flags):
            raise ValueError("a flag is given twice")
        for bound in (self.age_min, self.age_max):
            if bound is not None and not 0 <= bound <= 120:
                raise ValueError(f"age bounds must be 0-120, got {bound}")
        if self.age_min is not None and self.age_max is not None and self.age_min > self.age_max:
            raise ValueError("age_min is above age_max")
        if self.programme not in codes.PROGRAMMES:
            raise ValueError(f"unknown programme: {self.programme!r}")
        if self.dose not in codes.DOSES:
            raise ValueError(f"unknown dose: {self.dose!r}")
        if not isinstance(self.as_at, date):
            raise ValueError("as_at must be a date")

    def with_(self, **changes: object) -> Cohort:
        """Return a copy with some fields changed (normalised to sorted tuples)."""
        return replace(self, **{k: _normalise(k, v) for k, v in changes.items()})

    def to_where(self) -> tuple[str, dict[str, object]]:
        """Return a WHERE clause over person p, lsoa l, practice pr and its named parameters."""
        clauses = [
            "p.registered_from <= $as_at",
            # Still registered: coalesce is one comparison per row, where 'IS NULL OR' is
            # two passes and measured about 8 ms slower per query at full scale.
            "coalesce(p.registered_to, DATE '9999-12-31') > $as_at",
            "p.birth_date <= $as_at",
        ]
        params: dict[str, object] = {"as_at": self.as_at}
        # Ages become birth-date ranges (computed here, bound as parameters) so DuckDB
        # filters on the stored column instead of computing an age per row.
        if self.age_min is not None:
            clauses.append("p.birth_date <= $born_by")
            params["born_by"] = _born_by(self.as_at, self.age_min)
        if self.age_max is not None:
            clauses.append("p.birth_date >= $born_from")
            params["born_from"] = _born_from(self.as_at, self.age_max)
        if self.age_bands:
            ranges = []
            for i, (label, low, high) in enumerate(codes.AGE_BANDS):
                if label not in self.age_bands:
                    continue
                ranges.append(f"p.birth_date <= $band{i}_by")
                params[f"band{i}_by"] = _born_by(self.as_at, low)
                if high is not None:
                    ranges[-1] = f"({ranges[-1]} AND p.birth_date >= $band{i}_from)"
                    params[f"band{i}_from"] = _born_from(self.as_at, high)
            clauses.append("(" + " OR ".join(ranges) + ")")
        for f in FIELDS:
            values = getattr(self, f.name)
            if not values or f.name == "age_bands":  # age bands became birth-date ranges
                continue
            names = [f"{f.name}_{i}" for i in range(len(values))]
            clauses.append(f"{f.sql} IN ({', '.join('$' + n for n in names)})")
            params.update(zip(names, values, strict=True))
        for flag, wanted in self.flags:
            # flag names are checked against codes.FLAGS in __post_init__.
            clauses.append(f"p.{flag} = ${flag}")
            params[flag] = wanted
        return " AND ".join(clauses), params

    def describe(self, names: Mapping[str, str] | None = None) -> str:
        """Return the cohort in plain English, e.g. 'Women and girls aged 50-64 living in Enfield: ...'."""
        names = names or {}
        parts = [_describe_sex(self.sexes)]
        if self.age_min is not None or self.age_max is not None:
            low, high = self.age_min, self.age_max
            if low is not None and high is not None:
                parts.append(f"aged {low}-{high}")
            elif low is not None:
                parts.append(f"aged {low} and over")
            else:
                parts.append(f"aged {high} and under")
        residence = []
        for f in FIELDS:
            values = getattr(self, f.name)
            if not values or f.phrase is None:
                continue
            if f.place:
                level = LEVELS[f.dimension]
                words = [names.get(v) or f"{level.noun} {v}" for v in values]
            else:
                words = [f.spoken(v) if f.spoken else str(v) for v in values]
            phrase = f.phrase.format(_or_list(words))
            (residence if f.residence else parts).append(phrase)
        if residence:
            # Said once, places before deprivation: "living in Enfield, in IMD quintile 1 areas".
            residence.sort(key=lambda phrase: phrase.startswith("in IMD"))
            parts.append("living " + ", ".join(residence))
        with_flags = [codes.FLAG_PHRASES[f] for f, v in self.flags if v]
        without_flags = [codes.FLAGS[f].lower() for f, v in self.flags if not v]
        if with_flags:
            parts.append(_and_list(with_flags))
        if without_flags:
            parts.append("not recorded as " + _or_list(without_flags))
        if len(parts) == 1 and parts[0] == "People":
            parts = ["Everyone"]
        measure = (
            f"{codes.DOSES[self.dose].lower()} of {codes.PROGRAMMES[self.programme]} vaccine"
            f" by {self.as_at.day} {self.as_at:%B %Y}"
        )
        return f"{' '.join(parts)}: {measure}"

    def to_query_params(self) -> dict[str, str | list[str]]:
        """Return the non-default fields as URL query parameters."""
        default = Cohort()
        out: dict[str, str | list[str]] = {}
        for f in FIELDS:
            values = getattr(self, f.name)
            if values:
                out[f.url_key] = [str(v) for v in values]
        for name in ("age_min", "age_max"):
            value = getattr(self, name)
            if value is not None:
                out[name] = str(value)
        for flag, wanted in self.flags:
            out[flag] = "yes" if wanted else "no"
        if self.dose != default.dose:
            out["dose"] = self.dose
        if self.programme != default.programme:
            out["programme"] = self.programme
        if self.as_at != default.as_at:
            out["as_at"] = self.as_at.isoformat()
        return out

    @classmethod
    def from_query_params(
        cls,
        params: Mapping[str, str | list[str]],
        known: Mapping[str, set[str]] | None = None,
    ) -> tuple[Cohort, list[str]]:
        """Build a Cohort from URL parameters, ignoring (and reporting) malformed values.

        `known` gives the valid codes for data-dependent fields (boroughs, msoas, lsoas,
        pcns, practices, languages); values outside it are ignored with a warning.
        """
        known = known or {}
        warnings: list[str] = []
        kwargs: dict[str, object] = {}
        by_key = {f.url_key: f for f in FIELDS}
        for key, raw in params.items():
            values = [raw] if isinstance(raw, str) else list(raw)
            if key in by_key:
                f = by_key[key]
                name = f.name
                allowed = f.values if f.values is not None else known.get(name)
                good = []
                for value in values:
                    parsed = parse_whole_number(value, 999) if f.integer else value
                    malformed = parsed is None or (
                        isinstance(parsed, str) and not 0 < len(parsed) <= 60
                    )
                    if malformed or (allowed is not None and parsed not in allowed):
                        warnings.append(f"Ignored {key}={value!r}: not a known value.")
                    elif parsed not in good:
                        good.append(parsed)
                kwargs[name] = tuple(good)
            elif key in ("age_min", "age_max"):
                age = parse_whole_number(values[-1], 120)
                if age is None:
                    warnings.append(f"Ignored {key}={values[-1]!r}: not an age from 0 to 120.")
                else:
                    kwargs[key] = age
            elif key in codes.FLAGS:
                if values[-1] in FLAG_VALUES:
                    kwargs.setdefault("flags", [])
                    kwargs["flags"].append((key, FLAG_VALUES[values[-1]]))  # type: ignore[union-attr]
                elif values[-1] != "any":
                    warnings.append(f"Ignored {key}={values[-1]!r}: use yes, no or any.")
            elif key == "dose":
                if values[-1] in codes.DOSES:
                    kwargs["dose"] = values[-1]
                else:
                    warnings.append(f"Ignored dose={values[-1]!r}: use 1, 2 or 3.")
            elif key == "programme":
                if values[-1] in codes.PROGRAMMES:
                    kwargs["programme"] = values[-1]
                else:
                    warnings.append(f"Ignored programme={values[-1]!r}: not a known programme.")
            elif key == "as_at":
                parsed_date = _parse_date(values[-1])
                if parsed_date is None:
                    warnings.append(f"Ignored as_at={values[-1]!r}: not a date (YYYY-MM-DD).")
                else:
                    kwargs["as_at"] = parsed_date
        if "flags" in kwargs:
            kwargs["flags"] = tuple(sorted(kwargs["flags"]))  # type: ignore[arg-type]
        low, high = kwargs.get("age_min"), kwargs.get("age_max")
        if isinstance(low, int) and isinstance(high, int) and low > high:
            warnings.append("Ignored age_min and age_max: the minimum is above the maximum.")
            kwargs.pop("age_min")
            kwargs.pop("age_max")
        return cls(**kwargs), warnings  # type: ignore[arg-type]


def _normalise(name: str, value: object) -> object:
    """Turn list-like field values into sorted, de-duplicated tuples so equal cohorts hash equal."""
    if name == "flags":
        return tuple(sorted(dict(value).items())) if value else ()  # type: ignore[arg-type]
    if name in FIELD_BY_NAME:
        return tuple(sorted(set(value))) if value else ()  # type: ignore[arg-type]
    return value


def _month_start(index: int) -> date:
    """Return the first day of a month given as year * 12 + month - 1."""
    return date(index // 12, index % 12 + 1, 1)


def _born_by(as_at: date, age: int) -> date:
    """Return the latest birth date (first of a month) of someone aged at least `age` at as_at."""
    return _month_start(as_at.year * 12 + as_at.month - 1 - 12 * age)


def _born_from(as_at: date, age: int) -> date:
    """Return the earliest birth date (first of a month) of someone aged at most `age` at as_at."""
    return _month_start(as_at.year * 12 + as_at.month - 1 - 12 * age - 11)


def _parse_date(value: str) -> date | None:
    """Return a date in the programme's range parsed from ISO text, or None."""
    try:
        parsed = date.fromisoformat(value)
    except (TypeError, ValueError):
        return None
    return parsed if date(2020, 12, 1) <= parsed <= date(2030, 12, 31) else None


def _describe_sex(sexes: tuple[str, ...]) -> str:
    """Return the noun for the sexes selected."""
    if set(sexes) == {"F"}:
        return "Women and girls"
    if set(sexes) == {"M"}:
        return "Men and boys"
    return "People"


def _or_list(items: object) -> str:
    """Join words as 'a, b or c'."""
    words = [str(i) for i in items]  # type: ignore[attr-defined]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]


def _and_list(items: list[str]) -> str:
    """Join words as 'a, b and c'."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
