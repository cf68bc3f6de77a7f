"""Prediction charts: scores by week and paradigm, calibration, risk spread, drivers.

Each function draws a table from :mod:`flbook.predict` (``evaluate``, ``calibration``,
``risk_distribution``, ``driver_summary``) on one Axes. None of them sees a learner id.
Each applies the small-count rule (:mod:`flbook.privacy`): a bar, point or score that
rests on fewer than ``min_learners`` learners is not drawn, and the chart says so.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.ticker import PercentFormatter

from ..privacy import MIN_COUNT
from ._base import COLORS, PALETTE, get_ax, no_data, no_rows, thousands
from ._docs import shared_docs

__all__ = [
    "plot_prediction_scores",
    "plot_calibration",
    "plot_risk_distribution",
    "plot_risk_drivers",
]

_PARADIGM_COLORS = {"post-hoc": COLORS["muted"], "transfer": PALETTE[0], "in-situ": PALETTE[1]}
_PARADIGM_LABELS = {
    "post-hoc": "Post-hoc (cross-validation)",
    "transfer": "Transfer (earlier runs)",
    "in-situ": "In-situ (earlier weeks)",
    "baseline": "Baseline: inactive this week",
}
_METRIC_LABELS = {
    "auc": "ROC AUC",
    "pct_precision": "Flagged who disengaged (%)",
    "pct_recall": "Disengaged who were flagged (%)",
    "brier": "Brier score (lower is better)",
    "pct_calibration_error": "Calibration error (points)",
    "pct_mean_risk": "Mean predicted risk (%)",
}
_BASELINE = "baseline"


def _note(ax: Axes, text: str) -> None:
    label = ax.get_xlabel()
    ax.set_xlabel(f"{label}\n{text}" if label else text)


def _model_of(data: pd.DataFrame, model: str | None) -> str | None:
    models = [m for m in pd.unique(data["model"].astype(str)) if m != "rule"]
    if model is not None:
        return model
    return models[0] if models else None


@shared_docs
def plot_prediction_scores(
    data: pd.DataFrame,
    *,
    y: str = "auc",
    model: str | None = "logistic",
    min_learners: int = MIN_COUNT,
    ax: Axes | None = None,
) -> Axes:
    """Grouped bars: one score per study week, one bar per paradigm, beside the baseline.

    Parameters
    ----------
    data : :func:`flbook.predict.evaluate` output.
    y : a column of it: ``"auc"``, ``"pct_precision"``, ``"pct_recall"``,
        ``"brier"``, ``"pct_calibration_error"``.
    model : the model whose scores are drawn (``None``: the first one present); the
        baseline is always drawn, hatched grey.
    min_learners : a score of fewer learners is not drawn: fewer scored learners, and for
        ``pct_precision`` fewer flagged, for ``pct_recall`` fewer who disengaged.
    {ax}

    {returns}

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> import pandas as pd
    >>> scores = pd.DataFrame({"week": [1, 1, 2, 2], "paradigm": ["post-hoc", "baseline"] * 2,
    ...                        "model": ["logistic", "rule"] * 2, "learners": [300, 300, 250, 250],
    ...                        "auc": [0.81, 0.70, 0.78, 0.66]})
    >>> fig, ax = plt.subplots()
    >>> plot_prediction_scores(scores, y="auc", ax=ax) is ax
    True
    >>> ax.get_ylabel()
    'ROC AUC'
    >>> plt.close(fig)
    """
    ax = get_ax(ax)
    if no_rows(data) or y not in data.columns:
        return no_data(ax, "No weeks to evaluate")
    model = _model_of(data, model)
    par = data["paradigm"].astype(str)
    keep = (data["model"].astype(str) == model) | (par == _BASELINE)
    d = data[keep & data[y].notna()]
    if d.empty:
        return no_data(ax, "No weeks to evaluate")
    base = d["learners"].to_numpy(dtype=float)
    if y == "pct_precision" and "flagged" in d:
        base = d["flagged"].to_numpy(dtype=float)
    elif y == "pct_recall" and "pct_disengaged" in d:
        base = np.round(base * d["pct_disengaged"].fillna(0).to_numpy(dtype=float) / 100)
    few = base < min_learners
    d = d[~few]
    if d.empty:
        return no_data(ax, f"Every score rests on fewer than {min_learners} learners")
    weeks = sorted(pd.unique(d["week"]))
    order = [p for p in ("post-hoc", "transfer", "in-situ", _BASELINE) if p in set(par[d.index])]
    width = 0.8 / len(order)
    for i, p in enumerate(order):
        rows = d[d["paradigm"].astype(str) == p].set_index("week")[y]
        x = np.array([weeks.index(w) for w in rows.index]) - 0.4 + width * (i + 0.5)
        base = p == _BASELINE
        ax.bar(
            x,
            rows.to_numpy(),
            width=width * 0.92,
            color="white" if base else _PARADIGM_COLORS[p],
            edgecolor=COLORS["muted"] if base else _PARADIGM_COLORS[p],
            hatch="///" if base else None,
            label=_PARADIGM_LABELS[p],
        )
    ax.set_xticks(np.arange(len(weeks)))
    ax.set_xticklabels([f"End of week {w}" for w in weeks])
    ax.set_xlim(-0.6, len(weeks) - 0.4)
    ax.set_ylabel(_METRIC_LABELS.get(y, y))
    if y == "auc":
        ax.axhline(0.5, color=COLORS["muted"], lw=0.8, ls=":")
        ax.set_ylim(0, 1.0)  # bars start at 0, so their lengths compare honestly
    elif y.startswith("pct_"):
        ax.set_ylim(0, 100)
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8)
    if few.any():
        _note(ax, f"Scores resting on fewer than {min_learners} learners are not drawn")
    return ax


@shared_docs
def plot_calibration(
    data: pd.DataFrame,
    *,
    model: str | None = "logistic",
    min_learners: int = MIN_COUNT,
    ax: Axes | None = None,
) -> Axes:
    """Predicted risk against the share who disengaged, one line per paradigm.

    Points on the dotted diagonal are well calibrated; above it, the model said less
    than happened. Marker area follows the number of learners in each risk band.

    Parameters
    ----------
    data : :func:`flbook.predict.calibration` output.
    model : the model drawn (``None``: the first one present); the baseline (two
        points: active and inactive this week) is drawn as grey crosses.
    min_learners : a risk band of fewer learners is not drawn (its share who disengaged
        would describe a few people).
    {ax}

    {returns}

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> import pandas as pd
    >>> bands = pd.DataFrame({"paradigm": ["post-hoc"] * 3, "model": ["logistic"] * 3,
    ...                       "learners": [120, 60, 30], "pct_mean_risk": [10.0, 45.0, 80.0],
    ...                       "pct_disengaged": [12.0, 40.0, 85.0]})
    >>> fig, ax = plt.subplots()
    >>> plot_calibration(bands, ax=ax) is ax
    True
    >>> ax.get_xlabel(), ax.get_ylabel()
    ('Predicted risk of disengaging', 'Learners who disengaged')
    >>> plt.close(fig)
    """
    ax = get_ax(ax)
    if no_rows(data):
        return no_data(ax, "No predictions to compare")
    few = data["learners"].to_numpy(dtype=float) < min_learners
    data = data[~few]
    if data.empty:
        return no_data(ax, f"Every risk band holds fewer than {min_learners} learners")
    model = _model_of(data, model)
    ax.plot([0, 100], [0, 100], color=COLORS["muted"], lw=0.8, ls=":", zorder=0)
    par = data["paradigm"].astype(str)
    size = data["learners"].to_numpy(dtype=float)
    scale = 120.0 / max(size.max(), 1.0)
    for p in ("post-hoc", "transfer", "in-situ"):
        d = data[(par == p) & (data["model"].astype(str) == model)]
        if d.empty:
            continue
        ax.plot(
            d["pct_mean_risk"],
            d["pct_disengaged"],
            color=_PARADIGM_COLORS[p],
            lw=1.5,
            marker="o",
            markersize=0,
            label=_PARADIGM_LABELS[p],
        )
        ax.scatter(
            d["pct_mean_risk"],
            d["pct_disengaged"],
            s=10 + d["learners"].to_numpy(dtype=float) * scale,
            color=_PARADIGM_COLORS[p],
            alpha=0.7,
            zorder=3,
        )
    b = data[par == _BASELINE]
    if not b.empty:
        ax.scatter(
            b["pct_mean_risk"],
            b["pct_disengaged"],
            marker="X",
            s=70,
            color=COLORS["muted"],
            label=_PARADIGM_LABELS[_BASELINE],
            zorder=4,
        )
    ax.set_xlim(-2, 102)
    ax.set_ylim(-2, 102)
    ax.xaxis.set_major_formatter(PercentFormatter(100))
    ax.yaxis.set_major_formatter(PercentFormatter(100))
    ax.set_xlabel("Predicted risk of disengaging")
    ax.set_ylabel("Learners who disengaged")
    ax.set_aspect("equal", adjustable="box")
    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize=8)
    if few.any():
        _note(ax, f"Risk bands of fewer than {min_learners} learners are not drawn")
    return ax


@shared_docs
def plot_risk_distribution(
    data: pd.DataFrame, *, min_learners: int = MIN_COUNT, ax: Axes | None = None
) -> Axes:
    """Learners per risk band, the flagged ones highlighted.

    Parameters
    ----------
    data : :func:`flbook.predict.risk_distribution` output.
    min_learners : a segment (flagged or not, in one band) of fewer learners is not drawn.
    {ax}

    {returns}

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> import pandas as pd
    >>> bands = pd.DataFrame({"pct_bin_left": [0.0, 50.0], "pct_bin_right": [50.0, 100.0],
    ...                       "learners": [180, 40], "flagged": [0, 22]})
    >>> fig, ax = plt.subplots()
    >>> plot_risk_distribution(bands, ax=ax) is ax
    True
    >>> len(ax.patches)
    4
    >>> plt.close(fig)
    """
    ax = get_ax(ax)
    if no_rows(data, column="learners"):
        return no_data(ax, "No learners scored")
    left = data["pct_bin_left"].to_numpy(dtype=float)
    width = (data["pct_bin_right"] - data["pct_bin_left"]).to_numpy(dtype=float)
    flagged = data["flagged"].to_numpy(dtype=float)
    rest = data["learners"].to_numpy(dtype=float) - flagged
    few = ((flagged > 0) & (flagged < min_learners)) | ((rest > 0) & (rest < min_learners))
    flagged = np.where((flagged > 0) & (flagged < min_learners), 0.0, flagged)
    rest = np.where((rest > 0) & (rest < min_learners), 0.0, rest)
    ax.bar(left, rest, width=width * 0.95, align="edge", color=PALETTE[5], label="Not flagged")
    ax.bar(
        left,
        flagged,
        bottom=rest,
        width=width * 0.95,
        align="edge",
        color=COLORS["bad"],
        label="Flagged (top share)",
    )
    ax.set_xlim(0, 100)
    ax.xaxis.set_major_formatter(PercentFormatter(100))
    ax.set_xlabel("Predicted risk of disengaging next week")
    ax.set_ylabel("Learners")
    thousands(ax, "y")
    ax.legend(loc="upper center")
    if few.any():
        _note(ax, f"Bars of 1 to {min_learners - 1} learners are not drawn")
    return ax


@shared_docs
def plot_risk_drivers(
    data: pd.DataFrame, *, top: int = 8, min_learners: int = MIN_COUNT, ax: Axes | None = None
) -> Axes:
    """Horizontal bars: how many flagged learners each feature drove, by its signal.

    Parameters
    ----------
    data : :func:`flbook.predict.driver_summary` output.
    top : at most this many features, the most frequent.
    min_learners : a feature that drove fewer flagged learners is not drawn.
    {ax}

    {returns}

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> import pandas as pd
    >>> drivers = pd.DataFrame({"feature": ["steps_visited", "comments", "days_since_active"],
    ...                         "signal": ["activity", "social", "activity"], "learners": [40, 12, 3]})
    >>> fig, ax = plt.subplots()
    >>> plot_risk_drivers(drivers, ax=ax) is ax
    True
    >>> [t.get_text() for t in ax.get_yticklabels()]
    ['comments', 'steps_visited']
    >>> plt.close(fig)
    """
    ax = get_ax(ax)
    if no_rows(data):
        return no_data(ax, "No risk drivers")
    few = data["learners"].to_numpy(dtype=float) < min_learners
    if few.all():
        return no_data(ax, f"Every risk driver drove fewer than {min_learners} flagged learners")
    d = data[~few].head(int(top)).iloc[::-1]
    signals = list(dict.fromkeys(data["signal"]))
    color = {s: PALETTE[i % len(PALETTE)] for i, s in enumerate(signals)}
    y = np.arange(len(d))
    labels = list(d["feature"])
    for s in signals:
        m = (d["signal"] == s).to_numpy()
        if m.any():
            ax.barh(y[m], d["learners"].to_numpy()[m], color=color[s], label=s or "other")
    ax.set_yticks(y)
    ax.set_yticklabels(labels)
    ax.set_xlabel("Flagged learners with this among their main drivers")
    thousands(ax, "x")
    ax.legend(
        loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize=8, title="Signal", title_fontsize=8
    )
    if few.any():
        _note(ax, f"Drivers of fewer than {min_learners} flagged learners are not drawn")
    return ax
