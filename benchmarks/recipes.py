"""Recipes benchmark: every analysis on a large synthetic course, and the original loops.

Times each ``flbook.analysis`` recipe (median of ``--repeat`` runs, in one process,
after the course is loaded from the store), then the original notebook's per-learner
loop formulations of study sessions and last-step-per-learner from
``benchmarks/reference_loops.py`` on a random sample of learners, extrapolated
linearly to all learners (labelled as such; the real loop is slower than linear,
because each learner's selection scans the whole table). Prints the ratios.
Target (issue 4): each vectorised recipe at least 50 x faster than its loop.

Usage::

    python benchmarks/recipes.py --learners 200000 --sample 2000
    python benchmarks/recipes.py --only 'item|rasch|step_|time_on|comment|words' --no-loops
"""

from __future__ import annotations

import argparse
import importlib.util
import re
import statistics
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent


def _reference():
    spec = importlib.util.spec_from_file_location("reference_loops", HERE / "reference_loops.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def timed(fn, repeat: int) -> float:
    """Median seconds of ``repeat`` calls of ``fn``."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--learners", type=int, default=200_000)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--sample", type=int, default=2000, help="learners timed with the loops")
    p.add_argument("--only", default="", help="time only the recipes whose name matches this regex")
    p.add_argument("--no-loops", action="store_true", help="skip the original loops")
    args = p.parse_args()

    sys.path.insert(0, str(HERE))
    from load import course_dir

    import flbook.analysis as fa
    import flbook.findings as ff
    from flbook import load_course

    folder = course_dir(args.learners, args.seed)
    load_course(folder / "course.yml")  # make sure the store exists
    t0 = time.perf_counter()
    course = load_course(folder / "course.yml").load_all()
    print(f"course: {folder}  ({len(course.step_activity):,} step-activity rows)")
    print(f"loaded from the store in {time.perf_counter() - t0:.2f} s\n")
    cfg = course.config
    gap = cfg.session_gap_minutes

    recipes = {
        "learner_flags": lambda: fa.learner_flags(course),
        "population_summary": lambda: fa.population_summary(course),
        "headline_summary": lambda: ff.headline_summary(course),
        "demographics(country)": lambda: fa.demographics(course, "country"),
        "enrolment_timeline": lambda: fa.enrolment_timeline(course),
        "daily_enrolments": lambda: fa.daily_enrolments(course),
        "time_to_unenrol": lambda: fa.time_to_unenrol(course),
        "time_to_full_participation": lambda: fa.time_to_full_participation(course),
        "in_window(week 2)": lambda: fa.in_window(
            course.step_activity, "first_visited_at", start="week 2", end="week 3", config=cfg
        ),
        "step_activity_counts": lambda: fa.step_activity_counts(course),
        "step_funnel": lambda: fa.step_funnel(course),
        "furthest_step": lambda: fa.furthest_step(course),
        "last_steps(visited)": lambda: fa.last_steps(course, kind="visited"),
        "first_comment_steps": lambda: fa.first_comment_steps(course),
        "comments_over_time(week)": lambda: fa.comments_over_time(course, by="week"),
        "comments_per_step": lambda: fa.comments_per_step(course),
        "likes_summary": lambda: fa.likes_summary(course),
        "sessionise": lambda: fa.sessionise(course, session_gap_minutes=gap),
        "learner_sessions": lambda: fa.learner_sessions(course, session_gap_minutes=gap),
        "learner_last_steps": lambda: fa.learner_last_steps(course),
        "compare_groups": lambda: fa.compare_groups(course, session_gap_minutes=gap),
        "event_log": lambda: fa.event_log(course),
        "activity_by_hour": lambda: fa.activity_by_hour(course, timezone=cfg.timezone),
        "attempts_per_question": lambda: fa.attempts_per_question(course),
        "response_matrix": lambda: fa.response_matrix(course),
        "recovered_learners": lambda: fa.recovered_learners(course),
        "archetype_progress": lambda: fa.archetype_progress(course),
        "video_retention": lambda: fa.video_retention(course),
        # learning-design views (issue 21)
        "first_answers": lambda: fa.first_answers(course, group="enrolled"),
        "item_analysis": lambda: fa.item_analysis(course, group="enrolled"),
        "distractor_analysis": lambda: fa.distractor_analysis(course, group="enrolled"),
        "rasch_fit": lambda: fa.rasch_fit(course, group="enrolled"),
        "step_transitions": lambda: fa.step_transitions(course),
        "step_jumps": lambda: fa.step_jumps(fa.step_transitions(course)),
        "step_skippers": lambda: fa.step_skippers(course),
        "time_on_step": lambda: fa.time_on_step(course),
        "comment_measures(step)": lambda: fa.comment_measures(course),
        "comment_measures(week)": lambda: fa.comment_measures(course, by="week"),
        "top_words": lambda: fa.top_words(course),
        # their "In this run" findings (each recomputes the tables it reads)
        "findings(item kinds)": lambda: ff.item_findings(course),
        "findings(flow kinds)": lambda: ff.flow_findings(course),
        "findings(comment kinds)": lambda: ff.comment_findings(course),
    }
    if args.only:
        pattern = re.compile(args.only)
        recipes = {k: v for k, v in recipes.items() if pattern.search(k)}
    results = {}
    print(f"{'recipe':<30}{'median s':>10}")
    for name, fn in recipes.items():
        results[name] = timed(fn, args.repeat)
        print(f"{name:<30}{results[name]:>10.3f}")

    if args.no_loops:
        return
    ref = _reference()
    sa = course.table(
        "step_activity", ["learner_id", "step", "first_visited_at", "last_completed_at"]
    )
    learners = sa["learner_id"].dropna().unique()
    rng = np.random.default_rng(0)
    sample_ids = rng.choice(
        np.asarray(learners, dtype=object), size=min(args.sample, len(learners)), replace=False
    )
    sample = sa[sa["learner_id"].isin(sample_ids)]
    scale = len(learners) / len(sample_ids)
    print(
        f"\noriginal per-learner loops on {len(sample_ids):,} learners, extrapolated x{scale:,.1f} "
        f"to all {len(learners):,} learners with step activity (EXTRAPOLATED)"
    )
    loops = {
        "sessions": (lambda: ref.sessions_loop(sample, gap), ("learner_sessions", "sessionise")),
        "last step per learner": (
            lambda: ref.last_step_loop(sample),
            ("learner_last_steps", "last_steps(visited)"),
        ),
    }
    print(
        f"{'loop':<24}{'sample s':>10}{'all (extrap.) s':>17}  {'vectorised recipe':<22}{'ratio':>8}"
    )
    for name, (fn, against) in loops.items():
        t = timed(fn, 1)
        full = t * scale
        for recipe in (r for r in against if r in results):
            print(f"{name:<24}{t:>10.2f}{full:>17.1f}  {recipe:<22}{full / results[recipe]:>7.0f}x")
    print("\ntarget: every ratio >= 50x")


if __name__ == "__main__":
    main()
