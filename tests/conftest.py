"""Shared fixtures: Agg backend, figures closed after each test, a store in tmp."""

from __future__ import annotations

import os

os.environ.setdefault("MPLBACKEND", "Agg")

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


# Fixtures that execute and render a whole book (a minute or more each), as
# (module, fixture name). A test that uses one is marked ``book``, so that
# ``pytest -m "not book"`` is the fast loop; and it joins the fixture's xdist group, so
# that under ``pytest -n N --dist loadgroup`` one worker renders each book once.
BOOK_FIXTURES = {
    ("conftest", "bundled"),
    ("test_book", "awkward"),
    ("test_absent_file", "absent_steps_book"),
}


def _book_fixtures(item) -> list[str]:
    info = getattr(item, "_fixtureinfo", None)
    if info is None:
        return []
    found = []
    for name in info.names_closure:
        for fixturedef in info.name2fixturedefs.get(name, ()):
            module = getattr(fixturedef.func, "__module__", "").rpartition(".")[2]
            if (module, name) in BOOK_FIXTURES:
                found.append(name)
    return found


def pytest_collection_modifyitems(config, items):
    for item in items:
        books = _book_fixtures(item)
        if books:
            item.add_marker(pytest.mark.book)
            item.add_marker(pytest.mark.xdist_group(name="-".join(sorted(set(books)))))


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
