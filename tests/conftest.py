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
        formats=("html", "pdf"),
        engine="pandoc",
        jobs=2,
        metadata=course_metadata(cfg),
    )
    return result
