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
import os
import re
import shutil
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from flbook.errors import FlbookError
from flbook.render.project import Book, Entry, first_heading

__all__ = [
    "ChapterError",
    "ChapterResult",
    "ParameterError",
    "ProgressEvent",
    "check_parameters",
    "execute_chapters",
]

FAILED_DIR = "_failed"
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
    """

    entry: Entry
    output: Path
    seconds: float
    error: ChapterError | None = None
    executed: bool = True

    @property
    def name(self) -> str:
        return self.entry.name

    @property
    def ok(self) -> bool:
        return self.error is None

    def __str__(self) -> str:
        if self.ok:
            return f"{self.name}: ok ({self.seconds:.1f} s)"
        return f"{self.name} failed in {self.error} ({self.seconds:.1f} s)"


@dataclass(frozen=True)
class ProgressEvent:
    """Reported to the ``progress`` callback when a chapter starts and when it ends."""

    kind: Literal["start", "end"]
    chapter: str
    index: int
    total: int
    seconds: float | None = None
    error: ChapterError | None = None


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


def execute_chapters(
    book: Book,
    parameters: dict[str, Any],
    build_dir: str | Path,
    *,
    chapters: list[str] | tuple[str, ...] | None = None,
    jobs: int = 1,
    progress: Callable[[ProgressEvent], None] | None = None,
    kernel_name: str = "python3",
) -> list[ChapterResult]:
    """Execute the book's notebooks with ``parameters`` into ``build_dir``.

    Parameters
    ----------
    book : the book project (see :func:`read_book`).
    parameters : injected into every notebook's ``parameters`` cell.
    build_dir : the course's build folder; it mirrors the project's page paths.
    chapters : names (stem, file name, path or number prefix) of the pages to process;
        all of them when ``None``.
    jobs : chapters executed at once, each in its own process and kernel.
    progress : called with a :class:`ProgressEvent` when each chapter starts and ends.
    kernel_name : the Jupyter kernel to run the notebooks in.

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
        )
        for e in notebooks
    ]

    def report(kind, i, seconds=None, error=None):
        if progress is not None:
            progress(ProgressEvent(kind, notebooks[i].name, i + 1, total, seconds, error))

    def done(i, outcome):
        seconds, error = outcome
        results[notebooks[i].path] = ChapterResult(
            notebooks[i], build_dir / notebooks[i].path, seconds, error
        )
        report("end", i, seconds, error)

    if jobs <= 1 or total <= 1:
        for i, kwargs in enumerate(jobs_args):
            report("start", i)
            done(i, _execute_one(**kwargs))
    else:
        import multiprocessing

        ctx = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=min(jobs, total), mp_context=ctx) as pool:
            futures = {}
            for i, kwargs in enumerate(jobs_args):
                report("start", i)
                futures[pool.submit(_execute_one, **kwargs)] = i
            for fut in as_completed(futures):
                i = futures[fut]
                try:
                    outcome = fut.result()
                except Exception as exc:  # the worker process itself died
                    outcome = (0.0, ChapterError(None, None, type(exc).__name__, str(exc)))
                    _write_failure_page(
                        Path(jobs_args[i]["src"]), Path(jobs_args[i]["dst"]), outcome[1]
                    )
                done(i, outcome)
    return [results[e.path] for e in book.entries]


@contextlib.contextmanager
def _kernel_env() -> Iterator[None]:
    """Set the environment the kernels inherit, and restore it afterwards."""
    saved = {k: os.environ.get(k) for k in KERNEL_ENV}
    os.environ.update(KERNEL_ENV)
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
) -> tuple[float, ChapterError | None]:
    """Execute one notebook; on failure keep it under ``failed`` and write a failure page."""
    import papermill

    src_p, dst_p, failed_p = Path(src), Path(dst), Path(failed)
    dst_p.parent.mkdir(parents=True, exist_ok=True)
    failed_p.unlink(missing_ok=True)
    error: ChapterError | None = None
    start = time.perf_counter()
    with _kernel_env():
        try:
            papermill.execute_notebook(
                src,
                dst,
                parameters=parameters,
                kernel_name=kernel_name,
                cwd=str(src_p.parent),
                progress_bar=False,
                log_output=False,
                request_save_on_cell_execute=False,
                # the kernel's own log (e.g. ipykernel 7's "running over TCP without
                # encryption" on every start) is noise here; cell output is not affected
                extra_arguments=["--IPKernelApp.log_level=CRITICAL"],
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
    seconds = time.perf_counter() - start
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
    import nbformat

    try:
        nb = nbformat.read(executed, as_version=4)
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
            nbformat.write(nb, executed)
            return True
    return False


def _source_cell_number(executed: Path, ename: str) -> int | None:
    """1-based position in the source notebook of the first cell with an error output."""
    import nbformat

    try:
        nb = nbformat.read(executed, as_version=4)
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
