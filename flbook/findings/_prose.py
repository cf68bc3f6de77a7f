"""Prose from the data: the run's headline paragraph and the "In this run" text.

This is the one place where the book's sentences about the data are written. Each
function takes findings (or a course) and returns plain text or Markdown whose numbers
all come from the data.
"""

from __future__ import annotations

from ..analysis._groups import GROUPS, group_members, learner_flags
from ._core import Finding
from ._families import FAMILIES

__all__ = ["headline_summary", "in_this_run", "find", "NO_FINDING"]


def _flags(course, roles):
    import pandas as pd

    if isinstance(course, pd.DataFrame):
        return course
    return learner_flags(course, roles=roles)


def _pct_text(part: int, whole: int) -> str:
    """A share for prose: "77%", "<1%" for a small non-zero share, ">99%" short of all."""
    pct = 100.0 * part / whole
    if 0 < pct < 1:
        return "<1%"
    if 99 < pct < 100:
        return ">99%"
    return f"{pct:.0f}%"


def _people(n: int, noun: str = "learner") -> str:
    return f"{n:,} {noun}" + ("" if n == 1 else "s")


def headline_summary(course, *, roles: tuple[str, ...] = ("learner",)) -> str:
    """A short paragraph of the headline numbers, written from the data.

    Answers "what happened on this run, in a few sentences?": how many learners
    enrolled, visited and completed steps, commented, answered questions, fully
    participated, bought a certificate, and left (and how many of those never visited
    a step). Numbers have thousands separators; zero counts are said plainly ("No
    learner has unenrolled.") and nothing is divided by zero.

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
    Of 4 enrolled learners, 3 (75%) visited at least one step and 1 (25%) marked at
    least one step complete. No learner has commented or answered a question. No learner
    has fully participated or bought a certificate. No learner has unenrolled.
    """
    f = _flags(course, roles)
    n = len(f)
    if n == 0:
        return "No learner has enrolled on this course run."
    c = {k: int(f[k].sum()) if k in f.columns else 0 for k in GROUPS}

    def share(k: int) -> str:
        return f"{k:,} ({_pct_text(k, n)})"

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
        sentences.append(
            f"{_people(n, 'learner')} enrolled; none of them has visited a step yet."
            if n > 1
            else "1 learner enrolled and has not visited a step yet."
        )
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
            text += f", {left_unseen:,} of them without visiting a step."
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
}
"""What "In this run" says when a family has no finding on this course."""


def find(course, families=None) -> list[Finding]:
    """All findings of the given families (default every family), in family order.

    Parameters
    ----------
    course : a :class:`~flbook.store.Course`.
    families : names from :data:`~flbook.findings.FAMILIES`, or one name.

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
    out: list[Finding] = []
    for name in names:
        out += FAMILIES[name](course)
    return out


def in_this_run(course, families=None, *, kinds=None, title: str = "In this run"):
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


def in_this_run_text(course, families=None, *, kinds=None, title: str = "In this run") -> str:
    """The text of :func:`in_this_run`, as a string (for tests and for reports)."""
    if isinstance(families, str):
        families = [families]
    if isinstance(course, list):
        found = course
        names = families or sorted({f.family for f in found})
        found = [f for f in found if f.family in names]
    else:
        names = list(FAMILIES) if families is None else list(families)
        found = find(course, names)
    if kinds is not None:
        kinds = {kinds} if isinstance(kinds, str) else set(kinds)
        found = [f for f in found if f.kind in kinds]
    sentences = _sentences(found)
    if not sentences:
        sentences = [NO_FINDING.get(n, "Nothing in this section stands out.") for n in names]
    return f"**{title}.** " + " ".join(sentences)


_LISTS: dict[str, str] = {
    "hard_question": "The questions most often wrong at the first try were {items} "
    "(share right at the first try, of the learners who answered).",
    "busiest_day": "The busiest enrolment days were {items}.",
    "cell_errors": "The notebook cells with the most failed runs were {items}.",
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
