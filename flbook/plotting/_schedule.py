"""Charts for scheduling support: activity by day of week and hour of day, and day by day."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter, MaxNLocator

from ..analysis import hourly_summary, weekday_summary
from ..privacy import MIN_COUNT
from ._base import (
    COLORS,
    PALETTE,
    STRONG_PALETTE,
    concise_dates,
    despine,
    get_ax,
    legend_above,
    no_data,
    no_rows,
    thousands,
    week_shading,
)
from ._docs import shared_docs

__all__ = [
    "plot_activity_heatmap",
    "plot_activity_bubbles",
    "plot_hourly",
    "plot_weekday",
    "plot_daily_activity",
    "DAILY_LABELS",
]

DAILY_LABELS = {
    "enrolled": "Enrolments",
    "unenrolled": "Unenrolments",
    "visited": "Step visits",
    "completed": "Steps completed",
    "commented": "Comments",
    "answered": "Quiz answers",
}
"""How :func:`plot_daily_activity` names the event types of
:func:`~flbook.analysis.daily_activity` (other types are named as they are)."""

_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _label(event) -> str:
    return str(event).replace("_", " ")


def _tz(data: pd.DataFrame, timezone: str | None) -> str:
    return timezone or data.attrs.get("timezone", "UTC")


def _grid(data: pd.DataFrame, event: str) -> np.ndarray | None:
    """The 7 × 24 counts of one event type (days down, hours across), or None."""
    if no_rows(data):
        return None
    d = data[data["event"].astype("object") == event]
    if d.empty or d["count"].sum() == 0:
        return None
    grid = np.zeros((7, 24))
    day = pd.Categorical(d["day_of_week"].astype("object"), categories=list(_DAYS)).codes
    grid[day, d["hour"].to_numpy()] = d["count"].to_numpy()
    return grid


def _week_axes(ax: Axes, timezone: str) -> None:
    ax.set_yticks(np.arange(7) + 0.5)
    ax.set_yticklabels(_DAYS)
    ax.set_ylim(7, 0)
    ax.set_xticks(np.arange(0, 24, 3) + 0.5)
    ax.set_xticklabels([f"{h:02d}" for h in range(0, 24, 3)])
    ax.set_xlim(0, 24)
    ax.set_xlabel(f"Hour of day ({timezone})")


@shared_docs
def plot_activity_heatmap(
    data: pd.DataFrame,
    *,
    event: str = "visited",
    timezone: str | None = None,
    cmap: str = "Blues",
    ax: Axes | None = None,
) -> Axes:
    """Heatmap of one event type's counts: day of week (rows) × hour of day (columns).

    Parameters
    ----------
    data : DataFrame
        The output of :func:`~flbook.analysis.activity_by_hour`.
    event : str
        Which event type (e.g. ``"visited"``, ``"commented"``).
    timezone : str, optional
        Time zone named on the hour axis (default: the one the data was made in).
    cmap : str
        A sequential colour map.
    {ax}

    Draws 7 × 24 cells (one QuadMesh) and a colour bar of counts beside ``ax``.

    {returns}

    Examples
    --------
    {example_course}
    >>> from flbook.analysis import activity_by_hour
    >>> plot_activity_heatmap(activity_by_hour(course), event="visited", ax=ax) is ax
    True
    >>> ax.get_xlabel()
    'Hour of day (UTC)'
    >>> plt.close(fig)
    """
    ax = get_ax(ax)
    grid = _grid(data, event)
    if grid is None:
        return no_data(ax, f"No {_label(event)} activity")
    mesh = ax.pcolormesh(
        np.arange(25), np.arange(8), grid, cmap=cmap, edgecolors="white", linewidth=0.3
    )
    _week_axes(ax, _tz(data, timezone))
    bar = ax.figure.colorbar(mesh, ax=ax, fraction=0.04, pad=0.02)
    bar.set_label(f"{_label(event).capitalize()} (count)")
    bar.locator = MaxNLocator(nbins=6, integer=True)
    bar.formatter = FuncFormatter(lambda v, _: f"{v:,.0f}")
    bar.update_ticks()
    return ax


@shared_docs
def plot_activity_bubbles(
    data: pd.DataFrame,
    *,
    event: str = "visited",
    timezone: str | None = None,
    max_size: float = 400.0,
    ax: Axes | None = None,
) -> Axes:
    """Bubble matrix of one event type: day of week × hour of day, area ∝ count.

    The busiest hour of the week has a bubble of area ``max_size`` (points²); a
    small size key is given in the legend.

    Parameters
    ----------
    data : the table :func:`~flbook.analysis.activity_by_hour` returned.
    event : which event type (e.g. ``"visited"``, ``"commented"``).
    timezone : time zone named on the hour axis (default: the one the data was made in).
    max_size : the area (points²) of the busiest hour's bubble.
    {ax}

    {returns}

    Examples
    --------
    {example_course}
    >>> from flbook.analysis import activity_by_hour
    >>> plot_activity_bubbles(activity_by_hour(course), event="visited", ax=ax) is ax
    True
    >>> ax.get_xlabel()
    'Hour of day (UTC)'
    >>> plt.close(fig)
    """
    ax = get_ax(ax)
    grid = _grid(data, event)
    if grid is None:
        return no_data(ax, f"No {_label(event)} activity")
    day, hour = np.nonzero(np.ones_like(grid))
    counts = grid[day, hour]
    top = counts.max()
    sizes = max_size * counts / top
    ax.scatter(hour + 0.5, day + 0.5, s=sizes, color=COLORS["primary"], alpha=0.7, lw=0)
    _week_axes(ax, _tz(data, timezone))
    ax.grid(color="#eeeeee", lw=0.5)
    key = _size_key(top)
    handles = [
        Line2D(
            [],
            [],
            ls="",
            marker="o",
            color=COLORS["primary"],
            alpha=0.7,
            markersize=np.sqrt(max_size * k / top),
            label=f"{k:,.0f}",
        )
        for k in key
    ]
    ax.legend(
        handles=handles,
        title=f"{_label(event).capitalize()} (count)",
        frameon=False,
        fontsize=8,
        title_fontsize=8,
        loc="upper left",
        bbox_to_anchor=(1.01, 1),
        labelspacing=1.5,
    )
    return ax


def _nice(x: float) -> float:
    """The largest of 1, 2, 5 × 10^k not above ``x`` (at least 1)."""
    if x <= 1:
        return 1.0
    p = 10 ** np.floor(np.log10(x))
    return float(max(m * p for m in (1, 2, 5) if m * p <= x))


def _size_key(top: float) -> list[float]:
    """Up to three distinct round counts for the bubble legend, largest first."""
    return sorted({float(top), _nice(top / 2), _nice(top / 10)}, reverse=True)


def _active_events(d: pd.DataFrame) -> list[tuple[int, str]]:
    """(colour index, event) of the event types with any activity, in the table's order.

    An event type without activity (no comments on the course, say) would only add a
    flat line at 0 or an empty slot to every day; its colour stays reserved so each type
    keeps one colour from chart to chart.
    """
    labels = d["event"].astype(str)
    totals = d.groupby(labels.to_numpy(), sort=False)["count"].sum()
    return [(i, e) for i, e in enumerate(dict.fromkeys(labels)) if totals.get(e, 0) > 0]


def _per_event(data: pd.DataFrame, by: str) -> pd.DataFrame:
    """The summary to draw: ``data`` when it is one (event, by, count, pct), else the
    analysis layer's summary of the full 7 × 24 table (nothing is counted here)."""
    if "pct" in data.columns and by in data.columns and len(data.columns) == 4:
        return data
    return hourly_summary(data) if by == "hour" else weekday_summary(data)


@shared_docs
def plot_hourly(
    data: pd.DataFrame, *, y: str = "pct", timezone: str | None = None, ax: Axes | None = None
) -> Axes:
    """Activity by hour of day: one line per event type with any activity.

    Parameters
    ----------
    data : DataFrame
        The output of :func:`~flbook.analysis.hourly_summary` (or of
        :func:`~flbook.analysis.activity_by_hour`, which that summarises first).
    y : {"pct", "count"}
        Share of each event type's activity (%, comparable across types), or counts.
    {ax}

    {returns}

    Examples
    --------
    The whole day × hour table of a course, summarised first, in the course team's
    time zone and as counts:

    {example_course}
    >>> from flbook.analysis import activity_by_hour
    >>> ax = plot_hourly(activity_by_hour(course, timezone="Europe/London"), y="count", ax=ax)
    >>> ax.get_xlabel(), ax.get_ylabel()
    ('Hour of day (Europe/London)', 'Events')
    >>> [line.get_label() for line in ax.lines]
    ['visited', 'completed', 'commented', 'answered']
    >>> plt.close(fig)
    """
    ax = get_ax(ax)
    if no_rows(data, column="count"):
        return no_data(ax)
    timezone = _tz(data, timezone)
    d = _per_event(data, "hour")
    labels = d["event"].astype(str).to_numpy()
    for i, event in _active_events(d):  # event types: a handful
        sub = d[labels == event]
        ax.plot(
            sub["hour"],
            sub[y],
            marker="o",
            markersize=3,
            color=STRONG_PALETTE[i % len(STRONG_PALETTE)],
            label=_label(event),
        )
    ax.set_xticks(range(0, 24, 3))
    ax.set_xlim(-0.5, 23.5)
    ax.set_xlabel(f"Hour of day ({timezone})")
    ax.set_ylabel("Share of the activity (%)" if y == "pct" else "Events")
    if y == "count":
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
    ax.set_ylim(bottom=0)
    legend_above(ax)
    return ax


@shared_docs
def plot_weekday(data: pd.DataFrame, *, y: str = "pct", ax: Axes | None = None) -> Axes:
    """Activity by day of week: grouped bars, one colour per event type.

    Event types without any activity are left out (their colour stays reserved, so each
    type has the same colour here and in :func:`plot_hourly`).

    :func:`~flbook.analysis.activity_by_hour` is summarised first (by
    :func:`~flbook.analysis.weekday_summary`).

    Parameters
    ----------
    data : the table :func:`~flbook.analysis.weekday_summary` (or
        :func:`~flbook.analysis.activity_by_hour`) returned.
    y : ``"pct"`` (share of each event type's activity) or ``"count"``.
    {ax}

    {returns}

    Examples
    --------
    A summary in which comments had no activity: the bars are the ``pct`` column of
    the visits alone.

    >>> import matplotlib.pyplot as plt
    >>> import pandas as pd
    >>> days = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    >>> week = pd.DataFrame({
    ...     "event": ["visited"] * 7 + ["commented"] * 7,
    ...     "day_of_week": days * 2,
    ...     "count": [8, 4, 2, 2, 2, 1, 1] + [0] * 7,
    ...     "pct": [40.0, 20.0, 10.0, 10.0, 10.0, 5.0, 5.0] + [0.0] * 7})
    >>> fig, ax = plt.subplots()
    >>> ax = plot_weekday(week, ax=ax)
    >>> [float(bar.get_height()) for bar in ax.patches]
    [40.0, 20.0, 10.0, 10.0, 10.0, 5.0, 5.0]
    >>> ax.get_ylabel()
    'Share of the activity (%)'
    >>> plt.close(fig)
    """
    ax = get_ax(ax)
    if no_rows(data, column="count"):
        return no_data(ax)
    d = _per_event(data, "day_of_week")
    events = _active_events(d)
    width = 0.8 / len(events)
    for j, (i, event) in enumerate(events):  # event types
        sub = d[d["event"].astype(str) == event]
        x = pd.Categorical(sub["day_of_week"].astype("object"), categories=list(_DAYS)).codes
        ax.bar(
            x - 0.4 + width * (j + 0.5),
            sub[y].to_numpy(),
            width=width,
            color=STRONG_PALETTE[i % len(STRONG_PALETTE)],
            label=_label(event),
        )
    ax.set_xticks(range(7))
    ax.set_xticklabels(_DAYS)
    ax.set_ylabel("Share of the activity (%)" if y == "pct" else "Events")
    if y == "count":
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
    legend_above(ax)
    return ax


def daily_series(
    data: pd.DataFrame, *, cumulative: bool = False, min_learners: int = MIN_COUNT
) -> dict[str, np.ndarray]:
    """The drawn values of each event type of a :func:`~flbook.analysis.daily_activity` table.

    The small-count rule (:mod:`flbook.privacy`): a day whose count is about 1 to
    ``min_learners - 1`` learners is NaN (not drawn); cumulative counts add up the days
    that are drawn. Event types in the table's order, days in date order.
    """
    out: dict[str, np.ndarray] = {}
    for event, part in data.groupby("event", observed=True, sort=True):
        learners = part["learners"].to_numpy()
        values = part["count"].to_numpy(dtype=float)
        hidden = (learners > 0) & (learners < min_learners)
        if cumulative:
            out[str(event)] = np.cumsum(np.where(hidden, 0.0, values))
        else:
            out[str(event)] = np.where(hidden, np.nan, values)
    return out


@shared_docs
def plot_daily_activity(
    data: pd.DataFrame,
    *,
    events=None,
    cumulative: bool = False,
    week_starts=(),
    min_learners: int = MIN_COUNT,
    ax: Axes | None = None,
) -> Axes:
    """One line per event type: its count on each day of the run.

    Parameters
    ----------
    data : :func:`~flbook.analysis.daily_activity` output.
    events : the event types to draw (default all in ``data``), named by
        :data:`DAILY_LABELS`; each keeps the colour of its place in ``data``.
    cumulative : draw running totals instead of daily counts.
    week_starts : start dates of the study weeks, shaded and labelled W1, W2, ...
    min_learners : the small-count rule (:mod:`flbook.privacy`): a day about fewer learners
        is not drawn (nor added up in running totals), and the x label says so.
    {ax}

    {returns}

    Examples
    --------
    {example_course}
    >>> from flbook.analysis import daily_activity
    >>> plot_daily_activity(daily_activity(course), ax=ax) is ax
    True
    >>> ax.get_xlabel()
    'Date (UTC)\\nDays with 1 to 9 learners are not drawn'
    >>> plt.close(fig)
    """

    ax = get_ax(ax)
    if no_rows(data):
        return no_data(ax)
    series = daily_series(data, cumulative=cumulative, min_learners=min_learners)
    order = list(series)
    wanted = order if events is None else [str(e) for e in events]
    dates = pd.DatetimeIndex(data["date"].drop_duplicates().sort_values())
    hidden = False
    for event in wanted:
        i = order.index(event)
        part = data[data["event"].astype("object") == event]
        small = ((part["learners"] > 0) & (part["learners"] < min_learners)).any()
        hidden = hidden or bool(small)
        ax.plot(
            dates,
            series[event],
            label=DAILY_LABELS.get(event, event),
            color=PALETTE[i % len(PALETTE)],
        )
    if len(week_starts):
        week_shading(ax, [pd.Timestamp(w) for w in week_starts])
    ax.set_ylabel("Cumulative" if cumulative else "Per day")
    ax.set_xlabel(f"Date ({data.attrs.get('timezone', 'UTC')})")
    if hidden:
        ax.set_xlabel(
            f"{ax.get_xlabel()}\nDays with 1 to {min_learners - 1} learners are not drawn"
            + (" nor added up" if cumulative else "")
        )
    thousands(ax, "y")
    legend_above(ax)
    concise_dates(ax)  # "Feb", "08", "15": no slanted dates
    despine(ax)
    return ax
