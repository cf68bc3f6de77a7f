"""Learning in notebooks: what learners do in a course's Jupyter notebooks.

Everything here reads ``course.notebook_events`` (the course's jupyterlab-pioneer logs,
see :func:`flbook.exports.notebook_logs.read_notebook_logs`). The questions come from
Mittal & Brooks' work on logging authentic data-science environments:

- **Where do learners struggle?** Executions, learners and error rate per notebook and
  per cell, and the names of the errors (:func:`notebook_summary`,
  :func:`cell_summary`, :func:`error_names`).
- **What do they do after an error?** Retry until it works, move on, or give up
  (:func:`retries_until_success`, :func:`after_error`).
- **How do they work through a notebook?** In order or not (:func:`execution_order`),
  how soon after opening it they run a cell and how long they stay
  (:func:`notebook_sessions`, per notebook :func:`first_executions`), on which days
  (:func:`executions_by_day`).
- **Do they follow along with the lecture video?** Executions in time against their
  first visit of the step the notebook belongs to (:func:`follow_along`,
  :func:`follow_along_times`).

Conventions. A *learner* here is a notebook user (the name in the logs); users linked
to a person of the export whose role is not in ``roles`` (default ``("learner",)``:
educators trying the notebooks are left out; ``roles=None`` counts everyone); users the
logs cannot name (events whose session has no notebook-open event) are counted in events but not in
learners. A *cell* is a cell id of the notebook, named by its position (``"cell 7"``):
where it stood in the notebook (counting every cell, text cells too, from 1) in most
of the events that name it. Cells
run by fewer than ``min_learners`` learners (cells learners added themselves) are
pooled into one row per notebook, ``"own cells"``. Only error *names* are used: never
the code, the error values or tracebacks. No function returns a user name or learner
id. Functions taking ``notebooks`` (path → step, ``course.config.notebooks``) list
notebooks in the order of their steps (notebooks not listed last, by path), and use
the steps where a step column or a first visit is needed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .arrays import NAT, as_time, empty_frame, ns, sorted_distinct

if TYPE_CHECKING:
    from flbook.store import Course

__all__ = [
    "NOTEBOOK_EVENT_MEANINGS",
    "notebook_log_report",
    "notebook_overview",
    "AFTER_ERROR_OUTCOMES",
    "EXECUTION_MOVES",
    "FOLLOW_ALONG_TIMING",
    "notebook_event_counts",
    "notebook_summary",
    "cell_summary",
    "error_names",
    "retries_until_success",
    "after_error",
    "execution_order",
    "notebook_sessions",
    "first_executions",
    "executions_by_day",
    "follow_along",
    "follow_along_times",
]

NOTEBOOK_EVENT_MEANINGS: dict[str, str] = {
    "NotebookOpenEvent": "a learner opened a notebook (starts a kernel session)",
    "NotebookVisibleEvent": "the notebook's browser tab came back into view",
    "NotebookHiddenEvent": "the notebook's browser tab was hidden or left",
    "NotebookScrollEvent": "the learner scrolled (the cells then in view are logged)",
    "NotebookSaveEvent": "the notebook was saved",
    "ActiveCellChangeEvent": "the learner moved to another cell",
    "CellAddEvent": "a cell was added",
    "CellRemoveEvent": "a cell was removed",
    "CellEditEvent": "a cell was edited (its text is not read)",
    "CellExecuteEvent": "a cell was run, successfully or with an error",
    "ClipboardCopyEvent": "text was copied (the text is not read)",
    "ClipboardCutEvent": "text was cut (the text is not read)",
    "ClipboardPasteEvent": "text was pasted (the text is not read)",
}
"""Each jupyterlab-pioneer event name and what it records, in a readable order."""

AFTER_ERROR_OUTCOMES: tuple[str, ...] = (
    "ran the cell again soon",
    "ran the cell again later",
    "ran another cell",
    "ran nothing more",
)
"""What :func:`after_error` says happened next after a failed execution."""

EXECUTION_MOVES: tuple[str, ...] = ("next cell", "same cell again", "skipped ahead", "went back")
"""How one execution relates to the previous one in the session (:func:`execution_order`)."""

FOLLOW_ALONG_TIMING: tuple[str, ...] = (
    "before visiting the step",
    "while on the step",
    "later that day",
    "on a later day",
    "never visited the step",
)
"""When a learner first ran a cell of a notebook, against their first visit of its step."""

_EXEC = "CellExecuteEvent"
_OPEN = "NotebookOpenEvent"
_OWN = "own cells"
_NS_MIN = 60_000_000_000


# --------------------------------------------------------------------------- preparation


@dataclass
class _Log:
    """Notebook events as arrays (rows in time order), staff left out if asked."""

    notebooks: list[str]  # notebook categories
    user: np.ndarray  # user code, -1 unknown
    person: np.ndarray  # learner_id code over course.people, -1 unlinked
    session: np.ndarray  # session code, -1 none
    notebook: np.ndarray  # notebook code, -1 none
    event: np.ndarray  # event name (object)
    time: np.ndarray  # int64 ns
    cell: np.ndarray  # cell key (>= 0), -1 none
    index: np.ndarray  # cell index, -1 none
    success: np.ndarray  # bool (executions)
    error: np.ndarray  # error code, -1 none
    errors: list[str]  # error categories
    n_sessions: int

    def rows(self, mask: np.ndarray) -> _Log:
        kw = {k: (v[mask] if isinstance(v, np.ndarray) else v) for k, v in self.__dict__.items()}
        return _Log(**kw)

    def __len__(self) -> int:
        return len(self.time)


def _codes(s: pd.Series) -> tuple[np.ndarray, list]:
    if not isinstance(s.dtype, pd.CategoricalDtype):
        s = s.astype("object").astype("category")
    return s.cat.codes.to_numpy().astype(np.int64), [str(c) for c in s.cat.categories]


def _excluded_mask(course: Course, roles: Sequence[str]) -> np.ndarray:
    """Boolean per person code (+ trailing False): enrolled, but with none of ``roles``."""
    enr = course.table("enrolments", ["learner_id", "role"])
    mask = np.zeros(len(course.people) + 1, dtype=bool)
    role = enr["role"].astype("object")
    other = (role.notna() & ~role.isin(list(roles))).to_numpy()
    codes = enr["learner_id"].cat.codes.to_numpy()[other]
    mask[codes[codes >= 0]] = True
    kept = enr["learner_id"].cat.codes.to_numpy()[role.isin(list(roles)).to_numpy()]
    mask[kept[kept >= 0]] = False  # a person enrolled with one of roles counts
    return mask


def _log(
    course: Course,
    roles: Sequence[str] | None = ("learner",),
    notebooks_map: Mapping[str, str] | None = None,
) -> _Log:
    ne = course.notebook_events
    user, _ = _codes(ne["user"])
    person = ne["learner_id"].cat.codes.to_numpy().astype(np.int64)
    session, sessions = _codes(ne["session"])
    notebook, notebooks = _codes(ne["notebook"])
    # notebooks in course order: by their step (unlisted ones last), then by path
    steps = np.asarray(_step_of(notebooks, notebooks_map, _step_dtype(course)).codes)
    order = np.lexsort((np.array(notebooks, dtype=object), np.where(steps < 0, 1 << 30, steps)))
    rank = np.append(np.argsort(order), -1)
    notebook = rank[notebook]
    notebooks = [notebooks[i] for i in order]
    cid, ids = _codes(ne["cell_id"])
    index = ne["cell_index"].fillna(-1).to_numpy(dtype=np.int64)
    # a cell is its id; without an id (older logs), its index stands in for it
    cell = np.where(cid >= 0, cid, np.where(index >= 0, len(ids) + index, -1))
    error, errors = _codes(ne["error_name"])
    success = ne["success"].fillna(False).to_numpy(dtype=bool)
    log = _Log(
        notebooks=notebooks,
        user=user,
        person=person,
        session=session,
        notebook=notebook,
        event=ne["event"].astype("object").to_numpy(),
        time=ns(ne["time"]) if len(ne) else np.empty(0, dtype=np.int64),
        cell=cell,
        index=index,
        success=success,
        error=error,
        errors=errors,
        n_sessions=len(sessions),
    )
    if roles is not None and len(log):
        excluded = _excluded_mask(course, roles)
        log = log.rows(~excluded[person])
    return log


def _execs(log: _Log) -> _Log:
    return log.rows((log.event == _EXEC) & (log.notebook >= 0))


def _distinct_count(groups: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    """Distinct non-negative ``values`` per group (ints in [0, n)); negative values ignored."""
    ok = (values >= 0) & (groups >= 0)
    if not ok.any():
        return np.zeros(n, dtype=np.int64)
    radix = int(values[ok].max()) + 1
    pairs = sorted_distinct(groups[ok].astype(np.int64) * radix + values[ok])
    return np.bincount(pairs // radix, minlength=n).astype(np.int64)


def _step_of(notebooks: list[str], mapping: Mapping[str, str] | None, step_dtype) -> pd.Categorical:
    mapping = dict(mapping or {})
    values = [mapping.get(nb) for nb in notebooks]
    if step_dtype is None:
        cats = sorted({v for v in values if v}, key=lambda s: tuple(int(p) for p in s.split(".")))
        step_dtype = pd.CategoricalDtype(cats, ordered=True)
    values = [v if v in step_dtype.categories else None for v in values]
    return pd.Categorical(values, dtype=step_dtype)


def _step_dtype(course: Course):
    dtype = getattr(course, "step_dtype", None)
    return dtype


def _pct(a, b) -> np.ndarray:
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(b > 0, 100.0 * a / b, np.nan)


def _group_median(groups: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    """Median of ``values`` per group in [0, n) (NaN for groups without values)."""
    out = np.full(n, np.nan)
    ok = (groups >= 0) & ~np.isnan(values)
    if not ok.any():
        return out
    s = pd.Series(values[ok]).groupby(groups[ok]).median()
    out[s.index.to_numpy()] = s.to_numpy()
    return out


# --------------------------------------------------------------------------- cells


@dataclass
class _Cells:
    """Cell slots of executions: course cells (each its own slot) and pooled own cells."""

    slot: np.ndarray  # per execution: slot number
    notebook: np.ndarray  # per slot: notebook code
    position: np.ndarray  # per slot: 1-based modal position, -1 for pooled
    n: int


def _cell_slots(ex: _Log, min_learners: int) -> _Cells:
    n = len(ex)
    if n == 0:
        return _Cells(np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, np.int64), 0)
    # (notebook, cell) pairs; the same cell id in two notebooks is two cells
    n_nb = len(ex.notebooks)
    key = np.where(ex.cell >= 0, ex.cell * n_nb + ex.notebook, -1 - ex.notebook)
    uniq, inv = np.unique(key, return_inverse=True)
    k = len(uniq)
    learners = _distinct_count(inv, ex.user, k)
    nb_of = np.zeros(k, dtype=np.int64)
    nb_of[inv] = ex.notebook
    own = (learners < min_learners) | (uniq < 0)
    # modal position of each cell: most frequent index among its executions
    idx = np.maximum(ex.index, 0)
    radix = int(idx.max()) + 1
    pairs, counts = np.unique(inv * radix + idx, return_counts=True)
    order = np.lexsort((-counts, pairs // radix))
    firsts = order[np.r_[True, np.diff((pairs // radix)[order]) != 0]]
    position = np.full(k, -1, dtype=np.int64)
    position[pairs[firsts] // radix] = pairs[firsts] % radix + 1
    # slots: kept cells first (by notebook, position), then one pooled slot per notebook
    kept = np.flatnonzero(~own)
    kept = kept[np.lexsort((position[kept], nb_of[kept]))]
    pooled_nbs = sorted_distinct(nb_of[own])
    slot_of = np.full(k, -1, dtype=np.int64)
    slot_of[kept] = np.arange(len(kept))
    pool_slot = np.full(n_nb, -1, dtype=np.int64)
    pool_slot[pooled_nbs] = len(kept) + np.arange(len(pooled_nbs))
    slot_of[own] = pool_slot[nb_of[own]]
    notebook = np.concatenate([nb_of[kept], pooled_nbs])
    pos = np.concatenate([position[kept], np.full(len(pooled_nbs), -1)])
    # order all slots by notebook, then position, pooled last
    order = np.lexsort((np.where(pos < 0, np.iinfo(np.int64).max, pos), notebook))
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    return _Cells(rank[slot_of[inv]], notebook[order], pos[order], len(order))


def _cell_labels(position: np.ndarray) -> list[str]:
    return [f"cell {p}" if p > 0 else _OWN for p in position.tolist()]  # one per cell


def _pairs(ex: _Log, slot: np.ndarray) -> dict:
    """Per (learner, cell) with executions: first failure, first success after it, retries."""
    ok_user = ex.user >= 0
    u, s, t, good = ex.user[ok_user], slot[ok_user], ex.time[ok_user], ex.success[ok_user]
    if len(u) == 0:
        e = np.empty(0, dtype=np.int64)
        return {
            "slot": e,
            "failed": e.astype(bool),
            "recovered": e.astype(bool),
            "retries": e,
            "minutes": e.astype(float),
        }
    order = np.lexsort((t, s, u))
    u, s, t, good = u[order], s[order], t[order], good[order]
    new = np.r_[True, (u[1:] != u[:-1]) | (s[1:] != s[:-1])]
    group = np.cumsum(new) - 1
    g = int(group[-1]) + 1
    fail = ~good
    frame = pd.DataFrame({"g": group, "fail": fail.astype(np.int8)})
    seen = frame.groupby("g")["fail"].cummax().to_numpy().astype(bool)  # at or after 1st failure
    k = frame.assign(seen=seen.astype(np.int64)).groupby("g")["seen"].cumsum().to_numpy() - 1
    first_fail = seen & (k == 0)
    after_ok = seen & good
    # the first success after the first failure of each pair
    cand = np.flatnonzero(after_ok)
    first_ok = np.zeros(len(u), dtype=bool)
    if len(cand):
        first_ok[cand[np.r_[True, group[cand][1:] != group[cand][:-1]]]] = True
    failed = np.zeros(g, dtype=bool)
    failed[group[first_fail]] = True
    recovered = np.zeros(g, dtype=bool)
    recovered[group[first_ok]] = True
    retries = np.full(g, -1, dtype=np.int64)
    retries[group[first_ok]] = k[first_ok]
    t_fail = np.zeros(g, dtype=np.int64)
    t_fail[group[first_fail]] = t[first_fail]
    minutes = np.full(g, np.nan)
    minutes[group[first_ok]] = (t[first_ok] - t_fail[group[first_ok]]) / _NS_MIN
    return {
        "slot": s[new],
        "failed": failed,
        "recovered": recovered,
        "retries": retries,
        "minutes": minutes,
    }


# --------------------------------------------------------------------------- public


def notebook_event_counts(
    course: Course, *, roles: Sequence[str] | None = ("learner",)
) -> pd.DataFrame:
    """What the notebook logs hold: how many events of each kind, from how many learners.

    Answers: *which events were logged for this course, and how much of each?* Useful
    first, to see which events the logging was configured to record.

    Returns
    -------
    DataFrame, one row per event name (pioneer's names in a readable order, then any
    other name): ``event``, ``meaning`` (what it records; "not a documented pioneer
    event" for others), ``events``, ``learners`` (learners with at least one),
    ``sessions`` (kernel sessions with at least one). Empty without logs.

    Examples
    --------
    >>> import pandas as pd
    >>> from flbook.store import Course
    >>> ev = pd.DataFrame({"user": ["ana", "ana"], "session": ["s1", "s1"],
    ...     "notebook": ["w1.ipynb"] * 2, "event": ["NotebookOpenEvent", "CellExecuteEvent"],
    ...     "time": ["2024-02-05 10:00:00", "2024-02-05 10:01:00"], "success": [None, True]})
    >>> notebook_event_counts(Course.from_frames(notebook_events=ev))["events"].tolist()
    [1, 1]
    """
    columns = ["event", "meaning", "events", "learners", "sessions"]
    log = _log(course, roles)
    if not len(log):
        return empty_frame(
            columns,
            {
                "event": "str",
                "meaning": "str",
                "events": "int64",
                "learners": "int64",
                "sessions": "int64",
            },
        )
    names, ev = np.unique(log.event.astype(str), return_inverse=True)
    known = list(NOTEBOOK_EVENT_MEANINGS)
    rank = np.array([known.index(x) if x in known else len(known) for x in names])  # a dozen
    k = len(names)
    out = pd.DataFrame(
        {
            "event": names,
            "meaning": [
                NOTEBOOK_EVENT_MEANINGS.get(x, "not a documented pioneer event") for x in names
            ],
            "events": np.bincount(ev, minlength=k).astype(np.int64),
            "learners": _distinct_count(ev, log.user, k),
            "sessions": _distinct_count(ev, log.session, k),
        }
    )
    out["_rank"] = rank
    return out.sort_values(["_rank", "event"]).drop(columns="_rank").reset_index(drop=True)


def notebook_log_report(course: Course) -> pd.DataFrame:
    """What happened to the course's notebook logs on the way in (a data-health table).

    Returns
    -------
    DataFrame with ``item`` and ``value`` (text): files and bytes read, layout, records,
    duplicates removed, truncated records skipped, events out of order, unknown event
    kinds, events kept, users (and how many are linked to learners), sessions,
    notebooks, first and last event. Empty when the course has no notebook logs.
    """
    report = getattr(course, "notebook_report", None)
    if report is None:
        return empty_frame(["item", "value"], {"item": "str", "value": "str"})
    return report.to_frame()


def notebook_overview(
    course: Course,
    *,
    notebooks: Mapping[str, str] | None = None,
    window_minutes: float = 30,
    roles: Sequence[str] | None = ("learner",),
) -> pd.DataFrame:
    """The chapter's headline numbers in one row.

    Returns
    -------
    DataFrame with one row (none without notebook events): ``notebooks``, ``learners``,
    ``sessions``, ``executions``, ``failed``, ``pct_error_rate``, ``learner_cells_failed``
    (pairs of a learner and a cell with at least one error), ``pct_never_fixed`` (of
    those, no later run worked), ``pct_in_order`` (runs of the next cell),
    ``median_minutes_to_first_run`` (over sessions that ran something),
    ``pct_followed_along`` (of the learners placed by :func:`follow_along`, those who
    first ran a cell while on the notebook's step; missing when none can be placed).
    """
    columns = {
        "notebooks": "int64",
        "learners": "int64",
        "sessions": "int64",
        "executions": "int64",
        "failed": "int64",
        "pct_error_rate": "float64",
        "learner_cells_failed": "int64",
        "pct_never_fixed": "float64",
        "pct_in_order": "float64",
        "median_minutes_to_first_run": "float64",
        "pct_followed_along": "float64",
    }
    log = _log(course, roles, notebooks)
    log = log.rows(log.notebook >= 0)
    if not len(log):
        return empty_frame(list(columns), columns)
    ex = _execs(log)
    retries = retries_until_success(course, roles=roles)
    order = execution_order(course, roles=roles)
    order = order[order["notebook"] == "All notebooks"].set_index("move")["pct"]
    sessions = notebook_sessions(course, roles=roles)
    follow = follow_along(course, notebooks=notebooks, window_minutes=window_minutes, roles=roles)
    follow = follow[follow["notebook"] == "All notebooks"].set_index("timing")["pct"]
    n_failed = int((~ex.success).sum())
    pairs = int(retries["learner_cells"].sum()) if len(retries) else 0
    never = int(retries["learner_cells"].iloc[-1]) if len(retries) else 0
    return pd.DataFrame(
        {
            "notebooks": [len(np.unique(log.notebook))],
            "learners": [len(np.unique(log.user[log.user >= 0]))],
            "sessions": [len(np.unique(log.session[log.session >= 0]))],
            "executions": [len(ex)],
            "failed": [n_failed],
            "pct_error_rate": [_pct(n_failed, len(ex)).item()],
            "learner_cells_failed": [pairs],
            "pct_never_fixed": [_pct(never, pairs).item()],
            "pct_in_order": [float(order.get("next cell", np.nan))],
            "median_minutes_to_first_run": [float(sessions["minutes_to_first_execution"].median())],
            "pct_followed_along": [float(follow.get("while on the step", np.nan))],
        }
    ).astype(columns)


def notebook_summary(
    course: Course,
    *,
    notebooks: Mapping[str, str] | None = None,
    roles: Sequence[str] | None = ("learner",),
) -> pd.DataFrame:
    """One line per notebook: who used it, how much, and how often cells failed.

    Parameters
    ----------
    course : Course
    notebooks : mapping of notebook path → step (``course.config.notebooks``); the step
        column is empty for notebooks not listed.
    roles : count users linked to a person enrolled with one of these roles (``None``:
        every user); users the export cannot link to a person are always counted.

    Returns
    -------
    DataFrame sorted by step, then notebook: ``notebook``, ``step`` (ordered
    Categorical), ``learners`` (who opened or used it), ``sessions`` (kernel
    sessions), ``sessions_per_learner``, ``executions``, ``failed`` (executions that
    ended in an error), ``pct_error_rate``, ``learners_executing`` (ran at least one
    cell), ``median_session_minutes`` (first to last event of a session).
    """
    columns = [
        "notebook",
        "step",
        "learners",
        "sessions",
        "sessions_per_learner",
        "executions",
        "failed",
        "pct_error_rate",
        "learners_executing",
        "median_session_minutes",
    ]
    step_dtype = _step_dtype(course)
    log = _log(course, roles, notebooks)
    log = log.rows(log.notebook >= 0)
    if not len(log):
        return empty_frame(
            columns,
            {
                "notebook": "str",
                "step": step_dtype or "category",
                "learners": "int64",
                "sessions": "int64",
                "sessions_per_learner": "float64",
                "executions": "int64",
                "failed": "int64",
                "pct_error_rate": "float64",
                "learners_executing": "int64",
                "median_session_minutes": "float64",
            },
        )
    k = len(log.notebooks)
    is_ex = log.event == _EXEC
    learners = _distinct_count(log.notebook, log.user, k)
    sessions = _distinct_count(log.notebook, log.session, k)
    executions = np.bincount(log.notebook[is_ex], minlength=k)
    failed = np.bincount(log.notebook[is_ex & ~log.success], minlength=k)
    sess = _session_spans(log)
    out = pd.DataFrame(
        {
            "notebook": log.notebooks,
            "step": _step_of(log.notebooks, notebooks, step_dtype),
            "learners": learners,
            "sessions": sessions,
            "sessions_per_learner": np.where(
                learners > 0, sessions / np.maximum(learners, 1), np.nan
            ),
            "executions": executions.astype(np.int64),
            "failed": failed.astype(np.int64),
            "pct_error_rate": _pct(failed, executions),
            "learners_executing": _distinct_count(np.where(is_ex, log.notebook, -1), log.user, k),
            "median_session_minutes": _group_median(sess["notebook"], sess["minutes"], k),
        }
    )
    out = out[(out["learners"] > 0) | (out["sessions"] > 0) | (out["executions"] > 0)]
    return out.sort_values(["step", "notebook"], na_position="last").reset_index(drop=True)


def _session_spans(log: _Log) -> dict:
    """Per kernel session: notebook, start/end (ns), executions, failed, first execution."""
    ok = log.session >= 0
    s = log.session[ok]
    n = log.n_sessions
    if not len(s):
        e = np.empty(0, dtype=np.int64)
        return {
            "notebook": e,
            "minutes": e.astype(float),
            "start": e,
            "executions": e,
            "failed": e,
            "first_exec": e,
            "opened": e.astype(bool),
            "user": e,
        }
    t = log.time[ok]
    start = np.full(n, np.iinfo(np.int64).max)
    end = np.full(n, np.iinfo(np.int64).min)
    np.minimum.at(start, s, t)
    np.maximum.at(end, s, t)
    nb = np.full(n, -1, dtype=np.int64)
    nb[s] = log.notebook[ok]
    user = np.full(n, -1, dtype=np.int64)
    user[s[log.user[ok] >= 0]] = log.user[ok][log.user[ok] >= 0]
    is_ex = log.event[ok] == _EXEC
    executions = np.bincount(s[is_ex], minlength=n)
    failed = np.bincount(s[is_ex & ~log.success[ok]], minlength=n)
    first_exec = np.full(n, np.iinfo(np.int64).max)
    np.minimum.at(first_exec, s[is_ex], t[is_ex])
    opened_at = np.full(n, np.iinfo(np.int64).max)
    is_open = log.event[ok] == _OPEN
    np.minimum.at(opened_at, s[is_open], t[is_open])
    present = np.zeros(n, dtype=bool)
    present[s] = True
    idx = np.flatnonzero(present)
    return {
        "session": idx,
        "notebook": nb[idx],
        "user": user[idx],
        "start": start[idx],
        "minutes": (end[idx] - start[idx]) / _NS_MIN,
        "executions": executions[idx].astype(np.int64),
        "failed": failed[idx].astype(np.int64),
        "opened": opened_at[idx] < np.iinfo(np.int64).max,
        "opened_at": opened_at[idx],
        "first_exec": first_exec[idx],
    }


def cell_summary(
    course: Course,
    *,
    notebooks: Mapping[str, str] | None = None,
    min_learners: int = 5,
    sort_by: str | None = None,
    top: int | None = None,
    roles: Sequence[str] | None = ("learner",),
) -> pd.DataFrame:
    """Per notebook and cell: executions, learners, error rate, recovery after errors.

    Answers: *which cells do learners struggle with?* A cell that many learners run
    many times, that fails often, and after which many give up is where help is
    needed (a hint, a clearer instruction, an earlier check).

    Parameters
    ----------
    course : Course
    notebooks : mapping of notebook path → step (``course.config.notebooks``): notebooks
        are listed in the order of their steps.
    min_learners : cells run by fewer learners (usually cells learners added
        themselves) are pooled into one ``"own cells"`` row per notebook.
    sort_by : a column to sort by, largest first (e.g. ``"pct_error_rate"`` for the
        hardest cells); the pooled own-cells rows are then left out.
    top : keep only the first ``top`` rows.
    roles : count users linked to a person enrolled with one of these roles (``None``:
        every user); users the export cannot link to a person are always counted.

    Returns
    -------
    DataFrame sorted by notebook then position (own cells last), or by ``sort_by``:
    ``notebook``, ``cell`` (``"cell 7"``: the cell's place in the notebook, counting every
    cell from 1; or ``"own cells"``), ``executions``, ``learners``, ``failed``,
    ``pct_error_rate`` (failed executions per 100), ``learners_failed`` (learners who
    had at least one error there), ``pct_gave_up`` (of those, the share who never ran
    the cell successfully afterwards), ``median_retries`` (executions after the first error up
    to the first success, among learners who got there), ``top_error`` (the most
    common error name, "" if none).

    Examples
    --------
    >>> import pandas as pd
    >>> from flbook.store import Course
    >>> ev = pd.DataFrame({"user": ["ana", "ana", "bo"], "session": ["s1", "s1", "s2"],
    ...     "notebook": ["w1.ipynb"] * 3, "event": ["CellExecuteEvent"] * 3,
    ...     "time": ["2024-02-05 10:00", "2024-02-05 10:01", "2024-02-05 11:00"],
    ...     "cell_id": ["c1"] * 3, "cell_index": [2, 2, 2], "success": [False, True, True],
    ...     "error_name": ["NameError", None, None]})
    >>> cell_summary(Course.from_frames(notebook_events=ev), min_learners=1)[
    ...     ["cell", "executions", "learners", "failed", "median_retries", "top_error"]]
    ...     # doctest: +NORMALIZE_WHITESPACE
         cell  executions  learners  failed  median_retries  top_error
    0  cell 3           3         2       1             1.0  NameError
    """
    columns = {
        "notebook": "str",
        "cell": "str",
        "executions": "int64",
        "learners": "int64",
        "failed": "int64",
        "pct_error_rate": "float64",
        "learners_failed": "int64",
        "pct_gave_up": "float64",
        "median_retries": "float64",
        "top_error": "str",
    }
    ex = _execs(_log(course, roles, notebooks))
    if not len(ex):
        return empty_frame(list(columns), columns)
    if sort_by is not None and sort_by not in columns:
        raise ValueError(f"sort_by must be one of {list(columns)}, not {sort_by!r}")
    cells = _cell_slots(ex, min_learners)
    k = cells.n
    executions = np.bincount(cells.slot, minlength=k)
    failed = np.bincount(cells.slot[~ex.success], minlength=k)
    learners = _distinct_count(cells.slot, ex.user, k)
    p = _pairs(ex, cells.slot)
    learners_failed = np.bincount(p["slot"][p["failed"]], minlength=k)
    recovered = np.bincount(p["slot"][p["failed"] & p["recovered"]], minlength=k)
    retries = np.where(p["failed"] & p["recovered"], p["retries"], -1).astype(float)
    retries[retries < 0] = np.nan
    median_retries = _group_median(p["slot"], retries, k)
    # most common error name per cell
    top_error = np.full(k, "", dtype=object)
    err = (~ex.success) & (ex.error >= 0)
    if err.any():
        m = len(ex.errors)
        pairs, counts = np.unique(cells.slot[err] * m + ex.error[err], return_counts=True)
        order = np.lexsort((pairs % m, -counts, pairs // m))
        first = order[np.r_[True, np.diff((pairs // m)[order]) != 0]]
        top_error[pairs[first] // m] = np.array(ex.errors, dtype=object)[pairs[first] % m]
    out = pd.DataFrame(
        {
            "notebook": np.array(ex.notebooks, dtype=object)[cells.notebook],
            "cell": _cell_labels(cells.position),
            "executions": executions.astype(np.int64),
            "learners": learners,
            "failed": failed.astype(np.int64),
            "pct_error_rate": _pct(failed, executions),
            "learners_failed": learners_failed.astype(np.int64),
            "pct_gave_up": _pct(learners_failed - recovered, learners_failed),
            "median_retries": median_retries,
            "top_error": top_error,
        }
    )
    if sort_by is not None:
        out = out[out["cell"] != _OWN].sort_values(sort_by, ascending=False, kind="stable")
    if top is not None:
        out = out.head(top)
    return out.reset_index(drop=True)


def error_names(
    course: Course,
    *,
    by_notebook: bool = False,
    notebooks: Mapping[str, str] | None = None,
    roles: Sequence[str] | None = ("learner",),
) -> pd.DataFrame:
    """The names of the errors learners met (``NameError``, ``KeyError``...), most common first.

    Only the error *name* is used, never its message or traceback (they quote the
    learner's code and data).

    Returns
    -------
    DataFrame: (``notebook`` when ``by_notebook``), ``error_name``, ``failed``
    (executions that ended in this error), ``pct`` (of the failed executions, within the
    notebook when ``by_notebook``), ``learners`` (who met it at least once), ``cells``
    (different cells where it happened).
    """
    cols = (["notebook"] if by_notebook else []) + [
        "error_name",
        "failed",
        "pct",
        "learners",
        "cells",
    ]
    dtypes = {
        "notebook": "str",
        "error_name": "str",
        "failed": "int64",
        "pct": "float64",
        "learners": "int64",
        "cells": "int64",
    }
    ex = _execs(_log(course, roles, notebooks))
    ex = ex.rows(~ex.success)
    if not len(ex):
        return empty_frame(cols, dtypes)
    err = np.where(ex.error >= 0, ex.error, len(ex.errors))
    names = np.array(ex.errors + ["unnamed error"], dtype=object)
    m = len(names)
    group = ex.notebook * m + err if by_notebook else err
    n = len(ex.notebooks) * m if by_notebook else m
    failed = np.bincount(group, minlength=n)
    n_nb = len(ex.notebooks)
    cell_key = np.where(ex.cell >= 0, ex.cell * n_nb + ex.notebook, -1)
    out = pd.DataFrame(
        {
            "notebook": np.repeat(np.array(ex.notebooks, dtype=object), m) if by_notebook else None,
            "error_name": np.tile(names, n_nb) if by_notebook else names,
            "failed": failed.astype(np.int64),
            "learners": _distinct_count(group, ex.user, n),
            "cells": _distinct_count(group, cell_key, n),
        }
    )
    total = (
        out.groupby("notebook")["failed"].transform("sum").to_numpy()
        if by_notebook
        else np.full(len(out), failed.sum())
    )
    out.insert(3, "pct", _pct(out["failed"], total))
    out["_nb"] = np.repeat(np.arange(n_nb), m) if by_notebook else 0
    out = out[out["failed"] > 0]
    out = out.sort_values(["_nb", "failed", "error_name"], ascending=[True, False, True])
    out = out.reset_index(drop=True)
    return out[cols]


def retries_until_success(
    course: Course, *, max_retries: int = 10, roles: Sequence[str] | None = ("learner",)
) -> pd.DataFrame:
    """After a learner's first error on a cell: how many more runs until it worked?

    Counts pairs of a learner and a cell where the learner's runs of the cell failed
    at least once: ``1`` means the next run worked, ``never`` that no later run of that
    cell (in any session) worked: the learner gave up or moved on for good.

    Returns
    -------
    DataFrame: ``retries`` (ordered Categorical ``"1"``, ``"2"``, …,
    ``"{max_retries}+"``, ``"never"``), ``learner_cells`` (learner-and-cell pairs),
    ``pct`` (of all pairs with an error). Every category is listed (zeros included)
    unless there was no error at all (then empty).
    """
    labels = [str(i) for i in range(1, max_retries)] + [f"{max_retries}+", "never"]
    dtype = pd.CategoricalDtype(labels, ordered=True)
    columns = ["retries", "learner_cells", "pct"]
    ex = _execs(_log(course, roles))
    if not len(ex):
        return empty_frame(columns, {"retries": dtype, "learner_cells": "int64", "pct": "float64"})
    n_nb = len(ex.notebooks)
    slot = np.where(ex.cell >= 0, ex.cell * n_nb + ex.notebook, -1 - ex.notebook)
    p = _pairs(ex, slot)
    f = p["failed"]
    if not f.any():
        return empty_frame(columns, {"retries": dtype, "learner_cells": "int64", "pct": "float64"})
    r = np.where(p["recovered"][f], np.minimum(p["retries"][f], max_retries) - 1, max_retries)
    counts = np.bincount(r, minlength=max_retries + 1)
    return pd.DataFrame(
        {
            "retries": pd.Categorical(labels, dtype=dtype),
            "learner_cells": counts.astype(np.int64),
            "pct": _pct(counts, counts.sum()),
        }
    )


def _by_notebook_and_all(
    ex_nb: np.ndarray, cat: np.ndarray, labels, notebooks, extra=None
) -> pd.DataFrame:
    """Counts of categories per notebook plus an "All notebooks" block; pct within each."""
    k = len(labels)
    n_nb = len(notebooks)
    per = np.bincount(ex_nb * k + cat, minlength=n_nb * k).reshape(n_nb, k)
    allc = per.sum(axis=0, keepdims=True)
    table = np.vstack([per, allc])
    names = list(notebooks) + ["All notebooks"]
    out = pd.DataFrame(
        {
            "notebook": np.repeat(np.array(names, dtype=object), k),
            "_cat": np.tile(np.arange(k), n_nb + 1),
            "count": table.ravel().astype(np.int64),
        }
    )
    out["pct"] = _pct(out["count"], np.repeat(table.sum(axis=1), k))
    keep = np.repeat(table.sum(axis=1) > 0, k)
    return out[keep].reset_index(drop=True)


def after_error(
    course: Course,
    *,
    soon_minutes: float = 5,
    notebooks: Mapping[str, str] | None = None,
    roles: Sequence[str] | None = ("learner",),
) -> pd.DataFrame:
    """What learners did right after a cell failed, in the same kernel session.

    Answers the question of immediate feedback: does an error send learners back to
    fix the cell (soon, or after some time), on to another cell, or away (nothing more
    run in that sitting)?

    Parameters
    ----------
    soon_minutes : a re-run within this many minutes counts as "soon".
    notebooks : mapping of notebook path → step, for the order of the notebooks.
    roles : count users linked to a person enrolled with one of these roles (``None``:
        every user); users the export cannot link to a person are always counted.

    Returns
    -------
    DataFrame, per notebook and for ``"All notebooks"``: ``notebook``, ``outcome``
    (Categorical, :data:`AFTER_ERROR_OUTCOMES`), ``failed`` (failed executions followed
    by that outcome), ``pct`` (within the notebook), ``median_minutes`` (to the next
    run; missing for "ran nothing more").

    Examples
    --------
    >>> import pandas as pd
    >>> from flbook.store import Course
    >>> ev = pd.DataFrame({"user": ["ana"] * 3, "session": ["s1"] * 3,
    ...     "notebook": ["w1.ipynb"] * 3, "event": ["CellExecuteEvent"] * 3,
    ...     "time": ["2024-02-05 10:00", "2024-02-05 10:01", "2024-02-05 10:02"],
    ...     "cell_id": ["c1", "c1", "c2"], "cell_index": [0, 0, 1],
    ...     "success": [False, True, False], "error_name": ["NameError", None, "KeyError"]})
    >>> out = after_error(Course.from_frames(notebook_events=ev))
    >>> out.loc[out["notebook"] == "w1.ipynb", "failed"].tolist()
    [1, 0, 0, 1]
    """
    dtype = pd.CategoricalDtype(list(AFTER_ERROR_OUTCOMES))
    columns = {
        "notebook": "str",
        "outcome": dtype,
        "failed": "int64",
        "pct": "float64",
        "median_minutes": "float64",
    }
    ex = _execs(_log(course, roles, notebooks))
    ex = ex.rows(ex.session >= 0)
    if not len(ex) or ex.success.all():
        return empty_frame(list(columns), columns)
    order = np.lexsort((ex.time, ex.session))
    s, t, c, ok, nb = (
        ex.session[order],
        ex.time[order],
        ex.cell[order],
        ex.success[order],
        ex.notebook[order],
    )
    has_next = np.r_[s[1:] == s[:-1], False]
    nxt = np.minimum(np.arange(len(s)) + 1, len(s) - 1)
    gap = np.where(has_next, (t[nxt] - t) / _NS_MIN, np.nan)
    same = has_next & (c[nxt] == c) & (c >= 0)
    outcome = np.where(
        ~has_next, 3, np.where(same & (gap <= soon_minutes), 0, np.where(same, 1, 2))
    )
    f = ~ok
    out = _by_notebook_and_all(nb[f], outcome[f], AFTER_ERROR_OUTCOMES, ex.notebooks)
    k = len(AFTER_ERROR_OUTCOMES)
    n_nb = len(ex.notebooks)
    med_nb = _group_median(nb[f] * k + outcome[f], gap[f], n_nb * k)
    med_all = _group_median(outcome[f], gap[f], k)
    med = np.concatenate([med_nb, med_all])
    names = list(ex.notebooks) + ["All notebooks"]
    pos = {n: i for i, n in enumerate(names)}
    row = out["notebook"].map(pos).to_numpy() * k + out["_cat"].to_numpy()
    return pd.DataFrame(
        {
            "notebook": out["notebook"],
            "outcome": pd.Categorical.from_codes(out["_cat"].to_numpy(), dtype=dtype),
            "failed": out["count"],
            "pct": out["pct"],
            "median_minutes": med[row],
        }
    )


def execution_order(
    course: Course,
    *,
    notebooks: Mapping[str, str] | None = None,
    min_learners: int = 5,
    roles: Sequence[str] | None = ("learner",),
) -> pd.DataFrame:
    """Do learners run a notebook's cells in order?

    Each run of a course cell is compared with the previous run in the same kernel
    session: the *next* cell (the next course cell by position; cells between them that
    nobody runs, such as text, do not count), the *same cell again*, a cell further
    down (*skipped ahead*), or one further up (*went back*). Runs of learners' own cells
    are left out. Running out of order is not wrong, but a notebook whose cells depend
    on each other then fails with errors such as ``NameError``.

    Returns
    -------
    DataFrame, per notebook and for ``"All notebooks"``: ``notebook``, ``move``
    (Categorical, :data:`EXECUTION_MOVES`), ``executions``, ``pct`` (within the
    notebook), ``learners`` (who made that move at least once), ``pct_learners`` (of the
    notebook's learners who ran two cells or more in a session).
    """
    dtype = pd.CategoricalDtype(list(EXECUTION_MOVES))
    columns = {
        "notebook": "str",
        "move": dtype,
        "executions": "int64",
        "pct": "float64",
        "learners": "int64",
        "pct_learners": "float64",
    }
    ex = _execs(_log(course, roles, notebooks))
    ex = ex.rows(ex.session >= 0)
    if not len(ex):
        return empty_frame(list(columns), columns)
    cells = _cell_slots(ex, min_learners)
    course_cell = cells.position[cells.slot] > 0
    ex = ex.rows(course_cell)
    slot = cells.slot[course_cell]
    if not len(ex):
        return empty_frame(list(columns), columns)
    order = np.lexsort((ex.time, ex.session))
    s, sl, nb, u = ex.session[order], slot[order], ex.notebook[order], ex.user[order]
    prev = np.r_[False, s[1:] == s[:-1]]
    d = np.r_[0, np.diff(sl)]  # slots are numbered in notebook order
    move = np.where(d == 1, 0, np.where(d == 0, 1, np.where(d > 1, 2, 3)))
    out = _by_notebook_and_all(nb[prev], move[prev], EXECUTION_MOVES, ex.notebooks)
    if out.empty:
        return empty_frame(list(columns), columns)
    k = len(EXECUTION_MOVES)
    n_nb = len(ex.notebooks)
    uu = u[prev]
    who_nb = _distinct_count(nb[prev] * k + move[prev], uu, n_nb * k)
    who_all = _distinct_count(move[prev], uu, k)
    base_nb = _distinct_count(nb[prev], uu, n_nb)
    base_all = len(sorted_distinct(uu[uu >= 0]))
    names = list(ex.notebooks) + ["All notebooks"]
    pos = out["notebook"].map({n: i for i, n in enumerate(names)}).to_numpy()
    cat = out["_cat"].to_numpy()
    who = np.concatenate([who_nb, who_all])[pos * k + cat]
    base = np.append(base_nb, base_all)[pos]
    return pd.DataFrame(
        {
            "notebook": out["notebook"],
            "move": pd.Categorical.from_codes(cat, dtype=dtype),
            "executions": out["count"],
            "pct": out["pct"],
            "learners": who.astype(np.int64),
            "pct_learners": _pct(who, base),
        }
    )


def notebook_sessions(
    course: Course,
    *,
    notebooks: Mapping[str, str] | None = None,
    roles: Sequence[str] | None = ("learner",),
) -> pd.DataFrame:
    """One row per kernel session (one sitting with a notebook), without who it was.

    Answers: *how long do learners stay with a notebook, how much do they run, and
    how soon after opening it do they run a first cell?*

    Returns
    -------
    DataFrame sorted by start: ``notebook``, ``step`` (the notebook's step, from
    ``notebooks``), ``start`` (UTC), ``minutes`` (first to last event), ``executions``,
    ``failed``, ``minutes_to_first_execution`` (from the notebook-open event to the first
    run; missing if the session has no open event or ran nothing), ``executed`` (ran at
    least one cell), ``opened`` (the open event is in the log).
    """
    step_dtype = _step_dtype(course)
    columns = {
        "notebook": "str",
        "step": step_dtype or "category",
        "start": "datetime64[ns, UTC]",
        "minutes": "float64",
        "executions": "int64",
        "failed": "int64",
        "minutes_to_first_execution": "float64",
        "executed": "bool",
        "opened": "bool",
    }
    log = _log(course, roles, notebooks)
    log = log.rows(log.notebook >= 0)
    sp = _session_spans(log)
    if not len(sp["notebook"]):
        return empty_frame(list(columns), columns)
    big = np.iinfo(np.int64).max
    executed = sp["first_exec"] < big
    to_first = np.where(
        executed & sp["opened"], (sp["first_exec"] - sp["opened_at"]) / _NS_MIN, np.nan
    )
    to_first = np.where(to_first < 0, np.nan, to_first)
    steps = _step_of(log.notebooks, notebooks, step_dtype)
    out = pd.DataFrame(
        {
            "notebook": np.array(log.notebooks, dtype=object)[sp["notebook"]],
            "step": pd.Categorical.from_codes(
                np.asarray(steps.codes)[sp["notebook"]], dtype=steps.dtype
            ),
            "start": as_time(sp["start"]),
            "minutes": sp["minutes"],
            "executions": sp["executions"],
            "failed": sp["failed"],
            "minutes_to_first_execution": to_first,
            "executed": executed,
            "opened": sp["opened"],
        }
    )
    return out.sort_values("start", kind="stable").reset_index(drop=True)


def _box(minutes: np.ndarray) -> list[float]:
    """A box plot's five numbers: low whisker, quartiles, median, high whisker.

    The whiskers stop at the shortest time at or above the 5th percentile and the
    longest at or below the 95th (never inside the box), as matplotlib draws them.
    """
    if not len(minutes):
        return [np.nan] * 5
    q1, med, q3 = np.percentile(minutes, [25, 50, 75])
    lo, hi = np.percentile(minutes, [5, 95])
    above, below = minutes[minutes >= lo], minutes[minutes <= hi]
    low = q1 if not len(above) or above.min() > q1 else above.min()
    high = q3 if not len(below) or below.max() < q3 else below.max()
    return [float(low), float(q1), float(med), float(q3), float(high)]


def first_executions(
    course: Course,
    *,
    notebooks: Mapping[str, str] | None = None,
    roles: Sequence[str] | None = ("learner",),
) -> pd.DataFrame:
    """How soon after opening a notebook learners run a first cell, and how often never.

    Per notebook, over its kernel sessions (:func:`notebook_sessions`): the box plot of
    the minutes from opening the notebook to the first run, and the share of sittings
    in which nothing was run.

    Parameters
    ----------
    notebooks : mapping of notebook path → step (``course.config.notebooks``), for the
        ``step`` column.
    roles : count users linked to a person enrolled with one of these roles (``None``:
        every user); users the export cannot link to a person are always counted.

    Returns
    -------
    DataFrame, one row per notebook in the order of its first session: ``notebook``,
    ``step``, ``sessions`` (sessions whose notebook-open event is in the log),
    ``pct_ran_nothing`` (of those, the sessions that ran no cell; NaN without one),
    ``timed`` (sessions with a time to the first run: opened, then ran a cell),
    ``low_minutes`` (the shortest time at or above the 5th percentile), ``q1_minutes``,
    ``median_minutes``, ``q3_minutes``, ``high_minutes`` (the longest time at or below
    the 95th percentile); the times are NaN without a timed session.

    Examples
    --------
    Four sittings with a notebook: three ran a first cell after 1, 2 and 5 minutes, one
    ran nothing.

    >>> import pandas as pd
    >>> from flbook.store import Course
    >>> def ev(session, event, minute):
    ...     return {"user": "u1", "learner_id": "a", "session": session,
    ...             "notebook": "w1.ipynb", "event": event, "cell_id": "c1",
    ...             "cell_index": 0, "success": True, "error_name": None,
    ...             "time": f"2024-02-05 1{session}:{minute:02d}:00"}
    >>> c = Course.from_frames(notebook_events=pd.DataFrame(
    ...     [ev(s, "NotebookOpenEvent", 0) for s in "1234"]
    ...     + [ev(s, "CellExecuteEvent", m) for s, m in (("1", 1), ("2", 2), ("3", 5))]))
    >>> row = first_executions(c).iloc[0]
    >>> int(row["sessions"]), float(row["pct_ran_nothing"]), int(row["timed"])
    (4, 25.0, 3)

    The quartiles of 1, 2 and 5 are 1.5 and 3.5; no time lies between the 5th
    percentile (1.1) and the first quartile, nor between the third quartile and the
    95th percentile (4.7), so the whiskers stop at the box:

    >>> [float(row[f"{k}_minutes"]) for k in ("low", "q1", "median", "q3", "high")]
    [1.5, 1.5, 2.0, 3.5, 3.5]
    """
    step_dtype = _step_dtype(course)
    columns = {
        "notebook": "str",
        "step": step_dtype or "category",
        "sessions": "int64",
        "pct_ran_nothing": "float64",
        "timed": "int64",
        "low_minutes": "float64",
        "q1_minutes": "float64",
        "median_minutes": "float64",
        "q3_minutes": "float64",
        "high_minutes": "float64",
    }
    sessions = notebook_sessions(course, notebooks=notebooks, roles=roles)
    if sessions.empty:
        return empty_frame(list(columns), columns)
    rows = []
    for name, g in sessions.groupby("notebook", sort=False):  # a few notebooks
        opened = g["opened"].to_numpy(dtype=bool)
        nothing = ~g["executed"].to_numpy(dtype=bool)[opened]
        minutes = g["minutes_to_first_execution"].dropna().to_numpy(dtype=float)
        rows.append(
            [
                name,
                g["step"].iloc[0],
                int(opened.sum()),
                100 * nothing.mean() if len(nothing) else np.nan,
                len(minutes),
                *_box(minutes),
            ]
        )
    out = pd.DataFrame(rows, columns=list(columns))
    out["step"] = pd.Categorical(out["step"], dtype=sessions["step"].dtype)
    return out.astype({k: v for k, v in columns.items() if k not in ("notebook", "step")})


def executions_by_day(
    course: Course,
    *,
    timezone: str = "UTC",
    notebooks: Mapping[str, str] | None = None,
    roles: Sequence[str] | None = ("learner",),
) -> pd.DataFrame:
    """Cell executions per day and notebook.

    Parameters
    ----------
    timezone : the time zone whose calendar days count (``course.config.timezone``).
    notebooks : mapping of notebook path → step, for the order of the notebooks.
    roles : count users linked to a person enrolled with one of these roles (``None``:
        every user); users the export cannot link to a person are always counted.

    Returns
    -------
    DataFrame sorted by notebook then date: ``notebook``, ``date`` (midnight, tz-naive, of
    the day in ``timezone``), ``executions``, ``learners``. Every day from the first
    execution to the last (of any notebook) is listed for every notebook with
    executions: a day without executions is a row of zeros, so each notebook's rows are
    one unbroken series of days.

    Examples
    --------
    >>> import pandas as pd
    >>> from flbook.store import Course
    >>> runs = pd.DataFrame({"user": "u1", "learner_id": "a", "session": "s1",
    ...     "notebook": "w1.ipynb", "event": "CellExecuteEvent", "cell_id": "c1",
    ...     "cell_index": 0, "success": True, "error_name": None,
    ...     "time": ["2024-02-05 10:00:00", "2024-02-05 11:00:00", "2024-02-07 09:00:00"]})
    >>> c = Course.from_frames(notebook_events=runs)
    >>> executions_by_day(c)
       notebook       date  executions  learners
    0  w1.ipynb 2024-02-05           2         1
    1  w1.ipynb 2024-02-06           0         0
    2  w1.ipynb 2024-02-07           1         1
    """
    columns = {
        "notebook": "str",
        "date": "datetime64[ns]",
        "executions": "int64",
        "learners": "int64",
    }
    ex = _execs(_log(course, roles, notebooks))
    if not len(ex):
        return empty_frame(list(columns), columns)
    local = as_time(ex.time).dt.tz_convert(timezone).dt.tz_localize(None).dt.normalize()
    day = local.to_numpy().astype("datetime64[D]").astype(np.int64)
    d0 = int(day.min())
    nd = int(day.max()) - d0 + 1
    key = ex.notebook * nd + (day - d0)
    n = len(ex.notebooks) * nd
    counts = np.bincount(key, minlength=n)
    learners = _distinct_count(key, ex.user, n)
    # every day of the span for each notebook with executions, zeros included
    present = sorted_distinct(ex.notebook)
    keep = (present[:, None] * nd + np.arange(nd)[None, :]).ravel()
    return pd.DataFrame(
        {
            "notebook": np.array(ex.notebooks, dtype=object)[keep // nd],
            "date": ((keep % nd) + d0).astype("datetime64[D]").astype("datetime64[ns]"),
            "executions": counts[keep].astype(np.int64),
            "learners": learners[keep],
        }
    )


def _first_visits(
    course: Course, log: _Log, notebooks: Mapping[str, str] | None
) -> tuple[np.ndarray, np.ndarray]:
    """Per execution: int64 ns of the learner's first visit of the notebook's step.

    Returns (linked: bool per row, visit ns with NaT where never visited).
    """
    steps = _step_of(log.notebooks, notebooks, _step_dtype(course))
    nb_step = np.append(np.asarray(steps.codes, dtype=np.int64), -1)
    row_step = nb_step[log.notebook]
    linked = (row_step >= 0) & (log.person >= 0)
    sa = course.table("step-activity", ["learner_id", "step", "first_visited_at"])
    n_steps = len(steps.dtype.categories)
    visit = np.full((len(course.people) + 1) * max(n_steps, 1), NAT, dtype=np.int64)
    if len(sa) and n_steps:
        code = sa["learner_id"].cat.codes.to_numpy().astype(np.int64)
        sc = sa["step"].cat.codes.to_numpy().astype(np.int64)
        t = ns(sa["first_visited_at"])
        ok = (code >= 0) & (sc >= 0) & (t != NAT)
        key = code[ok] * n_steps + sc[ok]
        # the earliest first visit (an export has one row per learner and step)
        tv = t[ok]
        order = np.argsort(tv, kind="stable")[::-1]
        visit[key[order]] = tv[order]
    idx = np.where(linked, log.person * max(n_steps, 1) + np.maximum(row_step, 0), 0)
    return linked, np.where(linked, visit[idx], NAT)


def follow_along(
    course: Course,
    *,
    notebooks: Mapping[str, str] | None = None,
    window_minutes: float = 30,
    timezone: str = "UTC",
    roles: Sequence[str] | None = ("learner",),
) -> pd.DataFrame:
    """When learners first ran a notebook's cells, against their first visit of its step.

    For a lecture notebook tied to a video step: learners who run their first cell
    *while on the step* (within ``window_minutes`` after first opening it) are likely
    following along with the video; those who run it *before* prepared or came from
    elsewhere; *later* learners used the notebook as practice afterwards.

    Only notebooks listed in ``notebooks`` (path → step) and learners linked to the
    export (a user map, or user names that are learner ids) can be placed.

    Returns
    -------
    DataFrame, per notebook and for ``"All notebooks"``: ``notebook``, ``step``,
    ``timing`` (Categorical, :data:`FOLLOW_ALONG_TIMING`), ``learners``, ``pct`` (of the
    notebook's placed learners). Empty when nothing can be placed.
    """
    dtype = pd.CategoricalDtype(list(FOLLOW_ALONG_TIMING))
    step_dtype = _step_dtype(course)
    columns = {
        "notebook": "str",
        "step": step_dtype or "category",
        "timing": dtype,
        "learners": "int64",
        "pct": "float64",
    }
    ex = _execs(_log(course, roles, notebooks))
    if not len(ex) or not notebooks:
        return empty_frame(list(columns), columns)
    linked, visit = _first_visits(course, ex, notebooks)
    ex, visit = ex.rows(linked), visit[linked]
    if not len(ex):
        return empty_frame(list(columns), columns)
    # each learner's first run in each notebook
    n_nb = len(ex.notebooks)
    key = ex.person * n_nb + ex.notebook
    order = np.lexsort((ex.time, key))
    first = order[np.r_[True, key[order][1:] != key[order][:-1]]]
    t, v, nb = ex.time[first], visit[first], ex.notebook[first]
    never = v == NAT
    delta = (t - v) / _NS_MIN
    tloc = as_time(t).dt.tz_convert(timezone).dt.date.to_numpy()
    vloc = as_time(np.where(never, t, v)).dt.tz_convert(timezone).dt.date.to_numpy()
    same_day = tloc == vloc
    timing = np.select(
        [never, delta < 0, delta <= window_minutes, same_day],
        [4, 0, 1, 2],
        default=3,
    )
    out = _by_notebook_and_all(nb, timing, FOLLOW_ALONG_TIMING, ex.notebooks)
    steps = _step_of(ex.notebooks + ["All notebooks"], notebooks, step_dtype)
    names = list(ex.notebooks) + ["All notebooks"]
    pos = out["notebook"].map({n: i for i, n in enumerate(names)}).to_numpy()
    return pd.DataFrame(
        {
            "notebook": out["notebook"],
            "step": pd.Categorical.from_codes(np.asarray(steps.codes)[pos], dtype=steps.dtype),
            "timing": pd.Categorical.from_codes(out["_cat"].to_numpy(), dtype=dtype),
            "learners": out["count"],
            "pct": out["pct"],
        }
    )


def follow_along_times(
    course: Course,
    *,
    notebooks: Mapping[str, str] | None = None,
    bin_minutes: float = 5,
    before_minutes: float = 60,
    after_minutes: float = 180,
    by_notebook: bool = True,
    roles: Sequence[str] | None = ("learner",),
) -> pd.DataFrame:
    """Cell executions in time around each learner's first visit of the notebook's step.

    Every execution by a linked learner in a notebook tied to a step is placed at its
    distance in minutes from that learner's first visit of the step, and counted in
    bins from ``-before_minutes`` to ``+after_minutes``. A peak just after 0 means
    learners run the notebook while on the step (following along with the video).

    Parameters
    ----------
    by_notebook : one block of bins per notebook; ``False``: one block, named
        ``"All notebooks"`` (its ``step`` missing), of the executions of every placed
        notebook added up, and the learners who ran any of them in the bin.

    Returns
    -------
    DataFrame: ``notebook``, ``step``, ``minutes`` (left edge of the bin, float),
    ``executions``, ``learners``. Every bin of every placed notebook is listed (zeros
    included). Executions outside the span, and of learners who never visited the
    step, are not counted (see :func:`follow_along`).

    Examples
    --------
    Two learners run cells of two notebooks, each 10 minutes after first visiting the
    notebook's step; in 30-minute bins from 30 minutes before to 30 after:

    >>> import pandas as pd
    >>> from flbook.store import Course
    >>> runs = pd.DataFrame({"user": ["ua", "ub"], "learner_id": ["a", "b"],
    ...     "session": ["s1", "s2"], "notebook": ["w1.ipynb", "w2.ipynb"],
    ...     "event": "CellExecuteEvent", "cell_id": "c1", "cell_index": 0,
    ...     "success": True, "error_name": None,
    ...     "time": ["2024-02-05 10:10:00", "2024-02-12 10:10:00"]})
    >>> visits = pd.DataFrame({"learner_id": ["a", "b"], "step": ["1.1", "2.1"],
    ...     "first_visited_at": ["2024-02-05 10:00:00", "2024-02-12 10:00:00"]})
    >>> c = Course.from_frames(step_activity=visits, notebook_events=runs)
    >>> kw = dict(notebooks={"w1.ipynb": "1.1", "w2.ipynb": "2.1"},
    ...     bin_minutes=30, before_minutes=30, after_minutes=30)
    >>> follow_along_times(c, **kw)[["notebook", "minutes", "executions", "learners"]]
       notebook  minutes  executions  learners
    0  w1.ipynb    -30.0           0         0
    1  w1.ipynb      0.0           1         1
    2  w2.ipynb    -30.0           0         0
    3  w2.ipynb      0.0           1         1
    >>> follow_along_times(c, by_notebook=False, **kw)[["notebook", "minutes", "executions",
    ...     "learners"]]
            notebook  minutes  executions  learners
    0  All notebooks    -30.0           0         0
    1  All notebooks      0.0           2         2
    """
    step_dtype = _step_dtype(course)
    columns = {
        "notebook": "str",
        "step": step_dtype or "category",
        "minutes": "float64",
        "executions": "int64",
        "learners": "int64",
    }
    ex = _execs(_log(course, roles, notebooks))
    if not len(ex) or not notebooks:
        return empty_frame(list(columns), columns)
    linked, visit = _first_visits(course, ex, notebooks)
    keep = linked & (visit != NAT)
    ex, visit = ex.rows(keep), visit[keep]
    if not len(ex):
        return empty_frame(list(columns), columns)
    delta = (ex.time - visit) / _NS_MIN
    edges = np.arange(-before_minutes, after_minutes + bin_minutes / 2, bin_minutes)
    nb_bins = len(edges) - 1
    inside = (delta >= edges[0]) & (delta < edges[-1])
    b = np.clip(np.floor((delta - edges[0]) / bin_minutes).astype(np.int64), 0, nb_bins - 1)
    if by_notebook:
        present = sorted_distinct(ex.notebook)
        n_nb = len(ex.notebooks)
        key = np.where(inside, ex.notebook * nb_bins + b, -1)
        names = list(ex.notebooks)
    else:  # one block: every notebook's executions in the bin
        present = np.zeros(1, dtype=np.int64)
        n_nb = 1
        key = np.where(inside, b, -1)
        names = ["All notebooks"]
    counts = np.bincount(key[inside], minlength=n_nb * nb_bins)
    learners = _distinct_count(key, ex.user, n_nb * nb_bins)
    steps = _step_of(names, notebooks, step_dtype)
    rows = (present[:, None] * nb_bins + np.arange(nb_bins)[None, :]).ravel()
    nbr = rows // nb_bins
    return pd.DataFrame(
        {
            "notebook": np.array(names, dtype=object)[nbr],
            "step": pd.Categorical.from_codes(np.asarray(steps.codes)[nbr], dtype=steps.dtype),
            "minutes": edges[rows % nb_bins],
            "executions": counts[rows].astype(np.int64),
            "learners": learners[rows],
        }
    )
