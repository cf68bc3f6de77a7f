"""Charts of study sessions: one learner's trajectory, distributions, group comparison."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter, MaxNLocator, NullFormatter
from matplotlib.transforms import ScaledTranslation

from ..analysis.arrays import sorted_distinct
from ..privacy import MIN_COUNT, count_text
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
    step_axis,
    thousands,
)
from ._docs import shared_docs

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

PEAK_GID = "flbook-peak"
"""``gid`` of the annotations naming the peaks of a distribution."""

COUNT_MEASURES = frozenset({"sessions", "events", "steps"})
"""Session measures that are whole numbers: their axes get whole-number ticks."""


def naive_utc(times: pd.Series) -> np.ndarray:
    """UTC timestamps as naive datetime64 (what matplotlib's date axis expects)."""
    t = pd.Series(times)
    if isinstance(t.dtype, pd.DatetimeTZDtype):
        t = t.dt.tz_convert("UTC").dt.tz_localize(None)
    return t.to_numpy()


def date_axis(ax: Axes) -> None:
    """Concise date ticks on the x axis ("Feb", "08", "15": no slanted dates)."""
    concise_dates(ax)


@shared_docs
def plot_trajectory(data: pd.DataFrame, *, top: int = 12, ax: Axes | None = None) -> Axes:
    """One learner's path: step (course order, top to bottom) against time, by session.

    Parameters
    ----------
    data : DataFrame
        The output of :func:`~flbook.analysis.learner_trajectory` (``pseudonym``,
        ``time``, ``step``, ``session``).
    top : int
        Sessions listed in the legend at most (later ones are still drawn).
    {ax}

    One line with markers per session (gid ``"session"``), coloured in turn; the
    pseudonym is the title.

    {returns}

    Examples
    --------
    {example_course}
    >>> from flbook.analysis import learner_trajectory
    >>> plot_trajectory(learner_trajectory(course, seed=1), ax=ax) is ax
    True
    >>> len(ax.lines) > 0
    True
    >>> plt.close(fig)
    """
    ax = get_ax(ax)
    if no_rows(data):
        return no_data(ax)
    step = data["step"]
    if isinstance(step.dtype, pd.CategoricalDtype):
        steps = [str(s) for s in step.cat.categories]
        y = step.cat.codes.to_numpy()
    else:
        steps = sorted({str(s) for s in step}, key=lambda s: tuple(int(p) for p in s.split(".")))
        y = pd.Categorical(step.astype(str), categories=steps).codes
    x = naive_utc(data["time"])
    session = data["session"].to_numpy()
    for i, s in enumerate(sorted_distinct(session)):  # one learner's sessions: a handful
        sel = session == s
        ax.plot(
            x[sel],
            y[sel],
            marker="o",
            markersize=4,
            lw=1.2,
            color=STRONG_PALETTE[i % len(STRONG_PALETTE)],
            label=f"Session {s}" if i < top else "_nolegend_",
            gid="session",
        )
    step_axis(ax, steps, axis="y")
    date_axis(ax)
    ax.set_xlabel("Date and time (UTC)")
    n = len(sorted_distinct(session))
    if "pseudonym" in data.columns:
        ax.set_title(f"{data['pseudonym'].iloc[0]}: {n} study session{'s' * (n != 1)}")
    handles, labels = ax.get_legend_handles_labels()
    if n > top:
        handles.append(Line2D([], [], ls="none"))
        labels.append(f"… and {n - top} more")
    # beside the plot, past the "Week N" labels on the right: never over the path
    ax.legend(
        handles,
        labels,
        frameon=False,
        fontsize=8,
        loc="upper left",
        bbox_to_anchor=(1, 1),
        bbox_transform=ax.transAxes + ScaledTranslation(48 / 72, 0, ax.figure.dpi_scale_trans),
        borderaxespad=0,
    )
    return ax


def _is_log_bins(left: np.ndarray, right: np.ndarray) -> bool:
    """Bins look log-spaced (constant right/left ratio over the positive bins)."""
    pos = left > 0
    if pos.sum() < 3:
        return False
    ratio = right[pos] / left[pos]
    widths = right - left
    return bool(np.allclose(ratio, ratio[0], rtol=1e-3) and not np.allclose(widths, widths[-1]))


@shared_docs
def plot_session_distribution(
    data: pd.DataFrame,
    *,
    log_x: bool | None = None,
    min_learners: int = MIN_COUNT,
    peaks: pd.DataFrame | Sequence[float] | None = None,
    ax: Axes | None = None,
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
    min_learners : int
        The small-count rule (:mod:`flbook.privacy`): with one group, a bar of fewer
        learners is not drawn; with several, a bin of fewer learners is drawn at 0 and
        a group of fewer learners gets no outline. The x label says so.
    peaks : where the distribution peaks, to be named on the chart: values of the
        measure, or the table of :func:`flbook.findings.study_time_peaks` (``minutes``
        and ``pct_learners``). Each is marked with an arrow and "peak near …" (gid
        ``"flbook-peak"``); none by default. Give them only when there are two or more:
        a single peak needs no name.
    {ax}

    {returns}

    Examples
    --------
    {example_course}
    >>> from flbook.analysis import learner_sessions, session_distribution
    >>> plot_session_distribution(session_distribution(learner_sessions(course)), ax=ax) is ax
    True
    >>> ax.get_xlabel()
    'Study sessions\\nBars of 1 to 9 learners are not drawn (counts under 10 are not shown)'
    >>> plt.close(fig)
    """
    ax = get_ax(ax)
    if no_rows(data, column="learners"):
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
    small_bars = False
    small_groups: list[str] = []
    for i, g in enumerate(groups):  # a handful of groups
        d = data[data["group"] == g]
        if len(groups) == 1:
            heights = d["learners"].to_numpy(dtype=float)
            small = (heights > 0) & (heights < min_learners)
            small_bars = bool(small[keep].any())
            ax.bar(
                d["bin_left"].to_numpy()[keep],
                np.where(small, 0.0, heights)[keep],
                width=(d["bin_right"] - d["bin_left"]).to_numpy()[keep],
                align="edge",
                color=COLORS["primary"],
                edgecolor="white",
                lw=0.5,
            )
        else:
            counts = d["learners"].to_numpy(dtype=float)
            if 0 < counts.sum() < min_learners:  # a group of a few: no outline at all
                small_groups.append(str(g))
                continue
            small = (counts > 0) & (counts < min_learners)  # a share of a few points at them
            small_bars = small_bars or bool(small[keep].any())
            edges = np.append(d["bin_left"].to_numpy()[keep], d["bin_right"].to_numpy()[keep][-1:])
            ax.stairs(
                np.where(small, 0.0, d["pct"].to_numpy(dtype=float))[keep],
                edges,
                color=PALETTE[i % len(PALETTE)],
                lw=1.8,
                label=str(g),
            )
        n_hidden = int(d["learners"].to_numpy()[~keep].sum())
        if n_hidden:
            n_text = count_text(n_hidden, min_learners=min_learners)
            hidden.append(f"{g}: {n_text}" if len(groups) > 1 else n_text)
    if log_x:
        ax.set_xscale("log")
        # plain numbers (1, 10, 100, 1,000), not powers of ten
        ax.xaxis.set_major_formatter(
            FuncFormatter(lambda v, _: f"{v:,.0f}" if v >= 1 else f"{v:g}")
        )
        ax.xaxis.set_minor_formatter(NullFormatter())
    elif measure in COUNT_MEASURES:
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel(SESSION_MEASURE_LABELS.get(measure, measure) + (" (log scale)" if log_x else ""))
    if small_bars:
        what = "Bars" if len(groups) == 1 else "Bins"
        ax.set_xlabel(
            f"{ax.get_xlabel()}\n{what} of 1 to {min_learners - 1} learners are "
            f"{'not drawn' if len(groups) == 1 else 'drawn at 0'} "
            f"(counts under {min_learners} are not shown)"
        )
    if small_groups:
        ax.set_xlabel(
            f"{ax.get_xlabel()}\nNot drawn, fewer than {min_learners} learners: "
            + ", ".join(small_groups)
        )
    if len(groups) == 1:
        ax.set_ylabel("Learners")
        thousands(ax, "y")
    else:
        ax.set_ylabel("Learners in the group (%)")
        if ax.get_legend_handles_labels()[0]:
            legend_above(ax)
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
    if peaks is not None and len(groups) == 1:
        _name_peaks(ax, first, peaks, measure)
    return ax


def _name_peaks(ax: Axes, bins: pd.DataFrame, peaks, measure: str) -> None:
    """Mark each peak with "peak near …" above the bars and an arrow down to its bar."""
    if isinstance(peaks, pd.DataFrame):
        at = peaks["minutes"].to_numpy(dtype=float) if "minutes" in peaks else np.array([])
        share = peaks["pct_learners"].to_numpy(dtype=float) if "pct_learners" in peaks else None
    else:
        at, share = np.asarray(list(peaks), dtype=float), None
    if len(at) == 0:
        return
    left = bins["bin_left"].to_numpy(dtype=float)
    right = bins["bin_right"].to_numpy(dtype=float)
    heights = bins["learners"].to_numpy(dtype=float)
    top = float(heights.max())
    unit = " minutes" if "minutes" in measure else ""
    for i, x in enumerate(at):
        inside = np.flatnonzero((left <= x) & (x < right))
        y = float(heights[inside[0]]) if len(inside) else top
        value = f"{x / 60:.1f} hours" if unit and x >= 90 else f"{x:,.0f}{unit}"
        text = f"peak near {value}"
        if share is not None and not np.isnan(share[i]):
            text += f"\n({share[i]:.0f}% of learners)"
        ax.annotate(  # the name above every bar, the arrow down to the peak's bar
            text,
            xy=(x, y),
            xytext=(x, top * 1.12),
            textcoords="data",
            ha="center",
            va="bottom",
            fontsize=8,
            color="#222222",
            arrowprops={"arrowstyle": "->", "color": "#222222", "lw": 0.8},
            gid=PEAK_GID,
        )
    ax.set_ylim(0, top * 1.35)  # room above the bars for the names


def _group_label(group, width: int) -> str:
    """``"unenrolled & ~visited"`` → ``"unenrolled & not visited"``, wrapped to ``width``."""
    text = str(group).replace("~", "not ").replace("_", " ")
    return textwrap.fill(text, width=width, break_long_words=False) if width else text


@shared_docs
def plot_group_comparison(
    data: pd.DataFrame,
    *,
    measure: str | None = None,
    wrap: int | None = None,
    min_learners: int = MIN_COUNT,
    ax: Axes | None = None,
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
    wrap : int, optional
        Wrap group names at about this many characters (default: from the Axes' width
        per group, so names do not run into each other).
    min_learners : int
        The small-count rule (:mod:`flbook.privacy`): a group of fewer learners gets no
        box (its quartiles would describe a few people); its label reads "(n < 10)".
    {ax}

    {returns}

    Examples
    --------
    {example_course}
    >>> from flbook.analysis import compare_groups
    >>> plot_group_comparison(compare_groups(course), measure="sessions", ax=ax) is ax
    True
    >>> ax.get_ylabel()
    'Study sessions'
    >>> plt.close(fig)
    """
    ax = get_ax(ax)
    if no_rows(data):
        return no_data(ax)
    if measure is None:
        measure = str(data["measure"].iloc[0])
    d = data[data["measure"] == measure]
    if d.empty:
        return no_data(ax, f"No data for {measure}")
    if wrap is None:  # characters of 8–9 pt text that fit in each group's slot
        slot_pt = ax.get_position().width * ax.figure.get_figwidth() * 72 / len(d)
        wrap = int(max(8, min(24, slot_pt / 5.4)))
    records = d.to_dict("records")  # one record per group: a handful
    small = [0 < int(r["learners"]) < min_learners for r in records]
    labels = [
        f"{_group_label(r['group'], wrap)}\n"
        + (f"(n < {min_learners})" if few else f"(n = {int(r['learners']):,})")
        for r, few in zip(records, small, strict=True)
    ]
    stats = [
        {
            "label": label,
            "med": r["median"],
            "q1": r["q1"],
            "q3": r["q3"],
            "whislo": r["p10"],
            "whishi": r["p90"],
            "fliers": [],
        }
        for r, label, few in zip(records, labels, small, strict=True)
        if not few
    ]
    positions = [i + 1 for i, few in enumerate(small) if not few]
    boxes = {"boxes": [], "medians": []}  # every group a few people: no box at all
    if stats:
        boxes = ax.bxp(stats, positions=positions, showfliers=False, patch_artist=True, widths=0.55)
    for i, patch in zip(positions, boxes["boxes"], strict=True):
        patch.set_facecolor(PALETTE[(i - 1) % len(PALETTE)])
        patch.set_alpha(0.55)
    for line in boxes["medians"]:
        line.set_color("black")
    ax.set_xticks(range(1, len(records) + 1))
    ax.set_xticklabels(labels)
    ax.set_xlim(0.5, len(records) + 0.5)
    ax.tick_params(axis="x", labelsize=8 if len(d) > 2 else 9)
    ax.set_ylabel(SESSION_MEASURE_LABELS.get(measure, measure))
    ax.set_ylim(bottom=0)
    if measure in COUNT_MEASURES:
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    despine(ax)
    return ax


@shared_docs
def plot_group_comparison_grid(
    data: pd.DataFrame,
    *,
    measures: Sequence[str] | None = None,
    ncols: int | None = None,
    figsize: tuple[float, float] | None = None,
    min_learners: int = MIN_COUNT,
) -> Figure:
    """Every measure of :func:`~flbook.analysis.compare_groups`, one panel each.

    A figure-level function: it makes and returns its own Figure (one
    :func:`plot_group_comparison` per measure).

    Parameters
    ----------
    data : DataFrame
        The output of :func:`~flbook.analysis.compare_groups`.
    measures : list of str, optional
        The measures, in panel order (default: every measure in ``data``).
    ncols : int, optional
        Panels per row (default: all in one row up to three; four make a 2 × 2 grid;
        more, rows of three).
    figsize : (width, height) in inches, optional
        Default: about 3.2 × 3.4 inches per panel.
    min_learners : int
        A group of fewer learners gets no box (see :func:`plot_group_comparison`).

    Group names are wrapped to fit their panel, so four panels of two or three groups
    stay readable at book width.

    Returns
    -------
    Figure
        The new figure (whoever shows it closes it).

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from flbook.analysis import compare_groups
    >>> from flbook.synth import example_course
    >>> course = example_course()
    >>> fig = plot_group_comparison_grid(compare_groups(course))
    >>> len(fig.axes) > 1
    True
    >>> plt.close(fig)
    """
    measures = list(dict.fromkeys(data["measure"])) if measures is None else list(measures)
    n = max(len(measures), 1)
    if ncols is None:
        ncols = n if n <= 3 else (2 if n == 4 else 3)
    ncols = max(1, min(int(ncols), n))
    nrows = int(np.ceil(n / ncols))
    fig, axes = plt.subplots(
        nrows, ncols, figsize=figsize or (3.2 * ncols, 3.4 * nrows), squeeze=False
    )
    flat = axes.ravel()
    if not measures:
        no_data(flat[0])
    for ax, m in zip(flat, measures, strict=False):  # a handful of measures
        plot_group_comparison(data, measure=m, min_learners=min_learners, ax=ax)
    for ax in flat[len(measures) if measures else 1 :]:  # empty slots of the last row
        ax.set_visible(False)
    fig.tight_layout()
    return fig
