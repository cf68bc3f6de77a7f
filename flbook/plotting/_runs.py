"""Charts comparing this run with earlier runs (tables from :mod:`flbook.analysis._runs`).

This run is drawn in the primary colour and on top; earlier runs are thinner, in the
other palette colours. Shares are drawn with their 95% intervals.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from ._base import COLORS, STRONG_PALETTE, get_ax, no_data, no_rows
from ._docs import shared_docs

__all__ = [
    "plot_run_enrolment",
    "plot_run_funnels",
    "plot_run_shares",
    "plot_run_first_try",
    "plot_run_sentiment",
]


def _colours(data: pd.DataFrame) -> dict[str, str]:
    runs = list(dict.fromkeys(data["run"]))
    others = [c for c in STRONG_PALETTE if c != COLORS["primary"]]
    out = {}
    k = 0
    for run in runs:
        if bool(data.loc[data["run"] == run, "current"].iloc[0]):
            out[run] = COLORS["primary"]
        else:
            out[run] = others[k % len(others)]
            k += 1
    return out


def _label(run: str, current: bool) -> str:
    return f"{run} (this run)" if current else run


def _lines(data: pd.DataFrame, x: str, y: str, ax: Axes, *, band: bool) -> None:
    colours = _colours(data)
    for run, part in data.groupby("run", sort=False):  # a few runs
        current = bool(part["current"].iloc[0])
        xs = np.arange(len(part)) if x == "_pos" else part[x].to_numpy()
        ax.plot(
            xs,
            part[y].to_numpy(float),
            color=colours[run],
            lw=2.4 if current else 1.3,
            zorder=3 if current else 2,
            marker="o" if len(part) <= 12 else None,
            ms=4,
            label=_label(run, current),
        )
        if band and "ci_low" in part:
            ax.fill_between(
                xs,
                part["ci_low"].to_numpy(float),
                part["ci_high"].to_numpy(float),
                color=colours[run],
                alpha=0.15 if current else 0.08,
                lw=0,
            )
    ax.legend(loc="best", fontsize=8)


@shared_docs
def plot_run_enrolment(data: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Enrolment curves rebased to each run's start (share of the final enrolment).

    Parameters
    ----------
    data : the table :func:`~flbook.analysis.enrolment_curves` returned.
    {ax}

    {returns}

    Examples
    --------
    {example_course}
    >>> from flbook.analysis import enrolment_curves
    >>> plot_run_enrolment(enrolment_curves(course), ax=ax) is ax
    True
    >>> ax.get_xlabel()
    'days from the start of week 1'
    >>> plt.close(fig)
    """
    ax = get_ax(ax)
    if no_rows(data):
        return no_data(ax, "No enrolments")
    _lines(data, "day", "pct_of_final", ax, band=False)
    ax.axvline(0, color=COLORS["muted"], ls=":", lw=1)
    ax.set_xlabel("days from the start of week 1")
    ax.set_ylabel("% of the run's final enrolment")
    ax.set_ylim(0, 102)
    return ax


@shared_docs
def plot_run_funnels(data: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Each run's step funnel on this run's step axis (steps matched by label).

    Parameters
    ----------
    data : the table :func:`~flbook.analysis.run_funnels` returned.
    {ax}

    {returns}

    Examples
    --------
    {example_course}
    >>> from flbook.analysis import run_funnels
    >>> plot_run_funnels(run_funnels(course), ax=ax) is ax
    True
    >>> ax.get_ylabel()
    '% of starters who visited'
    >>> plt.close(fig)
    """
    ax = get_ax(ax)
    if no_rows(data):
        return no_data(ax, "No step activity")
    steps = list(dict.fromkeys(data.loc[data["current"], "step"])) or list(
        dict.fromkeys(data["step"])
    )
    pos = {s: i for i, s in enumerate(steps)}
    frame = data[data["step"].isin(pos)].assign(_x=lambda d: d["step"].map(pos))
    _lines(frame, "_x", "pct", ax, band=True)
    every = max(1, len(steps) // 20)
    ax.set_xticks(range(0, len(steps), every))
    ax.set_xticklabels(steps[::every], rotation=90, fontsize=8)
    ax.set_xlabel("step")
    ax.set_ylabel("% of starters who visited")
    ax.set_ylim(0, 102)
    return ax


def _dodged(
    data: pd.DataFrame, key: str, labels: list[str], ax: Axes, *, horizontal: bool = False
) -> None:
    colours = _colours(data)
    runs = list(dict.fromkeys(data["run"]))
    width = 0.8 / len(runs)
    pos = {k: i for i, k in enumerate(dict.fromkeys(data[key]))}
    for j, run in enumerate(runs):  # a few runs
        part = data[data["run"] == run]
        current = bool(part["current"].iloc[0])
        x = part[key].map(pos).to_numpy(float) + (j - (len(runs) - 1) / 2) * width
        y = part["pct"].to_numpy(float)
        err = np.vstack([y - part["ci_low"].to_numpy(float), part["ci_high"].to_numpy(float) - y])
        if horizontal:
            ax.barh(x, y, height=width, color=colours[run], label=_label(run, current))
            ax.errorbar(y, x, xerr=err, fmt="none", ecolor="#333333", lw=0.8)
        else:
            ax.bar(x, y, width=width, color=colours[run], label=_label(run, current))
            ax.errorbar(x, y, yerr=err, fmt="none", ecolor="#333333", lw=0.8)
    ticks = list(pos.values())
    if horizontal:
        ax.set_yticks(ticks, labels)
        ax.invert_yaxis()
    else:
        ax.set_xticks(ticks, labels)
    ax.legend(loc="best", fontsize=8)


@shared_docs
def plot_run_shares(data: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Visited, completed, fully participated and purchased shares, run beside run.

    Parameters
    ----------
    data : the table :func:`~flbook.analysis.run_shares` returned.
    {ax}

    {returns}

    Examples
    --------
    {example_course}
    >>> from flbook.analysis import run_shares
    >>> plot_run_shares(run_shares(course), ax=ax) is ax
    True
    >>> ax.get_ylabel()
    '% of enrolled learners'
    >>> plt.close(fig)
    """
    ax = get_ax(ax)
    if no_rows(data) or data["pct"].isna().all():
        return no_data(ax, "No learners")
    labels = [m.replace("_", " ") for m in dict.fromkeys(data["measure"])]
    _dodged(data, "measure", labels, ax)
    ax.set_ylabel("% of enrolled learners")
    ax.set_ylim(0, 100)
    return ax


@shared_docs
def plot_run_first_try(data: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """First-try correctness per question, run beside run (horizontal bars).

    Parameters
    ----------
    data : the table :func:`~flbook.analysis.first_try_by_run` returned.
    {ax}

    {returns}

    Examples
    --------
    {example_course}
    >>> from flbook.analysis import first_try_by_run
    >>> plot_run_first_try(first_try_by_run(course), ax=ax) is ax
    True
    >>> ax.get_xlabel()
    '% right at the first try'
    >>> plt.close(fig)
    """
    ax = get_ax(ax)
    if no_rows(data) or data["pct"].isna().all():
        return no_data(ax, "No quiz answers")
    labels = list(dict.fromkeys(data["quiz_question"]))
    _dodged(data, "quiz_question", labels, ax, horizontal=True)
    ax.set_xlabel("% right at the first try")
    ax.set_xlim(0, 100)
    ax.tick_params(axis="y", labelsize=7)
    return ax


@shared_docs
def plot_run_sentiment(data: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Share of each week's sentiment answers rating the week good, per run.

    Parameters
    ----------
    data : the table :func:`~flbook.analysis.sentiment_by_run` returned.
    {ax}

    {returns}

    Examples
    --------
    {example_course}
    >>> from flbook.analysis import sentiment_by_run
    >>> plot_run_sentiment(sentiment_by_run(course), ax=ax) is ax
    True
    >>> ax.get_ylabel()
    '% of answers rating the week good'
    >>> plt.close(fig)
    """
    ax = get_ax(ax)
    if no_rows(data) or data["pct"].isna().all():
        return no_data(ax, "No sentiment answers")
    _lines(data, "week_number", "pct", ax, band=True)
    ax.set_xticks(sorted(data["week_number"].unique()))
    ax.set_xlabel("study week")
    ax.set_ylabel("% of answers rating the week good")
    ax.set_ylim(0, 100)
    return ax
