"""The earlier runs a prediction learns from: checked before use, and compared with this run.

An earlier run must really be earlier: a ``previous_runs`` entry that is the current
run (the same settings file, the same data folder, or a copy of its files) would train
the model on the run's own future, so it is refused. Earlier runs whose step list or
number of weeks differ are used, with a notice that says how they differ and how they
are aligned.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import FlbookError

if TYPE_CHECKING:
    from flbook.store import Course

__all__ = ["check_previous_runs", "run_differences", "differences_callout"]

_ALIGNMENT = (
    "runs are aligned by study week, each from its own start date: the features are "
    "counts and shares of each run's own steps (not step by step), so week N of an "
    "earlier run is compared with week N of this one"
)


def _where(cfg) -> str:
    return f"the previous_runs setting in {cfg.source}" if cfg.source else "previous_runs"


def _digests(cfg) -> dict[str, str]:
    """Content digest of each export file of a run that exists (dataset → digest)."""
    from ..exports._schema import DATASETS
    from ..store import file_digest

    out = {}
    for name in DATASETS:
        p = cfg.data_file(name)
        if p.is_file():
            out[name] = file_digest(p)
    return out


def check_previous_runs(cfg) -> list:
    """Load and check the settings of every earlier run named in ``cfg.previous_runs``.

    Parameters
    ----------
    cfg : the current run's :class:`~flbook.config.CourseConfig`.

    Returns
    -------
    list of CourseConfig
        The earlier runs' settings, in the order of the setting.

    Raises
    ------
    FlbookError
        when an entry does not exist or cannot be read (naming the ``previous_runs``
        setting and the file), or when an entry is the current run itself: the same
        settings file, the same data files, or a copy of them (the same content).
    """
    from ..config import load_config

    paths = list(getattr(cfg, "previous_runs", ()) or ())
    if not paths:
        return []
    where = _where(cfg)
    own_source = Path(cfg.source).resolve() if cfg.source else None
    own_files = {cfg.data_file(n).resolve() for n in ("enrolments", "step-activity")}
    own_digests = None
    out = []
    for p in paths:
        path = Path(p)
        if not path.exists():
            raise FlbookError(f"{where}: earlier run {path} not found")
        try:
            prev = load_config(path)
        except FlbookError as e:
            raise FlbookError(f"{where}: earlier run {path}: {e}") from None
        if own_source is not None and path.resolve() == own_source:
            raise FlbookError(
                f"{where}: {path} is this run's own settings file; an earlier run must be "
                "another run (training on this run would use its own future)"
            )
        if prev.data_file("enrolments").resolve() in own_files:
            raise FlbookError(
                f"{where}: {path} reads this run's own data ({prev.data_file('enrolments')}); "
                "an earlier run must be another run (training on this run would use its "
                "own future)"
            )
        if own_digests is None:
            own_digests = _digests(cfg)
        theirs = _digests(prev)
        if theirs and theirs == own_digests:
            raise FlbookError(
                f"{where}: {path} holds a copy of this run's data (every file has the same "
                "content); an earlier run must be another run (training on this run "
                "would use its own future)"
            )
        out.append(prev)
    return out


def run_differences(course: Course, previous: Sequence) -> list[str]:
    """Notices about earlier runs whose step list or number of weeks differ from this run's.

    Returns
    -------
    list of str
        One sentence per differing run (none when every run matches), each saying how
        it differs and how the runs are aligned.
    """
    notes = []
    ref_steps = list(course.steps["step"].astype(str))
    ref_weeks = course.config.weeks if course.config is not None else None
    for i, prev in enumerate(previous, start=1):
        cfg = prev.config
        name = cfg.stub if cfg is not None else f"earlier run {i}"
        diffs = []
        weeks = cfg.weeks if cfg is not None else None
        if ref_weeks is not None and weeks is not None and weeks != ref_weeks:
            diffs.append(f"{weeks} study weeks instead of {ref_weeks}")
        steps = list(prev.steps["step"].astype(str))
        if steps != ref_steps:
            only_there = len(set(steps) - set(ref_steps))
            only_here = len(set(ref_steps) - set(steps))
            part = f"{len(steps)} steps instead of {len(ref_steps)}"
            if only_there or only_here:
                part += f" ({only_there} not in this run, {only_here} of this run's missing)"
            else:
                part += " (the same steps in another order)"
            diffs.append(part)
        if diffs:
            extra = ""
            if ref_weeks is not None and weeks is not None and weeks > ref_weeks:
                extra = f"; its weeks after week {ref_weeks} train the model too"
            notes.append(
                f"earlier run {name} differs from this run: {', '.join(diffs)}; it is used, "
                f"and {_ALIGNMENT}{extra}."
            )
    return notes


def differences_callout(course: Course, previous: Sequence):
    """A warning callout (for a chapter) listing :func:`run_differences`; ``None`` if
    every earlier run matches this one (nothing is shown)."""
    notes = run_differences(course, previous)
    if not notes:
        return None
    from .._setup import callout

    text = "\n\n".join(n[0].upper() + n[1:] for n in notes)
    return callout("warning", text, title="Earlier runs that differ from this one")
