"""Overview of a course export: its steps per week and its records per day."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from ..exports import DATASETS

if TYPE_CHECKING:
    from flbook.store import Course

__all__ = ["steps_per_week", "daily_records"]


def steps_per_week(course: Course) -> pd.DataFrame:
    """How many steps each study week has, with its first and last step.

    Returns
    -------
    DataFrame with ``week_number``, ``steps``, ``first_step``, ``last_step``.

    Examples
    --------
    >>> import pandas as pd
    >>> from flbook.store import Course
    >>> c = Course.from_frames(step_activity=pd.DataFrame({"learner_id": ["a"] * 3,
    ...     "step": ["1.1", "1.10", "2.1"], "first_visited_at": ["2024-02-05 10:00:00"] * 3}))
    >>> steps_per_week(c)
       week_number  steps first_step last_step
    0            1      2        1.1      1.10
    1            2      1        2.1       2.1
    """
    steps = course.steps.assign(step=course.steps["step"].astype(str))
    out = (
        steps.groupby("week_number", sort=True)
        .agg(steps=("step", "size"), first_step=("step", "first"), last_step=("step", "last"))
        .reset_index()
    )
    out["steps"] = out["steps"].astype("int64")
    return out


def daily_records(course: Course, *, datasets=None) -> pd.DataFrame:
    """Rows per day in each dated export, to see what period the export covers.

    Each dataset is dated by its main timestamp (enrolments by ``enrolled_at``, step
    activity by ``first_visited_at``, comments by ``timestamp``, …). Datasets without
    rows are left out.

    Returns
    -------
    Long DataFrame with ``date`` (UTC day), ``dataset`` and ``rows``.
    """
    frames = []
    for ds in DATASETS.values():
        if ds.time_column is None or (datasets is not None and ds.name not in datasets):
            continue
        times = course.table(ds.name, [ds.time_column])[ds.time_column].dropna()
        if times.empty:
            continue
        days = times.dt.floor("D").dt.tz_localize(None)
        counts = days.value_counts(sort=False).sort_index()
        frames.append(
            pd.DataFrame({"date": counts.index, "dataset": ds.name, "rows": counts.to_numpy()})
        )
    if not frames:
        return pd.DataFrame(
            {
                "date": pd.Series(dtype="datetime64[ns]"),
                "dataset": pd.Series(dtype="object"),
                "rows": pd.Series(dtype="int64"),
            }
        )
    out = pd.concat(frames, ignore_index=True)
    out["rows"] = out["rows"].astype("int64")
    return out
