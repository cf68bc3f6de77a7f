"""Enrolment over time: cumulative enrolments, unenrolments, full participation, purchases.

Counts are of enrolments with role ``learner`` (not the course team) unless ``roles``
says otherwise. Times are UTC; a day is a UTC calendar day.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..store import per_course  # noqa: I001
from ._time import resolve_time, window_mask
from .arrays import ns

if TYPE_CHECKING:
    from flbook.store import Course

__all__ = [
    "ENROLMENT_MEASURES",
    "enrolment_timeline",
    "daily_enrolments",
    "busiest_days",
    "time_to_unenrol",
    "time_to_full_participation",
    "duration_summary",
    "DURATION_LABELS",
    "COHORTS",
    "cohort_summary",
]

ENROLMENT_MEASURES: dict[str, str] = {
    "enrolled": "enrolled_at",
    "unenrolled": "unenrolled_at",
    "fully_participated": "fully_participated_at",
    "purchased": "purchased_statement_at",
}
"""Measure name → the enrolments column that dates it."""

_DURATION_MEASURES = ("days", "study_days")

DURATION_LABELS: dict[str, str] = {
    "days": "days from enrolment",
    "study_days": "study days (from the start, or a later enrolment)",
}
"""Readable names of the duration measures, as :func:`duration_summary` writes them."""

COHORTS: dict[str, tuple[Any, Any]] = {
    "enrolled before the start": (None, "start"),
    "enrolled on or after the start": ("start", None),
}
"""The default cohorts of :func:`cohort_summary`: ``{name: (start, end)}`` windows of
the enrolment time (start included, end excluded, ``None`` open)."""


def _enrolments(course: Course, columns, *, roles, cohort) -> pd.DataFrame:
    """Learner enrolments (chosen roles), limited to a cohort enrolled in a window."""
    cols = list(dict.fromkeys(["role", "enrolled_at", *columns]))
    enr = course.table("enrolments", cols)
    keep = enr["role"].astype("object").isin(roles).to_numpy(copy=True)
    if cohort is not None:
        if not isinstance(cohort, tuple | list) or len(cohort) != 2:
            raise ValueError(
                "cohort must be a (start, end) pair, e.g. ('registration open', 'start')"
            )
        keep &= window_mask(
            enr["enrolled_at"], cohort[0], cohort[1], config=getattr(course, "config", None)
        )
    return enr.loc[keep, list(dict.fromkeys(["enrolled_at", *columns]))]


def _periods(times: pd.Series, freq: str) -> pd.PeriodIndex:
    naive = times.dropna().dt.tz_convert("UTC").dt.tz_localize(None)
    return pd.PeriodIndex(naive, freq=freq)


def _timeline(frame: pd.DataFrame, measures: dict[str, str], freq: str) -> pd.DataFrame:
    names = list(measures)
    periods = {m: _periods(frame[c], freq) for m, c in measures.items()}
    used = [p for p in periods.values() if len(p)]
    if not used:
        return pd.DataFrame(
            {
                "date": pd.Series([], dtype="datetime64[ns, UTC]"),
                "measure": pd.Categorical([], categories=names),
                "learners": pd.Series([], dtype="int64"),
                "cumulative": pd.Series([], dtype="int64"),
            }
        )
    first = min(p.min() for p in used)
    last = max(p.max() for p in used)
    grid = pd.period_range(first, last, freq=freq)
    n = len(grid)
    base = first.ordinal
    counts = np.zeros((len(names), n), dtype="int64")
    for i, m in enumerate(names):  # four measures
        p = periods[m]
        if len(p):
            counts[i] = np.bincount(p.asi8 - base, minlength=n)[:n]
    dates = grid.to_timestamp(how="start").tz_localize("UTC").astype("datetime64[ns, UTC]")
    return pd.DataFrame(
        {
            "date": np.tile(dates.to_numpy(), len(names)),
            "measure": pd.Categorical(np.repeat(names, n), categories=names),
            "learners": counts.ravel(),
            "cumulative": np.cumsum(counts, axis=1).ravel(),
        }
    ).astype({"date": "datetime64[ns, UTC]"})


def enrolment_timeline(
    course: Course,
    *,
    freq: str = "D",
    cohort: tuple[Any, Any] | None = None,
    roles: tuple[str, ...] = ("learner",),
) -> pd.DataFrame:
    """Enrolments, unenrolments, full participation and purchases over time, and their running totals.

    Answers "when did learners join, and did they join in waves (announcement,
    newsletters, start day)?", "when did they leave?", "when did they finish?".

    Parameters
    ----------
    course : a :class:`~flbook.store.Course`.
    freq : the period each row counts: ``"D"`` (day, default), ``"h"`` (hour), ``"W"``
        (calendar week, Monday to Sunday), ``"M"`` (month): any pandas period alias.
    cohort : only learners who *enrolled* in this window, a ``(start, end)`` pair
        resolved like :func:`~flbook.analysis.in_window` (start included, end
        excluded; ``None`` for open): e.g. ``("registration open", "start")`` (enrolled
        before the start), ``("start", None)`` (after it), ``("start", "1 day after
        start")`` (on the start day). Date expressions need ``course.config``.
    roles : the enrolment roles counted (default learners only).

    Returns
    -------
    DataFrame
        one row per period and measure, every period from the first event to the last
        (periods without events count 0):

        - ``date``: start of the period (UTC timestamp);
        - ``measure``: ``enrolled``, ``unenrolled``, ``fully_participated`` or
          ``purchased`` (a Categorical in that order);
        - ``learners``: learners for whom it happened in the period;
        - ``cumulative``: running total up to the end of the period.

    Examples
    --------
    >>> import pandas as pd
    >>> from flbook.store import Course
    >>> course = Course.from_frames(enrolments=pd.DataFrame({
    ...     "learner_id": ["a", "b", "c"], "role": ["learner"] * 3,
    ...     "enrolled_at": ["2024-02-01 09:00:00", "2024-02-01 17:00:00",
    ...                     "2024-02-03 10:00:00"],
    ...     "unenrolled_at": [None, "2024-02-02 08:00:00", None]}))
    >>> t = enrolment_timeline(course)
    >>> t[t["measure"].isin(["enrolled", "unenrolled"])].assign(
    ...     date=lambda d: d["date"].dt.strftime("%d %b"))
         date     measure  learners  cumulative
    0  01 Feb    enrolled         2           2
    1  02 Feb    enrolled         0           2
    2  03 Feb    enrolled         1           3
    3  01 Feb  unenrolled         0           0
    4  02 Feb  unenrolled         1           1
    5  03 Feb  unenrolled         0           1
    """
    frame = _enrolments(course, list(ENROLMENT_MEASURES.values()), roles=roles, cohort=cohort)
    return _timeline(frame, ENROLMENT_MEASURES, freq)


@per_course
def daily_enrolments(
    course: Course,
    *,
    cohort: tuple[Any, Any] | None = None,
    roles: tuple[str, ...] = ("learner",),
) -> pd.DataFrame:
    """Enrolments and unenrolments per day.

    Answers "on which days did learners join or leave?". Every day from the first
    enrolment or unenrolment to the last has a row per measure (0 on quiet days).

    Parameters
    ----------
    course : a :class:`~flbook.store.Course`.
    cohort : only learners who enrolled in this ``(start, end)`` window (see
        :func:`enrolment_timeline`).
    roles : the enrolment roles counted (default learners only).

    Returns
    -------
    DataFrame
        ``date`` (UTC midnight), ``measure`` (``enrolled`` or ``unenrolled``,
        Categorical) and ``learners`` (how many enrolled or unenrolled that day).

    Examples
    --------
    >>> import pandas as pd
    >>> from flbook.store import Course
    >>> course = Course.from_frames(enrolments=pd.DataFrame({
    ...     "learner_id": ["a", "b"], "role": ["learner"] * 2,
    ...     "enrolled_at": ["2024-02-01 09:00:00", "2024-02-01 17:00:00"],
    ...     "unenrolled_at": [None, "2024-02-02 08:00:00"]}))
    >>> daily_enrolments(course).assign(date=lambda d: d["date"].dt.strftime("%d %b"))
         date     measure  learners
    0  01 Feb    enrolled         2
    1  02 Feb    enrolled         0
    2  01 Feb  unenrolled         0
    3  02 Feb  unenrolled         1
    """
    measures = {k: ENROLMENT_MEASURES[k] for k in ("enrolled", "unenrolled")}
    frame = _enrolments(course, list(measures.values()), roles=roles, cohort=cohort)
    return _timeline(frame, measures, "D").drop(columns="cumulative")


def busiest_days(
    course: Course,
    *,
    top: int = 5,
    dates: dict | None = None,
    roles: tuple[str, ...] = ("learner",),
) -> pd.DataFrame:
    """The ``top`` days with the most enrolments, and what happened on them.

    Answers "which days brought learners in?" — often the registration opening, a
    newsletter, the start day.

    Parameters
    ----------
    course : a :class:`~flbook.store.Course`.
    top : how many days.
    dates : named dates to match (``{name: date}``); default ``course.config.named_dates``
        (registration open, start, later week starts, end, notable dates) when there is
        a config.
    roles : the enrolment roles counted (default learners only).

    Returns
    -------
    DataFrame
        one row per day, busiest first (ties: earlier first):

        - ``date``: the day (UTC midnight);
        - ``weekday``: its name (``"Monday"``);
        - ``learners``: enrolments that day;
        - ``pct_of_enrolled``: as a percentage of all enrolments;
        - ``named_date``: the named dates falling on that day (``""`` if none).

    Examples
    --------
    >>> import pandas as pd
    >>> from flbook.store import Course
    >>> course = Course.from_frames(enrolments=pd.DataFrame({
    ...     "learner_id": ["a", "b", "c"], "role": ["learner"] * 3,
    ...     "enrolled_at": ["2024-02-05 09:00:00", "2024-02-05 17:00:00",
    ...                     "2024-02-03 10:00:00"]}))
    >>> busiest_days(course, top=2, dates={"start": "2024-02-05"})[
    ...     ["named_date", "weekday", "learners", "pct_of_enrolled"]]
      named_date   weekday  learners  pct_of_enrolled
    0      start    Monday         2        66.666667
    1             Saturday         1        33.333333
    """
    daily = daily_enrolments(course, roles=roles)
    daily = daily[daily["measure"] == "enrolled"]
    total = int(daily["learners"].sum())
    busiest = (
        daily[daily["learners"] > 0]
        .sort_values(["learners", "date"], ascending=[False, True], kind="stable")
        .head(top)
    )
    if dates is None:
        config = getattr(course, "config", None)
        named = config.named_dates if config is not None else {}
        dates = {k: v for k, v in named.items() if k != "week 1"}  # week 1 is the start
    names: dict[pd.Timestamp, list[str]] = {}
    for name, d in dates.items():  # a handful of named dates
        names.setdefault(resolve_time(d).normalize(), []).append(str(name))
    labels = {k: ", ".join(v) for k, v in names.items()}
    out = pd.DataFrame(
        {
            "date": busiest["date"].to_numpy(),
            "weekday": busiest["date"].dt.day_name().astype("str").to_numpy(),
            "learners": busiest["learners"].to_numpy(dtype="int64"),
            "pct_of_enrolled": busiest["learners"].to_numpy(dtype="float64")
            * 100.0
            / max(total, 1),
            "named_date": busiest["date"].map(labels).fillna("").astype("str").to_numpy(),
        }
    )
    return out.astype({"date": "datetime64[ns, UTC]", "weekday": "str", "named_date": "str"})


def _durations(course: Course, column: str, *, start, roles) -> pd.DataFrame:
    enr = _enrolments(course, [column], roles=roles, cohort=None)
    enr = enr[enr[column].notna()]
    ns_per_day = 86_400 * 10**9
    ended = ns(enr[column])
    began = ns(enr["enrolled_at"])
    values = {"days": np.maximum((ended - began) // ns_per_day, 0)}
    config = getattr(course, "config", None)
    if start is None and config is not None:
        start = config.start
    if start is not None:
        s = resolve_time(start, config=config).value
        values["study_days"] = np.maximum((ended - np.maximum(began, s)) // ns_per_day, 0)
    measures, days, learners = [], [], []
    for m, v in values.items():  # two measures
        counts = np.bincount(v) if len(v) else np.zeros(0, dtype="int64")
        measures.append(np.repeat(m, len(counts)))
        days.append(np.arange(len(counts), dtype="int64"))
        learners.append(counts.astype("int64"))
    return pd.DataFrame(
        {
            "measure": pd.Categorical(
                np.concatenate(measures) if measures else [], categories=_DURATION_MEASURES
            ),
            "days": np.concatenate(days).astype("int64"),
            "learners": np.concatenate(learners).astype("int64"),
        }
    )


def time_to_unenrol(
    course: Course,
    *,
    start: Any = None,
    roles: tuple[str, ...] = ("learner",),
) -> pd.DataFrame:
    """How long learners who unenrolled stayed enrolled: a histogram, in days and study days.

    Answers "do learners leave straight away, before the course starts, or after a few
    weeks of study?". Two measures, each counted in whole days (day 0 = within 24 hours):

    - ``days``: from enrolment to unenrolment;
    - ``study_days``: from the later of enrolment and the course start (midnight UTC)
      to unenrolment. Learners who left before the course started count 0 study days.
      Only given when the start date is known (``start=`` or ``course.config``).

    A negative duration (an unenrolment stamped before its enrolment) counts as 0.

    Parameters
    ----------
    course : a :class:`~flbook.store.Course`.
    start : the course start date (default ``course.config.start``).
    roles : the enrolment roles counted (default learners only).

    Returns
    -------
    DataFrame
        one row per measure and whole day, from 0 to the longest (days without
        learners count 0), ready for a histogram:

        - ``measure``: ``days`` or ``study_days`` (Categorical);
        - ``days``: the whole number of days;
        - ``learners``: learners who unenrolled after that many days.

        The learners of each measure add up to the learners who unenrolled.
        :func:`duration_summary` gives the median and quartiles.

    Examples
    --------
    >>> import pandas as pd
    >>> from flbook.store import Course
    >>> course = Course.from_frames(enrolments=pd.DataFrame({
    ...     "learner_id": ["early", "late"], "role": ["learner"] * 2,
    ...     "enrolled_at": ["2024-01-30 09:00:00", "2024-02-07 09:00:00"],
    ...     "unenrolled_at": ["2024-02-07 10:00:00", "2024-02-08 10:00:00"]}))
    >>> time_to_unenrol(course, start="2024-02-05")
           measure  days  learners
    0         days     0         0
    1         days     1         1
    2         days     2         0
    3         days     3         0
    4         days     4         0
    5         days     5         0
    6         days     6         0
    7         days     7         0
    8         days     8         1
    9   study_days     0         0
    10  study_days     1         1
    11  study_days     2         1
    """
    return _durations(course, "unenrolled_at", start=start, roles=roles)


def time_to_full_participation(
    course: Course,
    *,
    start: Any = None,
    roles: tuple[str, ...] = ("learner",),
) -> pd.DataFrame:
    """How long learners took to fully participate: a histogram, in days and study days.

    Answers "how quickly do learners finish?". On a course whose weeks open one at a
    time, ``study_days`` peaks near 7 × the number of weeks (learners keep pace).
    The measures are those of :func:`time_to_unenrol`, ending at full participation
    (``days`` from enrolment; ``study_days`` from the later of enrolment and the course
    start, counting 0 for anyone who finished before the start).

    Parameters
    ----------
    course : a :class:`~flbook.store.Course`.
    start : the course start date (default ``course.config.start``).
    roles : the enrolment roles counted (default learners only).

    Returns
    -------
    DataFrame
        ``measure`` (``days`` or ``study_days``), ``days`` (whole days, every day from 0
        to the longest) and ``learners`` (learners who fully participated after that many
        days). The learners of each measure add up to those who fully participated.

    Examples
    --------
    >>> import pandas as pd
    >>> from flbook.store import Course
    >>> course = Course.from_frames(enrolments=pd.DataFrame({
    ...     "learner_id": ["a", "b"], "role": ["learner"] * 2,
    ...     "enrolled_at": ["2024-01-30 09:00:00", "2024-02-07 09:00:00"],
    ...     "fully_participated_at": ["2024-02-08 10:00:00", None]}))
    >>> t = time_to_full_participation(course, start="2024-02-05")
    >>> t[t["learners"] > 0]
           measure  days  learners
    9         days     9         1
    13  study_days     3         1
    """
    return _durations(course, "fully_participated_at", start=start, roles=roles)


def duration_summary(data: pd.DataFrame, *, readable: bool = True) -> pd.DataFrame:
    """Median, quartiles, mean and longest of a duration histogram.

    Summarises what :func:`time_to_unenrol` or :func:`time_to_full_participation`
    returned, from its whole days (so a median of 3 means "3 whole days").

    Parameters
    ----------
    data : a table with ``measure``, ``days`` and ``learners`` columns.
    readable : name the measures in words (:data:`DURATION_LABELS`: ``"days from
        enrolment"``, ``"study days (from the start, or a later enrolment)"``), ready
        for a table in a report (default). ``False`` keeps the histogram's names
        (``"days"``, ``"study_days"``), e.g. to pick a row by name.

    Returns
    -------
    DataFrame
        one row per measure: ``measure`` (Categorical, in the histogram's order),
        ``learners`` (how many), ``mean_days``, ``median_days``, ``p25_days``,
        ``p75_days`` (quartiles: a quarter of learners took at most ``p25_days``) and
        ``max_days``. Quantiles are whole days (the smallest day by which that share of
        learners is reached). Measures without any learner are left out.

    Examples
    --------
    >>> import pandas as pd
    >>> hist = pd.DataFrame({"measure": ["days"] * 4, "days": [0, 1, 2, 3],
    ...                      "learners": [1, 0, 2, 1]})
    >>> duration_summary(hist)[["measure", "learners", "mean_days", "median_days", "max_days"]]
                   measure  learners  mean_days  median_days  max_days
    0  days from enrolment         4       1.75            2         3
    >>> duration_summary(hist, readable=False)["measure"].tolist()
    ['days']
    """
    cols = ["measure", "learners", "mean_days", "median_days", "p25_days", "p75_days", "max_days"]
    rows = []
    measure = data["measure"]
    names = (
        list(measure.cat.categories)
        if isinstance(measure.dtype, pd.CategoricalDtype)
        else list(pd.unique(measure))
    )
    for m in names:  # two measures
        part = data[(measure == m).to_numpy() & (data["learners"] > 0).to_numpy()]
        part = part.sort_values("days")
        days = part["days"].to_numpy(dtype="int64")
        counts = part["learners"].to_numpy(dtype="int64")
        total = int(counts.sum())
        if total == 0:
            continue
        cum = np.cumsum(counts)

        def q(share: float, days=days, cum=cum, total=total) -> int:
            return int(days[np.searchsorted(cum, share * total, side="left")])

        rows.append(
            {
                "measure": m,
                "learners": total,
                "mean_days": float((days * counts).sum() / total),
                "median_days": q(0.5),
                "p25_days": q(0.25),
                "p75_days": q(0.75),
                "max_days": int(days.max()),
            }
        )
    out = pd.DataFrame(rows, columns=cols)
    cat = (
        measure.dtype
        if isinstance(measure.dtype, pd.CategoricalDtype)
        else pd.CategoricalDtype(names)
    )
    out = out.astype(
        {
            "measure": cat,
            "learners": "int64",
            "mean_days": "float64",
            "median_days": "int64",
            "p25_days": "int64",
            "p75_days": "int64",
            "max_days": "int64",
        }
    )
    if readable:
        labels = {c: DURATION_LABELS.get(str(c), str(c).replace("_", " ")) for c in cat.categories}
        out["measure"] = out["measure"].cat.rename_categories(labels)
    return out


_COHORT_FLAGS = ("unenrolled", "visited", "fully_participated", "purchased")


def cohort_summary(
    course: Course,
    *,
    cohorts: dict[str, tuple[Any, Any]] | None = None,
    roles: tuple[str, ...] = ("learner",),
) -> pd.DataFrame:
    """Cohorts of learners by when they enrolled: how many, and what became of them.

    Answers "are learners who enrol before the start more likely to finish than those
    who join once the course is running?" with numbers a report can quote: for each
    cohort, the share who left, who visited a step, who fully participated and who
    bought a certificate. Learners are grouped by their enrolment time; a learner
    enrolled more than once counts in the cohort of each enrolment.

    Parameters
    ----------
    course : a :class:`~flbook.store.Course`.
    cohorts : ``{name: (start, end)}`` windows of the enrolment time, resolved like
        :func:`~flbook.analysis.in_window` (start included, end excluded, ``None``
        open; date expressions such as ``"start"`` or ``"5 days before start"`` need
        ``course.config``). Default :data:`COHORTS`: ``"enrolled before the start"``
        ``(None, "start")`` and ``"enrolled on or after the start"`` ``("start",
        None)``. Cohorts may overlap or leave learners out.
    roles : the enrolment roles counted (default learners only).

    Returns
    -------
    DataFrame
        one row per cohort, in the order given:

        - ``cohort``: its name;
        - ``learners``: learners who enrolled in the window;
        - ``pct_unenrolled``: % of them who unenrolled;
        - ``pct_visited``: % who visited at least one step;
        - ``pct_fully_participated``: % who fully participated;
        - ``pct_purchased``: % who bought a certificate.

        A cohort without learners has empty (NaN) percentages. Without cohorts, or
        without any learner, an empty table with these columns.

    Examples
    --------
    >>> import pandas as pd
    >>> from flbook.store import Course
    >>> course = Course.from_frames(
    ...     enrolments=pd.DataFrame({
    ...         "learner_id": ["a", "b", "c", "d"], "role": ["learner"] * 4,
    ...         "enrolled_at": ["2024-01-20 09:00:00", "2024-02-01 10:00:00",
    ...                         "2024-02-05 08:00:00", "2024-02-09 12:00:00"],
    ...         "unenrolled_at": [None, "2024-02-02 10:00:00", None, None],
    ...         "fully_participated_at": ["2024-02-20 10:00:00", None, None, None]}),
    ...     step_activity=pd.DataFrame({
    ...         "learner_id": ["a", "c"], "step": ["1.1", "1.1"],
    ...         "first_visited_at": ["2024-02-05 10:00:00", "2024-02-05 11:00:00"]}))
    >>> cohort_summary(
    ...     course,
    ...     cohorts={"before the start": (None, "2024-02-05"), "from the start": ("2024-02-05", None)},
    ... )[["cohort", "learners", "pct_unenrolled", "pct_fully_participated"]]
                 cohort  learners  pct_unenrolled  pct_fully_participated
    0  before the start         2            50.0                    50.0
    1    from the start         2             0.0                     0.0
    """
    from ._groups import learner_flags

    cohorts = dict(COHORTS if cohorts is None else cohorts)
    columns = ["cohort", "learners"] + [f"pct_{f}" for f in _COHORT_FLAGS]
    for name, window in cohorts.items():
        if not isinstance(window, tuple | list) or len(window) != 2:
            raise ValueError(f"cohort {name!r}: expected a (start, end) pair, e.g. (None, 'start')")
    flags = learner_flags(course, roles=roles)
    if not cohorts or len(flags) == 0:
        return pd.DataFrame(
            {
                "cohort": pd.Series([], dtype="str"),
                "learners": pd.Series([], dtype="int64"),
                **{c: pd.Series([], dtype="float64") for c in columns[2:]},
            }
        )
    enr = course.table("enrolments", ["learner_id", "role", "enrolled_at"])
    enr = enr[enr["role"].astype("object").isin(roles)]
    # learner_flags has one row per enrolment of ``enr``, in its order (checked here)
    enrolled_at = enr["enrolled_at"].reset_index(drop=True)
    aligned = len(enr) == len(flags) and np.array_equal(
        enr["learner_id"].cat.codes.to_numpy(), flags["learner_id"].cat.codes.to_numpy()
    )
    if not aligned:  # by person code: each learner's first enrolment time
        first = pd.Series(enr["enrolled_at"].to_numpy(), index=enr["learner_id"].cat.codes)
        first = first.groupby(level=0).min()
        enrolled_at = pd.Series(
            first.reindex(flags["learner_id"].cat.codes.to_numpy()).to_numpy(),
            dtype=enr["enrolled_at"].dtype,
        )
    values = np.column_stack([flags[f].to_numpy(dtype=bool) for f in _COHORT_FLAGS])
    config = getattr(course, "config", None)
    names, counts, shares = [], [], []
    for name, (start, end) in cohorts.items():  # a handful of cohorts
        inside = window_mask(enrolled_at, start, end, config=config)
        n = int(inside.sum())
        names.append(str(name))
        counts.append(n)
        shares.append(
            values[inside].sum(axis=0) * 100.0 / n if n else np.full(len(_COHORT_FLAGS), np.nan)
        )
    out = pd.DataFrame(
        {
            "cohort": pd.Series(names, dtype="str"),
            "learners": np.asarray(counts, dtype="int64"),
        }
    )
    pct = np.vstack(shares).astype("float64")
    for i, f in enumerate(_COHORT_FLAGS):
        out[f"pct_{f}"] = pct[:, i]
    return out[columns]
