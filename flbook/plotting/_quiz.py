"""Quiz charts: answers chosen per question, right and wrong tries, one question probed.

Each function draws a table from :mod:`flbook.analysis._quiz` on one Axes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.patches import Patch, Rectangle

from ..privacy import MIN_COUNT, small_label
from ._base import (
    COLORS,
    PALETTE,
    get_ax,
    legend_above,
    no_data,
    no_rows,
    stacked_bars,
    thousands,
    unstick,
    week_rules,
)
from ._docs import shared_docs

__all__ = [
    "plot_response_heatmap",
    "plot_correct_stacked",
    "plot_question_probe",
    "plot_attempts_per_question",
    "plot_recovered_learners",
    "plot_answer_counts",
]

CORRECT_GID = "flbook-correct"
"""``gid`` of the rectangles that outline correct answers in the heatmap."""

KEY_TICK_GID = "flbook-key-tick"
"""``gid`` of the ✓ text drawn on each keyed (correct) answer's cell of the heatmap."""

KEY_TICK = "\u2713"
"""The mark written on the keyed answer's cell (✓), beside its count."""


def _question_ticks(ax: Axes, questions, *, axis: str = "x") -> None:
    questions = [str(q) for q in questions]
    n = len(questions)
    pos = np.arange(n)
    size = 7 if n > 30 else 8
    if axis == "x":
        ax.set_xticks(pos)
        ax.set_xticklabels(questions, rotation=90, fontsize=size)
        ax.set_xlim(-0.6, n - 0.4)
        ax.set_xlabel("Question (week.step.question)")
    else:
        ax.set_yticks(pos)
        ax.set_yticklabels(questions, fontsize=size)
        ax.set_ylabel("Question (week.step.question)")
    week_rules(ax, questions, axis=axis)


def _present(categorical: pd.Series) -> list:
    """Categories of a (Categorical) column that occur, in category order."""
    s = categorical
    if isinstance(s.dtype, pd.CategoricalDtype):
        return list(s.cat.remove_unused_categories().cat.categories)
    return list(pd.unique(s))


@shared_docs
def plot_response_heatmap(
    data: pd.DataFrame,
    *,
    y: str = "pct",
    annotate: bool | None = None,
    cmap: str = "Blues",
    colorbar: bool = True,
    min_learners: int = MIN_COUNT,
    ax: Axes | None = None,
) -> Axes:
    """Heatmap of answers chosen (question × answer), the keyed answer marked ✓ and outlined.

    Parameters
    ----------
    data : :func:`flbook.analysis.response_matrix` output.
    y : ``"pct"`` (share of the question's answers; compares questions answered by
        different numbers of learners) or ``"responses"`` (counts).
    annotate : write the count in each cell; default when there are at most 400 cells.
    cmap : matplotlib colour map.
    colorbar : draw a colour bar inside the Axes' area (an inset, nothing outside ``ax``).
    min_learners : the small-count rule (:mod:`flbook.privacy`): a cell of fewer answers is
        left blank and reads "<10".
    {ax}

    Each correct (keyed) cell is outlined in green by a
    :class:`~matplotlib.patches.Rectangle` with ``gid == "flbook-correct"`` and carries a
    ✓ (a text with ``gid == "flbook-key-tick"``: "✓ 123" with the count, or "✓" alone
    when cells are not annotated), so that the key reads without colour too. The legend
    says what both marks mean.

    {returns}

    Examples
    --------
    {example_course}
    >>> from flbook.analysis import response_matrix
    >>> plot_response_heatmap(response_matrix(course, attempt=1, group="enrolled"), ax=ax) is ax
    True
    >>> len(ax.images)
    1
    >>> plt.close(fig)
    """
    ax = get_ax(ax)
    if no_rows(data):
        return no_data(ax)
    questions = _present(data["quiz_question"])
    answers = _present(data["response"])
    qi = pd.Index(questions).get_indexer(data["quiz_question"])
    ri = pd.Index(answers).get_indexer(data["response"])
    grid = np.full((len(questions), len(answers)), np.nan)
    grid[qi, ri] = data[y].to_numpy(dtype=float)
    counts = np.zeros_like(grid)
    counts[qi, ri] = data["responses"].to_numpy(dtype=float)
    small = (counts > 0) & (counts < min_learners)
    grid[small] = np.nan  # too few answers: no colour, no number
    vmax = 100.0 if y == "pct" else max(float(np.nanmax(grid, initial=0.0)), 1.0)
    im = ax.imshow(
        np.ma.masked_invalid(grid),
        aspect="auto",
        cmap=cmap,
        vmin=0,
        vmax=vmax,
        interpolation="nearest",
    )
    ok = data["is_correct"].to_numpy(dtype=bool)
    for row, x in zip(qi[ok], ri[ok], strict=True):
        ax.add_patch(
            Rectangle(
                (x - 0.5, row - 0.5),
                1,
                1,
                fill=False,
                edgecolor=COLORS["good"],
                lw=2.2,
                gid=CORRECT_GID,
                zorder=3,
            )
        )
    if annotate is None:
        annotate = grid.size <= 400
    norm_vals = np.nan_to_num(grid) / vmax
    for row, x, key in zip(qi, ri, ok, strict=True):
        if not (annotate or key):
            continue
        label = small_label(min_learners) if small[row, x] else f"{int(counts[row, x]):,}"
        if key:
            label = f"{KEY_TICK} {label}" if annotate else KEY_TICK
        ax.text(
            x,
            row,
            label,
            ha="center",
            va="center",
            fontsize=7,
            fontweight="bold" if key else "normal",
            color="white" if norm_vals[row, x] > 0.6 else "#222222",
            gid=KEY_TICK_GID if key else None,
        )
    ax.set_xticks(np.arange(len(answers)))
    ax.set_xticklabels(
        [str(a) for a in answers], rotation=90 if len(answers) > 8 else 0, fontsize=8
    )
    ax.set_xlabel("Answer (option numbers; multi-select as a set)")
    _question_ticks(ax, questions, axis="y")
    ax.set_ylim(len(questions) - 0.5, -0.5)
    ax.set_xlim(-0.5, len(answers) - 0.5)
    if colorbar:
        cax = ax.inset_axes([1.02, 0.0, 0.025, 1.0])
        label = "% of the question's answers" if y == "pct" else "Answers"
        ax.figure.colorbar(im, cax=cax, label=label)
    ax.legend(
        handles=[
            Patch(
                fill=False,
                edgecolor=COLORS["good"],
                lw=2,
                label=f"{KEY_TICK} and green outline: the keyed (correct) answer",
            )
        ],
        loc="lower left",
        bbox_to_anchor=(0, 1.0),
        frameon=False,
        fontsize=8,
    )
    return ax


def _good_bad_bars(ax: Axes, data: pd.DataFrame, labels: dict[str, str], *, ylabel: str) -> None:
    """Learners per question as two stacked bars: the first column of ``labels`` (green)
    under the second (orange), each named by its label; question ticks, legend above."""
    stacked_bars(
        ax,
        np.arange(len(data)),
        data[list(labels)].rename(columns=labels),
        [COLORS["good"], COLORS["bad"]],
    )
    _question_ticks(ax, data["quiz_question"], axis="x")
    ax.set_ylabel(ylabel)
    thousands(ax, "y")
    legend_above(ax)


@shared_docs
def plot_correct_stacked(data: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Stacked bars per question: learners right (green) and wrong (orange) at one try.

    Parameters
    ----------
    data : :func:`flbook.analysis.nth_attempt_stats` output.
    {ax}

    {returns}

    Examples
    --------
    {example_course}
    >>> from flbook.analysis import nth_attempt_stats
    >>> plot_correct_stacked(nth_attempt_stats(course, group="enrolled"), ax=ax) is ax
    True
    >>> ax.get_xlabel()
    'Question (week.step.question)'
    >>> plt.close(fig)
    """
    ax = get_ax(ax)
    if no_rows(data, column="learners"):
        return no_data(ax)
    attempt = data["attempt"].iloc[0] if "attempt" in data else None
    _good_bad_bars(
        ax,
        data,
        {"correct": "right", "incorrect": "wrong"},
        ylabel="Learners" if attempt is None else f"Learners (try {attempt})",
    )
    return ax


@shared_docs
def plot_question_probe(
    data: pd.DataFrame, *, y: str = "responses", ax: Axes | None = None
) -> Axes:
    """Answers to one question, grouped by try (1st, 2nd, ...); the correct answer marked ✓.

    Parameters
    ----------
    data : :func:`flbook.analysis.question_probe` output.
    y : ``"responses"`` (counts) or ``"pct"`` (% of each try's answers).
    {ax}

    {returns}

    Examples
    --------
    {example_course}
    >>> from flbook.analysis import question_probe
    >>> plot_question_probe(question_probe(course, group="enrolled"), ax=ax) is ax
    True
    >>> ax.get_ylabel()
    'Answers'
    >>> plt.close(fig)
    """
    ax = get_ax(ax)
    if no_rows(data):
        return no_data(ax)
    answers = _present(data["response"])
    attempts = sorted(int(a) for a in pd.unique(data["attempt"]))
    k = len(attempts)
    width = 0.8 / k
    ri = pd.Index(answers).get_indexer(data["response"])
    for j, att in enumerate(attempts):
        sel = (data["attempt"] == att).to_numpy()
        ax.bar(
            ri[sel] - 0.4 + width * (j + 0.5),
            data.loc[sel, y].to_numpy(dtype=float),
            width=width,
            color=PALETTE[j % len(PALETTE)],
            label=f"try {att}",
        )
    ok = set(data.loc[data["correct"].to_numpy(dtype=bool), "response"].astype(str))
    ax.set_xticks(np.arange(len(answers)))
    labels = ax.set_xticklabels([f"{a} ✓" if str(a) in ok else str(a) for a in answers])
    for lab, a in zip(labels, answers, strict=True):
        if str(a) in ok:
            lab.set_color(COLORS["good"])
            lab.set_fontweight("bold")
    ax.set_xlabel("Answer (✓ correct)")
    if y == "pct":
        ax.set_ylabel("% of the try's answers")
    else:
        ax.set_ylabel("Answers")
        thousands(ax, "y")
    if "quiz_question" in data:
        ax.set_title(f"Question {data['quiz_question'].iloc[0]}", fontsize=10)
    # beside the bars: the tallest bar of any answer can be anywhere
    ax.legend(
        frameon=False, fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1), borderaxespad=0
    )
    return ax


@shared_docs
def plot_attempts_per_question(data: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Per question, % of learners right at the first try and % right at some try.

    Parameters
    ----------
    data : :func:`flbook.analysis.attempts_per_question` output.
    {ax}

    {returns}

    Examples
    --------
    {example_course}
    >>> from flbook.analysis import attempts_per_question
    >>> plot_attempts_per_question(attempts_per_question(course, group="enrolled"), ax=ax) is ax
    True
    >>> ax.get_xlabel()
    'Question (week.step.question)'
    >>> plt.close(fig)
    """
    ax = get_ax(ax)
    if no_rows(data):
        return no_data(ax)
    x = np.arange(len(data))
    ax.bar(x, data["pct_eventually_correct"], color=COLORS["light"], label="right at some try")
    ax.bar(
        x, data["pct_first_correct"], width=0.5, color=COLORS["primary"], label="right first time"
    )
    _question_ticks(ax, data["quiz_question"], axis="x")
    ax.set_ylim(0, 105)
    ax.set_ylabel("% of learners who answered")
    legend_above(ax)
    return ax


@shared_docs
def plot_recovered_learners(data: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Learners wrong at their first try, per question: right later (green) or never (orange).

    Parameters
    ----------
    data : :func:`flbook.analysis.recovered_learners` output.
    {ax}

    {returns}

    Examples
    --------
    {example_course}
    >>> from flbook.analysis import recovered_learners
    >>> plot_recovered_learners(recovered_learners(course, group="enrolled"), ax=ax) is ax
    True
    >>> ax.get_xlabel()
    'Question (week.step.question)'
    >>> plt.close(fig)
    """
    ax = get_ax(ax)
    if no_rows(data, column="wrong_first"):
        return no_data(ax)
    _good_bad_bars(
        ax,
        data,
        {"later_right": "right at a later try", "never_right": "never right"},
        ylabel="Learners wrong at first try",
    )
    return ax


def shown_answer_counts(data: pd.DataFrame, *, min_learners: int = MIN_COUNT) -> pd.DataFrame:
    """An :func:`~flbook.analysis.answer_counts` table as a chart may draw it.

    The small-count rule (:mod:`flbook.privacy`): ``first_try`` (one per learner) is NaN
    when it is 1 to ``min_learners - 1``, and ``later_tries`` is NaN when they come from
    that few learners (``learners_later``). ``attrs["hidden"]`` counts the hidden
    values.
    """
    out = data.copy()
    first = out["first_try"].to_numpy(dtype=float)
    later = out["later_tries"].to_numpy(dtype=float)
    small_first = (first > 0) & (first < min_learners)
    who = out["learners_later"].to_numpy()
    small_later = (who > 0) & (who < min_learners)
    out["first_try"] = np.where(small_first, np.nan, first)
    out["later_tries"] = np.where(small_later, np.nan, later)
    out.attrs["hidden"] = int(small_first.sum() + small_later.sum())
    return out


@shared_docs
def plot_answer_counts(
    data: pd.DataFrame,
    *,
    question: str | None = None,
    min_learners: int = MIN_COUNT,
    ax: Axes | None = None,
) -> Axes:
    """Answers to one question: first tries with later tries stacked on top, correct ✓.

    Parameters
    ----------
    data : :func:`~flbook.analysis.answer_counts` output.
    question : the question drawn (``"W.S.Q"``); default the first in ``data``.
    min_learners : the small-count rule (:mod:`flbook.privacy`): a bar part about fewer
        learners is not drawn (see :func:`shown_answer_counts`), and the x label says so.
    {ax}

    {returns}

    Examples
    --------
    {example_course}
    >>> from flbook.analysis import answer_counts
    >>> plot_answer_counts(answer_counts(course), ax=ax) is ax
    True
    >>> ax.get_ylabel()
    'Answers'
    >>> plt.close(fig)
    """
    ax = get_ax(ax)
    if no_rows(data):
        return no_data(ax)
    questions = data["quiz_question"].astype(str)
    question = questions.iloc[0] if question is None else str(question)
    part = shown_answer_counts(data[(questions == question).to_numpy()], min_learners=min_learners)
    if part.empty:
        return no_data(ax)
    x = np.arange(len(part))
    first = np.nan_to_num(part["first_try"].to_numpy(dtype=float))
    later = np.nan_to_num(part["later_tries"].to_numpy(dtype=float))
    ax.bar(x, first, color=PALETTE[0], label="first try")
    stacked = ax.bar(x, later, bottom=first, color=PALETTE[5], label="later tries")
    unstick(stacked, first)
    ok = part["is_correct"].to_numpy(dtype=bool)
    for xi in x[ok]:
        ax.bar(xi, first[xi] + later[xi], fill=False, edgecolor=COLORS["good"], lw=2.5)
    ax.set_xticks(x)
    answers = part["response"].astype(str)
    ticks = ax.set_xticklabels([f"{r} ✓" if o else r for r, o in zip(answers, ok, strict=True)])
    for t, o in zip(ticks, ok, strict=True):
        if o:
            t.set_color(COLORS["good"])
            t.set_fontweight("bold")
    ax.set_xlabel("Answer (✓ correct)")
    if part.attrs["hidden"]:
        ax.set_xlabel(
            f"Answer (✓ correct)\nBars about 1 to {min_learners - 1} learners are not drawn"
        )
    ax.set_ylabel("Answers")
    ax.set_title(f"Question {question}", fontsize=10)
    thousands(ax, "y")
    # beside the bars (the title is above them); entries without the outline
    ax.legend(
        handles=ax.containers[:2],
        frameon=False,
        fontsize=8,
        loc="upper left",
        bbox_to_anchor=(1.01, 1),
        borderaxespad=0,
    )
    return ax
