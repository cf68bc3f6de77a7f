"""Whole-book benchmark: check, load, every chapter and the HTML and PDF, at several sizes.

For each size (default 20,000, 200,000 and 1,000,000 learners) it generates a synthetic
course once (``benchmarks/_data/course-N-sS``, reused by later runs), then times, each
in a fresh process:

- ``flbook check`` (settings + data-health summary, store warm);
- the first load (CSV → store, every table read into pandas) and the cached load;
- every chapter's execution (papermill, one kernel per chapter, sequential);
- rendering the HTML and the PDF (pandoc engine) from the executed chapters;

and records the peak memory of the whole run: the largest sum of resident memory over
the process tree (the render process and its kernels) sampled every 0.2 s. It also
times what a user would otherwise run: pandas ``read_csv`` + ``to_datetime`` for the
load, and the original per-learner loops for sessions and last steps on a sample of
learners, extrapolated (labelled EXTRAPOLATED). Prints one table and writes it as CSV
(``benchmarks/results/book-<date>.csv``) so runs can be compared. With ``--targets``
the cold render's chapters are also broken down by ``benchmarks/flame.py``
(``benchmarks/results/book-flame-<size>-<date>.txt``).

``--targets`` measures instead the cases of issue 19, each as a whole ``flbook render``
process (HTML and PDF, pandoc engine), for this code and for an older checkout of
flbook in the same run (``--old``, a folder made with ``git archive REV | tar -x``; run
with ``PYTHONPATH`` pointing at it), and prints each figure with its ratio to the old
one:

- the whole book, cold (no store, no chapter cache);
- a re-render with unchanged data and sources (the chapter cache is warm);
- a re-render after editing the prose of one chapter (a markdown cell), and after
  editing its code (a comment added to a code cell);
- a new day's export: a copy of the course whose comments file lost its last line.

The new code renders every case into one output folder, one after another, as a
course team re-renders its book: what is in that folder from the case before (the
formats' stamps, :mod:`flbook.render.stamps`) is what a real re-render finds.

The old code executes every chapter whatever changed, so its figure for both edits is
its own re-render with a warm store. ``bundled`` among the sizes is the bundled course
(``data_stub``). Per-chapter times of the cold runs are recorded for the breakdown in
``docs/performance.md``.

Usage::

    python benchmarks/book.py                      # 20k, 200k, 1M
    python benchmarks/book.py --sizes 20000 200000 --no-baselines
    git archive 4451e4e | tar -x -C /tmp/flbook-old
    python benchmarks/book.py --targets --sizes bundled 200000 --old /tmp/flbook-old
    # or measure a frozen copy of this code too: --new /tmp/flbook-new
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


# ----------------------------------------------------------------------------- memory

sys.path.insert(0, str(ROOT))
from flbook.render.execute import tree_rss_kb  # noqa: E402  (the suite's own process-tree walk)

LAST_CPU = 0.0  # CPU seconds (user + system) of the last run()'s reaped process tree


def run(
    cmd: list[str], *, env: dict | None = None, cwd: str | Path | None = None
) -> tuple[float, float, str, str]:
    """Run ``cmd``; return (wall seconds, peak MB of its process tree, stdout, stderr)."""
    global LAST_CPU
    t0 = time.perf_counter()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.Popen(
        cmd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env or os.environ.copy(),
        cwd=cwd,
    )
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, tree_rss_kb(proc.pid))
            done.wait(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = proc.communicate()
    done.set()
    sampler.join()
    seconds = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    LAST_CPU = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    if proc.returncode != 0:
        raise SystemExit(f"command failed ({proc.returncode}): {' '.join(cmd)}\n{err[-3000:]}")
    return seconds, peak / 1024, out, err


# ----------------------------------------------------------------------------- child steps


def child(step: str, course_yml: str, cache: str, out: str) -> None:
    """One measured step, run in its own process; prints a JSON line of timings."""
    os.environ["FLBOOK_CACHE"] = cache
    result: dict = {}
    if step == "load":
        from flbook import load_course

        t0 = time.perf_counter()
        load_course(course_yml).load_all()
        result["seconds"] = time.perf_counter() - t0
    elif step == "pandas":
        import pandas as pd

        t0 = time.perf_counter()
        for f in sorted(Path(course_yml).parent.glob("*.csv")):
            df = pd.read_csv(f)
            for c in df.columns:
                if c.endswith("_at") or c == "timestamp":
                    df[c] = pd.to_datetime(df[c], format="%Y-%m-%d %H:%M:%S UTC", utc=True)
        result["seconds"] = time.perf_counter() - t0
    elif step == "render":
        from flbook.config import load_config
        from flbook.render import execute_chapters, read_book, render_pandoc
        from flbook.render.cli import course_metadata

        cfg = load_config(course_yml)
        book = read_book(ROOT).with_metadata(course_metadata(cfg))
        build = Path(out) / "_build"
        chapters = {}

        def progress(event) -> None:
            if event.kind == "end":
                chapters[event.chapter] = (event.seconds, event.error is None)

        execute_chapters(book, cfg.to_parameters(), build, progress=progress)
        result["chapters"] = chapters
        for fmt in ("html", "pdf"):
            t0 = time.perf_counter()
            paths = render_pandoc(book, build, out, formats=(fmt,))
            result[f"{fmt}_seconds"] = time.perf_counter() - t0
            result[f"{fmt}_mb"] = paths[fmt].stat().st_size / 1e6
    elif step == "loops":
        sys.path.insert(0, str(HERE))
        import importlib.util

        import numpy as np

        import flbook.analysis as fa
        from flbook import load_course

        spec = importlib.util.spec_from_file_location("ref", HERE / "reference_loops.py")
        ref = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(ref)
        course = load_course(course_yml)
        sa = course.table(
            "step_activity", ["learner_id", "step", "first_visited_at", "last_completed_at"]
        )
        ids = np.asarray(sa["learner_id"].dropna().unique(), dtype=object)
        sample = np.random.default_rng(0).choice(ids, size=min(1000, len(ids)), replace=False)
        part = sa[sa["learner_id"].isin(sample)]
        scale = len(ids) / len(sample)
        t0 = time.perf_counter()
        ref.sessions_loop(part, course.config.session_gap_minutes)
        result["sessions_loop_extrapolated"] = (time.perf_counter() - t0) * scale
        t0 = time.perf_counter()
        ref.last_step_loop(part)
        result["last_step_loop_extrapolated"] = (time.perf_counter() - t0) * scale
        t0 = time.perf_counter()
        fa.learner_sessions(course, session_gap_minutes=course.config.session_gap_minutes)
        result["sessions_vectorised"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        fa.learner_last_steps(course)
        result["last_step_vectorised"] = time.perf_counter() - t0
    print(json.dumps(result))


def _child(step: str, course: Path, cache: Path, out: Path) -> tuple[float, float, dict]:
    secs, mb, stdout, _ = run(
        [sys.executable, __file__, "--child", step, str(course), str(cache), str(out)]
    )
    return secs, mb, json.loads(stdout.strip().splitlines()[-1])


# ----------------------------------------------------------------------------- main


def course_for(learners: int, seed: int) -> Path:
    """The generated course of this size (made once with ``flbook synth``)."""
    folder = HERE / "_data" / f"course-{learners}-s{seed}"
    if not (folder / "course.yml").exists():
        print(f"generating {learners:,} learners into {folder} ...", file=sys.stderr, flush=True)
        run(
            [
                sys.executable,
                "-m",
                "flbook.cli",
                "synth",
                "--learners",
                str(learners),
                "--seed",
                str(seed),
                "--out",
                str(folder),
            ]
        )
    return folder / "course.yml"


def measure(learners: int, seed: int, baselines: bool) -> list[dict]:
    """Every figure for one course size, as rows (size, what, seconds, peak_mb, note)."""
    course = course_for(learners, seed)
    csv_mb = sum(f.stat().st_size for f in course.parent.glob("*.csv")) / 1e6
    rows = []

    def add(what: str, seconds: float, peak: float | None = None, note: str = "") -> None:
        rows.append(
            {
                "learners": learners,
                "what": what,
                "seconds": round(seconds, 2),
                "peak_mb": round(peak) if peak is not None else "",
                "note": note,
            }
        )
        print(f"  {learners:>9,}  {what:<36}{seconds:>9.2f} s  {note}", file=sys.stderr, flush=True)

    work = Path(tempfile.mkdtemp(prefix="flbook-book-bench-"))
    cache, out = work / "cache", work / "out"
    try:
        t_first, mb_first, r = _child("load", course, cache, out)
        add(
            "first load (CSV -> store -> pandas)",
            r["seconds"],
            mb_first,
            f"{csv_mb:,.0f} MB of CSV",
        )
        t_cached, mb_cached, r = _child("load", course, cache, out)
        add("cached load (store -> pandas)", r["seconds"], mb_cached)
        env = dict(os.environ, FLBOOK_CACHE=str(cache))
        secs, mb, _, _ = run([sys.executable, "-m", "flbook.cli", "check", str(course)], env=env)
        add("flbook check (store warm)", secs, mb)
        secs, mb, r = _child("render", course, cache, out)
        total_chapters = 0.0
        for name, (seconds, ok) in r["chapters"].items():
            total_chapters += seconds
            add(f"chapter {name}", seconds, None, "" if ok else "FAILED")
        add("all chapters", total_chapters)
        add("HTML", r["html_seconds"], None, f"{r['html_mb']:.1f} MB")
        add("PDF", r["pdf_seconds"], None, f"{r['pdf_mb']:.1f} MB")
        whole = t_first + secs  # the render process includes loading from the warm store
        add(
            "whole book (first load + chapters + HTML + PDF)",
            whole,
            max(mb, mb_first),
            "peak = largest process-tree sum",
        )
        if baselines:
            _, _, r = _child("pandas", course, cache, out)
            add(
                "pandas read_csv + to_datetime",
                r["seconds"],
                None,
                f"{r['seconds'] / rows[0]['seconds']:.1f} x flbook first load",
            )
            _, _, r = _child("loops", course, cache, out)
            add(
                "sessions: per-learner loop (EXTRAPOLATED)",
                r["sessions_loop_extrapolated"],
                None,
                f"{r['sessions_loop_extrapolated'] / r['sessions_vectorised']:.0f} x learner_sessions",
            )
            add(
                "last step: per-learner loop (EXTRAPOLATED)",
                r["last_step_loop_extrapolated"],
                None,
                f"{r['last_step_loop_extrapolated'] / r['last_step_vectorised']:.0f} x learner_last_steps",
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return rows


# ----------------------------------------------------------------------------- targets

EDITED_CHAPTER = "06-sessions"
_CHAPTER_LINE = re.compile(
    r"\[\d+/\d+\]\s+(\S+)\s+(ok|cached|FAILED)\s+([\d.]+) s(?:\s+([\d.]+) GB)?"
)
_STAGES = re.compile(r"executed in ([\d.]+) s, rendered \(\w+\) in ([\d.]+) s")


NEW_TREE: Path | None = None  # --new: a frozen copy of the code measured as "new"
NO_OLD_DAY = False  # --no-old-day: the old code's new-day figure is not measured
COLD_ONLY = False  # --cold-only: the cold whole book only
MAX_MEMORY: str | None = None  # --max-memory: passed to the new code's renders
SAVE_TYPICAL = False  # --save-typical: the cold render's chapters become the typical ones
TYPICAL_FILE = ROOT / "flbook" / "render" / "assets" / "typical-chapters.json"


def typical_chapters(cache: Path, learners: int | str, day: dt.date) -> dict:
    """What ``flbook/render/assets/typical-chapters.json`` holds, from a render's cache.

    ``cache`` is the chapter cache folder of a cold render (side by side, so that each
    chapter's peak was recorded): its ``timings.json`` and ``memory.json``. The render
    reads the file for the order chapters start in and the memory each is expected to
    need before the cache holds their own (``flbook.render.execute``).
    """
    seconds = json.loads((cache / "timings.json").read_text())
    memory = json.loads((cache / "memory.json").read_text())
    sizes = {round(data_mb, 1) for _, data_mb in memory.values()}
    if len(sizes) != 1:
        raise SystemExit(f"{cache}: chapters measured on data of several sizes: {sorted(sizes)}")
    chapters = {
        name: {"seconds": round(float(secs), 1), "peak_mb": round(float(memory[name][0]))}
        for name, secs in sorted(seconds.items(), key=lambda kv: -kv[1])
        if name in memory
    }
    return {
        "about": "Each chapter's time and peak memory (its worker and kernel) in a cold "
        "render; written by benchmarks/book.py --targets --save-typical, read by "
        "flbook/render/execute.py",
        "measured": day.isoformat(),
        "learners": learners,
        "data_mb": sizes.pop(),
        "chapters": chapters,
    }


def _render(
    course_yml: Path, out: Path, cache: Path, *, old: Path | None, project: Path | None
) -> tuple[float, float, dict[str, tuple[str, float, float | None]], float]:
    """One whole ``flbook render`` process; (seconds, peak MB, {chapter: (how, s, MB)}).

    ``old``: run that older tree (``PYTHONPATH``), one chapter at a time as it did;
    otherwise ``NEW_TREE`` if given, else this checkout.
    """
    cmd = [sys.executable, "-m", "flbook.cli", "render", str(course_yml), "--out", str(out)]
    cmd += ["--to", "html,pdf", "--engine", "pandoc"]
    if project is not None:
        cmd += ["--project", str(project)]
    env = dict(os.environ, FLBOOK_CACHE=str(cache), MPLBACKEND="Agg")
    tree = old if old is not None else NEW_TREE
    if old is not None:
        cmd += ["--jobs", "1"]
    elif MAX_MEMORY:
        cmd += ["--max-memory", MAX_MEMORY]
    if tree is not None:
        env["PYTHONPATH"] = str(tree)
    secs, mb, _, err = run(cmd, env=env, cwd=tree or tempfile.gettempdir())
    chapters = {
        m[1]: (m[2], float(m[3]), float(m[4]) * 1024 if m[4] else None)
        for m in _CHAPTER_LINE.finditer(err)
    }
    stages = _STAGES.search(err)
    if stages:  # the render's own split: executing the chapters, then HTML + PDF
        chapters["(all chapters, wall)"] = ("stage", float(stages[1]), None)
        chapters["(HTML + PDF)"] = ("stage", float(stages[2]), None)
    failed = [c for c, (how, *_) in chapters.items() if how == "FAILED"]
    if failed:
        raise SystemExit(f"chapters failed: {failed}\n{err[-3000:]}")
    return secs, mb, chapters, LAST_CPU


def _edited_project(root: Path, dest: Path, *, code: bool) -> Path:
    """A copy of the book project with one chapter's prose (or code) edited."""
    import nbformat

    dest.mkdir(parents=True)
    for src in [root / "_quarto.yml", root / "book", root / "chapters", *root.glob("*.qmd")]:
        (shutil.copytree if src.is_dir() else shutil.copy2)(src, dest / src.name)
    path = dest / "chapters" / f"{EDITED_CHAPTER}.ipynb"
    nb = nbformat.read(path, as_version=4)
    kind = "code" if code else "markdown"
    cell = [c for c in nb.cells if c.cell_type == kind][-1]
    cell.source += "\n# edited for the benchmark" if code else "\n\nA sentence added by an author."
    nbformat.write(nb, path)
    return dest


def _new_day(course_yml: Path, dest: Path) -> Path:
    """A copy of the course whose comments export lost its last line."""
    shutil.copytree(course_yml.parent, dest)
    comments = next(dest.glob("*_comments.csv"))
    with open(comments, "rb") as fh:
        data = fh.read()
    cut = data.rstrip(b"\n").rfind(b"\n")
    comments.write_bytes(data[: cut + 1])
    return dest / "course.yml"


def measure_targets(size: str, seed: int, old: Path | None) -> list[dict]:
    """The issue-19 cases for one course, new code and (if given) old code."""
    course = ROOT / "data_stub" / "course.yml" if size == "bundled" else course_for(int(size), seed)
    rows: list[dict] = []
    work = Path(tempfile.mkdtemp(prefix="flbook-targets-"))

    def add(what: str, new: tuple, old: tuple | None, note: str = "") -> None:
        secs, mb, cpu = new[0], new[1], new[3]
        old_secs = old[0] if old else None
        ratio = f"{secs / old_secs:.2f}" if old_secs else ""
        cpu_ratio = f"{cpu / old[3]:.2f}" if old and old[3] else ""
        rows.append(
            {
                "learners": size,
                "what": what,
                "seconds": round(secs, 2),
                "peak_mb": round(mb) if mb is not None else "",
                "old_seconds": round(old_secs, 2) if old_secs else "",
                "ratio": ratio,
                "cpu_seconds": round(cpu, 1),
                "cpu_ratio": cpu_ratio,
                "note": note,
            }
        )
        print(
            f"  {size:>9}  {what:<44}{secs:>8.1f} s  old {old_secs or float('nan'):>7.1f} s"
            f"  {ratio:>5} x  cpu {cpu:.0f} s ({cpu_ratio or '-'} x)  {note}",
            file=sys.stderr,
            flush=True,
        )

    def chapters(tag: str, found: dict) -> None:
        for name, (how, secs, peak_mb) in found.items():
            rows.append(
                {
                    "learners": size,
                    "what": f"{tag} chapter {name}",
                    "seconds": secs,
                    "peak_mb": round(peak_mb) if peak_mb else "",
                    "old_seconds": "",
                    "ratio": "",
                    "cpu_seconds": "",
                    "cpu_ratio": "",
                    "note": how,
                }
            )

    try:
        prose = _edited_project(NEW_TREE or ROOT, work / "prose", code=False)
        code = _edited_project(NEW_TREE or ROOT, work / "code", code=True)
        day = _new_day(course, work / "day")
        oc, nc = work / "old-cache", work / "new-cache"

        def old_run(name: str, course_yml: Path) -> tuple | None:
            return (
                None if old is None else _render(course_yml, work / name, oc, old=old, project=None)
            )

        # old and new alternate, so that the machine's drift touches both alike
        o_cold = old_run("o1", course)
        cold = _render(course, work / "n1", nc, old=None, project=None)
        if o_cold:
            chapters("old cold", o_cold[2])
        chapters("new cold", cold[2])
        add("whole book, cold", cold, o_cold, "old: one chapter at a time")
        if SAVE_TYPICAL:
            learners = int(size) if size.isdigit() else size  # "bundled": the course's own
            typical = typical_chapters(nc / "chapters", learners, dt.date.today())
            TYPICAL_FILE.write_text(json.dumps(typical, indent=1) + "\n", encoding="utf-8")
            print(f"  typical chapter times and peaks written to {TYPICAL_FILE}", file=sys.stderr)
        from flame import breakdown  # benchmarks/flame.py, beside this script

        flame = results_path(HERE / "results", dt.date.today(), f"book-flame-{size}", "txt")
        flame.write_text(breakdown(work / "n1" / "_build") + "\n", encoding="utf-8")
        print(f"  where the cold render's chapter time went: {flame}", file=sys.stderr)
        if COLD_ONLY:
            return rows
        o_warm = old_run("o2", course)
        # the new code re-renders into the same output folder, as a course team does:
        # the formats whose inputs did not change are kept there (render/stamps.py)
        warm = _render(course, work / "n1", nc, old=None, project=None)
        chapters("new warm", warm[2])
        n = sum(how == "cached" for how, *_ in warm[2].values())
        add("re-render, nothing changed", warm, o_warm, f"{n} chapters cached")
        edit = _render(course, work / "n1", nc, old=None, project=prose)
        n = sum(how == "cached" for how, *_ in edit[2].values())
        add(
            f"re-render, prose of {EDITED_CHAPTER} edited",
            edit,
            o_warm,
            f"{n} chapters cached",
        )
        edit = _render(course, work / "n1", nc, old=None, project=code)
        n = sum(how == "cached" for how, *_ in edit[2].values())
        own = edit[2].get(EDITED_CHAPTER, ("", 0.0, None))[1]
        add(
            f"re-render, code of {EDITED_CHAPTER} edited",
            edit,
            o_warm,
            f"{n} chapters cached; the chapter itself {own:.1f} s",
        )
        o_day = None if NO_OLD_DAY else old_run("o3", day)
        new_day = _render(day, work / "n1", nc, old=None, project=None)
        n = sum(how == "cached" for how, *_ in new_day[2].values())
        add(
            "new day's export (comments changed)",
            new_day,
            o_day,
            f"{n} chapters cached",
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return rows


def results_path(folder: Path, day: dt.date, prefix: str = "book", ext: str = "csv") -> Path:
    """``book-<day>.csv`` in ``folder``, or ``book-<day>-b.csv``, ``-c``, ... when a run
    of that day is already there: a second run never overwrites the first."""
    path = folder / f"{prefix}-{day.isoformat()}.{ext}"
    suffix = iter("bcdefghijklmnopqrstuvwxyz")
    while path.exists():
        path = folder / f"{prefix}-{day.isoformat()}-{next(suffix)}.{ext}"
    return path


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", nargs="+", default=["20000", "200000", "1000000"])
    p.add_argument("--targets", action="store_true", help="measure the cases of issue 19")
    p.add_argument("--old", type=Path, default=None, help="an older flbook tree to compare with")
    p.add_argument(
        "--no-old-day",
        action="store_true",
        help="skip the old code's new-day render (it costs about a cold render)",
    )
    p.add_argument(
        "--new",
        type=Path,
        default=None,
        help="a frozen copy of the code to measure (default: this checkout; a copy lets "
        "you edit flbook while the benchmark runs without spoiling its chapter cache)",
    )
    p.add_argument(
        "--cold-only",
        action="store_true",
        help="with --targets: the cold whole book only (at 1,000,000 learners each render "
        "takes minutes)",
    )
    p.add_argument(
        "--max-memory",
        default=None,
        metavar="SIZE",
        help="with --targets: the new code's memory bound (flbook render --max-memory)",
    )
    p.add_argument(
        "--save-typical",
        action="store_true",
        help="with --targets: write the new code's cold chapter times and peaks to "
        "flbook/render/assets/typical-chapters.json (the render's hints before its cache "
        "knows a chapter; measure them at 1,000,000 learners)",
    )
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--no-baselines", action="store_true", help="skip pandas and loop baselines")
    p.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child:
        child(*args.child)
        return
    rows = []
    results = HERE / "results"
    results.mkdir(exist_ok=True)
    if args.targets:
        global NEW_TREE, NO_OLD_DAY, COLD_ONLY, MAX_MEMORY, SAVE_TYPICAL
        NEW_TREE = args.new.resolve() if args.new else None
        MAX_MEMORY = args.max_memory
        SAVE_TYPICAL = args.save_typical
        NO_OLD_DAY = args.no_old_day
        COLD_ONLY = args.cold_only
        for n in args.sizes:
            rows += measure_targets(n, args.seed, args.old)
        path = results_path(results, dt.date.today(), "book-targets")
        with open(path, "w", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
        print(
            f"\n{'course':>10}  {'case':<44}{'seconds':>9}{'peak MB':>9}{'old s':>9}{'ratio':>7}"
            f"{'CPU s':>8}{'ratio':>7}"
        )
        for r in rows:
            if " chapter " not in r["what"]:
                print(
                    f"{r['learners']:>10}  {r['what']:<44}{r['seconds']:>9.1f}"
                    f"{str(r['peak_mb']):>9}{str(r['old_seconds']):>9}{r['ratio']:>7}"
                    f"{r['cpu_seconds']:>8}{r['cpu_ratio']:>7}  {r['note']}"
                )
        print(f"machine: {os.cpu_count()} cores; written to {path}")
        return
    for n in args.sizes:
        rows += measure(int(n), args.seed, not args.no_baselines)
    path = results_path(results, dt.date.today())
    with open(path, "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    print(f"\n{'learners':>10}  {'what':<48}{'seconds':>9}{'peak MB':>9}  note")
    for r in rows:
        print(
            f"{r['learners']:>10,}  {r['what']:<48}{r['seconds']:>9.2f}{str(r['peak_mb']):>9}  {r['note']}"
        )
    whole = {r["learners"]: r["seconds"] for r in rows if r["what"].startswith("whole book")}
    sizes = sorted(whole)
    for a, b in zip(sizes, sizes[1:], strict=False):
        print(
            f"whole book {b:,} / {a:,} learners: {whole[b] / whole[a]:.2f} x time for {b / a:.0f} x learners"
        )
    print(f"machine: {os.cpu_count()} cores; written to {path}")


if __name__ == "__main__":
    main()
