"""Shared fixtures (Agg backend, figures closed after each test, a store in tmp) and the
markers of the slow tests (``heavy``, ``book``; see pyproject.toml)."""

from __future__ import annotations

import os

os.environ.setdefault("MPLBACKEND", "Agg")

# Under pytest-xdist, each worker's thread pools (OpenMP in scikit-learn's gradient
# boosting, Arrow's, and the kernels the heavy tests start) get the worker's share of the
# cores: N workers each starting a thread per core oversubscribe the machine, and
# OpenMP's waiting threads then crawl (test_models_are_seeded_pipelines took 17 s instead
# of 4 s on two busy cores). Set before scikit-learn or pyarrow are first imported.
_WORKERS = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
if _WORKERS > 1:
    os.environ.setdefault("OMP_NUM_THREADS", str(max(1, (os.cpu_count() or 1) // _WORKERS)))

# The chapter workers and the ``flbook`` command keep jsonschema's slow optional import
# out (flbook.render._imports); so does the suite: with JupyterLab installed it cost every
# xdist worker 4 s of its collection (tests import nbformat).
from flbook.render._imports import skip_slow_format_checkers  # noqa: E402

skip_slow_format_checkers()

import matplotlib  # noqa: E402
import pytest  # noqa: E402

matplotlib.use("Agg")


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    import matplotlib.pyplot as plt

    plt.close("all")


@pytest.fixture(autouse=True)
def _private_cache(tmp_path_factory, monkeypatch):
    """Every test gets the course store in a temporary folder, never ~/.cache."""
    monkeypatch.setenv("FLBOOK_CACHE", str(tmp_path_factory.getbasetemp() / "flbook-cache"))


# Fixtures that execute chapters or render, as (module, fixture name): the marker a test
# that uses one gets. ``book``: a whole book, a minute or more each; ``heavy``: a small
# book or a few chapters, executed or rendered (see the markers in pyproject.toml). So
# ``pytest -m "not heavy"`` is the fast loop; and a test joins its fixture's xdist
# group, so that under ``pytest -n N --dist loadgroup`` one worker builds each once.
SLOW_FIXTURES = {
    ("conftest", "bundled"): "book",
    ("test_book", "awkward"): "book",
    ("test_absent_file", "absent_steps_book"): "book",
    ("test_folds", "portable"): "heavy",
    ("test_no_data", "nothing_but_enrolments"): "heavy",
    ("test_no_data", "no_step_activity"): "heavy",
    ("test_pdf_layout", "pandoc_layout_pdf"): "heavy",
    ("test_portfolio", "serial"): "heavy",
    ("test_render", "rendered"): "heavy",
}


def _slow_fixtures(item) -> dict[str, str]:
    """{fixture name: marker} of the fixtures in SLOW_FIXTURES that ``item`` uses."""
    info = getattr(item, "_fixtureinfo", None)
    if info is None:
        return {}
    found = {}
    for name in info.names_closure:
        for fixturedef in info.name2fixturedefs.get(name, ()):
            module = getattr(fixturedef.func, "__module__", "").rpartition(".")[2]
            if (module, name) in SLOW_FIXTURES:
                found[name] = SLOW_FIXTURES[module, name]
    return found


HEAVY_KINDS = ("book", "wheel", "quarto", "browser")
"""Markers of kinds of heavy test: a test with one of them is marked ``heavy`` too, so
that ``pytest -m "not heavy"`` is the whole fast loop."""


def pytest_collection_modifyitems(config, items):
    for item in items:
        slow = _slow_fixtures(item)
        if slow:
            for marker in sorted(set(slow.values())):
                item.add_marker(getattr(pytest.mark, marker))
            item.add_marker(pytest.mark.xdist_group(name="-".join(sorted(slow))))
        if any(item.get_closest_marker(kind) for kind in HEAVY_KINDS):
            item.add_marker(pytest.mark.heavy)


@pytest.fixture(scope="session")
def bundled(tmp_path_factory):
    """The bundled course executed and rendered by the pandoc engine, once per session."""
    from pathlib import Path

    from flbook.config import load_config
    from flbook.render import render_book
    from flbook.render.cli import course_metadata

    root = Path(__file__).resolve().parent.parent
    cfg = load_config(root / "data_stub" / "course.yml")
    out = tmp_path_factory.mktemp("book")
    result = render_book(
        root,
        cfg.to_parameters(),
        out,
        formats=("html", "html-single", "pdf"),
        engine="pandoc",
        jobs=2,
        metadata=course_metadata(cfg),
    )
    return result
