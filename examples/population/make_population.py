"""Make ``population.csv``: a synthetic population for ``casemgmt screen``.

Every row is invented: the ids are sequence numbers and nothing else identifies anyone. The
numbers come from numpy's ``default_rng`` with a fixed seed and every date is counted back
from a fixed day (never the clock), so running the script again gives the same file::

    .venv/bin/python examples/population/make_population.py [OUT.csv]

Older people have more long-term conditions; predicted risk rises with age, conditions and
deprivation (quintile 1 is the most deprived); admissions follow risk. A few values of
every column except ``id`` are missing (empty in the CSV), as in real extracts.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import numpy as np
import polars as pl

SEED = 20260105
ROWS = 5000
REFERENCE_DAY = dt.date(2026, 1, 5)
"""Ages are counted back from this day: the day the example screen runs for."""

# The share of missing values in each column.
MISSING = {
    "date_of_birth": 0.005,
    "predicted_risk": 0.02,
    "emergency_admissions_12m": 0.01,
    "long_term_conditions": 0.01,
    "nursing_home_level_of_need": 0.03,
    "consent_case_management": 0.02,
    "consent_record_sharing": 0.03,
    "already_case_managed": 0.01,
    "same_service_elsewhere": 0.02,
    "deprivation_quintile": 0.03,
}


def population(rows: int = ROWS, seed: int = SEED) -> pl.DataFrame:
    """The synthetic population: ``rows`` people drawn with ``seed``."""
    rng = np.random.default_rng(seed)
    quintile = rng.integers(1, 6, size=rows)
    age = np.clip(rng.normal(54.0, 19.0, size=rows), 18.0, 102.0).astype(np.int64)
    days_old = age * 365 + age // 4 + rng.integers(0, 365, size=rows)
    date_of_birth = np.datetime64(REFERENCE_DAY, "D") - days_old.astype("timedelta64[D]")
    conditions = np.minimum(rng.poisson(0.3 + np.maximum(age - 40, 0) / 14.0), 9)
    score = (
        -3.7
        + 0.035 * (age - 50)
        + 0.45 * conditions
        + 0.25 * (3 - quintile)
        + rng.normal(0.0, 0.9, size=rows)
    )
    risk = np.round(1.0 / (1.0 + np.exp(-score)), 3)
    admissions = rng.poisson(risk * 4.0)
    nursing = rng.random(rows) < 0.01 + 0.3 * (age >= 75) * risk
    columns: dict[str, np.ndarray] = {
        "date_of_birth": date_of_birth,
        "predicted_risk": risk,
        "emergency_admissions_12m": admissions,
        "long_term_conditions": conditions,
        "nursing_home_level_of_need": nursing,
        "consent_case_management": rng.random(rows) < 0.88,
        "consent_record_sharing": rng.random(rows) < 0.75,
        "already_case_managed": rng.random(rows) < 0.03 + 0.1 * risk,
        "same_service_elsewhere": rng.random(rows) < 0.03,
        "deprivation_quintile": quintile,
    }
    frame = pl.DataFrame({"id": [f"P{i:05d}" for i in range(1, rows + 1)], **columns})
    return frame.with_columns(
        pl.when(pl.Series(rng.random(rows) < share)).then(None).otherwise(pl.col(name)).alias(name)
        for name, share in MISSING.items()
    )


def main(argv: list[str]) -> None:
    """Write the population to ``argv[0]``, or to ``population.csv`` beside this script."""
    out = Path(argv[0]) if argv else Path(__file__).with_name("population.csv")
    population().write_csv(out)
    print(f"wrote {ROWS} people to {out}")


if __name__ == "__main__":
    main(sys.argv[1:])
