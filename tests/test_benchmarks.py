"""Tests of the benchmark scripts' own bookkeeping (their figures are never asserted)."""

from __future__ import annotations

import datetime as dt
import importlib.util
import io
import re
import sys
from contextlib import redirect_stderr
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _book_benchmark():
    spec = importlib.util.spec_from_file_location("book_benchmark", ROOT / "benchmarks" / "book.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses and friends look their module up
    spec.loader.exec_module(module)
    return module


def test_a_second_run_of_the_day_never_overwrites_the_first(tmp_path):
    results_path = _book_benchmark().results_path
    day = dt.date(2026, 11, 23)
    first = results_path(tmp_path, day)
    assert first.name == "book-2026-11-23.csv"
    first.write_text("x")
    second = results_path(tmp_path, day)
    assert second.name == "book-2026-11-23-b.csv"
    second.write_text("y")
    assert results_path(tmp_path, day).name == "book-2026-11-23-c.csv"


def test_the_book_benchmark_reads_each_chapters_time_and_peak_from_the_render():
    """The lines ``flbook render`` prints (tests/test_render_cache.py checks they carry
    the peak when chapters run side by side)."""
    from flbook.render.cli import _print_progress
    from flbook.render.execute import ProgressEvent

    line = _book_benchmark()._CHAPTER_LINE
    with redirect_stderr(io.StringIO()) as err:
        _print_progress(ProgressEvent("end", "12-predictions", 1, 2, 194.2, peak_mb=4300.0))
        _print_progress(ProgressEvent("end", "13-notebooks", 2, 2, 2.1, cached=True))
    printed = err.getvalue()
    found = {m[1]: (m[2], float(m[3]), m[4]) for m in line.finditer(printed)}
    assert found == {"12-predictions": ("ok", 194.2, "4.2"), "13-notebooks": ("cached", 2.1, None)}


def test_the_typical_chapters_come_from_a_renders_cache_and_the_render_reads_them(tmp_path):
    """benchmarks/book.py --save-typical writes what flbook/render/execute.py reads."""
    import json

    from flbook.render import execute
    from flbook.render.cache import ChapterCache

    cache = ChapterCache(tmp_path)
    for name, secs, peak in (("12-predictions", 121.8, 4198.4), ("13-notebooks", 1.2, 819.0)):
        cache.remember_time(name, secs)
        cache.remember_peak(name, peak, 1094.9)
    cache.remember_time("99-failed-before-its-peak", 3.0)
    typical = _book_benchmark().typical_chapters(tmp_path, 1_000_000, dt.date(2026, 12, 3))
    assert typical["data_mb"] == 1094.9 and typical["measured"] == "2026-12-03"
    assert list(typical["chapters"]) == ["12-predictions", "13-notebooks"]  # longest first
    assert typical["chapters"]["12-predictions"] == {"seconds": 121.8, "peak_mb": 4198}

    shipped = json.loads(execute.TYPICAL_FILE.read_text())
    assert set(shipped) == set(typical)  # the shipped file has the written form
    assert execute.TYPICAL_DATA_MB == shipped["data_mb"] > 0
    assert max(execute.TYPICAL_SECONDS, key=execute.TYPICAL_SECONDS.get) == "12-predictions"
    assert set(execute.TYPICAL_PEAK_MB) == set(shipped["chapters"])


def _load_benchmark():
    spec = importlib.util.spec_from_file_location("load_benchmark", ROOT / "benchmarks" / "load.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_the_bare_parse_sets_newlines_in_values_where_the_reader_does():
    from flbook.exports._schema import DATASETS

    bench = _load_benchmark()
    course = ROOT / "data_stub"
    plan = bench.parse_plan(course)
    stub = "learn-to-code-3"
    exports = {f.name for f in course.glob(f"{stub}_*.csv")}
    assert set(plan) == exports and len(exports) == 12  # not notebook-users.csv
    for name, how in plan.items():
        ds = DATASETS[name.removesuffix(".csv").split("_", 1)[1]]
        assert how["newlines"] is ds.free_text
    assert plan[f"{stub}_comments.csv"]["newlines"]  # its comments hold line breaks
    assert not plan[f"{stub}_step-activity.csv"]["newlines"]
    assert plan[f"{stub}_step-activity.csv"]["timestamps"] == [
        "first_visited_at",
        "last_completed_at",
    ]
    # both bare parses read every bundled file with these settings
    bench._bare_parse(course, plan, timestamps=False)
    bench._bare_parse(course, plan, timestamps=True)


def test_flame_splits_a_chapter_into_kernel_setup_and_its_costliest_cells(tmp_path):
    import nbformat

    spec = importlib.util.spec_from_file_location("flame", ROOT / "benchmarks" / "flame.py")
    flame = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(flame)
    start = dt.datetime(2026, 12, 2, 13, 0, tzinfo=dt.timezone.utc)
    nb = nbformat.v4.new_notebook()
    nb.metadata["papermill"] = {"start_time": start.isoformat(), "duration": 10.0}
    cells = [("course = fl.setup(globals())", 2.0), ("slow_recipe(course)", 5.0), ("x = 1", 0.5)]
    at = start + dt.timedelta(seconds=1.5)  # the kernel took 1.5 s to start
    for source, seconds in cells:
        cell = nbformat.v4.new_code_cell(source)
        cell.metadata["papermill"] = {"start_time": at.isoformat(), "duration": seconds}
        at += dt.timedelta(seconds=seconds)
        nb.cells.append(cell)
    (tmp_path / "chapters").mkdir()
    nbformat.write(nb, tmp_path / "chapters" / "07-demo.ipynb")
    times = flame.chapter_times(tmp_path / "chapters" / "07-demo.ipynb")
    assert times["wall"] == 10.0 and times["kernel"] == 1.5 and times["setup"] == 2.0
    assert times["cells"][0] == (5.0, "slow_recipe(course)")
    text = flame.breakdown(tmp_path, top=1)
    assert "07-demo" in text and "slow_recipe(course)" in text
    # the rest: the 0.5 s cell and papermill's own 1.0 s (10 - 1.5 - 2 - 5)
    assert re.search(r"the other 1 cells and papermill +1\.5 s", text)
    assert "kernel start 1.5 s (15 %)" in text
