"""Synthetic Jupyter notebook event logs (jupyterlab-pioneer format) for a synthetic course.

:func:`make_notebook_logs` reads a course written by :func:`flbook.synth.make_course`
(its ``course.yml``, enrolments, step activity and video statistics) and writes the
logs its learners would have produced in the course's notebooks, in either layout
:mod:`flbook.exports.notebook_logs` reads, plus a user map linking the notebook user
names to the export's learner ids.

The simulation, in one paragraph: each study week has a *lecture* notebook tied to the
week's first video step and, when the week has an exercise step, an *exercises*
notebook tied to it. Some of the learners who visited a notebook's step use the
notebook, in one to three kernel sessions. A share of learners *follow along*: their
first lecture session starts within minutes of their first visit of the video step and
they run the cells at the video's pace; the others open the notebook hours or days
before or after. In a session a learner mostly runs the cells in order, sometimes runs
a cell again, skips ahead (then a later cell may fail with a ``NameError``) or goes
back. A few cells of each notebook are hard (a high error rate); after an error the
learner edits and retries (often until it works), moves on, or gives up and stops.
Some learners add a scratch cell of their own. Around the executions are the other
events pioneer logs (open, visible, active cell, edits, scrolls, saves, copies,
hidden). Events reach the log slightly out of order; with ``oddities`` some are logged
twice (retries), a few have no session id or an unknown name, and the last record is
cut short, as a crashed writer leaves it.

Everything is vectorised over sessions (numpy for the simulation, pyarrow compute for
the JSON text); the same arguments give byte-identical files.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import os
import re
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

__all__ = ["make_notebook_logs", "ERROR_BANK"]

_MIN = 60_000  # milliseconds
_HOUR = 60 * _MIN
_DAY = 24 * _HOUR

#: Error names, one error value each (synthetic), and their weight among ordinary errors.
ERROR_BANK: dict[str, tuple[str, float]] = {
    "NameError": ("name 'df' is not defined", 0.22),
    "TypeError": ("unsupported operand type(s) for +: 'int' and 'str'", 0.17),
    "KeyError": ("'Country'", 0.14),
    "ValueError": ("could not convert string to float: 'n/a'", 0.12),
    "AttributeError": ("'DataFrame' object has no attribute 'colums'", 0.11),
    "SyntaxError": ("invalid syntax", 0.1),
    "IndexError": ("list index out of range", 0.05),
    "IndentationError": ("unexpected indent", 0.04),
    "FileNotFoundError": ("[Errno 2] No such file or directory: 'data.csv'", 0.03),
    "ModuleNotFoundError": ("No module named 'seaborn'", 0.02),
}
_ENAMES = list(ERROR_BANK)
_EWEIGHTS = np.array([w for _, w in ERROR_BANK.values()])
_EWEIGHTS = _EWEIGHTS / _EWEIGHTS.sum()

_DOCS = [
    ["import pandas as pd", "df = pd.read_csv('data.csv')"],
    ["df.head()"],
    ["df['Country'].value_counts()"],
    ["total = df['sales'].sum()", "print(total)"],
    ["df.plot(x='year', y='sales')"],
    ["# Your answer here", ""],
]
_SELECTIONS = ["df.head()", "pd.read_csv", "value_counts()", "print(total)"]

# event kinds of the simulation (the order of the templates below)
(
    _OPEN,
    _VISIBLE,
    _HIDDEN,
    _SCROLL,
    _SAVE,
    _ACTIVE,
    _ADD,
    _EDIT_DOC,
    _EDIT_CHANGE,
    _EXEC_OK,
    _EXEC_FAIL,
    _COPY,
    _PASTE,
    _UNKNOWN,
) = range(14)


# ----------------------------------------------------------------------------- reading


def _read_course(course_dir: Path) -> dict:
    import yaml

    doc = yaml.safe_load((course_dir / "course.yml").read_text(encoding="utf-8"))
    data = Path(doc.get("data") or ".")
    data = data if data.is_absolute() else course_dir / data
    stub = doc["stub"]
    start = doc["start"]
    start = start if isinstance(start, dt.date) else dt.date.fromisoformat(str(start))
    weeks = int(doc["weeks"])

    def csv(name: str, cols: list[str]) -> pa.Table | None:
        path = data / f"{stub}_{name}.csv"
        if not path.exists():
            return None
        head = path.open(encoding="utf-8").readline().strip().split(",")
        use = [c for c in cols if c in head]
        if len(use) < len(cols):
            return None
        return pacsv.read_csv(
            path,
            convert_options=pacsv.ConvertOptions(
                include_columns=use,
                column_types={c: pa.string() for c in use},
                strings_can_be_null=True,
            ),
        )

    enr = csv("enrolments", ["learner_id", "role"])
    sa = csv("step-activity", ["learner_id", "step", "first_visited_at"])
    if enr is None or sa is None:
        raise FileNotFoundError(
            f"{course_dir}: expected a course written by flbook.synth.make_course "
            "(course.yml, enrolments and step-activity CSVs)"
        )
    vid = csv("video-stats", ["step_position"])
    return {
        "stub": stub,
        "start": start,
        "weeks": weeks,
        "exercise_steps": [str(s) for s in doc.get("exercise_steps") or []],
        "enrolments": enr,
        "step_activity": sa,
        "video_steps": [] if vid is None else [s for s in vid.column(0).to_pylist() if s],
    }


def _step_key(step: str) -> tuple[int, int]:
    w, s = step.split(".")
    return int(w), int(s)


def _notebooks(course: dict) -> list[tuple[str, str, str]]:
    """(path, step, kind) of each course notebook: a lecture and an exercises notebook a week."""
    out = []
    videos = sorted(course["video_steps"], key=_step_key)
    for w in range(1, course["weeks"] + 1):
        vs = [s for s in videos if _step_key(s)[0] == w]
        out.append((f"week{w}/lecture.ipynb", vs[0] if vs else f"{w}.1", "lecture"))
        ex = sorted((s for s in course["exercise_steps"] if _step_key(s)[0] == w), key=_step_key)
        if ex:
            out.append((f"week{w}/exercises.ipynb", ex[0], "exercises"))
    return out


# ----------------------------------------------------------------------------- helpers


def _hex(rng: np.random.Generator, n: int, width: int) -> pa.Array:
    """``n`` random lowercase hex strings of ``width`` digits."""
    if n == 0:
        return pa.array([], pa.string())
    digits = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
    raw = digits[rng.integers(0, 16, size=(n, width))]
    return pa.array(raw.view(f"S{width}").ravel()).cast(pa.string())


def _uuids(rng: np.random.Generator, n: int) -> pa.Array:
    h = _hex(rng, n, 32)
    parts = [
        pc.utf8_slice_codeunits(h, a, b) for a, b in ((0, 8), (8, 12), (12, 16), (16, 20), (20, 32))
    ]
    return pc.binary_join_element_wise(*parts, "-")


def _q(arr: pa.Array) -> pa.Array:
    """Quote strings that need no JSON escaping (ids, paths, names)."""
    return pc.binary_join_element_wise('"', arr, '"', "")


def _num(values: np.ndarray) -> pa.Array:
    return pc.cast(pa.array(np.asarray(values, dtype=np.int64)), pa.string())


_MARK = re.compile(r'"@@(\w+)@@"')


def _render(structure, indent: int | None, columns: dict[str, pa.Array], n: int) -> pa.Array:
    """JSON text of ``structure`` for ``n`` rows, "@@name@@" values replaced by ``columns[name]``.

    Column values must already be JSON literals. The structure is dumped once and split
    at its markers, so the text of every row is one element-wise join (no loop over rows).
    """
    seps = (",", ": ") if indent is None else (",", ": ")
    text = json.dumps(structure, indent=indent, ensure_ascii=False, separators=seps)
    pieces = _MARK.split(text)
    parts = []
    for i, piece in enumerate(pieces):
        if i % 2 == 0:
            if piece:
                parts.append(piece)
        else:
            parts.append(columns[piece])
    if n == 0:
        return pa.array([], pa.string())
    if all(isinstance(p, str) for p in parts):
        return pa.array(["".join(parts)] * n, pa.string())
    return pc.binary_join_element_wise(*parts, "")


def _event(name: str, info) -> dict:
    return {
        "eventDetail": {"eventName": name, "eventTime": "@@time@@", "eventInfo": info},
        "notebookState": {
            "sessionID": "@@session@@",
            "notebookPath": "@@path@@",
            "notebookContent": None,
        },
    }


def _cells(k: int) -> list[dict]:
    return [{"id": f"@@c{i}@@", "index": f"@@i{i}@@"} for i in range(k)]


# ----------------------------------------------------------------------------- simulation


def _people(course: dict) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The course's people and their step visits (no randomness).

    Returns ``ids`` and ``role`` (one row per person, re-enrolments merged) and, per
    step-activity row, the person's position (-1 unknown), the first visit (ms since
    1970, -1 missing) and the step.
    """
    enr = course["enrolments"]
    role = enr.column("role").to_numpy(zero_copy_only=False)
    ids = enr.column("learner_id").to_numpy(zero_copy_only=False)
    _, first = np.unique(ids, return_index=True)  # re-enrolments: one person each
    keep = np.sort(first)
    ids, role = ids[keep], role[keep]
    pos = {v: i for i, v in enumerate(ids.tolist())}

    sa = course["step_activity"]
    sa_ids = sa.column("learner_id").to_numpy(zero_copy_only=False)
    sa_person = np.array([pos.get(v, -1) for v in sa_ids.tolist()], dtype=np.int64)
    visited = pc.strptime(
        pc.utf8_replace_slice(sa.column("first_visited_at"), 19, 100, ""),
        format="%Y-%m-%d %H:%M:%S",
        unit="s",
        error_is_null=True,
    )
    visit_ms = pc.fill_null(pc.cast(visited, pa.int64()), -1).to_numpy() * 1000
    steps = sa.column("step").to_numpy(zero_copy_only=False)
    return ids, role, sa_person, visit_ms, steps


def _cell_layout(rng: np.random.Generator, nbs: list[tuple[str, str, str]]) -> dict:
    """The code cells of every notebook: ids, notebook index, failure rate, usual error.

    Cells of all notebooks are numbered together (global cell codes); ``offsets[j]``
    is the code of notebook ``j``'s first cell.
    """
    n_nb = len(nbs)
    n_cells = np.array(
        [
            int(rng.integers(12, 19)) if kind == "lecture" else int(rng.integers(8, 13))
            for _, _, kind in nbs
        ]
    )
    offsets = np.concatenate([[0], np.cumsum(n_cells)])
    total_cells = int(offsets[-1])
    cell_nb = np.repeat(np.arange(n_nb), n_cells)
    cell_pos = np.arange(total_cells) - offsets[cell_nb]
    # markdown cells sit between code cells: the notebook index of each code cell
    gaps = 1 + (rng.random(total_cells) < 0.6) + (rng.random(total_cells) < 0.2)
    gaps[offsets[:-1]] = 1 + (rng.random(n_nb) < 0.9)  # a title cell first
    cum = np.cumsum(gaps)
    cell_index = cum - np.repeat(cum[offsets[:-1]] - gaps[offsets[:-1]], n_cells) - 1
    cell_ids = _uuids(rng, total_cells)
    lecture = np.array([kind == "lecture" for _, _, kind in nbs])
    p_fail = np.where(
        lecture[cell_nb], rng.uniform(0.01, 0.07, total_cells), rng.uniform(0.05, 0.14, total_cells)
    )
    for j in range(n_nb):  # a handful of notebooks: choose their hard cells
        k = 1 if lecture[j] else int(rng.integers(2, 4))
        hard = offsets[j] + rng.choice(np.arange(1, n_cells[j]), size=k, replace=False)
        p_fail[hard] = rng.uniform(0.25, 0.35, k) if lecture[j] else rng.uniform(0.45, 0.65, k)
    cell_error = rng.choice(len(_ENAMES), size=total_cells, p=_EWEIGHTS)
    return {
        "n_cells": n_cells,
        "offsets": offsets,
        "cell_nb": cell_nb,
        "cell_pos": cell_pos,
        "cell_index": cell_index,
        "cell_ids": cell_ids,
        "lecture": lecture,
        "p_fail": p_fail,
        "cell_error": cell_error,
    }


def _notebook_users(
    rng: np.random.Generator,
    course: dict,
    nbs: list[tuple[str, str, str]],
    lecture: np.ndarray,
    people: tuple,
    share: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Who uses which notebook, and their first visit of its step (ms): (person, notebook, visit).

    Some of the learners who visited a notebook's step, and the first two staff members,
    who try every notebook out a few days before the course starts.
    """
    _, role, sa_person, visit_ms, steps = people
    n_nb = len(nbs)
    nb_of_step = {step: j for j, (_, step, _) in enumerate(nbs)}
    sa_nb = np.array([nb_of_step.get(s, -1) for s in steps.tolist()], dtype=np.int64)
    ok = (sa_nb >= 0) & (sa_person >= 0) & (visit_ms > 0)
    p_use = np.where(lecture[np.maximum(sa_nb, 0)], share, min(1.0, share * 1.3))
    use = ok & (rng.random(len(sa_nb)) < p_use)
    pair_person, pair_nb, pair_visit = sa_person[use], sa_nb[use], visit_ms[use]
    _, uniq = np.unique(pair_person * n_nb + pair_nb, return_index=True)
    pair_person, pair_nb, pair_visit = pair_person[uniq], pair_nb[uniq], pair_visit[uniq]
    staff = np.flatnonzero(role != "learner")[:2]
    start_ms = (course["start"] - dt.date(1970, 1, 1)).days * _DAY
    if len(staff):
        sp = np.repeat(staff, n_nb)
        sn = np.tile(np.arange(n_nb), len(staff))
        sv = start_ms - rng.integers(2, 6, len(sp)) * _DAY + rng.integers(9, 17, len(sp)) * _HOUR
        pair_person = np.concatenate([pair_person, sp])
        pair_nb = np.concatenate([pair_nb, sn])
        pair_visit = np.concatenate([pair_visit, sv])
    return pair_person, pair_nb, pair_visit


def _sessions(
    rng: np.random.Generator,
    pairs: tuple[np.ndarray, np.ndarray, np.ndarray],
    follows: Callable[[np.ndarray, np.ndarray], np.ndarray],
    export_ms: int,
) -> dict:
    """One to three kernel sessions per user and notebook, and when each starts (ms).

    ``follows`` tells, per session pair's person and notebook, whether the first
    session follows the video (it then starts within minutes of the step's visit).
    Sessions that would start after the export are moved to its last day and marked
    not ``alive`` (nothing is logged for them).
    """
    pair_person, pair_nb, pair_visit = pairs
    n_pairs = len(pair_person)
    n_ses = 1 + (rng.random(n_pairs) < 0.35) + (rng.random(n_pairs) < 0.12)
    ses_pair = np.repeat(np.arange(n_pairs), n_ses)
    S = len(ses_pair)
    ses_k = np.arange(S) - np.repeat(np.cumsum(n_ses) - n_ses, n_ses)
    ses_person, ses_nb = pair_person[ses_pair], pair_nb[ses_pair]
    ses_follow = (ses_k == 0) & follows(ses_person, ses_nb)
    u = rng.random(S)
    delay = np.where(
        u < 0.15,
        -rng.uniform(10 * _MIN, 3 * _DAY, S),
        np.where(
            u < 0.6, rng.uniform(10 * _MIN, 8 * _HOUR, S), rng.uniform(8 * _HOUR, 10 * _DAY, S)
        ),
    )
    delay = np.where(ses_follow, rng.uniform(-3 * _MIN, 4 * _MIN, S), delay)
    later = rng.uniform(6 * _HOUR, 7 * _DAY, S)
    first_start = pair_visit[ses_pair] + delay
    # later sessions follow the previous one: cumulative gaps within each pair
    gap = np.where(ses_k == 0, 0.0, later)
    ses_start = first_start[np.repeat(np.cumsum(n_ses) - n_ses, n_ses)] + (
        np.cumsum(gap) - np.repeat(np.cumsum(gap)[np.cumsum(n_ses) - n_ses], n_ses)
    )
    ses_start = ses_start.astype(np.int64)
    alive_ses = ses_start < export_ms - _DAY
    ses_start = np.minimum(ses_start, export_ms - _DAY)
    return {
        "k": ses_k,
        "person": ses_person,
        "nb": ses_nb,
        "follow": ses_follow,
        "start": ses_start,
        "alive": alive_ses,
    }


def _walk(rng: np.random.Generator, cells: dict, ses: dict, skill: np.ndarray) -> dict:
    """Executions: a walk through the cells, all sessions at once, one step per pass.

    Returns the executions as parallel arrays: ``ses``, ``t`` (ms), ``cell`` (global
    code), ``ok``, ``err`` (error code, -1 none), ``moved`` (to another cell first),
    ``retry`` (a run again after an error).
    """
    offsets, p_fail, cell_error = cells["offsets"], cells["p_fail"], cells["cell_error"]
    ses_nb, ses_person, ses_k = ses["nb"], ses["person"], ses["k"]
    S = len(ses_k)
    n_of = cells["n_cells"][ses_nb]
    pos_c = np.where(ses_k == 0, 0, np.where(rng.random(S) < 0.5, 0, rng.integers(0, n_of)))
    # first run: most within a minute or two of opening, some after reading for a while
    t = ses["start"] + rng.lognormal(np.log(50_000), 1.0, S).astype(np.int64).clip(3_000, 40 * _MIN)
    attempt = np.zeros(S, dtype=np.int64)
    skipped = np.zeros(S, dtype=bool)
    alive = ses["alive"] & (rng.random(S) >= 0.07)  # some sessions: opened, read, closed
    pace = np.where(ses["follow"], 70_000.0, 40_000.0)
    rec = {k: [] for k in ("ses", "t", "cell", "ok", "err", "moved", "retry")}
    moved = np.ones(S, dtype=bool)
    retry = np.zeros(S, dtype=bool)
    for _ in range(70):  # steps of the walk, each vectorised over every live session
        live = np.flatnonzero(alive)
        if not len(live):
            break
        gc = offsets[ses_nb[live]] + pos_c[live]
        pf = np.minimum(
            0.95,
            p_fail[gc] * skill[ses_person[live]] * 0.7 ** attempt[live]
            + np.where(skipped[live], 0.45, 0.0),
        )
        fail = rng.random(len(live)) < pf
        err = np.where(
            skipped[live] & (rng.random(len(live)) < 0.8),
            0,
            np.where(
                rng.random(len(live)) < 0.75,
                cell_error[gc],
                rng.choice(len(_ENAMES), len(live), p=_EWEIGHTS),
            ),
        )
        rec["ses"].append(live)
        rec["t"].append(t[live].copy())
        rec["cell"].append(gc)
        rec["ok"].append(~fail)
        rec["err"].append(np.where(fail, err, -1))
        rec["moved"].append(moved[live].copy())
        rec["retry"].append(retry[live].copy())
        # what next
        r = rng.random(len(live))
        n_here = n_of[live]
        p_retry = 0.78 * 0.9 ** attempt[live]
        give_up = fail & (r >= p_retry) & (r < p_retry + 0.12)
        re_run = fail & (r < p_retry)
        # otherwise after an error: move on to the next cell
        # after a success: next (most), again, skip ahead, back, or stop
        r2 = rng.random(len(live))
        stop = ~fail & (r2 < 0.025)
        again = ~fail & (r2 >= 0.025) & (r2 < 0.07)
        ahead = ~fail & (r2 >= 0.07) & (r2 < 0.12)
        back = ~fail & (r2 >= 0.12) & (r2 < 0.16)
        step = np.where(again | re_run, 0, 1)
        step = np.where(ahead, 2 + (rng.random(len(live)) < 0.3), step)
        step = np.where(back, -rng.integers(1, 4, len(live)), step)
        new_pos = np.maximum(pos_c[live] + step, 0)
        at_end = new_pos >= n_here
        end_stop = at_end & (rng.random(len(live)) < 0.85)
        new_pos = np.where(at_end, rng.integers(0, np.maximum(n_here, 1)), new_pos)
        dead = give_up | stop | end_stop
        alive[live[dead]] = False
        attempt[live] = np.where(re_run, attempt[live] + 1, 0)
        skipped[live] = np.where(
            step >= 2, True, np.where(step < 0, False, skipped[live] & (step == 0))
        )
        moved[live] = new_pos != pos_c[live]
        retry[live] = re_run
        pos_c[live] = new_pos
        fix = np.where(
            rng.random(len(live)) < 0.85,
            rng.uniform(20_000, 180_000, len(live)),
            rng.uniform(6 * _MIN, 30 * _MIN, len(live)),  # looked something up first
        )
        g = np.where(re_run, fix, rng.lognormal(np.log(pace[live]), 0.6))
        t[live] = t[live] + g.astype(np.int64)
    return {k: np.concatenate(v) if v else np.empty(0, dtype=np.int64) for k, v in rec.items()}


def _simulate(rng: np.random.Generator, course: dict, share: float) -> dict:
    """Sessions and their events as parallel arrays (times in ms since 1970)."""
    nbs = _notebooks(course)
    people = _people(course)
    ids, role = people[0], people[1]
    n_people = len(ids)
    # people's traits
    is_learner = role == "learner"
    follower = rng.random(n_people) < 0.4  # runs the lecture notebook along with the video
    skill = np.exp(rng.normal(0.0, 0.45, n_people))  # > 1: more errors
    cells = _cell_layout(rng, nbs)
    lecture = cells["lecture"]
    pairs = _notebook_users(rng, course, nbs, lecture, people, share)
    start_ms = (course["start"] - dt.date(1970, 1, 1)).days * _DAY
    export_ms = start_ms + 7 * (course["weeks"] + 3) * _DAY

    def follows(person: np.ndarray, nb: np.ndarray) -> np.ndarray:
        return lecture[nb] & follower[person] & is_learner[person]

    ses = _sessions(rng, pairs, follows, export_ms)
    ex = _walk(rng, cells, ses, skill)
    ses_end = ses["start"].copy()
    if len(ex["ses"]):
        np.maximum.at(ses_end, ex["ses"], ex["t"])

    return {
        "nbs": nbs,
        "ids": ids,
        "is_learner": is_learner,
        "cell_ids": cells["cell_ids"],
        "cell_index": cells["cell_index"],
        "cell_nb": cells["cell_nb"],
        "cell_pos": cells["cell_pos"],
        "offsets": cells["offsets"],
        "n_cells": cells["n_cells"],
        "ses_person": ses["person"],
        "ses_nb": ses["nb"],
        "ses_start": ses["start"],
        "ses_end": ses_end,
        "ses_alive": ses["alive"],
        "ex": ex,
        "start_ms": start_ms,
        "export_ms": export_ms,
    }


class _Log:
    """Logged events collected kind by kind, as parallel arrays (see :meth:`add`)."""

    def __init__(self) -> None:
        self.parts: list[dict[str, np.ndarray]] = []

    def add(self, kind, ses, t, cell=None, err=None, extra=None) -> None:
        """Events of one ``kind``: sessions, times (ms), and cell, error and extra codes."""
        n = len(ses)
        self.parts.append(
            {
                "kind": np.full(n, kind, dtype=np.int8),
                "ses": np.asarray(ses, dtype=np.int64),
                "t": np.asarray(t, dtype=np.int64),
                "cell": np.full(n, -1, dtype=np.int64)
                if cell is None
                else np.asarray(cell, dtype=np.int64),
                "err": np.full(n, -1, dtype=np.int64)
                if err is None
                else np.asarray(err, dtype=np.int64),
                "extra": np.zeros(n, dtype=np.int64)
                if extra is None
                else np.asarray(extra, dtype=np.int64),
            }
        )

    def arrays(self) -> dict:
        return {k: np.concatenate([p[k] for p in self.parts]) for k in self.parts[0]}


def _events(rng: np.random.Generator, sim: dict, oddities: bool) -> dict:
    """Every logged event as parallel arrays: kind, session, time, cell, error, extras."""
    live = np.flatnonzero(sim["ses_alive"])
    log = _Log()
    t0 = sim["ses_start"][live]
    first_cell = sim["offsets"][sim["ses_nb"][live]]
    log.add(_OPEN, live, t0)
    log.add(
        _VISIBLE,
        live,
        t0 + 800,
        first_cell,
        extra=np.minimum(4, sim["n_cells"][sim["ses_nb"][live]]),
    )
    log.add(_EDIT_DOC, live, t0 + 1_500, first_cell, extra=rng.integers(0, len(_DOCS), len(live)))
    _around_executions(rng, sim["ex"], log)
    # the end of each session
    end = sim["ses_end"][live]
    log.add(_SAVE, live, end + 3_000)
    log.add(_HIDDEN, live, end + 6_000)
    n_sc = _scratch_cells(rng, sim, live, log)
    if oddities and len(live):
        pick = rng.choice(live, size=min(3, len(live)), replace=False)
        log.add(_UNKNOWN, pick, sim["ses_start"][pick] + 30_000)

    ev = log.arrays()
    ev["n_scratch"] = n_sc
    ev["S"] = len(sim["ses_start"])
    return ev


def _around_executions(rng: np.random.Generator, ex: dict, log: _Log) -> None:
    """The executions and what comes with them: moves to the cell, edits before a retry,
    scrolls, saves, copies and pastes."""
    ok = ex["ok"]
    log.add(_ACTIVE, ex["ses"][ex["moved"]], ex["t"][ex["moved"]] - 1_500, ex["cell"][ex["moved"]])
    rt = ex["retry"]
    log.add(
        _EDIT_CHANGE,
        ex["ses"][rt],
        ex["t"][rt] - rng.integers(4_000, 15_000, int(rt.sum())),
        ex["cell"][rt],
        extra=rng.integers(0, len(_DOCS), int(rt.sum())),
    )
    log.add(_EXEC_OK, ex["ses"][ok], ex["t"][ok], ex["cell"][ok])
    log.add(_EXEC_FAIL, ex["ses"][~ok], ex["t"][~ok], ex["cell"][~ok], err=ex["err"][~ok])
    sc = rng.random(len(ok)) < 0.3
    log.add(
        _SCROLL,
        ex["ses"][sc],
        ex["t"][sc] + rng.integers(2_000, 9_000, int(sc.sum())),
        ex["cell"][sc],
        extra=rng.integers(1, 5, int(sc.sum())),
    )
    sv = rng.random(len(ok)) < 0.12
    log.add(_SAVE, ex["ses"][sv], ex["t"][sv] + 1_000)
    for kind, share, before in ((_COPY, 0.03, 4_000), (_PASTE, 0.02, 3_000)):  # clipboard
        pick = rng.random(len(ok)) < share
        log.add(
            kind,
            ex["ses"][pick],
            ex["t"][pick] - before,
            ex["cell"][pick],
            extra=rng.integers(0, len(_SELECTIONS), int(pick.sum())),
        )


def _scratch_cells(rng: np.random.Generator, sim: dict, live: np.ndarray, log: _Log) -> int:
    """Cells some learners add and run (cells nobody else has); returns how many."""
    scratch = live[rng.random(len(live)) < 0.08]
    n_sc = len(scratch)
    t_sc = (
        sim["ses_start"][scratch]
        + ((sim["ses_end"][scratch] - sim["ses_start"][scratch]) * rng.random(n_sc)).astype(
            np.int64
        )
        + 2_000
    )
    new_cell = -2 - np.arange(n_sc)  # negative codes: own cells, numbered
    log.add(_ADD, scratch, t_sc, new_cell)
    log.add(_ACTIVE, scratch, t_sc + 2_000, new_cell)
    runs = rng.integers(1, 4, n_sc)
    r_ses = np.repeat(scratch, runs)
    r_cell = np.repeat(new_cell, runs)
    r_t = np.repeat(t_sc, runs) + 20_000 * (
        np.arange(runs.sum()) - np.repeat(np.cumsum(runs) - runs, runs) + 1
    )
    r_fail = rng.random(len(r_ses)) < 0.2
    log.add(_EXEC_OK, r_ses[~r_fail], r_t[~r_fail], r_cell[~r_fail])
    log.add(
        _EXEC_FAIL,
        r_ses[r_fail],
        r_t[r_fail],
        r_cell[r_fail],
        err=rng.choice(len(_ENAMES), int(r_fail.sum()), p=_EWEIGHTS),
    )
    return n_sc


# ----------------------------------------------------------------------------- text


def _literals() -> dict[str, pa.Array]:
    """JSON literal banks the event texts take their values from, by marker name."""
    tracebacks = [
        json.dumps(
            [
                "\u001b[0;31m" + "-" * 75 + "\u001b[0m",
                f"\u001b[0;31m{e}\u001b[0m" + " " * 20 + "Traceback (most recent call last)",
                "Cell \u001b[0;32mIn[7], line 2\u001b[0m\n\u001b[1;32m----> 2\u001b[0m total \u001b[38;5;241m=\u001b[39m df\u001b[38;5;241m.\u001b[39msum()",
                f"\u001b[0;31m{e}\u001b[0m: {v}",
            ],
            ensure_ascii=False,
        )
        for e, (v, _) in ERROR_BANK.items()
    ]
    return {
        "ename": pa.array([json.dumps(e) for e in _ENAMES]),
        "evalue": pa.array([json.dumps(v) for v, _ in ERROR_BANK.values()]),
        "tb": pa.array(tracebacks),
        "doc": pa.array([json.dumps(d) for d in _DOCS]),
        "changes": pa.array([json.dumps([len(d[0]), [0, d[-1]]]) for d in _DOCS]),
        "sel": pa.array([json.dumps(s) for s in _SELECTIONS]),
    }


def _structures() -> tuple[dict, dict, dict]:
    """The JSON structure of each event kind, with "@@name@@" markers for its values.

    Returns the structures by kind, and those of the visible and scroll events by
    the number of cells they list (1 to 4).
    """
    structures = {
        _OPEN: _event(
            "NotebookOpenEvent",
            {
                "environ": {
                    "HOSTNAME": "@@host@@",
                    "HOME": "/home/jovyan",
                    "JUPYTERHUB_API_TOKEN": "@@token@@",
                    "JUPYTERHUB_USER": "@@user@@",
                    "JUPYTERHUB_SERVICE_PREFIX": "@@prefix@@",
                    "JUPYTER_IMAGE": "quay.io/jupyter/scipy-notebook:2024-01-15",
                    "LANG": "C.UTF-8",
                    "PATH": "/opt/conda/bin:/usr/local/bin:/usr/bin:/bin",
                    "SHELL": "/bin/bash",
                }
            },
        ),
        _HIDDEN: _event("NotebookHiddenEvent", None),
        _SAVE: _event("NotebookSaveEvent", None),
        _ACTIVE: _event("ActiveCellChangeEvent", {"cells": _cells(1)}),
        _ADD: _event("CellAddEvent", {"cells": _cells(1)}),
        _EDIT_DOC: _event("CellEditEvent", {"index": "@@i0@@", "doc": "@@doc@@"}),
        _EDIT_CHANGE: _event("CellEditEvent", {"index": "@@i0@@", "changes": "@@changes@@"}),
        _EXEC_OK: _event(
            "CellExecuteEvent", {"cells": _cells(1), "success": True, "kernelError": None}
        ),
        _EXEC_FAIL: _event(
            "CellExecuteEvent",
            {
                "cells": _cells(1),
                "success": False,
                "kernelError": {
                    "errorName": "@@ename@@",
                    "errorValue": "@@evalue@@",
                    "traceback": "@@tb@@",
                },
            },
        ),
        _COPY: _event("ClipboardCopyEvent", {"cells": _cells(1), "selection": "@@sel@@"}),
        _PASTE: _event("ClipboardPasteEvent", {"cells": _cells(1), "selection": "@@sel@@"}),
        _UNKNOWN: _event("KernelRestartEvent", {"kernel": "python3"}),
    }
    n_visible = {k: _event("NotebookVisibleEvent", {"cells": _cells(k)}) for k in range(1, 5)}
    n_scroll = {k: _event("NotebookScrollEvent", {"cells": _cells(k)}) for k in range(1, 5)}
    return structures, n_visible, n_scroll


def _values(sel: np.ndarray, sim: dict, ev: dict, ids: dict, literals: dict) -> dict[str, pa.Array]:
    """The JSON values of the events ``sel`` (positions in ``ev``), by marker name.

    ``ids`` holds the per-session strings (``session``, ``host``, ``token``, ``user``)
    and the ids of the scratch cells (``scratch``).
    """
    s = ev["ses"][sel]
    sa = pa.array(s)
    c = ev["cell"][sel]
    gc = np.where(c >= 0, c, 0)
    cid = pc.take(sim["cell_ids"], pa.array(gc))
    if (c <= -2).any():
        sid = pc.take(ids["scratch"], pa.array(np.where(c <= -2, -2 - c, 0)))
        cid = pc.if_else(pa.array(c <= -2), sid, cid)
    base_idx = sim["cell_index"][gc]
    idx = np.where(c <= -2, 40 + (-2 - c) % 7, base_idx)
    user = pc.take(ids["user"], sa)
    out = {
        "time": _num(ev["t"][sel]),
        "session": _q(pc.take(ids["session"], sa)),
        "path": _q(pc.take(ids["paths"], pa.array(sim["ses_nb"][s]))),
        "user": _q(user),
        "host": _q(
            pc.binary_join_element_wise("jupyter-", user, "-", pc.take(ids["host"], sa), "")
        ),
        "token": _q(pc.take(ids["token"], sa)),
        "prefix": _q(pc.binary_join_element_wise("/user/", user, "/", "")),
        "c0": _q(cid),
        "i0": _num(idx),
    }
    extra = ev["extra"][sel]
    err = np.maximum(ev["err"][sel], 0)
    out["ename"] = pc.take(literals["ename"], pa.array(err))
    out["evalue"] = pc.take(literals["evalue"], pa.array(err))
    out["tb"] = pc.take(literals["tb"], pa.array(err))
    out["doc"] = pc.take(literals["doc"], pa.array(extra % len(_DOCS)))
    out["changes"] = pc.take(literals["changes"], pa.array(extra % len(_DOCS)))
    out["sel"] = pc.take(literals["sel"], pa.array(extra % len(_SELECTIONS)))
    # visible cells: the executed cell and the next few of the same notebook
    nb = sim["ses_nb"][s]
    last = sim["offsets"][nb + 1] - 1
    for k in range(1, 4):
        g2 = np.minimum(gc + k, last)
        out[f"c{k}"] = _q(pc.take(sim["cell_ids"], pa.array(g2)))
        out[f"i{k}"] = _num(sim["cell_index"][g2])
    return out


def _texts(
    rng: np.random.Generator, sim: dict, ev: dict, users: pa.Array, indent, body: bool, stub: str
):
    """The JSON text of every event (one string each), in ``ev`` order."""
    ses = ev["ses"]
    ids = {
        "session": _uuids(rng, ev["S"]),
        "paths": pa.array([p for p, _, _ in sim["nbs"]]),
        "user": pc.take(users, pa.array(sim["ses_person"])),
        "host": _hex(rng, ev["S"], 5),
        "token": _hex(rng, ev["S"], 32),
        "scratch": _uuids(rng, ev["n_scratch"]),
    }
    literals = _literals()
    structures, n_visible, n_scroll = _structures()
    order_parts = []
    texts = []
    kinds = ev["kind"]
    for kind, structure in structures.items():  # a dozen event kinds
        sel = np.flatnonzero(kinds == kind)
        if len(sel):
            values = _values(sel, sim, ev, ids, literals)
            texts.append(_render(structure, indent, values, len(sel)))
            order_parts.append(sel)
    for kind, table in ((_VISIBLE, n_visible), (_SCROLL, n_scroll)):
        for k, structure in table.items():
            sel = np.flatnonzero((kinds == kind) & (ev["extra"] == k))
            if len(sel):
                values = _values(sel, sim, ev, ids, literals)
                texts.append(_render(structure, indent, values, len(sel)))
                order_parts.append(sel)
    order = np.concatenate(order_parts)
    text = (
        pa.chunked_array(texts, pa.string()).combine_chunks()
        if texts
        else pa.array([], pa.string())
    )
    if body:  # the remote exporter's body, one per line
        user = _q(pc.take(ids["user"], pa.array(ses[order])))
        text = pc.binary_join_element_wise(
            '{"data": ',
            text,
            f', "params": {{"course": "{stub}"}}, "env": [{{"JUPYTERHUB_USER": ',
            user,
            "}]}",
            "",
        )
    inverse = np.empty(len(order), dtype=np.int64)
    inverse[order] = np.arange(len(order))
    return pc.take(text, pa.array(inverse))


def _write(path: Path, text: pa.Array, sep: str, compress: bool, truncate: bool) -> int:
    """Write the strings of ``text`` each followed by ``sep``; return bytes written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    joined = pc.binary_join_element_wise(text, sep, "")
    arr = joined.cast(pa.large_string()) if len(joined) else joined
    data = b""
    if len(arr):
        offsets = np.frombuffer(arr.buffers()[1], dtype=np.int64)[
            arr.offset : arr.offset + len(arr) + 1
        ]
        buf = arr.buffers()[2]
        data = buf.to_pybytes()[offsets[0] : offsets[-1]] if buf is not None else b""
        if truncate:
            last = int(offsets[-2] - offsets[0])
            cut = last + int((offsets[-1] - offsets[-2]) * 0.6)
            data = data[:cut]
    if compress:
        with gzip.GzipFile(path, "wb", mtime=0) as fh:  # mtime 0: byte-identical reruns
            fh.write(data)
    else:
        path.write_bytes(data)
    return len(data)


def make_notebook_logs(
    course_dir: str | os.PathLike,
    *,
    seed: int = 1,
    layout: str = "file",
    share: float = 0.5,
    compress: bool = False,
    oddities: bool = True,
    out: str = "notebook-logs",
    user_map: str = "notebook-users.csv",
) -> dict:
    """Write jupyterlab-pioneer logs for the synthetic course in ``course_dir``.

    Parameters
    ----------
    course_dir : a folder written by :func:`flbook.synth.make_course` (``course.yml`` and
        the CSVs it names). Nothing in it is changed; the logs go to ``course_dir/out``
        and the user map to ``course_dir/user_map``.
    seed : seed of ``numpy.random.default_rng``; the same course and arguments give
        byte-identical files.
    layout : ``"file"``: the file exporter's comma-separated indented objects, one file
        ``log``; ``"jsonl"``: the remote exporter's bodies one per line, one file per
        day (``YYYY-MM-DD.jsonl``).
    share : the share of learners visiting a notebook's step who use the notebook
        (exercise notebooks a little more).
    compress : gzip the files (``.gz`` added to their names).
    oddities : log about one event in 300 twice (right after the first copy), leave one
        in 2,000 without a session id, add three events of a kind pioneer does not
        define, and cut the last record of the (last) file short.
    out, user_map : where the logs and the user map go, relative to ``course_dir``.

    Returns
    -------
    dict
        ``files`` ({path relative to course_dir: records written}), ``events`` (distinct
        complete events written), ``duplicates``, ``truncated``, ``unknown``,
        ``sessions``, ``users``, ``notebooks`` ({path: step}), and ``settings``: the
        ``notebook_logs``, ``notebooks`` and ``notebook_user_map`` lines to add to the
        course's ``course.yml`` (paths relative to it).

    Examples
    --------
    >>> import tempfile
    >>> from flbook.synth import make_course
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     _ = make_course(folder, learners=300, weeks=1, seed=3)
    ...     info = make_notebook_logs(folder)
    >>> sorted(info["settings"])
    ['notebook_logs', 'notebook_user_map', 'notebooks']
    """
    if layout not in ("file", "jsonl"):
        raise ValueError(f"layout must be 'file' or 'jsonl', not {layout!r}")
    if not 0 < share <= 1:
        raise ValueError(f"share must be in (0, 1], not {share!r}")
    course_dir = Path(course_dir)
    course = _read_course(course_dir)
    seqs = np.random.default_rng(seed).bit_generator.seed_seq.spawn(4)
    r_sim, r_ev, r_text, r_odd = (np.random.default_rng(s) for s in seqs)
    sim = _simulate(r_sim, course, share)
    ev = _events(r_ev, sim, oddities)

    # user names: hub accounts; the map links them to the export's ids
    n_people = len(sim["ids"])
    names = pc.binary_join_element_wise(
        "u", _hex(np.random.default_rng([seed, 7]), n_people, 7), ""
    )
    names = pc.if_else(
        pa.array(sim["is_learner"]), names, pc.binary_join_element_wise("staff-", names, "")
    )
    used = np.unique(sim["ses_person"][sim["ses_alive"]])
    arrival, dups = _arrival(r_odd, ev, oddities)
    text = _texts(
        r_text, sim, ev, names, 4 if layout == "file" else None, layout == "jsonl", course["stub"]
    )
    if oddities and len(ev.get("no_session", [])):
        # a few events whose notebookState lost its session id
        ns = np.zeros(len(text), dtype=bool)
        ns[ev["no_session"]] = True
        cut = pc.replace_substring_regex(
            text, r'"sessionID": "[0-9a-f-]+"', '"sessionID": null', max_replacements=1
        )
        text = pc.if_else(pa.array(ns), cut, text)
    text = pc.take(text, pa.array(arrival))
    files = _write_logs(
        course_dir, out, text, ev["t"][arrival], layout=layout, compress=compress, cut=oddities
    )
    _write_user_map(course_dir / user_map, pc.take(names, pa.array(used)), sim["ids"][used])

    notebooks = {p: step for p, step, _ in sim["nbs"]}
    return {
        "files": files,
        "events": int(len(ev["t"]) - (1 if oddities and len(ev["t"]) else 0)),
        "duplicates": int(len(dups)),
        "truncated": 1 if oddities and len(ev["t"]) else 0,
        "unknown": int((ev["kind"] == _UNKNOWN).sum()),
        "sessions": int(sim["ses_alive"].sum()),
        "users": int(len(used)),
        "notebooks": notebooks,
        "settings": {
            "notebook_logs": out,
            "notebooks": notebooks,
            "notebook_user_map": user_map,
        },
    }


def _arrival(rng: np.random.Generator, ev: dict, oddities: bool) -> tuple[np.ndarray, np.ndarray]:
    """The order events reach the log (positions in ``ev``, a few twice), and the duplicates.

    Each event arrives after a short delay, a few much later. With ``oddities`` about
    one event in 300 is logged again right after itself, and ``ev["no_session"]`` is
    set to the events that lose their session id.
    """
    delay = rng.exponential(300, len(ev["t"])) + np.where(
        rng.random(len(ev["t"])) < 0.01, rng.uniform(2_000, 20_000, len(ev["t"])), 0
    )
    arrival = np.argsort(ev["t"] + delay.astype(np.int64), kind="stable")
    dups = np.empty(0, dtype=np.int64)
    if oddities and len(arrival):
        dups = np.sort(rng.choice(len(arrival), size=max(1, len(arrival) // 300), replace=False))
        arrival = np.insert(arrival, dups + 1, arrival[dups])  # logged again right after
        no_session = rng.choice(len(ev["t"]), size=max(1, len(ev["t"]) // 2000), replace=False)
        ev["no_session"] = no_session
    return arrival, dups


def _write_logs(
    course_dir: Path,
    out: str,
    text: pa.Array,
    times: np.ndarray,
    *,
    layout: str,
    compress: bool,
    cut: bool,
) -> dict[str, int]:
    """Write the records (in arrival order) in ``layout``; {path: records written}.

    ``"file"``: one file ``log``; ``"jsonl"``: a file per day a record arrived. With
    ``cut``, the last record (of the last file) is cut short.
    """
    folder = course_dir / out
    folder.mkdir(parents=True, exist_ok=True)
    suffix = ".gz" if compress else ""
    files: dict[str, int] = {}
    if layout == "file":
        name = f"log{suffix}"
        _write(folder / name, text, ",", compress, cut)
        files[f"{out}/{name}"] = len(text)
        return files
    day = (times // _DAY).astype(np.int64)
    # a record lands in the file of the day it arrived (its own day, give or take)
    change = np.flatnonzero(np.diff(np.maximum.accumulate(day))) + 1
    bounds = np.concatenate([[0], change, [len(day)]])
    for i in range(len(bounds) - 1):  # one file per day of the course
        a, b = int(bounds[i]), int(bounds[i + 1])
        d = dt.date(1970, 1, 1) + dt.timedelta(days=int(np.max(day[a:b])))
        name = f"{d.isoformat()}.jsonl{suffix}"
        last = i == len(bounds) - 2
        _write(folder / name, text[a:b], "\n", compress, cut and last)
        files[f"{out}/{name}"] = b - a
    return files


def _write_user_map(path: Path, users: pa.Array, ids: np.ndarray) -> None:
    """The user map: every person who used a notebook (user name, learner id)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = ["user,learner_id"]
    lines += [f"{u},{i}" for u, i in zip(users.to_pylist(), ids.tolist(), strict=True)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8", newline="\n")
