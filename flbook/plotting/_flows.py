"""Step-flow charts: the transition matrix, jumps forward and back, time on step.

Each function draws a table from :mod:`flbook.analysis._flows` on one Axes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.colors import LogNorm
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from ..analysis.arrays import sorted_distinct
from ._base import COLORS, get_ax, no_data, no_rows, step_axis
from ._docs import shared_docs

__all__ = ["plot_transition_matrix", "plot_step_jumps", "plot_time_on_step"]


@shared_docs
def plot_transition_matrix(
    data: pd.DataFrame,
    *,
    y: str = "pct",
    cmap: str = "Blues",
    ax: Axes | None = None,
) -> Axes:
    """Heat map of moves between steps: rows the step left, columns the step visited next.

    Steps are in course order on both axes, so the usual path is the diagonal just
    right of the main diagonal; cells further right are skips forward, cells left of the
    diagonal are moves back. The colour scale is logarithmic so that rare moves show.

    Parameters
    ----------
    data : :func:`flbook.analysis.step_transitions` output.
    y : ``"pct"`` (share of the moves out of the row's step) or ``"learners"``.
    cmap : matplotlib colour map.
    {ax}

    {returns}

    Examples
    --------
    {example_course}
    >>> from flbook.analysis import step_transitions
    >>> plot_transition_matrix(step_transitions(course), ax=ax) is ax
    True
    >>> len(ax.images)
    1
    >>> plt.close(fig)
    """
    ax = get_ax(ax)
    if no_rows(data, column="learners"):
        return no_data(ax)
    steps = list(data["from_step"].cat.categories)
    n = len(steps)
    grid = np.full((n, n), np.nan)
    f = data["from_step"].cat.codes.to_numpy()
    t = data["to_step"].cat.codes.to_numpy()
    grid[f, t] = data[y].to_numpy(dtype=float)
    positive = grid[np.isfinite(grid) & (grid > 0)]
    norm = LogNorm(vmin=max(positive.min(), 1e-3), vmax=positive.max())
    image = ax.imshow(
        np.where(grid > 0, grid, np.nan), cmap=cmap, norm=norm, aspect="auto", origin="upper"
    )
    step_axis(ax, steps, axis="x")
    step_axis(ax, steps, axis="y")
    ax.set_xlabel("Step visited next (week.step)")
    ax.set_ylabel("Step left (week.step)")
    ax.grid(False)
    # colour bar in the (nearly always empty) upper-right corner: far skips forward
    cax = ax.inset_axes([0.55, 0.9, 0.4, 0.03])
    bar = ax.figure.colorbar(image, cax=cax, orientation="horizontal")
    bar.ax.tick_params(labelsize=7)
    bar.set_label("% of moves out of the step" if y == "pct" else "learners", fontsize=7)
    return ax


@shared_docs
def plot_step_jumps(data: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Per step: moves that skipped forward over it (up) and moves back to it (down).

    Parameters
    ----------
    data : :func:`flbook.analysis.step_jumps` output.
    {ax}

    {returns}

    Examples
    --------
    {example_course}
    >>> from flbook.analysis import step_jumps, step_transitions
    >>> plot_step_jumps(step_jumps(step_transitions(course)), ax=ax) is ax
    True
    >>> ax.get_xlabel()
    'Step (week.step)'
    >>> plt.close(fig)
    """
    ax = get_ax(ax)
    if len(data) == 0 or (data["skipped_over"].sum() + data["back_to"].sum()) == 0:
        return no_data(ax)
    x = np.arange(len(data))
    ax.bar(x, data["skipped_over"], color=COLORS["secondary"], width=0.8)
    ax.bar(x, -data["back_to"].to_numpy(), color=COLORS["primary"], width=0.8)
    ax.axhline(0, color=COLORS["muted"], lw=0.8)
    step_axis(ax, list(data["step"].astype(str)), axis="x")
    up = max(float(data["skipped_over"].max()), 1.0)
    down = max(float(data["back_to"].max()), 0.08 * up)  # a strip below even with no move back
    ax.set_ylim(-down * 1.1, up * 1.1)
    ax.yaxis.set_major_formatter(lambda v, _: f"{abs(v):,.0f}")
    ax.set_ylabel("Learners' moves")
    ax.legend(
        handles=[
            Patch(color=COLORS["secondary"], label="skipped over (a move forward past it)"),
            Patch(color=COLORS["primary"], label="gone back to (a move back to it)"),
        ],
        frameon=False,
        fontsize=8,
        loc="upper right",
    )
    return ax


@shared_docs
def plot_time_on_step(data: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Median time on each step (dot) and its quartiles (line), against what is expected.

    The expected time is the designed minutes (``expected_minutes``, a cross) where the
    course sets them, else the median of the week's steps (a dashed line per week).
    The minutes axis is logarithmic: a step where learners stay four times as long as
    expected is as far from the cross as one where they stay a quarter as long.

    Parameters
    ----------
    data : :func:`flbook.analysis.time_on_step` output.
    {ax}

    {returns}

    Examples
    --------
    {example_course}
    >>> from flbook.analysis import time_on_step
    >>> plot_time_on_step(time_on_step(course), ax=ax) is ax
    True
    >>> ax.get_xlabel()
    'Step (week.step)'
    >>> plt.close(fig)
    """
    ax = get_ax(ax)
    d = data.reset_index(drop=True)
    if len(d) == 0 or d["median_minutes"].notna().sum() == 0:
        return no_data(ax)
    x = np.arange(len(d))
    ax.vlines(x, d["q1_minutes"], d["q3_minutes"], color=COLORS["light"], lw=3, zorder=2)
    ax.scatter(x, d["median_minutes"], color=COLORS["primary"], s=16, zorder=3)
    handles = [
        Line2D([], [], color=COLORS["light"], lw=3, label="middle half of learners"),
        Line2D([], [], marker="o", ls="", color=COLORS["primary"], label="median"),
    ]
    expected = d["expected_minutes"].to_numpy(dtype=float)
    if np.isfinite(expected).any():
        ax.scatter(x, expected, marker="x", color=COLORS["bad"], s=24, zorder=4)
        handles.append(
            Line2D([], [], marker="x", ls="", color=COLORS["bad"], label="designed time")
        )
    else:
        week = d["week"].to_numpy()
        for w in sorted_distinct(week):
            pos = x[week == w]
            ax.hlines(
                d.loc[week == w, "week_median_minutes"].iloc[0],
                pos.min() - 0.4,
                pos.max() + 0.4,
                color=COLORS["bad"],
                ls="--",
                lw=1,
                zorder=1,
            )
        handles.append(
            Line2D([], [], color=COLORS["bad"], ls="--", label="median of the week's steps")
        )
    ax.set_yscale("log")
    ax.yaxis.set_major_formatter(lambda v, _: f"{v:g}")
    ax.yaxis.set_minor_formatter(lambda v, _: f"{v:g}")
    step_axis(ax, list(d["step"].astype(str)), axis="x")
    ax.set_ylabel("Minutes on the step")
    ax.legend(handles=handles, frameon=False, fontsize=8, loc="upper left")
    return ax
