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

Notebook events (:data:`NOTEBOOK_EVENTS`) join the log when the course has Jupyter
notebook logs (``course.notebook_events``) whose users are linked to learners:
``notebook_opened``, ``cell_run`` and ``cell_failed``, on the step the notebook
belongs to (setting ``notebooks``), with the notebook (and cell, and error name) as
detail. They sit after ``answered`` in the ``event`` Categorical. Never code or error
messages.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..store import per_course  # noqa: I001
from ._groups import pick_learner, pseudonyms
from ._sessions import ids_mask, person_time_order, pseudonym_salt, role_mask
from .arrays import NAT, as_time, empty_frame, ns, sorted_distinct

if TYPE_CHECKING:
    from flbook.store import Course

__all__ = [
    "EVENTS",
    "EVENT_SOURCES",
    "NOTEBOOK_EVENTS",
    "event_log",
    "event_counts",
    "learner_timeline",
]

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

NOTEBOOK_EVENTS: tuple[str, ...] = ("notebook_opened", "cell_run", "cell_failed")
"""Event types from Jupyter notebook logs: a notebook opened, a cell run without and with an error."""

_PIONEER = {
    "notebook_opened": "NotebookOpenEvent",
    "cell_run": "CellExecuteEvent",
    "cell_failed": "CellExecuteEvent",
}

_STEP_COLUMN = {
    "visited": "step",
    "completed": "step",
    "commented": "step",
    "answered": "step",
    "left": "last_completed_step",
}

_TIMELINE_COLUMNS = ["pseudonym", "time", "event", "step", "detail"]


def _event_dtype(categories=EVENTS) -> pd.CategoricalDtype:
    return pd.CategoricalDtype(list(categories))


def _categories(with_notebooks: bool) -> tuple[str, ...]:
    """The event types of a log: :data:`EVENTS`, with the notebook events after ``answered``."""
    if not with_notebooks:
        return EVENTS
    i = EVENTS.index("answered") + 1
    return EVENTS[:i] + NOTEBOOK_EVENTS + EVENTS[i:]


def _has_notebooks(course: Course, notebooks: bool | None) -> bool:
    """Whether the log includes notebook events: asked for, or (None) the course has linked ones."""
    if notebooks is not None:
        return bool(notebooks)
    frame = getattr(course, "notebook_events", None)
    if frame is None or frame.empty:
        return False
    return bool((frame["learner_id"].cat.codes.to_numpy() >= 0).any())


def _notebook_source(course: Course, event: str, mask: np.ndarray | None, steps_map) -> dict:
    """One notebook event type's rows, like :func:`_source`."""
    ne = course.notebook_events
    ev = ne["event"].astype("object").to_numpy()
    want = ev == _PIONEER[event]
    if event != "notebook_opened":
        ok_run = ne["success"].fillna(False).to_numpy(dtype=bool)
        want &= ok_run if event == "cell_run" else ~ok_run
    codes = ne["learner_id"].cat.codes.to_numpy()
    times_ns = ns(ne["time"]) if len(ne) else np.empty(0, dtype=np.int64)
    ok = want & (codes >= 0) & (times_ns != NAT)
    if mask is not None:
        ok &= mask[codes]
    idx = np.flatnonzero(ok)
    nb_codes = ne["notebook"].cat.codes.to_numpy()[idx]
    nb_names = [str(c) for c in ne["notebook"].cat.categories]
    # the notebook's step (settings ``notebooks``), as a course step code
    step_pos = {s: i for i, s in enumerate(course.step_dtype.categories)}
    nb_step = np.array(
        [step_pos.get((steps_map or {}).get(n), -1) for n in nb_names] + [-1], dtype=np.int16
    )  # one per notebook
    steps = nb_step[nb_codes]
    if event == "notebook_opened":
        detail, labels = nb_codes.astype(np.int32), nb_names
    else:
        cell = ne["cell_index"].fillna(-1).to_numpy(dtype=np.int64)[idx] + 1
        err, errs = _cat_codes(ne["error_name"])
        err = err[idx] if event == "cell_failed" else np.full(len(idx), -1, dtype=np.int32)
        radix_c = int(cell.max()) + 2 if len(cell) else 1
        radix_e = len(errs) + 1
        key = (nb_codes.astype(np.int64) * radix_c + cell + 1) * radix_e + (err + 1)

        def name(k: int) -> str:
            e = k % radix_e - 1
            c = (k // radix_e) % radix_c - 1
            text = nb_names[k // radix_e // radix_c]
            if c > 0:
                text += f", cell {c}"
            return text + (f": {errs[e]}" if e >= 0 else "")

        detail, labels = _labels(key, name) if len(key) else (np.empty(0, np.int32), [])
    return {
        "codes": codes[idx].astype(np.int32),
        "times": times_ns[idx],
        "steps": steps,
        "detail": np.asarray(detail, dtype=np.int32),
        "labels": labels,
        "event": event,
    }


def event_times(
    course: Course, event: str, mask: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray]:
    """(person codes, int64 ns times) of one event type, kept rows only (no NaT)."""
    table, person, time = EVENT_SOURCES[event]
    t = course.table(table, [person, time])
    codes = t[person].cat.codes.to_numpy()
    times_ns = ns(t[time])
    ok = (times_ns != NAT) & (codes >= 0)
    if mask is not None:
        ok &= mask[codes]
    return codes[ok].astype(np.int32, copy=False), times_ns[ok]


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


def _source(course: Course, event: str, mask: np.ndarray | None) -> dict:
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
    times_ns = ns(t[time])
    ok = (times_ns != NAT) & (codes >= 0)
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
        "times": times_ns[ok],
        "steps": steps,
        "detail": detail,
        "labels": labels,
        "event": event,
    }


def _learner_mask(course: Course, learners) -> np.ndarray | None:
    if learners is None:
        return role_mask(course, ("learner",))
    if isinstance(learners, str) and learners == "all":
        return None
    return ids_mask(course, learners)


def _log_arrays(
    course: Course,
    mask: np.ndarray | None,
    events: Iterable[str] = EVENTS,
    *,
    notebooks: bool = False,
    notebook_steps=None,
) -> dict:
    """Every event of the people in ``mask``, unsorted, as concatenated arrays."""
    cats = _categories(notebooks)
    parts = [_source(course, e, mask) for e in events]
    if notebooks:
        if notebook_steps is None and getattr(course, "config", None) is not None:
            notebook_steps = course.config.notebooks
        parts += [_notebook_source(course, e, mask, notebook_steps) for e in NOTEBOOK_EVENTS]
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
            [np.full(len(p["codes"]), cats.index(p["event"]), dtype=np.int8) for p in parts]
        ),
        "steps": np.concatenate([p["steps"] for p in parts]),
        "detail": np.concatenate(details),
        "categories": categories,
        "event_categories": cats,
    }


def _sorted(a: dict, n_steps: int) -> dict:
    order = person_time_order(
        a["codes"],
        a["times"],
        (a["events"], len(a["event_categories"])),
        (a["steps"].astype(np.int32) + 1, n_steps + 1),
    )
    return {k: (v[order] if isinstance(v, np.ndarray) else v) for k, v in a.items()}


def _frame(course: Course, a: dict, who: dict) -> pd.DataFrame:
    return pd.DataFrame(
        {
            **who,
            "time": as_time(a["times"]),
            "event": pd.Categorical.from_codes(
                a["events"], dtype=_event_dtype(a["event_categories"]), validate=False
            ),
            "step": pd.Categorical.from_codes(a["steps"], dtype=course.step_dtype, validate=False),
            "detail": pd.Categorical.from_codes(
                a["detail"], categories=a["categories"], validate=False
            ),
        }
    )


def event_log(
    course: Course, *, learners=None, notebooks: bool | None = None, notebook_steps=None
) -> pd.DataFrame:
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
    notebooks : bool, optional
        Include :data:`NOTEBOOK_EVENTS` from the course's notebook logs. None (default):
        when the course has notebook events linked to people of the export.
    notebook_steps : mapping of notebook path → step, optional
        The step each notebook belongs to (default: the ``notebooks`` setting).

    Returns
    -------
    DataFrame sorted by learner, then time (ties in :data:`EVENTS` order):

    - ``learner_id`` (Categorical over ``course.people``)
    - ``time`` (UTC)
    - ``event`` (Categorical, categories :data:`EVENTS`, with :data:`NOTEBOOK_EVENTS`
      after ``answered`` when notebook events are included)
    - ``step`` (ordered Categorical; missing for events not tied to a step)
    - ``detail`` (Categorical): ``comment``/``reply``, ``question N: correct``/
      ``incorrect``, the leaving reason, the archetype, the notebook (``"week1/lab.ipynb,
      cell 4: NameError"``); missing otherwise. Never comment text, code or error
      messages.

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
    if (
        learners is None
        and notebooks is None
        and notebook_steps is None
        and hasattr(course, "derived")
    ):  # the usual log: built once per course, shared (a chapter and its findings)
        log = course.derived(("event_log",), lambda: _event_log(course, None, None, None))
        return log.copy(deep=False)
    return _event_log(course, learners, notebooks, notebook_steps)


def _event_log(course: Course, learners, notebooks, notebook_steps) -> pd.DataFrame:
    a = _sorted(
        _log_arrays(
            course,
            _learner_mask(course, learners),
            notebooks=_has_notebooks(course, notebooks),
            notebook_steps=notebook_steps,
        ),
        len(course.steps),
    )
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
    cats = (
        tuple(str(c) for c in log["event"].cat.categories)
        if "event" in log.columns and isinstance(log["event"].dtype, pd.CategoricalDtype)
        else EVENTS
    )
    if log.empty:
        return empty_frame(
            columns, {"event": _event_dtype(cats), "events": "int64", "learners": "int64"}
        )
    ev = log["event"].cat.codes.to_numpy().astype(np.int64)
    who = log["learner_id"] if "learner_id" in log.columns else log["pseudonym"]
    codes = (
        who.cat.codes.to_numpy().astype(np.int64)
        if isinstance(who.dtype, pd.CategoricalDtype)
        else pd.factorize(who)[0].astype(np.int64)
    )
    k = len(cats)
    # unknown learners (code -1) count as one, as they always have
    pairs = sorted_distinct((codes + 1) * k + ev, below=(int(codes.max()) + 2) * k) - k
    return pd.DataFrame(
        {
            "event": pd.Categorical(list(cats), dtype=_event_dtype(cats)),
            "events": np.bincount(ev, minlength=k).astype(np.int64),
            "learners": np.bincount(pairs % k, minlength=k).astype(np.int64),
        }
    )


@per_course
def learner_timeline(
    course: Course,
    *,
    learner=None,
    seed: int = 0,
    having: str | None = None,
    notebooks: bool | None = None,
    notebook_steps=None,
) -> pd.DataFrame:
    """Everything one learner did, in time order, under a pseudonym.

    Answers: *what does one learner's whole story on the course look like?* When
    ``learner`` is None, one is chosen reproducibly (:func:`pick_learner` with
    ``seed``) among learners (role ``learner``) with at least three kinds of event
    (among all learners with an event if nobody has three); with ``having`` (an event
    type, e.g. ``"cell_failed"``), among those who have that kind of event. Notebook
    events are included as in :func:`event_log` (``notebooks``, ``notebook_steps``).

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
    with_nb = _has_notebooks(course, notebooks)
    if learner is None:
        mask = _learner_mask(course, None)
        cats = _categories(with_nb)
        if having is not None and having not in _categories(True):
            raise ValueError(
                f"unknown event type {having!r}; expected one of {list(_categories(True))}"
            )
        if having is not None and having not in cats:  # a notebook event, without notebooks
            return _empty_timeline(course, with_nb)
        k, people = len(cats), len(course.people)
        kinds = []
        for i, event in enumerate(cats):  # a dozen event types
            if event in NOTEBOOK_EVENTS:
                codes = _notebook_source(course, event, mask, {})["codes"]
            else:
                codes, _ = event_times(course, event, mask)
            kinds.append(sorted_distinct(codes.astype(np.int64), below=people) * k + i)
        pairs = np.concatenate(kinds)
        if having is not None:
            who = sorted_distinct(pairs[pairs % k == cats.index(having)] // k, below=people)
            pairs = pairs[np.isin(pairs // k, who)]
        if len(pairs) == 0:
            return _empty_timeline(course, with_nb)
        n_kinds = np.bincount(pairs // k)
        pool = np.flatnonzero(n_kinds >= 3)
        if len(pool) == 0:
            pool = np.flatnonzero(n_kinds > 0)
        learner = pick_learner(course.people[pool], seed=seed)
    one = ids_mask(course, [learner])
    a = _sorted(
        _log_arrays(course, one, notebooks=with_nb, notebook_steps=notebook_steps),
        len(course.steps),
    )
    if len(a["codes"]) == 0:
        return _empty_timeline(course, with_nb)
    name = pseudonyms([learner], salt=pseudonym_salt(course)).iloc[0]
    return _frame(course, a, {"pseudonym": np.full(len(a["codes"]), name, dtype=object)})


def _empty_timeline(course: Course, with_notebooks: bool = False) -> pd.DataFrame:
    return empty_frame(
        _TIMELINE_COLUMNS,
        {
            "pseudonym": "object",
            "time": "datetime64[ns, UTC]",
            "event": _event_dtype(_categories(with_notebooks)),
            "step": course.step_dtype,
            "detail": pd.CategoricalDtype([]),
        },
    )
