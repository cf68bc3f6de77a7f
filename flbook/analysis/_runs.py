"""This run against earlier runs: aligned tables, and the differences between runs.

Runs are aligned by study week and step: step ``"2.4"`` of one run is matched with
step ``"2.4"`` of another, and days are counted from each run's own start. Every
function takes the current run first and the earlier runs after it (Courses, e.g.
from :func:`flbook.predict.load_previous_runs`) and returns a long table with a
``run`` column (the run's stub) and ``current`` (True for this run).

Shares come with 95% Wilson score intervals; a difference between this run and the
earlier runs pooled (:func:`run_differences`) comes with Newcombe's hybrid score
interval (built from the two Wilson intervals). Counts under ``min_learners`` (10) are
never shown: their shares are left empty. The sentences about the differences are
written by the findings layer (:func:`flbook.findings.run_findings`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from statistics import NormalDist
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ._groups import learner_flags
from ._quiz import nth_attempt_stats
from ._steps import step_funnel
from ._surveys import sentiment_by_week

if TYPE_CHECKING:
    from flbook.store import Course

__all__ = [
    "RUN_MEASURES",
    "wilson_interval",
    "difference_interval",
    "run_labels",
    "step_alignment",
    "enrolment_curves",
    "run_funnels",
    "run_shares",
    "first_try_by_run",
    "sentiment_by_run",
    "run_differences",
]

RUN_MEASURES: dict[str, str] = {
    "visited": "visited at least one step",
    "completed": "marked at least one step complete",
    "fully_participated": "fully participated",
    "purchased": "bought a certificate or statement",
}
"""Shares of enrolled learners compared across runs, and what they mean."""


def wilson_interval(successes, trials, *, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval of a proportion, in percent.

    Parameters
    ----------
    successes, trials : counts (scalars or arrays of the same shape).
    level : confidence level.

    Returns
    -------
    (low, high) : arrays in percent; NaN where ``trials`` is 0.

    Examples
    --------
    >>> lo, hi = wilson_interval(50, 100)
    >>> round(float(lo), 1), round(float(hi), 1)
    (40.4, 59.6)
    """
    k = np.asarray(successes, dtype=float)
    n = np.asarray(trials, dtype=float)
    z = NormalDist().inv_cdf(0.5 + level / 2)  # not scipy.stats: its import takes 1-3 s
    with np.errstate(invalid="ignore", divide="ignore"):
        p = k / n
        denom = 1 + z**2 / n
        centre = (p + z**2 / (2 * n)) / denom
        half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / denom
        lo, hi = (centre - half) * 100, (centre + half) * 100
    bad = n <= 0
    return np.where(bad, np.nan, lo), np.where(bad, np.nan, hi)


def difference_interval(
    k1, n1, k2, n2, *, level: float = 0.95
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Difference of two proportions (first minus second) with Newcombe's interval.

    Returns
    -------
    (difference, low, high) : in percentage points.

    Examples
    --------
    >>> d, lo, hi = difference_interval(30, 100, 480, 1000)
    >>> round(float(d)), round(float(lo)), round(float(hi))
    (-18, -27, -8)
    """
    k1, n1, k2, n2 = (np.asarray(v, dtype=float) for v in (k1, n1, k2, n2))
    with np.errstate(invalid="ignore", divide="ignore"):
        p1, p2 = k1 / n1 * 100, k2 / n2 * 100
    l1, u1 = wilson_interval(k1, n1, level=level)
    l2, u2 = wilson_interval(k2, n2, level=level)
    d = p1 - p2
    low = d - np.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    high = d + np.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return d, low, high


def _runs(course: Course, previous: Sequence) -> list[tuple[str, bool, object]]:
    out = []
    for i, c in enumerate([course, *previous]):
        cfg = c.config
        label = cfg.stub if cfg is not None else ("this run" if i == 0 else f"earlier run {i}")
        out.append((label, i == 0, c))
    return out


def run_labels(course: Course, previous: Sequence = ()) -> pd.DataFrame:
    """The runs compared: this run first, then the earlier runs in the order given.

    Returns
    -------
    DataFrame with ``run`` (stub), ``current``, ``start`` (first day of week 1),
    ``weeks`` and ``steps``.
    """
    rows = []
    for label, current, c in _runs(course, previous):
        cfg = c.config
        rows.append(
            {
                "run": label,
                "current": current,
                "start": pd.Timestamp(cfg.start) if cfg is not None else pd.NaT,
                "weeks": int(cfg.weeks) if cfg is not None else int(c.steps["week_number"].max()),
                "steps": len(c.steps),
            }
        )
    return pd.DataFrame(rows)


def step_alignment(course: Course, previous: Sequence = ()) -> pd.DataFrame:
    """Which steps each run has, matched by study week and step number.

    Returns
    -------
    DataFrame, one row per step found in any run (in week, step order):
    ``step``, ``week_number``, ``runs`` (how many runs have it), ``in_this_run`` and one
    boolean column per run (named by its stub).
    """
    runs = _runs(course, previous)
    have = {label: set(c.steps["step"].astype(str)) for label, _, c in runs}
    every = sorted(set().union(*have.values()), key=lambda s: tuple(int(x) for x in s.split(".")))
    out = pd.DataFrame({"step": every})
    out["week_number"] = [int(s.split(".")[0]) for s in every]
    for label, _, _ in runs:
        out[label] = [s in have[label] for s in every]
    labels = [r[0] for r in runs]
    out["runs"] = out[labels].sum(axis=1).astype("int64")
    out["in_this_run"] = out[labels[0]]
    return out


def enrolment_curves(course: Course, previous: Sequence = ()) -> pd.DataFrame:
    """Running total of learners enrolled, by day counted from each run's start.

    Returns
    -------
    DataFrame with ``run``, ``current``, ``day`` (days from the first day of week 1;
    negative before it; every day from the first enrolment or the day before the start,
    whichever is earlier, to the last enrolment or the start), ``enrolled`` (learners enrolled by the end of that day) and
    ``pct_of_final`` (share of the run's final enrolment). Runs without settings
    (no start date) are left out.
    """
    frames = []
    for label, current, c in _runs(course, previous):
        if c.config is None:
            continue
        enr = c.table("enrolments", ["role", "enrolled_at"])
        t = enr.loc[enr["role"].astype("object").eq("learner"), "enrolled_at"].dropna()
        if t.empty:
            continue
        start = pd.Timestamp(c.config.start, tz="UTC")
        day = np.floor((t - start).dt.total_seconds().to_numpy() / 86400).astype(np.int64)
        first, last = min(int(day.min()), -1), max(int(day.max()), 0)  # the start inside
        days = np.arange(first, last + 1)
        counts = np.bincount(day - first, minlength=len(days)).cumsum()
        frames.append(
            pd.DataFrame(
                {
                    "run": label,
                    "current": current,
                    "day": days,
                    "enrolled": counts.astype(np.int64),
                    "pct_of_final": counts / counts[-1] * 100,
                }
            )
        )
    if not frames:
        return pd.DataFrame(
            {
                "run": pd.Series(dtype=object),
                "current": pd.Series(dtype=bool),
                "day": pd.Series(dtype="int64"),
                "enrolled": pd.Series(dtype="int64"),
                "pct_of_final": pd.Series(dtype=float),
            }
        )
    return pd.concat(frames, ignore_index=True)


def _per_run(
    course: Course,
    previous: Sequence,
    table: Callable[[object], pd.DataFrame | None],
    columns: list[str],
    k: str,
    n: str,
    count: str,
    min_learners: int,
) -> pd.DataFrame:
    """One recipe run by run: ``table(run)`` gives a run's rows with a count of
    successes ``k`` out of ``n``; each row gets the share ``pct`` and its 95% Wilson
    interval, ``run`` and ``current`` go first, and shares of fewer than ``min_learners``
    (``count`` column) are emptied. ``columns`` names the columns of the empty result.
    """
    frames = []
    for label, current, c in _runs(course, previous):
        f = table(c)
        if f is None or f.empty:
            continue
        kk, nn = f[k].to_numpy(dtype=float), f[n].to_numpy(dtype=float)
        lo, hi = wilson_interval(kk, nn)
        with np.errstate(invalid="ignore", divide="ignore"):
            pct = np.where(nn > 0, kk / np.where(nn > 0, nn, 1) * 100, np.nan)
        f = f.assign(pct=pct, ci_low=lo, ci_high=hi)
        f.insert(0, "current", current)
        f.insert(0, "run", label)
        frames.append(f)
    if not frames:
        return _empty_long(columns)
    return _hide_small(pd.concat(frames, ignore_index=True), count, min_learners)


def run_funnels(course: Course, previous: Sequence = (), *, min_learners: int = 10) -> pd.DataFrame:
    """Each run's step funnel: of its starters (visited the first step), who visited each step.

    Steps are matched by label across runs; the first step of *this* run defines the
    starters in every run.

    Returns
    -------
    DataFrame with ``run``, ``current``, ``step`` (str), ``starters``, ``learners``
    (starters who visited the step), ``pct`` (of starters), ``ci_low``, ``ci_high``
    (95% Wilson interval). ``pct`` and the interval are empty when fewer than
    ``min_learners`` learners are counted.
    """
    first = str(course.steps["step"].iloc[0]) if len(course.steps) else None

    def funnel(c) -> pd.DataFrame | None:
        if first is None or first not in [str(s) for s in c.steps["step"]]:
            return None
        f = step_funnel(c, first_step=first)
        if f.empty:
            return None
        return pd.DataFrame(
            {
                "step": f["step"].astype(str).to_numpy(),
                "starters": int(f["learners"].iloc[0]),
                "learners": f["learners"].to_numpy(np.int64),
            }
        )

    columns = ["step", "starters", "learners", "pct", "ci_low", "ci_high"]
    return _per_run(
        course, previous, funnel, columns, "learners", "starters", "learners", min_learners
    )


def _empty_long(columns: list[str]) -> pd.DataFrame:
    data = {"run": pd.Series(dtype=object), "current": pd.Series(dtype=bool)}
    for col in columns:
        data[col] = pd.Series(
            dtype=object if col in ("step", "measure", "quiz_question") else float
        )
    return pd.DataFrame(data)


def _hide_small(frame: pd.DataFrame, count: str, min_learners: int) -> pd.DataFrame:
    small = frame[count] < min_learners
    for col in ("pct", "ci_low", "ci_high"):
        frame[col] = frame[col].where(~small)
    return frame


def run_shares(course: Course, previous: Sequence = (), *, min_learners: int = 10) -> pd.DataFrame:
    """Visited, completed, fully participated and purchased shares of each run's learners.

    Returns
    -------
    DataFrame, one row per run and measure: ``run``, ``current``, ``measure`` (a key of
    :data:`RUN_MEASURES`), ``enrolled`` (learners), ``learners`` (in the measure),
    ``pct``, ``ci_low``, ``ci_high`` (95% Wilson interval; empty under ``min_learners``).
    """

    def shares(c) -> pd.DataFrame:
        flags = learner_flags(c)
        n = len(flags)
        return pd.DataFrame(
            {
                "measure": list(RUN_MEASURES),
                "enrolled": n,
                "learners": [int(flags[m].sum()) if n else 0 for m in RUN_MEASURES],
            }
        )

    columns = ["measure", "enrolled", "learners", "pct", "ci_low", "ci_high"]
    return _per_run(
        course, previous, shares, columns, "learners", "enrolled", "learners", min_learners
    )


def first_try_by_run(
    course: Course, previous: Sequence = (), *, min_learners: int = 10
) -> pd.DataFrame:
    """Share of learners right at their first try, per question and run.

    Questions are matched by their number (``week.step.question``).

    Returns
    -------
    DataFrame with ``run``, ``current``, ``quiz_question`` (str), ``learners`` (with a
    first try), ``correct``, ``pct`` (% right), ``ci_low``, ``ci_high``; the share is
    empty when fewer than ``min_learners`` learners answered.
    """

    def first_try(c) -> pd.DataFrame:
        s = nth_attempt_stats(c, attempt=1)
        s = s[s["learners"] > 0]
        return pd.DataFrame(
            {
                "quiz_question": s["quiz_question"].astype(str).to_numpy(),
                "learners": s["learners"].to_numpy(np.int64),
                "correct": s["correct"].to_numpy(np.int64),
            }
        )

    columns = ["quiz_question", "learners", "correct", "pct", "ci_low", "ci_high"]
    return _per_run(
        course, previous, first_try, columns, "correct", "learners", "learners", min_learners
    )


def sentiment_by_run(
    course: Course, previous: Sequence = (), *, min_learners: int = 10
) -> pd.DataFrame:
    """Share of each week's sentiment answers that were "good", per run.

    Returns
    -------
    DataFrame with ``run``, ``current``, ``week_number``, ``responses`` (answers that
    week), ``good``, ``pct`` (% good), ``ci_low``, ``ci_high``; empty share when the
    week has fewer than ``min_learners`` answers.
    """

    def weekly(c) -> pd.DataFrame | None:
        s = sentiment_by_week(c)
        if s.empty:
            return None
        total = s.groupby("week_number")["responses"].sum()
        good = s[s["rating"].astype(str) == "good"].set_index("week_number")["responses"]
        return pd.DataFrame(
            {
                "week_number": total.index.to_numpy(np.int64),
                "responses": total.to_numpy(np.int64),
                "good": good.reindex(total.index, fill_value=0).to_numpy(np.int64),
            }
        )

    columns = ["week_number", "responses", "good", "pct", "ci_low", "ci_high"]
    return _per_run(
        course, previous, weekly, columns, "good", "responses", "responses", min_learners
    )


def run_differences(
    frame: pd.DataFrame, key: str, k: str, n: str, *, min_learners: int = 10
) -> pd.DataFrame:
    """This run against the earlier runs pooled, per ``key``: difference and interval.

    Parameters
    ----------
    frame : a long table of :func:`run_shares`, :func:`run_funnels`,
        :func:`first_try_by_run` or :func:`sentiment_by_run` (built with ``min_learners=0``).
    key : the column compared on (``"measure"``, ``"step"``, ``"quiz_question"``,
        ``"week_number"``).
    k, n : the columns of successes and of trials.
    min_learners : rows are kept only when successes and failures are each at least this
        many, in this run and in the earlier runs pooled.

    Returns
    -------
    DataFrame indexed by ``key``: the counts (``{k}_this``, ``{n}_this``,
    ``{k}_earlier``, ``{n}_earlier``), ``runs`` (earlier runs that have it),
    ``pct_this``, ``pct_earlier``, ``difference`` (points, this minus earlier) and its
    95% Newcombe interval ``low``, ``high``.
    """
    cur = frame[frame["current"]].groupby(key, sort=False)[[k, n]].sum()
    old = frame[~frame["current"]]
    runs = old.groupby(key, sort=False)["run"].nunique()
    old = old.groupby(key, sort=False)[[k, n]].sum()
    both = cur.add_suffix("_this").join(old.add_suffix("_earlier"), how="inner")
    both = both[
        (both[f"{k}_this"] >= min_learners)
        & (both[f"{k}_earlier"] >= min_learners)
        & (both[f"{n}_this"] - both[f"{k}_this"] >= min_learners)
        & (both[f"{n}_earlier"] - both[f"{k}_earlier"] >= min_learners)
    ]
    d, lo, hi = difference_interval(
        both[f"{k}_this"], both[f"{n}_this"], both[f"{k}_earlier"], both[f"{n}_earlier"]
    )
    return both.assign(
        runs=runs.reindex(both.index).to_numpy(),
        pct_this=both[f"{k}_this"] / both[f"{n}_this"] * 100,
        pct_earlier=both[f"{k}_earlier"] / both[f"{n}_earlier"] * 100,
        difference=d,
        low=lo,
        high=hi,
    )
