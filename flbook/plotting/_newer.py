"""Charts for the newer exports: leaving reasons, archetypes, sentiment, videos, campaigns.

Each function draws a table from :mod:`flbook.analysis._newer` on one Axes; an empty
table (a dataset the run does not have) draws "No data".
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from ..privacy import MIN_COUNT, count_text, hide_small, small_label, small_rows
from ._base import (
    COLORS,
    PALETTE,
    STRONG_PALETTE,
    fit_labels,
    get_ax,
    legend_above,
    no_data,
    no_rows,
    step_axis,
    thousands,
    unstick,
)

__all__ = [
    "plot_leaving_reasons",
    "plot_archetypes",
    "plot_sentiment",
    "plot_video_retention",
    "plot_video_devices",
    "plot_video_regions",
    "plot_campaigns",
]

SENTIMENT_COLORS = {"bad": COLORS["bad"], "neutral": "#BBBBBB", "good": COLORS["good"]}


def _wrap(text: str, width: int = 28) -> str:
    words, lines, line = str(text).split(), [], ""
    for w in words:
        if line and len(line) + 1 + len(w) > width:
            lines.append(line)
            line = w
        else:
            line = f"{line} {w}".strip()
    lines.append(line)
    return "\n".join(lines)


def _shorten(text: str, width: int) -> str:
    """``text`` cut to ``width`` characters, ending in "…" when cut."""
    return text if len(text) <= width else text[: width - 1].rstrip() + "\u2026"


def _stacked(ax: Axes, x, table: pd.DataFrame, colors, *, horizontal: bool = False) -> None:
    """Stack ``table``'s columns (one bar per row × column, zeros included)."""
    base = np.zeros(len(table))
    for i, col in enumerate(table.columns):
        vals = table[col].to_numpy(dtype=float)
        color = colors[i % len(colors)] if isinstance(colors, list) else colors[col]
        if horizontal:
            bars = ax.barh(x, vals, left=base, color=color, label=str(col), height=0.8)
        else:
            bars = ax.bar(x, vals, bottom=base, color=color, label=str(col), width=0.8)
        unstick(bars, base, horizontal=horizontal)  # a zero top segment must not clip
        base = base + vals


def plot_leaving_reasons(
    data: pd.DataFrame, *, min_count: int = MIN_COUNT, ax: Axes | None = None
) -> Axes:
    """Leaving reasons: bars per reason, or stacked by reason per last completed week/step.

    Parameters
    ----------
    data : :func:`flbook.analysis.leaving_reasons` output (any ``by=``).
    min_count : the small-count rule (:mod:`flbook.privacy`): a bar or a segment of
        fewer answers is not drawn, and the x label says how many answers were left out.
    ax : Axes to draw on (default: current Axes).

    With ``by="step"`` the steps run along a course-order step axis; leavers who had
    completed no step are counted in a note.
    """
    ax = get_ax(ax)
    if no_rows(data):
        return no_data(ax)
    data = hide_small(data, columns=["responses"], min_learners=min_count, drop=True)
    hidden = data.attrs["hidden_people"]
    if data.empty:
        return no_data(ax, f"Every group of answers is smaller than {min_count}")
    if "last_completed_step" not in data and "last_completed_week_number" not in data:
        y = np.arange(len(data))
        ax.barh(y, data["responses"].to_numpy(), color=COLORS["primary"])
        ax.set_yticks(y)
        ax.set_yticklabels([_wrap(r, 40) for r in data["leaving_reason"]], fontsize=8)
        ax.set_ylim(len(data) - 0.4, -0.6)
        ax.set_xlabel("Leavers who gave the reason")
        thousands(ax, "x")
        _hidden_note(ax, hidden, "answers", min_count)
        return ax
    key = "last_completed_step" if "last_completed_step" in data else "last_completed_week_number"
    totals = data.groupby("leaving_reason", sort=True)["responses"].sum()
    reasons = sorted(totals.index, key=lambda r: (-int(totals[r]), str(r)))
    known = data[data[key].notna()]
    none = int(data.loc[data[key].isna(), "responses"].sum())
    if known.empty:  # every step (or week) had fewer answers per reason than min_count
        where = "step" if key == "last_completed_step" else "week"
        message = f"No {where} has {min_count} or more leavers giving one reason"
        if hidden:
            message += f"\n({count_text(hidden, min_learners=min_count)} answers are not shown)"
        if none:
            message += f"\n{none:,} leavers had completed no step"
        return no_data(ax, message)
    if key == "last_completed_step":
        steps = list(data[key].cat.categories)
        table = known.pivot_table(
            index=known[key].cat.codes.to_numpy(),
            columns="leaving_reason",
            values="responses",
            aggfunc="sum",
            fill_value=0,
        ).reindex(index=np.arange(len(steps)), columns=reasons, fill_value=0)
        _stacked(ax, np.arange(len(steps)), table, PALETTE)
        step_axis(ax, steps)
    else:
        weeks = sorted(int(w) for w in pd.unique(known[key]))
        table = known.pivot_table(
            index=known[key].astype(int).to_numpy(),
            columns="leaving_reason",
            values="responses",
            aggfunc="sum",
            fill_value=0,
        ).reindex(index=weeks, columns=reasons, fill_value=0)
        _stacked(ax, np.arange(len(weeks)), table, PALETTE)
        ax.set_xticks(np.arange(len(weeks)))
        ax.set_xticklabels([f"Week {w}" for w in weeks])
        ax.set_xlabel("Week of the last step completed")
    if none:
        ax.text(
            0.99,
            0.98,
            f"{none:,} leaver(s) had completed no step",
            transform=ax.transAxes,
            ha="right",
            va="top",
            fontsize=8,
            color="#444444",
        )
    ax.set_ylabel("Leavers")
    thousands(ax, "y")
    handles, labels = ax.get_legend_handles_labels()
    ax.legend(
        handles,
        [_wrap(lab, 34) for lab in labels],
        frameon=False,
        fontsize=7,
        loc="upper left",
        bbox_to_anchor=(1.0, 1.0),
    )
    _hidden_note(ax, hidden, "answers", min_count)
    return ax


def _hidden_note(ax: Axes, hidden: int, what: str, min_count: int = MIN_COUNT) -> None:
    """Add to the x label what the small-count rule left out of the chart."""
    if hidden:
        note = f"Not shown: {count_text(hidden, min_learners=min_count)} {what} in groups of fewer than {min_count}"
        label = ax.get_xlabel()
        ax.set_xlabel(f"{label}\n{note}" if label else note)


def plot_archetypes(
    data: pd.DataFrame,
    *,
    measures: tuple[str, ...] = ("pct_visited_any", "pct_completed_any", "pct_fully_participated"),
    min_count: int = MIN_COUNT,
    ax: Axes | None = None,
) -> Axes:
    """How each archetype progressed: grouped horizontal bars, one group per archetype.

    Parameters
    ----------
    data : :func:`flbook.analysis.archetype_progress` output.
    measures : the ``pct_*`` columns to draw (one bar each per archetype).
    min_count : an archetype of fewer learners is not drawn, and reads "(n<10)"
        (:mod:`flbook.privacy`).
    ax : Axes to draw on (default: current Axes).
    """
    ax = get_ax(ax)
    if no_rows(data):
        return no_data(ax)
    names = {
        "pct_visited_any": "visited a step",
        "pct_completed_any": "completed a step",
        "pct_fully_participated": "fully participated",
        "pct_purchased": "bought a certificate",
        "pct_unenrolled": "left the course",
    }
    small = small_rows(data, columns=["learners"], min_learners=min_count)  # too few: not drawn
    y = np.arange(len(data))
    k = len(measures)
    h = 0.8 / k
    for j, m in enumerate(measures):
        ax.barh(
            y - 0.4 + h * (j + 0.5),
            np.where(small, np.nan, data[m].to_numpy(dtype=float)),
            height=h,
            color=PALETTE[j % len(PALETTE)],
            label=names.get(m, m),
        )
    ax.set_yticks(y)
    ax.set_yticklabels(
        [
            f"{a} (n{small_label(min_count)})" if hide else f"{a} (n={n:,})"
            for a, n, hide in zip(data["archetype"], data["learners"], small, strict=True)
        ],
        fontsize=8,
    )
    ax.set_ylim(len(data) - 0.4, -0.6)
    ax.set_xlim(0, 100)
    ax.set_xlabel("% of the archetype's learners")
    legend_above(ax)
    return ax


def plot_sentiment(
    data: pd.DataFrame, *, min_count: int = MIN_COUNT, ax: Axes | None = None
) -> Axes:
    """Weekly sentiment: one 100% bar per week, bad / neutral / good; answers per week on top.

    Parameters
    ----------
    data : :func:`flbook.analysis.sentiment_by_week` output.
    min_count : a week with fewer answers is not drawn, and reads "n<10"
        (:mod:`flbook.privacy`).
    ax : Axes to draw on (default: current Axes).
    """
    ax = get_ax(ax)
    if no_rows(data) or data["responses"].sum() == 0:
        return no_data(ax)
    table = data.pivot_table(
        index="week_number", columns="rating", values="pct", aggfunc="sum", observed=False
    ).fillna(0.0)
    table = table[[c for c in ("bad", "neutral", "good") if c in table.columns]]
    x = np.arange(len(table))
    totals = data.groupby("week_number")["responses"].sum().reindex(table.index)
    small = small_rows(totals.to_frame("responses"), columns=["responses"], min_learners=min_count)
    table.loc[small] = 0.0  # a week rated by under 10 learners is not drawn
    _stacked(ax, x, table, SENTIMENT_COLORS)
    for xi, n, hide in zip(x, totals, small, strict=True):
        text = f"n{small_label(min_count)}" if hide else f"n={int(n):,}"
        ax.text(xi, 101, text, ha="center", va="bottom", fontsize=8, color="#444444")
    ax.set_xticks(x)
    ax.set_xticklabels([f"Week {w}" for w in table.index])
    ax.set_ylim(0, 110)
    ax.set_ylabel("% of the week's answers")
    ax.legend(frameon=False, fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return ax


def plot_video_retention(
    data: pd.DataFrame, *, max_legend: int = 8, ax: Axes | None = None
) -> Axes:
    """Video retention curves: % of viewers still watching at 5%, 10%, ... 100% of each video.

    Parameters
    ----------
    data : :func:`flbook.analysis.video_retention` output.
    max_legend : with more videos than this, lines are coloured by week (one legend
        entry per week) rather than one entry per video.
    ax : Axes to draw on (default: current Axes).
    """
    ax = get_ax(ax)
    if no_rows(data):
        return no_data(ax)
    videos = [v for v in data["video"].cat.categories if (data["video"] == v).any()]
    by_week = len(videos) > max_legend
    seen_weeks = set()
    codes = data["video"].cat.codes.to_numpy()
    cats = list(data["video"].cat.categories)
    for v in videos:
        sel = codes == cats.index(v)
        part = data[sel].sort_values("pct_of_video")
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
            label = _shorten(str(v), 45)
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


def plot_video_devices(data: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Share of each video's views per device (or region): one 100% bar per video.

    Parameters
    ----------
    data : :func:`flbook.analysis.video_devices` or :func:`flbook.analysis.video_regions`
        output.
    ax : Axes to draw on (default: current Axes).
    """
    ax = get_ax(ax)
    if no_rows(data):
        return no_data(ax)
    key = "device" if "device" in data else "region"
    table = data.pivot_table(
        index="video", columns=key, values="pct_views", aggfunc="sum", observed=True
    ).fillna(0.0)
    y = np.arange(len(table))
    _stacked(ax, y, table, PALETTE, horizontal=True)
    ax.set_yticks(y)
    labels, size = fit_labels(ax, [str(v) for v in table.index])  # long titles shortened
    ax.set_yticklabels(labels, fontsize=size)
    ax.set_ylim(len(y) - 0.4, -0.6)
    ax.set_xlim(0, 100)
    ax.set_xlabel(f"% of the video's views, by {key}")
    ax.legend(frameon=False, fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return ax


def plot_video_regions(data: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Share of each video's views per world region (see :func:`plot_video_devices`)."""
    return plot_video_devices(data, ax=ax)


def plot_campaigns(
    data: pd.DataFrame,
    *,
    measures: tuple[str, ...] = ("enrolments", "active_learners", "upgrades_purchased"),
    min_count: int = MIN_COUNT,
    ax: Axes | None = None,
) -> Axes:
    """Enrolments, active learners and upgrades per marketing source (grouped bars).

    Parameters
    ----------
    data : :func:`flbook.analysis.campaign_summary` output.
    measures : columns to draw; a column with no values (older exports have no
        upgrades) is left out.
    min_count : a bar of fewer learners is not drawn (:mod:`flbook.privacy`).
    ax : Axes to draw on (default: current Axes).
    """
    ax = get_ax(ax)
    if no_rows(data):
        return no_data(ax)
    measures = tuple(m for m in measures if m in data and data[m].notna().any())
    if not measures:
        return no_data(ax)
    names = {
        "enrolments": "enrolments",
        "active_learners": "active learners",
        "upgrades_purchased": "upgrades",
    }
    y = np.arange(len(data))
    k = len(measures)
    h = 0.8 / k
    hidden = False
    for j, m in enumerate(measures):
        vals = data[m].astype("Float64").to_numpy(dtype=float, na_value=0.0)
        small = small_rows(data, columns=[m], min_learners=min_count)  # too few learners: not drawn
        hidden = hidden or bool(small.any())
        ax.barh(
            y - 0.4 + h * (j + 0.5),
            np.where(small, np.nan, vals),
            height=h,
            color=PALETTE[j % len(PALETTE)],
            label=names.get(m, m),
        )
    ax.set_yticks(y)
    ax.set_yticklabels([str(s) for s in data["utm_source"]], fontsize=8)
    ax.set_ylim(len(data) - 0.4, -0.6)
    ax.set_xlabel("Learners")
    if hidden:
        ax.set_xlabel(f"Learners (counts under {min_count} are not drawn)")
    thousands(ax, "x")
    legend_above(ax)
    return ax
