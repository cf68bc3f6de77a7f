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
