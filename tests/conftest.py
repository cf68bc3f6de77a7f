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
# (test module, fixture name). A test that uses one is marked ``book``, so that
# ``pytest -m "not book"`` is the fast loop.
BOOK_FIXTURES = {
    ("test_book", "bundled"),
    ("test_book", "awkward"),
}


def _renders_a_book(item) -> bool:
    info = getattr(item, "_fixtureinfo", None)
    if info is None:
        return False
    for name in info.names_closure:
        for fixturedef in info.name2fixturedefs.get(name, ()):
            module = getattr(fixturedef.func, "__module__", "").rpartition(".")[2]
            if (module, name) in BOOK_FIXTURES:
                return True
    return False


def pytest_collection_modifyitems(config, items):
    for item in items:
        if _renders_a_book(item):
            item.add_marker(pytest.mark.book)
