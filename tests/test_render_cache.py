"""The chapter execution cache: a chapter is executed again exactly when its code, its
parameters, the data it reads or flbook change; prose edits are merged without running.

The rendering test uses a one-chapter book over a copy of the bundled course; the
chapter prints a fresh random token each time it really executes, so a cached chapter
shows the token of the run it came from.
"""

from __future__ import annotations

import copy
import os
import re
import shutil
from pathlib import Path

import nbformat
import pytest
import yaml

import flbook
from flbook.cli import main
from flbook.render.cache import ChapterCache, chapter_key, flbook_fingerprint, merge_prose

ROOT = Path(__file__).resolve().parent.parent
BODY = """\
import uuid
import flbook as fl
course = fl.setup(globals())
print("TOKEN", uuid.uuid4().hex)
print("ENROLMENTS", len(course.table("enrolments")), "GAP", session_gap_minutes)
"""


def _notebook(prose: str, body: str = BODY) -> nbformat.NotebookNode:
    from flbook.config import parameters_cell

    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell(parameters_cell())
    params.metadata["tags"] = ["parameters"]
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Cached {#sec-cached}"),
        params,
        nbformat.v4.new_markdown_cell(prose),
        nbformat.v4.new_code_cell(body),
    ]
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    return nb


@pytest.fixture
def project(tmp_path):
    """A one-chapter book project and a copy of the bundled course."""
    root = tmp_path / "project"
    (root / "chapters").mkdir(parents=True)
    (root / "_quarto.yml").write_text(
        "project: {type: book}\nbook:\n  title: T\n  chapters:\n    - chapters/01-cached.ipynb\n"
    )
    nbformat.write(_notebook("First prose."), root / "chapters" / "01-cached.ipynb")
    course = tmp_path / "course"
    shutil.copytree(ROOT / "data_stub", course)
    return root, course / "course.yml"


def _render(project: Path, course_yml: Path, out: Path, capsys, *extra: str) -> tuple[str, str]:
    """Render; return (how the chapter was made: 'ok' or 'cached', its printed output)."""
    code = main(
        ["render", str(course_yml), "--project", str(project), "--engine", "pandoc"]
        + ["--to", "html-single"]
        + ["--out", str(out), *extra]
    )
    err = capsys.readouterr().err
    assert code == 0, err
    [line] = [ln for ln in err.splitlines() if "01-cached" in ln and "[1/1]" in ln]
    how = line.split()[2]
    nb = nbformat.read(out / "_build" / "chapters" / "01-cached.ipynb", as_version=4)
    printed = "".join(o.get("text", "") for c in nb.cells for o in c.get("outputs", []))
    return how, printed


def _token(printed: str) -> str:
    return re.search(r"TOKEN (\w+)", printed).group(1)


@pytest.mark.heavy
def test_a_chapter_is_executed_again_exactly_when_what_it_depends_on_changes(
    project, tmp_path, capsys, monkeypatch
):
    root, course_yml = project
    chapter = root / "chapters" / "01-cached.ipynb"
    out = tmp_path / "out"

    how, first = _render(root, course_yml, out, capsys)
    assert how == "ok"
    how, again = _render(root, course_yml, out, capsys)
    assert how == "cached" and _token(again) == _token(first)

    # prose: merged into the cached outputs, nothing executed
    nbformat.write(_notebook("Second prose, edited."), chapter)
    how, printed = _render(root, course_yml, out, capsys)
    assert how == "cached" and _token(printed) == _token(first)
    page = (out / "book.html").read_text(encoding="utf-8")
    assert "Second prose, edited." in page and "First prose." not in page

    # parameters: a course setting changed
    settings = yaml.safe_load(course_yml.read_text())
    settings["session_gap_minutes"] = 40
    course_yml.write_text(yaml.safe_dump(settings))
    how, printed = _render(root, course_yml, out, capsys)
    assert how == "ok" and _token(printed) != _token(first) and "GAP 40" in printed
    tokens = {_token(printed)}

    # data: one export file changed (its last enrolment removed)
    enrolments = next(course_yml.parent.glob("*_enrolments.csv"))
    before = int(re.search(r"ENROLMENTS (\d+)", printed).group(1))
    lines = enrolments.read_text(encoding="utf-8").splitlines(keepends=True)
    enrolments.write_text("".join(lines[:-1]), encoding="utf-8")
    how, printed = _render(root, course_yml, out, capsys)
    assert how == "ok" and _token(printed) not in tokens
    assert f"ENROLMENTS {before - 1}" in printed
    tokens.add(_token(printed))
    how, printed = _render(root, course_yml, out, capsys)
    assert how == "cached" and _token(printed) in tokens

    # source: the chapter's code changed
    nbformat.write(_notebook("Second prose, edited.", BODY + "print('more')\n"), chapter)
    how, printed = _render(root, course_yml, out, capsys)
    assert how == "ok" and _token(printed) not in tokens and "more" in printed
    tokens.add(_token(printed))

    # flbook's version
    monkeypatch.setattr(flbook, "__version__", flbook.__version__ + ".post1")
    flbook_fingerprint.cache_clear()
    how, printed = _render(root, course_yml, out, capsys)
    assert how == "ok" and _token(printed) not in tokens
    tokens.add(_token(printed))
    how, printed = _render(root, course_yml, out, capsys)
    assert how == "cached" and _token(printed) in tokens

    # --no-cache executes, and tells the next run nothing
    how, printed = _render(root, course_yml, out, capsys, "--no-cache")
    assert how == "ok" and _token(printed) not in tokens
    how, cached = _render(root, course_yml, out, capsys)
    assert how == "cached" and _token(cached) != _token(printed)
    flbook_fingerprint.cache_clear()


def test_the_key_covers_code_parameters_data_and_flbook_but_not_prose():
    nb = _notebook("Some prose.")
    params = {"title": "T", "session_gap_minutes": 30}
    key = chapter_key(nb, params, "data-1", fingerprint="flbook-1")
    assert key == chapter_key(copy.deepcopy(nb), dict(params), "data-1", fingerprint="flbook-1")
    assert key == chapter_key(_notebook("Other prose."), params, "data-1", fingerprint="flbook-1")
    changed = [
        chapter_key(
            _notebook("Some prose.", BODY + "1\n"), params, "data-1", fingerprint="flbook-1"
        ),
        chapter_key(nb, {**params, "session_gap_minutes": 31}, "data-1", fingerprint="flbook-1"),
        chapter_key(nb, params, "data-2", fingerprint="flbook-1"),
        chapter_key(nb, params, "data-1", fingerprint="flbook-2"),
        chapter_key(nb, params, "data-1", fingerprint="flbook-1", kernel_name="other"),
    ]
    assert len({key, *changed}) == 6
    # the metadata Jupyter writes while executing does not count, tags do
    executed = copy.deepcopy(nb)
    executed.cells[3].metadata["execution"] = {"iopub.status.busy": "2026-01-01"}
    assert chapter_key(executed, params, "data-1", fingerprint="flbook-1") == key
    executed.cells[3].metadata["tags"] = ["remove-input"]
    assert chapter_key(executed, params, "data-1", fingerprint="flbook-1") != key


def _executed(source: nbformat.NotebookNode, *, stop_at: int | None = None):
    """A stand-in for papermill's output: parameters injected, outputs on code cells."""
    nb = copy.deepcopy(source)
    injected = nbformat.v4.new_code_cell("title = 'injected'")
    injected.metadata["tags"] = ["injected-parameters"]
    cells = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            cell.outputs = [nbformat.v4.new_output("stream", text=f"out {i}\n")]
        cells.append(cell)
        if "parameters" in cell.metadata.get("tags", []):
            cells.append(injected)
        if stop_at is not None and i == stop_at:
            nb.metadata["flbook"] = {"stopped_at_cell": len(cells)}
            break
    nb.cells = cells
    return nb


def test_merge_keeps_outputs_and_takes_the_current_prose(tmp_path):
    source = _notebook("Old words.")
    source.cells.append(nbformat.v4.new_markdown_cell("Closing words."))
    executed = _executed(source)
    edited = copy.deepcopy(source)
    edited.cells[2].source = "New words."
    merged = merge_prose(executed, edited)
    assert [c.cell_type for c in merged.cells] == [
        "markdown",
        "code",
        "code",
        "markdown",
        "code",
        "markdown",
    ]
    assert "injected-parameters" in merged.cells[2].metadata["tags"]
    assert merged.cells[3].source == "New words."
    assert merged.cells[4].outputs[0]["text"] == "out 3\n"
    # a chapter that stopped early stops at the same cell again
    stopped = merge_prose(_executed(source, stop_at=1), edited)
    assert [c.cell_type for c in stopped.cells] == ["markdown", "code", "code"]
    # stored and fetched again through the cache folder
    cache = ChapterCache(tmp_path / "cache")
    path = tmp_path / "executed.ipynb"
    nbformat.write(executed, path)
    assert cache.get("k", edited) is None
    cache.put("k", path)
    assert cache.get("k", edited).cells[3].source == "New words."


def _timed_book(root: Path, n: int, stems: list[str] | None = None) -> Path:
    """A book of ``n`` chapters (or these), each printing when it started and ended."""
    (root / "chapters").mkdir(parents=True)
    stems = stems or [f"0{i}-timed" for i in range(1, n + 1)]
    names = [f"chapters/{stem}.ipynb" for stem in stems]
    (root / "_quarto.yml").write_text(
        "project: {type: book}\nbook:\n  title: T\n  chapters:\n"
        + "".join(f"    - {name}\n" for name in names)
    )
    for name in names:
        nb = nbformat.v4.new_notebook()
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
        nb.cells = [
            nbformat.v4.new_markdown_cell("# Timed"),
            nbformat.v4.new_code_cell(
                "import time\nprint('START', time.time())\ntime.sleep(1)\nprint('END', time.time())"
            ),
        ]
        nbformat.write(nb, root / name)
    return root


@pytest.mark.heavy
def test_the_memory_guard_runs_chapters_one_at_a_time_when_memory_is_short(tmp_path):
    from flbook.render import execute_chapters, read_book

    book = read_book(_timed_book(tmp_path / "book", 3))
    results = execute_chapters(book, {}, tmp_path / "build", jobs=3, memory_share=1e-9)
    assert all(r.ok for r in results)
    spans = _spans(results)
    assert all(
        end <= next_start for (_, end), (next_start, _) in zip(spans, spans[1:], strict=False)
    )


def _spans(results) -> list[tuple[float, float]]:
    """Each executed chapter's (start, end), as it printed them, in start order."""
    spans = []
    for r in results:
        nb = nbformat.read(r.output, as_version=4)
        printed = "".join(o.get("text", "") for c in nb.cells for o in c.get("outputs", []))
        spans.append(
            tuple(float(re.search(rf"{w} ([\d.]+)", printed).group(1)) for w in ("START", "END"))
        )
    return sorted(spans)


@pytest.mark.heavy
@pytest.mark.parametrize("large", [True, False])
def test_the_memory_guard_counts_on_each_chapters_recorded_peak(tmp_path, large):
    """Two chapters recorded as each needing 40% of the machine, under a guard of 50%,
    run one after the other from the start; recorded as small, side by side. Each
    chapter's peak is recorded again, with the data's size, for the next render."""
    from flbook.render import execute_chapters, read_book
    from flbook.render.execute import _memory_total_kb

    book = read_book(_timed_book(tmp_path / "book", 2))
    cache = ChapterCache(tmp_path / "cache")
    peak_mb = 0.4 * _memory_total_kb() / 1024 if large else 400.0
    for name in ("01-timed", "02-timed"):
        cache.remember_peak(name, peak_mb, 10.0)
    events = []
    results = execute_chapters(
        book, {}, tmp_path / "build", jobs=2, cache=cache.root, data_key="d", data_mb=12.0,
        progress=events.append,
    )  # fmt: skip
    (_, first_end), (second_start, _) = _spans(results)
    assert (first_end <= second_start) is large
    ends = [e for e in events if e.kind == "end"]
    assert len(ends) == 2 and all(30 < e.peak_mb < 0.4 * _memory_total_kb() / 1024 for e in ends)
    recorded = cache.peaks()
    assert set(recorded) == {"01-timed", "02-timed"}
    for peak, data_mb in recorded.values():
        assert 30 < peak < 0.4 * _memory_total_kb() / 1024  # a worker and its kernel
        assert data_mb == 12.0


@pytest.mark.heavy
def test_render_names_a_chapter_that_alone_needs_more_than_the_memory_bound(
    project, tmp_path, capsys
):
    root, course_yml = project
    nbformat.write(_notebook("Second."), root / "chapters" / "02-cached.ipynb")
    quarto = root / "_quarto.yml"
    quarto.write_text(quarto.read_text() + "    - chapters/02-cached.ipynb\n")
    args = ["render", str(course_yml), "--project", str(root), "--engine", "pandoc"]
    args += ["--to", "html-single", "--out", str(tmp_path / "out"), "--jobs", "2"]
    assert main([*args, "--max-memory", "1M"]) == 0
    err = capsys.readouterr().err
    for name in ("01-cached", "02-cached"):
        [line] = [ln for ln in err.splitlines() if f"] {name}" in ln]
        assert re.search(r"ok\s+[\d.]+ s\s+[\d.]+ GB$", line), line  # its peak memory
        assert re.search(
            rf"warning: {name} reached [\d.]+ GB on its own, over the memory bound", err
        )
    # under a bound they fit in, no warning
    assert main([*args, "--no-cache"]) == 0  # the default bound: half the machine
    assert "over the memory bound" not in capsys.readouterr().err


def test_a_chapters_expected_peak_scales_with_the_data_above_a_kernels_fixed_cost(monkeypatch):
    from flbook.render import execute

    monkeypatch.setattr(execute, "TYPICAL_PEAK_MB", {"12-predictions": 2300.0})
    monkeypatch.setattr(execute, "TYPICAL_DATA_MB", 400.0)
    expected = execute.expected_peak_mb
    base = execute.KERNEL_MB
    # its own record on a like course comes first, scaled to today's data
    assert expected("12-predictions", 110.0, {"12-predictions": (1300.0, 100.0)}) == pytest.approx(
        base + (1300.0 - base) * 1.1
    )
    # a record from a course of another size gives way to the typical peak
    assert expected("12-predictions", 200.0, {"12-predictions": (1300.0, 10.0)}) == pytest.approx(
        base + (2300.0 - base) / 2
    )
    assert expected("12-predictions", None, {}) == 0.0
    assert expected("03-enrolment", 200.0, {}) == 0.0  # nothing to go on


def test_recorded_peaks_survive_a_damaged_file(tmp_path):
    cache = ChapterCache(tmp_path)
    cache.remember_peak("01-a", 512.25, 3.5)
    cache.remember_peak("02-b", 700.0, 3.5)
    assert cache.peaks() == {"01-a": (512.2, 3.5), "02-b": (700.0, 3.5)}
    (tmp_path / "memory.json").write_text('{"01-a": [1, "x"], "02-b": [9, 2]}')
    assert cache.peaks() == {"02-b": (9.0, 2.0)}
    (tmp_path / "memory.json").write_text("not json")
    assert cache.peaks() == {}


@pytest.mark.heavy
def test_the_chapter_that_took_longest_last_time_starts_first(tmp_path):
    """Side by side, chapters start longest first, by the times the cache recorded."""
    from flbook.render import execute_chapters, read_book

    book = read_book(_timed_book(tmp_path / "book", 3))
    cache = ChapterCache(tmp_path / "cache")
    cache.remember_time("03-timed", 120.0)
    cache.remember_time("01-timed", 5.0)
    results = execute_chapters(
        book, {}, tmp_path / "build", jobs=2, cache=cache.root, data_key="d", memory_share=1.0
    )
    starts = {}
    for r in results:
        nb = nbformat.read(r.output, as_version=4)
        printed = "".join(o.get("text", "") for c in nb.cells for o in c.get("outputs", []))
        starts[r.entry.name] = float(re.search(r"START ([\d.]+)", printed).group(1))
    assert starts["03-timed"] < starts["02-timed"]  # 02 had no time: after the timed ones
    # each executed chapter's time is recorded for the next render
    assert set(cache.timings()) == {"01-timed", "02-timed", "03-timed"}
    assert cache.timings()["03-timed"] < 120.0


@pytest.mark.heavy
def test_chapters_side_by_side_share_the_cores_between_their_thread_pools(tmp_path, monkeypatch):
    """Two chapters at once: each kernel's OpenMP/BLAS pools get half the cores."""
    from flbook.render import execute_chapters, read_book
    from flbook.render.execute import default_jobs
    from flbook.render.kernels import THREAD_VARIABLES

    for name in THREAD_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    book = read_book(_timed_book(tmp_path / "book", 2))
    for path in (tmp_path / "book" / "chapters").glob("*.ipynb"):
        nb = nbformat.read(path, as_version=4)
        nb.cells.append(
            nbformat.v4.new_code_cell("import os\nprint('OMP', os.environ['OMP_NUM_THREADS'])")
        )
        nbformat.write(nb, path)
    results = execute_chapters(book, {}, tmp_path / "build", jobs=2, memory_share=1.0)
    for r in results:
        nb = nbformat.read(r.output, as_version=4)
        printed = "".join(o.get("text", "") for c in nb.cells for o in c.get("outputs", []))
        assert f"OMP {max(1, default_jobs() // 2)}" in printed


@pytest.mark.heavy
@pytest.mark.parametrize("user_value", [None, "1"])
def test_kernels_turn_numpy_huge_pages_off_unless_the_user_chose(tmp_path, monkeypatch, user_value):
    """numpy's huge-page advice stalled large arrays 7-fold here (flbook.render._imports):
    the kernels start without it, unless NUMPY_MADVISE_HUGEPAGE was set by the user."""
    from flbook.render import execute_chapters, read_book

    if user_value is None:
        monkeypatch.delenv("NUMPY_MADVISE_HUGEPAGE", raising=False)
    else:
        monkeypatch.setenv("NUMPY_MADVISE_HUGEPAGE", user_value)
    book = read_book(_timed_book(tmp_path / "book", 1))
    for path in (tmp_path / "book" / "chapters").glob("*.ipynb"):
        nb = nbformat.read(path, as_version=4)
        nb.cells.append(
            nbformat.v4.new_code_cell(
                "import numpy._core.multiarray as m\nprint('HUGE', m._get_madvise_hugepage())"
            )
        )
        nbformat.write(nb, path)
    (result,) = execute_chapters(book, {}, tmp_path / "build", jobs=1)
    nb = nbformat.read(result.output, as_version=4)
    printed = "".join(o.get("text", "") for c in nb.cells for o in c.get("outputs", []))
    assert f"HUGE {user_value == '1'}" in printed
    # the render's own environment is left as it was
    assert os.environ.get("NUMPY_MADVISE_HUGEPAGE") == user_value


@pytest.mark.heavy
def test_without_recorded_times_the_typically_longest_chapter_starts_first(tmp_path):
    """A first render (no cache) starts the predictions chapter first, not twelfth."""
    from flbook.render import execute_chapters, read_book

    stems = ["01-timed", "02-timed", "12-predictions"]
    book = read_book(_timed_book(tmp_path / "book", 3, stems))
    results = execute_chapters(book, {}, tmp_path / "build", jobs=2, memory_share=1.0)
    starts = {}
    for r in results:
        nb = nbformat.read(r.output, as_version=4)
        printed = "".join(o.get("text", "") for c in nb.cells for o in c.get("outputs", []))
        starts[r.entry.name] = float(re.search(r"START ([\d.]+)", printed).group(1))
    assert starts["12-predictions"] < starts["02-timed"]


def test_the_data_key_changes_with_any_export_file_or_previous_run(tmp_path):
    from flbook.render.cli import course_data_key
    from flbook.store import load_course

    course_dir = tmp_path / "course"
    shutil.copytree(ROOT / "data_stub", course_dir)
    course_yml = course_dir / "course.yml"
    key = course_data_key(load_course(course_yml))
    assert key == course_data_key(load_course(course_yml))
    assert key.count("+") == 2  # the course and its two previous runs

    previous = sorted((course_dir / "previous-runs").glob("*/*_comments.csv"))[0]
    previous.write_text(previous.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    changed = course_data_key(load_course(course_yml))
    assert changed != key and changed.split("+")[0] == key.split("+")[0]

    video = next(course_dir.glob("*_video-stats.csv"))
    lines = video.read_text(encoding="utf-8").splitlines(keepends=True)
    video.write_text("".join(lines[:-1]), encoding="utf-8")
    assert course_data_key(load_course(course_yml)).split("+")[0] != key.split("+")[0]


def test_entries_unused_for_a_month_are_pruned(tmp_path):
    import os
    import time

    cache = ChapterCache(tmp_path / "cache")
    path = tmp_path / "executed.ipynb"
    nbformat.write(_executed(_notebook("Words.")), path)
    cache.put("old", path)
    cache.put("fresh", path)
    month_ago = time.time() - 31 * 86400
    os.utime(cache.path("old"), (month_ago, month_ago))
    os.utime(cache.path("fresh"), (month_ago, month_ago))
    assert cache.get("fresh", _notebook("Words.")) is not None  # a use renews it
    assert cache.prune() == [cache.path("old")]
    assert cache.path("fresh").exists()
