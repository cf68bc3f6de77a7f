"""Tests of the benchmark scripts' own bookkeeping (their figures are never asserted)."""

from __future__ import annotations

import datetime as dt
import importlib.util
import sys
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
