"""Charts of the survey exports: leaving reasons, archetypes, weekly sentiment.

Each function draws a table from :mod:`flbook.analysis` (``leaving_reasons``,
``archetype_progress``, ``sentiment_by_week``) on one Axes, as it is given; an empty
table (a dataset the run does not have) draws "No data".
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from ..privacy import MIN_COUNT, count_text, hide_small, small_label, small_rows
from ._base import (
    COLORS,
    PALETTE,
    get_ax,
    legend_above,
    no_data,
    no_rows,
    stacked_bars,
    step_axis,
    thousands,
)
from ._docs import shared_docs

__all__ = [
    "plot_leaving_reasons",
    "plot_archetypes",
    "plot_sentiment",
]

SENTIMENT_COLORS = {"bad": COLORS["bad"], "neutral": "#BBBBBB", "good": COLORS["good"]}

_STEP, _WEEK = "last_completed_step", "last_completed_week_number"


def _wrap(text: str, width: int = 28) -> str:
    words, lines, line = str(text).split(), [], ""
    for w in words:
        if line and len(line) + 1 + len(w) > width:
            lines.append(line)
            line = w
        else:
            line = f"{line} {w}".strip()
    lines.append(line)
    return "\n".join(lines)


def _hidden_note(ax: Axes, hidden: int, what: str, min_learners: int = MIN_COUNT) -> None:
    """Add to the x label what the small-count rule left out of the chart."""
    if hidden:
        note = (
            f"Not shown: {count_text(hidden, min_learners=min_learners)} {what} "
            f"in groups of fewer than {min_learners}"
        )
        label = ax.get_xlabel()
        ax.set_xlabel(f"{label}\n{note}" if label else note)


@shared_docs
def plot_leaving_reasons(
    data: pd.DataFrame, *, min_learners: int = MIN_COUNT, ax: Axes | None = None
) -> Axes:
    """Leaving reasons: bars per reason, or stacked by reason per last completed week/step.

    Parameters
    ----------
    data : :func:`flbook.analysis.leaving_reasons` output: ``by="reason"`` (one bar per
        reason), or ``by="week"`` / ``by="step"`` with ``wide=True`` (one stacked bar per
        week or step, a segment per reason column, in the table's order).
    min_learners : the small-count rule (:mod:`flbook.privacy`): a bar or a segment of
        fewer answers is not drawn, and the x label says how many answers were left out.
    {ax}

    {returns}

    With ``by="step"`` every step keeps its place along a course-order step axis; with
    ``by="week"`` a week whose every segment is hidden is left off the axis. The leavers
    who had completed no step (the row without a week or step) are counted in a note.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> import pandas as pd
    >>> week = pd.DataFrame({"last_completed_week_number": pd.array([1, 2, None], "Int32"),
    ...                      "Other": [12, 30, 15], "Not enough time": [20, 4, 0]})
    >>> fig, ax = plt.subplots()
    >>> ax = plot_leaving_reasons(week, ax=ax)
    >>> [[int(bar.get_height()) for bar in layer] for layer in ax.containers]
    [[12, 30], [20, 0]]
    >>> ax.texts[-1].get_text()  # the row without a week
    '15 leaver(s) had completed no step'
    >>> plt.close(fig)
    """
    ax = get_ax(ax)
    if no_rows(data):
        return no_data(ax)
    if _STEP in data or _WEEK in data:
        if "leaving_reason" in data:
            raise ValueError(
                "plot_leaving_reasons stacks the table of leaving_reasons(course, "
                "by='week' or 'step', wide=True); this one is the long form"
            )
        return _stacked_reasons(data, min_learners, ax)
    data = hide_small(data, columns=["responses"], min_learners=min_learners, drop=True)
    hidden = data.attrs["hidden_people"]
    if data.empty:
        return no_data(ax, f"Every group of answers is smaller than {min_learners}")
    y = np.arange(len(data))
    ax.barh(y, data["responses"].to_numpy(), color=COLORS["primary"])
    ax.set_yticks(y)
    ax.set_yticklabels([_wrap(r, 40) for r in data["leaving_reason"]], fontsize=8)
    ax.set_ylim(len(data) - 0.4, -0.6)
    ax.set_xlabel("Leavers who gave the reason")
    thousands(ax, "x")
    _hidden_note(ax, hidden, "answers", min_learners)
    return ax


def _stacked_reasons(data: pd.DataFrame, min_learners: int, ax: Axes) -> Axes:
    """The stacked form of :func:`plot_leaving_reasons` (a wide table)."""
    key = _STEP if _STEP in data else _WEEK
    reasons = [c for c in data.columns if c != key]
    counts = data[reasons].to_numpy(dtype=float, copy=True)
    small = np.column_stack(
        [small_rows(data, columns=[c], min_learners=min_learners) for c in reasons]
    ).reshape(counts.shape)
    hidden = int(counts[small].sum())  # what the note says was left out
    counts[small] = 0.0  # a segment of fewer answers is not drawn
    has_key = data[key].notna().to_numpy()
    none = int(counts[~has_key].sum())  # the row of leavers who had completed no step
    # every step keeps its place on the course's step axis; a week with nothing to show
    # is left off its axis
    rows = has_key if key == _STEP else has_key & counts.any(axis=1)
    shown = counts[rows]
    drawn = [j for j in range(len(reasons)) if shown[:, j].any()]
    if not drawn:  # every step (or week) had fewer answers per reason than min_learners
        where = "step" if key == _STEP else "week"
        message = f"No {where} has {min_learners} or more leavers giving one reason"
        if hidden:
            message += f"\n({count_text(hidden, min_learners=min_learners)} answers are not shown)"
        if none:
            message += f"\n{none:,} leavers had completed no step"
        return no_data(ax, message)
    table = pd.DataFrame(shown[:, drawn], columns=[reasons[j] for j in drawn])
    keys = data.loc[rows, key]
    x = np.arange(len(table))
    stacked_bars(ax, x, table, PALETTE)
    if key == _STEP:
        step_axis(ax, [str(s) for s in keys])
    else:
        ax.set_xticks(x)
        ax.set_xticklabels([f"Week {w}" for w in keys])
        ax.set_xlabel("Week of the last step completed")
    if none:
        ax.text(
            0.99,
            0.98,
            f"{none:,} leaver(s) had completed no step",
            transform=ax.transAxes,
            ha="right",
            va="top",
            fontsize=8,
            color="#444444",
        )
    ax.set_ylabel("Leavers")
    thousands(ax, "y")
    handles, labels = ax.get_legend_handles_labels()
    ax.legend(
        handles,
        [_wrap(lab, 34) for lab in labels],
        frameon=False,
        fontsize=7,
        loc="upper left",
        bbox_to_anchor=(1.0, 1.0),
    )
    _hidden_note(ax, hidden, "answers", min_learners)
    return ax


@shared_docs
def plot_archetypes(
    data: pd.DataFrame,
    *,
    y: tuple[str, ...] = ("pct_visited_any", "pct_completed_any", "pct_fully_participated"),
    min_learners: int = MIN_COUNT,
    ax: Axes | None = None,
) -> Axes:
    """How each archetype progressed: grouped horizontal bars, one group per archetype.

    Parameters
    ----------
    data : :func:`flbook.analysis.archetype_progress` output.
    y : the ``pct_*`` columns to draw (one bar each per archetype).
    min_learners : an archetype of fewer learners is not drawn, and reads "(n<10)"
        (:mod:`flbook.privacy`).
    {ax}

    {returns}

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> import pandas as pd
    >>> table = pd.DataFrame({"archetype": ["Explorers", "Fixers"], "learners": [40, 3],
    ...                       "pct_visited_any": [90.0, 100.0], "pct_purchased": [20.0, 0.0]})
    >>> fig, ax = plt.subplots()
    >>> ax = plot_archetypes(table, y=("pct_visited_any", "pct_purchased"), ax=ax)
    >>> [[float(bar.get_width()) for bar in group] for group in ax.containers]
    [[90.0, nan], [20.0, nan]]
    >>> [label.get_text() for label in ax.get_yticklabels()]
    ['Explorers (n=40)', 'Fixers (n<10)']
    >>> plt.close(fig)
    """
    ax = get_ax(ax)
    if no_rows(data):
        return no_data(ax)
    names = {
        "pct_visited_any": "visited a step",
        "pct_completed_any": "completed a step",
        "pct_fully_participated": "fully participated",
        "pct_purchased": "bought a certificate",
        "pct_unenrolled": "left the course",
    }
    small = small_rows(data, columns=["learners"], min_learners=min_learners)  # too few: not drawn
    rows = np.arange(len(data))
    h = 0.8 / len(y)
    for j, m in enumerate(y):
        ax.barh(
            rows - 0.4 + h * (j + 0.5),
            np.where(small, np.nan, data[m].to_numpy(dtype=float)),
            height=h,
            color=PALETTE[j % len(PALETTE)],
            label=names.get(m, m),
        )
    ax.set_yticks(rows)
    ax.set_yticklabels(
        [
            f"{a} (n{small_label(min_learners)})" if hide else f"{a} (n={n:,})"
            for a, n, hide in zip(data["archetype"], data["learners"], small, strict=True)
        ],
        fontsize=8,
    )
    ax.set_ylim(len(data) - 0.4, -0.6)
    ax.set_xlim(0, 100)
    ax.set_xlabel("% of the archetype's learners")
    legend_above(ax)
    return ax


@shared_docs
def plot_sentiment(
    data: pd.DataFrame, *, min_learners: int = MIN_COUNT, ax: Axes | None = None
) -> Axes:
    """Weekly sentiment: one 100% bar per week, bad / neutral / good; answers per week on top.

    Parameters
    ----------
    data : :func:`flbook.analysis.sentiment_by_week` output with ``wide=True`` (one row
        per week: ``week_number``, ``responses`` and a % column per rating).
    min_learners : a week with fewer answers is not drawn, and reads "n<10"
        (:mod:`flbook.privacy`).
    {ax}

    {returns}

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> import pandas as pd
    >>> weeks = pd.DataFrame({"week_number": [1, 2], "responses": [40, 20],
    ...                       "bad": [10.0, 25.0], "neutral": [30.0, 25.0], "good": [60.0, 50.0]})
    >>> fig, ax = plt.subplots()
    >>> ax = plot_sentiment(weeks, ax=ax)
    >>> [[float(bar.get_height()) for bar in layer] for layer in ax.containers]
    [[10.0, 25.0], [30.0, 25.0], [60.0, 50.0]]
    >>> [text.get_text() for text in ax.texts]
    ['n=40', 'n=20']
    >>> plt.close(fig)
    """
    ax = get_ax(ax)
    if no_rows(data) or not data["responses"].any():
        return no_data(ax)
    if "rating" in data:
        raise ValueError(
            "plot_sentiment draws the table of sentiment_by_week(course, wide=True); "
            "this one is the long form"
        )
    ratings = [r for r in SENTIMENT_COLORS if r in data]
    small = small_rows(data, columns=["responses"], min_learners=min_learners)
    table = data[ratings].astype(float)
    table.loc[small] = 0.0  # a week rated by under 10 learners is not drawn
    x = np.arange(len(data))
    stacked_bars(ax, x, table, SENTIMENT_COLORS)
    for xi, n, hide in zip(x, data["responses"], small, strict=True):
        text = f"n{small_label(min_learners)}" if hide else f"n={int(n):,}"
        ax.text(xi, 101, text, ha="center", va="bottom", fontsize=8, color="#444444")
    ax.set_xticks(x)
    ax.set_xticklabels([f"Week {w}" for w in data["week_number"]])
    ax.set_ylim(0, 110)
    ax.set_ylabel("% of the week's answers")
    ax.legend(frameon=False, fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return ax
