"""Item-analysis charts: the item–person (Wright) map and difficulty against discrimination.

Each function draws a table from :mod:`flbook.analysis._items` on one Axes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.lines import Line2D

from ._base import COLORS, get_ax, no_data
from ._docs import shared_docs

__all__ = ["plot_item_person_map", "plot_item_discrimination"]


@shared_docs
def plot_item_person_map(
    items: pd.DataFrame,
    abilities: pd.DataFrame,
    *,
    bin_width: float = 0.25,
    label: bool | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Item–person map: learners' abilities and questions' difficulties on one logit scale.

    The upper band is a histogram of learners' abilities (% of learners fitted per
    ``bin_width`` logits); below it, one row per question in course order, its marker at
    its difficulty. A question level with the bulk of the learners is answered right by
    about half of them; questions far to the left of every learner are too easy to tell
    learners apart. Questions that do not fit the model (``fit`` other than ``"fits"``)
    are drawn in the warning colour.

    Parameters
    ----------
    items, abilities : the ``items`` and ``abilities`` tables of a
        :class:`~flbook.analysis.RaschFit`.
    bin_width : width of the ability bins, in logits.
    label : write the question on each row; default when there are at most 40 questions.
    {ax}

    {returns}

    Examples
    --------
    {example_course}
    >>> from flbook.analysis import rasch_fit
    >>> rasch = rasch_fit(course, group="enrolled")
    >>> plot_item_person_map(rasch.items, rasch.abilities, ax=ax) is ax
    True
    >>> ax.get_xlabel()
    'Logits: learner ability (bars) and question difficulty (markers)'
    >>> plt.close(fig)
    """
    ax = get_ax(ax)
    if len(items) == 0 or len(abilities) == 0:
        return no_data(ax)
    m = len(items)
    rows = -np.arange(1, m + 1, dtype=float)
    misfit = (items["fit"].astype(str) != "fits").to_numpy()
    colors = np.where(misfit, COLORS["bad"], COLORS["primary"])
    ax.scatter(items["difficulty_logits"], rows, c=list(colors), s=22, zorder=3)
    theta = abilities["ability_logits"].to_numpy(dtype=float)
    weights = abilities["learners"].to_numpy(dtype=float)
    lo = np.floor(min(theta.min(), items["difficulty_logits"].min()) / bin_width) * bin_width
    hi = np.ceil(max(theta.max(), items["difficulty_logits"].max()) / bin_width) * bin_width
    edges = np.arange(lo, hi + bin_width * 1.001, bin_width)
    counts, _ = np.histogram(theta, bins=edges, weights=weights)
    pct = 100 * counts / max(weights.sum(), 1)
    height = max(m * 0.5, 3.0)
    scale = height / max(pct.max(), 1e-9)
    ax.bar(
        edges[:-1],
        pct * scale,
        width=bin_width,
        align="edge",
        color=COLORS["light"],
        edgecolor="white",
        linewidth=0.5,
        zorder=2,
    )
    ax.axhline(0, color=COLORS["muted"], lw=0.8)
    if label is None:
        label = m <= 40
    ticks = list(rows) if label else []
    labels = [str(q) for q in items["quiz_question"]] if label else []
    top = pct.max()
    for frac in (0.5, 1.0):
        ticks.append(frac * top * scale)
        labels.append(f"{frac * top:.0f}% of learners")
    ax.set_yticks(ticks)
    ax.set_yticklabels(labels, fontsize=7 if m > 25 else 8)
    ax.set_ylim(-m - 0.8, height * 1.05)
    ax.set_xlabel("Logits: learner ability (bars) and question difficulty (markers)")
    handles = [
        Line2D([], [], marker="o", ls="", color=COLORS["primary"], label="question that fits")
    ]
    if misfit.any():
        handles.append(
            Line2D(
                [], [], marker="o", ls="", color=COLORS["bad"], label="question that does not fit"
            )
        )
    ax.legend(handles=handles, loc="upper left", fontsize=8, frameon=False)
    ax.grid(axis="y", visible=False)
    return ax


@shared_docs
def plot_item_discrimination(
    data: pd.DataFrame,
    *,
    threshold: float | None = None,
    label: bool | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Each question's share right (x) against its point-biserial discrimination (y).

    Questions below ``threshold`` (default :data:`~flbook.analysis.LOW_DISCRIMINATION`)
    are drawn in the warning colour, under a dashed line at the threshold.

    Parameters
    ----------
    data : :func:`flbook.analysis.item_analysis` output.
    threshold : the discrimination called low.
    label : write the question next to each marker; default when at most 40 questions.
    {ax}

    {returns}

    Examples
    --------
    {example_course}
    >>> from flbook.analysis import item_analysis
    >>> plot_item_discrimination(item_analysis(course, group="enrolled"), ax=ax) is ax
    True
    >>> ax.get_xlabel()
    '% right at the first try (difficulty: higher is easier)'
    >>> plt.close(fig)
    """
    from ..analysis import LOW_DISCRIMINATION

    ax = get_ax(ax)
    d = data.dropna(subset=["point_biserial"])
    if len(d) == 0:
        return no_data(ax)
    threshold = LOW_DISCRIMINATION if threshold is None else threshold
    low = (d["point_biserial"] < threshold).to_numpy()
    ax.scatter(
        d["pct_correct"],
        d["point_biserial"],
        c=list(np.where(low, COLORS["bad"], COLORS["primary"])),
        s=24,
        zorder=3,
    )
    ax.axhline(threshold, color=COLORS["bad"], ls="--", lw=1)
    ax.axhline(0, color=COLORS["muted"], lw=0.8)
    if label is None:
        label = len(d) <= 40
    if label:
        for q, x, y in zip(d["quiz_question"], d["pct_correct"], d["point_biserial"], strict=True):
            ax.annotate(
                str(q), (x, y), xytext=(3, 2), textcoords="offset points", fontsize=7, zorder=4
            )
    ax.set_xlim(0, 105)
    ymin = min(-0.1, float(d["point_biserial"].min()) - 0.05)
    ymax = max(0.6, float(d["point_biserial"].max()) + 0.05)
    ax.set_ylim(ymin, ymax)
    ax.set_xlabel("% right at the first try (difficulty: higher is easier)")
    ax.set_ylabel("Point-biserial with the rest of the quiz")
    return ax
