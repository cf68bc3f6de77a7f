"""The original notebook's per-learner formulations, kept only as a speed and correctness reference.

The original recipes notebook sessionised learners one at a time: for each learner,
select their rows, sort them by time, walk the events and start a new session after
a long gap; and, for the "last step visited" report, sort each learner's visits and
take the last one. These plain loops live here, and only here, so that

* ``tests/test_sessions.py`` can check that the vectorised functions
  (:func:`flbook.analysis.learner_sessions`, :func:`flbook.analysis.learner_last_steps`) give
  the same per-learner answers on a small course, and
* this script can time both on a large synthetic course::

      python benchmarks/reference_loops.py [COURSE_YML] [--sample 2000]

  (default course: ``/tmp/flbook-200k/course.yml``, made with
  ``flbook.synth.make_course(dir, learners=200_000)`` if missing).

The session rule is the one flbook uses (a gap *longer* than ``session_gap_minutes`` starts a
new session; step events are first visits and completions); the original cut on
``>=`` and on first visits only.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd


def _events_of(rows: pd.DataFrame) -> list[tuple[pd.Timestamp, str]]:
    """One learner's step events (time, step): first visits and completions."""
    events = []
    for _, row in rows.iterrows():
        if pd.notna(row["first_visited_at"]):
            events.append((row["first_visited_at"], row["step"]))
        if pd.notna(row["last_completed_at"]):
            events.append((row["last_completed_at"], row["step"]))
    return events


def sessions_loop(step_activity_df: pd.DataFrame, session_gap_minutes: float = 65) -> pd.DataFrame:
    """Per-learner sessions, the slow way: a Python loop over learners.

    Returns
    -------
    DataFrame, one row per learner with a step event, sorted by ``learner_id`` (str):
    ``learner_id``, ``sessions``, ``events``, ``study_minutes`` (sum of the gaps within
    sessions), ``time_in_course_hours`` (first to last event).
    """
    gap = pd.Timedelta(minutes=session_gap_minutes)
    results = []
    ids = step_activity_df["learner_id"]
    for learner in ids.dropna().unique():
        rows = step_activity_df[ids == learner]
        events = sorted(_events_of(rows), key=lambda e: e[0])
        if not events:
            continue
        sessions = 1
        study = pd.Timedelta(0)
        previous = events[0][0]
        for when, _step in events[1:]:
            pause = when - previous
            if pause > gap:
                sessions += 1
            else:
                study += pause
            previous = when
        span = events[-1][0] - events[0][0]
        results.append(
            {
                "learner_id": str(learner),
                "sessions": sessions,
                "events": len(events),
                "study_minutes": study.value / 60e9,
                "time_in_course_hours": span.value / 3600e9,
            }
        )
    out = pd.DataFrame(
        results,
        columns=["learner_id", "sessions", "events", "study_minutes", "time_in_course_hours"],
    )
    out = out.astype({"sessions": "int64", "events": "int64"})
    return out.sort_values("learner_id").reset_index(drop=True)


def last_step_loop(step_activity_df: pd.DataFrame) -> pd.DataFrame:
    """Each learner's last first-visited step, the slow way: a Python loop over learners.

    The step with the latest ``first_visited_at``; on a tie, the later step in course
    order. Returns ``learner_id`` (str) and ``last_step`` (str), sorted by learner.
    """
    steps = step_activity_df["step"]
    position = (
        steps.cat.codes
        if isinstance(steps.dtype, pd.CategoricalDtype)
        else steps.map(lambda s: tuple(int(p) for p in str(s).split(".")))
    )
    visits = step_activity_df.assign(_position=position)
    visits = visits[visits["first_visited_at"].notna()]
    results = []
    ids = visits["learner_id"]
    for learner in ids.dropna().unique():
        rows = visits[ids == learner]
        rows = rows.sort_values(["first_visited_at", "_position"])
        results.append({"learner_id": str(learner), "last_step": str(rows["step"].iloc[-1])})
    out = pd.DataFrame(results, columns=["learner_id", "last_step"])
    return out.sort_values("learner_id").reset_index(drop=True)


# --------------------------------------------------------------------------- benchmark


def _timed(fn, *args, **kwargs):
    t0 = time.perf_counter()
    result = fn(*args, **kwargs)
    return result, time.perf_counter() - t0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("course", nargs="?", default="/tmp/flbook-200k/course.yml")
    parser.add_argument("--sample", type=int, default=2000, help="learners for the loops")
    parser.add_argument("--learners", type=int, default=200_000, help="size if generated")
    parser.add_argument("--cache", default=None, help="course store folder")
    args = parser.parse_args(argv)

    from flbook.analysis import learner_last_steps, learner_sessions, sessionise
    from flbook.store import load_course

    course_yml = Path(args.course)
    if not course_yml.exists():
        from flbook.synth import make_course

        print(f"generating {args.learners:,} learners into {course_yml.parent} ...")
        make_course(course_yml.parent, learners=args.learners)
    course, t_load = _timed(load_course, course_yml, cache=args.cache)
    sa, t_read = _timed(
        course.table,
        "step-activity",
        ["learner_id", "step", "first_visited_at", "last_completed_at"],
    )
    n_learners = sa["learner_id"].nunique()
    print(f"course: {n_learners:,} learners with step activity, {len(sa):,} step-activity rows")
    print(f"load_course {t_load:.1f} s; read step-activity {t_read:.2f} s")

    ses, t_ses = _timed(sessionise, course)
    print(f"sessionise(course): {t_ses:.2f} s ({len(ses):,} step events)")
    ls, t_ls = _timed(learner_sessions, course)
    print(f"learner_sessions(course): {t_ls:.2f} s ({len(ls):,} learners)")
    _, t_last = _timed(learner_last_steps, course)
    print(f"learner_last_steps(course): {t_last:.2f} s")

    rng = np.random.default_rng(0)
    ids = sa["learner_id"].dropna().unique()
    chosen = rng.choice(
        np.asarray(ids.astype(object)), size=min(args.sample, len(ids)), replace=False
    )
    sample = sa[sa["learner_id"].isin(chosen)]
    scale = n_learners / len(chosen)
    loop, t_loop = _timed(sessions_loop, sample)
    _, t_loop_last = _timed(last_step_loop, sample)
    fast = learner_sessions(sample)
    same = (
        fast.assign(learner_id=fast["learner_id"].astype(str))
        .sort_values("learner_id")
        .reset_index(drop=True)[loop.columns]
    )
    pd.testing.assert_frame_equal(same, loop)
    est = t_loop * scale
    est_last = t_loop_last * scale
    print(
        f"sessions_loop on {len(chosen):,} learners: {t_loop:.1f} s "
        f"→ {est:,.0f} s for {n_learners:,} (linear extrapolation)"
    )
    print(
        f"last_step_loop on {len(chosen):,} learners: {t_loop_last:.1f} s "
        f"→ {est_last:,.0f} s for {n_learners:,}"
    )
    print(
        f"speed-up: learner_sessions {est / t_ls:,.0f}×, sessionise {est / t_ses:,.0f}×, "
        f"learner_last_steps {est_last / t_last:,.0f}×  (target ≥ 50×); same answers on the sample"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
