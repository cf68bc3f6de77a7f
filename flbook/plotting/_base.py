"""What every flbook chart shares: the palette, the step axis, "No data", number formats.

Plotting functions follow seaborn's shape::

    plot_something(data, *, option=..., ax=None, **kwargs) -> Axes

They draw what they are given on ``ax`` (default: the current Axes), change nothing
outside it, and return it. No ``plt.show()``, no ``savefig``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, MaxNLocator
from matplotlib.transforms import ScaledTranslation

__all__ = [
    "PALETTE",
    "COLORS",
    "get_ax",
    "no_data",
    "fit_empty_figure",
    "thousands",
    "step_axis",
    "highlight_steps",
    "week_shading",
    "date_lines",
    "fit_labels",
]

# Okabe–Ito: distinguishable with the common forms of colour blindness.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]
STRONG_PALETTE = [c for c in PALETTE if c != "#F0E442"]
"""The palette without its yellow, for lines and markers on white (yellow is too light
there; it stays fine for filled bars)."""

COLORS = {
    "primary": "#0072B2",
    "secondary": "#E69F00",
    "good": "#009E73",
    "bad": "#D55E00",
    "accent": "#CC79A7",
    "light": "#56B4E9",
    "muted": "#999999",
    "exercise": "#E69F00",
    "social": "#CC79A7",
}


def get_ax(ax: Axes | None) -> Axes:
    """The Axes to draw on: ``ax`` if given, else the current Axes."""
    return ax if ax is not None else plt.gca()


_EMPTY_HEIGHT = 0.8  # inches: an empty chart alone in its figure becomes a strip
_NO_DATA_GID = "no-data"  # the gid of the message no_data writes


def no_rows(data: pd.DataFrame | None, *, column: str | None = None) -> bool:
    """Whether a chart has nothing to draw: ``data`` is None or has no rows, or the
    ``column`` it draws holds only zeros and missing values.

    The test at the top of every ``plot_*`` function (not part of the
    ``flbook.plotting`` API)::

        ax = get_ax(ax)
        if no_rows(data, column="learners"):
            return no_data(ax)

    Examples
    --------
    >>> no_rows(None), no_rows(pd.DataFrame({"x": []})), no_rows(pd.DataFrame({"x": [1]}))
    (True, True, False)
    >>> no_rows(pd.DataFrame({"x": [0, None]}), column="x")
    True
    """
    if data is None or len(data) == 0:
        return True
    if column is not None:
        return bool(np.nansum(data[column].to_numpy(dtype=float, na_value=np.nan)) == 0)
    return False


def concise_dates(ax: Axes) -> None:
    """Label a date x axis concisely ("Feb", "08", "15"): short labels, never slanted."""
    locator = mdates.AutoDateLocator()
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))


def despine(ax: Axes) -> None:
    """Hide the top and right spines of ``ax`` (the open frame of bar and line charts)."""
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def no_data(ax: Axes, message: str = "No data") -> Axes:
    """Mark ``ax`` as empty with a centred message (used instead of raising).

    Only ``ax`` changes: the figure keeps its size. Whoever shows the figure may make
    a figure that holds nothing but such an Axes a short strip
    (:func:`fit_empty_figure`; the chapters do).
    """
    ax.text(
        0.5,
        0.5,
        message,
        transform=ax.transAxes,
        ha="center",
        va="center",
        fontsize=12,
        color=COLORS["muted"],
        gid=_NO_DATA_GID,
    )
    ax.set_xticks([])
    ax.set_yticks([])
    for side in ("top", "right", "bottom", "left"):
        ax.spines[side].set_visible(False)
    return ax


def fit_empty_figure(fig: Figure, *, height: float = _EMPTY_HEIGHT) -> bool:
    """Make a figure whose only Axes says "No data" (:func:`no_data`) a short strip.

    An empty chart then takes a line of the page (its caption and cross-references
    stay) rather than a whole chart's height of white space. A figure with more than
    one Axes (an empty panel of a grid) keeps its size, and so does a figure with data.

    Parameters
    ----------
    fig : Figure
        The figure about to be shown or saved.
    height : float
        The strip's height in inches (a figure already lower keeps its height).

    Returns
    -------
    bool
        Whether the figure was made a strip.

    Examples
    --------
    >>> fig = Figure(figsize=(8, 4))
    >>> ax = no_data(fig.add_subplot())
    >>> fit_empty_figure(fig), fig.get_size_inches().tolist()
    (True, [8.0, 0.8])
    """
    axes = fig.axes
    if len(axes) != 1 or not any(t.get_gid() == _NO_DATA_GID for t in axes[0].texts):
        return False
    width, old = fig.get_size_inches()
    fig.set_size_inches(width, min(old, height))
    return True


def thousands(ax: Axes, axis: str = "y") -> None:
    """Format an axis' tick labels with thousands separators (12,345)."""
    fmt = FuncFormatter(lambda v, _: f"{v:,.0f}" if abs(v) >= 1 or v == 0 else f"{v:,.2g}")
    target = ax.yaxis if axis == "y" else ax.xaxis
    target.set_major_formatter(fmt)
    target.set_major_locator(MaxNLocator(nbins="auto", steps=[1, 2, 2.5, 5, 10], integer=True))


def category_order(values: pd.Series) -> list[str]:
    """The order a chart gives a column's values, as text.

    Parameters
    ----------
    values : a column of names (event types, outcomes...).

    Returns
    -------
    list of str
        Every category in its order for a Categorical column (used or not); else the
        distinct values in the order they first appear.

    Examples
    --------
    >>> category_order(pd.Series(pd.Categorical(["b"], categories=["a", "b"])))
    ['a', 'b']
    >>> category_order(pd.Series(["b", "a", "b"]))
    ['b', 'a']
    """
    if isinstance(values.dtype, pd.CategoricalDtype):
        return [str(c) for c in values.cat.categories]
    return list(dict.fromkeys(values.astype(str)))


def week_rules(ax: Axes, labels: Sequence[str], *, axis: str = "x") -> list[int]:
    """Draw a thin dotted line between weeks on a categorical axis of course labels.

    Parameters
    ----------
    ax : the Axes, its categories at positions 0..n-1 of ``axis``.
    labels : the labels in axis order, each starting with its week (``"W.S"`` steps,
        ``"W.S.Q"`` quiz questions).
    axis : ``"x"`` (vertical lines) or ``"y"`` (horizontal lines).

    Returns
    -------
    list of int
        The position of each week's first label, the first week's left out.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> week_rules(ax, ["1.1", "1.2", "2.1", "3.1"])
    [2, 3]
    >>> len(ax.lines)
    2
    >>> plt.close(fig)
    """
    weeks = [str(s).split(".")[0] for s in labels]
    boundaries = [i for i in range(1, len(weeks)) if weeks[i] != weeks[i - 1]]
    rule = ax.axvline if axis == "x" else ax.axhline
    for b in boundaries:
        rule(b - 0.5, color=COLORS["muted"], lw=0.8, ls=":", zorder=0)
    return boundaries


def step_axis(
    ax: Axes,
    steps: Sequence[str],
    *,
    axis: str = "x",
    max_labels: int = 40,
) -> None:
    """Label a categorical step axis (positions 0..n-1) in course order, readable at 100+ steps.

    Draws a thin line between weeks and labels each week once ("Week 2"). When there
    are more steps than ``max_labels``, only every k-th step number is written.
    """
    steps = [str(s) for s in steps]
    n = len(steps)
    if n == 0:
        return
    weeks = [s.split(".")[0] for s in steps]
    every = max(1, int(np.ceil(n / max_labels)))
    pos = np.arange(n)
    labels = [s if i % every == 0 else "" for i, s in enumerate(steps)]
    across = axis == "x"
    if across:
        ax.set_xticks(pos)
        ax.set_xticklabels(labels, rotation=90, fontsize=7 if n > 30 else 8)
        ax.set_xlim(-0.6, n - 0.4)
    else:
        ax.set_yticks(pos)
        ax.set_yticklabels(labels, fontsize=7 if n > 30 else 8)
        ax.set_ylim(n - 0.4, -0.6)
    boundaries = week_rules(ax, steps, axis=axis)
    starts = [0] + boundaries
    ends = boundaries + [n]
    for s, e in zip(starts, ends, strict=True):
        mid = (s + e - 1) / 2
        ax.text(
            *((mid, 1.01) if across else (1.01, mid)),
            f"Week {weeks[s]}",
            transform=ax.get_xaxis_transform() if across else ax.get_yaxis_transform(),
            ha="center" if across else "left",
            va="bottom" if across else "center",
            fontsize=8,
            color="#444444",
        )
    (ax.set_xlabel if across else ax.set_ylabel)("Step (week.step)")


def highlight_steps(
    ax: Axes,
    steps: Sequence[str],
    *,
    exercise_steps: Iterable[str] = (),
    social_steps: Iterable[str] = (),
    axis: str = "x",
    legend: bool = True,
) -> list[Patch]:
    """Shade exercise and social steps on a categorical step axis; add them to the legend.

    Returns the legend handles added (empty when no step is highlighted).
    """
    steps = [str(s) for s in steps]
    index = {s: i for i, s in enumerate(steps)}
    handles = []
    for kind, chosen in (("exercise", exercise_steps), ("social", social_steps)):
        hits = [index[s] for s in chosen if s in index]
        for i in hits:
            span = ax.axvspan if axis == "x" else ax.axhspan
            span(i - 0.5, i + 0.5, color=COLORS[kind], alpha=0.18, lw=0, zorder=0)
        if hits:
            handles.append(Patch(color=COLORS[kind], alpha=0.35, label=f"{kind} step"))
    if legend and handles:
        existing, labels = ax.get_legend_handles_labels()
        ax.legend(handles=existing + handles, frameon=False, fontsize=8)
    return handles


# The set-up every step chart shares (a categorical step axis in course order).

WEEK_LABEL_POINTS = 14.0
"""Height (points) of the "Week N" labels :func:`~flbook.plotting.step_axis` writes
above the axes: a legend above a step chart starts this far above the plot area."""


def _step_key(s: str) -> tuple[int, ...]:
    try:
        return tuple(int(p) for p in str(s).split("."))
    except ValueError:
        return (10**9, 0)


def ordered_steps(steps: pd.Series) -> list[str]:
    """The distinct steps of a column in course order (category order, else numeric W.S)."""
    if isinstance(steps.dtype, pd.CategoricalDtype) and steps.dtype.ordered:
        used = np.zeros(len(steps.cat.categories), dtype=bool)
        codes = steps.cat.codes.to_numpy()
        used[codes[codes >= 0]] = True
        return [str(s) for s in steps.cat.categories[used]]
    return sorted({str(s) for s in steps.dropna()}, key=_step_key)


def per_step(data: pd.DataFrame, steps: Sequence[str], column: str) -> np.ndarray:
    """Values of ``column`` aligned on ``steps`` (summed per step, 0 where absent)."""
    s = data.groupby(data["step"].astype(str), observed=True)[column].sum()
    return s.reindex(list(steps), fill_value=0).to_numpy(dtype=float)


def no_step_rows(data: pd.DataFrame | None, *, column: str | None = None) -> bool:
    """Whether a per-step table has nothing to draw (no rows, no ``step``, or ``column`` all zero)."""
    if no_rows(data) or "step" not in data:
        return True
    if column is not None and column in data:
        return bool(np.nansum(data[column].to_numpy(dtype=float)) == 0)
    return False


def finish_steps(
    ax: Axes,
    steps: Sequence[str],
    exercise_steps: Iterable[str],
    social_steps: Iterable[str],
    legend: bool,
    order: Sequence | None = None,
) -> None:
    """Step axis, shaded steps, legend above the week labels, no top/right spines.

    ``order``: the drawn artists in the order the legend lists them (default: as
    matplotlib collects them).
    """
    step_axis(ax, steps)
    handles = highlight_steps(
        ax, steps, exercise_steps=exercise_steps, social_steps=social_steps, legend=False
    )
    if order is None:
        existing, labels = ax.get_legend_handles_labels()
    else:
        existing, labels = list(order), [a.get_label() for a in order]
    if legend and (existing or handles):
        # above the "Week N" labels: never over bars, lines or step names
        legend_above(
            ax,
            existing + handles,
            labels + [h.get_label() for h in handles],
            above_points=WEEK_LABEL_POINTS,
        )
    despine(ax)


def _utc(d) -> pd.Timestamp:
    ts = pd.Timestamp(d)
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts


def _num(ts: pd.Timestamp) -> float:
    """A timestamp as a matplotlib date number (days since the epoch, UTC)."""
    return float(mdates.date2num(ts.tz_convert("UTC").tz_localize(None).to_datetime64()))


def _label_width_px(ax: Axes, text: str, fontsize: float) -> float:
    """About how wide ``text`` is drawn at ``fontsize`` points, in display pixels."""
    return len(text) * fontsize * 0.62 * ax.figure.dpi / 72


def week_shading(ax: Axes, week_starts: Sequence, *, alpha: float = 0.07) -> None:
    """Shade alternate study weeks on a time axis and label them (W1, W2, ...).

    Call it once the data are drawn: the x axis is then fixed to the data and the study
    weeks (nothing drawn later widens it). Week labels never overlap: when a week is
    too narrow for its label (a chart spanning months), only every k-th week is
    labelled, or the weeks get one label together ("W1–W3").
    """
    starts = [_utc(w) for w in week_starts]
    if not starts:
        return
    lo, hi = ax.get_xlim()
    first, last = _num(starts[0]), _num(starts[-1] + pd.Timedelta(days=7))
    if ax.has_data():
        lo, hi = min(lo, first), max(hi, last)
    else:
        lo, hi = first, last
    ax.set_xlim(lo, hi)
    for i, s in enumerate(starts):
        if i % 2 == 0:
            ax.axvspan(
                s, s + pd.Timedelta(days=7), color=COLORS["light"], alpha=alpha, lw=0, zorder=0
            )
    n = len(starts)
    fontsize = 8
    week_px = ax.bbox.width * 7 / max(hi - lo, 1e-9)
    widest = _label_width_px(ax, f"W{n}", fontsize) * 1.4  # with a gap between labels
    every = max(1, int(np.ceil(widest / max(week_px, 1e-9))))
    style = dict(
        transform=ax.get_xaxis_transform(),
        ha="center",
        va="top",
        fontsize=fontsize,
        color="#555555",
        gid="week-label",
    )
    if every < n or n == 1:
        for i in range(0, n, every):
            ax.text(starts[i] + pd.Timedelta(days=3.5), 0.99, f"W{i + 1}", **style)
    else:  # not even two labels fit: one for all the weeks
        middle = starts[0] + (starts[-1] + pd.Timedelta(days=7) - starts[0]) / 2
        ax.text(middle, 0.99, f"W1\u2013W{n}", **style)


EDGE_SHARE = 0.05
"""How far (as a share of the axis' span) a notable date may widen a time axis; a date
further out is marked at the edge of the axis instead."""


def date_lines(ax: Axes, dates: dict) -> None:
    """Draw a labelled vertical line for each named date ({label: date}).

    A date far outside the chart's span (more than :data:`EDGE_SHARE` of it) does not
    widen the axis: it is written at the nearer edge, with an arrow and its date
    ("← Newsletter sent, 2023-03-01"), and no line is drawn. Call it once the data are
    drawn; the x axis is then fixed.
    """
    if not dates:
        return
    lo, hi = ax.get_xlim()
    slack = (hi - lo) * EDGE_SHARE
    marks = {label: _utc(d) for label, d in dates.items()}
    inside = [_num(ts) for ts in marks.values() if lo - slack <= _num(ts) <= hi + slack]
    lo, hi = min([lo, *inside]), max([hi, *inside])
    ax.set_xlim(lo, hi)
    for i, (label, ts) in enumerate(marks.items()):
        color = PALETTE[(i + 3) % len(PALETTE)]
        y = 0.97 - 0.06 * (i % 4)
        x = _num(ts)
        if lo <= x <= hi:
            ax.axvline(ts, color=color, lw=1, ls="--", zorder=1)
            ax.text(
                ts,
                y,
                f" {label}",
                transform=ax.get_xaxis_transform(),
                rotation=0,
                fontsize=8,
                ha="left",
                va="top",
                color="#333333",
                gid="date-label",
            )
            continue
        before = x < lo
        text = f"\u2190 {label}, {ts:%Y-%m-%d}" if before else f"{label}, {ts:%Y-%m-%d} \u2192"
        ax.text(
            0.005 if before else 0.995,
            y,
            text,
            transform=ax.transAxes,
            fontsize=8,
            ha="left" if before else "right",
            va="top",
            color="#333333",
            bbox=dict(boxstyle="round,pad=0.2", fc="white", ec=color, lw=0.8),
            gid="date-off-axis",
        )


def fit_labels(
    ax: Axes,
    labels: Sequence[str],
    *,
    fontsize: float = 8,
    max_chars: int = 40,
    min_fontsize: float = 6,
    max_lines: int = 2,
) -> tuple[list[str], float]:
    """Labels of a categorical y axis (one row each) that never overlap one another.

    Long labels (video titles of 50-100 characters) are wrapped over as many lines as a
    row has room for (at most ``max_lines``, each at most ``max_chars`` characters) and
    shortened with "…" beyond; when even one line is too tall for a row the font
    shrinks, down to ``min_fontsize``, and then only every k-th row is labelled. The
    full text belongs in a table next to the chart.

    Returns
    -------
    (labels, fontsize)
        the labels to draw (same order; ``""`` for unlabelled rows) and the font size.
    """
    import textwrap

    labels = [str(lab) for lab in labels]
    n = len(labels)
    if n == 0:
        return [], fontsize
    row_px = ax.bbox.height / n
    dpi = ax.figure.dpi

    def line_px(size: float) -> float:
        return size * 1.25 * dpi / 72

    size = fontsize
    while size > min_fontsize and line_px(size) > row_px * 0.95:
        size -= 0.5
    lines = int(max(1, min(max_lines, row_px * 0.95 // line_px(size))))
    every = max(1, int(np.ceil(line_px(size) / max(row_px * 0.95, 1e-9))))
    out = []
    for i, text in enumerate(labels):
        if i % every:
            out.append("")
            continue
        wrapped = textwrap.wrap(text, max_chars) or [""]
        if len(wrapped) > lines:
            wrapped = wrapped[:lines]
            last = wrapped[-1][: max_chars - 1].rstrip()
            wrapped[-1] = f"{last}\u2026"
        out.append("\n".join(wrapped))
    return out, size


# Private helpers shared by the plotting modules.


def headroom(ax: Axes, share: float = 0.08) -> None:
    """Raise the top of the y axis by ``share`` of its span: room for the labels drawn
    inside the top of the plot (week names "W1", notable dates) above the data."""
    lo, hi = ax.get_ylim()
    ax.set_ylim(lo, hi + (hi - lo) * share)


def unstick(bars, bottoms, *, horizontal: bool = False) -> None:
    """Let the axis grow past stacked bars: matplotlib pins an axis end at every bar's base
    ("sticky edges"), so a zero-height segment on top of a stack would clip the stack."""
    for bar, b in zip(bars, np.asarray(bottoms, dtype=float), strict=True):
        if b > 0:
            (bar.sticky_edges.x if horizontal else bar.sticky_edges.y).clear()


def stacked_bars(ax: Axes, x, table: pd.DataFrame, colors, *, horizontal: bool = False) -> None:
    """Stack ``table``'s columns at positions ``x``: one bar per row and column, zeros
    included, labelled by the column; a missing value is drawn as zero. ``colors`` is a
    list (taken in turn) or a dict keyed by column."""
    base = np.zeros(len(table))
    for i, col in enumerate(table.columns):
        vals = np.nan_to_num(table[col].to_numpy(dtype=float, na_value=np.nan))
        color = colors[i % len(colors)] if isinstance(colors, list) else colors[col]
        if horizontal:
            bars = ax.barh(x, vals, left=base, color=color, label=str(col), height=0.8)
        else:
            bars = ax.bar(x, vals, bottom=base, color=color, label=str(col), width=0.8)
        unstick(bars, base, horizontal=horizontal)  # a zero top segment must not clip
        base = base + vals


def legend_above(
    ax: Axes,
    handles: Sequence | None = None,
    labels: Sequence[str] | None = None,
    *,
    above_points: float = 2.0,
    fontsize: float = 8,
    **kwargs,
):
    """A frameless legend in rows above the plot area, clear of data and axis labels.

    Entries run left to right, as many to a row as fit the Axes' width (rows of equal
    length: 6 entries that do not fit in one row make 2 rows of 3); ``above_points``
    lifts the legend further (e.g. over the "Week N" labels of a step axis). Returns
    the Legend, or None without entries.
    """
    if handles is None:
        handles, labels = ax.get_legend_handles_labels()
    elif labels is None:
        labels = [h.get_label() for h in handles]
    handles, labels = list(handles), [str(lab) for lab in labels]
    if not handles:
        return None
    fig = ax.figure
    transform = ax.transAxes + ScaledTranslation(0, above_points / 72, fig.dpi_scale_trans)

    def draw(ncol: int):
        return ax.legend(
            handles,
            labels,
            loc="lower left",
            bbox_to_anchor=(0, 1),
            bbox_transform=transform,
            ncol=ncol,
            frameon=False,
            fontsize=fontsize,
            borderaxespad=0,
            handlelength=1.6,
            columnspacing=1.4,
            **kwargs,
        )

    ncol = len(labels)
    leg = draw(ncol)
    try:  # as many entries to a row as fit the Axes' width
        renderer = fig.canvas.get_renderer()
        room = ax.get_window_extent(renderer).width
        while ncol > 1 and leg.get_window_extent(renderer).width > room:
            ncol = int(np.ceil(len(labels) / (np.ceil(len(labels) / ncol) + 1)))
            leg = draw(ncol)
    except (AttributeError, NotImplementedError, TypeError):  # no renderer: estimate
        width_pt = ax.get_position().width * fig.get_figwidth() * 72
        entry_pt = max(len(lab) for lab in labels) * fontsize * 0.6 + 3.2 * fontsize
        wanted = int(max(1, min(len(labels), width_pt // max(entry_pt, 1))))
        if wanted != ncol:
            leg = draw(wanted)
    return leg
