"""Identifiable details of the demo's people, invented so that no one can take them for real.

NHS numbers come from the range the Spine never issues (synthetic and test patients, as the
`nhs-number` package declares it) with a valid Modulus 11 check digit; names are drawn from
Faker's en_GB lists; mobiles from Ofcom's drama range (07700 900xxx); postcodes are real
postcodes of the person's LSOA, which alone identify no one. Pages and exports label them
as synthetic (the dataset's kind).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from faker.providers.person.en_GB import Provider as NamesEnGB

from phm.synth import assumptions as A
from phm.synth.random import rng_for

# Weights of 1..9 for the first nine digits (NHS Data Dictionary, NHS number check digit).
MOD11_WEIGHTS = np.arange(10, 1, -1)
_STRIDE = 48_271  # coprime with the span, so index -> base is one-to-one


def check_digits(bases: np.ndarray) -> np.ndarray:
    """Return the Modulus 11 check digit of 9-digit bases (10 means the base has no valid number)."""
    digits = (bases[:, None] // 10 ** np.arange(8, -1, -1)) % 10
    remainder = (digits * MOD11_WEIGHTS).sum(axis=1) % 11
    check = 11 - remainder
    return np.where(check == 11, 0, check)


def demo_nhs_numbers(n: int, seed: int) -> np.ndarray:
    """Return n distinct valid NHS numbers from the test range, as 10-digit strings."""
    offset = int(rng_for(seed, "identity.nhs").integers(0, A.TEST_NHS_NUMBER_SPAN))
    chosen: list[np.ndarray] = []
    start, have = 0, 0
    while have < n:
        count = int((n - have) * 1.15) + 16
        index = np.arange(start, start + count, dtype=np.int64)
        if index[-1] >= A.TEST_NHS_NUMBER_SPAN:
            raise ValueError("more people than the test range of NHS numbers holds")
        bases = A.TEST_NHS_NUMBER_FIRST + (offset + index * _STRIDE) % A.TEST_NHS_NUMBER_SPAN
        check = check_digits(bases)
        valid = bases[check != 10] * 10 + check[check != 10]
        chosen.append(valid[: n - have])
        have += len(chosen[-1])
        start += count
    return np.concatenate(chosen).astype(str)


def _names(sex: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Return given and family names drawn from Faker's en_GB lists (family names by weight)."""
    female = np.array(NamesEnGB.first_names_female, dtype=object)
    male = np.array(NamesEnGB.first_names_male, dtype=object)
    n = len(sex)
    given = np.where(
        sex == "F", female[rng.integers(0, len(female), n)], male[rng.integers(0, len(male), n)]
    )
    family_names = np.array(list(NamesEnGB.last_names), dtype=object)
    weights = np.array(list(NamesEnGB.last_names.values()), dtype=float)
    family = family_names[rng.choice(len(family_names), size=n, p=weights / weights.sum())]
    return given, family


def _postcodes(
    lsoa_codes: np.ndarray, postcodes: pd.DataFrame | None, rng: np.random.Generator
) -> np.ndarray:
    """Return a live postcode of each person's LSOA (None where the reference has none)."""
    out = np.full(len(lsoa_codes), None, dtype=object)
    if postcodes is None or postcodes.empty:
        return out
    live = postcodes[postcodes["is_live"]] if "is_live" in postcodes else postcodes
    grouped = live.groupby("lsoa_code")["postcode"].agg(list)
    frame = pd.Series(np.arange(len(lsoa_codes))).groupby(lsoa_codes)
    for lsoa, rows in frame.groups.items():
        if lsoa in grouped.index:
            options = np.array(grouped[lsoa], dtype=object)
            out[np.asarray(rows)] = options[rng.integers(0, len(options), len(rows))]
    return out


def build_identities(
    people: pd.DataFrame, postcodes: pd.DataFrame | None, seed: int
) -> pd.DataFrame:
    """Return one identity row per person: NHS number, name, birth date, contacts, deceased."""
    n = len(people)
    rng = rng_for(seed, "identity.details")
    sex = people["sex"].to_numpy()
    given, family = _names(sex, rng)
    month_start = people["birth_date"].to_numpy().astype("datetime64[D]")
    days_in_month = (
        (month_start.astype("datetime64[M]") + 1).astype("datetime64[D]") - month_start
    ).astype(int)
    birth = month_start + (rng.random(n) * days_in_month).astype("timedelta64[D]")
    has_mobile = rng.random(n) < A.HAS_MOBILE
    mobile = np.char.add(
        A.DRAMA_MOBILE_PREFIX, np.char.zfill(rng.integers(0, 1000, n).astype(str), 3)
    )
    methods = list(A.CONTACT_METHOD_SHARES)
    shares = np.array(list(A.CONTACT_METHOD_SHARES.values()))
    method = np.array(methods, dtype=object)[rng.choice(len(methods), size=n, p=shares)]
    method = np.where(has_mobile, method, np.where(rng.random(n) < 0.75, "phone", "letter"))
    died = people["registration_end_reason"].astype("string").fillna("").to_numpy() == "died"
    deceased = died | (rng.random(n) < A.SPINE_DECEASED_AHEAD)
    return pd.DataFrame(
        {
            "person_id": people["person_id"].to_numpy(),
            "practice_code": people["practice_code"].to_numpy(),
            "nhs_number": demo_nhs_numbers(n, seed),
            "given_name": given,
            "family_name": family,
            "birth_date": birth,
            "mobile": pd.array(np.where(has_mobile, mobile.astype(object), None), dtype="string"),
            "postcode": pd.array(
                _postcodes(people["lsoa_code"].to_numpy(), postcodes, rng), dtype="string"
            ),
            "contact_method": method,
            "accepts_messages": rng.random(n) >= A.DECLINES_MESSAGES,
            "is_deceased": deceased,
        }
    )
