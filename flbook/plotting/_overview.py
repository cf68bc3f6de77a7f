"""Overview charts: what period each export covers."""

from __future__ import annotations

import pandas as pd
from matplotlib.axes import Axes

from ._base import PALETTE, get_ax, no_data, week_shading

__all__ = ["plot_daily_records"]


def plot_daily_records(
    data: pd.DataFrame, *, week_starts=(), top: int = 4, ax: Axes | None = None
) -> Axes:
    """Rows per day for the ``top`` largest datasets, on a log scale (from ``daily_records``).

    A log scale lets a small file (comments) and a large one (step activity) share the
    chart; gaps and a sudden end show as breaks in a line.
    """
    ax = get_ax(ax)
    if data.empty:
        return no_data(ax)
    biggest = data.groupby("dataset")["rows"].sum().nlargest(top).index
    for i, name in enumerate(biggest):
        part = data[data["dataset"] == name].sort_values("date")
        dates = pd.to_datetime(part["date"]).dt.tz_localize("UTC")
        ax.plot(dates, part["rows"], label=name, color=PALETTE[i % len(PALETTE)], lw=1.4)
    ax.set_yscale("log")
    ax.set_ylabel("Rows per day (log scale)")
    ax.set_xlabel("Date (UTC)")
    if len(week_starts):
        week_shading(ax, week_starts)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.28), fontsize=8, ncols=4)
    ax.figure.autofmt_xdate()
    return ax
