"""One shared set-up per chapter, and the few display helpers chapters use.

A chapter's first code cell after its ``parameters`` cell is::

    course = fl.setup(globals())

which validates the injected parameters into a :class:`~flbook.config.CourseConfig`,
loads the course (from the store after the first chapter), and sets the chart and
table style. Chapters then show tables with :func:`show_table`, numbers in prose with
:func:`md`, and "what this chapter cannot show" with :func:`callout`.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import pandas as pd

from .config import PARAMETERS, CourseConfig

if TYPE_CHECKING:
    from flbook.store import Course

__all__ = [
    "setup",
    "show_table",
    "md",
    "callout",
    "stop_chapter",
    "skip_section",
    "SECTION_END",
    "require_data",
    "ChapterStop",
    "Table",
    "fmt_int",
    "fmt_pct",
]


def setup(namespace: Mapping[str, Any] | None = None, /, **overrides: Any):
    """Validate a chapter's parameters, load its course and set the house style.

    Parameters
    ----------
    namespace : a mapping holding the chapter parameters by name (a chapter passes
        ``globals()``); only the names in :data:`flbook.config.PARAMETERS` are read.
    **overrides : parameter values that replace those in ``namespace``.

    Returns
    -------
    Course
        the loaded course, with ``course.config`` the validated settings.
    """
    from .store import load_course

    values = {k: namespace[k] for k in PARAMETERS if namespace and k in namespace}
    values.update(overrides)
    config = CourseConfig.from_parameters(values)
    _style()
    return load_course(config)


def _style() -> None:
    import matplotlib as mpl

    from .plotting import STYLE

    mpl.style.use(STYLE)
    try:
        from IPython import get_ipython

        ip = get_ipython()
        if ip is not None:
            from matplotlib_inline.backend_inline import set_matplotlib_formats

            set_matplotlib_formats("png")
            _show_empty_figures_as_strips(ip)
            _draw_each_figure_once()
    except Exception:  # not in IPython: nothing to configure
        pass


def _draw_each_figure_once() -> None:
    """Stop pyplot drawing every new figure once more after each cell, for nothing.

    pyplot hooks ``draw_all`` onto IPython's ``post_execute`` event, so each figure a
    cell made is drawn on the screen canvas; the inline backend then prints it to PNG,
    which draws it again (twice with ``bbox_inches="tight"``). No screen shows the
    first drawing, and dropping the hook leaves the PNG byte for byte the same, a
    third less drawing per figure (``tests/test_kernels.py`` counts the draws).
    """
    import matplotlib.pyplot as plt

    plt.get_backend()  # resolve the backend now: resolving it installs the hook
    plt.uninstall_repl_displayhook()


def _show_empty_figures_as_strips(ip: Any) -> None:
    """Show a figure that holds only a "No data" Axes as a short strip.

    Wraps the shell's PNG printer of matplotlib figures (set by
    ``set_matplotlib_formats``) with :func:`flbook.plotting.fit_empty_figure`, so the
    charts draw on their Axes alone while an empty chart in a chapter still takes a
    line of the page rather than a chart's height of white space.
    """
    from matplotlib.figure import Figure

    from .plotting import fit_empty_figure

    png = ip.display_formatter.formatters["image/png"]
    draw = png.lookup_by_type(Figure)
    if getattr(draw, "fits_empty_figures", False):  # set up by an earlier call
        return

    def printer(fig: Figure):
        fit_empty_figure(fig)
        return draw(fig)

    printer.fits_empty_figures = True  # type: ignore[attr-defined]
    png.for_type(Figure, printer)


def fmt_int(n: Any) -> str:
    """A whole number with thousands separators ("12,345"); "–" for missing."""
    if n is None or pd.isna(n):
        return "–"
    return f"{int(round(float(n))):,}"


def fmt_pct(x: Any, *, digits: int = 0) -> str:
    """A percentage (already ×100) with ``digits`` decimals ("42%"); "–" for missing."""
    if x is None or pd.isna(x):
        return "–"
    return f"{float(x):,.{digits}f}%"


class Table:
    """A DataFrame shown as a clean table: no index, readable headers, formatted numbers.

    Its HTML escapes every cell, so text from learners can never become markup. Text
    columns are left-aligned and numbers right-aligned. Percentages (columns named
    ``pct`` or ``pct_…``) get ``pct_digits`` decimals (default: ``digits``).
    """

    def __init__(
        self,
        frame: pd.DataFrame,
        *,
        max_rows: int = 40,
        digits: int = 1,
        pct_digits: int | None = None,
    ) -> None:
        self.frame = frame
        self.max_rows = max_rows
        self.digits = digits
        self.pct_digits = digits if pct_digits is None else pct_digits

    def text_columns(self) -> list[bool]:
        """For each column, whether it holds text (left-aligned) rather than numbers."""
        out = []
        for c in self.frame.columns:
            s = self.frame[c]
            numeric = pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s)
            out.append(not numeric and not pd.api.types.is_datetime64_any_dtype(s))
        return out

    def formatted(self) -> pd.DataFrame:
        """The table as strings, headers in words, at most ``max_rows`` rows.

        The small-count rule holds (:mod:`flbook.privacy`): a count of people under 10
        reads ``"<10"`` and the other figures of its row read ``"–"``.
        """
        from .privacy import people_columns, small_cells, small_label

        df = self.frame.head(self.max_rows).copy()
        people = people_columns(df)
        hidden = small_cells(df, columns=people)
        for c in df.columns:
            s = df[c]
            if pd.api.types.is_bool_dtype(s):
                df[c] = s.map({True: "yes", False: "no"})
            elif pd.api.types.is_integer_dtype(s):
                df[c] = s.map(fmt_int)
            elif pd.api.types.is_float_dtype(s):
                pct = str(c) == "pct" or str(c).startswith("pct_")
                df[c] = s.map(
                    (lambda v: fmt_pct(v, digits=self.pct_digits))
                    if pct
                    else (lambda v: "–" if pd.isna(v) else f"{v:,.{self.digits}f}")
                )
            elif pd.api.types.is_datetime64_any_dtype(s):
                midnight = (s.dropna() == s.dropna().dt.normalize()).all()
                df[c] = s.dt.strftime("%Y-%m-%d" if midnight else "%Y-%m-%d %H:%M").fillna("–")
            else:
                if str(c) in _CODE_NAME_COLUMNS:  # code names (fully_participated) in words
                    from .findings import readable_value

                    s = s.astype("object").map(lambda v, c=str(c): readable_value(c, v))
                df[c] = s.astype("object").where(s.notna(), "–").astype(str)
        for c in df.columns:
            mask = hidden[c].to_numpy()
            if mask.any():
                df.loc[mask, c] = small_label() if c in people else "–"
        df.columns = [_header(c) for c in df.columns]
        return df

    def hidden_rows(self) -> int:
        """Rows shown with a figure hidden by the small-count rule."""
        from .privacy import small_cells

        return int(small_cells(self.frame.head(self.max_rows)).any(axis=1).sum())

    def _repr_html_(self) -> str:
        df = self.formatted()
        align = ["left" if t else "right" for t in self.text_columns()]
        head = "".join(
            f'<th style="text-align: {a}">{html.escape(str(c))}</th>'
            for c, a in zip(df.columns, align, strict=True)
        )
        rows = []
        for rec in df.itertuples(index=False):  # at most max_rows display rows
            cells = "".join(
                f'<td style="text-align: {a}">{html.escape(str(v))}</td>'
                for v, a in zip(rec, align, strict=True)
            )
            rows.append(f"<tr>{cells}</tr>")
        more = ""
        if len(self.frame) > self.max_rows:
            more = f'<p class="table-note">Showing {self.max_rows} of {len(self.frame):,} rows.</p>'
        if self.hidden_rows():
            from .privacy import MIN_COUNT

            more += (
                f'<p class="table-note">Counts of fewer than {MIN_COUNT} people read '
                f"&lt;{MIN_COUNT}; the other figures of a row about so few people read –.</p>"
            )
        if not rows:  # an empty table says so in words, not with a bare header
            rows.append(
                f'<tr><td colspan="{max(len(df.columns), 1)}">'
                "No rows: this export holds no data for this table.</td></tr>"
            )
        return (
            f'<table class="dataframe"><thead><tr>{head}</tr></thead>'
            f"<tbody>{''.join(rows)}</tbody></table>{more}"
        )

    def __repr__(self) -> str:
        if self.frame.empty:
            return "No rows: this export holds no data for this table."
        return self.formatted().to_string(index=False)


def _header(name: Any) -> str:
    words = str(name).replace("pct", "%").split("_")
    words = [_ACRONYMS.get(w, w) for w in words]
    text = " ".join(words)
    return text[:1].upper() + text[1:]


_CODE_NAME_COLUMNS = ("group", "measure", "event")
"""Columns whose values are code names, shown in words (see :func:`flbook.findings.readable_value`)."""

_ACRONYMS = {"auc": "AUC", "id": "ID", "utm": "UTM", "roc": "ROC", "url": "URL", "hd": "HD"}


def show_table(
    frame: pd.DataFrame, *, max_rows: int = 40, digits: int = 1, pct_digits: int | None = None
) -> Table:
    """Display ``frame`` as a book table (see :class:`Table`).

    ``pct_digits`` sets the decimals of percentage columns (default ``digits``).
    """
    return Table(frame, max_rows=max_rows, digits=digits, pct_digits=pct_digits)


def md(text: str):
    """Markdown computed from the data, e.g. ``md(f"{n:,} learners visited a step.")``."""
    from IPython.display import Markdown

    return Markdown(text)


def callout(kind: str, text: str, *, title: str | None = None):
    """A Quarto callout (note, tip, warning, important, caution) computed from the data.

    Used for "what to look for" and for saying plainly what a chapter cannot show on
    this course and why.
    """
    from IPython.display import Markdown

    if kind not in ("note", "tip", "warning", "important", "caution"):
        raise ValueError(f"unknown callout kind {kind!r}")
    head = f"## {title}\n\n" if title else ""
    return Markdown(f"::: {{.callout-{kind}}}\n{head}{text}\n:::\n")


class ChapterStop(Exception):
    """Raised by :func:`stop_chapter`; ``flbook render`` ends the chapter there, cleanly."""


def stop_chapter(reason: str, *, title: str | None = None) -> None:
    """Say plainly why a chapter cannot go on for this course, and end it here.

    Shows ``reason`` as a note callout, then raises :class:`ChapterStop`. When the book
    is rendered, the chapter ends after this cell and counts as a success; run by hand
    in Jupyter, the remaining cells are simply not run.
    """
    from IPython.display import display

    display(callout("note", reason, title=title))
    raise ChapterStop(reason)


SECTION_END = "flbook-end-section"
"""Output metadata key that marks :func:`skip_section`'s note in an executed chapter."""


def skip_section(reason: str, *, title: str | None = None):
    """Say in one sentence why this section has nothing to show; the book leaves out the rest of it.

    Shows ``reason`` as a note callout, marked in its output's metadata
    (:data:`SECTION_END`). When the book is rendered, every later cell of the section is
    left out: its charts, tables and prose up to the next heading of the same or a
    higher level (or up to a cell that closes an HTML block, such as ``</details>``,
    opened before the note). The chapter goes on with its next section. Run by hand in
    Jupyter, the later cells simply show what little they have.

    Examples
    --------
    In a chapter, where a section's data may be absent::

        if leaving.empty:
            fl.skip_section("This export has no leaving-survey answers, so this "
                            "section has nothing to show.", title="No leaving survey")
    """
    from IPython.display import display

    display(callout("note", reason, title=title), metadata={SECTION_END: True})


def require_data(
    course: Course,
    *datasets: str,
    what: str,
    consequence: str = "there is nothing to show",
    section: bool = False,
) -> None:
    """End the chapter in one sentence when the export has no rows in any of ``datasets``.

    A dataset the export lacks (its file missing, or holding only its header) is "no
    data", not an error: the chapter says so plainly and stops (see
    :func:`stop_chapter`), instead of printing empty tables and figures of zeros. With
    several datasets, the chapter goes on if any of them has rows.

    Parameters
    ----------
    course : the loaded course.
    *datasets : the datasets the chapter draws on (``"step-activity"``).
    what : what they hold, in words (``"step activity"``).
    consequence : what follows for the chapter, in words (default "there is nothing
        to show").
    section : end only the current section (:func:`skip_section`), not the chapter:
        the rest of the section is left out of the book and the chapter goes on.
    """
    if not datasets:
        raise ValueError("require_data needs at least one dataset")
    if any(len(course.table(ds)) > 0 for ds in datasets):
        return
    names = [ds.replace("_", "-") for ds in datasets]
    if len(names) == 1:
        files = f"its {names[0]} file is missing or holds only its header"
    else:
        listed = ", ".join(names[:-1]) + f" and {names[-1]}"
        files = f"its {listed} files are missing or hold only their headers"
    if section:
        skip_section(f"This export has no {what} ({files}), so {consequence}.")
        return
    stop_chapter(
        f"This export has no {what} ({files}), so {consequence}: this chapter ends here.",
        title=f"No {what} in this export",
    )
