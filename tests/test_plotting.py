"""What every chart shares (flbook.plotting._base)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

import flbook.plotting as flp  # noqa: E402
from flbook.plotting._base import no_data  # noqa: E402


def test_an_empty_chart_alone_in_its_figure_becomes_a_strip():
    fig, ax = plt.subplots(figsize=(8, 4.5))
    no_data(ax)
    width, height = fig.get_size_inches()
    assert width == 8 and height <= 1
    assert [t.get_text() for t in ax.texts] == ["No data"]
    plt.close(fig)


def test_an_empty_panel_of_a_grid_keeps_the_figure_size():
    fig, axes = plt.subplots(1, 2, figsize=(8, 4.5))
    no_data(axes[0])
    assert tuple(fig.get_size_inches()) == (8, 4.5)
    plt.close(fig)


def test_a_plot_function_on_empty_data_draws_a_strip():
    fig, ax = plt.subplots(figsize=(8, 4.5))
    empty = pd.DataFrame({"reason": pd.Series([], dtype="string"), "learners": []})
    flp.plot_leaving_reasons(empty, ax=ax)
    assert fig.get_size_inches()[1] <= 1
    plt.close(fig)


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
