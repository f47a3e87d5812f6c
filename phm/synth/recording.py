"""Incomplete recording: which people's ethnicity and first language reach the GP record.

The people are drawn with a true ethnic category and first language (`build_people`). Here each
is recorded, or not, in a way that depends on the practice, age, sex, new registration and
ethnicity (phm.synth.assumptions, "Recording completeness"): an ethnicity missing from the GP
record is filled from a linked hospital record for some (`ethnicity_source` 'hospital'), and the
rest get 99 (not known, source 'none'); a first language missing from the record becomes
'Not recorded'. The intercepts are solved on the generated population so that GP-only and
linked completeness meet the targets. The true values are kept in `ethnicity_true` and
`language_true` for the uptake model and dropped before the database is written.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from phm import codes
from phm.synth import assumptions as A
from phm.synth.random import rng_for, sigmoid, step_values

HIDDEN_COLUMNS = ("ethnicity_true", "language_true")


def solve_intercept(offsets: np.ndarray, target_sum: float) -> float:
    """Return a such that sum(sigmoid(a + offsets)) equals target_sum (bisection, monotone)."""
    if offsets.size == 0:
        return 0.0
    target = min(max(target_sum, 1e-9), offsets.size - 1e-9)
    low, high = -30.0, 30.0
    for _ in range(100):
        mid = (low + high) / 2
        if sigmoid(mid + offsets).sum() < target:
            low = mid
        else:
            high = mid
    return (low + high) / 2


def _practice_effects(practice: np.ndarray, seed: int) -> tuple[dict[str, float], dict[str, float]]:
    """Return each practice's log odds of recording ethnicity and of leaving language unrecorded."""
    names = sorted(set(practice.tolist()))
    rng = rng_for(seed, "recording.practices")
    z_eth = rng.standard_normal(len(names))
    z_other = rng.standard_normal(len(names))
    rho = A.LANGUAGE_PRACTICE_CORRELATION
    ethnicity = A.ETHNICITY_GP_PRACTICE_SD * z_eth
    # A practice that records ethnicity well tends to record language well too.
    language_missing = -A.LANGUAGE_PRACTICE_SD * (rho * z_eth + np.sqrt(1 - rho**2) * z_other)
    return dict(zip(names, ethnicity, strict=True)), dict(zip(names, language_missing, strict=True))


def record(people: pd.DataFrame, seed: int) -> pd.DataFrame:
    """Return `people` with recorded ethnicity, its source and first language (true ones kept).

    Needs the columns age, sex, practice_code, registered_from, ethnicity_code and
    main_language (the true values on entry).
    """
    out = people.copy()
    n = len(out)
    true_eth = out["ethnicity_code"].to_numpy(dtype=object)
    true_lang = out["main_language"].to_numpy(dtype=object)
    out["ethnicity_true"] = true_eth
    out["language_true"] = true_lang
    age = out["age"].to_numpy()
    practice = out["practice_code"].to_numpy(dtype=object)
    eth_effect, lang_effect = _practice_effects(practice, seed)
    new = out["registered_from"].to_numpy() >= np.datetime64(A.PROGRAMME_START)

    # 1. The GP record: 'not stated' (Z) is an answer given to the practice, so it is recorded.
    stated_z = true_eth == codes.ETHNICITY_NOT_STATED
    offsets = (
        np.array([eth_effect[p] for p in practice])
        + step_values(A.ETHNICITY_GP_AGE_LOGIT, age)
        + A.ETHNICITY_GP_MALE_LOGIT * (out["sex"].to_numpy() == "M")
        + A.ETHNICITY_GP_NEW_REGISTRATION_LOGIT * new
        + np.array([A.ETHNICITY_GP_GROUP_LOGIT.get(c, 0.0) for c in true_eth])
    )
    askable = ~stated_z
    a = solve_intercept(offsets[askable], A.ETHNICITY_GP_COMPLETENESS * n - stated_z.sum())
    rng = rng_for(seed, "recording.ethnicity_gp")
    in_gp = stated_z | (askable & (rng.random(n) < sigmoid(a + offsets)))

    # 2. Linked hospital records fill some of the gaps.
    gap = ~in_gp
    h_offsets = step_values(A.ETHNICITY_HOSPITAL_AGE_LOGIT, age)
    b = solve_intercept(h_offsets[gap], A.ETHNICITY_LINKED_COMPLETENESS * n - in_gp.sum())
    rng = rng_for(seed, "recording.ethnicity_linked")
    linked = gap & (rng.random(n) < sigmoid(b + h_offsets))
    unknown = gap & ~linked
    out["ethnicity_code"] = np.where(unknown, codes.ETHNICITY_NOT_KNOWN, true_eth)
    out["ethnicity_source"] = np.where(in_gp, "gp", np.where(linked, "hospital", "none"))

    # 3. First language: missing by practice and age, more often where ethnicity is missing.
    l_offsets = (
        np.array([lang_effect[p] for p in practice])
        + step_values(A.LANGUAGE_MISSING_AGE_LOGIT, age)
        + A.LANGUAGE_MISSING_NO_ETHNICITY_LOGIT * gap
    )
    c = solve_intercept(l_offsets, A.LANGUAGE_NOT_RECORDED_SHARE * n)
    rng = rng_for(seed, "recording.language")
    missing = rng.random(n) < sigmoid(c + l_offsets)
    out["main_language"] = np.where(missing, codes.LANGUAGE_NOT_RECORDED, true_lang)
    return out
