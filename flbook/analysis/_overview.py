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
    Long DataFrame with ``date`` (UTC day), ``dataset`` and ``rows``. Each dataset has
    a row for every day from its first dated row to its last (a day without rows in
    between is a row of 0, so a gap in an export shows as zeros); the datasets come
    largest first (most rows in all; equal ones by name), each in date order.

    Examples
    --------
    >>> import pandas as pd
    >>> from flbook.store import Course
    >>> c = Course.from_frames(
    ...     enrolments=pd.DataFrame({"learner_id": ["a", "b", "c"], "role": "learner",
    ...         "enrolled_at": ["2024-02-01 10:00:00", "2024-02-01 11:00:00",
    ...                         "2024-02-03 09:00:00"]}),
    ...     comments=pd.DataFrame({"id": [1, 2, 3, 4], "author_id": "a", "step": "1.1",
    ...         "text": "hi", "timestamp": ["2024-02-05 10:00:00"] * 4}))
    >>> daily_records(c)
            date     dataset  rows
    0 2024-02-05    comments     4
    1 2024-02-01  enrolments     2
    2 2024-02-02  enrolments     0
    3 2024-02-03  enrolments     1
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
        span = pd.date_range(counts.index.min(), counts.index.max(), freq="D")
        counts = counts.reindex(span, fill_value=0)  # a day without rows is a zero
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
    # the largest dataset first (equal totals by name), each in date order
    frames.sort(key=lambda f: (-int(f["rows"].sum()), f["dataset"].iloc[0]))
    out = pd.concat(frames, ignore_index=True)
    out["rows"] = out["rows"].astype("int64")
    return out
