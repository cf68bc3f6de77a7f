"""Charts of the video statistics: retention curves, views by device and by region.

Each function draws a table from :mod:`flbook.analysis` (``video_retention``,
``video_devices``, ``video_regions``) on one Axes, as it is given; an empty table (a run
without video statistics) draws "No data".
"""

from __future__ import annotations

import pandas as pd
from matplotlib.axes import Axes

from ._base import (
    COLORS,
    PALETTE,
    STRONG_PALETTE,
    fit_labels,
    get_ax,
    no_data,
    no_rows,
    stacked_bars,
)
from ._docs import shared_docs

__all__ = [
    "plot_video_retention",
    "plot_video_devices",
    "plot_video_regions",
]


def _shorten(text: str, width: int) -> str:
    """``text`` cut to ``width`` characters, ending in "…" when cut."""
    return text if len(text) <= width else text[: width - 1].rstrip() + "\u2026"


@shared_docs
def plot_video_retention(data: pd.DataFrame, *, top: int = 8, ax: Axes | None = None) -> Axes:
    """Video retention curves: % of viewers still watching at 5%, 10%, ... 100% of each video.

    Parameters
    ----------
    data : :func:`flbook.analysis.video_retention` output: one line per video, through
        its points in the table's order.
    top : the most legend entries, one per video; with more videos than this, lines are
        coloured by week (one legend entry per week).
    {ax}

    {returns}

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> import pandas as pd
    >>> points = pd.DataFrame({"video": pd.Categorical(["1.1 Welcome"] * 3),
    ...                        "step": ["1.1"] * 3, "pct_of_video": [5, 50, 100],
    ...                        "pct_viewers": [95.0, 70.0, 40.0]})
    >>> fig, ax = plt.subplots()
    >>> ax = plot_video_retention(points, ax=ax)
    >>> ax.lines[0].get_ydata().tolist()
    [95.0, 70.0, 40.0]
    >>> plt.close(fig)
    """
    ax = get_ax(ax)
    if no_rows(data):
        return no_data(ax)
    by_week = data["video"].nunique() > top
    seen_weeks = set()
    for video, part in data.groupby("video", observed=True, sort=True):
        step = part["step"].iloc[0]
        week = str(step).split(".")[0] if pd.notna(step) else "?"
        if by_week:
            color = (
                STRONG_PALETTE[(int(week) - 1) % len(STRONG_PALETTE)]
                if week.isdigit()
                else COLORS["muted"]
            )
            label = f"Week {week}" if week not in seen_weeks else None
            seen_weeks.add(week)
        else:
            color = STRONG_PALETTE[len(ax.lines) % len(STRONG_PALETTE)]
            label = _shorten(str(video), 45)
        ax.plot(
            part["pct_of_video"],
            part["pct_viewers"],
            marker="o",
            ms=3,
            lw=1.4,
            color=color,
            label=label,
            alpha=0.8 if by_week else 1.0,
        )
    ax.set_xlim(0, 102)
    ax.set_ylim(0, 102)
    ax.set_xticks([5, 10, 25, 50, 75, 95, 100])
    ax.set_xlabel("Point in the video (% of its length)")
    ax.set_ylabel("% of views reaching it")
    ax.legend(frameon=False, fontsize=7, loc="lower left")
    return ax


def _video_shares(data: pd.DataFrame, by: str, ax: Axes | None) -> Axes:
    """One 100% bar per video (a row of ``data``), a segment per ``by`` column."""
    ax = get_ax(ax)
    if no_rows(data):
        return no_data(ax)
    if by in data:
        raise ValueError(
            f"plot_video_{by}s draws the table of video_{by}s(course, wide=True); "
            "this one is the long form"
        )
    table = data.drop(columns=["video", "step"])
    y = range(len(table))
    stacked_bars(ax, y, table, PALETTE, horizontal=True)
    ax.set_yticks(y)
    labels, size = fit_labels(ax, [str(v) for v in data["video"]])  # long titles shortened
    ax.set_yticklabels(labels, fontsize=size)
    ax.set_ylim(len(table) - 0.4, -0.6)
    ax.set_xlim(0, 100)
    ax.set_xlabel(f"% of the video's views, by {by}")
    ax.legend(frameon=False, fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return ax


@shared_docs
def plot_video_devices(data: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Share of each video's views per device: one 100% bar per video.

    Parameters
    ----------
    data : :func:`flbook.analysis.video_devices` output with ``wide=True``: a bar per
        row, a segment per device column.
    {ax}

    {returns}

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> import pandas as pd
    >>> shares = pd.DataFrame({"video": ["1.1 Welcome", "1.4 Tools"], "step": ["1.1", "1.4"],
    ...                        "desktop": [70.0, 55.0], "mobile": [30.0, 45.0]})
    >>> fig, ax = plt.subplots()
    >>> ax = plot_video_devices(shares, ax=ax)
    >>> [[float(bar.get_width()) for bar in layer] for layer in ax.containers]
    [[70.0, 55.0], [30.0, 45.0]]
    >>> plt.close(fig)
    """
    return _video_shares(data, "device", ax)


@shared_docs
def plot_video_regions(data: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Share of each video's views per world region: one 100% bar per video.

    Parameters
    ----------
    data : :func:`flbook.analysis.video_regions` output with ``wide=True``: a bar per
        row, a segment per region column.
    {ax}

    {returns}

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> import pandas as pd
    >>> shares = pd.DataFrame({"video": ["1.1 Welcome"], "step": ["1.1"],
    ...                        "Europe": [60.0], "Asia": [40.0]})
    >>> fig, ax = plt.subplots()
    >>> ax = plot_video_regions(shares, ax=ax)
    >>> [layer.get_label() for layer in ax.containers], ax.get_xlabel()
    (['Europe', 'Asia'], "% of the video's views, by region")
    >>> plt.close(fig)
    """
    return _video_shares(data, "region", ax)
