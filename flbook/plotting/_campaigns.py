"""Chart of the campaigns export: what each marketing source brought.

:func:`plot_campaigns` draws :func:`flbook.analysis.campaign_summary` on one Axes; an
empty table (a run without campaigns) draws "No data".
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from ..privacy import MIN_COUNT, small_rows
from ._base import PALETTE, get_ax, legend_above, no_data, no_rows, thousands
from ._docs import shared_docs

__all__ = ["plot_campaigns"]


@shared_docs
def plot_campaigns(
    data: pd.DataFrame,
    *,
    y: tuple[str, ...] = ("enrolments", "active_learners", "upgrades_purchased"),
    min_learners: int = MIN_COUNT,
    ax: Axes | None = None,
) -> Axes:
    """Enrolments, active learners and upgrades per marketing source (grouped bars).

    Parameters
    ----------
    data : :func:`flbook.analysis.campaign_summary` output.
    y : columns to draw; a column with no values (older exports have no upgrades) is
        left out.
    min_learners : a bar of fewer learners is not drawn (:mod:`flbook.privacy`).
    {ax}

    {returns}

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> import pandas as pd
    >>> sources = pd.DataFrame({"utm_source": ["newsletter", "partner"],
    ...                         "enrolments": [120, 40], "active_learners": [60, 4]})
    >>> fig, ax = plt.subplots()
    >>> ax = plot_campaigns(sources, y=("enrolments", "active_learners"), ax=ax)
    >>> [[float(bar.get_width()) for bar in group] for group in ax.containers]
    [[120.0, 40.0], [60.0, nan]]
    >>> plt.close(fig)
    """
    ax = get_ax(ax)
    if no_rows(data):
        return no_data(ax)
    y = tuple(m for m in y if m in data and data[m].notna().any())
    if not y:
        return no_data(ax)
    names = {
        "enrolments": "enrolments",
        "active_learners": "active learners",
        "upgrades_purchased": "upgrades",
    }
    rows = np.arange(len(data))
    h = 0.8 / len(y)
    hidden = False
    for j, m in enumerate(y):
        vals = data[m].astype("Float64").to_numpy(dtype=float, na_value=0.0)
        small = small_rows(
            data, columns=[m], min_learners=min_learners
        )  # too few learners: not drawn
        hidden = hidden or bool(small.any())
        ax.barh(
            rows - 0.4 + h * (j + 0.5),
            np.where(small, np.nan, vals),
            height=h,
            color=PALETTE[j % len(PALETTE)],
            label=names.get(m, m),
        )
    ax.set_yticks(rows)
    ax.set_yticklabels([str(s) for s in data["utm_source"]], fontsize=8)
    ax.set_ylim(len(data) - 0.4, -0.6)
    ax.set_xlabel("Learners")
    if hidden:
        ax.set_xlabel(f"Learners (counts under {min_learners} are not drawn)")
    thousands(ax, "x")
    legend_above(ax)
    return ax
