"""One recorded intervention: what, where, when, for whom, at what cost; JSON in and out.

The same shape serves the register (the app's state database) and the synthetic demo, which
declares its built-in interventions in `phm.synth.interventions` and writes them into the
dataset's `dataset_meta` under `META_KEY`, so the register can list them.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from phm.analysis.business_case import INTERVENTIONS
from phm.cohort import Cohort

META_KEY = "interventions"  # dataset_meta key holding the synthetic demo's interventions
MAX_NAME = 120
MAX_NOTE = 1_000
MAX_AREAS = 60
_CODE = re.compile(r"^[A-Za-z0-9]{1,20}$")


@dataclass(frozen=True)
class RecordedIntervention:
    """An intervention that happened (or is happening), as a user or the demo recorded it."""

    name: str
    kind: str  # a key of phm.analysis.business_case.INTERVENTIONS
    msoas: tuple[str, ...]  # where: MSOA codes (may be empty when a site is given)
    site_id: str  # where: a vaccination site of the dataset ('' for none)
    start: date
    end: date  # last day, inclusive
    cohort: Cohort  # for whom (places are in `msoas`, not here)
    cost_gbp: float
    note: str = ""
    source: str = "user"  # 'user' or 'synthetic dataset'

    def __post_init__(self) -> None:
        """Check every field so that a stored record is always usable."""
        if not self.name.strip() or len(self.name) > MAX_NAME:
            raise ValueError(f"a name of 1 to {MAX_NAME} characters is needed")
        if self.kind not in INTERVENTIONS:
            raise ValueError(f"unknown kind of intervention {self.kind!r}")
        if not self.msoas and not self.site_id:
            raise ValueError("say where: at least one MSOA or a site")
        if len(self.msoas) > MAX_AREAS:
            raise ValueError(f"at most {MAX_AREAS} MSOAs")
        for code in (*self.msoas, *([self.site_id] if self.site_id else [])):
            if not _CODE.match(code):
                raise ValueError(f"malformed area or site code {code!r}")
        if self.end < self.start:
            raise ValueError("the end is before the start")
        if self.cost_gbp < 0 or self.cost_gbp != self.cost_gbp:
            raise ValueError("the cost must be a number of pounds, 0 or more")
        if len(self.note) > MAX_NOTE:
            raise ValueError(f"a note of at most {MAX_NOTE} characters")
        if self.cohort.msoas or self.cohort.lsoas or self.cohort.boroughs:
            raise ValueError("say where in the MSOAs, not in the cohort")

    @property
    def weeks(self) -> int:
        """Return the number of weeks (Monday to Sunday) the period touches."""
        first = self.start.toordinal() - self.start.weekday()
        last = self.end.toordinal() - self.end.weekday()
        return (last - first) // 7 + 1

    def target(self) -> Cohort:
        """Return the cohort the intervention was for, in its areas (first doses by default)."""
        return self.cohort.with_(msoas=self.msoas) if self.msoas else self.cohort

    def to_json(self) -> dict[str, Any]:
        """Return the record as JSON-ready values (the cohort as its URL codes)."""
        return {
            "name": self.name,
            "kind": self.kind,
            "msoas": list(self.msoas),
            "site_id": self.site_id,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "cohort": self.cohort.to_query_params(),
            "cost_gbp": self.cost_gbp,
            "note": self.note,
            "source": self.source,
        }

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> RecordedIntervention:
        """Return a record from `to_json`'s values; raise ValueError when anything is off."""
        try:
            cohort, warnings = Cohort.from_query_params(value["cohort"])
            if warnings:
                raise ValueError("; ".join(warnings))
            return cls(
                name=str(value["name"]),
                kind=str(value["kind"]),
                msoas=tuple(sorted(str(m) for m in value["msoas"])),
                site_id=str(value.get("site_id") or ""),
                start=date.fromisoformat(str(value["start"])),
                end=date.fromisoformat(str(value["end"])),
                cohort=cohort,
                cost_gbp=float(value["cost_gbp"]),
                note=str(value.get("note") or ""),
                source=str(value.get("source") or "user"),
            )
        except (KeyError, TypeError) as error:
            raise ValueError(f"not an intervention record: {error}") from None


def dumps(records: list[RecordedIntervention]) -> str:
    """Return records as one JSON text (for dataset_meta)."""
    return json.dumps([r.to_json() for r in records], sort_keys=True)


def loads(text: str) -> list[RecordedIntervention]:
    """Return records from `dumps`' text."""
    return [RecordedIntervention.from_json(v) for v in json.loads(text)]
