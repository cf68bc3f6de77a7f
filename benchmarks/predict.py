"""Predictions benchmark: features, labels, training and the ``flbook predict`` command at scale.

Writes (once) two runs of one synthetic course with :func:`flbook.synth.make_runs`
(an earlier run and the current one, the same steps, ``--learners`` each), then times,
after both are in the store: weekly features and labels of the current run, the
learning table of both runs, :func:`flbook.predict.predict_risk` for each paradigm and
model, and the whole ``flbook predict`` command in a fresh process (loading from the
store included). ``--replay`` also times the full week-by-week evaluation (every
paradigm and model, 5-fold post-hoc cross-validation: slow on a large course).

Usage::

    python benchmarks/predict.py --learners 200000
    python benchmarks/predict.py --learners 2000 --runs 3 --replay   # the bundled size

To check that a change to the models keeps their scores, save the evaluation of the
old code and compare the new code's with it (each AUC and top-10% precision)::

    PYTHONPATH=/tmp/flbook-old python benchmarks/predict.py --replay --save-evaluation old.csv
    python benchmarks/predict.py --replay --compare old.csv
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def timed(label: str, fn):
    t0 = time.perf_counter()
    out = fn()
    print(f"  {label:<44} {time.perf_counter() - t0:7.2f} s")
    return out


def compare(new, old) -> None:
    """Print the largest differences in AUC and top-10% precision (as shares)."""
    key = ["week", "paradigm", "model"]
    both = new.astype({"paradigm": str, "model": str}).merge(old, on=key, suffixes=("", "_old"))
    print(f"compared with the saved evaluation: {len(both)} of {len(new)} rows matched")
    for col, scale in (("auc", 1), ("pct_precision", 100)):
        old_col = f"{col}_old" if f"{col}_old" in both else "precision_pct"  # older code's name
        diff = (both[col] - both[old_col]).abs() / scale
        worst = both.loc[diff.idxmax(), key].tolist() if len(diff) else []
        print(f"  {col:<14} largest difference {diff.max():.4f} (as a share), at {worst}")
    print()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--learners", type=int, default=200_000)
    p.add_argument("--runs", type=int, default=2)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--dir", default=None, help="folder for the runs (default /tmp/flbook-runs-N)")
    p.add_argument("--replay", action="store_true", help="also time the full evaluation")
    p.add_argument("--save-evaluation", default=None, help="write the evaluation to this CSV")
    p.add_argument(
        "--compare", default=None, help="an evaluation CSV of other code: print the differences"
    )
    args = p.parse_args()

    import pandas as pd

    import flbook.predict as fp
    from flbook import load_course
    from flbook.synth import make_runs

    folder = Path(args.dir or f"/tmp/flbook-runs-{args.learners}-{args.runs}")
    current = folder / f"learn-to-code-{args.runs}" / "course.yml"
    if not current.exists():
        t0 = time.perf_counter()
        make_runs(folder, runs=args.runs, learners=args.learners, weeks=3, seed=args.seed)
        print(
            f"wrote {args.runs} runs of {args.learners:,} learners in {time.perf_counter() - t0:.0f} s"
        )
    for i in range(1, args.runs + 1):  # fill the store
        load_course(folder / f"learn-to-code-{i}" / "course.yml")

    t0 = time.perf_counter()
    course = load_course(current)
    previous = fp.load_previous_runs(course)
    print(f"course: {current}  ({len(course.step_activity):,} step-activity rows)")
    print(f"current run and {len(previous)} earlier run(s) opened from the store in "
          f"{time.perf_counter() - t0:.2f} s\n")  # fmt: skip
    gap = course.config.session_gap_minutes
    week2 = pd.Timestamp(course.config.start, tz="UTC") + pd.Timedelta(weeks=2)

    print("features and labels")
    f = timed("weekly_features (current run, all weeks)", lambda: fp.weekly_features(course))
    timed("disengagement_labels (current run)", lambda: fp.disengagement_labels(course))
    t = timed(
        "learning_table (current + earlier runs)",
        lambda: fp.learning_table(course, previous, session_gap_minutes=gap),
    )
    print(f"    {len(f):,} learner-weeks in the current run, {len(t):,} in all runs\n")

    print("predict_risk at the end of week 2 (train, score, explain)")
    for paradigm in ("transfer", "in-situ"):
        for model in ("logistic", "boosting"):
            timed(
                f"{paradigm} / {model}",
                lambda paradigm=paradigm, model=model: fp.predict_risk(
                    course, previous, paradigm=paradigm, model=model, as_of=week2
                ),
            )
    print()

    print("flbook predict (a fresh process, store already built)")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "risk.csv"
        t0 = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "flbook.cli", "predict", str(current), "--as-of",
             str(week2.date()), "--out", str(out)],
            check=True, capture_output=True,
        )  # fmt: skip
        print(f"  {'transfer / logistic, whole command':<44} {time.perf_counter() - t0:7.2f} s\n")

    if args.replay:
        print("replay and evaluate (all paradigms and models)")
        preds = timed("replay", lambda: fp.replay(course, previous, session_gap_minutes=gap))
        ev = timed("evaluate", lambda: fp.evaluate(preds))
        print()
        with pd.option_context("display.width", 200, "display.max_columns", 20):
            print(ev.round(3).to_string(index=False))
            print()
            print(fp.paradigm_summary(ev).round(3).to_string(index=False))
        print()
        if args.save_evaluation:
            ev.to_csv(args.save_evaluation, index=False)
        if args.compare:
            compare(ev, pd.read_csv(args.compare))

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory of this process: {peak:,.0f} MB")


if __name__ == "__main__":
    main()
