"""The campaigns export: which marketing links (UTM tags) brought learners.

FutureLearn counts, for each tagged link, the enrolments it brought, the learners who
became active and (in newer exports) the upgrades bought. Older runs may lack the file;
:func:`campaign_summary` then returns an empty table with its usual columns.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .columns import percent, text_labels

if TYPE_CHECKING:
    from ..store import Course

__all__ = ["campaign_summary"]


def campaign_summary(course: Course) -> pd.DataFrame:
    """Which marketing sources (``utm_source``) brought enrolments, active learners, upgrades?

    Older exports (6 columns) have no ``upgrades_purchased``: it is then missing (NA),
    as is its share.

    Returns
    -------
    DataFrame, one row per source, most enrolments first:
        ``utm_source`` (string; ``"(not set)"`` when empty), ``campaigns`` (campaign rows
        from that source), ``enrolments``, ``active_learners``, ``upgrades_purchased``
        (Int64), ``pct_of_enrolments``, ``pct_of_active_learners``, ``pct_of_upgrades``
        (the source's share of all tracked ones), ``pct_active`` (active learners as %
        of the source's enrolments).

    Examples
    --------
    >>> import pandas as pd
    >>> from flbook.store import Course
    >>> c = Course.from_frames(campaigns=pd.DataFrame({
    ...     "utm_source": ["google", "twitter", "google"], "enrolments": [10, 30, 20],
    ...     "active_learners": [5, 9, 10], "upgrades_purchased": [1, 0, 1]}))
    >>> campaign_summary(c)[["utm_source", "enrolments", "pct_of_enrolments", "pct_active"]]
      utm_source  enrolments  pct_of_enrolments  pct_active
    0     google          30               50.0        50.0
    1    twitter          30               50.0        30.0
    """
    t = course.table(
        "campaigns", ["utm_source", "enrolments", "active_learners", "upgrades_purchased"]
    )
    frame = pd.DataFrame(
        {
            "utm_source": text_labels(t["utm_source"]),
            "enrolments": t["enrolments"].astype("Int64"),
            "active_learners": t["active_learners"].astype("Int64"),
            "upgrades_purchased": t["upgrades_purchased"].astype("Int64"),
        }
    )
    g = frame.groupby("utm_source", sort=True, observed=True)
    out = pd.DataFrame(
        {
            "campaigns": g.size().astype(np.int64),
            "enrolments": g["enrolments"].sum(min_count=1).astype("Int64"),
            "active_learners": g["active_learners"].sum(min_count=1).astype("Int64"),
            "upgrades_purchased": g["upgrades_purchased"].sum(min_count=1).astype("Int64"),
        }
    )
    out.index = out.index.astype("string")
    out = out.rename_axis("utm_source").reset_index()
    out["utm_source"] = out["utm_source"].astype("string")

    def share(col: str) -> np.ndarray:
        v = out[col].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
        return percent(v, np.nansum(v)) if np.isfinite(v).any() else np.full(len(v), np.nan)

    out["pct_of_enrolments"] = share("enrolments")
    out["pct_of_active_learners"] = share("active_learners")
    out["pct_of_upgrades"] = share("upgrades_purchased")
    out["pct_active"] = percent(
        out["active_learners"].astype("Float64").to_numpy(dtype=float, na_value=np.nan),
        out["enrolments"].astype("Float64").to_numpy(dtype=float, na_value=np.nan),
    )
    out["_e"] = out["enrolments"].fillna(-1)
    out = out.sort_values(["_e", "utm_source"], ascending=[False, True], kind="stable")
    return out.drop(columns="_e").reset_index(drop=True)
