"""Quiz and test diagnostics: attempts, answers chosen, questions learners recover on.

Every function reads ``course.question_response`` (one row per answer submitted) and
returns counts per question, never learner ids. Questions (``quiz_question``, written
``W.S.Q``) come back as an ordered Categorical in course order: by week, step and
question number as whole numbers, so ``"1.10.2"`` comes after ``"1.9.5"``.

Answers are compared as sets: a multi-select answer ``"3,1"`` is the same answer as
``"1,3"`` (and ``"1, 3"``). Cloze (fill-in) questions have their typed answer in
``cloze_response``; it is used where ``response`` is empty. An answer left blank
counts as ``"(blank)"``.

The attempt number of an answer is its rank among the same learner's answers to the
same question, in ``submitted_at`` order (1 = first try).

By default every answer in the export counts (the course team's test answers too,
which are few); pass ``group="enrolled"`` (or any group :func:`group_members`
accepts) to count only those learners.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..store import per_course  # noqa: I001
from ._groups import Group
from ._steps import group_mask
from .arrays import person_codes, read_only, sorted_distinct

if TYPE_CHECKING:
    from flbook.store import Course

__all__ = [
    "with_attempts",
    "normalise_responses",
    "attempts_per_question",
    "response_matrix",
    "nth_attempt_stats",
    "question_probe",
    "recovered_learners",
    "first_answers",
    "answer_counts",
    "OTHER_ANSWERS",
]

BLANK = "(blank)"
"""How an empty answer is labelled."""

OTHER_ANSWERS = "(other answers)"
"""The row :func:`answer_counts` adds up a question's less frequent answers in."""

_COLUMNS = [
    "learner_id",
    "quiz_question",
    "response",
    "cloze_response",
    "submitted_at",
    "correct",
]


# --------------------------------------------------------------------------- helpers


def _question_key(q: str) -> tuple:
    try:
        return (0, tuple(int(p) for p in str(q).split(".")))
    except ValueError:
        return (1, (str(q),))


def _question_dtype(values) -> pd.CategoricalDtype:
    """Ordered dtype of quiz questions in course order (week, step, question as ints)."""
    return pd.CategoricalDtype(sorted({str(v) for v in values}, key=_question_key), ordered=True)


def _norm_one(value) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return BLANK
    text = str(value).strip()
    if not text:
        return BLANK
    parts = [p.strip() for p in text.split(",")]
    parts = [p for p in parts if p]
    if parts and all(p.isdigit() for p in parts):
        return ",".join(str(n) for n in sorted({int(p) for p in parts}))
    return " ".join(text.split())


def _response_key(r: str) -> tuple:
    parts = r.split(",")
    if all(p.isdigit() for p in parts):
        return (0, len(parts), tuple(int(p) for p in parts), "")
    return (1 if r != BLANK else 2, 0, (), r.lower())


def _response_dtype(values) -> pd.CategoricalDtype:
    return pd.CategoricalDtype(sorted(set(values), key=_response_key), ordered=True)


def normalise_responses(responses: pd.Series) -> pd.Series:
    """Answers as comparable labels: multi-select answers as sorted sets.

    ``"3,1"``, ``"1,3"`` and ``" 1, 3"`` all become ``"1,3"``; a blank answer becomes
    ``"(blank)"``; other text (cloze answers) is kept with its spacing tidied. The work
    is done once per distinct answer, not once per row.

    Returns
    -------
    Series
        Ordered Categorical (options in natural order: single options, then pairs, ...,
        then text answers), same index as ``responses``.

    Examples
    --------
    >>> import pandas as pd
    >>> normalise_responses(pd.Series(["3,1", "1,3", "2", None])).tolist()
    ['1,3', '1,3', '2', '(blank)']
    """
    codes, uniques = pd.factorize(responses, use_na_sentinel=True)
    labels = [_norm_one(v) for v in uniques] + [BLANK]  # the last one for missing answers
    dtype = _response_dtype(labels if (codes < 0).any() else labels[:-1])
    mapped = dtype.categories.get_indexer(labels)
    return pd.Series(
        pd.Categorical.from_codes(mapped[codes], dtype=dtype),
        index=responses.index,
        name="response",
    )


def _attempt_order(learner: np.ndarray, question: np.ndarray, nq: int, times: np.ndarray):
    """Sort order (learner, question, time, row) and the attempt number in that order."""
    key = learner * max(nq, 1) + question
    order = np.lexsort((times, key))
    key_s = key[order]
    n = len(key_s)
    idx = np.arange(n)
    first = np.ones(n, dtype=bool)
    if n:
        first[1:] = key_s[1:] != key_s[:-1]
    start = np.maximum.accumulate(np.where(first, idx, 0)) if n else idx
    return order, (idx - start + 1).astype(np.int32), first


def _times(s: pd.Series) -> np.ndarray:
    t = pd.to_datetime(s, utc=True)
    v = t.to_numpy(dtype="datetime64[ns]").view(np.int64).copy()
    v[t.isna().to_numpy()] = np.iinfo(np.int64).max
    return v


def with_attempts(responses) -> pd.DataFrame:
    """Add the attempt number of every answer: 1 for a learner's first try at a question.

    Parameters
    ----------
    responses : the question-response table (``course.question_response``, or any frame
        with ``learner_id``, ``quiz_question`` and ``submitted_at``), or a Course.

    Returns
    -------
    DataFrame
        A copy of ``responses`` (same rows, same order) with ``attempt`` (int32): the
        rank of the answer among the same learner's answers to the same question, in
        ``submitted_at`` order. Answers submitted at the same second keep file order.

    Examples
    --------
    >>> import pandas as pd
    >>> from flbook.store import Course
    >>> c = Course.from_frames(question_response=pd.DataFrame({
    ...     "learner_id": ["a", "a", "b"], "quiz_question": ["1.2.1"] * 3,
    ...     "response": ["2", "1", "1"], "correct": [True, False, True],
    ...     "submitted_at": ["2024-02-05 10:05:00", "2024-02-05 10:00:00",
    ...                      "2024-02-05 11:00:00"]}))
    >>> with_attempts(c.question_response)["attempt"].tolist()
    [2, 1, 1]
    """
    if not isinstance(responses, pd.DataFrame):
        responses = responses.table("question-response")
    out = responses.copy()
    n = len(out)
    if n == 0:
        out["attempt"] = pd.Series(np.zeros(0, dtype=np.int32), index=out.index)
        return out
    qcodes, quniq = pd.factorize(out["quiz_question"])
    order, attempt_sorted, _ = _attempt_order(
        pd.factorize(out["learner_id"])[0].astype(np.int64),
        qcodes.astype(np.int64),
        len(quniq),
        _times(out["submitted_at"]),
    )
    attempt = np.empty(n, dtype=np.int32)
    attempt[order] = attempt_sorted
    out["attempt"] = attempt
    return out


# --------------------------------------------------------------------------- core


@dataclass
class _Answers:
    """Answers in (learner, question, time) order, as integer codes."""

    qdtype: pd.CategoricalDtype
    rdtype: pd.CategoricalDtype
    q: np.ndarray  # question code per answer
    r: np.ndarray  # response code per answer
    correct: np.ndarray
    attempt: np.ndarray
    first: np.ndarray  # answer starts a (learner, question) pair
    learner: np.ndarray  # person code per answer

    @property
    def nq(self) -> int:
        return len(self.qdtype.categories)

    @property
    def nr(self) -> int:
        return len(self.rdtype.categories)

    def pairs(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Per (learner, question): question code, attempts, first try correct, ever correct."""
        starts = np.flatnonzero(self.first)
        if len(starts) == 0:
            z = np.zeros(0, dtype=np.int64)
            return z, z, z.astype(bool), z.astype(bool)
        counts = np.diff(np.r_[starts, len(self.q)])
        ever = np.maximum.reduceat(self.correct.astype(np.int8), starts).astype(bool)
        return self.q[starts], counts, self.correct[starts], ever


def _answers(course: Course, group: Group = None) -> _Answers:
    """A course's answers as codes, built once per group and shared (read-only)."""
    if not hasattr(course, "derived"):
        return _build_answers(course, group)

    key = group if group is None or isinstance(group, str) else tuple(sorted(map(str, group)))
    return course.derived(("answers", key), lambda: read_only(_build_answers(course, group)))


def _build_answers(course: Course, group: Group) -> _Answers:
    qr = course.table("question-response", _COLUMNS)
    if group is not None and len(qr):
        mark = group_mask(course, group)
        codes = person_codes(course, qr["learner_id"])
        qr = qr[mark[codes]]
    quiz = qr["quiz_question"]
    if not isinstance(quiz.dtype, pd.CategoricalDtype):
        quiz = quiz.astype("category")
    quiz = quiz.cat.remove_unused_categories()
    qdtype = _question_dtype(quiz.cat.categories)
    q = pd.Categorical(quiz, dtype=qdtype).codes.astype(np.int64)
    resp = qr["response"]
    blank = resp.isna().to_numpy() | (resp.fillna("") == "").to_numpy()
    if blank.any():
        resp = resp.where(~blank, qr["cloze_response"])
    norm = normalise_responses(resp)
    r = norm.cat.codes.to_numpy().astype(np.int64)
    learner = person_codes(course, qr["learner_id"])
    order, attempt, first = _attempt_order(
        learner, q, len(qdtype.categories), _times(qr["submitted_at"])
    )
    return _Answers(
        qdtype=qdtype,
        rdtype=norm.dtype,
        q=q[order],
        r=r[order],
        correct=qr["correct"].fillna(False).to_numpy(dtype=bool)[order],
        attempt=attempt,
        first=first,
        learner=learner[order],
    )


def _questions(a: _Answers, codes: np.ndarray) -> pd.Categorical:
    return pd.Categorical.from_codes(codes, dtype=a.qdtype)


def _pct(num, den) -> np.ndarray:
    num = np.asarray(num, dtype=float)
    den = np.asarray(den, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, 100.0 * num / np.where(den > 0, den, 1), np.nan)


def _ever_correct_cells(a: _Answers) -> np.ndarray:
    """(question × response) boolean: the response was marked correct at least once."""
    cell = a.q * a.nr + a.r
    return (np.bincount(cell[a.correct], minlength=a.nq * a.nr) > 0).reshape(a.nq, a.nr)


# --------------------------------------------------------------------------- public


@per_course
def attempts_per_question(course: Course, *, group: Group = None) -> pd.DataFrame:
    """How many tries did each question take, and how many learners got it right?

    Parameters
    ----------
    course : the Course.
    group : count only these learners (e.g. ``"enrolled"``); default every answer.

    Returns
    -------
    DataFrame, one row per question in course order:
        ``quiz_question`` (ordered Categorical), ``learners`` (learners who answered it),
        ``attempts`` (answers submitted), ``mean_attempts`` (answers per learner),
        ``pct_first_correct`` (% of those learners right at their first try),
        ``pct_eventually_correct`` (% right at some try).

    Examples
    --------
    >>> import pandas as pd
    >>> from flbook.store import Course
    >>> c = Course.from_frames(question_response=pd.DataFrame({
    ...     "learner_id": ["a", "a", "b"], "quiz_question": ["1.2.1"] * 3,
    ...     "response": ["1", "2", "2"], "correct": [False, True, True],
    ...     "submitted_at": ["2024-02-05 10:00:00", "2024-02-05 10:05:00",
    ...                      "2024-02-05 11:00:00"]}))
    >>> attempts_per_question(c)[["learners", "attempts", "pct_first_correct"]]
       learners  attempts  pct_first_correct
    0         2         3               50.0
    """
    a = _answers(course, group)
    pq, _, first_ok, ever = a.pairs()
    learners = np.bincount(pq, minlength=a.nq)
    attempts = np.bincount(a.q, minlength=a.nq)
    out = pd.DataFrame(
        {
            "quiz_question": _questions(a, np.arange(a.nq)),
            "learners": learners.astype(np.int64),
            "attempts": attempts.astype(np.int64),
            "mean_attempts": _pct(attempts, learners) / 100.0,
            "pct_first_correct": _pct(np.bincount(pq, weights=first_ok, minlength=a.nq), learners),
            "pct_eventually_correct": _pct(np.bincount(pq, weights=ever, minlength=a.nq), learners),
        }
    )
    return out[out["learners"] > 0].reset_index(drop=True)


def response_matrix(
    course: Course, *, attempt: int | None = None, group: Group = None
) -> pd.DataFrame:
    """Which answers did learners choose for each question? (the data of the heatmap)

    Parameters
    ----------
    course : the Course.
    attempt : count only the n-th try of each learner (1 = first answers); default all.
    group : count only these learners; default every answer.

    Returns
    -------
    DataFrame, one row per question and answer chosen, in course order then answer order:
        ``quiz_question`` (ordered Categorical), ``response`` (ordered Categorical;
        multi-select answers as sorted sets, ``"1,3"``), ``responses`` (answers
        submitted), ``pct`` (% of the question's answers counted here), ``is_correct``
        (this answer was marked correct at least once, at any try).

    Examples
    --------
    >>> import pandas as pd
    >>> from flbook.store import Course
    >>> c = Course.from_frames(question_response=pd.DataFrame({
    ...     "learner_id": ["a", "b"], "quiz_question": ["1.2.1"] * 2,
    ...     "response": ["3,1", "1,3"], "correct": [True, True],
    ...     "submitted_at": ["2024-02-05 10:00:00", "2024-02-05 11:00:00"]}))
    >>> response_matrix(c)[["response", "responses", "is_correct"]]
      response  responses  is_correct
    0      1,3          2        True
    """
    a = _answers(course, group)
    ok = _ever_correct_cells(a).ravel()
    keep = np.ones(len(a.q), dtype=bool) if attempt is None else a.attempt == attempt
    cell = a.q[keep] * a.nr + a.r[keep]
    counts = np.bincount(cell, minlength=a.nq * a.nr)
    nz = np.flatnonzero(counts)
    qc, rc = np.divmod(nz, max(a.nr, 1))
    totals = np.bincount(qc, weights=counts[nz], minlength=a.nq)
    used = sorted_distinct(rc)
    rdtype = pd.CategoricalDtype(a.rdtype.categories[used], ordered=True)
    return pd.DataFrame(
        {
            "quiz_question": _questions(a, qc),
            "response": pd.Categorical.from_codes(np.searchsorted(used, rc), dtype=rdtype),
            "responses": counts[nz].astype(np.int64),
            "pct": _pct(counts[nz], totals[qc]),
            "is_correct": ok[nz],
        }
    )


def nth_attempt_stats(course: Course, *, attempt: int = 1, group: Group = None) -> pd.DataFrame:
    """At their n-th try (first, second, ...), how many learners got each question right?

    Parameters
    ----------
    course : the Course.
    attempt : which try (1 = first answers, 2 = second tries of those who tried again, ...).
    group : count only these learners; default every answer.

    Returns
    -------
    DataFrame, one row per question answered in the course (in course order), also those
    nobody tried ``attempt`` times:
        ``quiz_question`` (ordered Categorical), ``attempt`` (= ``attempt``), ``learners``
        (learners with an n-th try), ``correct``, ``incorrect`` (learners whose n-th try
        was right / wrong), ``pct_correct`` (% right; NaN when nobody tried).

    Examples
    --------
    >>> import pandas as pd
    >>> from flbook.store import Course
    >>> c = Course.from_frames(question_response=pd.DataFrame({
    ...     "learner_id": ["a", "a", "b"], "quiz_question": ["1.2.1"] * 3,
    ...     "response": ["1", "2", "2"], "correct": [False, True, True],
    ...     "submitted_at": ["2024-02-05 10:00:00", "2024-02-05 10:05:00",
    ...                      "2024-02-05 11:00:00"]}))
    >>> nth_attempt_stats(c, attempt=2)[["learners", "correct", "incorrect", "pct_correct"]]
       learners  correct  incorrect  pct_correct
    0         1        1          0        100.0
    """
    a = _answers(course, group)
    at = a.attempt == attempt
    learners = np.bincount(a.q[at], minlength=a.nq)
    correct = np.bincount(a.q[at & a.correct], minlength=a.nq)
    return pd.DataFrame(
        {
            "quiz_question": _questions(a, np.arange(a.nq)),
            "attempt": np.full(a.nq, attempt, dtype=np.int32),
            "learners": learners.astype(np.int64),
            "correct": correct.astype(np.int64),
            "incorrect": (learners - correct).astype(np.int64),
            "pct_correct": _pct(correct, learners),
        }
    )


def question_probe(
    course: Course, *, question: str | None = None, group: Group = None
) -> pd.DataFrame:
    """What did learners answer to one question, at their first try, second try, ...?

    Parameters
    ----------
    course : the Course.
    question : the question, ``"W.S.Q"`` (e.g. ``"2.7.3"``). Default: the question with
        the lowest share of learners right at their first try (the most telling one).
    group : count only these learners; default every answer.

    Returns
    -------
    DataFrame, one row per try number and answer chosen:
        ``quiz_question`` (ordered Categorical, the question), ``attempt`` (1, 2, ...),
        ``response`` (ordered Categorical), ``responses`` (answers), ``pct`` (% of that
        try's answers), ``correct`` (the answer was marked correct). Empty when the
        question has no answers.

    Examples
    --------
    >>> import pandas as pd
    >>> from flbook.store import Course
    >>> c = Course.from_frames(question_response=pd.DataFrame({
    ...     "learner_id": ["a", "a", "b"], "quiz_question": ["1.2.1"] * 3,
    ...     "response": ["1", "2", "2"], "correct": [False, True, True],
    ...     "submitted_at": ["2024-02-05 10:00:00", "2024-02-05 10:05:00",
    ...                      "2024-02-05 11:00:00"]}))
    >>> question_probe(c, question="1.2.1")[["attempt", "response", "responses", "correct"]]
       attempt response  responses  correct
    0        1        1          1    False
    1        1        2          1     True
    2        2        2          1     True
    """
    a = _answers(course, group)
    cats = list(a.qdtype.categories)
    if question is None and cats:
        pq, _, first_ok, _ = a.pairs()
        learners = np.bincount(pq, minlength=a.nq)
        rate = _pct(np.bincount(pq, weights=first_ok, minlength=a.nq), learners)
        question = cats[int(np.nanargmin(np.where(learners > 0, rate, np.inf)))]
    if question is None or str(question) not in cats:
        qcode, sel = -1, np.zeros(len(a.q), dtype=bool)
    else:
        qcode = cats.index(str(question))
        sel = a.q == qcode
    ok = _ever_correct_cells(a)[qcode] if qcode >= 0 else np.zeros(a.nr, dtype=bool)
    att, r = a.attempt[sel].astype(np.int64), a.r[sel]
    nr = max(a.nr, 1)
    counts = np.bincount(att * nr + r) if len(att) else np.zeros(0, dtype=np.int64)
    nz = np.flatnonzero(counts)
    ac, rc = np.divmod(nz, nr)
    totals = np.bincount(ac, weights=counts[nz]) if len(nz) else np.zeros(0)
    used = sorted_distinct(rc)
    rdtype = pd.CategoricalDtype(a.rdtype.categories[used], ordered=True)
    return pd.DataFrame(
        {
            "quiz_question": pd.Categorical.from_codes(np.full(len(nz), qcode), dtype=a.qdtype),
            "attempt": ac.astype(np.int32),
            "response": pd.Categorical.from_codes(np.searchsorted(used, rc), dtype=rdtype),
            "responses": counts[nz].astype(np.int64),
            "pct": _pct(counts[nz], totals[ac] if len(nz) else []),
            "correct": ok[rc] if len(nz) else np.zeros(0, dtype=bool),
        }
    )


def recovered_learners(course: Course, *, group: Group = None) -> pd.DataFrame:
    """Of the learners who got a question wrong at first, how many later got it right?

    Parameters
    ----------
    course : the Course.
    group : count only these learners; default every answer.

    Returns
    -------
    DataFrame, one row per question in course order (counts only, no learner ids):
        ``quiz_question`` (ordered Categorical), ``wrong_first`` (learners whose first
        answer was wrong), ``later_right`` (of those, learners with a right answer at a
        later try), ``never_right`` (the others), ``pct_recovered`` (``later_right`` as
        % of ``wrong_first``; NaN when nobody was wrong at first).

    Examples
    --------
    >>> import pandas as pd
    >>> from flbook.store import Course
    >>> c = Course.from_frames(question_response=pd.DataFrame({
    ...     "learner_id": ["a", "a", "b"], "quiz_question": ["1.2.1"] * 3,
    ...     "response": ["1", "2", "3"], "correct": [False, True, False],
    ...     "submitted_at": ["2024-02-05 10:00:00", "2024-02-05 10:05:00",
    ...                      "2024-02-05 11:00:00"]}))
    >>> recovered_learners(c)[["wrong_first", "later_right", "pct_recovered"]]
       wrong_first  later_right  pct_recovered
    0            2            1           50.0
    """
    a = _answers(course, group)
    pq, _, first_ok, ever = a.pairs()
    wrong = ~first_ok
    wrong_first = np.bincount(pq[wrong], minlength=a.nq)
    later = np.bincount(pq[wrong & ever], minlength=a.nq)
    answered = np.bincount(pq, minlength=a.nq) > 0
    out = pd.DataFrame(
        {
            "quiz_question": _questions(a, np.arange(a.nq)),
            "wrong_first": wrong_first.astype(np.int64),
            "later_right": later.astype(np.int64),
            "never_right": (wrong_first - later).astype(np.int64),
            "pct_recovered": _pct(later, wrong_first),
        }
    )
    return out[answered].reset_index(drop=True)


@per_course
def first_answers(course: Course, *, group: Group = None) -> pd.DataFrame:
    """Every learner's first answer to every question they answered (one row per pair).

    The shared input of item analysis (:func:`item_analysis`, :func:`rasch_fit`).
    Learners are given as integer codes (course-wide person codes), never as ids.

    Parameters
    ----------
    course : the Course.
    group : count only these learners (e.g. ``"enrolled"``); default every answer.

    Returns
    -------
    DataFrame sorted by learner then question: ``learner`` (int64 person code),
    ``quiz_question`` (ordered Categorical, course order), ``quiz`` (the step ``"W.S"``
    the question belongs to, str), ``response`` (ordered Categorical, as
    :func:`normalise_responses`), ``correct`` (bool).

    Examples
    --------
    >>> import pandas as pd
    >>> from flbook.store import Course
    >>> c = Course.from_frames(question_response=pd.DataFrame({
    ...     "learner_id": ["a", "a", "b"], "quiz_question": ["1.2.1"] * 3,
    ...     "response": ["1", "2", "2"], "correct": [False, True, True],
    ...     "submitted_at": ["2024-02-05 10:00:00", "2024-02-05 10:05:00",
    ...                      "2024-02-05 11:00:00"]}))
    >>> first_answers(c)[["quiz", "response", "correct"]]
      quiz response  correct
    0  1.2        1    False
    1  1.2        2     True
    """
    a = _answers(course, group)
    f = a.first
    q = a.q[f]
    quizzes = np.array([".".join(str(c).split(".")[:2]) for c in a.qdtype.categories], dtype=object)
    return pd.DataFrame(
        {
            "learner": a.learner[f].astype(np.int64),
            "quiz_question": _questions(a, q),
            "quiz": quizzes[q] if len(q) else np.array([], dtype=object),
            "response": pd.Categorical.from_codes(a.r[f], dtype=a.rdtype),
            "correct": a.correct[f],
        }
    )


@per_course
def answer_counts(course: Course, *, group: Group = None, top: int = 15) -> pd.DataFrame:
    """Per question, each answer's first tries, later tries and the learners behind them.

    The data of the quiz explorer (:func:`flbook.explore.explore_quiz`). Per question,
    the ``top`` most frequent answers are kept (ties go to the earlier answer),
    and so is every correct one; the others are added up in one row,
    :data:`OTHER_ANSWERS`. This keeps rare typed (cloze) answers out of the table.

    Parameters
    ----------
    course : the Course.
    group : count only these learners (e.g. ``"enrolled"``); default every answer.
    top : the most frequent answers kept per question.

    Returns
    -------
    DataFrame, one row per question and answer, questions in course order, answers in
    answer order with :data:`OTHER_ANSWERS` last:
        ``quiz_question`` (ordered Categorical), ``response`` (str), ``first_try``
        (first tries that gave this answer: one per learner), ``later_tries`` (later
        tries that gave it), ``responses`` (both), ``learners`` (learners who gave it
        at some try), ``learners_later`` (learners who gave it at a later try),
        ``is_correct`` (marked correct at least once).

    Examples
    --------
    >>> import pandas as pd
    >>> from flbook.store import Course
    >>> c = Course.from_frames(question_response=pd.DataFrame({
    ...     "learner_id": ["a", "a", "b"], "quiz_question": ["1.2.1"] * 3,
    ...     "response": ["1", "2", "2"], "correct": [False, True, True],
    ...     "submitted_at": ["2024-02-05 10:00:00", "2024-02-05 10:05:00",
    ...                      "2024-02-05 11:00:00"]}))
    >>> answer_counts(c)[["response", "first_try", "later_tries", "learners", "is_correct"]]
      response  first_try  later_tries  learners  is_correct
    0        1          1            0         1       False
    1        2          1            1         2        True
    """
    a = _answers(course, group)
    nr = max(a.nr, 1)
    ok = _ever_correct_cells(a).ravel()
    cell = a.q * nr + a.r
    every = np.bincount(cell, minlength=a.nq * nr)
    nz = np.flatnonzero(every)  # question-major, answers in answer order
    qc = nz // nr
    # rank of each answer within its question: most answers first, ties in answer order
    by_count = np.lexsort((nz, -every[nz], qc))
    starts = np.r_[0, np.flatnonzero(np.diff(qc[by_count])) + 1]
    rank = np.empty(len(nz), dtype=np.int64)
    rank[by_count] = np.arange(len(nz)) - np.repeat(starts, np.diff(np.r_[starts, len(nz)]))
    rare = (rank >= top) & ~ok[nz]
    # rows: the kept answers, then one "other" row per question with rare answers
    kept = nz[~rare]
    other_q = sorted_distinct(qc[rare])
    row_q = np.r_[kept // nr, other_q]
    row_r = np.r_[kept % nr, np.full(len(other_q), nr)]  # nr sorts "other" last
    order = np.lexsort((row_r, row_q))
    row_q, row_r = row_q[order], row_r[order]
    row_of = np.full(a.nq * nr, -1, dtype=np.int64)
    n_rows = len(row_q)
    ids = np.arange(n_rows)
    real = row_r < nr
    row_of[row_q[real] * nr + row_r[real]] = ids[real]
    other_row = np.full(max(a.nq, 1), -1, dtype=np.int64)
    other_row[row_q[~real]] = ids[~real]
    rows = row_of[cell] if len(cell) else np.zeros(0, dtype=np.int64)
    rows = np.where(rows >= 0, rows, other_row[a.q] if len(cell) else rows)
    first = a.attempt == 1
    n_people = int(a.learner.max()) + 2 if len(a.learner) else 1

    def learners(sel: np.ndarray) -> np.ndarray:
        pairs = sorted_distinct(rows[sel] * n_people + (a.learner[sel] + 1))
        return np.bincount(pairs // n_people, minlength=n_rows).astype(np.int64)

    first_try = np.bincount(rows[first], minlength=n_rows).astype(np.int64)
    responses = np.bincount(rows, minlength=n_rows).astype(np.int64)
    names = np.array([*map(str, a.rdtype.categories), OTHER_ANSWERS], dtype=object)
    return pd.DataFrame(
        {
            "quiz_question": _questions(a, row_q),
            "response": names[np.minimum(row_r, len(names) - 1)] if n_rows else names[:0],
            "first_try": first_try,
            "later_tries": responses - first_try,
            "responses": responses,
            "learners": learners(np.ones(len(rows), dtype=bool)),
            "learners_later": learners(~first),
            "is_correct": np.r_[ok, False][np.where(real, row_q * nr + row_r, len(ok))],
        }
    )
