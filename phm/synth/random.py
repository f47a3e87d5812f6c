"""Seeded randomness: one seed, a sub-seed per named step."""

from __future__ import annotations

import zlib

import numpy as np


def rng_for(seed: int, step: str) -> np.random.Generator:
    """Return a generator for one named step, so changing one step doesn't reshuffle the rest."""
    return np.random.default_rng([seed, zlib.crc32(step.encode())])


def sigmoid(x: np.ndarray) -> np.ndarray:
    """Return the logistic function of x."""
    return 1.0 / (1.0 + np.exp(-x))


def step_values(edges: list[tuple[int, float]], ages: np.ndarray) -> np.ndarray:
    """Return the value of a step function given as (lower edge, value) pairs at each age."""
    lows = np.array([e for e, _ in edges])
    values = np.array([v for _, v in edges])
    return values[np.searchsorted(lows, ages, side="right") - 1]


def sample_rows(
    probabilities: np.ndarray, rows: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Draw one category per person from the probability row (e.g. LSOA) that person belongs to."""
    cdf = np.cumsum(probabilities, axis=1)
    cdf[:, -1] = 1.0
    u = rng.random(len(rows))
    out = np.empty(len(rows), dtype=np.int64)
    order = np.argsort(rows, kind="stable")
    bounds = np.searchsorted(rows[order], np.arange(probabilities.shape[0] + 1))
    for r in range(probabilities.shape[0]):
        idx = order[bounds[r] : bounds[r + 1]]
        if idx.size:
            out[idx] = np.searchsorted(cdf[r], u[idx], side="right")
    return np.minimum(out, probabilities.shape[1] - 1)
