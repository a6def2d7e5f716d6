"""Population screening: the programme's eligibility criteria compiled to dataframe
expressions through narwhals, so one programme definition screens Polars, DuckDB, Dask,
PySpark, pandas or PyArrow frames (install the ``population`` extra).

>>> from casemgmt.population import screen, find_cases
"""

from casemgmt.population._columns import Columns
from casemgmt.population._screen import (
    OUTPUT_COLUMNS,
    CaseFinding,
    GroupExclusions,
    ReasonCount,
    Screening,
    find_cases,
    screen,
    summarise,
)

__all__ = [
    "OUTPUT_COLUMNS",
    "CaseFinding",
    "Columns",
    "GroupExclusions",
    "ReasonCount",
    "Screening",
    "find_cases",
    "screen",
    "summarise",
]
