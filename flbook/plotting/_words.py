"""Comment charts: questions and sentiment per step, the most used words of a week.

Each function draws a table from :mod:`flbook.analysis._words` on one Axes.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ._base import COLORS, get_ax, no_data, step_axis
from ._docs import shared_docs

__all__ = ["plot_comment_measures", "plot_top_words", "plot_top_words_by_week"]

_SERIES = {
    "pct_questions": ("asking a question", COLORS["primary"], "o"),
    "pct_positive": ("read as positive", COLORS["good"], "^"),
    "pct_negative": ("read as negative", COLORS["bad"], "v"),
}


@shared_docs
def plot_comment_measures(
    data: pd.DataFrame,
    *,
    measures: tuple[str, ...] = ("pct_questions", "pct_positive", "pct_negative"),
    min_comments: int = 10,
    ax: Axes | None = None,
) -> Axes:
    """Per step: % of comments asking a question, read as positive, read as negative.

    Steps with fewer than ``min_comments`` comments are left blank (a share of a handful
    of comments says little, and small counts are not shown).

    Parameters
    ----------
    data : :func:`flbook.analysis.comment_measures` output (``by="step"``).
    measures : the columns drawn, each as a line with markers.
    min_comments : the fewest comments a step needs to be drawn.
    {ax}

    {returns}

    Examples
    --------
    {example_course}
    >>> from flbook.analysis import comment_measures
    >>> plot_comment_measures(comment_measures(course), ax=ax) is ax
    True
    >>> ax.get_ylabel()
    "% of the step's comments"
    >>> plt.close(fig)
    """
    ax = get_ax(ax)
    d = data.reset_index(drop=True)
    shown = (d["comments"] >= min_comments).to_numpy()
    if len(d) == 0 or not shown.any():
        return no_data(ax)
    x = np.arange(len(d))
    for col in measures:
        label, color, marker = _SERIES.get(col, (col, COLORS["muted"], "o"))
        y = np.where(shown, d[col].to_numpy(dtype=float), np.nan)
        ax.plot(x, y, marker=marker, ms=4, lw=1.2, color=color, label=label)
    step_axis(ax, list(d["step"].astype(str)), axis="x")
    ax.set_ylim(0, 100)
    ax.set_ylabel("% of the step's comments")
    ax.legend(frameon=False, fontsize=8, loc="upper right")
    return ax


@shared_docs
def plot_top_words(data: pd.DataFrame, *, week: int, ax: Axes | None = None) -> Axes:
    """The most used words of one week: learners who used each (bars, most used on top).

    Parameters
    ----------
    data : :func:`flbook.analysis.top_words` output (privacy rules already applied).
    week : the study week drawn.
    {ax}

    {returns}

    Examples
    --------
    {example_course}
    >>> from flbook.analysis import top_words
    >>> plot_top_words(top_words(course), week=1, ax=ax) is ax
    True
    >>> ax.get_xlabel()
    'Learners who used the word in week 1'
    >>> plt.close(fig)
    """
    ax = get_ax(ax)
    d = data[data["week"] == week].sort_values("rank")
    if len(d) == 0:
        return no_data(ax)
    y = np.arange(len(d))
    ax.barh(y, d["learners"], color=COLORS["primary"], height=0.7)
    ax.set_yticks(y)
    ax.set_yticklabels(d["word"].astype(str).tolist(), fontsize=8)
    ax.set_ylim(len(d) - 0.4, -0.6)
    ax.set_xlabel(f"Learners who used the word in week {week}")
    ax.xaxis.set_major_formatter(lambda v, _: f"{v:,.0f}")
    return ax


@shared_docs
def plot_top_words_by_week(
    data: pd.DataFrame, *, weeks: int | None = None, panel_width: float = 3.3
) -> Figure:
    """One :func:`plot_top_words` panel per study week, side by side (owns its figure).

    Parameters
    ----------
    data : :func:`flbook.analysis.top_words` output.
    weeks : number of study weeks (panels); default the weeks present in ``data`` (one
        "No data" panel when there are none).
    panel_width : width of each panel in inches.

    Returns
    -------
    Figure
        The new figure (whoever shows it closes it).

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from flbook.analysis import top_words
    >>> from flbook.synth import example_course
    >>> course = example_course()
    >>> fig = plot_top_words_by_week(top_words(course))
    >>> len(fig.axes) > 0
    True
    >>> plt.close(fig)
    """
    present = sorted(int(w) for w in pd.unique(data["week"]))
    chosen = list(range(1, weeks + 1)) if weeks else (present or [1])
    fig, axes = plt.subplots(1, len(chosen), figsize=(panel_width * len(chosen), 4), squeeze=False)
    for ax, week in zip(axes[0], chosen, strict=True):
        plot_top_words(data, week=week, ax=ax)
    fig.tight_layout()
    return fig
