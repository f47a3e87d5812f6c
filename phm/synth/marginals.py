"""Print the generated marginals of a demo database beside the targets they aim at."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

from phm import codes
from phm.cohort import AGE_BAND_SQL, AGE_SQL, Cohort
from phm.synth.assumptions import (
    BOROUGH_ETHNICITY,
    ETHNICITY_GP_COMPLETENESS,
    ETHNICITY_LINKED_COMPLETENESS,
    LANGUAGE_NOT_RECORDED_SHARE,
    NOT_STATED_SHARE,
)

NOT_KNOWN_SHARE = 1 - ETHNICITY_LINKED_COMPLETENESS

# Targets: approximate published figures for NCL (ONS mid-2019 estimates, Census 2011,
# QOF 2020/21, NHS England COVID-19 vaccination statistics to 31 March 2022). They are
# round numbers to aim at, not exact statistics.
AGE_TARGETS = {"Under 18": 21.0, "18-29": 17.0, "30-49": 33.0, "50-64": 16.5, "65+": 12.5}
FLAG_TARGETS = {
    "has_learning_disability": 0.5,
    "has_severe_mental_illness": 1.0,
    "has_diabetes": 5.0,
    "has_chronic_respiratory": 6.0,
    "has_chronic_heart": 4.0,
    "has_chronic_kidney": 2.5,
    "has_chronic_liver": 0.5,
    "is_immunosuppressed": 2.5,
    "has_severe_obesity": 2.5,
    "is_clinically_extremely_vulnerable": 4.0,
    "is_housebound": 0.8,
    "is_care_home_resident": 0.3,
    "is_health_care_worker": 5.0,
    "is_unpaid_carer": 5.0,
    "is_pregnant": 1.0,
    "is_homeless": 0.3,
    "needs_interpreter": 3.0,
}
UPTAKE_18_PLUS_TARGETS = {"1": 72.0, "2": 66.0, "3": 48.0}
UPTAKE_BY_AGE_TARGETS = {  # first dose by 31 March 2022
    "18-24": 58,
    "25-29": 52,
    "30-34": 55,
    "35-39": 60,
    "40-44": 66,
    "45-49": 72,
    "50-54": 78,
    "55-59": 82,
    "60-64": 85,
    "65-69": 87,
    "70-74": 89,
    "75-79": 90,
    "80+": 89,
}
UPTAKE_BY_ETHNICITY_TARGETS = {
    "A": 84,
    "B": 80,
    "C": 62,
    "D": 55,
    "H": 84,
    "J": 68,
    "K": 72,
    "M": 50,
    "N": 58,
    "R": 72,
}
UPTAKE_BY_QUINTILE_TARGETS = {1: 63, 2: 67, 3: 72, 4: 77, 5: 80}


def _pct(
    con: duckdb.DuckDBPyConnection, group_sql: str, value_sql: str, where: str, params: dict
) -> pd.DataFrame:
    """Return value_sql's mean (as %) and the count per group over the current registrations."""
    sql = (
        "SELECT "
        + group_sql
        + " AS grp, 100 * avg(CAST(coalesce("
        + value_sql
        + ", false) AS DOUBLE))"
        " AS pct, "
        "count(*) AS n FROM person p JOIN lsoa l USING (lsoa_code) JOIN practice pr "
        "USING (practice_code) WHERE " + where + " GROUP BY grp ORDER BY grp"
    )
    return con.execute(sql, params).df()


def report_marginals(path: Path) -> str:
    """Return a text report of the database's marginals against their targets."""
    con = duckdb.connect(str(path), read_only=True)
    lines: list[str] = []
    base = Cohort()
    where, params = base.to_where()
    adults, adult_params = base.with_(age_min=18).to_where()
    total = con.execute("SELECT count(*) FROM person p WHERE " + where, params).fetchone()[0]
    meta = dict(con.execute("SELECT key, value FROM dataset_meta").fetchall())
    lines.append(f"Dataset: {meta.get('name')}  (as at {meta.get('as_at')})")
    lines.append(f"Registered and alive at the as-at date: {total:,} (target at scale 1: 1.6M)")

    def table(title: str, frame: pd.DataFrame, targets: dict, label: dict | None = None) -> None:
        lines.append("")
        lines.append(f"{title:<40} {'generated':>10} {'target':>8}")
        for _, row in frame.iterrows():
            key = row["grp"]
            name = (label or {}).get(key, key)
            target = targets.get(key)
            t = f"{target:>8.1f}" if target is not None else f"{'':>8}"
            lines.append(f"  {str(name):<38} {row['pct']:>10.1f} {t}")

    age_group = (
        "CASE WHEN age < 18 THEN 'Under 18' WHEN age < 30 THEN '18-29' WHEN age < 50 THEN '30-49' "
        "WHEN age < 65 THEN '50-64' ELSE '65+' END"
    )
    frame = con.execute(
        "SELECT grp, 100 * count(*) / sum(count(*)) OVER () AS pct FROM (SELECT "
        + age_group.replace("age", "(" + AGE_SQL + ")")
        + " AS grp FROM person p WHERE "
        + where
        + ") GROUP BY grp ORDER BY grp",
        params,
    ).df()
    table("Age group, % of people", frame, AGE_TARGETS)
    frame = _pct(con, "1", "p.sex = 'F'", where, params)
    frame["grp"] = "Female"
    table("Sex, % female", frame, {"Female": 50.5})
    share = con.execute(
        "SELECT l.lad_name || ': ' || p.ethnicity_code AS grp, 100 * count(*) / sum(count(*)) "
        "OVER (PARTITION BY l.lad_name) AS pct FROM person p JOIN lsoa l USING (lsoa_code) "
        "WHERE " + where + " GROUP BY l.lad_name, p.ethnicity_code ORDER BY grp",
        params,
    ).df()
    lads = dict(con.execute("SELECT DISTINCT lad_name, lad_code FROM lsoa").fetchall())
    eth_targets = {}
    for lad_name, lad_code in lads.items():
        mix = BOROUGH_ETHNICITY.get(lad_code, {})
        stated = 100 * (1 - NOT_STATED_SHARE - NOT_KNOWN_SHARE)
        for c, v in mix.items():
            eth_targets[f"{lad_name}: {c}"] = stated * v / sum(mix.values())
        eth_targets[f"{lad_name}: Z"] = 100 * NOT_STATED_SHARE
        eth_targets[f"{lad_name}: 99"] = 100 * NOT_KNOWN_SHARE
    share = share[
        share["grp"].str.split(": ").str[1].isin(["A", "C", "H", "K", "M", "N", "Z", "99"])
    ]
    table("Ethnicity by borough, % (Census 2011)", share, eth_targets)
    lang = con.execute(
        "SELECT main_language AS grp, 100 * count(*) / sum(count(*)) OVER () AS pct FROM person p "
        "WHERE " + where + " GROUP BY grp ORDER BY pct DESC LIMIT 12",
        params,
    ).df()
    table(
        "First language, % of people",
        lang,
        {
            "English": 80.0 * (1 - LANGUAGE_NOT_RECORDED_SHARE),
            codes.LANGUAGE_NOT_RECORDED: 100 * LANGUAGE_NOT_RECORDED_SHARE,
        },
    )
    completeness = con.execute(
        "SELECT 'GP records only' AS grp, 100 * avg(CAST(p.ethnicity_source = 'gp' AS DOUBLE))"
        " AS pct FROM person p WHERE " + where + " UNION ALL "
        "SELECT 'GP + linked records', 100 * avg(CAST(p.ethnicity_code <> '99' AS DOUBLE))"
        " FROM person p WHERE " + where,
        params,
    ).df()
    table(
        "Ethnicity recorded (Seed: SNEE), %",
        completeness,
        {
            "GP records only": 100 * ETHNICITY_GP_COMPLETENESS,
            "GP + linked records": 100 * ETHNICITY_LINKED_COMPLETENESS,
        },
    )
    spread = con.execute(
        "SELECT 100 * quantile_cont(gp, 0.1), 100 * quantile_cont(gp, 0.9) FROM (SELECT"
        " avg(CAST(p.ethnicity_source = 'gp' AS DOUBLE)) AS gp FROM person p WHERE "
        + where
        + " GROUP BY p.practice_code)",
        params,
    ).fetchone()
    lines.append(
        f"  GP-only completeness across practices: {spread[0]:.0f}% (10th centile)"
        f" to {spread[1]:.0f}% (90th); the seed reports wide variation"
    )
    flags = pd.DataFrame(
        [
            {
                "grp": f,
                "pct": con.execute(
                    "SELECT 100 * avg(CAST(p." + f + " AS DOUBLE)) FROM person p WHERE " + where,
                    params,
                ).fetchone()[0],
            }
            for f in FLAG_TARGETS
        ]
    )
    table("Flag prevalence, % of people", flags, FLAG_TARGETS, codes.FLAGS)
    for dose in codes.DOSES:
        cohort = base.with_(age_min=18, dose=dose)
        w, p = cohort.to_where()
        column = {"1": "first_dose_date", "2": "second_dose_date", "3": "booster_date"}[dose]
        frame = _pct(con, "'18+'", "p." + column + " <= $as_at", w, p)
        frame["grp"] = dose
        table(f"Uptake 18+, {codes.DOSES[dose]}, %", frame, UPTAKE_18_PLUS_TARGETS)
    frame = _pct(con, AGE_BAND_SQL, "p.first_dose_date <= $as_at", adults, adult_params)
    table("First-dose uptake by age band, %", frame, UPTAKE_BY_AGE_TARGETS)
    frame = _pct(con, "p.ethnicity_code", "p.first_dose_date <= $as_at", adults, adult_params)
    table(
        "First-dose uptake 18+ by ethnicity, %",
        frame,
        UPTAKE_BY_ETHNICITY_TARGETS,
        codes.ETHNICITY_LABELS,
    )
    frame = _pct(
        con, "(l.imd_decile + 1) // 2", "p.first_dose_date <= $as_at", adults, adult_params
    )
    table(
        "First-dose uptake 18+ by IMD quintile, %",
        frame,
        UPTAKE_BY_QUINTILE_TARGETS,
        codes.IMD_QUINTILES,
    )
    frame = _pct(
        con,
        "CASE p.main_language WHEN 'English' THEN 'English' WHEN $not_recorded THEN"
        " 'Not recorded' ELSE 'Not English' END",
        "p.first_dose_date <= $as_at",
        adults,
        {**adult_params, "not_recorded": codes.LANGUAGE_NOT_RECORDED},
    )
    table("First-dose uptake 18+ by first language, %", frame, {"English": 74, "Not English": 60})
    con.close()
    return "\n".join(lines)
