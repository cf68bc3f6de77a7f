"""The full-learner view: every timestamped thing in the export, in one event log.

The original recipes notebook left this "to further work". Each export that records
*when* a person did something contributes one kind of event:

================== ====================================== ==========================
event              source (table: time column)            detail
================== ====================================== ==========================
enrolled           enrolments: enrolled_at                —
survey_answered    archetype-survey-responses: responded_at  the archetype
visited            step-activity: first_visited_at        —
completed          step-activity: last_completed_at       —
commented          comments: timestamp                    "comment" or "reply"
answered           question-response: submitted_at        "question N: correct"/"incorrect"
fully_participated enrolments: fully_participated_at      —
purchased          enrolments: purchased_statement_at     —
left               leaving-survey-responses: left_at      the leaving reason
unenrolled         enrolments: unenrolled_at              —
================== ====================================== ==========================

:data:`EVENTS` is that order (roughly a learner's life on the course), and is the
order of the ``event`` Categorical. ``step`` is the step the event happened on
(for ``left``: the last step the learner completed, as the leaving survey records it).
Comment text is never part of the log.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from ._groups import pick_learner, pseudonyms
from ._sessions import _NAT, _as_time, _empty, _ids_mask, _ns, _order, _person_mask, _salt

__all__ = ["EVENTS", "EVENT_SOURCES", "event_log", "event_counts", "learner_timeline"]

EVENTS: tuple[str, ...] = (
    "enrolled",
    "survey_answered",
    "visited",
    "completed",
    "commented",
    "answered",
    "fully_participated",
    "purchased",
    "left",
    "unenrolled",
)
"""Event types of :func:`event_log`, in the order of the ``event`` Categorical."""

EVENT_SOURCES: dict[str, tuple[str, str, str]] = {
    "enrolled": ("enrolments", "learner_id", "enrolled_at"),
    "survey_answered": ("archetype-survey-responses", "learner_id", "responded_at"),
    "visited": ("step-activity", "learner_id", "first_visited_at"),
    "completed": ("step-activity", "learner_id", "last_completed_at"),
    "commented": ("comments", "author_id", "timestamp"),
    "answered": ("question-response", "learner_id", "submitted_at"),
    "fully_participated": ("enrolments", "learner_id", "fully_participated_at"),
    "purchased": ("enrolments", "learner_id", "purchased_statement_at"),
    "left": ("leaving-survey-responses", "learner_id", "left_at"),
    "unenrolled": ("enrolments", "learner_id", "unenrolled_at"),
}
"""Where each event type comes from: (table, person column, time column)."""

_STEP_COLUMN = {
    "visited": "step",
    "completed": "step",
    "commented": "step",
    "answered": "step",
    "left": "last_completed_step",
}

_LOG_COLUMNS = ["learner_id", "time", "event", "step", "detail"]
_TIMELINE_COLUMNS = ["pseudonym", "time", "event", "step", "detail"]


def _event_dtype() -> pd.CategoricalDtype:
    return pd.CategoricalDtype(list(EVENTS))


def _event_times(course, event: str, mask: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """(person codes, int64 ns times) of one event type, kept rows only (no NaT)."""
    table, person, time = EVENT_SOURCES[event]
    t = course.table(table, [person, time])
    codes = t[person].cat.codes.to_numpy()
    ns = _ns(t[time])
    ok = (ns != _NAT) & (codes >= 0)
    if mask is not None:
        ok &= mask[codes]
    return codes[ok].astype(np.int32, copy=False), ns[ok]


def _labels(keys: np.ndarray, name) -> tuple[np.ndarray, list[str]]:
    """Small non-negative int keys → (codes, labels) with ``name(key)`` per distinct key."""
    if len(keys) == 0:
        return np.empty(0, dtype=np.int32), []
    present = np.bincount(keys) > 0
    index = np.cumsum(present) - 1
    labels = [name(int(k)) for k in np.flatnonzero(present)]  # a handful of distinct keys
    return index[keys].astype(np.int32), labels


def _cat_codes(values: pd.Series) -> tuple[np.ndarray, list[str]]:
    """A Categorical label column → (codes, categories as str)."""
    if not isinstance(values.dtype, pd.CategoricalDtype):
        values = values.astype("category")
    return values.cat.codes.to_numpy().astype(np.int32), [str(c) for c in values.cat.categories]


def _source(course, event: str, mask: np.ndarray | None) -> dict:
    """One event type's rows: codes, ns times, step codes, detail codes + labels."""
    table, person, time = EVENT_SOURCES[event]
    cols = [person, time]
    step_col = _STEP_COLUMN.get(event)
    if step_col:
        cols.append(step_col)
    extra = {
        "commented": ["parent_id"],
        "answered": ["question_number", "correct"],
        "left": ["leaving_reason"],
        "survey_answered": ["archetype"],
    }.get(event, [])
    t = course.table(table, cols + extra)
    codes = t[person].cat.codes.to_numpy()
    ns = _ns(t[time])
    ok = (ns != _NAT) & (codes >= 0)
    if mask is not None:
        ok &= mask[codes]
    n = int(ok.sum())
    steps = (
        t[step_col].cat.codes.to_numpy()[ok].astype(np.int16)
        if step_col
        else np.full(n, -1, dtype=np.int16)
    )
    detail, labels = np.full(n, -1, dtype=np.int32), []
    if event == "commented":
        reply = t["parent_id"].notna().to_numpy()[ok]
        detail, labels = reply.astype(np.int32), ["comment", "reply"]
    elif event == "answered":
        qn = t["question_number"].to_numpy(dtype=np.int64)[ok]
        correct = t["correct"].to_numpy(dtype=bool)[ok]
        key = np.maximum(qn, 0) * 2 + correct
        detail, labels = _labels(
            key, lambda k: f"question {k // 2}: {'correct' if k % 2 else 'incorrect'}"
        )
    elif event in ("left", "survey_answered"):
        col = "leaving_reason" if event == "left" else "archetype"
        detail, labels = _cat_codes(t[col])
        detail = detail[ok]
    return {
        "codes": codes[ok].astype(np.int32),
        "times": ns[ok],
        "steps": steps,
        "detail": detail,
        "labels": labels,
        "event": EVENTS.index(event),
    }


def _learner_mask(course, learners) -> np.ndarray | None:
    if learners is None:
        return _person_mask(course, ("learner",))
    if isinstance(learners, str) and learners == "all":
        return None
    return _ids_mask(course, learners)


def _log_arrays(course, mask: np.ndarray | None, events: Iterable[str] = EVENTS) -> dict:
    """Every event of the people in ``mask``, unsorted, as concatenated arrays."""
    parts = [_source(course, e, mask) for e in events]
    categories: list[str] = []
    seen: dict[str, int] = {}
    details = []
    for p in parts:  # a handful of sources, each with a few labels
        remap = np.array([seen.setdefault(lab, len(seen)) for lab in p["labels"]] + [-1])
        details.append(remap[p["detail"]].astype(np.int32))
    categories = list(seen)
    return {
        "codes": np.concatenate([p["codes"] for p in parts]),
        "times": np.concatenate([p["times"] for p in parts]),
        "events": np.concatenate(
            [np.full(len(p["codes"]), p["event"], dtype=np.int8) for p in parts]
        ),
        "steps": np.concatenate([p["steps"] for p in parts]),
        "detail": np.concatenate(details),
        "categories": categories,
    }


def _sorted(a: dict, n_steps: int) -> dict:
    order = _order(
        a["codes"],
        a["times"],
        (a["events"], len(EVENTS)),
        (a["steps"].astype(np.int32) + 1, n_steps + 1),
    )
    return {k: (v[order] if isinstance(v, np.ndarray) else v) for k, v in a.items()}


def _frame(course, a: dict, who: dict) -> pd.DataFrame:
    return pd.DataFrame(
        {
            **who,
            "time": _as_time(a["times"]),
            "event": pd.Categorical.from_codes(a["events"], dtype=_event_dtype(), validate=False),
            "step": pd.Categorical.from_codes(a["steps"], dtype=course.step_dtype, validate=False),
            "detail": pd.Categorical.from_codes(
                a["detail"], categories=a["categories"], validate=False
            ),
        }
    )


def event_log(course, *, learners=None) -> pd.DataFrame:
    """Every timestamped thing learners did, in one long table (the full-learner view).

    Answers: *what happened, to whom, when?* One row per event from the enrolments,
    step activity, comments, quiz answers, leaving survey and archetype survey (see
    :data:`EVENT_SOURCES`). Built by stacking each source's columns; no loop over rows.

    Parameters
    ----------
    course : Course
    learners : None, str or iterable of ids
        None (default): people with role ``learner``; ``"all"``: everyone in the
        export, course team included; another string: a learner group expression
        (``"fully_participated"``, ``"unenrolled & ~visited"``); or learner ids.

    Returns
    -------
    DataFrame sorted by learner, then time (ties in :data:`EVENTS` order):

    - ``learner_id`` (Categorical over ``course.people``)
    - ``time`` (UTC)
    - ``event`` (Categorical, categories :data:`EVENTS`)
    - ``step`` (ordered Categorical; missing for events not tied to a step)
    - ``detail`` (Categorical): ``comment``/``reply``, ``question N: correct``/
      ``incorrect``, the leaving reason, the archetype; missing otherwise. Never
      comment text.

    This table holds learner ids: aggregate it (:func:`event_counts`) or look at one
    learner under a pseudonym (:func:`learner_timeline`) before showing it.

    Examples
    --------
    >>> import pandas as pd
    >>> from flbook.store import Course
    >>> enr = pd.DataFrame({"learner_id": ["a"], "role": ["learner"],
    ...     "enrolled_at": ["2024-02-01 09:00:00"], "unenrolled_at": ["2024-02-09 09:00:00"]})
    >>> sa = pd.DataFrame({"learner_id": ["a"], "step": ["1.1"],
    ...     "first_visited_at": ["2024-02-05 10:00:00"]})
    >>> event_log(Course.from_frames(enrolments=enr, step_activity=sa))["event"].tolist()
    ['enrolled', 'visited', 'unenrolled']
    """
    a = _sorted(_log_arrays(course, _learner_mask(course, learners)), len(course.steps))
    who = {
        "learner_id": pd.Categorical.from_codes(
            a["codes"], categories=course.people, validate=False
        )
    }
    return _frame(course, a, who)


def event_counts(log: pd.DataFrame) -> pd.DataFrame:
    """How many events of each type, and how many learners had at least one.

    Parameters
    ----------
    log : DataFrame
        The output of :func:`event_log` (or :func:`learner_timeline`).

    Returns
    -------
    DataFrame, one row per event type in :data:`EVENTS` order (types with no event
    included, with zeros): ``event`` (Categorical), ``events``, ``learners``. Empty if
    the log is empty.
    """
    columns = ["event", "events", "learners"]
    if log.empty:
        return _empty(columns, {"event": _event_dtype(), "events": "int64", "learners": "int64"})
    ev = log["event"].cat.codes.to_numpy().astype(np.int64)
    who = log["learner_id"] if "learner_id" in log.columns else log["pseudonym"]
    codes = (
        who.cat.codes.to_numpy().astype(np.int64)
        if isinstance(who.dtype, pd.CategoricalDtype)
        else pd.factorize(who)[0].astype(np.int64)
    )
    k = len(EVENTS)
    pairs = np.unique(codes * k + ev)
    return pd.DataFrame(
        {
            "event": pd.Categorical(list(EVENTS), dtype=_event_dtype()),
            "events": np.bincount(ev, minlength=k).astype(np.int64),
            "learners": np.bincount(pairs % k, minlength=k).astype(np.int64),
        }
    )


def learner_timeline(course, *, learner=None, seed: int = 0) -> pd.DataFrame:
    """Everything one learner did, in time order, under a pseudonym.

    Answers: *what does one learner's whole story on the course look like?* When
    ``learner`` is None, one is chosen reproducibly (:func:`pick_learner` with
    ``seed``) among learners (role ``learner``) with at least three kinds of event
    (among all learners with an event if nobody has three).

    Returns
    -------
    DataFrame sorted by time: ``pseudonym``, ``time`` (UTC), ``event`` (Categorical,
    :data:`EVENTS`), ``step``, ``detail`` — the columns of :func:`event_log` with the
    learner id replaced by a pseudonym. Empty if the learner has no events.

    Examples
    --------
    >>> import pandas as pd
    >>> from flbook.store import Course
    >>> enr = pd.DataFrame({"learner_id": ["a"], "role": ["learner"],
    ...     "enrolled_at": ["2024-02-01 09:00:00"]})
    >>> sa = pd.DataFrame({"learner_id": ["a"], "step": ["1.1"],
    ...     "first_visited_at": ["2024-02-05 10:00:00"],
    ...     "last_completed_at": ["2024-02-05 10:04:00"]})
    >>> learner_timeline(Course.from_frames(enrolments=enr, step_activity=sa))["event"].tolist()
    ['enrolled', 'visited', 'completed']
    """
    if learner is None:
        mask = _learner_mask(course, None)
        k = len(EVENTS)
        kinds = []
        for i, event in enumerate(EVENTS):  # ten event types
            codes, _ = _event_times(course, event, mask)
            kinds.append(np.unique(codes.astype(np.int64)) * k + i)
        pairs = np.concatenate(kinds)
        if len(pairs) == 0:
            return _empty_timeline(course)
        n_kinds = np.bincount(pairs // k)
        pool = np.flatnonzero(n_kinds >= 3)
        if len(pool) == 0:
            pool = np.flatnonzero(n_kinds > 0)
        learner = pick_learner(course.people[pool], seed=seed)
    one = _ids_mask(course, [learner])
    a = _sorted(_log_arrays(course, one), len(course.steps))
    if len(a["codes"]) == 0:
        return _empty_timeline(course)
    name = pseudonyms([learner], salt=_salt(course)).iloc[0]
    return _frame(course, a, {"pseudonym": np.full(len(a["codes"]), name, dtype=object)})


def _empty_timeline(course) -> pd.DataFrame:
    return _empty(
        _TIMELINE_COLUMNS,
        {
            "pseudonym": "object",
            "time": "datetime64[ns, UTC]",
            "event": _event_dtype(),
            "step": course.step_dtype,
            "detail": pd.CategoricalDtype([]),
        },
    )
