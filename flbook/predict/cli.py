"""``flbook predict``: risk scores for the course team's own use, written to one file.

The file holds learner ids (personal data): it is written only where the user says,
readable by its owner only, and nothing about single learners is printed.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import pandas as pd

from ..config import parse_moment
from ..errors import FlbookError

__all__ = ["run_predict", "WARNING"]

WARNING = (
    "WARNING: {path} holds personal data (learner ids with risk scores). Keep it "
    "private, share it only with the people who will support these learners, and "
    "delete it when done. A score is a guess about a person: use it to offer help, "
    "never to take automated action."
)


def _as_of(text: str | None) -> pd.Timestamp | None:
    if text is None:
        return None
    try:
        return parse_moment(text)
    except ValueError as e:
        raise FlbookError(f"--as-of: {e}") from None


def _write_private(frame: pd.DataFrame, path: Path) -> None:
    """Write the CSV readable and writable by its owner only."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
        frame.to_csv(f, index=False, lineterminator="\n")
    os.chmod(path, 0o600)


def run_predict(args: argparse.Namespace) -> int:
    """Run ``flbook predict``; returns the exit code (errors raise :class:`FlbookError`)."""
    from ..config import load_config
    from ..progress import stage_bar
    from ..store import load_course
    from . import load_previous_runs, predict_risk, run_differences

    t0 = time.perf_counter()
    out = Path(args.out)
    if out.exists() and out.is_dir():
        raise FlbookError(f"--out {out}: is a folder; give the name of a CSV file to write")
    if not out.parent.exists():
        raise FlbookError(f"--out {out}: the folder {out.parent} does not exist")
    if not 0 < args.top <= 1:
        raise FlbookError(f"--top: expected a share between 0 and 1, got {args.top}")
    as_of = _as_of(args.as_of)
    cfg = load_config(args.course)
    with stage_bar("predict", total=3) as progress:
        course = load_course(cfg)
        progress("loaded the export")
        previous = load_previous_runs(course)
        progress(f"loaded {len(previous)} earlier run{'s' if len(previous) != 1 else ''}")
        paradigm = args.paradigm or ("transfer" if previous else "in-situ")
        if paradigm == "transfer":
            for note in run_differences(course, previous):
                print(f"Notice: {note}")
        pred = predict_risk(
            course,
            previous,
            paradigm=paradigm,
            model=args.model,
            as_of=as_of,
            top=args.top,
            session_gap_minutes=cfg.session_gap_minutes,
        )
        progress("trained and scored")
    table = pred.table.copy()
    table["learner_id"] = table["learner_id"].astype(str)
    _write_private(table, out)
    n_flag = int(table["flagged"].sum())
    print(pred.describe())
    print(
        f"wrote {len(table):,} rows ({n_flag:,} flagged) to {out} "
        f"in {time.perf_counter() - t0:.1f} s"
    )
    print(WARNING.format(path=out), file=sys.stderr)
    return 0
