"""Charts of enrolment over time and of how long learners stay."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.ticker import FuncFormatter, MaxNLocator, MultipleLocator

from ..privacy import MIN_COUNT
from ._base import (
    COLORS,
    date_lines,
    get_ax,
    headroom,
    legend_above,
    no_data,
    no_rows,
    thousands,
    week_shading,
)
from ._docs import shared_docs

__all__ = ["plot_enrolment_timeline", "plot_daily_enrolments", "plot_duration_histogram"]

MEASURE_STYLE: dict[str, tuple[str, str]] = {
    "enrolled": ("Enrolled", COLORS["primary"]),
    "unenrolled": ("Unenrolled", COLORS["bad"]),
    "fully_participated": ("Fully participated", COLORS["good"]),
    "purchased": ("Bought a certificate", COLORS["secondary"]),
}


def _date_axis(ax: Axes) -> None:
    locator = mdates.AutoDateLocator(minticks=4, maxticks=10)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))


def _measures(data: pd.DataFrame) -> list[str]:
    m = data["measure"]
    present = set(m.astype("str").unique())
    order = list(m.cat.categories) if isinstance(m.dtype, pd.CategoricalDtype) else []
    order += [x for x in pd.unique(m.astype("str")) if x not in order]
    return [x for x in order if x in present]


@shared_docs
def plot_enrolment_timeline(
    data: pd.DataFrame,
    *,
    notable_dates: dict | None = None,
    week_starts: Sequence | None = None,
    y: str = "cumulative",
    ax: Axes | None = None,
) -> Axes:
    """One line per measure: cumulative enrolments, unenrolments, full participation, purchases.

    Parameters
    ----------
    data : the table :func:`~flbook.analysis.enrolment_timeline` returned.
    {notable_dates}
    {week_starts}
    y : ``"cumulative"`` (running totals, default) or ``"learners"`` (per period).
    {ax}

    {returns}

    Examples
    --------
    {example_course}
    >>> from flbook.analysis import enrolment_timeline
    >>> plot_enrolment_timeline(
    ...     enrolment_timeline(course),
    ...     week_starts=course.config.week_starts,
    ...     ax=ax,
    ... ) is ax
    True
    >>> ax.get_ylabel()
    'Learners (cumulative)'
    >>> len(ax.lines) >= 4
    True
    >>> plt.close(fig)
    """
    ax = get_ax(ax)
    if no_rows(data):
        return no_data(ax)
    for m in _measures(data):  # four measures
        part = data[data["measure"].astype("str") == m].sort_values("date")
        label, color = MEASURE_STYLE.get(m, (m.replace("_", " ").capitalize(), COLORS["muted"]))
        ax.plot(
            part["date"],
            part[y].to_numpy(),
            label=label,
            color=color,
            lw=1.8,
            drawstyle="steps-post" if y == "cumulative" else "default",
        )
    if week_starts:
        week_shading(ax, week_starts)
    if notable_dates:
        date_lines(ax, dict(notable_dates))
    ax.set_ylim(bottom=0)
    if week_starts or notable_dates:
        headroom(ax)  # the week names and date labels sit above the lines
    thousands(ax, "y")
    _date_axis(ax)
    ax.set_ylabel("Learners (cumulative)" if y == "cumulative" else "Learners")
    ax.set_xlabel("Date (UTC)")
    legend_above(ax)
    return ax


@shared_docs
def plot_daily_enrolments(
    data: pd.DataFrame,
    *,
    notable_dates: dict | None = None,
    week_starts: Sequence | None = None,
    min_learners: int = MIN_COUNT,
    ax: Axes | None = None,
) -> Axes:
    """Bars per day: enrolments upwards, unenrolments downwards.

    Parameters
    ----------
    data : the table :func:`~flbook.analysis.daily_enrolments` returned.
    {notable_dates}
    {week_starts}
    min_learners : the small-count rule (:mod:`flbook.privacy`): a day with 1 to
        ``min_learners - 1`` learners has no bar, and the x label says how many such days.
    {ax}

    {returns}

    Examples
    --------
    {example_course}
    >>> from flbook.analysis import daily_enrolments
    >>> plot_daily_enrolments(
    ...     daily_enrolments(course),
    ...     week_starts=course.config.week_starts,
    ...     ax=ax,
    ... ) is ax
    True
    >>> ax.get_ylabel()
    'Learners per day\\n(unenrolled below the line)'
    >>> plt.close(fig)
    """
    ax = get_ax(ax)
    if no_rows(data):
        return no_data(ax)
    m = data["measure"].astype("str")
    counts = data["learners"].to_numpy()
    small = (counts > 0) & (counts < min_learners)
    up = data[(m == "enrolled").to_numpy() & ~small]
    down = data[(m == "unenrolled").to_numpy() & ~small]
    width = 0.85  # days
    if len(up):
        ax.bar(
            up["date"],
            up["learners"].to_numpy(),
            width=width,
            color=COLORS["primary"],
            label="Enrolled",
            align="edge",
        )
    if len(down):
        ax.bar(
            down["date"],
            -down["learners"].to_numpy(),
            width=width,
            color=COLORS["bad"],
            label="Unenrolled",
            align="edge",
        )
    ax.axhline(0, color="#333333", lw=0.8)
    if week_starts:
        week_shading(ax, week_starts)
    if notable_dates:
        date_lines(ax, dict(notable_dates))
    if week_starts or notable_dates:
        headroom(ax, 0.1)  # the week names and date labels sit above the bars
    ax.yaxis.set_major_locator(MaxNLocator(nbins="auto", integer=True))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{abs(v):,.0f}"))
    _date_axis(ax)
    ax.set_ylabel("Learners per day\n(unenrolled below the line)")
    ax.set_xlabel("Date (UTC)")
    if small.any():
        days = int(data.loc[small, "date"].nunique())
        ax.set_xlabel(
            f"Date (UTC)\n{days:,} day(s) with 1 to {min_learners - 1} learners enrolling or "
            f"unenrolling have no bar (counts under {min_learners} are not shown)"
        )
    legend_above(ax)
    return ax


@shared_docs
def plot_duration_histogram(
    data: pd.DataFrame,
    *,
    measure: str = "study_days",
    weeks: int | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Bars: learners per whole day of a duration (time to unenrol or to full participation).

    A dashed line marks the median; for study days, dotted lines mark the end of each
    study week, up to the last one (``weeks``): days after the course has ended get no
    week lines. Ticks fall on whole weeks (0, 7, 14, ...) once the durations pass two
    weeks.

    Parameters
    ----------
    data : the table :func:`~flbook.analysis.time_to_unenrol` or
        :func:`~flbook.analysis.time_to_full_participation` returned.
    measure : ``"study_days"`` (from the later of enrolment and course start, default) or
        ``"days"`` (from enrolment).
    weeks : the course's number of study weeks (``course.config.weeks``): a dotted line
        ends each of them. ``None``: no week lines.
    {ax}

    {returns}

    Examples
    --------
    {example_course}
    >>> from flbook.analysis import time_to_unenrol
    >>> plot_duration_histogram(time_to_unenrol(course), measure="days", ax=ax) is ax
    True
    >>> ax.get_xlabel()
    'Days from enrolment'
    >>> plt.close(fig)
    """
    if measure not in ("days", "study_days"):
        raise ValueError(f"measure must be 'days' or 'study_days', got {measure!r}")
    ax = get_ax(ax)
    if no_rows(data):
        return no_data(ax)
    part = data[data["measure"].astype("str") == measure].sort_values("days")
    if len(part) == 0 or part["learners"].sum() == 0:
        return no_data(ax, "No data" if measure == "days" else "No study days (start date unknown)")
    days = part["days"].to_numpy(dtype="float64")
    counts = part["learners"].to_numpy(dtype="float64")
    bars = ax.bar(days, counts, width=0.9, color=COLORS["primary"], label="Learners")
    last = days.max()
    if measure == "study_days" and weeks:
        for w in np.arange(7, min(last, 7 * weeks) + 1, 7):  # a line per study week
            ax.axvline(w - 0.5, color=COLORS["muted"], lw=0.8, ls=":", zorder=0, gid="week-end")
    cum = np.cumsum(counts)
    median = days[np.searchsorted(cum, cum[-1] / 2, side="left")]
    line = ax.axvline(median, color=COLORS["bad"], lw=1.2, ls="--", label=f"Median: {median:.0f}")
    ax.set_xlim(-0.8, last + 0.8)
    thousands(ax, "y")
    if last >= 14:  # ticks on whole weeks (7, 14, ...), at most about a dozen
        ax.xaxis.set_major_locator(MultipleLocator(7 * max(1, int(np.ceil(last / 7 / 12)))))
    else:
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel("Learners")
    ax.set_xlabel(
        "Study days (from the later of enrolment and course start)"
        if measure == "study_days"
        else "Days from enrolment"
    )
    legend_above(ax, [bars, line])
    return ax
