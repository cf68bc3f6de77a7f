"""Step charts: activity per step, where learners stopped, the step funnel.

Steps are drawn in course order ("1.9" before "1.10") on a categorical axis (see
:func:`~flbook.plotting.step_axis`); exercise and social steps can be shaded and named
in the legend.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from ..privacy import MIN_COUNT
from ._base import (
    COLORS,
    PALETTE,
    finish_steps,
    get_ax,
    no_data,
    no_step_rows,
    ordered_steps,
    per_step,
    thousands,
)
from ._docs import shared_docs

__all__ = ["plot_step_counts", "plot_stopped_here", "plot_step_funnel", "pool_small_steps"]

LEARNER_MEASURES = frozenset({"visited", "completed"})
"""Measures of :func:`~flbook.analysis.step_activity_counts` that count learners (one
first visit, one completion per learner and step)."""

MEASURE_LABELS = {
    "visited": "First visits",
    "completed": "Completions",
    "comments": "Comments",
    "answers": "Quiz answers",
}


# --------------------------------------------------------------------------- helpers


# --------------------------------------------------------------------------- step counts


@shared_docs
def plot_step_counts(
    data: pd.DataFrame,
    *,
    measure: str | Sequence[str] | None = None,
    y: str | None = None,
    exercise_steps: Iterable[str] = (),
    social_steps: Iterable[str] = (),
    min_learners: int = MIN_COUNT,
    pool: bool = False,
    ax: Axes | None = None,
    **kwargs,
) -> Axes:
    """Bars per step in course order, with exercise and social steps highlighted.

    Parameters
    ----------
    data : per-step counts: the long table of
        :func:`~flbook.analysis.step_activity_counts` (``step, measure, count``), or any
        table with ``step`` and a count column (``learners`` from
        :func:`~flbook.analysis.furthest_step`, :func:`~flbook.analysis.last_steps`, ...).
    measure : with a ``measure`` column, the measure(s) to draw (default all, as grouped
        bars; one name draws one bar per step).
    y : the column to draw (default ``count`` if present, else ``learners``).
    {steps}
    min_learners : the small-count rule (:mod:`flbook.privacy`): a bar that counts fewer
        learners (measures ``visited`` and ``completed``, or a ``learners`` column) is
        not drawn, and the x label says so.
    pool : with one series of learners, pool the steps of fewer than ``min_learners``
        learners into one hatched "rest of week N" bar per week (drawn when the pool
        reaches ``min_learners``), instead of leaving them out one by one.
    {ax}
    **kwargs : passed to :meth:`~matplotlib.axes.Axes.bar`.

    {returns}

    Examples
    --------
    {example_course}
    >>> from flbook.analysis import step_activity_counts
    >>> plot_step_counts(
    ...     step_activity_counts(course),
    ...     measure="visited",
    ...     exercise_steps=course.config.exercise_steps,
    ...     social_steps=course.config.social_steps,
    ...     ax=ax,
    ... ) is ax
    True
    >>> ax.get_ylabel()
    'First visits'
    >>> len(ax.patches) >= len(course.steps)
    True
    >>> plt.close(fig)
    """
    ax = get_ax(ax)
    if data is not None and y is None:
        y = "count" if "count" in data else "learners"
    if no_step_rows(data):
        return no_data(ax)
    if y not in data:
        raise KeyError(f"column {y!r} not in data (columns: {list(data.columns)})")
    if no_step_rows(data, column=y):
        return no_data(ax)
    if "measure" in data:
        if isinstance(data["measure"].dtype, pd.CategoricalDtype):
            present = set(data["measure"].astype(str))
            order = [str(m) for m in data["measure"].cat.categories if str(m) in present]
        else:
            order = list(dict.fromkeys(data["measure"].astype(str)))
        if measure is not None:
            wanted = [measure] if isinstance(measure, str) else list(measure)
            missing = [m for m in wanted if m not in order]
            if missing:
                raise ValueError(f"measure(s) {missing} not in data; measures: {order}")
            order = wanted
        data = data[data["measure"].astype(str).isin(order)]
        if no_step_rows(data, column=y):
            return no_data(ax)
    else:
        order = [None]
    steps = ordered_steps(data["step"])
    k = len(order)
    if pool and k == 1 and (y == "learners" or order[0] in LEARNER_MEASURES):
        part = data if order[0] is None else data[data["measure"].astype(str) == order[0]]
        pooled = pool_small_steps(steps, per_step(part, steps, y), min_learners)
        ax.bar(
            np.arange(len(pooled)),
            pooled["height"].to_numpy(),
            width=0.8,
            color=COLORS["primary"],
            edgecolor="white",
            zorder=2,
            **kwargs,
        )
        _hatch_pools(ax.containers[-1], pooled)
        ax.set_ylabel("Learners" if y == "count" else y.replace("_", " ").capitalize())
        thousands(ax, "y")
        _finish_pooled(ax, pooled, exercise_steps, social_steps, min_learners)
        return ax
    x = np.arange(len(steps))
    width = 0.8 / k
    hidden = False
    for i, m in enumerate(order):
        part = data if m is None else data[data["measure"].astype(str) == m]
        heights = per_step(part, steps, y)
        if y == "learners" or m in LEARNER_MEASURES:
            heights, small = hide_small_bars(heights, min_learners)
            hidden = hidden or small
        label = None if (m is None or k == 1) else MEASURE_LABELS.get(m, m)
        color = COLORS["primary"] if k == 1 else PALETTE[i % len(PALETTE)]
        ax.bar(
            x + (i - (k - 1) / 2) * width,
            heights,
            width=width if k > 1 else 0.8,
            color=color,
            label=label,
            zorder=2,
            **kwargs,
        )
    if y == "count":
        if k == 1 and order[0] is not None:
            ax.set_ylabel(MEASURE_LABELS.get(order[0], order[0]))
        elif order[0] is not None and set(order) <= LEARNER_MEASURES:
            ax.set_ylabel("Learners")
        else:
            ax.set_ylabel("Count")
    else:
        ax.set_ylabel(y.replace("_", " ").capitalize())
    thousands(ax, "y")
    finish_steps(ax, steps, exercise_steps, social_steps, legend=True)
    if hidden:
        note_hidden(ax, min_learners)
    return ax


def hide_small_bars(heights: np.ndarray, min_learners: int) -> tuple[np.ndarray, bool]:
    """Heights with counts of 1 to ``min_learners - 1`` learners set to 0 (not drawn)."""
    small = (heights > 0) & (heights < min_learners)
    return np.where(small, 0.0, heights), bool(small.any())


def pool_small_steps(steps: Sequence[str], heights: np.ndarray, min_learners: int) -> pd.DataFrame:
    """Steps of fewer than ``min_learners`` learners pooled into one "rest of week N" per week.

    Parameters
    ----------
    steps : the steps in course order ("W.S").
    heights : learners per step, aligned on ``steps``.
    min_learners : the smallest count of people shown (:mod:`flbook.privacy`).

    Returns
    -------
    DataFrame
        One row per bar in course order: ``step`` (the step, or ``"W.rest"`` for a
        week's pool, placed after that week's own bars), ``label`` (the step, or
        ``"rest of week W"``), ``height`` (learners; 0 for a pool under ``min_learners``,
        which is not drawn), ``pooled`` (bool), ``last_step`` (the week's last step for a
        pool, else the step itself) and ``pooled_steps`` (how many steps a pool holds).

    Examples
    --------
    >>> pooled = pool_small_steps(["1.1", "1.2", "1.3", "2.1"], np.array([40, 6, 5, 3]), 10)
    >>> pooled[["label", "height", "pooled", "last_step"]]
                label  height  pooled last_step
    0             1.1    40.0   False       1.1
    1  rest of week 1    11.0    True       1.3
    2  rest of week 2     0.0    True       2.1
    """
    heights = np.asarray(heights, dtype=float)
    rows: list[dict] = []
    week_of = [str(s).split(".")[0] for s in steps]
    for week in dict.fromkeys(week_of):  # a handful of weeks
        idx = [i for i, w in enumerate(week_of) if w == week]
        small = [i for i in idx if 0 < heights[i] < min_learners]
        for i in idx:
            if i not in small:
                rows.append(
                    dict(
                        step=str(steps[i]),
                        label=str(steps[i]),
                        height=heights[i],
                        pooled=False,
                        last_step=str(steps[i]),
                        pooled_steps=1,
                    )
                )
        if small:
            total = float(heights[small].sum())
            rows.append(
                dict(
                    step=f"{week}.rest",
                    label=f"rest of week {week}",
                    height=total if total >= min_learners else 0.0,
                    pooled=True,
                    last_step=str(steps[idx[-1]]),
                    pooled_steps=len(small),
                )
            )
    return pd.DataFrame(
        rows, columns=["step", "label", "height", "pooled", "last_step", "pooled_steps"]
    )


def _hatch_pools(bars, pooled: pd.DataFrame) -> None:
    for bar, is_pool in zip(bars, pooled["pooled"], strict=True):
        if is_pool:
            bar.set_hatch("///")


def _finish_pooled(
    ax: Axes,
    pooled: pd.DataFrame,
    exercise_steps: Iterable[str],
    social_steps: Iterable[str],
    min_learners: int,
    order: Sequence | None = None,
) -> None:
    """The step axis of a pooled chart: each pool named "rest of week N", the rule said."""
    finish_steps(ax, list(pooled["step"]), exercise_steps, social_steps, legend=True, order=order)
    ticks = ax.get_xticklabels()
    labels = [t.get_text() for t in ticks]
    for i, (is_pool, label) in enumerate(zip(pooled["pooled"], pooled["label"], strict=True)):
        if is_pool:
            labels[i] = label
    size = ticks[0].get_fontsize() if ticks else 8
    ax.set_xticklabels(labels, rotation=90, fontsize=size)
    if pooled["pooled"].any():
        ax.set_xlabel(
            f"{ax.get_xlabel()}\nSteps with 1 to {min_learners - 1} learners are pooled in a "
            f'hatched "rest of week" bar (drawn when it holds {min_learners} or more)'
        )


def note_hidden(ax: Axes, min_learners: int) -> None:
    """Add to the x label that steps with fewer than ``min_learners`` learners have no bar."""
    ax.set_xlabel(
        f"{ax.get_xlabel()}\nSteps with 1 to {min_learners - 1} learners have no bar "
        f"(counts under {min_learners} are not shown)"
    )


# --------------------------------------------------------------------------- stopped here


@shared_docs
def plot_stopped_here(
    data: pd.DataFrame,
    *,
    exercise_steps: Iterable[str] = (),
    social_steps: Iterable[str] = (),
    min_learners: int = MIN_COUNT,
    pool: bool = False,
    ax: Axes | None = None,
) -> Axes:
    """Where learners stopped: bars "stopped here", the accumulated and went-on curves.

    Parameters
    ----------
    data : the table of :func:`~flbook.analysis.last_steps` (``step, learners,
        stopped_cumulative, went_on``).
    {steps}
    min_learners : a bar of fewer learners is not drawn (:mod:`flbook.privacy`); the lines
        add up every learner.
    pool : pool the steps of fewer than ``min_learners`` learners into one hatched "rest
        of week N" bar per week, after the week's own steps (see
        :func:`pool_small_steps`); the lines there read as at the week's last step.
    {ax}

    {returns}

    Examples
    --------
    {example_course}
    >>> from flbook.analysis import last_steps
    >>> plot_stopped_here(
    ...     last_steps(course),
    ...     exercise_steps=course.config.exercise_steps,
    ...     social_steps=course.config.social_steps,
    ...     ax=ax,
    ... ) is ax
    True
    >>> ax.get_ylabel()
    'Learners'
    >>> plt.close(fig)
    """
    ax = get_ax(ax)
    if no_step_rows(data, column="learners"):
        return no_data(ax)
    steps = ordered_steps(data["step"])
    cumulative = per_step(data, steps, "stopped_cumulative")
    going = per_step(data, steps, "went_on")
    pooled = None
    if pool:
        pooled = pool_small_steps(steps, per_step(data, steps, "learners"), min_learners)
        at = {s: i for i, s in enumerate(steps)}
        where = [at[s] for s in pooled["last_step"]]
        heights, hidden = pooled["height"].to_numpy(), False
        cumulative, going = cumulative[where], going[where]
    else:
        heights, hidden = hide_small_bars(per_step(data, steps, "learners"), min_learners)
    x = np.arange(len(heights))
    bars = ax.bar(
        x,
        heights,
        width=0.8,
        color=COLORS["light"],
        label="Stopped here",
        zorder=2,
    )
    if pooled is not None:
        _hatch_pools(bars, pooled)
    stopped, went_on = (
        ax.plot(x, values, color=COLORS[color], lw=2, label=label, zorder=3)[0]
        for values, color, label in (
            (cumulative, "bad", "Stopped here or earlier"),
            (going, "primary", "Went on from here"),
        )
    )
    ax.set_ylabel("Learners")
    ax.set_ylim(bottom=0)
    thousands(ax, "y")
    if pooled is not None:
        _finish_pooled(
            ax, pooled, exercise_steps, social_steps, min_learners, order=[bars, stopped, went_on]
        )
        return ax
    finish_steps(
        ax, steps, exercise_steps, social_steps, legend=True, order=[bars, stopped, went_on]
    )
    if hidden:
        note_hidden(ax, min_learners)
    return ax


# --------------------------------------------------------------------------- funnel


@shared_docs
def plot_step_funnel(
    data: pd.DataFrame,
    *,
    exercise_steps: Iterable[str] = (),
    social_steps: Iterable[str] = (),
    min_learners: int = MIN_COUNT,
    ax: Axes | None = None,
) -> Axes:
    """The step funnel: share of the first step's visitors who visited each step.

    Parameters
    ----------
    data : the table of :func:`~flbook.analysis.step_funnel` (``step, learners,
        pct_of_first``).
    {steps}
    min_learners : the small-count rule (:mod:`flbook.privacy`): a step visited by fewer
        learners has no bar (its percentage would point at them), and when fewer than
        ``min_learners`` learners visited the first step no percentage is drawn at all.
    {ax}

    {returns}

    Examples
    --------
    {example_course}
    >>> from flbook.analysis import step_funnel
    >>> plot_step_funnel(
    ...     step_funnel(course),
    ...     exercise_steps=course.config.exercise_steps,
    ...     social_steps=course.config.social_steps,
    ...     ax=ax,
    ... ) is ax
    True
    >>> ax.get_ylabel()
    '% of learners who visited the first step'
    >>> plt.close(fig)
    """
    ax = get_ax(ax)
    if no_step_rows(data, column="learners"):
        return no_data(ax)
    steps = ordered_steps(data["step"])
    first = per_step(data, steps, "learners")[0]
    if 0 < first < min_learners:
        return no_data(
            ax, f"Fewer than {min_learners} learners visited the first step: too few for shares"
        )
    x = np.arange(len(steps))
    learners = per_step(data, steps, "learners")
    small = (learners > 0) & (learners < min_learners)
    pct = np.where(small, 0.0, per_step(data, steps, "pct_of_first"))
    ax.bar(x, pct, width=0.8, color=COLORS["primary"], zorder=2)
    ax.set_ylabel("% of learners who visited the first step")
    ax.set_ylim(0, 100)
    finish_steps(ax, steps, exercise_steps, social_steps, legend=True)
    if small.any():
        note_hidden(ax, min_learners)
    return ax
