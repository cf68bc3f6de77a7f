"""This run against earlier runs: aligned tables and findings in words.

Runs are aligned by study week and step: step ``"2.4"`` of one run is matched with
step ``"2.4"`` of another, and days are counted from each run's own start. Every
function takes the current run first and the earlier runs after it (Courses, e.g.
from :func:`flbook.predict.load_previous_runs`) and returns a long table with a
``run`` column (the run's stub) and ``current`` (True for this run).

Shares come with 95% Wilson score intervals; a difference between this run and the
earlier runs pooled comes with Newcombe's hybrid score interval (built from the two
Wilson intervals). Counts under ``min_count`` (10) are never shown: their shares are
left empty and findings skip them.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy.stats import norm

from ._groups import learner_flags
from ._newer import sentiment_by_week
from ._quiz import nth_attempt_stats
from ._steps import step_funnel

__all__ = [
    "RUN_MEASURES",
    "wilson_interval",
    "difference_interval",
    "run_labels",
    "step_alignment",
    "step_differences",
    "enrolment_curves",
    "run_funnels",
    "run_shares",
    "first_try_by_run",
    "sentiment_by_run",
    "run_findings",
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
    z = norm.ppf(0.5 + level / 2)
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


def _runs(course, previous: Sequence) -> list[tuple[str, bool, object]]:
    out = []
    for i, c in enumerate([course, *previous]):
        cfg = c.config
        label = cfg.stub if cfg is not None else ("this run" if i == 0 else f"earlier run {i}")
        out.append((label, i == 0, c))
    return out


def run_labels(course, previous: Sequence = ()) -> pd.DataFrame:
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


def step_alignment(course, previous: Sequence = ()) -> pd.DataFrame:
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


def step_differences(course, previous: Sequence = ()) -> list[str]:
    """How the step lists differ, in sentences (empty when every run has the same steps).

    Examples
    --------
    >>> import pandas as pd
    >>> from flbook.store import Course
    >>> def run(steps):
    ...     return Course.from_frames(step_activity=pd.DataFrame({"learner_id": "a",
    ...         "step": steps, "first_visited_at": "2024-02-05 10:00:00"}))
    >>> step_differences(run(["1.1", "1.2"]), [run(["1.1", "1.3"])])
    ['Earlier run 1 has 1 step this run does not (1.3), and lacks 1 of this run (1.2); the 1 step both have is compared.']
    """
    runs = _runs(course, previous)
    mine = list(course.steps["step"].astype(str))
    out = []
    for i, (label, _, c) in enumerate(runs[1:], start=1):
        theirs = list(c.steps["step"].astype(str))
        if theirs == mine:
            continue
        name = label if c.config is not None else f"Earlier run {i}"
        extra = [s for s in theirs if s not in mine]
        missing = [s for s in mine if s not in theirs]
        both = len(mine) - len(missing)
        parts = []
        if extra:
            parts.append(
                f"has {len(extra)} step{'s' if len(extra) != 1 else ''} this run does not "
                f"({_list(extra)})"
            )
        if missing:
            parts.append(f"lacks {len(missing)} of this run ({_list(missing)})")
        if not parts:
            parts.append("has the same steps in another order")
        out.append(
            f"{name[0].upper()}{name[1:]} {', and '.join(parts)}; the {both} "
            f"step{'s' if both != 1 else ''} both have {'is' if both == 1 else 'are'} compared."
        )
    return out


def _list(steps: list[str], most: int = 6) -> str:
    return ", ".join(steps[:most]) + (f" and {len(steps) - most} more" if len(steps) > most else "")


def enrolment_curves(course, previous: Sequence = ()) -> pd.DataFrame:
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


def run_funnels(course, previous: Sequence = (), *, min_count: int = 10) -> pd.DataFrame:
    """Each run's step funnel: of its starters (visited the first step), who visited each step.

    Steps are matched by label across runs; the first step of *this* run defines the
    starters in every run.

    Returns
    -------
    DataFrame with ``run``, ``current``, ``step`` (str), ``starters``, ``learners``
    (starters who visited the step), ``pct`` (of starters), ``ci_low``, ``ci_high``
    (95% Wilson interval). ``pct`` and the interval are empty when fewer than
    ``min_count`` learners are counted.
    """
    first = str(course.steps["step"].iloc[0]) if len(course.steps) else None
    frames = []
    for label, current, c in _runs(course, previous):
        cats = [str(s) for s in c.steps["step"]]
        if first is None or first not in cats:
            continue
        f = step_funnel(c, first_step=first)
        if f.empty:
            continue
        starters = int(f["learners"].iloc[0])
        lo, hi = wilson_interval(f["learners"], starters)
        frames.append(
            pd.DataFrame(
                {
                    "run": label,
                    "current": current,
                    "step": f["step"].astype(str).to_numpy(),
                    "starters": starters,
                    "learners": f["learners"].to_numpy(np.int64),
                    "pct": f["pct_of_first"].to_numpy(float),
                    "ci_low": lo,
                    "ci_high": hi,
                }
            )
        )
    if not frames:
        return _empty_long(["step", "starters", "learners", "pct", "ci_low", "ci_high"])
    out = pd.concat(frames, ignore_index=True)
    return _hide_small(out, "learners", min_count)


def _empty_long(columns: list[str]) -> pd.DataFrame:
    data = {"run": pd.Series(dtype=object), "current": pd.Series(dtype=bool)}
    for col in columns:
        data[col] = pd.Series(
            dtype=object if col in ("step", "measure", "quiz_question") else float
        )
    return pd.DataFrame(data)


def _hide_small(frame: pd.DataFrame, count: str, min_count: int) -> pd.DataFrame:
    small = frame[count] < min_count
    for col in ("pct", "ci_low", "ci_high"):
        frame[col] = frame[col].where(~small)
    return frame


def run_shares(course, previous: Sequence = (), *, min_count: int = 10) -> pd.DataFrame:
    """Visited, completed, fully participated and purchased shares of each run's learners.

    Returns
    -------
    DataFrame, one row per run and measure: ``run``, ``current``, ``measure`` (a key of
    :data:`RUN_MEASURES`), ``enrolled`` (learners), ``learners`` (in the measure),
    ``pct``, ``ci_low``, ``ci_high`` (95% Wilson interval; empty under ``min_count``).
    """
    rows = []
    for label, current, c in _runs(course, previous):
        flags = learner_flags(c)
        n = len(flags)
        for m in RUN_MEASURES:
            k = int(flags[m].sum()) if n else 0
            lo, hi = wilson_interval(k, n)
            rows.append(
                {
                    "run": label,
                    "current": current,
                    "measure": m,
                    "enrolled": n,
                    "learners": k,
                    "pct": k / n * 100 if n else np.nan,
                    "ci_low": float(lo),
                    "ci_high": float(hi),
                }
            )
    if not rows:
        return _empty_long(["measure", "enrolled", "learners", "pct", "ci_low", "ci_high"])
    return _hide_small(pd.DataFrame(rows), "learners", min_count)


def first_try_by_run(course, previous: Sequence = (), *, min_count: int = 10) -> pd.DataFrame:
    """Share of learners right at their first try, per question and run.

    Questions are matched by their number (``week.step.question``).

    Returns
    -------
    DataFrame with ``run``, ``current``, ``quiz_question`` (str), ``learners`` (with a
    first try), ``correct``, ``pct`` (% right), ``ci_low``, ``ci_high``; the share is
    empty when fewer than ``min_count`` learners answered.
    """
    frames = []
    for label, current, c in _runs(course, previous):
        s = nth_attempt_stats(c, 1)
        s = s[s["learners"] > 0]
        if s.empty:
            continue
        lo, hi = wilson_interval(s["correct"], s["learners"])
        frames.append(
            pd.DataFrame(
                {
                    "run": label,
                    "current": current,
                    "quiz_question": s["quiz_question"].astype(str).to_numpy(),
                    "learners": s["learners"].to_numpy(np.int64),
                    "correct": s["correct"].to_numpy(np.int64),
                    "pct": s["pct_correct"].to_numpy(float),
                    "ci_low": lo,
                    "ci_high": hi,
                }
            )
        )
    if not frames:
        return _empty_long(["quiz_question", "learners", "correct", "pct", "ci_low", "ci_high"])
    return _hide_small(pd.concat(frames, ignore_index=True), "learners", min_count)


def sentiment_by_run(course, previous: Sequence = (), *, min_count: int = 10) -> pd.DataFrame:
    """Share of each week's sentiment answers that were "good", per run.

    Returns
    -------
    DataFrame with ``run``, ``current``, ``week_number``, ``responses`` (answers that
    week), ``good``, ``pct`` (% good), ``ci_low``, ``ci_high``; empty share when the
    week has fewer than ``min_count`` answers.
    """
    frames = []
    for label, current, c in _runs(course, previous):
        s = sentiment_by_week(c)
        if s.empty:
            continue
        total = s.groupby("week_number")["responses"].sum()
        good = s[s["rating"].astype(str) == "good"].set_index("week_number")["responses"]
        good = good.reindex(total.index, fill_value=0)
        lo, hi = wilson_interval(good.to_numpy(), total.to_numpy())
        with np.errstate(invalid="ignore", divide="ignore"):
            pct = good.to_numpy() / total.to_numpy() * 100
        frames.append(
            pd.DataFrame(
                {
                    "run": label,
                    "current": current,
                    "week_number": total.index.to_numpy(np.int64),
                    "responses": total.to_numpy(np.int64),
                    "good": good.to_numpy(np.int64),
                    "pct": pct,
                    "ci_low": lo,
                    "ci_high": hi,
                }
            )
        )
    if not frames:
        return _empty_long(["week_number", "responses", "good", "pct", "ci_low", "ci_high"])
    return _hide_small(pd.concat(frames, ignore_index=True), "responses", min_count)


def _compare(frame: pd.DataFrame, key: str, k: str, n: str, min_count: int) -> pd.DataFrame:
    """This run against the earlier runs pooled, per ``key``: difference and interval."""
    cur = frame[frame["current"]].groupby(key, sort=False)[[k, n]].sum()
    old = frame[~frame["current"]]
    runs = old.groupby(key, sort=False)["run"].nunique()
    old = old.groupby(key, sort=False)[[k, n]].sum()
    both = cur.add_suffix("_this").join(old.add_suffix("_earlier"), how="inner")
    both = both[
        (both[f"{k}_this"] >= min_count)
        & (both[f"{k}_earlier"] >= min_count)
        & (both[f"{n}_this"] - both[f"{k}_this"] >= min_count)
        & (both[f"{n}_earlier"] - both[f"{k}_earlier"] >= min_count)
    ]
    d, lo, hi = difference_interval(
        both[f"{k}_this"], both[f"{n}_this"], both[f"{k}_earlier"], both[f"{n}_earlier"]
    )
    return both.assign(
        runs=runs.reindex(both.index).to_numpy(),
        this_pct=both[f"{k}_this"] / both[f"{n}_this"] * 100,
        earlier_pct=both[f"{k}_earlier"] / both[f"{n}_earlier"] * 100,
        difference=d,
        low=lo,
        high=hi,
    )


def _earlier(runs: int) -> str:
    words = {1: "the earlier run", 2: "the two earlier runs", 3: "the three earlier runs"}
    return words.get(int(runs), f"the {int(runs)} earlier runs")


def _points(d: float, lo: float, hi: float, more: str, fewer: str) -> str:
    """ "18 points fewer (95% interval 14–22)": the interval as sizes of the difference."""
    a, b = sorted((abs(lo), abs(hi)))
    digits = 1 if a < 1 else 0
    return f"{abs(d):.0f} points {more if d > 0 else fewer} (95% interval {a:.{digits}f}–{b:.0f})"


def run_findings(
    course, previous: Sequence = (), *, top: int = 3, min_count: int = 10
) -> list[str]:
    """Findings in words: where this run differs most from its earlier runs pooled.

    A difference is reported only when its 95% interval leaves out zero and every count
    behind it is at least ``min_count``. Sentences cover the four shares of enrolled
    learners, the steps visited by starters (the ``top`` largest differences), the
    first-try correctness of questions (``top``) and the weekly sentiment.

    Returns
    -------
    list of str (Markdown), empty without earlier runs.
    """
    if not previous:
        return []
    out: list[str] = []
    shares = run_shares(course, previous, min_count=0)
    comp = _compare(shares, "measure", "learners", "enrolled", min_count)
    for m, r in comp.iterrows():
        if r["low"] * r["high"] <= 0:
            continue
        out.append(
            f"**{r['this_pct']:.0f}%** of this run's learners {RUN_MEASURES[m]}, "
            f"{_points(r['difference'], r['low'], r['high'], 'more', 'fewer')} than the "
            f"{r['earlier_pct']:.0f}% of {_earlier(r['runs'])}."
        )
    funnels = run_funnels(course, previous, min_count=0)
    if not funnels.empty:
        first = funnels["step"].iloc[0]
        comp = _compare(
            funnels[funnels["step"] != first], "step", "learners", "starters", min_count
        )
        comp = comp[comp["low"] * comp["high"] > 0]
        for step, r in (
            comp.reindex(comp["difference"].abs().sort_values(ascending=False).index)
            .head(top)
            .iterrows()
        ):
            d = _points(r["difference"], r["low"], r["high"], "more", "fewer")
            cut = d.index(" (")
            out.append(
                f"Step {step} was visited by {d[:cut]} of this run's starters than in "
                f"{_earlier(r['runs'])} ({r['this_pct']:.0f}% against "
                f"{r['earlier_pct']:.0f}%; {d[cut + 2 : -1]})."
            )
    quiz = first_try_by_run(course, previous, min_count=0)
    if not quiz.empty:
        comp = _compare(quiz, "quiz_question", "correct", "learners", min_count)
        comp = comp[comp["low"] * comp["high"] > 0]
        for q, r in (
            comp.reindex(comp["difference"].abs().sort_values(ascending=False).index)
            .head(top)
            .iterrows()
        ):
            out.append(
                f"Question {q} was answered right at the first try by {r['this_pct']:.0f}% "
                f"of this run's learners, "
                f"{_points(r['difference'], r['low'], r['high'], 'more', 'fewer')} than "
                f"in {_earlier(r['runs'])}."
            )
    sent = sentiment_by_run(course, previous, min_count=0)
    if not sent.empty:
        comp = _compare(sent, "week_number", "good", "responses", min_count)
        for w, r in comp.iterrows():
            if r["low"] * r["high"] <= 0:
                continue
            out.append(
                f"Week {w} was rated good by {r['this_pct']:.0f}% of this run's answers, "
                f"{_points(r['difference'], r['low'], r['high'], 'more', 'fewer')} than in "
                f"{_earlier(r['runs'])}."
            )
    return out
