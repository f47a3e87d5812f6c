"""Record-key sums for hand-made uptake frames in unit tests (the database computes real ones)."""

import numpy as np
import pandas as pd


def with_keys(frame: pd.DataFrame, seed: int = 0) -> pd.DataFrame:
    """Return the frame with vaccinated_key and population_key as sums of random record keys.

    Each row's people get keys 0..255; the vaccinated are the first of them, so the
    vaccinated sum is part of the population sum, as in the database.
    """
    rng = np.random.default_rng(seed)
    vaccinated_key, population_key = [], []
    for vaccinated, population in zip(frame["vaccinated"], frame["population"], strict=True):
        keys = rng.integers(0, 256, int(population))
        vaccinated_key.append(int(keys[: int(vaccinated)].sum()))
        population_key.append(int(keys.sum()))
    return frame.assign(vaccinated_key=vaccinated_key, population_key=population_key)
