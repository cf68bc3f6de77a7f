"""Execute the book's chapter notebooks with papermill into a build folder.

The build folder mirrors the project: ``chapters/03-x.ipynb`` is executed into
``BUILD/chapters/03-x.ipynb`` and ``index.qmd`` is copied to ``BUILD/index.qmd``,
so the chapter paths of ``_quarto.yml`` hold in both places. A chapter that fails is
replaced in the build folder by a page saying where and how it failed (its partly
executed notebook is kept under ``BUILD/_failed/`` for debugging), so the book still
builds and shows the failure.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import psutil

from flbook.errors import FlbookError
from flbook.render import kernels
from flbook.render.cache import ChapterCache, chapter_key
from flbook.render.project import Book, Entry, first_heading, read_notebook, write_notebook

__all__ = [
    "ChapterError",
    "ChapterResult",
    "ParameterError",
    "ProgressEvent",
    "check_parameters",
    "default_jobs",
    "execute_chapters",
    "expected_peak_mb",
]

FAILED_DIR = "_failed"


# The memory guard keeps the process tree (this process and its kernels) under this
# share of the machine's memory when it starts chapters side by side.
MEMORY_SHARE = 0.5
TYPICAL_FILE = Path(__file__).parent / "assets" / "typical-chapters.json"
"""Each of flbook's chapters' time and peak memory in a cold render at 1,000,000
learners, written by ``benchmarks/book.py --targets --save-typical``."""


def _typical() -> tuple[dict[str, float], dict[str, float], float]:
    """(seconds, peak MB) by chapter, and the data's size, from :data:`TYPICAL_FILE`."""
    try:
        data = json.loads(TYPICAL_FILE.read_text(encoding="utf-8"))
        chapters = data["chapters"]
        return (
            {name: float(c["seconds"]) for name, c in chapters.items()},
            {name: float(c["peak_mb"]) for name, c in chapters.items()},
            float(data["data_mb"]),
        )
    except (OSError, ValueError, KeyError, TypeError):  # no hints: book order, no estimates
        return {}, {}, 0.0


TYPICAL_SECONDS, TYPICAL_PEAK_MB, TYPICAL_DATA_MB = _typical()
"""From :data:`TYPICAL_FILE`. Only the seconds' order matters: before a chapter's own
time is in the cache (a first render, ``--no-cache``), side by side chapters still start
longest first, so the predictions chapter does not start twelfth and end alone; recorded
times take precedence. The memory guard scales the peaks from the store of
``TYPICAL_DATA_MB`` to the course at hand until the cache holds a chapter's own."""
KERNEL_MB = 500.0
"""What a worker and its kernel hold with flbook loaded and no data: the part of a peak
that does not grow with the data."""
# Files next to a .qmd page that are copied with it (images, styles, bibliographies).
RESOURCE_SUFFIXES = {".png", ".jpg", ".jpeg", ".gif", ".svg", ".css", ".scss", ".bib", ".csl"}
# The kernel draws figures with matplotlib's inline backend: headless (it renders with
# Agg) but, unlike plain ``MPLBACKEND=Agg``, it sends each figure to the notebook as
# image/png. A plain Agg backend in the kernel would silently drop every figure.
KERNEL_ENV = {
    "MPLBACKEND": "module://matplotlib_inline.backend_inline",
    "PYDEVD_DISABLE_FILE_VALIDATION": "1",
}


class ParameterError(FlbookError):
    """Parameters were given that a chapter's ``parameters`` cell does not declare."""


@dataclass(frozen=True)
class ChapterError:
    """Where and how a chapter failed.

    Attributes
    ----------
    cell : 1-based position of the failing cell in the source notebook (markdown cells
        count too; the injected-parameters cell does not), or ``None`` if unknown.
    exec_count : the execution count shown as ``In [n]``, or ``None``.
    ename, evalue : the exception's class name and message.
    """

    cell: int | None
    exec_count: int | None
    ename: str
    evalue: str

    def __str__(self) -> str:
        where = "cell ?" if self.cell is None else f"cell {self.cell}"
        if self.exec_count is not None:
            where += f" (In [{self.exec_count}])"
        return f"{where}: {self.ename}: {self.evalue}"


@dataclass(frozen=True)
class ChapterResult:
    """What happened to one page.

    Attributes
    ----------
    entry : the page in the book.
    output : its file in the build folder.
    seconds : wall time spent executing (0 for copied pages).
    error : ``None``, or where and how the chapter failed.
    executed : ``False`` for pages that are copied, not executed (``.qmd``).
    cached : ``True`` when the chapter came from the execution cache (``seconds`` is
        then the time to fetch it).
    """

    entry: Entry
    output: Path
    seconds: float
    error: ChapterError | None = None
    executed: bool = True
    cached: bool = False

    @property
    def name(self) -> str:
        return self.entry.name

    @property
    def ok(self) -> bool:
        return self.error is None

    def __str__(self) -> str:
        if self.ok:
            how = "from the cache" if self.cached else "ok"
            return f"{self.name}: {how} ({self.seconds:.1f} s)"
        return f"{self.name} failed in {self.error} ({self.seconds:.1f} s)"


@dataclass(frozen=True)
class ProgressEvent:
    """Reported to the ``progress`` callback when a chapter starts and when it ends.

    ``cached`` is ``True`` on the end of a chapter that came from the execution cache.
    ``peak_mb``, on the end of a chapter executed side by side with others: the most
    memory its worker and kernel were seen to hold, in MB.
    """

    kind: Literal["start", "end"]
    chapter: str
    index: int
    total: int
    seconds: float | None = None
    error: ChapterError | None = None
    cached: bool = False
    peak_mb: float | None = None


def check_parameters(book: Book, parameters: dict[str, Any], chapters=None) -> None:
    """Raise :class:`ParameterError` if a chapter does not declare every given parameter.

    papermill only warns about a parameter that a notebook does not declare; here it is
    an error naming each offending chapter, the unknown names and the declared ones.
    """
    import nbformat
    import papermill

    problems = []
    for entry in book.select(chapters).chapters:
        src = book.project_dir / entry.path
        if not parameters:
            continue
        nb = nbformat.read(src, as_version=4)
        if not any("parameters" in c.metadata.get("tags", []) for c in nb.cells):
            problems.append(
                f"{entry.path}: has no cell tagged 'parameters' "
                f"(given: {', '.join(sorted(parameters))})"
            )
            continue
        declared = papermill.inspect_notebook(str(src))
        unknown = sorted(set(parameters) - set(declared))
        if unknown:
            problems.append(
                f"{entry.path}: unknown parameter(s) {', '.join(unknown)}; "
                f"its parameters cell declares: {', '.join(sorted(declared)) or 'nothing'}"
            )
    if problems:
        raise ParameterError("; ".join(problems))


def default_jobs() -> int:
    """Chapters executed at once by default: the cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def execute_chapters(
    book: Book,
    parameters: dict[str, Any],
    build_dir: str | Path,
    *,
    chapters: list[str] | tuple[str, ...] | None = None,
    jobs: int | None = 1,
    progress: Callable[[ProgressEvent], None] | None = None,
    kernel_name: str = "python3",
    cache: str | Path | None = None,
    data_key: str | None = None,
    memory_share: float = MEMORY_SHARE,
    warm: bool = True,
    data_mb: float | None = None,
) -> list[ChapterResult]:
    """Execute the book's notebooks with ``parameters`` into ``build_dir``.

    Parameters
    ----------
    book : the book project (see :func:`read_book`).
    parameters : injected into every notebook's ``parameters`` cell.
    build_dir : the course's build folder; it mirrors the project's page paths.
    chapters : names (stem, file name, path or number prefix) of the pages to process;
        all of them when ``None``.
    jobs : chapters executed at once, each in its own process and kernel; ``None``:
        one per core (:func:`default_jobs`). Whatever the number, a chapter starts
        beside others only while the process tree's resident memory plus one more
        chapter's stays under ``memory_share`` of the machine's memory.
    progress : called with a :class:`ProgressEvent` when each chapter starts and ends.
    kernel_name : the Jupyter kernel to run the notebooks in.
    cache : folder of the execution cache (:mod:`flbook.render.cache`); ``None``: no
        cache. A chapter whose code, parameters, data and flbook are unchanged is taken
        from it (with its current prose) instead of being executed.
    data_key : names the data the chapters read (part of each chapter's cache key);
        for a course, its store's name (:func:`flbook.render.cli.course_data_key`).
    memory_share : the share of the machine's memory the guard keeps the tree under.
        Each chapter executed side by side has its peak memory recorded in the cache,
        and the guard counts on it the next time (:func:`expected_peak_mb`).
    data_mb : the size of the data the chapters read (the course's store on disk), in
        MB: the guard scales the chapters' recorded and typical peaks by it.
    warm : keep each worker's kernel from one chapter to the next, reset between them
        (:mod:`flbook.render.kernels`), instead of starting a fresh kernel per chapter.

    Returns
    -------
    list of ChapterResult
        One per page, in book order. A failing chapter does not stop the others: its
        result carries the cell and the error, and its page in the build folder says so.

    Raises
    ------
    ParameterError
        Before anything runs, if a chapter does not declare a given parameter.
    """
    import nbformat

    build_dir = Path(build_dir).resolve()
    book = book.select(chapters)
    book.check()
    check_parameters(book, parameters)
    build_dir.mkdir(parents=True, exist_ok=True)

    results: dict[str, ChapterResult] = {}
    for entry in book.entries:
        for page in filter(None, (entry.part_file, None if entry.is_notebook else entry.path)):
            _copy_page(book.project_dir, page, build_dir)
        if not entry.is_notebook:
            results[entry.path] = ChapterResult(entry, build_dir / entry.path, 0.0, None, False)

    notebooks = book.chapters
    total = len(notebooks)
    jobs_args = [
        dict(
            src=str(book.project_dir / e.path),
            dst=str(build_dir / e.path),
            failed=str(build_dir / FAILED_DIR / e.path),
            parameters=dict(parameters),
            kernel_name=kernel_name,
            warm=warm,
        )
        for e in notebooks
    ]

    def report(kind, i, seconds=None, error=None, cached=False, peak_mb=None):
        if progress is not None:
            progress(
                ProgressEvent(
                    kind, notebooks[i].name, i + 1, total, seconds, error, cached, peak_mb
                )
            )

    store = None if cache is None else ChapterCache(cache)
    keys: dict[int, str] = {}
    sources: dict[int, nbformat.NotebookNode] = {}
    todo: list[int] = []
    for i, kwargs in enumerate(jobs_args):
        if store is None:
            todo.append(i)
            continue
        t0 = time.perf_counter()
        source = sources[i] = nbformat.read(kwargs["src"], as_version=4)
        keys[i] = chapter_key(source, parameters, data_key, kernel_name=kernel_name)
        hit = store.get(keys[i], source)
        if hit is None:
            todo.append(i)
            continue
        report("start", i)
        dst = Path(kwargs["dst"])
        dst.parent.mkdir(parents=True, exist_ok=True)
        Path(kwargs["failed"]).unlink(missing_ok=True)
        write_notebook(hit, dst)
        seconds = time.perf_counter() - t0
        results[notebooks[i].path] = ChapterResult(notebooks[i], dst, seconds, cached=True)
        report("end", i, seconds, cached=True)

    def done(i, outcome, peak_mb=0.0):
        seconds, error = outcome
        results[notebooks[i].path] = ChapterResult(
            notebooks[i], build_dir / notebooks[i].path, seconds, error
        )
        if store is not None and error is None:
            store.put(keys[i], jobs_args[i]["dst"])
            store.remember_time(notebooks[i].name, seconds)
            if peak_mb > 0 and data_mb:
                store.remember_peak(notebooks[i].name, peak_mb, data_mb)
            # the page as the next render will take it from the cache (the source's
            # markdown cells, without papermill's timings): an unchanged re-render then
            # finds the build folder as it was, and keeps the formats (stamps.py)
            page = store.get(keys[i], sources[i])
            if page is not None:
                write_notebook(page, jobs_args[i]["dst"])
        report("end", i, seconds, error, peak_mb=peak_mb or None)

    workers = default_jobs() if jobs is None else max(1, jobs)
    if workers <= 1 or len(todo) <= 1:
        try:
            for i in todo:
                report("start", i)
                done(i, _execute_one(**jobs_args[i]))
        finally:
            kernels.shutdown_all()
    else:
        recorded = store.timings() if store is not None else {}
        names = [e.name for e in notebooks]
        todo = longest_first(todo, names, TYPICAL_SECONDS | recorded)
        peaks = store.peaks() if store is not None else {}
        needs = {i: expected_peak_mb(names[i], data_mb, peaks) for i in todo}
        _execute_parallel(
            todo, jobs_args, min(workers, len(todo)), memory_share, report, done, needs
        )
    for result in results.values():  # after the cache took its copy: the cache keeps every cell
        if result.entry.is_notebook and result.error is None:
            drop_skipped_sections(result.output)
    return [results[e.path] for e in book.entries]


def longest_first(todo: list[int], names: list[str], timings: dict[str, float]) -> list[int]:
    """``todo`` with the chapters that took longest last time first (then book order).

    Side by side, the book is done when its last chapter ends: starting the longest
    chapter (the predictions, on a large course) first keeps it from ending alone.
    Chapters without a recorded time keep their book order, after the timed ones.

    Examples
    --------
    >>> longest_first([0, 1, 2, 3], ["a", "b", "c", "d"], {"c": 90.0, "a": 5.0})
    [2, 0, 1, 3]
    """
    timed = sorted((i for i in todo if names[i] in timings), key=lambda i: -timings[names[i]])
    return timed + [i for i in todo if names[i] not in timings]


def expected_peak_mb(
    chapter: str, data_mb: float | None, recorded: dict[str, tuple[float, float]]
) -> float:
    """The memory (MB) a chapter's worker and kernel are expected to reach on this data.

    From the chapter's own recorded peak when it was measured on data of a like size
    (within a factor of two, as yesterday's export of the same course), otherwise from
    its typical peak (:data:`TYPICAL_PEAK_MB`); either way scaled to ``data_mb`` above
    the fixed :data:`KERNEL_MB`. 0 when there is nothing to go on (no data size, or a
    chapter never measured on a like course).

    Parameters
    ----------
    chapter : the chapter's name (``12-predictions``).
    data_mb : the size of the data the chapters read (the course's store), in MB.
    recorded : ``(peak MB, data MB)`` by chapter, as :meth:`ChapterCache.peaks` returns.

    Examples
    --------
    >>> expected_peak_mb("05-x", 100.0, {"05-x": (1300.0, 200.0)})  # 500 + 800 / 2
    900.0
    >>> expected_peak_mb("05-x", 1.0, {"05-x": (1300.0, 200.0)})  # not a like course
    0.0
    """
    if not data_mb or data_mb <= 0:
        return 0.0
    peak, measured_on = recorded.get(chapter, (0.0, 0.0))
    if not (measured_on > 0 and 0.5 <= data_mb / measured_on <= 2.0):
        peak, measured_on = TYPICAL_PEAK_MB.get(chapter, 0.0), TYPICAL_DATA_MB
        if not peak or not measured_on:
            return 0.0
    return KERNEL_MB + max(0.0, peak - KERNEL_MB) * data_mb / measured_on


_started: Any = None  # in a worker: the queue on which it says which chapter it runs


def _init_worker(threads: int, started: Any) -> None:
    """A chapter worker's initializer (:func:`kernels.init_worker`, and the queue)."""
    global _started
    kernels.init_worker(threads)
    _started = started


def _execute_in_worker(i: int, **kwargs: Any) -> tuple[float, ChapterError | None]:
    """:func:`_execute_one` in a worker, first telling the guard which process runs ``i``."""
    if _started is not None:
        _started.put((i, os.getpid()))
    return _execute_one(**kwargs)


def _execute_parallel(
    todo: list[int],
    jobs_args: list[dict[str, Any]],
    workers: int,
    memory_share: float,
    report: Callable[..., None],
    done: Callable[[int, tuple[float, ChapterError | None], float], None],
    needs_mb: dict[int, float] | None = None,
) -> None:
    """Execute ``todo`` on ``workers`` processes, in the given order, under the memory guard.

    A chapter starts when a worker is free and, if others are running, it fits: the
    tree's resident memory, plus what each running chapter is still expected to grow
    by, plus what this chapter is expected to need, stays under ``memory_share`` of the
    machine's memory. A chapter's need is ``needs_mb[i]`` when known (see
    :func:`expected_peak_mb`), otherwise the most a running chapter has been seen to
    use. The first pending chapter that fits starts; if none does, they wait for a
    running chapter to end. ``done`` gets each chapter's outcome and the peak memory
    (MB) its worker and kernel were seen at (sampled twice a second).
    """
    import multiprocessing
    from concurrent.futures import FIRST_COMPLETED, wait

    needs_kb = {i: mb * 1024 for i, mb in (needs_mb or {}).items() if mb > 0}
    limit_kb = memory_share * _memory_total_kb()
    ctx = multiprocessing.get_context("spawn")
    started = ctx.SimpleQueue()
    pending = list(todo)
    running: dict[Any, int] = {}
    pids: dict[int, int] = {}  # chapter -> the worker running it
    now_kb: dict[int, float] = {}  # chapter -> its worker and kernel at the last sample
    peak_kb: dict[int, float] = {}
    seen_kb = 0.0  # the most a chapter has been seen to use
    threads = max(1, default_jobs() // workers)  # each worker's share of the cores

    def sample() -> None:
        nonlocal seen_kb
        with contextlib.suppress(OSError, EOFError):
            while not started.empty():
                i, pid = started.get()
                pids[i] = pid
        for i in running.values():
            if i in pids:
                now_kb[i] = tree_rss_kb(pids[i])
                peak_kb[i] = max(peak_kb.get(i, 0.0), now_kb[i])
                seen_kb = max(seen_kb, peak_kb[i])

    def first_that_fits() -> int:
        """The place in ``pending`` of the first chapter that fits beside those running."""
        sample()
        free = limit_kb - tree_rss_kb(os.getpid())
        for r in running.values():  # what the running chapters are still expected to grow by
            free -= max(0.0, needs_kb.get(r, 0.0) - now_kb.get(r, 0.0))
        return next((k for k, i in enumerate(pending) if needs_kb.get(i, seen_kb) <= free), -1)

    with ProcessPoolExecutor(
        max_workers=workers,
        mp_context=ctx,
        initializer=_init_worker,
        initargs=(threads, started),
    ) as pool:
        while pending or running:
            while pending and len(running) < workers:
                at = 0
                if running and limit_kb:
                    at = first_that_fits()
                    if at < 0:
                        break  # the guard: wait for a running chapter to end
                i = pending.pop(at)
                report("start", i)
                running[pool.submit(_execute_in_worker, i, **jobs_args[i])] = i
            finished, _ = wait(list(running), timeout=0.5, return_when=FIRST_COMPLETED)
            sample()
            for fut in finished:
                i = running.pop(fut)
                try:
                    outcome = fut.result()
                except Exception as exc:  # the worker process itself died
                    outcome = (0.0, ChapterError(None, None, type(exc).__name__, str(exc)))
                    _write_failure_page(
                        Path(jobs_args[i]["src"]), Path(jobs_args[i]["dst"]), outcome[1]
                    )
                done(i, outcome, peak_kb.get(i, 0.0) / 1024)


def _memory_total_kb() -> float:
    """The machine's memory in kB; 0 where unknown (no guard)."""
    try:
        return psutil.virtual_memory().total / 1024
    except (OSError, RuntimeError):
        return 0.0


def tree_rss_kb(root_pid: int) -> int:
    """Resident memory (kB) of process ``root_pid`` and all its descendants.

    Processes that end while being read are skipped; an unknown ``root_pid`` gives 0.
    """
    try:
        root = psutil.Process(root_pid)
        procs = [root, *root.children(recursive=True)]
    except psutil.Error:
        return 0
    total = 0
    for proc in procs:
        try:
            total += proc.memory_info().rss
        except psutil.Error:
            continue
    return total // 1024


@contextlib.contextmanager
def _kernel_env() -> Iterator[None]:
    """Set the environment the kernels inherit, and restore it afterwards.

    :data:`KERNEL_ENV` always; the process defaults of :mod:`flbook.render._imports`
    (numpy's huge-page advice off) where the user has not set them.
    """
    from ._imports import PROCESS_DEFAULTS, set_process_defaults

    saved = {k: os.environ.get(k) for k in (*KERNEL_ENV, *PROCESS_DEFAULTS)}
    os.environ.update(KERNEL_ENV)
    set_process_defaults()
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _execute_one(
    src: str,
    dst: str,
    failed: str,
    parameters: dict[str, Any],
    kernel_name: str,
    warm: bool = False,
) -> tuple[float, ChapterError | None]:
    """Execute one notebook; on failure keep it under ``failed`` and write a failure page.

    ``warm``: in this process's warm kernel (:func:`flbook.render.kernels.warm_kernel`)
    rather than a fresh one.
    """
    import papermill

    src_p, dst_p, failed_p = Path(src), Path(dst), Path(failed)
    dst_p.parent.mkdir(parents=True, exist_ok=True)
    failed_p.unlink(missing_ok=True)
    error: ChapterError | None = None
    start = time.perf_counter()
    # the kernel's own log (e.g. ipykernel 7's "running over TCP without encryption" on
    # every start) is noise here; cell output is not affected
    extra = ["--IPKernelApp.log_level=CRITICAL"]
    key = (kernel_name, str(src_p.parent))
    km = None
    with _kernel_env():
        try:
            km = kernels.warm_kernel(*key, extra) if warm else None
            papermill.execute_notebook(
                src,
                dst,
                parameters=parameters,
                kernel_name=kernel_name,
                cwd=str(src_p.parent),
                progress_bar=False,
                log_output=False,
                request_save_on_cell_execute=False,
                extra_arguments=extra,
                km=km,
            )
        except papermill.PapermillExecutionError as exc:
            if exc.ename == STOP and _trim_after_stop(dst_p):
                pass  # the chapter said it has nothing more to show: a success
            else:
                error = ChapterError(
                    _source_cell_number(dst_p, exc.ename), exc.exec_count, exc.ename, exc.evalue
                )
        except Exception as exc:  # kernel died, timed out, could not start...
            error = ChapterError(None, None, type(exc).__name__, str(exc))
            kernels.shutdown_kernel(key)  # never reuse a kernel in an unknown state
    seconds = time.perf_counter() - start
    if km is not None:
        kernels.settle(*key)  # not holding this chapter's memory while it waits
    if error is not None:
        if dst_p.exists():
            failed_p.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(dst_p, failed_p)
        _write_failure_page(src_p, dst_p, error)
    return seconds, error


STOP = "ChapterStop"
"""Exception name raised by :func:`flbook.stop_chapter`: the chapter ends there, cleanly."""


def _trim_after_stop(executed: Path) -> bool:
    """End an executed chapter at the cell that called ``fl.stop_chapter``.

    Drops that cell's traceback (keeping what it displayed), every later cell, and
    papermill's error banner, so both engines render a short, complete chapter.
    Returns False when the stop cannot be found (then it is reported as a failure).
    """

    try:
        nb = read_notebook(executed)
    except Exception:
        return False
    cells = [c for c in nb.cells if "papermill-error-cell-tag" not in c.metadata.get("tags", [])]
    for i, cell in enumerate(cells):
        outs = cell.get("outputs", [])
        if any(o.get("output_type") == "error" and o.get("ename") == STOP for o in outs):
            cell["outputs"] = [o for o in outs if o.get("output_type") != "error"]
            nb.cells = cells[: i + 1]
            nb.metadata.setdefault("papermill", {})["exception"] = None
            nb.metadata.setdefault("flbook", {})["stopped_at_cell"] = i + 1
            write_notebook(nb, executed)
            return True
    return False


SECTION_END = "flbook-end-section"
"""Output metadata key of :func:`flbook.skip_section`'s note (``flbook._setup.SECTION_END``)."""

_HEADING = re.compile(r"^(#{1,6})\s")
_FENCE = re.compile(r"^(```|~~~)")


def _headings(markdown: str) -> list[int]:
    """The levels of the ATX headings of a markdown cell, in order (not inside code fences)."""
    levels, fenced = [], False
    for line in markdown.splitlines():
        if _FENCE.match(line.lstrip()):
            fenced = not fenced
        elif not fenced and (m := _HEADING.match(line)):
            levels.append(len(m.group(1)))
    return levels


def drop_skipped_sections(executed: str | Path) -> int:
    """Leave out of an executed chapter the rest of each section that ``fl.skip_section`` ended.

    After the cell whose output carries the :data:`SECTION_END` mark, every cell is
    dropped up to the next markdown cell that starts a heading of the same or a higher
    level than the section's, or that closes the HTML block the skip began in (its text
    starts with ``</``, like ``</details>``); a block opened and closed among the dropped
    cells goes with them. So a section without its data shows its one sentence
    and no empty chart or table, and the chapter goes on. Safe to run twice.

    Returns
    -------
    int
        The number of cells dropped (the notebook is rewritten only when some are).
    """

    nb = read_notebook(executed)
    kept, dropped = [], 0
    level, until = 1, None  # the current section's heading level; the level ending a skip
    depth = 0  # HTML blocks (<details>) open among the kept cells
    inner = 0  # HTML blocks opened among the dropped cells, not yet closed
    for cell in nb.cells:
        levels = _headings(cell.source) if cell.cell_type == "markdown" else []
        text = cell.source.lstrip() if cell.cell_type == "markdown" else ""
        opens, closes = text.startswith("<") and not text.startswith("</"), text.startswith("</")
        if until is not None:
            if closes and inner == 0 and depth > 0:
                until = None  # the block the skip began in ends here: keep its closing
            elif levels and levels[0] <= until and inner == 0:
                until = None
            else:
                inner += opens - closes  # a whole block inside the skip goes with it
                dropped += 1
                continue
        kept.append(cell)
        depth = max(0, depth + opens - closes)
        if levels:
            level = levels[-1]
        if any(o.get("metadata", {}).get(SECTION_END) for o in cell.get("outputs", [])):
            until, inner = level, 0
    if dropped:
        nb.cells = kept
        nb.metadata.setdefault("flbook", {})["skipped_cells"] = dropped
        write_notebook(nb, executed)
    return dropped


def _source_cell_number(executed: Path, ename: str) -> int | None:
    """1-based position in the source notebook of the first cell with an error output."""

    try:
        nb = read_notebook(executed)
    except Exception:
        return None
    skip = {"injected-parameters", "papermill-error-cell-tag"}
    cells = [c for c in nb.cells if not skip & set(c.metadata.get("tags", []))]
    for i, cell in enumerate(cells, start=1):
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error" and out.get("ename") == ename:
                return i
    return None


def _fence(text: str) -> str:
    """A backtick fence longer than any backtick run in ``text``."""
    longest = run = 0
    for ch in text:
        run = run + 1 if ch == "`" else 0
        longest = max(longest, run)
    return "`" * max(3, longest + 1)


def failure_markdown(title: str, source: str, error: ChapterError) -> str:
    """The markdown of the page that stands for a chapter that failed."""
    detail = f"{error.ename}: {error.evalue}".strip()
    fence = _fence(detail)
    where = "an unknown cell" if error.cell is None else f"cell {error.cell}"
    if error.exec_count is not None:
        where += f" (In [{error.exec_count}])"
    return (
        f"# {title}\n\n"
        "::: {.callout-warning}\n"
        "## This chapter failed to build\n\n"
        f"Executing `{source}` stopped in {where} with this error:\n\n"
        f"{fence}text\n{detail}\n{fence}\n\n"
        "The rest of the book was built without it.\n"
        ":::\n"
    )


def _write_failure_page(src: Path, dst: Path, error: ChapterError) -> None:
    import nbformat

    try:
        title = first_heading(src) or src.stem
    except Exception:
        title = src.stem
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.metadata["flbook"] = {"failed": True, "cell": error.cell, "ename": error.ename}
    nb.cells.append(nbformat.v4.new_markdown_cell(failure_markdown(title, src.name, error)))
    dst.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, dst)


_LINKED = re.compile(r"""!\[[^\]]*\]\(\s*<?([^)\s>]+)|\bsrc\s*=\s*["']([^"']+)["']""")


def _copy_page(project_dir: Path, page: str, build_dir: Path) -> None:
    """Copy a ``.qmd`` page, the local images it links and the styles beside it."""
    src = project_dir / page
    dst = build_dir / page
    dst.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(src, dst)
    if src.parent != project_dir:
        for res in src.parent.iterdir():
            if res.is_file() and res.suffix.lower() in RESOURCE_SUFFIXES:
                shutil.copy2(res, dst.parent / res.name)
    for match in _LINKED.finditer(src.read_text(encoding="utf-8")):
        link = (match.group(1) or match.group(2)).split("#")[0]
        if not link or re.match(r"^[a-z][a-z0-9+.-]*:", link, re.I) or link.startswith("/"):
            continue  # a URL, data: URI or absolute path
        res = (src.parent / link).resolve()
        if res.is_file() and res.is_relative_to(project_dir):
            target = build_dir / res.relative_to(project_dir)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(res, target)
