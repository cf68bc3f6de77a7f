"""Charts of learner populations and demographics."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.ticker import FuncFormatter

from ..privacy import MIN_COUNT, small_label, small_rows
from ._base import COLORS, get_ax, no_data, no_rows, thousands
from ._docs import shared_docs

__all__ = ["plot_population_summary", "plot_demographics"]

_SCALAR_KEYS = {"learners_label", "pct", "pct_of_known", "suppressed"}


def _group_label(group: str) -> str:
    """``"unenrolled & ~visited"`` → ``"unenrolled & not visited"``, underscores as spaces."""
    return str(group).replace("~", "not ").replace("_", " ")


@shared_docs
def plot_population_summary(
    data: pd.DataFrame, *, min_learners: int = MIN_COUNT, ax: Axes | None = None
) -> Axes:
    """Horizontal bars: learners in each group, labelled with the count and share.

    Parameters
    ----------
    data : the table :func:`~flbook.analysis.population_summary` returned (``group``,
        ``learners``, ``pct_of_enrolled``). Groups are drawn top to bottom in its order;
        single groups in blue, combinations (``&``, ``|``, ``~``) in orange.
    min_learners : a group of fewer learners gets no bar and reads "<10"
        (:mod:`flbook.privacy`).
    {ax}

    {returns}

    Examples
    --------
    {example_course}
    >>> from flbook.analysis import population_summary
    >>> plot_population_summary(population_summary(course), ax=ax) is ax
    True
    >>> ax.get_xlabel()
    'Learners'
    >>> plt.close(fig)
    """
    ax = get_ax(ax)
    if no_rows(data):
        return no_data(ax)
    labels = [_group_label(g) for g in data["group"].astype("str")]
    counts = data["learners"].to_numpy(dtype="float64")
    pct = data["pct_of_enrolled"].to_numpy(dtype="float64")
    combo = data["group"].astype("str").str.contains(r"[&|~]").to_numpy()
    colors = np.where(combo, COLORS["secondary"], COLORS["primary"])
    pos = np.arange(len(data))
    small = small_rows(
        data, columns=["learners"], min_learners=min_learners
    )  # too few: no bar, no number
    bars = ax.barh(pos, np.where(small, 0.0, counts), color=colors, height=0.7)
    texts = [
        small_label(min_learners)
        if hide
        else f"{int(c):,}" + ("" if np.isnan(p) else f" ({p:.0f}%)")
        for c, p, hide in zip(counts, pct, small, strict=True)
    ]
    ax.bar_label(bars, labels=texts, padding=3, fontsize=8)
    ax.set_yticks(pos)
    ax.set_yticklabels(labels)
    ax.set_ylim(len(data) - 0.4, -0.6)
    top = counts.max() if len(counts) else 0
    ax.set_xlim(0, max(top, 1) * 1.18)
    thousands(ax, "x")
    ax.set_xlabel("Learners")
    return ax


def _value_column(data: pd.DataFrame) -> str:
    cols = [c for c in data.columns if c not in _SCALAR_KEYS]
    return cols[0] if cols else data.columns[0]


def _all_hidden_message(labels: pd.Series) -> str:
    """Why a demographics chart is empty: every group is below the suppression threshold."""
    limits = pd.to_numeric(
        labels.astype("str").str.extract(r"^<\s*([\d,]+)$")[0].str.replace(",", ""),
        errors="coerce",
    ).dropna()
    if len(limits):
        return f"All groups have fewer than {int(limits.max()):,} learners, so none is shown"
    return "Every group is too small to show"


@shared_docs
def plot_demographics(
    data: pd.DataFrame,
    *,
    y: str = "pct",
    top: int = 20,
    ax: Axes | None = None,
) -> Axes:
    """Horizontal bars: the share of learners holding each value of a demographic column.

    Suppressed values (fewer learners than the table's threshold) are listed with their
    label (``"<10"``) and no bar; ``"Unknown"`` is drawn in grey. When every value shown
    would be suppressed, the Axes says so in words ("All groups have fewer than 10
    learners, so none is shown") instead of drawing an empty axis.

    Parameters
    ----------
    data : the table :func:`~flbook.analysis.demographics` returned.
    y : ``"pct"`` (share of all learners, default) or ``"pct_of_known"`` (share of
        those who answered).
    top : draw at most this many rows (the table's first ones); the chart says
        how many were left out.
    {ax}

    {returns}

    Examples
    --------
    {example_course}
    >>> from flbook.analysis import demographics
    >>> plot_demographics(demographics(course, "gender"), ax=ax) is ax
    True
    >>> ax.get_xlabel()
    '% of learners'
    >>> plt.close(fig)
    """
    ax = get_ax(ax)
    if no_rows(data):
        return no_data(ax)
    column = _value_column(data)
    shown_all = data
    if y == "pct_of_known":
        shown_all = data[data[column].astype("str") != "Unknown"]
        if len(shown_all) == 0:
            return no_data(ax, "No known values")
    rows = shown_all.head(top)
    left_out = len(shown_all) - len(rows)
    names = rows[column].astype("str").tolist()
    vals = rows[y].to_numpy(dtype="float64")
    suppressed = rows["suppressed"].to_numpy(dtype=bool) | np.isnan(vals)
    unknown = rows[column].astype("str").to_numpy() == "Unknown"
    pos = np.arange(len(rows))
    keep = ~suppressed
    if not keep.any():  # nothing to draw: say why instead of an empty axis
        return no_data(ax, _all_hidden_message(rows["learners_label"]))
    colors = np.where(unknown[keep], COLORS["muted"], COLORS["primary"])
    bars = ax.barh(pos[keep], vals[keep], color=colors, height=0.7)
    labels = rows["learners_label"].astype("str").to_numpy()
    ax.bar_label(bars, labels=list(labels[keep]), padding=3, fontsize=8)
    for p, lab in zip(pos[suppressed], labels[suppressed], strict=True):  # the few hidden rows
        ax.text(0, p, f" {lab}", va="center", ha="left", fontsize=8, color=COLORS["muted"])
    ax.set_yticks(pos)
    ax.set_yticklabels([n.replace("_", " ") for n in names])
    ax.set_ylim(len(rows) - 0.4, -0.6)
    largest = np.nanmax(vals) if keep.any() else 0
    ax.set_xlim(0, max(largest, 1) * 1.2)
    digits = 0 if largest >= 5 else 1
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:.{digits}f}%"))
    ax.set_xlabel("% of learners" if y == "pct" else "% of learners who answered")
    ax.set_ylabel(str(column).replace("_", " ").capitalize())
    if left_out > 0:
        ax.text(
            1.0,
            1.01,
            f"{left_out:,} more not shown",
            transform=ax.transAxes,
            ha="right",
            va="bottom",
            fontsize=8,
            color=COLORS["muted"],
        )
    return ax
