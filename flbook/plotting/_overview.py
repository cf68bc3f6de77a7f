"""Overview charts: what period each export covers."""

from __future__ import annotations

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.ticker import FuncFormatter

from ._base import PALETTE, get_ax, no_data, week_shading
from ._docs import shared_docs

__all__ = ["plot_daily_records"]


@shared_docs
def plot_daily_records(
    data: pd.DataFrame, *, week_starts=(), top: int = 4, ax: Axes | None = None
) -> Axes:
    """Rows per day of the first ``top`` datasets, on a log scale (from ``daily_records``).

    A log scale lets a small file (comments) and a large one (step activity) share the
    chart. One line per dataset, through its rows as they are: the recipe lists each
    dataset from its first day to its last with a zero for a day without rows (the
    scale is linear from 0 to 1), so a gap shows as a drop to the bottom and a sudden
    end as the line stopping.

    Parameters
    ----------
    data : the table :func:`~flbook.analysis.daily_records` returned.
    {week_starts}
    top : the datasets drawn: the first ``top`` of the table (it lists the largest
        first).
    {ax}

    {returns}

    Examples
    --------
    {example_course}
    >>> from flbook.analysis import daily_records
    >>> plot_daily_records(
    ...     daily_records(course),
    ...     week_starts=course.config.week_starts,
    ...     ax=ax,
    ... ) is ax
    True
    >>> ax.get_yscale()
    'symlog'
    >>> len(ax.lines) > 0
    True
    >>> plt.close(fig)
    """
    ax = get_ax(ax)
    if data.empty:
        return no_data(ax)
    names = list(dict.fromkeys(data["dataset"]))[:top]
    for i, name in enumerate(names):
        part = data[data["dataset"] == name]
        dates = pd.DatetimeIndex(part["date"]).tz_localize("UTC")
        ax.plot(
            dates,
            part["rows"].to_numpy(),
            label=name,
            color=PALETTE[i % len(PALETTE)],
            lw=1.4,
            gid=name,
        )
    ax.set_yscale("symlog", linthresh=1, linscale=0.4)
    ax.set_ylim(bottom=0)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
    ax.set_ylabel("Rows per day (log scale)")
    ax.set_xlabel("Date (UTC)")
    if len(week_starts):
        week_shading(ax, week_starts)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.28), fontsize=8, ncols=4)
    ax.tick_params(axis="x", labelrotation=30)  # slanted dates, on this Axes only
    for label in ax.get_xticklabels():
        label.set_horizontalalignment("right")
    return ax
