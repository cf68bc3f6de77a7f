"""Findings of the "runs" family: where this run differs from its earlier runs.

Each comparison puts this run against the earlier runs pooled, with the difference of
the two shares and its 95% Newcombe (hybrid score) interval, from
:func:`flbook.analysis.run_differences`. A difference is said only when its interval
leaves out zero and every count behind it (successes and failures, in this run and in
the earlier runs) is at least :data:`~flbook.findings.MIN_LEARNERS`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from .. import analysis as A
from ._core import MIN_LEARNERS, Finding

if TYPE_CHECKING:
    from flbook.store import Course

__all__ = ["MAX_RUN_DIFFERENCES", "RUN_KINDS", "run_findings", "step_differences"]

MAX_RUN_DIFFERENCES: int = 3
"""How many steps, and how many questions, are named at most (largest difference first)."""

RUN_KINDS = frozenset(
    {"run_share_differs", "run_step_differs", "run_question_differs", "run_week_differs"}
)


def _earlier(runs: int) -> str:
    words = {1: "the earlier run", 2: "the two earlier runs", 3: "the three earlier runs"}
    return words.get(int(runs), f"the {int(runs)} earlier runs")


def _points(d: float, lo: float, hi: float) -> tuple[str, str]:
    """("18 points fewer", "95% interval 14–22"): the interval as sizes of the difference."""
    a, b = sorted((abs(lo), abs(hi)))
    digits = 1 if a < 1 else 0
    return (
        f"{abs(d):.0f} points {'more' if d > 0 else 'fewer'}",
        f"95% interval {a:.{digits}f}–{b:.0f}",
    )


def _shares(this: float, earlier: float, d: float) -> tuple[str, str]:
    """Both shares in whole percent, or to one decimal when whole percent would not
    differ by the (rounded) difference said beside them."""
    digits = 0 if round(this) - round(earlier) == round(d) else 1
    return f"{this:.{digits}f}%", f"{earlier:.{digits}f}%"


def _clear(comp, top: int | None):
    """Rows whose interval leaves out zero; with ``top``, the largest differences first."""
    comp = comp[comp["low"] * comp["high"] > 0]
    if top is None:
        return comp
    return comp.reindex(comp["difference"].abs().sort_values(ascending=False).index).head(top)


_SAYS: dict[str, str] = {
    "run_share_differs": "{this} of this run's learners {measure}, {size} ({interval}) than "
    "the {earlier} of {runs}.",
    "run_step_differs": "Step {key} was visited by {size} of this run's starters than in "
    "{runs} ({this} against {earlier}; {interval}).",
    "run_question_differs": "Question {key} was answered right at the first try by {alone} "
    "of this run's learners, {size} ({interval}) than in {runs}.",
    "run_week_differs": "Week {key} was rated good by {alone} of this run's answers, {size} "
    "({interval}) than in {runs}.",
}
"""Each kind's sentence."""

# kind: (table recipe, key, successes, trials, where-prefix, limited to ``top``)
_COMPARED = {
    "run_share_differs": (A.run_shares, "measure", "learners", "enrolled", "", False),
    "run_step_differs": (A.run_funnels, "step", "learners", "starters", "step ", True),
    "run_question_differs": (
        A.first_try_by_run,
        "quiz_question",
        "correct",
        "learners",
        "question ",
        True,
    ),
    "run_week_differs": (A.sentiment_by_run, "week_number", "good", "responses", "week ", False),
}


def run_findings(
    course: Course,
    previous: Sequence | None = None,
    *,
    top: int = MAX_RUN_DIFFERENCES,
    min_learners: int = MIN_LEARNERS,
) -> list[Finding]:
    """Where this run differs from its earlier runs pooled, beyond chance.

    Parameters
    ----------
    course : this run.
    previous : the earlier runs (Courses); default those of the ``previous_runs``
        setting (:func:`flbook.predict.load_previous_runs`).
    top : at most this many steps and this many questions (largest difference first).
    min_learners : every count behind a difference is at least this (never under
        :data:`~flbook.findings.MIN_LEARNERS`).

    Returns
    -------
    list of Finding
        kinds ``run_share_differs`` (visited, completed, fully participated, purchased),
        ``run_step_differs`` (starters who visited a step), ``run_question_differs``
        (right at the first try) and ``run_week_differs`` (weeks rated good); ``size`` is
        the difference in points and ``low``, ``high`` its 95% Newcombe interval. Empty
        without earlier runs.
    """
    if previous is None:
        from ..predict import load_previous_runs

        previous = load_previous_runs(course)
    if not previous:
        return []
    min_learners = max(int(min_learners), MIN_LEARNERS)
    out: list[Finding] = []
    for kind, (recipe, key, k, n, prefix, limited) in _COMPARED.items():
        table = recipe(course, previous, min_learners=0)
        if kind == "run_step_differs" and not table.empty:
            table = table[table["step"] != table["step"].iloc[0]]  # every starter visited it
        if table.empty:
            continue
        comp = A.run_differences(table, key, k, n, min_learners=min_learners)
        for value, r in _clear(comp, top if limited else None).iterrows():
            size, interval = _points(r["difference"], r["low"], r["high"])
            this, earlier = _shares(r["pct_this"], r["pct_earlier"], r["difference"])
            text = _SAYS[kind].format(
                key=value,
                measure=A.RUN_MEASURES.get(str(value), ""),
                this=this,
                alone=f"{r['pct_this']:.0f}%",  # a share said without the other one
                earlier=earlier,
                size=size,
                interval=interval,
                runs=_earlier(r["runs"]),
            )
            out.append(
                Finding(
                    "runs",
                    kind,
                    f"{prefix}{value}",
                    float(r["difference"]),
                    "points",
                    int(r[f"{n}_this"] + r[f"{n}_earlier"]),
                    text,
                    float(r["low"]),
                    float(r["high"]),
                )
            )
    return out


def step_differences(course: Course, previous: Sequence = ()) -> list[str]:
    """How the step lists of the runs differ, in sentences (empty when they are the same).

    Parameters
    ----------
    course : this run.
    previous : the earlier runs (Courses), in the order of
        :func:`flbook.analysis.run_labels`.

    Returns
    -------
    list of str
        One sentence per earlier run whose steps differ from this run's: the steps it
        has that this run does not, those it lacks, and how many both have (the steps
        :func:`flbook.analysis.step_alignment` matches).

    Examples
    --------
    >>> import pandas as pd
    >>> from flbook.store import Course
    >>> def run(steps):
    ...     return Course.from_frames(step_activity=pd.DataFrame({"learner_id": "a",
    ...         "step": steps, "first_visited_at": "2024-02-05 10:00:00"}))
    >>> step_differences(run(["1.1", "1.2"]), [run(["1.1", "1.3"])])
    ['Earlier run 1 has 1 step this run does not (1.3), and lacks 1 of this run (1.2); the 1 step both have is compared.']
    """
    labels = A.run_labels(course, previous)["run"].tolist()
    mine = list(course.steps["step"].astype(str))
    out = []
    for label, c in zip(labels[1:], previous, strict=True):
        theirs = list(c.steps["step"].astype(str))
        if theirs == mine:
            continue
        extra = [s for s in theirs if s not in mine]
        missing = [s for s in mine if s not in theirs]
        both = len(mine) - len(missing)
        parts = []
        if extra:
            parts.append(
                f"has {len(extra)} step{'s' if len(extra) != 1 else ''} this run does not "
                f"({_step_list(extra)})"
            )
        if missing:
            parts.append(f"lacks {len(missing)} of this run ({_step_list(missing)})")
        if not parts:
            parts.append("has the same steps in another order")
        out.append(
            f"{label[0].upper()}{label[1:]} {', and '.join(parts)}; the {both} "
            f"step{'s' if both != 1 else ''} both have {'is' if both == 1 else 'are'} compared."
        )
    return out


def _step_list(steps: list[str], most: int = 6) -> str:
    return ", ".join(steps[:most]) + (f" and {len(steps) - most} more" if len(steps) > most else "")
