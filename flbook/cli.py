"""The ``flbook`` command: ``render``, ``check``, ``synth``, ``predict``, ``portfolio``.

Errors about the user's input print as one line (no traceback) and exit 1; usage
errors exit 2.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import FlbookError

if TYPE_CHECKING:
    from flbook.store import Course

__all__ = ["main"]


def _err(msg: str) -> None:
    print(f"flbook: error: {msg}", file=sys.stderr)


def _progress(msg: str) -> None:
    print(f"  {msg}", file=sys.stderr, flush=True)


def health_summary(course: Course) -> str:
    """The data-health summary of a loaded course, as plain text."""
    cfg = course.config
    rep = course.report
    lines = []
    if cfg is not None:
        lines.append(f"{cfg.title}  ({cfg.stub})")
        lines.append(f"  settings: {cfg.source or 'given in code'}")
        lines.append(f"  data:     {cfg.data}")
        reg = f"registration opened {cfg.registration_open}, " if cfg.registration_open else ""
        lines.append(f"  dates:    {reg}{cfg.study_period}")
    export_date = rep.export_date
    lines.append(
        f"  export:   dated {export_date} UTC (the latest timestamp in any file)"
        if export_date
        else "  export:   undated (no timestamp in any file)"
    )
    team = f"{rep.team_in_enrolments:,} course-team member(s) found among the enrolments"
    if rep.team_as_learners:
        team += (
            f"; {rep.team_as_learners:,} enrolled as learner(s), counted as course team, "
            "not as learners"
        )
    lines.append(f"  team:     {team}")
    missing = rep.missing()
    if missing:
        lines.append(f"  missing:  {', '.join(missing)} (no data: chapters that need them say so)")
    lines.append(
        f"  loaded:   {len(course.people):,} people, {len(course.steps)} steps, "
        f"in {rep.seconds:.2f} s {'from the store' if rep.from_store else 'from the CSV files'}"
    )
    if rep.reused:
        lines.append(
            f"  reused:   {len(rep.reused)} file(s) unchanged since an earlier export, taken "
            f"from its store instead of parsed again: {', '.join(rep.reused)}"
        )
    lines.append("")
    frame = rep.to_frame()
    frame = frame.rename(
        columns={
            "rows_read": "read",
            "rows_kept": "kept",
            "rows_excluded": "excluded",
            "values_repaired": "repaired",
        }
    )
    for c in ("read", "kept", "excluded", "repaired"):
        frame[c] = frame[c].map("{:,}".format)
    lines.append(frame.to_string(index=False))
    nb = getattr(course, "notebook_report", None)
    if nb is not None and cfg and cfg.notebook_logs:
        lines.append("")
        lines += notebook_summary(nb, cfg)
    ex = rep.exclusions()
    if len(ex):
        lines.append("")
        lines.append("Rows excluded or values repaired, and why:")
        for r in ex.itertuples():
            lines.append(f"  {r.dataset}: {r.action} {r.rows:,} ({r.reason})")
    warnings = rep.all_warnings()
    if warnings:
        lines.append("")
        lines.append("Warnings:")
        lines += [f"  - {w}" for w in warnings]
    if not len(ex) and not warnings:
        lines.append("")
        lines.append("No rows excluded, no values repaired, no warnings.")
    return "\n".join(lines)


def notebook_summary(nb, cfg) -> list[str]:
    """What ``flbook check`` says about the notebook logs: what was read, and what was not used."""
    src = cfg.notebook_logs
    if nb.rows_kept == 0:
        head = (
            f"Notebook logs ({src}): no events "
            f"({nb.files:,} file(s) read, {nb.rows_read:,} records)"
        )
    else:
        head = (
            f"Notebook logs ({nb.version}): {nb.rows_read:,} records read, {nb.rows_kept:,} "
            f"events kept, {nb.users:,} users ({nb.linked_users:,} linked to a learner), "
            f"{nb.sessions:,} sessions, {nb.first} to {nb.last}"
        )
    out = [head]
    for reason, n in {**nb.excluded, **nb.repaired}.items():
        out.append(f"  notebook logs: {n:,} ({reason})")
    if nb.out_of_order:
        out.append(f"  notebook logs: {nb.out_of_order:,} (events out of time order, sorted)")
    out += [f"  notebook logs: {w}" for w in nb.warnings]
    return out


def _cmd_check(args: argparse.Namespace) -> int:
    from .config import load_config
    from .store import load_course

    cfg = load_config(args.course)
    progress = _progress if sys.stderr.isatty() else None
    course = load_course(cfg, cache=False if args.no_cache else None, progress=progress)
    print(health_summary(course))
    if cfg.previous_runs:
        from .predict import load_previous_runs, run_differences

        previous = load_previous_runs(course)
        print("")
        print(f"Earlier runs (previous_runs): {len(previous)}, for predictions")
        for prev in previous:
            print(f"  {prev.config.stub}: {prev.config.study_period}")
        for note in run_differences(course, previous):
            print(f"  Notice: {note}")
    return 0


def _cmd_synth(args: argparse.Namespace) -> int:
    from .synth import make_awkward_course, make_course

    t0 = time.perf_counter()
    out = Path(args.out)
    if args.awkward:
        counts = make_awkward_course(out)
    elif args.runs > 1:
        from .synth import make_runs

        stub_base = args.stub.rsplit("-", 1)[0] if args.stub[-1].isdigit() else args.stub
        info = make_runs(
            out,
            runs=args.runs,
            learners=args.learners,
            weeks=args.weeks,
            seed=args.seed,
            stub_base=stub_base,
            start=args.start,
            nest_previous=True,
        )
        counts = list(info["rows"].values())[-1]  # the current run's rows
        print(f"  earlier runs: {', '.join(str(Path(r).parent) for r in info['runs'][:-1])}")
    else:
        from .progress import stage_bar

        with stage_bar(f"synth {args.learners:,} learners") as progress:
            counts = make_course(
                out,
                learners=args.learners,
                weeks=args.weeks,
                seed=args.seed,
                stub=args.stub,
                start=args.start,
                versions=args.versions,
                progress=progress,
            )
    if args.notebook_logs:
        from .synth import append_settings, make_notebook_logs

        info = make_notebook_logs(out, seed=args.seed, layout="file", compress=True, share=0.3)
        append_settings(out / "course.yml", info["settings"])
        print(
            f"  notebook logs: {info['events']:,} events in {out / info['settings']['notebook_logs']}"
        )
    for name, n in counts.items():
        print(f"  {name:<36} {n:>12,} rows")
    print(
        f"wrote {out / 'course.yml'} and {len(counts)} export files in {time.perf_counter() - t0:.1f} s"
    )
    return 0


def _cmd_render(args: argparse.Namespace) -> int:
    from .render.cli import run_render

    return run_render(args)


def _cmd_portfolio(args: argparse.Namespace) -> int:
    from .portfolio.cli import run_portfolio

    return run_portfolio(args)


def _cmd_predict(args: argparse.Namespace) -> int:
    from .predict.cli import run_predict

    return run_predict(args)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``flbook`` command."""
    p = argparse.ArgumentParser(
        prog="flbook",
        description="Turn a FutureLearn course run's data export into a Course Analytics book.",
    )
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    r = sub.add_parser("render", help="execute the chapters and render the book (HTML, PDF)")
    r.add_argument("course", nargs="?", help="course.yml (default: the bundled synthetic course)")
    r.add_argument("--out", default=None, help="output folder (default: ./out/STUB)")
    r.add_argument(
        "--to",
        default="html,pdf",
        help="formats: html (website), html-single (one file), pdf, epub (default html,pdf)",
    )
    r.add_argument("--engine", choices=["auto", "quarto", "pandoc"], default="auto")
    r.add_argument("--chapters", default=None, help="comma-separated chapter names or numbers")
    r.add_argument(
        "--jobs",
        type=int,
        default=None,
        help="chapters executed in parallel (default: one per core, within a memory guard)",
    )
    r.add_argument(
        "--no-cache",
        action="store_true",
        help="execute every chapter and write every format (neither read nor write the "
        "chapter cache; outputs whose inputs did not change are otherwise kept)",
    )
    r.add_argument(
        "--max-memory",
        default=None,
        metavar="SIZE",
        help="memory the render's processes may use together, e.g. 4G or 1500M: a chapter "
        "starts beside others only if, with what it is expected to need, they stay under it "
        "(default: half the machine's); a chapter larger than this still runs, alone",
    )
    r.add_argument(
        "--fresh-kernels",
        action="store_true",
        help="start a fresh Jupyter kernel for every chapter (default: each worker keeps "
        "its kernel and resets it between chapters)",
    )
    r.add_argument(
        "--project",
        default=None,
        help="book project folder with _quarto.yml (default: flbook's own)",
    )
    r.set_defaults(func=_cmd_render)

    c = sub.add_parser("check", help="validate settings and data; print the data-health summary")
    c.add_argument("course", nargs="?", help="course.yml (default: the bundled synthetic course)")
    c.add_argument("--no-cache", action="store_true", help="read the CSVs without using the store")
    c.set_defaults(func=_cmd_check)

    s = sub.add_parser("synth", help="write a synthetic course export and its course.yml")
    s.add_argument("--out", required=True, help="folder to write")
    s.add_argument("--learners", type=int, default=2000)
    s.add_argument("--weeks", type=int, default=3)
    s.add_argument("--seed", type=int, default=1)
    s.add_argument("--stub", default="learn-to-code-1")
    s.add_argument("--start", default="2024-02-05")
    s.add_argument("--versions", choices=["newest", "oldest"], default="newest")
    s.add_argument(
        "--runs",
        type=int,
        default=1,
        help="write this many runs of the course: the last in --out, earlier ones in "
        "--out/previous-runs/ (for predictions)",
    )
    s.add_argument(
        "--notebook-logs",
        action="store_true",
        help="also write synthetic Jupyter notebook event logs (jupyterlab-pioneer format)",
    )
    s.add_argument("--awkward", action="store_true", help="write the small awkward test course")
    s.set_defaults(func=_cmd_synth)

    pr = sub.add_parser(
        "predict",
        help="risk scores: who may disengage next week (learner ids go to --out only)",
    )
    pr.add_argument("course", help="course.yml of the current run")
    pr.add_argument(
        "--as-of",
        dest="as_of",
        default=None,
        help="moment of prediction, 'YYYY-MM-DD' or 'YYYY-MM-DD HH:MM' UTC "
        "(default: the course's as_of setting, else the end of the data)",
    )
    pr.add_argument(
        "--paradigm",
        choices=["transfer", "in-situ"],
        default=None,
        help="train on earlier runs (transfer: the default when previous_runs are listed) "
        "or on this run's finished weeks (in-situ: the default otherwise)",
    )
    pr.add_argument("--model", choices=["logistic", "boosting"], default="logistic")
    pr.add_argument("--top", type=float, default=0.1, help="share of learners flagged (0.1)")
    pr.add_argument("--out", required=True, help="CSV to write (learner ids: personal data)")
    pr.set_defaults(func=_cmd_predict)

    po = sub.add_parser(
        "portfolio",
        help="build every run's book in a catalogue of courses, then the portfolio book",
    )
    po.add_argument("catalogue", help="catalogue YAML: courses and their runs' course.yml files")
    po.add_argument("--out", required=True, help="output folder or fsspec URL the workers share")
    po.add_argument("--workers", type=int, default=None, help="local cluster processes (cores)")
    po.add_argument("--scheduler", default=None, help="a running Dask scheduler, tcp://HOST:PORT")
    po.add_argument("--serial", action="store_true", help="build the runs one by one, no Dask")
    po.add_argument("--to", default="html", help="formats of each run's book (default html)")
    po.add_argument("--engine", choices=["auto", "quarto", "pandoc"], default="auto")
    po.add_argument("--chapters", default=None, help="comma-separated chapters of each book")
    po.add_argument("--project", default=None, help="book project folder (default: flbook's)")
    po.add_argument("--force", action="store_true", help="rebuild runs that are up to date")
    po.set_defaults(func=_cmd_portfolio)
    return p


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``flbook`` command; returns the exit code."""
    from flbook.render._imports import set_process_defaults, skip_slow_format_checkers

    # flbook's own process, before numpy is imported: see flbook.render._imports
    set_process_defaults()
    skip_slow_format_checkers()
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:  # argparse exits 2 on usage errors, 0 on --help
        return int(e.code or 0)
    if not getattr(args, "command", None):
        parser.print_help()
        return 2
    try:
        return args.func(args)
    except FlbookError as e:
        _err(str(e))
        return 1
    except KeyboardInterrupt:
        _err("interrupted")
        return 130


if __name__ == "__main__":
    sys.exit(main())
