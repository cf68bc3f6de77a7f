"""Interactive explorers that work offline in a saved HTML page (and as a picture in a PDF).

The original recipes notebook explored the data with ``ipywidgets.interact`` (activity
type × learner group, date window, question picker). Those need a live Python kernel,
which a rendered book does not have. Here each explorer is a client-side plotly chart
built from **aggregated** counts (per step, per day, per question and answer: never one
point per learner), with the plotly.js library read from the installed ``plotly``
package (no CDN, no server).

An explorer is a thin layer over the rest of the package: its numbers come from
:mod:`flbook.analysis` (:func:`~flbook.analysis.step_activity_counts`,
:func:`~flbook.analysis.daily_activity`, :func:`~flbook.analysis.answer_counts`), its
static picture is drawn by a :mod:`flbook.plotting` function, and its interactive chart
is a :class:`plotly.graph_objects.Figure` written out by :func:`plotly.io.to_html`. The
small-count rule (:mod:`flbook.privacy`) holds: no bar, point or hover value is about
fewer than :data:`~flbook.privacy.MIN_COUNT` learners.

Each ``explore_*`` function returns an :class:`Explorer`. Displayed in a notebook, it
offers three representations (``_repr_mimebundle_``):

``text/html``
    the interactive chart::

        <div class="flbook-explorer" data-flbook-explorer="step-activity">
        <script data-flbook-lib="plotly">…plotly.js…</script>
        <div style="height:…px; width:100%;"><div id="flbook-…" class="plotly-graph-div" …>
        </div><script>…Plotly.newPlot("flbook-…", data, layout, config)…</script></div>
        </div>

    The library sits alone in the ``<script data-flbook-lib="plotly">`` element, so a
    page holding several explorers needs only the first copy: the book renderers drop
    the others and load one shared ``plotly.min.js`` instead (every explorer's own
    script only calls ``Plotly.newPlot``, as :func:`plotly.io.to_html` writes it with
    ``include_plotlyjs=False``).
``image/png``
    a static matplotlib picture of the explorer's default view (what a PDF shows). A
    chapter whose explorer's picture would repeat one of its figures shows the explorer
    in the HTML only and names that figure in the PDF instead
    (``docs/quarto-subset.md``, "HTML only").
``text/plain``
    one line saying what the explorer shows.

In a live Jupyter session :meth:`Explorer.widget` gives an ipywidgets version (a
drop-down and the static picture of the chosen view) when ipywidgets is installed.
"""

from __future__ import annotations

import functools
import html
import io
import uuid
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

from . import analysis, plotting
from .analysis import Group
from .plotting._quiz import shown_answer_counts
from .plotting._schedule import DAILY_LABELS, daily_series
from .privacy import MIN_COUNT, hide_small

if TYPE_CHECKING:
    from flbook.store import Course

__all__ = ["Explorer", "explore_step_activity", "explore_timeline", "explore_quiz", "plotly_js"]

LIB_ATTR = 'data-flbook-lib="plotly"'
"""The attribute that marks the script element holding the plotly.js library."""

CONFIG = {"responsive": True, "displaylogo": False}
"""plotly.js configuration of every explorer."""

_PALETTE = plotting.PALETTE
_GOOD = plotting.COLORS["good"]
_FONT = {"family": "DejaVu Sans, Arial, sans-serif", "size": 12}
_MARK = {"color": "#999999", "width": 1, "dash": "dot"}


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


class Explorer:
    """An interactive chart: HTML (plotly, offline), PNG (matplotlib) and a text line.

    Parameters
    ----------
    figure : the plotly figure (a :class:`plotly.graph_objects.Figure`, or a dict
        with ``data`` and ``layout``), aggregated numbers only.
    description : one line saying what the explorer shows (``text/plain``).
    views : ``{name: draw}``, where ``draw(ax)`` draws that view on a matplotlib Axes; the
        first view is the default, drawn for the PNG.
    kind : a short name (``"step-activity"``), written in the HTML.
    height : height of the chart in the page, in pixels.
    figsize : size of the static picture, in inches.

    Attributes
    ----------
    figure : the :class:`plotly.graph_objects.Figure`.
    description, views, kind, height, figsize : as given.
    """

    def __init__(
        self,
        figure: go.Figure | dict,
        *,
        description: str,
        views: dict[str, Callable],
        kind: str = "explorer",
        height: int = 460,
        figsize: tuple[float, float] = (8.0, 4.0),
    ) -> None:
        self.figure = figure if isinstance(figure, go.Figure) else go.Figure(figure)
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
        return pio.to_json(self.figure, validate=False)

    def to_html(self, *, include_plotlyjs: bool = True, div_id: str | None = None) -> str:
        """The interactive chart as an HTML fragment that works offline.

        Parameters
        ----------
        include_plotlyjs : inline the plotly.js library (in a
            ``<script data-flbook-lib="plotly">`` element). Leave it on unless the page
            already has the library.
        div_id : id of the chart's ``<div>`` (default: a fresh unique id).
        """
        chart = pio.to_html(
            self.figure,
            config=CONFIG,
            include_plotlyjs=False,
            full_html=False,
            div_id=div_id or f"flbook-{self.kind}-{uuid.uuid4().hex[:12]}",
            default_width="100%",
            default_height=f"{int(self.height)}px",
            validate=False,
        )
        parts = [
            f'<div class="flbook-explorer" data-flbook-explorer="{html.escape(self.kind)}">',
            _lib_script() if include_plotlyjs else "",
            chart.strip(),
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
        plotting.fit_empty_figure(fig)  # "No data" alone: a strip, as in the chapters
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


def _new_figure(height: int, top: int, bottom: int, **layout) -> go.Figure:
    """An empty figure in the house style; ``layout`` is merged into the defaults."""
    fig = go.Figure(
        layout=go.Layout(
            template="none",
            font=_FONT,
            colorway=_PALETTE,
            paper_bgcolor="white",
            plot_bgcolor="white",
            height=height,
            margin={"l": 60, "r": 20, "t": top, "b": bottom},
            hovermode="closest",
            legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0},
        )
    )
    return fig.update_layout(**layout)


def _above(px: float, fig: go.Figure) -> float:
    """Paper y coordinate ``px`` pixels above the plot area of ``fig``."""
    m = fig.layout.margin
    return 1.0 + px / max(fig.layout.height - m.t - m.b, 50)


def _menu(fig: go.Figure, buttons: list[dict], *, px: float, active: int = 0) -> None:
    """A drop-down ``px`` pixels above the plot area, at its left edge."""
    fig.update_layout(
        updatemenus=[
            go.layout.Updatemenu(
                type="dropdown",
                buttons=buttons,
                active=active,
                x=0.0,
                xanchor="left",
                y=_above(px, fig),
                yanchor="top",
                showactive=True,
                bgcolor="white",
            )
        ]
    )


def _values(values) -> list:
    """Numbers for a plotly trace: ints, and None where a value is hidden or missing."""
    return [None if pd.isna(v) else int(v) for v in values]


def _hidden_note(min_learners: int, what: str) -> str:
    return f"{what} about 1 to {min_learners - 1} learners are not drawn"


# --------------------------------------------------------------------------- step activity

ACTIVITIES = {
    "visited": ("Visited the step", "Learners"),
    "completed": ("Marked the step complete", "Learners"),
    "answers": ("Quiz answers submitted on the step", "Answers"),
    "comments": ("Comments posted on the step", "Comments"),
}
"""Activity types of :func:`explore_step_activity` (measures of
:func:`~flbook.analysis.step_activity_counts`): label and unit."""


def _step_tables(
    course: Course, groups: Sequence[str], min_learners: int
) -> dict[str, pd.DataFrame]:
    """Per group, the step counts with every count about too few learners hidden (NA)."""
    out = {}
    for g in groups:
        counts = analysis.step_activity_counts(
            course, group=g, learners=True, measures=list(ACTIVITIES)
        )
        out[g] = hide_small(counts, columns=["learners"], min_learners=min_learners)
    return out


def _week_marks(fig: go.Figure, steps: list[str]) -> None:
    """Dotted lines between the weeks of a step axis and a "Week N" label over each."""
    weeks = [s.split(".")[0] for s in steps]
    bounds = [i for i in range(1, len(steps)) if weeks[i] != weeks[i - 1]]
    for b in bounds:
        fig.add_shape(
            type="line", xref="x", yref="paper", x0=b - 0.5, x1=b - 0.5, y0=0, y1=1, line=_MARK
        )
    for s, e in zip([0, *bounds], [*bounds, len(steps)], strict=True):
        if steps:
            fig.add_annotation(
                xref="x",
                yref="paper",
                x=(s + e - 1) / 2,
                y=1.0,
                yanchor="bottom",
                text=f"Week {weeks[s]}",
                showarrow=False,
                font={"size": 11, "color": "#444444"},
            )


def _step_traces(fig, tables: dict[str, pd.DataFrame], steps: list[str]) -> list[dict]:
    """One bar series per activity and group; returns the drop-down's buttons."""
    groups = list(tables)
    buttons = []
    for a_i, (act, (label, unit)) in enumerate(ACTIVITIES.items()):
        for g_i, g in enumerate(groups):
            t = tables[g]
            shown = True if g_i == 0 else "legendonly"
            fig.add_trace(
                go.Bar(
                    x=steps,
                    y=_values(t.loc[t["measure"] == act, "count"]),
                    name=g.replace("_", " "),
                    marker_color=_PALETTE[g_i % len(_PALETTE)],
                    visible=shown if a_i == 0 else False,
                    hovertemplate=(
                        f"step %{{x}}<br>%{{y:,}} {unit.lower()}<extra>%{{fullData.name}}</extra>"
                    ),
                )
            )
        visible = [False] * (len(ACTIVITIES) * len(groups))
        for g_i in range(len(groups)):
            visible[a_i * len(groups) + g_i] = True if g_i == 0 else "legendonly"
        buttons.append(
            {
                "label": label,
                "method": "update",
                "args": [{"visible": visible}, {"yaxis.title.text": unit}],
            }
        )
    return buttons


def _step_figure(height: int, steps: list[str]) -> go.Figure:
    fig = _new_figure(
        height,
        125,
        70,
        barmode="group",
        xaxis={
            "type": "category",
            "title": {"text": "Step (week.step)"},
            "categoryorder": "array",
            "categoryarray": steps,
            "tickangle": -90,
        },
        yaxis={
            "title": {"text": next(iter(ACTIVITIES.values()))[1]},
            "rangemode": "tozero",
            "separatethousands": True,
        },
    )
    return fig.update_layout(
        legend={"y": _above(26, fig), "title": {"text": "Learner group (click to add): "}}
    )


def _step_view(table: pd.DataFrame, measure: str, min_learners: int) -> Callable:
    return lambda ax: plotting.plot_step_counts(
        table, measure=measure, min_learners=min_learners, ax=ax
    )


def explore_step_activity(
    course: Course,
    *,
    groups: Sequence[str] = ("enrolled", "fully_participated", "unenrolled"),
    height: int = 480,
    min_learners: int = MIN_COUNT,
) -> Explorer:
    """Explore activity per step: pick an activity type; click learner groups in the legend.

    Parameters
    ----------
    course : the Course.
    groups : learner groups to compare (names or expressions that
        :func:`flbook.analysis.group_members` accepts); the first is shown at first, the
        others can be added by clicking them in the legend.
    height : chart height in pixels.
    min_learners : the small-count rule (:mod:`flbook.privacy`): a bar about fewer learners
        is not drawn.

    Returns
    -------
    Explorer
        A drop-down chooses the activity (:data:`ACTIVITIES`, counted by
        :func:`~flbook.analysis.step_activity_counts`): learners who visited each step,
        learners who marked it complete, quiz answers submitted on it (every try),
        comments posted on it. One bar per step, in course order; one bar series per
        learner group. The static picture shows the first activity for the first group.

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
    tables = _step_tables(course, groups, min_learners)
    fig = _step_figure(height, steps)
    _menu(fig, _step_traces(fig, tables, steps), px=112)
    _week_marks(fig, steps)
    if any(t.attrs["hidden_rows"] for t in tables.values()):
        fig.update_layout(
            xaxis_title_text=f"Step (week.step); {_hidden_note(min_learners, 'bars')}"
        )
    views = {
        f"{label} — {g.replace('_', ' ')}": _step_view(tables[g], act, min_learners)
        for act, (label, _) in ACTIVITIES.items()
        for g in groups
    }
    return Explorer(
        fig,
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

SHOWN_EVENTS = ("visited", "completed")
"""The event types :func:`explore_timeline` shows at first (the others are a click away)."""


def _timeline_traces(fig: go.Figure, data: pd.DataFrame, min_learners: int) -> list[dict]:
    """One line per event type; returns the daily / cumulative buttons."""
    days = [d.strftime("%Y-%m-%d") for d in pd.DatetimeIndex(data["date"].unique())]
    daily = daily_series(data, min_learners=min_learners)
    total = daily_series(data, cumulative=True, min_learners=min_learners)
    for i, (event, y) in enumerate(daily.items()):
        fig.add_trace(
            go.Scatter(
                mode="lines",
                x=days,
                y=_values(y),
                name=DAILY_LABELS.get(event, event),
                line={"color": _PALETTE[i % len(_PALETTE)], "width": 2},
                visible=True if event in SHOWN_EVENTS else "legendonly",
                hovertemplate="%{x|%a %d %b %Y}<br>%{y:,}<extra>%{fullData.name}</extra>",
            )
        )
    daily_y = [_values(y) for y in daily.values()]
    total_y = [_values(y) for y in total.values()]
    return [
        {"label": "Daily counts", "method": "update", "args": [{"y": daily_y}, {"yaxis.title.text": "Per day"}]},
        {"label": "Cumulative", "method": "update", "args": [{"y": total_y}, {"yaxis.title.text": "Cumulative"}]},
    ]  # fmt: skip


def _study_weeks(fig: go.Figure, week_starts: list) -> None:
    """A dotted line at the start of each study week, labelled W1, W2, ..."""
    for i, w in enumerate(week_starts):
        fig.add_shape(
            type="line", xref="x", yref="paper", x0=str(w), x1=str(w), y0=0, y1=1, line=_MARK
        )
        fig.add_annotation(
            xref="x",
            yref="paper",
            x=str(w),
            y=1.0,
            xanchor="left",
            yanchor="bottom",
            text=f" W{i + 1}",
            showarrow=False,
            font={"size": 10, "color": "#555555"},
        )


def _timeline_figure(height: int, timezone: str) -> go.Figure:
    fig = _new_figure(height, 125, 60, hovermode="x unified")
    fig.update_layout(
        xaxis={
            "type": "date",
            "title": {"text": f"Date ({timezone})"},
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
                "y": _above(20, fig),
            },
        },
        yaxis={"title": {"text": "Per day"}, "rangemode": "tozero", "separatethousands": True},
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
    )
    return fig


def _timeline_view(data, cumulative: bool, week_starts: list, min_learners: int) -> Callable:
    return lambda ax: plotting.plot_daily_activity(
        data,
        events=SHOWN_EVENTS,
        cumulative=cumulative,
        week_starts=week_starts,
        min_learners=min_learners,
        ax=ax,
    )


def explore_timeline(
    course: Course,
    *,
    group: Group = "enrolled",
    timezone: str | None = None,
    height: int = 480,
    min_learners: int = MIN_COUNT,
) -> Explorer:
    """Explore daily activity over time: choose the series and a date window.

    Parameters
    ----------
    course : the Course.
    group : count only these learners (default ``"enrolled"``: role learner);
        ``None`` counts every row of the export (course team too).
    timezone : time zone of the days (default the course's, else UTC).
    height : chart height in pixels.
    min_learners : the small-count rule (:mod:`flbook.privacy`): a day's count about fewer
        learners is not drawn, nor added up in the cumulative counts.

    Returns
    -------
    Explorer
        One line per kind of event (enrolments, unenrolments, step visits, steps
        completed, comments, quiz answers; :func:`~flbook.analysis.daily_activity`)
        counted per day; click the legend to add or hide a line. A range slider and
        buttons (1 week, 2 weeks, 1 month, all) choose the date window; a drop-down
        switches between daily and cumulative counts. Study weeks are marked. The
        static picture shows daily step visits and completions.
    """
    cfg = getattr(course, "config", None)
    timezone = timezone or (cfg.timezone if cfg is not None else None) or "UTC"
    data = analysis.daily_activity(course, group=group, timezone=timezone)
    days = [d.strftime("%Y-%m-%d") for d in pd.DatetimeIndex(data["date"].unique())]
    fig = _timeline_figure(height, timezone)
    _menu(fig, _timeline_traces(fig, data, min_learners), px=112)
    week_starts = list(cfg.week_starts) if cfg is not None else []
    _study_weeks(fig, week_starts)
    shown = daily_series(data, min_learners=min_learners)
    if any(np.isnan(y).any() for y in shown.values()):
        note = _hidden_note(min_learners, "days")
        fig.update_layout(xaxis_title_text=f"Date ({timezone}); {note} nor added up")
    return Explorer(
        fig,
        description=(
            f"Interactive chart: daily activity from {days[0] if days else '-'} to "
            f"{days[-1] if days else '-'} (date window selectable)"
        ),
        views={
            "Daily counts": _timeline_view(data, False, week_starts, min_learners),
            "Cumulative": _timeline_view(data, True, week_starts, min_learners),
        },
        kind="timeline",
        height=height,
        figsize=(9.0, 4.0),
    )


# --------------------------------------------------------------------------- quiz

OTHER = analysis.OTHER_ANSWERS


def _outlines(part: pd.DataFrame) -> list[dict]:
    """Green rectangles around the drawn bars of the correct answers (category axis)."""
    tops = np.nan_to_num(part["first_try"].to_numpy(dtype=float)) + np.nan_to_num(
        part["later_tries"].to_numpy(dtype=float)
    )
    ok = part["is_correct"].to_numpy(dtype=bool) & (tops > 0)
    return [
        {
            "type": "rect",
            "xref": "x",
            "yref": "y",
            "x0": float(i) - 0.4,
            "x1": float(i) + 0.4,
            "y0": 0,
            "y1": float(tops[i]),
            "line": {"color": _GOOD, "width": 3},
            "fillcolor": "rgba(0,0,0,0)",
            "layer": "above",
        }
        for i in np.flatnonzero(ok)  # the correct answers of one question: one or a few
    ]


def _question_labels(course: Course, group, questions: list[str], min_learners: int) -> list[str]:
    """Each question with its % of learners right first time (when enough learners)."""
    stats = analysis.attempts_per_question(course, group=group)
    stats = stats.set_index(stats["quiz_question"].astype(str))
    out = []
    for q in questions:
        pct = stats["pct_first_correct"].get(q, np.nan)
        enough = stats["learners"].get(q, 0) >= min_learners
        out.append(f"{q} ({pct:.0f}% right first time)" if enough and np.isfinite(pct) else q)
    return out


def _quiz_traces(fig: go.Figure, by_q: dict[str, pd.DataFrame], question, labels) -> list[dict]:
    """Two bar series (first try, later tries) per question; returns the buttons."""
    n = len(by_q)
    buttons = []
    for i, (q, part) in enumerate(by_q.items()):
        answers = [
            f"{r} ✓" if ok else r
            for r, ok in zip(part["response"], part["is_correct"], strict=True)
        ]
        for name, col, color in (
            ("first try", "first_try", _PALETTE[0]),
            ("later tries", "later_tries", _PALETTE[5]),
        ):
            fig.add_trace(
                go.Bar(
                    x=answers,
                    y=_values(part[col]),
                    name=name,
                    marker_color=color,
                    visible=q == question,
                    legendgroup=name,
                    hovertemplate=f"answer %{{x}}<br>%{{y:,}} answers<extra>{name}</extra>",
                )
            )
        visible = [False] * (2 * n)
        visible[2 * i] = visible[2 * i + 1] = True
        # the correct answers' green outlines are layout shapes, not bar outlines: a
        # bar trace's outline would also colour its legend swatch
        buttons.append(
            {
                "label": labels[i],
                "method": "update",
                "args": [{"visible": visible}, {"shapes": _outlines(part)}],
            }
        )
    return buttons


def _quiz_figure(height: int, question, hidden: int, min_learners: int) -> go.Figure:
    title = "Answer (✓ correct; multi-select as a set)"
    if hidden:
        title += f"; {_hidden_note(min_learners, 'bars')}"
    fig = _new_figure(
        height,
        110,
        70,
        barmode="stack",
        title={"text": "" if question else "No quiz answers", "x": 0.5, "y": 0.5},
        xaxis={"type": "category", "title": {"text": title}},
        yaxis={"title": {"text": "Answers"}, "rangemode": "tozero", "separatethousands": True},
    )
    return fig.update_layout(legend={"y": _above(20, fig)})


def _quiz_view(data: pd.DataFrame, question: str | None, min_learners: int) -> Callable:
    if question is None:
        return lambda ax: plotting.no_data(ax)
    return lambda ax: plotting.plot_answer_counts(
        data, question=question, min_learners=min_learners, ax=ax
    )


def explore_quiz(
    course: Course,
    *,
    question: str | None = None,
    group: Group = None,
    top: int = 15,
    height: int = 460,
    min_learners: int = MIN_COUNT,
) -> Explorer:
    """Explore the answers to each quiz question: pick a question from the drop-down.

    Parameters
    ----------
    course : the Course.
    question : the question shown first (``"W.S.Q"``); default the first in the course.
    group : count only these learners; default every answer.
    top : per question, the most frequent answers shown (the correct ones
        always are); the rest are added up as ``"(other answers)"``. This keeps rare
        typed (cloze) answers out of the page.
    height : chart height in pixels.
    min_learners : the small-count rule (:mod:`flbook.privacy`): a bar about fewer learners
        is not drawn, and a question answered by fewer has no % in the drop-down.

    Returns
    -------
    Explorer
        For the chosen question, one bar per answer (multi-select answers as sets;
        :func:`~flbook.analysis.answer_counts`), split into first tries and later
        tries; the correct answer is marked ✓ and outlined in green. The drop-down
        lists each question with the % of learners right at their first try. The
        static picture shows the first question.
    """
    data = analysis.answer_counts(course, group=group, top=top)
    shown = shown_answer_counts(data, min_learners=min_learners)
    codes = shown["quiz_question"].astype(str)
    by_q = {q: part for q, part in shown.groupby(codes.to_numpy(), sort=False)}
    questions = list(by_q)
    if question is None or str(question) not in questions:
        question = questions[0] if questions else None
    fig = _quiz_figure(height, question, shown.attrs["hidden"], min_learners)
    labels = _question_labels(course, group, questions, min_learners)
    buttons = _quiz_traces(fig, by_q, question, labels)
    if buttons:
        _menu(fig, buttons, px=100, active=questions.index(question))
    fig.update_layout(shapes=_outlines(by_q[question]) if question else [])
    order = [question] + [q for q in questions if q != question] if question else [None]
    return Explorer(
        fig,
        description=(
            f"Interactive chart: answers to {len(questions)} quiz question(s), one at a time"
        ),
        views={(q or "No data"): _quiz_view(data, q, min_learners) for q in order},
        kind="quiz",
        height=height,
        figsize=(7.0, 4.0),
    )
