"""Prose from the data: the run's headline paragraph and the "In this run" text.

This is the one place where the book's sentences about the data are written. Each
function takes findings (or a course) and returns plain text or Markdown whose numbers
all come from the data.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..analysis._groups import GROUPS, group_members, learner_flags
from ._core import Finding, pct
from ._design import (
    COMMENT_GAP,
    DISTRACTOR_GAP,
    LONG_STEP_RATIO,
    LOW_DISCRIMINATION,
    MNSQ_RANGE,
    SHORT_STEP_RATIO,
)
from ._families import FAMILIES, family_findings

if TYPE_CHECKING:
    import pandas as pd

    from flbook.store import Course

__all__ = [
    "headline_summary",
    "in_this_run",
    "find",
    "NO_FINDING",
    "group_label",
    "readable_groups",
    "coverage_text",
    "survivor_text",
    "timeline_text",
    "readable_value",
    "DRIFTED_AWAY",
    "GROUP_NAMES",
    "follow_along_cut_text",
]


def _flags(course: Course | pd.DataFrame, roles):
    import pandas as pd

    if isinstance(course, pd.DataFrame):
        return course
    return learner_flags(course, roles=roles)


def _people(n: int, noun: str = "learner") -> str:
    from ..privacy import count_text

    return f"{count_text(n)} {noun}" + ("" if n == 1 and count_text(n) == "1" else "s")


def headline_summary(
    course: Course | pd.DataFrame, *, roles: tuple[str, ...] = ("learner",)
) -> str:
    """A short paragraph of the headline numbers, written from the data.

    Answers "what happened on this run, in a few sentences?": how many learners
    enrolled, visited and completed steps, commented, answered questions, fully
    participated, bought a certificate, and left (and how many of those never visited
    a step). Numbers have thousands separators; zero counts are said plainly ("No
    learner has unenrolled.") and nothing is divided by zero. Counts under 10 read
    "fewer than 10", without a share (:mod:`flbook.privacy`).

    Parameters
    ----------
    course : a :class:`~flbook.store.Course`, or the :func:`~flbook.analysis.learner_flags` table.
    roles : the enrolment roles counted (default learners only).

    Returns
    -------
    str
        one paragraph (plain text, safe to put in Markdown).

    Examples
    --------
    >>> import pandas as pd
    >>> from flbook.store import Course
    >>> course = Course.from_frames(
    ...     enrolments=pd.DataFrame({"learner_id": ["a", "b", "c", "d"],
    ...         "enrolled_at": ["2024-02-01 10:00:00"] * 4, "role": ["learner"] * 4}),
    ...     step_activity=pd.DataFrame({"learner_id": ["a", "b", "c"], "step": ["1.1"] * 3,
    ...         "first_visited_at": ["2024-02-05 10:00:00"] * 3,
    ...         "last_completed_at": ["2024-02-05 10:05:00", None, None]}))
    >>> print(headline_summary(course))  # doctest: +NORMALIZE_WHITESPACE
    Of fewer than 10 enrolled learners, fewer than 10 visited at least one step and
    fewer than 10 marked at least one step complete. No learner has commented or
    answered a question. No learner has fully participated or bought a certificate. No
    learner has unenrolled.
    """
    f = _flags(course, roles)
    n = len(f)
    if n == 0:
        return "No learner has enrolled on this course run."
    c = {k: int(f[k].sum()) if k in f.columns else 0 for k in GROUPS}

    from ..privacy import MIN_COUNT, count_text

    def share(k: int) -> str:  # the small-count rule: no count, nor share, of a few
        return f"{k:,} ({pct(100.0 * k / n)})" if k >= MIN_COUNT else count_text(k)

    def pair(a: str, b: str, a_words: str, b_words: str, none_words: str) -> str:
        x, y = c[a], c[b]
        if x == 0 and y == 0:
            return f"No learner has {none_words}."
        if x and y:
            return f"{share(x)} {a_words} and {share(y)} {b_words}."
        done, words, missing = (x, a_words, b) if x else (y, b_words, a)
        nobody = {
            "completed": "No learner has marked a step complete.",
            "answered": "No learner has answered a question.",
            "commented": "No learner has commented.",
            "purchased": "No learner has bought a certificate.",
            "fully_participated": "No learner has fully participated.",
            "visited": "No learner has visited a step.",
        }[missing]
        return f"{share(done)} {words}. {nobody}"

    sentences = []
    if c["visited"]:
        first = (
            f"Of {_people(n, 'enrolled learner')}, {share(c['visited'])} visited at least one step"
        )
        if c["completed"]:
            first += f" and {share(c['completed'])} marked at least one step complete."
        else:
            first += " but none marked a step complete."
        sentences.append(first)
    else:
        sentences.append(f"{_people(n, 'learner')} enrolled; none of them has visited a step yet.")
    sentences.append(
        pair(
            "commented",
            "answered",
            "posted at least one comment",
            "answered at least one question",
            "commented or answered a question",
        )
    )
    sentences.append(
        pair(
            "fully_participated",
            "purchased",
            "fully participated",
            "bought a certificate",
            "fully participated or bought a certificate",
        )
    )
    if c["unenrolled"] == 0:
        sentences.append("No learner has unenrolled.")
    else:
        left_unseen = len(group_members(f, "unenrolled & ~visited")) if "visited" in f else 0
        text = f"{share(c['unenrolled'])} unenrolled"
        if left_unseen == c["unenrolled"]:
            text += (
                ", without visiting a step."
                if left_unseen == 1
                else ", all without visiting a step."
            )
        elif left_unseen:
            text += f", {count_text(left_unseen)} of them without visiting a step."
        else:
            text += "."
        sentences.append(text)
    return " ".join(s[0].upper() + s[1:] for s in sentences)


NO_FINDING: dict[str, str] = {
    "steps": "No step stands out: none was skipped by its neighbours' visitors, none was "
    "marked complete far less often than the others, and no step held at least 10 of the "
    "learners who stopped before the end.",
    "quizzes": "No quiz question stands out: every question answered by at least 10 "
    "learners was right at the first try for at least half of them, and on none was a "
    "wrong answer the most chosen.",
    "surveys": "The weekly ratings show no clear best or worst week (or too few ratings to tell).",
    "enrolment": "Fewer than 10 learners enrolled, too few to describe.",
    "sessions": "Too few learners have step activity to describe their study time.",
    "social": "Fewer than 10 people commented, too few to describe the discussion.",
    "notebooks": "No notebook cell had errors from at least 10 learners.",
    "data": "No row was left out and no value was repaired.",
    "schedule": "Fewer than 10 learners visited a step, too few to describe when.",
    "events": "Too few learners are in the event log to describe it.",
    "runs": "No share compared here differs from the earlier runs by more than chance would "
    "explain: this run was, as far as these measures go, like the others.",
}
"""What "In this run" says when a family has no finding on this course."""


NO_KIND: dict[str, str] = {
    "skipped_step": "No step was skipped: each was visited by at least 60% of the mean of "
    "its neighbours' visitors.",
    "low_completion": "No step was marked complete far less often (25 points or more) than "
    "the median step.",
    "most_stopped": "Fewer than 10 learners stopped on any one step before the last.",
    "hard_question": "Every question answered by at least 10 learners was right at the "
    "first try for at least half of them.",
    "wrong_answer_leads": "On every question answered by at least 10 learners, the keyed "
    "answer was chosen at least as often at the first try as any wrong answer.",
    "busiest_discussion": "The discussion did not concentrate on one step (none held 20% "
    "of the posts and twice the average), or fewer than 10 learners commented.",
    "busiest_week": "Fewer than 10 learners enrolled in any seven days.",
    "early_finishers": "Fewer than 10 learners fully participated.",
    "same_day_leavers": "Fewer than 10 learners unenrolled.",
    "educator_share": "Fewer than 10 learners commented.",
    "cohorts_differ": "A cohort has fewer than 10 learners, too few to compare.",
    "cohorts_alike": "A cohort has fewer than 10 learners, too few to compare.",
    "no_early_finishers": "Fewer than 10 learners fully participated.",
    "low_discrimination": "No question answered by at least 10 learners has a "
    f"point-biserial below {LOW_DISCRIMINATION:g}: each one goes with the rest of its quiz.",
    "upper_group_distractor": "No wrong answer drew the strongest 27% of learners "
    f"{DISTRACTOR_GAP:.0f} points or more above the weakest 27% (with at least 10 learners "
    "in each group and 10 choosing it).",
    "misfit_question": "Every question answered by at least 10 learners fits the Rasch "
    f"model (infit and outfit between {MNSQ_RANGE[0]:g} and {MNSQ_RANGE[1]:g}), or the "
    "model could not be fitted.",
    "long_step": "No step with at least 10 timed first visits took "
    f"{LONG_STEP_RATIO:g} times its designed time or its week's median step, or longer.",
    "short_step": "No step with at least 10 timed first visits took "
    f"{SHORT_STEP_RATIO:.2f} of its designed time or of its week's median step, or less.",
    "most_gone_back_to": "Fewer than 10 learners went back to any one step from a later "
    "one in the same session.",
    "most_skipped_over": "Fewer than 10 learners jumped forward over any one step in a session.",
    "comment_length": "No study week has comments from at least 10 learners.",
    "question_week": "No week's comments asked questions much more often (by "
    f"{COMMENT_GAP:.0f} points) than the other weeks', or fewer than two weeks have "
    "comments from at least 10 learners.",
    "question_step": "No step's comments asked questions much more often (by "
    f"{COMMENT_GAP:.0f} points) than the other steps', or fewer than two steps have "
    "comments from at least 10 learners.",
    "negative_week": "No week's comments read as negative much more often (by "
    f"{COMMENT_GAP:.0f} points) than the other weeks', or fewer than two weeks have "
    "comments from at least 10 learners.",
    "negative_step": "No step's comments read as negative much more often (by "
    f"{COMMENT_GAP:.0f} points) than the other steps', or fewer than two steps have "
    "comments from at least 10 learners.",
}
"""What "In this run" says when a section asks for kinds that this run does not show."""


def find(course: Course, families=None, *, kinds=None) -> list[Finding]:
    """All findings of the given families (default every family), in family order.

    Parameters
    ----------
    course : a :class:`~flbook.store.Course`.
    families : names from :data:`~flbook.findings.FAMILIES`, or one name.
    kinds : keep only findings of these kinds (a name or several; default all). Only the
        parts of a family that can find them are computed.

    Returns
    -------
    list of Finding
    """
    if isinstance(families, str):
        families = [families]
    names = list(FAMILIES) if families is None else list(families)
    unknown = [f for f in names if f not in FAMILIES]
    if unknown:
        raise ValueError(
            f"unknown findings family {unknown[0]!r}; expected one of {sorted(FAMILIES)}"
        )
    if isinstance(kinds, str):
        kinds = {kinds}
    out: list[Finding] = []
    for name in names:
        out += family_findings(course, name, kinds=None if kinds is None else set(kinds))
    if kinds is not None:
        out = [f for f in out if f.kind in kinds]
    return out


def in_this_run(course: Course, families=None, *, kinds=None, title: str = "In this run"):
    """A few sentences, generated from the findings, on what this run shows.

    Parameters
    ----------
    course : a :class:`~flbook.store.Course`, or a list of :class:`Finding` already found.
    families : the families to report (names of :data:`~flbook.findings.FAMILIES`).
    kinds : keep only findings of these kinds (default all).
    title : the bold lead-in.

    Returns
    -------
    IPython.display.Markdown
        one paragraph, ``**In this run.** …``, with the fallback sentence of
        :data:`NO_FINDING` for a family without findings.
    """
    from IPython.display import Markdown

    return Markdown(in_this_run_text(course, families, kinds=kinds, title=title))


def in_this_run_text(
    course: Course | list[Finding], families=None, *, kinds=None, title: str = "In this run"
) -> str:
    """The text of :func:`in_this_run`, as a string (for tests and for reports)."""
    if isinstance(families, str):
        families = [families]
    if isinstance(course, list):
        found = course
        names = families or sorted({f.family for f in found})
        found = [f for f in found if f.family in names]
    else:
        names = list(FAMILIES) if families is None else list(families)
        found = find(course, names, kinds=kinds)
    if kinds is not None:
        kinds = {kinds} if isinstance(kinds, str) else set(kinds)
        found = [f for f in found if f.kind in kinds]
    sentences = _sentences(found)
    if not sentences and kinds is not None:
        said = [NO_KIND[k] for k in sorted(kinds) if k in NO_KIND]
        sentences = list(dict.fromkeys(said)) or [
            "Nothing in this section reaches the book's thresholds (each finding needs at "
            "least 10 learners behind it)."
        ]
    if not sentences:
        sentences = [NO_FINDING.get(n, "Nothing in this section stands out.") for n in names]
    return f"**{title}.** " + " ".join(sentences)


_LISTS: dict[str, str] = {
    "hard_question": "The questions most often wrong at the first try were {items} "
    "(share right at the first try, of the learners who answered).",
    "busiest_day": "The busiest enrolment days were {items}.",
    "cell_errors": "The notebook cells with the most failed runs were {items}.",
    "low_discrimination": "The questions that tell learners apart least, by the "
    "correlation of being right on them with the score on the rest of their quiz (below "
    f"{LOW_DISCRIMINATION:g} is low), were {{items}}.",
    "misfit_question": "The questions that fit the Rasch model worst were {items}; a "
    f"question fits with infit and outfit between {MNSQ_RANGE[0]:g} and {MNSQ_RANGE[1]:g}. "
    "Noisy answers are more erratic than the learners' abilities predict (check the "
    "wording and the key); too predictable ones often come from a question that repeats "
    "or gives away another.",
    "long_step": "Against their designed time, or without one the median step of their "
    "week, the steps that took learners longest were {items}, counting the median minutes "
    "from the first visit to the next event in the same session.",
    "short_step": "Against their designed time, or without one the median step of their "
    "week, the steps that took learners least time were {items}.",
}
"""Kinds whose findings are listed in one sentence when there are several."""


def _sentences(found: list[Finding]) -> list[str]:
    out: list[str] = []
    i = 0
    while i < len(found):  # findings are few (a dozen at most)
        f = found[i]
        j = i
        while j + 1 < len(found) and found[j + 1].kind == f.kind:
            j += 1
        group = found[i : j + 1]
        if len(group) > 1 and f.kind in _LISTS and all(g.detail for g in group):
            items = [g.detail for g in group]
            listed = items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
            out.append(_LISTS[f.kind].format(items=listed))
        else:
            out += [g.text for g in group]
        i = j + 1
    return out


def group_label(group: str) -> str:
    """A group expression in a reader's words: ``"fully_participated & ~commented"`` →
    ``"fully participated and not commented"``.

    Examples
    --------
    >>> group_label("unenrolled & ~visited")
    'unenrolled and not visited'
    """
    text = str(group).replace("~", "not ").replace("&", "and").replace("|", "or")
    return " ".join(text.replace("_", " ").split())


DRIFTED_AWAY: str = "visited & ~fully_participated & ~unenrolled"
"""Learners who started, did not finish and never pressed "Leave course": they drifted away."""

GROUP_NAMES: dict[str, str] = {DRIFTED_AWAY: "drifted away"}
"""Short names for group expressions that have one, used by :func:`readable_groups`."""


def readable_groups(table, names: dict[str, str] | None = None):
    """A table with its code names in words: ``group`` by :func:`group_label` (or by
    ``names``, default :data:`GROUP_NAMES`), and the ``column`` names of
    :func:`~flbook.analysis.demographics_known` with spaces. Row order is kept.

    Returns
    -------
    DataFrame
        a copy (no code names in the book).
    """
    import pandas as pd

    names = GROUP_NAMES if names is None else names
    out = table.copy()
    if "group" in out.columns:
        g = out["group"].astype(str)
        out["group"] = g.map(lambda v: names.get(v, group_label(v)))
        order = list(dict.fromkeys(out["group"]))
        out["group"] = pd.Categorical(out["group"], categories=order, ordered=True)
    if "column" in out.columns:
        out["column"] = out["column"].astype(str).str.replace("_", " ")
    return out


def coverage_text(daily, config) -> str:
    """What period each main export covers, against the study weeks, in one paragraph.

    Parameters
    ----------
    daily : the :func:`~flbook.analysis.daily_records` table.
    config : the course's :class:`~flbook.config.CourseConfig`.

    Returns
    -------
    str
        Markdown: the first and last day of enrolments and of step activity, how they
        fall against the start and the end of the last study week.
    """
    import pandas as pd

    if daily.empty:
        return "**In this run.** No export file holds dated rows."
    start = pd.Timestamp(config.start)
    end = pd.Timestamp(config.end)

    def rel(day) -> str:
        d = (pd.Timestamp(day) - start).days
        if d < 0:
            return f"{-d:,} day{'s' if d != -1 else ''} before the start"
        e = (pd.Timestamp(day) - end).days
        if e >= 0:
            return f"{e + 1:,} day{'s' if e else ''} after the last study week"
        return f"in study week {d // 7 + 1}"

    parts = []
    names = {"enrolments": "Enrolments", "step-activity": "Step visits", "comments": "Comments"}
    for ds, word in names.items():
        rows = daily[daily["dataset"] == ds]
        if rows.empty:
            continue
        first, last = rows["date"].min(), rows["date"].max()
        parts.append(
            f"{word} run from {first:%Y-%m-%d} ({rel(first)}) to {last:%Y-%m-%d} ({rel(last)})."
        )
    latest = daily["date"].max()
    parts.append(f"The latest dated row of any file is from {latest:%Y-%m-%d}.")
    return "**In this run.** " + " ".join(parts)


def survivor_text(course: Course) -> str:
    """The caution about who rates the later weeks, with what this run's ratings show.

    Returns
    -------
    str
        Markdown for a callout: the general caution, then whether the number of
        ratings fell and whether the last rated week was rated better or worse than the
        first, with the shares (weeks with at least 10 ratings only).
    """
    from .. import analysis as A
    from ._core import MIN_LEARNERS, pct

    general = (
        "Later weeks are rated only by the learners still on the course. If the unhappy "
        "learners leave first, a later week can look better simply because they have gone."
    )
    s = A.sentiment_by_week(course)
    if s.empty:
        return general
    n = s.groupby("week_number", sort=True)["responses"].sum()
    good = s[s["rating"] == "good"].groupby("week_number", sort=True)["responses"].sum()
    keep = n[n >= MIN_LEARNERS].index
    if len(keep) < 2:
        return general + " This run has too few rated weeks (10 ratings or more) to compare."
    first, last = int(keep[0]), int(keep[-1])
    a, b = 100 * good[first] / n[first], 100 * good[last] / n[last]
    counts = (
        f"the number of ratings fell from {int(n[first]):,} in week {first} to "
        f"{int(n[last]):,} in week {last}"
        if n[last] < n[first]
        else f"week {last} drew {int(n[last]):,} ratings against {int(n[first]):,} in week "
        f"{first}, so fewer raters did not leave"
    )
    if b > a:
        verdict = (
            f"week {last} was rated better than week {first} ({pct(b)} good against "
            f"{pct(a)}), and part of that rise may be the unhappy learners having gone"
        )
    elif b < a:
        verdict = (
            f"week {last} was rated worse than week {first} ({pct(b)} good against "
            f"{pct(a)}): the learners who stayed did not rate the later week more highly, "
            "so look at what happened in it"
        )
    else:
        verdict = f"weeks {first} and {last} were rated alike ({pct(a)} good)"
    return (
        f"{general} In this run {counts}, and {verdict}. Watch the number of ratings "
        "above each bar, and treat a week rated by a few dozen learners as an anecdote."
    )


def timeline_text(timeline) -> str:
    """What one learner's notebook timeline shows, in counts (no ids, no times).

    Parameters
    ----------
    timeline : a :func:`~flbook.analysis.learner_timeline` table.

    Returns
    -------
    str
        e.g. "This learner ran notebook cells 14 times (3 failed) on 2 days, in 1 sitting
        or more." — or "" when there is no notebook event.
    """
    if timeline.empty:
        return ""
    ev = timeline["event"].astype(str)
    runs = int(ev.isin(["cell_run", "cell_failed"]).sum())
    failed = int((ev == "cell_failed").sum())
    opened = int((ev == "notebook_opened").sum())
    days = timeline.loc[ev.isin(["cell_run", "cell_failed"]), "time"].dt.normalize().nunique()
    if runs == 0:
        return "This learner opened notebooks but ran no cell."
    return (
        f"This learner opened a notebook {opened:,} time{'s' if opened != 1 else ''} and "
        f"ran cells {runs:,} time{'s' if runs != 1 else ''} ({failed:,} failed), on "
        f"{days:,} day{'s' if days != 1 else ''}."
    )


READABLE_COLUMNS: tuple[str, ...] = ("group", "measure", "event")
"""Table columns whose values are code names; :func:`readable_value` puts them in words."""


def readable_value(column: str, value) -> str:
    """A code name in a table cell in a reader's words (``"steps_per_session"`` →
    ``"Steps per session"``, ``"~visited"`` → ``"not visited"``).

    Only the columns of :data:`READABLE_COLUMNS` are rewritten; other values pass through.

    Examples
    --------
    >>> readable_value("measure", "study_days")
    'study days'
    >>> readable_value("group", "fully_participated & ~commented")
    'fully participated and not commented'
    """
    if column not in READABLE_COLUMNS or not isinstance(value, str):
        return value
    if column == "group":
        return group_label(value)
    if column == "measure":
        from ..plotting._sessions import SESSION_MEASURE_LABELS

        if value in SESSION_MEASURE_LABELS:
            return SESSION_MEASURE_LABELS[value]
    return value.replace("_", " ")


def follow_along_cut_text(
    course: Course, *, before_minutes: float = 60, after_minutes: float = 180
) -> str:
    """How many of the placed cell runs fall outside the window of the follow-along chart.

    Parameters
    ----------
    course : the Course (its ``config.notebooks`` places notebooks on steps).
    before_minutes, after_minutes : the chart's window around the first visit of the step.

    Returns
    -------
    str
        one sentence, e.g. "The chart stops at 180 minutes after the first visit (and 60
        before): 5,123 of the 20,000 runs (26%) of learners who visited the step fall
        outside it." ("" without notebook runs).
    """
    from .. import analysis as A
    from ._core import pct

    nb = course.config.notebooks
    inside = A.follow_along_times(
        course, notebooks=nb, before_minutes=before_minutes, after_minutes=after_minutes
    )
    wide = A.follow_along_times(
        course, notebooks=nb, before_minutes=1e7, after_minutes=1e7, bin_minutes=1e7
    )
    total = int(wide["executions"].sum()) if not wide.empty else 0
    if total == 0:
        return ""
    shown = int(inside["executions"].sum())
    beyond = max(total - shown, 0)
    return (
        f"The chart stops at {after_minutes:.0f} minutes after the first visit of the step "
        f"(and starts {before_minutes:.0f} before it): {beyond:,} of the {total:,} runs "
        f"({pct(100 * beyond / total)}) by learners who visited the step fall outside it."
    )
