"""Interactive explorers that work offline in a saved HTML page (and as a picture in a PDF).

The original recipes notebook explored the data with ``ipywidgets.interact`` (activity
type × learner group, date window, question picker). Those need a live Python kernel,
which a rendered book does not have. Here each explorer is a client-side plotly chart
built from **aggregated** counts (per step, per day, per question and answer: never one
point per learner), with the plotly.js library read from the installed ``plotly``
package (no CDN, no server).

Each ``explore_*`` function returns an :class:`Explorer`. Displayed in a notebook, it
offers three representations (``_repr_mimebundle_``):

``text/html``
    the interactive chart::

        <div class="flbook-explorer" data-flbook-explorer="step-activity">
        <script data-flbook-lib="plotly">…plotly.js…</script>
        <div id="flbook-…" class="flbook-explorer-chart" style="…"></div>
        <script>…Plotly.newPlot("flbook-…", data, layout, config)…</script>
        </div>

    The library sits alone in the ``<script data-flbook-lib="plotly">`` element, so a
    page holding several explorers needs only the first copy: the book renderer may
    drop the others (every explorer's own script only calls ``Plotly.newPlot``).
``image/png``
    a static matplotlib picture of the explorer's default view (what a PDF shows).
``text/plain``
    one line saying what the explorer shows.

In a live Jupyter session :meth:`Explorer.widget` gives an ipywidgets version (a
drop-down and the static picture of the chosen view) when ipywidgets is installed.
"""

from __future__ import annotations

import functools
import html
import io
import json
import uuid
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

__all__ = ["Explorer", "explore_step_activity", "explore_timeline", "explore_quiz", "plotly_js"]

LIB_ATTR = 'data-flbook-lib="plotly"'
"""The attribute that marks the script element holding the plotly.js library."""

_PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]
_GOOD = "#009E73"
_FONT = {"family": "DejaVu Sans, Arial, sans-serif", "size": 12}


@functools.lru_cache(maxsize=1)
def plotly_js() -> str:
    """The plotly.js library bundled with the installed ``plotly`` package (no download)."""
    from plotly.offline import get_plotlyjs

    return get_plotlyjs()


def _lib_script() -> str:
    # Hide an AMD loader (classic Jupyter's require.js) while the library runs, so that
    # it sets ``window.Plotly`` as it does on a plain page.
    return (
        f"<script {LIB_ATTR}>"
        "window.PlotlyConfig={MathJaxConfig:'local'};"
        "var __flbookDefine=window.define;window.define=undefined;\n"
        f"{plotly_js()}\n"
        ";window.define=__flbookDefine;</script>"
    )


def _json(obj) -> str:
    """Compact JSON, safe inside a ``<script>`` element."""

    def default(o):
        if isinstance(o, np.integer):
            return int(o)
        if isinstance(o, np.floating):
            return None if not np.isfinite(o) else float(o)
        if isinstance(o, np.ndarray):
            return o.tolist()
        if isinstance(o, np.bool_):
            return bool(o)
        raise TypeError(f"cannot serialise {type(o).__name__}")

    text = json.dumps(obj, default=default, separators=(",", ":"), ensure_ascii=False)
    return text.replace("</", "<\\/").replace("<!--", "<\\!--")


class Explorer:
    """An interactive chart: HTML (plotly, offline), PNG (matplotlib) and a text line.

    Parameters
    ----------
    figure : the plotly figure as a dict (``data``, ``layout``), aggregated numbers only.
    description : one line saying what the explorer shows (``text/plain``).
    views : ``{name: draw}``, where ``draw(ax)`` draws that view on a matplotlib Axes; the
        first view is the default, drawn for the PNG.
    kind : a short name (``"step-activity"``), written in the HTML.
    height : height of the chart in the page, in pixels.
    figsize : size of the static picture, in inches.

    Attributes
    ----------
    figure, description, views, kind, height, figsize : as given.
    """

    def __init__(
        self,
        figure: dict,
        *,
        description: str,
        views: dict[str, Callable],
        kind: str = "explorer",
        height: int = 460,
        figsize: tuple[float, float] = (8.0, 4.0),
    ) -> None:
        self.figure = figure
        self.description = description
        self.views = dict(views)
        self.kind = kind
        self.height = height
        self.figsize = figsize
        self._png: dict[str, bytes] = {}

    def __repr__(self) -> str:
        return f"<Explorer: {self.description}>"

    # ------------------------------------------------------------------ HTML
    def figure_json(self) -> str:
        """The figure as compact JSON (what the page carries besides the library)."""
        return _json(self.figure)

    def to_html(self, *, include_plotlyjs: bool = True, div_id: str | None = None) -> str:
        """The interactive chart as an HTML fragment that works offline.

        Parameters
        ----------
        include_plotlyjs : inline the plotly.js library (in a
            ``<script data-flbook-lib="plotly">`` element). Leave it on unless the page
            already has the library.
        div_id : id of the chart's ``<div>`` (default: a fresh unique id).
        """
        div_id = div_id or f"flbook-{self.kind}-{uuid.uuid4().hex[:12]}"
        config = {"responsive": True, "displaylogo": False, "showLink": False}
        call = (
            "(function(){"
            f"var el=document.getElementById({json.dumps(div_id)});"
            f"var fig={self.figure_json()};"
            "if(!window.Plotly){el.textContent='This interactive chart needs JavaScript.';return;}"
            f"window.Plotly.newPlot(el,fig.data,fig.layout,{json.dumps(config)});"
            "})();"
        )
        parts = [
            f'<div class="flbook-explorer" data-flbook-explorer="{html.escape(self.kind)}">',
            _lib_script() if include_plotlyjs else "",
            f'<div id="{div_id}" class="flbook-explorer-chart" '
            f'style="width:100%;height:{int(self.height)}px;"></div>',
            f"<script>{call}</script>",
            "</div>",
        ]
        return "\n".join(p for p in parts if p)

    # ------------------------------------------------------------------ PNG
    def to_png(self, view: str | None = None, *, dpi: int = 110) -> bytes:
        """A static picture (PNG bytes) of one view, by default the first one.

        Drawn on a figure of its own (pyplot's current figure is left alone).
        """
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        view = view if view is not None else next(iter(self.views))
        if view in self._png:
            return self._png[view]
        fig = Figure(figsize=self.figsize)
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
        self.views[view](ax)
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
        self._png[view] = buf.getvalue()
        return self._png[view]

    # ------------------------------------------------------------------ display
    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        return {
            "text/html": self.to_html(),
            "image/png": self.to_png(),
            "text/plain": self.description,
        }

    def widget(self):
        """An ipywidgets version for a live Jupyter session (drop-down + picture).

        Without ipywidgets installed, the interactive HTML chart instead.
        """
        try:
            import ipywidgets as w
        except ImportError:
            from IPython.display import HTML

            return HTML(self.to_html())
        names = list(self.views)
        image = w.Image(value=self.to_png(names[0]), format="png")
        if len(names) == 1:
            return image
        choose = w.Dropdown(options=names, value=names[0], description="View")

        def show(change) -> None:
            image.value = self.to_png(change["new"])

        choose.observe(show, names="value")
        return w.VBox([choose, image])


# --------------------------------------------------------------------------- helpers


def _layout(**extra) -> dict:
    layout = {
        "template": "none",
        "font": _FONT,
        "colorway": _PALETTE,
        "paper_bgcolor": "white",
        "plot_bgcolor": "white",
        "margin": {"l": 60, "r": 20, "t": 70, "b": 60},
        "hovermode": "closest",
        "legend": {"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0},
    }
    layout.update(extra)
    return layout


def _above(px: float, height: int, top: int, bottom: int) -> float:
    """Paper y coordinate ``px`` pixels above the plot area."""
    return 1.0 + px / max(height - top - bottom, 50)


def _menu(buttons: list[dict], *, y: float, x: float = 0.0) -> dict:
    return {
        "type": "dropdown",
        "buttons": buttons,
        "x": x,
        "xanchor": "left",
        "y": y,
        "yanchor": "top",
        "showactive": True,
        "bgcolor": "white",
    }


def _person_mask(course, members) -> np.ndarray:
    """Boolean over person codes (+1 trailing False for code -1)."""
    mark = np.zeros(len(course.people) + 1, dtype=bool)
    idx = course.people.get_indexer(pd.Index(members).astype("object"))
    mark[idx[idx >= 0]] = True
    return mark


def _codes(s: pd.Series) -> np.ndarray:
    return s.cat.codes.to_numpy().astype(np.int64)


def _step_bars(ax, steps: list[str], counts: np.ndarray, label: str, ylabel: str, color: str):
    from .plotting._base import _legend_above, no_data, step_axis, thousands
    from .plotting._steps import WEEK_LABEL_POINTS

    if len(steps) == 0 or counts.sum() == 0:
        return no_data(ax)
    ax.bar(np.arange(len(steps)), counts, color=color, width=0.8, label=label)
    step_axis(ax, steps)
    ax.set_ylabel(ylabel)
    thousands(ax, "y")
    _legend_above(ax, above_points=WEEK_LABEL_POINTS)  # over the "Week N" labels
    return ax


# --------------------------------------------------------------------------- step activity

ACTIVITIES = {
    "visited": ("Visited the step", "Learners"),
    "completed": ("Marked the step complete", "Learners"),
    "answered": ("Answered a question on the step", "Learners"),
    "comments": ("Comments posted on the step", "Comments"),
}
"""Activity types of :func:`explore_step_activity`: label and unit."""


def _step_activity_counts(course, groups: Sequence[str]) -> dict[str, dict[str, np.ndarray]]:
    """{activity: {group: counts per step}}, vectorised over rows (a loop per group only)."""
    from .analysis._groups import group_members, learner_flags

    n_steps = len(course.steps)
    flags = learner_flags(course)
    masks = {g: _person_mask(course, group_members(flags, g)) for g in groups}
    sa = course.table(
        "step-activity", ["learner_id", "step", "first_visited_at", "last_completed_at"]
    )
    sa_l, sa_s = _codes(sa["learner_id"]), _codes(sa["step"])
    visited = sa["first_visited_at"].notna().to_numpy() & (sa_s >= 0)
    completed = sa["last_completed_at"].notna().to_numpy() & (sa_s >= 0)
    cm = course.table("comments", ["author_id", "step"])
    cm_l, cm_s = _codes(cm["author_id"]), _codes(cm["step"])
    qr = course.table("question-response", ["learner_id", "step"])
    qr_l, qr_s = _codes(qr["learner_id"]), _codes(qr["step"])
    ok = qr_s >= 0
    pairs = np.unique(qr_l[ok] * max(n_steps, 1) + qr_s[ok])
    qr_l, qr_s = pairs // max(n_steps, 1), pairs % max(n_steps, 1)
    out: dict[str, dict[str, np.ndarray]] = {a: {} for a in ACTIVITIES}
    for g, mask in masks.items():
        out["visited"][g] = np.bincount(sa_s[visited & mask[sa_l]], minlength=n_steps)
        out["completed"][g] = np.bincount(sa_s[completed & mask[sa_l]], minlength=n_steps)
        out["answered"][g] = np.bincount(qr_s[mask[qr_l]], minlength=n_steps)
        out["comments"][g] = np.bincount(cm_s[(cm_s >= 0) & mask[cm_l]], minlength=n_steps)
    return out


def _week_marks(steps: list[str]) -> tuple[list[dict], list[dict]]:
    weeks = [s.split(".")[0] for s in steps]
    bounds = [i for i in range(1, len(steps)) if weeks[i] != weeks[i - 1]]
    shapes = [
        {
            "type": "line",
            "xref": "x",
            "yref": "paper",
            "x0": b - 0.5,
            "x1": b - 0.5,
            "y0": 0,
            "y1": 1,
            "line": {"color": "#999999", "width": 1, "dash": "dot"},
        }
        for b in bounds
    ]
    starts, ends = [0, *bounds], [*bounds, len(steps)]
    notes = [
        {
            "xref": "x",
            "yref": "paper",
            "x": (s + e - 1) / 2,
            "y": 1.0,
            "yanchor": "bottom",
            "text": f"Week {weeks[s]}",
            "showarrow": False,
            "font": {"size": 11, "color": "#444444"},
        }
        for s, e in zip(starts, ends, strict=True)
        if steps
    ]
    return shapes, notes


def explore_step_activity(
    course,
    *,
    groups: Sequence[str] = ("enrolled", "fully_participated", "unenrolled"),
    height: int = 480,
) -> Explorer:
    """Explore activity per step: pick an activity type; click learner groups in the legend.

    Parameters
    ----------
    course : the Course.
    groups : learner groups to compare (names or expressions that
        :func:`flbook.analysis.group_members` accepts); the first is shown at first, the
        others can be added by clicking them in the legend.
    height : chart height in pixels.

    Returns
    -------
    Explorer
        A drop-down chooses the activity: learners who visited each step, learners who
        marked it complete, learners who answered a question on it, comments posted on
        it. One bar per step, in course order; one bar series per learner group. The
        static picture shows the first activity for the first group.

    Examples
    --------
    >>> import pandas as pd
    >>> from flbook.store import Course
    >>> c = Course.from_frames(
    ...     enrolments=pd.DataFrame({"learner_id": ["a", "b"], "role": ["learner"] * 2,
    ...                              "enrolled_at": ["2024-02-01 10:00:00"] * 2}),
    ...     step_activity=pd.DataFrame({"learner_id": ["a", "b"], "step": ["1.1", "1.2"],
    ...                                 "first_visited_at": ["2024-02-05 10:00:00"] * 2}))
    >>> explore_step_activity(c)
    <Explorer: Interactive chart: activity per step (4 activity types × 3 learner groups)>
    """
    groups = list(groups)
    steps = [str(s) for s in course.steps["step"]]
    counts = _step_activity_counts(course, groups)
    traces, buttons = [], []
    n_traces = len(ACTIVITIES) * len(groups)
    for a_i, (act, (label, unit)) in enumerate(ACTIVITIES.items()):
        for g_i, g in enumerate(groups):
            first = a_i == 0
            traces.append(
                {
                    "type": "bar",
                    "x": steps,
                    "y": counts[act][g].astype(int).tolist(),
                    "name": g.replace("_", " "),
                    "marker": {"color": _PALETTE[g_i % len(_PALETTE)]},
                    "visible": (True if g_i == 0 else "legendonly") if first else False,
                    "hovertemplate": f"step %{{x}}<br>%{{y:,}} {unit.lower()}<extra>%{{fullData.name}}</extra>",
                }
            )
        visible = [False] * n_traces
        for g_i in range(len(groups)):
            visible[a_i * len(groups) + g_i] = True if g_i == 0 else "legendonly"
        buttons.append(
            {
                "label": label,
                "method": "update",
                "args": [{"visible": visible}, {"yaxis.title.text": unit}],
            }
        )
    shapes, notes = _week_marks(steps)
    first_label, first_unit = next(iter(ACTIVITIES.values()))
    figure = {
        "data": traces,
        "layout": _layout(
            barmode="group",
            height=height,
            xaxis={
                "type": "category",
                "title": {"text": "Step (week.step)"},
                "categoryorder": "array",
                "categoryarray": steps,
                "tickangle": -90,
            },
            yaxis={"title": {"text": first_unit}, "rangemode": "tozero", "separatethousands": True},
            shapes=shapes,
            annotations=notes,
            updatemenus=[_menu(buttons, y=_above(112, height, 125, 70))],
            legend={
                "orientation": "h",
                "yanchor": "bottom",
                "y": _above(26, height, 125, 70),
                "x": 0,
                "title": {"text": "Learner group (click to add): "},
            },
            margin={"l": 60, "r": 20, "t": 125, "b": 70},
        ),
    }

    def view(act: str, g: str, g_i: int):
        label, unit = ACTIVITIES[act]
        return lambda ax: _step_bars(
            ax, steps, counts[act][g], f"{g.replace('_', ' ')}: {label.lower()}", unit,
            _PALETTE[g_i % len(_PALETTE)],
        )  # fmt: skip

    views = {
        f"{label} — {g.replace('_', ' ')}": view(act, g, g_i)
        for act, (label, _) in ACTIVITIES.items()
        for g_i, g in enumerate(groups)
    }
    return Explorer(
        figure,
        description=(
            f"Interactive chart: activity per step ({len(ACTIVITIES)} activity types × "
            f"{len(groups)} learner groups)"
        ),
        views=views,
        kind="step-activity",
        height=height,
        figsize=(9.0, 4.0),
    )


# --------------------------------------------------------------------------- timeline

_EVENTS = [
    ("Enrolments", "enrolments", "enrolled_at", "learner_id", False),
    ("Unenrolments", "enrolments", "unenrolled_at", "learner_id", False),
    ("Step visits", "step-activity", "first_visited_at", "learner_id", True),
    ("Steps completed", "step-activity", "last_completed_at", "learner_id", True),
    ("Comments", "comments", "timestamp", "author_id", False),
    ("Quiz answers", "question-response", "submitted_at", "learner_id", False),
]


def _daily(course, group: str | None, timezone: str) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Days (datetime64[D]) and event counts per day, in the course's time zone."""
    from .analysis._groups import group_members

    mask = None if group is None else _person_mask(course, group_members(course, group))
    days: dict[str, np.ndarray] = {}
    for name, table, col, who, _ in _EVENTS:
        t = course.table(table, [col, who])
        ts = t[col]
        keep = ts.notna().to_numpy()
        if mask is not None:
            keep = keep & mask[_codes(t[who])]
        local = ts[keep].dt.tz_convert(timezone).dt.tz_localize(None)
        days[name] = local.to_numpy(dtype="datetime64[ns]").astype("datetime64[D]")
    present = [d for d in days.values() if len(d)]
    if not present:
        return np.array([], dtype="datetime64[D]"), {k: np.zeros(0, np.int64) for k in days}
    lo = min(d.min() for d in present)
    hi = max(d.max() for d in present)
    axis = np.arange(lo, hi + np.timedelta64(1, "D"), dtype="datetime64[D]")
    counts = {
        k: np.bincount((d - lo).astype(np.int64), minlength=len(axis)) for k, d in days.items()
    }
    return axis, counts


def explore_timeline(
    course,
    *,
    group: str | None = "enrolled",
    timezone: str | None = None,
    height: int = 480,
) -> Explorer:
    """Explore daily activity over time: choose the series and a date window.

    Parameters
    ----------
    course : the Course.
    group : count only these learners (default ``"enrolled"``: role learner);
        ``None`` counts every row of the export (course team too).
    timezone : time zone of the days (default the course's, else UTC).
    height : chart height in pixels.

    Returns
    -------
    Explorer
        One line per kind of event (enrolments, unenrolments, step visits, steps
        completed, comments, quiz answers) counted per day; click the legend to add or
        hide a line. A range slider and buttons (1 week, 2 weeks, 1 month, all) choose
        the date window; a drop-down switches between daily and cumulative counts. Study
        weeks are marked. The static picture shows daily step visits and completions.
    """
    cfg = getattr(course, "config", None)
    tz = timezone or (cfg.timezone if cfg is not None else None) or "UTC"
    axis, counts = _daily(course, group, tz)
    x = [str(d) for d in axis]
    traces = []
    daily_y, cum_y = [], []
    for i, (name, *_rest, default) in enumerate(_EVENTS):
        y = counts[name].astype(int)
        daily_y.append(y.tolist())
        cum_y.append(np.cumsum(y).tolist())
        traces.append(
            {
                "type": "scatter",
                "mode": "lines",
                "x": x,
                "y": daily_y[-1],
                "name": name,
                "line": {"color": _PALETTE[i % len(_PALETTE)], "width": 2},
                "visible": True if default else "legendonly",
                "hovertemplate": "%{x|%a %d %b %Y}<br>%{y:,}<extra>%{fullData.name}</extra>",
            }
        )
    week_starts = list(cfg.week_starts) if cfg is not None else []
    shapes = [
        {
            "type": "line",
            "xref": "x",
            "yref": "paper",
            "x0": str(w),
            "x1": str(w),
            "y0": 0,
            "y1": 1,
            "line": {"color": "#999999", "width": 1, "dash": "dot"},
        }
        for w in week_starts
    ]
    notes = [
        {
            "xref": "x",
            "yref": "paper",
            "x": str(w),
            "y": 1.0,
            "xanchor": "left",
            "yanchor": "bottom",
            "text": f" W{i + 1}",
            "showarrow": False,
            "font": {"size": 10, "color": "#555555"},
        }
        for i, w in enumerate(week_starts)
    ]
    buttons = [
        {"label": "Daily counts", "method": "update", "args": [{"y": daily_y}, {"yaxis.title.text": "Per day"}]},
        {"label": "Cumulative", "method": "update", "args": [{"y": cum_y}, {"yaxis.title.text": "Cumulative"}]},
    ]  # fmt: skip
    figure = {
        "data": traces,
        "layout": _layout(
            height=height,
            hovermode="x unified",
            xaxis={
                "type": "date",
                "title": {"text": f"Date ({tz})"},
                "rangeslider": {"visible": True, "thickness": 0.08},
                "rangeselector": {
                    "buttons": [
                        {"count": 7, "label": "1 week", "step": "day", "stepmode": "backward"},
                        {"count": 14, "label": "2 weeks", "step": "day", "stepmode": "backward"},
                        {"count": 1, "label": "1 month", "step": "month", "stepmode": "backward"},
                        {"step": "all", "label": "all"},
                    ],
                    "x": 0,
                    "yanchor": "bottom",
                    "y": _above(20, height, 125, 60),
                },
            },
            yaxis={"title": {"text": "Per day"}, "rangemode": "tozero", "separatethousands": True},
            shapes=shapes,
            annotations=notes,
            updatemenus=[_menu(buttons, y=_above(112, height, 125, 60))],
            # beside the plot: below it the date axis, the range slider and the axis
            # title take a height that depends on the page, and a legend there collides
            legend={
                "orientation": "v",
                "xanchor": "left",
                "x": 1.02,
                "yanchor": "top",
                "y": 1.0,
                "title": {"text": "Click to show or hide"},
            },
            margin={"l": 60, "r": 20, "t": 125, "b": 60},
        ),
    }

    def draw(cumulative: bool):
        def _draw(ax):
            import matplotlib.dates as mdates

            from .plotting._base import _legend_above, no_data, thousands, week_shading

            if len(axis) == 0:
                return no_data(ax)
            dates = pd.DatetimeIndex(axis.astype("datetime64[ns]"))
            for i, (name, *_rest, default) in enumerate(_EVENTS):
                if default:
                    y = counts[name]
                    ax.plot(dates, np.cumsum(y) if cumulative else y, label=name, color=_PALETTE[i])
            if week_starts:
                week_shading(ax, [pd.Timestamp(w) for w in week_starts])
            ax.set_ylabel("Cumulative" if cumulative else "Per day")
            ax.set_xlabel(f"Date ({tz})")
            thousands(ax, "y")
            _legend_above(ax)
            locator = mdates.AutoDateLocator()  # "Feb", "08", "15": no slanted dates
            ax.xaxis.set_major_locator(locator)
            ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
            for side in ("top", "right"):
                ax.spines[side].set_visible(False)
            return ax

        return _draw

    return Explorer(
        figure,
        description=f"Interactive chart: daily activity from {x[0] if x else '-'} to {x[-1] if x else '-'} (date window selectable)",
        views={"Daily counts": draw(False), "Cumulative": draw(True)},
        kind="timeline",
        height=height,
        figsize=(9.0, 4.0),
    )


# --------------------------------------------------------------------------- quiz

OTHER = "(other answers)"


def _outlines(ok: np.ndarray, totals: np.ndarray) -> list[dict]:
    """Green rectangles around the stacked bars of the correct answers (category axis)."""
    return [
        {
            "type": "rect",
            "xref": "x",
            "yref": "y",
            "x0": float(i) - 0.4,
            "x1": float(i) + 0.4,
            "y0": 0,
            "y1": float(totals[i]),
            "line": {"color": _GOOD, "width": 3},
            "fillcolor": "rgba(0,0,0,0)",
            "layer": "above",
        }
        for i in np.flatnonzero(ok)  # the correct answers of one question: one or a few
    ]


def explore_quiz(
    course,
    *,
    question: str | None = None,
    group: str | None = None,
    max_answers: int = 15,
    height: int = 460,
) -> Explorer:
    """Explore the answers to each quiz question: pick a question from the drop-down.

    Parameters
    ----------
    course : the Course.
    question : the question shown first (``"W.S.Q"``); default the first in the course.
    group : count only these learners; default every answer.
    max_answers : per question, the most frequent answers shown (the correct ones
        always are); the rest are added up as ``"(other answers)"``. This keeps rare
        typed (cloze) answers out of the page.
    height : chart height in pixels.

    Returns
    -------
    Explorer
        For the chosen question, one bar per answer (multi-select answers as sets),
        split into first tries and later tries; the correct answer is marked ✓ and
        outlined in green. The drop-down lists each question with the % of learners right
        at their first try. The static picture shows the first question.
    """
    from .analysis._quiz import attempts_per_question, response_matrix

    every = response_matrix(course, group=group)
    first = response_matrix(course, attempt=1, group=group)
    stats = attempts_per_question(course, group=group)
    questions = [str(q) for q in stats["quiz_question"]]
    rate = dict(zip(questions, stats["pct_first_correct"].to_numpy(), strict=True))
    if question is None or str(question) not in questions:
        question = questions[0] if questions else None
    key_all = every["quiz_question"].astype(str) + "|" + every["response"].astype(str)
    key_first = first["quiz_question"].astype(str) + "|" + first["response"].astype(str)
    first_n = pd.Series(first["responses"].to_numpy(), index=key_first.to_numpy())
    table = pd.DataFrame(
        {
            "q": every["quiz_question"].astype(str).to_numpy(),
            "response": every["response"].astype(str).to_numpy(),
            "first": first_n.reindex(key_all.to_numpy()).fillna(0).to_numpy(dtype=np.int64),
            "all": every["responses"].to_numpy(dtype=np.int64),
            "ok": every["is_correct"].to_numpy(dtype=bool),
        }
    )
    table["code"] = every["quiz_question"].cat.codes.to_numpy()
    table["order"] = np.arange(len(table))
    # keep the most frequent answers of each question (and the correct ones); add up the rest
    rank = table.groupby("code")["all"].rank(method="first", ascending=False).to_numpy()
    rare = (rank > max_answers) & ~table["ok"].to_numpy()
    if rare.any():
        other = (
            table[rare]
            .groupby(["code", "q"], as_index=False)[["first", "all"]]
            .sum()
            .assign(response=OTHER, ok=False, order=len(table))
        )
        table = pd.concat([table[~rare], other], ignore_index=True)
        table = table.sort_values(["code", "order"], kind="stable").reset_index(drop=True)
    table["later"] = table["all"] - table["first"]
    traces, buttons = [], []
    # rows come in question order: cut the table at each new question
    qcodes = table["code"].to_numpy()
    cuts = np.r_[0, np.flatnonzero(np.diff(qcodes)) + 1, len(qcodes)]
    by_q = {
        str(table["q"].iat[a]): table.iloc[a:b]
        for a, b in zip(cuts[:-1], cuts[1:], strict=True)
        if b > a
    }
    n = len(questions)
    outlines: dict[str, list[dict]] = {}
    for i, q in enumerate(questions):
        part = by_q[q]
        labels = [f"{r} ✓" if ok else r for r, ok in zip(part["response"], part["ok"], strict=True)]
        # the correct answers' green outlines are layout shapes, not bar outlines: a
        # bar trace's outline would also colour its legend swatch
        outlines[q] = _outlines(part["ok"].to_numpy(), part["all"].to_numpy())
        shown = q == question
        for name, col, color in (
            ("first try", "first", _PALETTE[0]),
            ("later tries", "later", _PALETTE[5]),
        ):
            traces.append(
                {
                    "type": "bar",
                    "x": labels,
                    "y": part[col].tolist(),
                    "name": name,
                    "marker": {"color": color},
                    "visible": shown,
                    "legendgroup": name,
                    "hovertemplate": f"answer %{{x}}<br>%{{y:,}} answers<extra>{name}</extra>",
                }
            )
        visible = [False] * (2 * n)
        visible[2 * i] = visible[2 * i + 1] = True
        pct = rate.get(q, np.nan)
        label = f"{q} ({pct:.0f}% right first time)" if np.isfinite(pct) else q
        buttons.append(
            {
                "label": label,
                "method": "update",
                "args": [{"visible": visible}, {"shapes": outlines[q]}],
            }
        )
    active = questions.index(question) if question in questions else 0
    menu = _menu(buttons, y=_above(100, height, 110, 70))
    menu["active"] = active
    figure = {
        "data": traces,
        "layout": _layout(
            barmode="stack",
            height=height,
            title={"text": "" if question else "No quiz answers", "x": 0.5, "y": 0.5},
            xaxis={"type": "category", "title": {"text": "Answer (✓ correct; multi-select as a set)"}},
            yaxis={"title": {"text": "Answers"}, "rangemode": "tozero", "separatethousands": True},
            updatemenus=[menu] if buttons else [],
            shapes=outlines.get(question, []) if question else [],
            legend={"orientation": "h", "yanchor": "bottom", "y": _above(20, height, 110, 70), "x": 0},
            margin={"l": 60, "r": 20, "t": 110, "b": 70},
        ),
    }  # fmt: skip

    def view(q: str | None):
        def _draw(ax):
            from .plotting._base import COLORS, _unstick, no_data, thousands

            if q is None:
                return no_data(ax)
            part = by_q[q]
            x = np.arange(len(part))
            ax.bar(x, part["first"], color=_PALETTE[0], label="first try")
            later = ax.bar(
                x, part["later"], bottom=part["first"], color=_PALETTE[5], label="later tries"
            )
            _unstick(later, part["first"])
            ok = part["ok"].to_numpy()
            tot = part["all"].to_numpy()
            for xi in x[ok]:
                ax.bar(xi, tot[xi], fill=False, edgecolor=COLORS["good"], lw=2.5)
            ax.set_xticks(x)
            ticks = ax.set_xticklabels(
                [f"{r} ✓" if o else r for r, o in zip(part["response"], ok, strict=True)]
            )
            for t, o in zip(ticks, ok, strict=True):
                if o:
                    t.set_color(COLORS["good"])
                    t.set_fontweight("bold")
            ax.set_xlabel("Answer (✓ correct)")
            ax.set_ylabel("Answers")
            ax.set_title(f"Question {q}", fontsize=10)
            thousands(ax, "y")
            # beside the bars (the title is above them); entries without the outline
            ax.legend(
                handles=ax.containers[:2],
                frameon=False,
                fontsize=8,
                loc="upper left",
                bbox_to_anchor=(1.01, 1),
                borderaxespad=0,
            )
            return ax

        return _draw

    order = [question] + [q for q in questions if q != question] if question else [None]
    return Explorer(
        figure,
        description=f"Interactive chart: answers to {n} quiz question(s), one at a time",
        views={(q or "No data"): view(q) for q in order},
        kind="quiz",
        height=height,
        figsize=(7.0, 4.0),
    )
