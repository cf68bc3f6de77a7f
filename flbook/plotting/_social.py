"""Social charts: comments over time, per step, first comments, likes, educators' share.

They draw the tables of :mod:`flbook.analysis` social functions; none of them ever
receives or shows comment text.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from ..analysis.arrays import sorted_distinct
from ..privacy import MIN_COUNT
from ._base import (
    COLORS,
    PALETTE,
    STRONG_PALETTE,
    concise_dates,
    date_lines,
    despine,
    finish_steps,
    get_ax,
    headroom,
    legend_above,
    no_data,
    no_rows,
    no_step_rows,
    ordered_steps,
    per_step,
    thousands,
    unstick,
    week_shading,
)
from ._docs import shared_docs
from ._steps import hide_small_bars, note_hidden

__all__ = [
    "plot_comments_over_time",
    "plot_comment_staircase",
    "plot_comments_per_step",
    "plot_first_comment_steps",
    "plot_likes",
    "plot_educator_share",
]

_AUTHOR_COLORS = {"learner": COLORS["primary"], "educator": COLORS["bad"], "other": COLORS["muted"]}


# --------------------------------------------------------------------------- helpers


def _series_order(data: pd.DataFrame, column: str = "series") -> list:
    s = data[column]
    if isinstance(s.dtype, pd.CategoricalDtype):
        present = set(s.dropna().unique())
        return [c for c in s.cat.categories if c in present]
    return list(dict.fromkeys(s.dropna()))


def _bin_words(times: pd.Series) -> str:
    """'per hour', 'per day' or 'per bin' from the spacing of the time bins."""
    t = sorted_distinct(times.to_numpy(dtype="datetime64[ns]").view(np.int64))
    if len(t) < 2:
        return "per bin"
    step = np.diff(t).min()
    return {3_600 * 10**9: "per hour", 86_400 * 10**9: "per day"}.get(int(step), "per bin")


def _color(name, i: int) -> str:
    return _AUTHOR_COLORS.get(str(name), STRONG_PALETTE[i % len(STRONG_PALETTE)])


def _dashes(i: int) -> str:
    """Line style for the i-th series: solid for the first 7 (one per colour), then others."""
    return ("-", "--", ":", "-.")[(i // len(STRONG_PALETTE)) % 4]


def _series_label(name) -> str:
    """A series name as a legend entry: ``fully_participated`` → ``fully participated``."""
    return str(name).replace("_", " ")


def _each_series(data: pd.DataFrame) -> Iterator[tuple[pd.DataFrame, dict]]:
    """Each series of a comments-over-time table: its rows in time order and line style."""
    for i, name in enumerate(_series_order(data)):
        part = data[data["series"] == name].sort_values("time")
        yield part, {"color": _color(name, i), "ls": _dashes(i), "label": _series_label(name)}


def _time_decorations(ax: Axes, data: pd.DataFrame, notable_dates, week_starts) -> None:
    """The date axis of a comments-over-time chart; a legend when it has several series."""
    if week_starts:
        week_shading(ax, week_starts)
    if notable_dates:
        date_lines(ax, dict(notable_dates))
    if week_starts or notable_dates:
        headroom(ax)  # the week names and date labels sit above the lines
    ax.set_xlabel("Date (UTC)")
    despine(ax)
    concise_dates(ax)
    if len(_series_order(data)) > 1:
        legend_above(ax)


# --------------------------------------------------------------------------- over time


@shared_docs
def plot_comments_over_time(
    data: pd.DataFrame,
    *,
    y: str = "cumulative",
    notable_dates: Mapping[str, object] | None = None,
    week_starts: Sequence | None = None,
    ax: Axes | None = None,
    **kwargs,
) -> Axes:
    """Comments over time: one line per series, study weeks shaded, notable dates marked.

    Parameters
    ----------
    data : the table of :func:`~flbook.analysis.comments_over_time` (``time, series,
        comments, cumulative``).
    y : ``"cumulative"`` (running total, default) or ``"comments"`` (per time bin).
    {notable_dates}
    week_starts : first day of each study week, shaded alternately
        (``course.config.week_starts``).
    {ax}
    **kwargs : passed to :meth:`~matplotlib.axes.Axes.plot`.

    {returns}

    Examples
    --------
    {example_course}
    >>> from flbook.analysis import comments_over_time
    >>> plot_comments_over_time(
    ...     comments_over_time(course, by="author_type"),
    ...     week_starts=course.config.week_starts,
    ...     ax=ax,
    ... ) is ax
    True
    >>> ax.get_ylabel()
    'Comments (cumulative)'
    >>> plt.close(fig)
    """
    ax = get_ax(ax)
    if no_rows(data):
        return no_data(ax)
    if y not in ("cumulative", "comments"):
        raise ValueError(f"y={y!r}: expected 'cumulative' or 'comments'")
    for part, style in _each_series(data):
        ax.plot(part["time"], part[y], lw=1.6, **style, **kwargs)
    if y == "cumulative":
        ax.set_ylabel("Comments (cumulative)")
    else:
        ax.set_ylabel(f"Comments {_bin_words(data['time'])}")
    ax.set_ylim(bottom=0)
    thousands(ax, "y")
    _time_decorations(ax, data, notable_dates, week_starts)
    return ax


@shared_docs
def plot_comment_staircase(
    data: pd.DataFrame,
    *,
    normalise: bool = False,
    week_starts: Sequence | None = None,
    ax: Axes | None = None,
    **kwargs,
) -> Axes:
    """Bursts of discussion as a staircase: cumulative comments as step lines per series.

    A steep riser is a burst of comments, a long tread a quiet spell. With
    ``normalise=True`` each series is shown as a percentage of its own total, so waves
    of different sizes (e.g. ``comments_over_time(course, by="week")``) compare.

    Parameters
    ----------
    data : the table of :func:`~flbook.analysis.comments_over_time`.
    normalise : draw each series as % of its final total.
    week_starts : first day of each study week, shaded alternately.
    {ax}
    **kwargs : passed to :meth:`~matplotlib.axes.Axes.step`.

    {returns}

    Examples
    --------
    {example_course}
    >>> from flbook.analysis import comments_over_time
    >>> plot_comment_staircase(
    ...     comments_over_time(course, by="week"),
    ...     week_starts=course.config.week_starts,
    ...     ax=ax,
    ... ) is ax
    True
    >>> ax.get_ylabel()
    'Comments (cumulative)'
    >>> plt.close(fig)
    """
    ax = get_ax(ax)
    if no_rows(data):
        return no_data(ax)
    for part, style in _each_series(data):
        values = part["cumulative"].to_numpy(dtype=float)
        if normalise and len(values) and values[-1] > 0:
            values = values / values[-1] * 100
        ax.step(part["time"], values, where="post", lw=1.4, **style, **kwargs)
    if normalise:
        ax.set_ylabel("% of the series' comments (cumulative)")
        ax.set_ylim(0, 102)
    else:
        ax.set_ylabel("Comments (cumulative)")
        ax.set_ylim(bottom=0)
        thousands(ax, "y")
    _time_decorations(ax, data, None, week_starts)
    return ax


# --------------------------------------------------------------------------- per step


@shared_docs
def plot_comments_per_step(
    data: pd.DataFrame,
    *,
    exercise_steps: Iterable[str] = (),
    social_steps: Iterable[str] = (),
    commenters: bool = True,
    ax: Axes | None = None,
) -> Axes:
    """Comments per step: top-level comments and replies stacked, distinct commenters as a line.

    Parameters
    ----------
    data : the table of :func:`~flbook.analysis.comments_per_step` (``step, comments,
        top_level, replies, commenters``).
    {steps}
    commenters : also draw the distinct commenters per step as a line.
    {ax}

    {returns}

    Examples
    --------
    {example_course}
    >>> from flbook.analysis import comments_per_step
    >>> plot_comments_per_step(
    ...     comments_per_step(course),
    ...     exercise_steps=course.config.exercise_steps,
    ...     social_steps=course.config.social_steps,
    ...     ax=ax,
    ... ) is ax
    True
    >>> ax.get_ylabel()
    'Comments'
    >>> plt.close(fig)
    """
    ax = get_ax(ax)
    if no_step_rows(data, column="comments"):
        return no_data(ax)
    steps = ordered_steps(data["step"])
    x = np.arange(len(steps))
    top = per_step(data, steps, "top_level")
    rep = per_step(data, steps, "replies")
    drawn = [
        ax.bar(x, top, width=0.8, color=COLORS["primary"], label="Top-level comments", zorder=2),
        ax.bar(x, rep, width=0.8, bottom=top, color=COLORS["light"], label="Replies", zorder=2),
    ]
    unstick(drawn[1], top)
    if commenters and "commenters" in data:
        (line,) = ax.plot(
            x,
            per_step(data, steps, "commenters"),
            color=COLORS["bad"],
            lw=1.5,
            marker="o",
            ms=2.5,
            label="Distinct commenters",
            zorder=3,
        )
        drawn.append(line)
    ax.set_ylabel("Comments")
    thousands(ax, "y")
    finish_steps(ax, steps, exercise_steps, social_steps, legend=True, order=drawn)
    return ax


@shared_docs
def plot_first_comment_steps(
    data: pd.DataFrame,
    *,
    exercise_steps: Iterable[str] = (),
    social_steps: Iterable[str] = (),
    min_learners: int = MIN_COUNT,
    ax: Axes | None = None,
) -> Axes:
    """Where learners posted their first comment: one bar per step.

    Parameters
    ----------
    data : the table of :func:`~flbook.analysis.first_comment_steps` (``step, learners``).
    {steps}
    min_learners : a bar of fewer learners is not drawn (:mod:`flbook.privacy`).
    {ax}

    {returns}

    Examples
    --------
    {example_course}
    >>> from flbook.analysis import first_comment_steps
    >>> plot_first_comment_steps(
    ...     first_comment_steps(course),
    ...     exercise_steps=course.config.exercise_steps,
    ...     social_steps=course.config.social_steps,
    ...     ax=ax,
    ... ) is ax
    True
    >>> ax.get_ylabel()
    'Learners (first comment)'
    >>> plt.close(fig)
    """
    ax = get_ax(ax)
    if no_step_rows(data, column="learners"):
        return no_data(ax)
    steps = ordered_steps(data["step"])
    heights, hidden = hide_small_bars(per_step(data, steps, "learners"), min_learners)
    ax.bar(
        np.arange(len(steps)),
        heights,
        width=0.8,
        color=COLORS["primary"],
        zorder=2,
    )
    ax.set_ylabel("Learners (first comment)")
    thousands(ax, "y")
    finish_steps(ax, steps, exercise_steps, social_steps, legend=True)
    if hidden:
        note_hidden(ax, min_learners)
    return ax


# --------------------------------------------------------------------------- likes


@shared_docs
def plot_likes(data: pd.DataFrame, *, y: str = "pct", ax: Axes | None = None) -> Axes:
    """The distribution of likes per comment, grouped bars per kind or author type.

    Parameters
    ----------
    data : the table of :func:`~flbook.analysis.likes_distribution` (``[kind |
        author_type,] likes, comments, pct``).
    y : ``"pct"`` (share of the group's comments, default) or ``"comments"``.
    {ax}

    {returns}

    Examples
    --------
    {example_course}
    >>> from flbook.analysis import likes_distribution
    >>> plot_likes(likes_distribution(course), ax=ax) is ax
    True
    >>> ax.get_xlabel()
    'Likes per comment'
    >>> plt.close(fig)
    """
    ax = get_ax(ax)
    if no_rows(data, column="comments"):
        return no_data(ax)
    group = next((c for c in ("kind", "author_type") if c in data), None)
    bins = _series_order(data, "likes")
    x = np.arange(len(bins))
    names = [None] if group is None else _series_order(data, group)
    k = len(names)
    width = 0.8 / k
    for i, name in enumerate(names):
        part = data if name is None else data[data[group] == name]
        heights = (
            part.groupby(part["likes"].astype(str))[y]
            .sum()
            .reindex([str(b) for b in bins], fill_value=0)
        )
        label = None if name is None else str(name).replace("_", " ")
        ax.bar(
            x + (i - (k - 1) / 2) * width,
            heights.to_numpy(dtype=float),
            width=width,
            color=_color(name, i) if group == "author_type" else PALETTE[i % len(PALETTE)],
            label=label,
            zorder=2,
        )
    ax.set_xticks(x)
    ax.set_xticklabels([str(b) for b in bins])
    ax.set_xlabel("Likes per comment")
    ax.set_ylabel("% of comments" if y == "pct" else "Comments")
    if y != "pct":
        thousands(ax, "y")
    despine(ax)
    if k > 1:
        legend_above(ax)
    return ax


# --------------------------------------------------------------------------- educators


@shared_docs
def plot_educator_share(data: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Who is talking: each period's comments split by author type, as 100 % bars.

    Parameters
    ----------
    data : the table of :func:`~flbook.analysis.educator_share` (``period, author_type,
        comments, pct``).
    {ax}

    {returns}

    Examples
    --------
    {example_course}
    >>> from flbook.analysis import educator_share
    >>> plot_educator_share(educator_share(course), ax=ax) is ax
    True
    >>> ax.get_xlabel()
    '% of comments'
    >>> plt.close(fig)
    """
    ax = get_ax(ax)
    if no_rows(data, column="comments"):
        return no_data(ax)
    periods = _series_order(data, "period")
    types = _series_order(data, "author_type")
    yv = np.arange(len(periods))
    left = np.zeros(len(periods))
    for i, t in enumerate(types):
        part = data[data["author_type"] == t]
        pct = (
            part.groupby(part["period"].astype(str))["pct"]
            .sum()
            .reindex([str(p) for p in periods], fill_value=0)
            .fillna(0)
            .to_numpy(dtype=float)
        )
        bars = ax.barh(yv, pct, left=left, color=_color(t, i), label=str(t), height=0.7, zorder=2)
        unstick(bars, left, horizontal=True)
        left += pct
    ax.set_yticks(yv)
    ax.set_yticklabels([str(p) for p in periods])
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_xlabel("% of comments")
    despine(ax)
    legend_above(ax)
    return ax
