"""What every chart shares (flbook.plotting._base)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

import flbook.plotting as flp  # noqa: E402
from flbook.plotting._base import no_data  # noqa: E402


def test_no_data_touches_only_its_axes():
    fig, ax = plt.subplots(figsize=(8, 4.5))
    assert no_data(ax) is ax
    assert tuple(fig.get_size_inches()) == (8, 4.5)
    assert [t.get_text() for t in ax.texts] == ["No data"]
    plt.close(fig)


def test_a_plot_function_on_empty_data_leaves_the_figure_size_alone():
    fig, ax = plt.subplots(figsize=(8, 4.5))
    empty = pd.DataFrame({"retries": [], "learner_cells": [], "pct": []})
    flp.plot_retries(empty, ax=ax)
    assert tuple(fig.get_size_inches()) == (8, 4.5)
    plt.close(fig)


def test_an_empty_chart_alone_in_its_figure_can_be_made_a_strip():
    fig, ax = plt.subplots(figsize=(8, 4.5))
    no_data(ax)
    assert flp.fit_empty_figure(fig)
    width, height = fig.get_size_inches()
    assert width == 8 and height <= 1
    plt.close(fig)


def test_a_figure_with_data_or_with_several_panels_keeps_its_size():
    fig, axes = plt.subplots(1, 2, figsize=(8, 4.5))
    no_data(axes[0])
    assert not flp.fit_empty_figure(fig)
    assert tuple(fig.get_size_inches()) == (8, 4.5)
    drawn, ax = plt.subplots(figsize=(8, 4.5))
    ax.plot([1, 2], [3, 4])
    ax.text(0.5, 0.5, "No data")  # the words alone do not make an Axes empty
    assert not flp.fit_empty_figure(drawn)
    assert tuple(drawn.get_size_inches()) == (8, 4.5)
    plt.close("all")


def _png_height(data: bytes) -> int:
    """Height in pixels of a PNG (its IHDR chunk)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return int.from_bytes(data[20:24], "big")


def test_a_chapter_shows_an_empty_chart_alone_in_its_figure_as_a_strip():
    """The chapters' set-up wraps the shell's PNG printer of figures (flbook._setup)."""
    from functools import partial
    from types import SimpleNamespace

    from IPython.core.formatters import PNGFormatter
    from IPython.core.pylabtools import print_figure
    from matplotlib.figure import Figure

    from flbook._setup import _show_empty_figures_as_strips

    png = PNGFormatter()
    png.for_type(Figure, partial(print_figure, fmt="png", bbox_inches="tight"))
    shell = SimpleNamespace(display_formatter=SimpleNamespace(formatters={"image/png": png}))
    _show_empty_figures_as_strips(shell)
    _show_empty_figures_as_strips(shell)  # a second set-up wraps it once
    empty, ax = plt.subplots(figsize=(8, 4))
    flp.plot_retries(pd.DataFrame({"retries": [], "learner_cells": [], "pct": []}), ax=ax)
    full, ax2 = plt.subplots(figsize=(8, 4))
    ax2.plot([1, 2], [3, 4])
    strip, chart = _png_height(png(empty)), _png_height(png(full))
    assert strip < 0.3 * chart
    assert tuple(full.get_size_inches()) == (8, 4)
    plt.close("all")


def test_the_house_style_is_a_style_sheet_the_chapters_apply():
    import matplotlib as mpl

    from flbook._setup import _style
    from flbook.plotting import STYLE

    sheet = mpl.rc_params_from_file(STYLE, use_default_template=False)
    assert sheet["figure.dpi"] == 110 and sheet["axes.spines.top"] is False
    with mpl.rc_context():
        mpl.rcParams["figure.dpi"] = 72
        _style()
        for key, value in sheet.items():
            assert mpl.rcParams[key] == value, key
