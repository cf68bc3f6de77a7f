"""Charts of learning in notebooks: cells, errors, retries, order, timing, following along.

Each function draws a table returned by :mod:`flbook.analysis._notebooks` on one Axes
and returns it. Notebooks are named by their path without ``.ipynb``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter, PercentFormatter

from ..privacy import MIN_COUNT, small_label, small_rows
from ._base import (
    COLORS,
    PALETTE,
    category_order,
    concise_dates,
    get_ax,
    no_data,
    no_rows,
    thousands,
    week_shading,
)
from ._docs import shared_docs

__all__ = [
    "plot_cell_executions",
    "plot_cell_error_rates",
    "plot_error_names",
    "plot_retries",
    "plot_after_error",
    "plot_execution_order",
    "plot_first_executions",
    "plot_executions_by_day",
    "plot_follow_along",
    "plot_follow_along_share",
]

_NO_LOGS = "No data: no notebook logs"

_OUTCOME_COLORS = {
    "ran the cell again soon": COLORS["good"],
    "ran the cell again later": COLORS["light"],
    "ran another cell": COLORS["secondary"],
    "ran nothing more": COLORS["bad"],
}
_MOVE_COLORS = {
    "next cell": COLORS["primary"],
    "same cell again": COLORS["light"],
    "skipped ahead": COLORS["secondary"],
    "went back": COLORS["accent"],
}
_TIMING_COLORS = {
    "before visiting the step": COLORS["accent"],
    "while on the step": COLORS["good"],
    "later that day": COLORS["light"],
    "on a later day": COLORS["primary"],
    "never visited the step": COLORS["muted"],
}


def _short(name) -> str:
    text = str(name)
    return text[:-6] if text.endswith(".ipynb") else text


@shared_docs
def plot_cell_executions(data: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Executions of every cell, notebook by notebook: successful and failed, stacked.

    Parameters
    ----------
    data : DataFrame
        The output of :func:`~flbook.analysis.cell_summary` (``notebook``, ``cell``,
        ``executions``, ``failed``).
    {ax}

    One bar per cell in notebook order (bars of gid ``"ok"`` and ``"failed"``); thin
    lines separate the notebooks, whose names sit under their cells.

    {returns}

    Examples
    --------
    {example_course}
    >>> from flbook.analysis import cell_summary
    >>> plot_cell_executions(
    ...     cell_summary(course, notebooks=course.config.notebooks),
    ...     ax=ax,
    ... ) is ax
    True
    >>> ax.get_ylabel()
    'Executions'
    >>> plt.close(fig)
    """
    ax = get_ax(ax)
    if no_rows(data):
        return no_data(ax, _NO_LOGS)
    n = len(data)
    x = np.arange(n)
    failed = data["failed"].to_numpy(dtype=float)
    ok = data["executions"].to_numpy(dtype=float) - failed
    ax.bar(x, ok, width=0.85, color=COLORS["primary"], label="ran without error", gid="ok")
    ax.bar(
        x,
        failed,
        width=0.85,
        bottom=ok,
        color=COLORS["bad"],
        label="ended in an error",
        gid="failed",
    )
    nb = data["notebook"].astype(str).to_numpy()
    starts = np.flatnonzero(np.r_[True, nb[1:] != nb[:-1]])
    ends = np.r_[starts[1:], n]
    for s, e in zip(starts.tolist(), ends.tolist(), strict=True):  # a few notebooks
        if s > 0:
            ax.axvline(s - 0.5, color="#bbbbbb", lw=0.8)
        ax.text(
            (s + e - 1) / 2,
            -0.04,
            _short(nb[s]),
            transform=ax.get_xaxis_transform(),
            ha="center",
            va="top",
            fontsize=8,
            rotation=0 if len(starts) <= 6 else 30,
        )
    ax.set_xticks([])
    ax.set_xlim(-0.7, n - 0.3)
    ax.set_ylabel("Executions")
    thousands(ax, "y")
    ax.legend(loc="upper right", fontsize=8)
    return ax


@shared_docs
def plot_cell_error_rates(
    data: pd.DataFrame, *, top: int = 12, min_learners: int = MIN_COUNT, ax: Axes | None = None
) -> Axes:
    """The cells that fail most often: error rate per cell, highest first.

    Parameters
    ----------
    data : DataFrame
        The output of :func:`~flbook.analysis.cell_summary`.
    top : how many cells to show.
    min_learners : cells run by fewer learners are not shown (their rate is noise);
        pooled "own cells" are never shown.
    {ax}

    Horizontal bars (gid ``"rate"``) labelled ``notebook · cell N``, each annotated
    with its learners and most common error name.

    {returns}

    Examples
    --------
    {example_course}
    >>> from flbook.analysis import cell_summary
    >>> plot_cell_error_rates(
    ...     cell_summary(course, notebooks=course.config.notebooks),
    ...     ax=ax,
    ... ) is ax
    True
    >>> ax.get_xlabel()
    'Executions that ended in an error (%)'
    >>> plt.close(fig)
    """
    ax = get_ax(ax)
    if no_rows(data):
        return no_data(ax, _NO_LOGS)
    d = data[(data["cell"] != "own cells") & (data["learners"] >= min_learners)]
    d = d.sort_values("pct_error_rate", ascending=False, kind="stable").head(top)
    if d.empty:
        return no_data(ax)
    y = np.arange(len(d))
    rate = d["pct_error_rate"].to_numpy(dtype=float)
    ax.barh(y, rate, color=COLORS["bad"], gid="rate")
    labels = [f"{_short(n)} · {c}" for n, c in zip(d["notebook"], d["cell"], strict=True)]
    ax.set_yticks(y)
    ax.set_yticklabels(labels, fontsize=8)
    ax.invert_yaxis()
    for yi, r, lrn, err in zip(y, rate, d["learners"], d["top_error"], strict=True):
        note = f" {int(lrn):,} learners" + (f", mostly {err}" if err else "")
        ax.text(r, yi, note, va="center", ha="left", fontsize=7, color="#333333")
    ax.set_xlim(0, max(rate.max() * 1.6, 5))
    ax.xaxis.set_major_formatter(PercentFormatter(decimals=0))
    ax.set_xlabel("Executions that ended in an error (%)")
    return ax


@shared_docs
def plot_error_names(data: pd.DataFrame, *, top: int = 10, ax: Axes | None = None) -> Axes:
    """The most common error names: failed executions, with how many learners met each.

    Parameters
    ----------
    data : DataFrame
        The output of :func:`~flbook.analysis.error_names` (``by_notebook=False``).
    top : how many names to show (the rest are left out).
    {ax}

    {returns}

    Examples
    --------
    {example_course}
    >>> from flbook.analysis import error_names
    >>> plot_error_names(error_names(course), ax=ax) is ax
    True
    >>> ax.get_xlabel()
    'Failed executions'
    >>> plt.close(fig)
    """
    ax = get_ax(ax)
    if no_rows(data):
        return no_data(ax, "No data: no failed runs in the notebook logs")
    d = data.head(top)
    y = np.arange(len(d))
    small = small_rows(d, columns=["learners"])  # an error met by under 10 learners: not drawn
    failed = np.where(small, 0.0, d["failed"].to_numpy(dtype=float))
    ax.barh(y, failed, color=COLORS["secondary"], gid="errors")
    ax.set_yticks(y)
    ax.set_yticklabels(d["error_name"].astype(str).tolist(), fontsize=9)
    ax.invert_yaxis()
    for yi, f, lrn, hide in zip(y, failed, d["learners"], small, strict=True):
        text = f" {small_label()} learners" if hide else f" {int(lrn):,} learners"
        ax.text(f, yi, text, va="center", fontsize=7, color="#333333")
    ax.set_xlim(0, max(failed.max(), 1) * 1.3)
    thousands(ax, "x")
    ax.set_xlabel("Failed executions")
    return ax


@shared_docs
def plot_retries(data: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """After a first error on a cell: runs until it worked, or never.

    Parameters
    ----------
    data : DataFrame
        The output of :func:`~flbook.analysis.retries_until_success`.
    {ax}

    One bar per category (gid ``"retries"``), "never" in red; each labelled with its
    share.

    {returns}

    Examples
    --------
    {example_course}
    >>> from flbook.analysis import retries_until_success
    >>> plot_retries(retries_until_success(course), ax=ax) is ax
    True
    >>> ax.get_xlabel()
    'Runs after the first error until the cell ran without error'
    >>> plt.close(fig)
    """
    ax = get_ax(ax)
    if no_rows(data):
        return no_data(ax, _NO_LOGS)
    labels = data["retries"].astype(str).tolist()
    x = np.arange(len(labels))
    n = data["learner_cells"].to_numpy(dtype=float)
    colors = [COLORS["bad"] if lab == "never" else COLORS["primary"] for lab in labels]
    ax.bar(x, n, color=colors, gid="retries")
    for xi, v, p in zip(x, n, data["pct"], strict=True):
        if v > 0:
            ax.text(xi, v, f"{p:.0f}%", ha="center", va="bottom", fontsize=8)
    ax.set_xticks(x)
    ax.set_xticklabels(labels)
    ax.set_xlabel("Runs after the first error until the cell ran without error")
    ax.set_ylabel("Learner and cell pairs")
    thousands(ax, "y")
    ax.set_ylim(0, n.max() * 1.12 if n.max() > 0 else 1)
    return ax


def _stacked_shares(ax: Axes, data: pd.DataFrame, category: str, colors: dict) -> Axes:
    """100% horizontal bars per notebook (``All notebooks`` last), segments by ``category``.

    ``data`` is a recipe's long table (``notebook``, ``category``, ``pct``), drawn as it
    is: each row is one segment, stacked after the segments of its notebook's earlier
    categories (nothing is reshaped or summed here).
    """
    nb = data["notebook"].astype(str).to_numpy()
    names = list(dict.fromkeys(nb))
    if "All notebooks" in names:
        names = [n for n in names if n != "All notebooks"] + ["All notebooks"]
    cats = category_order(data[category])
    row_y = pd.Index(names).get_indexer(nb)
    row_cat = data[category].astype(str).to_numpy()
    pct = data["pct"].to_numpy(dtype=float)
    y = np.arange(len(names))
    left = np.zeros(len(names))
    for i, c in enumerate(cats):  # a handful of categories
        rows = row_cat == c
        yc, w = row_y[rows], pct[rows]
        ax.barh(
            yc, w, left=left[yc], color=colors.get(c, PALETTE[i % len(PALETTE)]), label=c, gid=c
        )
        for yi, lft, wi in zip(yc, left[yc], w, strict=True):
            if wi >= 7:
                ax.text(
                    lft + wi / 2,
                    yi,
                    f"{wi:.0f}%",
                    ha="center",
                    va="center",
                    fontsize=7,
                    color="white",
                )
        left[yc] += w
    ax.set_yticks(y)
    ax.set_yticklabels([_short(n) for n in names], fontsize=8)
    for t in ax.get_yticklabels():
        if t.get_text() == "All notebooks":
            t.set_fontweight("bold")
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.xaxis.set_major_formatter(PercentFormatter(decimals=0))
    ax.legend(
        loc="upper center",
        bbox_to_anchor=(0.5, -0.12),
        ncol=min(len(cats), 3),
        fontsize=8,
    )
    return ax


@shared_docs
def plot_after_error(data: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """What learners did right after a failed execution, per notebook (shares).

    Parameters
    ----------
    data : DataFrame
        The output of :func:`~flbook.analysis.after_error`.
    {ax}

    One 100% bar per notebook and one for all notebooks; segments (gid = the outcome)
    in :data:`~flbook.analysis.AFTER_ERROR_OUTCOMES` order.

    {returns}

    Examples
    --------
    {example_course}
    >>> from flbook.analysis import after_error
    >>> plot_after_error(after_error(course, notebooks=course.config.notebooks), ax=ax) is ax
    True
    >>> ax.get_xlabel()
    'Failed executions (%)'
    >>> plt.close(fig)
    """
    ax = get_ax(ax)
    if no_rows(data):
        return no_data(ax, _NO_LOGS if data is None else "No failed executions")
    _stacked_shares(ax, data, "outcome", _OUTCOME_COLORS)
    ax.set_xlabel("Failed executions (%)")
    return ax


@shared_docs
def plot_execution_order(data: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """How each run relates to the previous one in the session, per notebook (shares).

    Parameters
    ----------
    data : DataFrame
        The output of :func:`~flbook.analysis.execution_order`.
    {ax}

    {returns}

    Examples
    --------
    {example_course}
    >>> from flbook.analysis import execution_order
    >>> plot_execution_order(
    ...     execution_order(course, notebooks=course.config.notebooks),
    ...     ax=ax,
    ... ) is ax
    True
    >>> ax.get_xlabel()
    'Executions (%)'
    >>> plt.close(fig)
    """
    ax = get_ax(ax)
    if no_rows(data):
        return no_data(ax, _NO_LOGS)
    _stacked_shares(ax, data, "move", _MOVE_COLORS)
    ax.set_xlabel("Executions (%)")
    return ax


@shared_docs
def plot_follow_along_share(data: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """When learners first ran each notebook, against their first visit of its step (shares).

    Parameters
    ----------
    data : DataFrame
        The output of :func:`~flbook.analysis.follow_along`.
    {ax}

    {returns}

    Examples
    --------
    {example_course}
    >>> from flbook.analysis import follow_along
    >>> plot_follow_along_share(
    ...     follow_along(course, notebooks=course.config.notebooks),
    ...     ax=ax,
    ... ) is ax
    True
    >>> ax.get_xlabel()
    'Learners (%)'
    >>> plt.close(fig)
    """
    ax = get_ax(ax)
    if no_rows(data):
        return no_data(ax, "No data: no notebook logs linked to learners and steps")
    _stacked_shares(ax, data, "timing", _TIMING_COLORS)
    ax.set_xlabel("Learners (%)")
    return ax


@shared_docs
def plot_first_executions(data: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Minutes from opening a notebook to running a first cell, per notebook (box plots).

    Parameters
    ----------
    data : DataFrame
        The output of :func:`~flbook.analysis.first_executions` (``notebook``,
        ``pct_ran_nothing`` and the box's ``low_minutes``, ``q1_minutes``,
        ``median_minutes``, ``q3_minutes``, ``high_minutes``).
    {ax}

    One horizontal box per row (log scale; a time under 3 seconds is drawn at 0.05
    minutes; no outliers drawn); at the right, the row's share of sessions in which
    nothing was run.

    {returns}

    Examples
    --------
    {example_course}
    >>> from flbook.analysis import first_executions
    >>> table = first_executions(course, notebooks=course.config.notebooks)
    >>> plot_first_executions(table, ax=ax) is ax
    True
    >>> ax.get_xlabel()
    'Minutes from opening the notebook to the first run (log scale)'
    >>> plt.close(fig)
    """
    ax = get_ax(ax)
    if no_rows(data):
        return no_data(ax, _NO_LOGS)
    if data["median_minutes"].isna().all():
        return no_data(ax, "No session with a first execution")
    names = data["notebook"].astype(str).tolist()
    keys = {"whislo": "low", "q1": "q1", "med": "median", "q3": "q3", "whishi": "high"}
    # a log axis has no 0: a time under 3 seconds is drawn at 0.05 minutes
    boxes = [
        {k: max(float(row[f"{col}_minutes"]), 0.05) for k, col in keys.items()}
        for _, row in data.iterrows()  # a few notebooks
    ]
    ax.bxp(
        boxes,
        orientation="horizontal",
        showfliers=False,
        widths=0.6,
        patch_artist=True,
        boxprops={"facecolor": COLORS["light"], "alpha": 0.8, "linestyle": "solid"},
        medianprops={"color": COLORS["primary"], "lw": 2},
    )
    ax.set_yticks(np.arange(1, len(names) + 1))
    ax.set_yticklabels([_short(n) for n in names], fontsize=8)
    ax.invert_yaxis()
    ax.set_xscale("log")
    ax.xaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_xlabel("Minutes from opening the notebook to the first run (log scale)")
    for i, share in enumerate(data["pct_ran_nothing"].to_numpy(dtype=float)):
        ax.text(
            1.01,
            i + 1,
            f"{share:.0f}% ran nothing",
            transform=ax.get_yaxis_transform(),
            va="center",
            fontsize=7,
            color="#333333",
            gid="ran-nothing",
        )
    return ax


@shared_docs
def plot_executions_by_day(
    data: pd.DataFrame, *, week_starts: Sequence = (), ax: Axes | None = None
) -> Axes:
    """Cell executions per day, one line per notebook.

    Parameters
    ----------
    data : DataFrame
        The output of :func:`~flbook.analysis.executions_by_day` (every day of the
        span, zeros included): each notebook's rows are drawn as they are, in order.
    week_starts : study-week start dates (``course.config.week_starts``), shaded.
    {ax}

    {returns}

    Examples
    --------
    {example_course}
    >>> from flbook.analysis import executions_by_day
    >>> days = executions_by_day(course, notebooks=course.config.notebooks)
    >>> plot_executions_by_day(days, week_starts=course.config.week_starts, ax=ax) is ax
    True
    >>> ax.get_ylabel()
    'Executions per day'
    >>> plt.close(fig)
    """
    ax = get_ax(ax)
    if no_rows(data):
        return no_data(ax, _NO_LOGS)
    nb = data["notebook"].astype(str)
    names = list(dict.fromkeys(nb))
    for i, n in enumerate(names):  # a few notebooks
        d = data[nb == n]
        ax.plot(
            d["date"].to_numpy(),
            d["executions"].to_numpy(),
            color=PALETTE[i % len(PALETTE)],
            ls="-" if i < len(PALETTE) else "--",
            lw=1.4,
            label=_short(n),
            gid="notebook",
        )
    if len(week_starts):
        week_shading(ax, [pd.Timestamp(w).tz_localize(None) for w in week_starts])
    concise_dates(ax)
    ax.set_ylabel("Executions per day")
    thousands(ax, "y")
    ax.legend(fontsize=8, ncol=2 if len(names) > 4 else 1, loc="upper right")
    return ax


@shared_docs
def plot_follow_along(
    data: pd.DataFrame,
    *,
    window_minutes: float = 30,
    ax: Axes | None = None,
) -> Axes:
    """Executions in time around the first visit of the notebook's step.

    Parameters
    ----------
    data : DataFrame
        The output of :func:`~flbook.analysis.follow_along_times`: one line per
        notebook in it (``by_notebook=False`` gives one line, ``"All notebooks"``,
        labelled "all linked notebooks").
    window_minutes : the "while on the step" window, shaded after 0.
    {ax}

    A step line of executions per bin (gid ``"executions"``); a vertical line at 0
    (the first visit of the step) and the window shaded.

    {returns}

    Examples
    --------
    {example_course}
    >>> from flbook.analysis import follow_along_times
    >>> plot_follow_along(
    ...     follow_along_times(course, notebooks=course.config.notebooks, by_notebook=False),
    ...     ax=ax,
    ... ) is ax
    True
    >>> [line.get_label() for line in ax.lines if line.get_gid() == "executions"]
    ['all linked notebooks']
    >>> ax.get_xlabel()
    "Minutes from the learner's first visit of the notebook's step"
    >>> plt.close(fig)
    """
    ax = get_ax(ax)
    if no_rows(data):
        return no_data(ax, "No data: no notebook logs linked to learners and steps")
    nb = data["notebook"].astype(str)
    width = (
        float(np.diff(np.sort(data["minutes"].unique()))[:1].min())
        if data["minutes"].nunique() > 1
        else 1.0
    )
    ax.axvspan(0, window_minutes, color=COLORS["good"], alpha=0.12, lw=0, label="while on the step")
    for i, n in enumerate(dict.fromkeys(nb)):  # a few notebooks
        d = data[nb == n]
        minutes = d["minutes"].to_numpy(dtype=float)
        runs = d["executions"].to_numpy(dtype=float)
        ax.step(
            np.r_[minutes, minutes[-1] + width],  # the last bin drawn to its right edge
            np.r_[runs, runs[-1]],
            where="post",
            color=PALETTE[i % len(PALETTE)],
            lw=1.5,
            label="all linked notebooks" if n == "All notebooks" else _short(n),
            gid="executions",
        )
    ax.axvline(0, color="#333333", lw=1, ls="--")
    ax.text(
        0,
        0.98,
        "first visit of the step ",
        ha="right",
        transform=ax.get_xaxis_transform(),
        va="top",
        fontsize=8,
    )
    ax.set_xlabel("Minutes from the learner's first visit of the notebook's step")
    ax.set_ylabel("Executions")
    thousands(ax, "y")
    ax.legend(fontsize=8, loc="upper right")
    return ax
