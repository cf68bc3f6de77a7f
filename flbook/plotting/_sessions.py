"""Charts of study sessions: one learner's trajectory, distributions, group comparison."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ._base import COLORS, PALETTE, get_ax, no_data, step_axis, thousands

__all__ = [
    "SESSION_MEASURE_LABELS",
    "plot_trajectory",
    "plot_session_distribution",
    "plot_group_comparison",
    "plot_group_comparison_grid",
]

SESSION_MEASURE_LABELS: dict[str, str] = {
    "sessions": "Study sessions",
    "events": "Step events",
    "steps": "Steps visited or completed",
    "steps_per_session": "Steps per session",
    "study_minutes": "Estimated study time (minutes)",
    "minutes_per_session": "Study time per session (minutes)",
    "time_in_course_hours": "Time in course (hours)",
    "time_in_course_days": "Time in course (days)",
}
"""Axis labels (with units) for the session measures."""


def _naive_utc(times: pd.Series) -> np.ndarray:
    """UTC timestamps as naive datetime64 (what matplotlib's date axis expects)."""
    t = pd.Series(times)
    if isinstance(t.dtype, pd.DatetimeTZDtype):
        t = t.dt.tz_convert("UTC").dt.tz_localize(None)
    return t.to_numpy()


def _date_axis(ax: Axes) -> None:
    locator = mdates.AutoDateLocator()
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))


def plot_trajectory(data: pd.DataFrame, *, max_legend: int = 12, ax: Axes | None = None) -> Axes:
    """One learner's path: step (course order, top to bottom) against time, by session.

    Parameters
    ----------
    data : DataFrame
        The output of :func:`~flbook.analysis.learner_trajectory` (``pseudonym``,
        ``time``, ``step``, ``session``).
    max_legend : int
        Sessions listed in the legend at most (later ones are still drawn).
    ax : Axes, optional

    One line with markers per session (gid ``"session"``), coloured in turn; the
    pseudonym is the title.
    """
    ax = get_ax(ax)
    if data is None or len(data) == 0:
        return no_data(ax)
    step = data["step"]
    if isinstance(step.dtype, pd.CategoricalDtype):
        steps = [str(s) for s in step.cat.categories]
        y = step.cat.codes.to_numpy()
    else:
        steps = sorted({str(s) for s in step}, key=lambda s: tuple(int(p) for p in s.split(".")))
        y = pd.Categorical(step.astype(str), categories=steps).codes
    x = _naive_utc(data["time"])
    session = data["session"].to_numpy()
    for i, s in enumerate(np.unique(session)):  # one learner's sessions: a handful
        sel = session == s
        ax.plot(
            x[sel],
            y[sel],
            marker="o",
            markersize=4,
            lw=1.2,
            color=PALETTE[i % len(PALETTE)],
            label=f"Session {s}" if i < max_legend else "_nolegend_",
            gid="session",
        )
    step_axis(ax, steps, axis="y")
    _date_axis(ax)
    ax.set_xlabel("Date and time (UTC)")
    if "pseudonym" in data.columns:
        n = len(np.unique(session))
        ax.set_title(f"{data['pseudonym'].iloc[0]}: {n} study session{'s' * (n != 1)}")
    ax.legend(frameon=False, fontsize=8, loc="best")
    return ax


def _is_log_bins(left: np.ndarray, right: np.ndarray) -> bool:
    """Bins look log-spaced (constant right/left ratio over the positive bins)."""
    pos = left > 0
    if pos.sum() < 3:
        return False
    ratio = right[pos] / left[pos]
    widths = right - left
    return bool(np.allclose(ratio, ratio[0], rtol=1e-3) and not np.allclose(widths, widths[-1]))


def plot_session_distribution(
    data: pd.DataFrame, *, log_x: bool | None = None, ax: Axes | None = None
) -> Axes:
    """Histogram of a session measure from binned counts (one group: bars; several: outlines).

    Parameters
    ----------
    data : DataFrame
        The output of :func:`~flbook.analysis.session_distribution`.
    log_x : bool, optional
        Log-scaled x axis; default: when the bins are log-spaced (heavy-tailed
        measures). Learners in the ``[0, …)`` bin cannot be drawn on a log axis; the
        chart says how many there are.
    ax : Axes, optional
    """
    ax = get_ax(ax)
    if data is None or len(data) == 0 or data["learners"].sum() == 0:
        return no_data(ax)
    measure = str(data["measure"].iloc[0])
    data = data[data["measure"] == measure]
    groups = list(dict.fromkeys(data["group"]))
    first = data[data["group"] == groups[0]]
    left, right = first["bin_left"].to_numpy(), first["bin_right"].to_numpy()
    if log_x is None:
        log_x = _is_log_bins(left, right)
    keep = left > 0 if log_x else np.ones(len(left), dtype=bool)
    hidden = []
    for i, g in enumerate(groups):  # a handful of groups
        d = data[data["group"] == g]
        if len(groups) == 1:
            ax.bar(
                d["bin_left"].to_numpy()[keep],
                d["learners"].to_numpy()[keep],
                width=(d["bin_right"] - d["bin_left"]).to_numpy()[keep],
                align="edge",
                color=COLORS["primary"],
                edgecolor="white",
                lw=0.5,
            )
        else:
            edges = np.append(d["bin_left"].to_numpy()[keep], d["bin_right"].to_numpy()[keep][-1:])
            ax.stairs(
                d["pct"].to_numpy()[keep],
                edges,
                color=PALETTE[i % len(PALETTE)],
                lw=1.8,
                label=str(g),
            )
        n_hidden = int(d["learners"].to_numpy()[~keep].sum())
        if n_hidden:
            hidden.append(f"{g}: {n_hidden:,}" if len(groups) > 1 else f"{n_hidden:,}")
    if log_x:
        ax.set_xscale("log")
    ax.set_xlabel(SESSION_MEASURE_LABELS.get(measure, measure) + (" (log scale)" if log_x else ""))
    if len(groups) == 1:
        ax.set_ylabel("Learners")
        thousands(ax, "y")
    else:
        ax.set_ylabel("Learners in the group (%)")
        ax.legend(frameon=False, fontsize=8)
    if hidden:
        ax.text(
            0.99,
            0.97,
            "Not shown, value 0: " + "; ".join(hidden) + " learners",
            transform=ax.transAxes,
            ha="right",
            va="top",
            fontsize=8,
            color="#444444",
        )
    ax.set_ylim(bottom=0)
    return ax


def plot_group_comparison(
    data: pd.DataFrame, *, measure: str | None = None, ax: Axes | None = None
) -> Axes:
    """Box-like comparison of one session measure across learner groups.

    Drawn from the computed statistics (no recomputation): the box spans the
    quartiles (``q1``–``q3``), the line is the ``median``, the whiskers reach ``p10``
    and ``p90``. Tick labels give each group's number of learners.

    Parameters
    ----------
    data : DataFrame
        The output of :func:`~flbook.analysis.compare_groups` or
        :func:`~flbook.analysis.session_summary`.
    measure : str, optional
        Which measure (default: the first in ``data``). For every measure at once use
        :func:`plot_group_comparison_grid`.
    ax : Axes, optional
    """
    ax = get_ax(ax)
    if data is None or len(data) == 0:
        return no_data(ax)
    if measure is None:
        measure = str(data["measure"].iloc[0])
    d = data[data["measure"] == measure]
    if d.empty:
        return no_data(ax, f"No data for {measure}")
    stats = [
        {
            "label": f"{str(r['group']).replace('_', ' ')}\n(n = {int(r['learners']):,})",
            "med": r["median"],
            "q1": r["q1"],
            "q3": r["q3"],
            "whislo": r["p10"],
            "whishi": r["p90"],
            "fliers": [],
        }
        for r in d.to_dict("records")  # one record per group: a handful
    ]
    boxes = ax.bxp(stats, showfliers=False, patch_artist=True, widths=0.55)
    for i, patch in enumerate(boxes["boxes"]):
        patch.set_facecolor(PALETTE[i % len(PALETTE)])
        patch.set_alpha(0.55)
    for line in boxes["medians"]:
        line.set_color("black")
    ax.set_ylabel(SESSION_MEASURE_LABELS.get(measure, measure))
    ax.set_ylim(bottom=0)
    return ax


def plot_group_comparison_grid(
    data: pd.DataFrame,
    *,
    measures: Sequence[str] | None = None,
    figsize: tuple[float, float] | None = None,
) -> Figure:
    """Every measure of :func:`~flbook.analysis.compare_groups`, one panel each.

    A figure-level function: it makes and returns its own Figure (one row of panels,
    one :func:`plot_group_comparison` per measure).
    """
    measures = list(dict.fromkeys(data["measure"])) if measures is None else list(measures)
    n = max(len(measures), 1)
    fig, axes = plt.subplots(1, n, figsize=figsize or (3.6 * n, 4.2), squeeze=False)
    if not measures:
        no_data(axes[0, 0])
    for ax, m in zip(axes[0], measures, strict=False):  # a handful of measures
        plot_group_comparison(data, measure=m, ax=ax)
    fig.tight_layout()
    return fig
