"""Charts of the full-learner event log: one learner's timeline, event counts."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.colors import to_rgb

from ..privacy import MIN_COUNT, small_label, small_rows
from ._base import (
    COLORS,
    STRONG_PALETTE,
    category_order,
    get_ax,
    no_data,
    no_rows,
    thousands,
    week_shading,
)
from ._docs import shared_docs
from ._sessions import date_axis, naive_utc

__all__ = ["plot_learner_timeline", "plot_event_counts"]

_MARKERS = ["o", "s", "^", "D", "v", "P", "X", "*", "<", ">"]


def _label(event) -> str:
    return str(event).replace("_", " ")


def _marker_colors(i: int) -> tuple[str, tuple[float, float, float]]:
    """Face colour of the i-th event type (no yellow: too faint on white) and a darker edge."""
    face = STRONG_PALETTE[i % len(STRONG_PALETTE)]
    edge = tuple(0.6 * c for c in to_rgb(face))
    return face, edge


@shared_docs
def plot_learner_timeline(
    data: pd.DataFrame,
    *,
    week_starts: Sequence = (),
    ax: Axes | None = None,
) -> Axes:
    """One learner's events over time: event types on y, time on x, one marker each.

    Parameters
    ----------
    data : DataFrame
        The output of :func:`~flbook.analysis.learner_timeline` (``pseudonym``,
        ``time``, ``event``).
    week_starts : sequence of dates, optional
        Study-week start dates (``course.config.week_starts``): alternate weeks are
        shaded and labelled.
    {ax}

    Every event type of the log's Categorical has a row (in its order, top to
    bottom), so timelines of different learners line up. One set of markers per
    event type that occurred (gid ``"event"``).

    {returns}

    Examples
    --------
    {example_course}
    >>> from flbook.analysis import learner_timeline
    >>> plot_learner_timeline(
    ...     learner_timeline(course, seed=1),
    ...     week_starts=course.config.week_starts,
    ...     ax=ax,
    ... ) is ax
    True
    >>> len(ax.collections) > 0
    True
    >>> plt.close(fig)
    """
    ax = get_ax(ax)
    if no_rows(data):
        return no_data(ax)
    kinds = category_order(data["event"])
    pos = {k: i for i, k in enumerate(kinds)}
    x = naive_utc(data["time"])
    labels = data["event"].astype(str).to_numpy()
    for k in kinds:  # ten event types at most
        sel = labels == k
        if not sel.any():
            continue
        i = pos[k]
        face, edge = _marker_colors(i)
        ax.scatter(
            x[sel],
            np.full(int(sel.sum()), i),
            marker=_MARKERS[i % len(_MARKERS)],
            s=34,
            facecolors=face,
            edgecolors=[edge],
            linewidths=0.6,
            alpha=0.85,
            gid="event",
            zorder=3,
        )
    ax.set_yticks(range(len(kinds)))
    ax.set_yticklabels([_label(k) for k in kinds])
    # room above the first row for the week labels ("W1") of the shading
    ax.set_ylim(len(kinds) - 0.5, -0.5 - (0.6 if len(week_starts) else 0))
    ax.grid(axis="y", color="#dddddd", lw=0.6)
    if len(week_starts):
        week_shading(ax, week_starts)
        starts = pd.to_datetime(pd.Series(list(week_starts)), utc=True)
        starts = naive_utc(starts)
        lo = min(x.min(), starts.min())
        hi = max(x.max(), starts.max() + np.timedelta64(7, "D"))
        pad = max((hi - lo) * 0.02, np.timedelta64(12, "h"))  # markers not cut at the edges
        ax.set_xlim(lo - pad, hi + pad)
    date_axis(ax)
    ax.set_xlabel("Date (UTC)")
    if "pseudonym" in data.columns:
        ax.set_title(str(data["pseudonym"].iloc[0]))
    return ax


@shared_docs
def plot_event_counts(
    data: pd.DataFrame,
    *,
    y: str = "events",
    min_learners: int = MIN_COUNT,
    ax: Axes | None = None,
) -> Axes:
    """Horizontal bars: how many events (or learners) of each type.

    Parameters
    ----------
    data : DataFrame
        The output of :func:`~flbook.analysis.event_counts`.
    y : {"events", "learners"}
        Count events, or learners with at least one event of the type.
    min_learners : int
        An event type of fewer learners is not drawn and says so (:mod:`flbook.privacy`).
    {ax}

    {returns}

    Examples
    --------
    {example_course}
    >>> from flbook.analysis import event_counts, event_log
    >>> plot_event_counts(event_counts(event_log(course)), y="learners", ax=ax) is ax
    True
    >>> ax.get_xlabel()
    'Learners'
    >>> plt.close(fig)
    """
    ax = get_ax(ax)
    if no_rows(data, column=y):
        return no_data(ax)
    labels = [_label(e) for e in data["event"]]
    vals = data[y].to_numpy(dtype=float)
    small = (
        small_rows(data, columns=["learners"], min_learners=min_learners)
        if "learners" in data
        else np.zeros(len(data), bool)
    )
    ax.barh(range(len(data)), np.where(small, np.nan, vals), color=COLORS["primary"])
    ax.set_yticks(range(len(data)))
    ax.set_yticklabels(labels)
    ax.set_ylim(len(data) - 0.5, -0.5)
    ax.set_xlabel("Events" if y == "events" else "Learners")
    if small.any():  # events of under 10 learners are not drawn
        labels = [
            f"{lab} ({small_label(min_learners)} learners)" if hide else lab
            for lab, hide in zip(labels, small, strict=True)
        ]
        ax.set_yticklabels(labels)
    thousands(ax, "x")
    return ax
