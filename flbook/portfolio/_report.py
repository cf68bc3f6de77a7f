"""The portfolio book: one self-contained HTML page assembled from per-run summaries only.

It never reads an export: it reads ``runs/*/*/summary.parquet`` (one row per run),
writes them together as ``portfolio.parquet`` and renders ``portfolio.html`` with

- what was built and what failed (the run and the chapter);
- one row per run, linked to the run's own book;
- the courses compared (runs pooled) and each course over time.

Counts under 10 are shown as "<10" and their shares are left out.
"""

from __future__ import annotations

import base64
import html
import io
from typing import Any

import numpy as np
import pandas as pd

from ..analysis import wilson_interval
from ._build import output_fs
from ._catalogue import Catalogue

__all__ = ["MEASURES", "read_summaries", "portfolio_table", "course_table", "write_portfolio"]

MIN_COUNT = 10

MEASURES: dict[str, str] = {
    "visited": "visited a step",
    "completed": "completed a step",
    "fully_participated": "fully participated",
    "purchased": "purchased",
}
"""The counts of learners compared, as shares of enrolled learners."""


def read_summaries(catalogue: Catalogue, out: str) -> pd.DataFrame:
    """Every run's summary row, in catalogue order (a run without one is left out)."""
    fs, root = output_fs(out)
    frames = []
    for run in catalogue.runs:
        path = f"{root}/runs/{run.key}/summary.parquet"
        if fs.exists(path):
            with fs.open(path, "rb") as fh:
                frames.append(pd.read_parquet(io.BytesIO(fh.read())))
    if not frames:
        return pd.DataFrame()
    return pd.concat(frames, ignore_index=True)


def _shares(frame: pd.DataFrame, min_learners: int) -> pd.DataFrame:
    out = frame.copy()
    for m in MEASURES:
        k = out[m].astype(float)
        n = out["learners"].astype(float)
        ok = (k >= min_learners) & (n >= min_learners)
        out[f"pct_{m}"] = (k / n * 100).where(ok)
        lo, hi = wilson_interval(k, n)
        out[f"{m}_low"] = pd.Series(lo, index=out.index).where(ok)
        out[f"{m}_high"] = pd.Series(hi, index=out.index).where(ok)
    s = out["sentiment_responses"].astype(float)
    g = out["sentiment_good"].astype(float)
    out["pct_sentiment_good"] = (g / s * 100).where(s >= min_learners)
    return out


def portfolio_table(summaries: pd.DataFrame, *, min_learners: int = MIN_COUNT) -> pd.DataFrame:
    """One row per run with the shares of its learners (and 95% Wilson intervals).

    Returns
    -------
    The summary columns, plus ``pct_{measure}``, ``{measure}_low``, ``{measure}_high``
    for each of :data:`MEASURES` and ``pct_sentiment_good``; shares resting on fewer
    than ``min_learners`` learners (or answers) are empty.
    """
    if summaries.empty:
        return summaries
    return _shares(summaries, min_learners)


def course_table(summaries: pd.DataFrame, *, min_learners: int = MIN_COUNT) -> pd.DataFrame:
    """The courses compared: each course's runs pooled (failed runs left out).

    Returns
    -------
    One row per course: ``course``, ``runs``, ``first_start``, ``last_start``,
    ``learners`` and the counts of :data:`MEASURES`, ``sentiment_responses``,
    ``sentiment_good``, then the shares as in :func:`portfolio_table`.
    """
    ok = summaries[summaries["learners"].notna()]
    if ok.empty:
        return pd.DataFrame()
    counts = ["learners", *MEASURES, "sentiment_responses", "sentiment_good"]
    pooled = ok.groupby("course", sort=False).agg(
        runs=("run", "size"),
        first_start=("start", "min"),
        last_start=("start", "max"),
        **{c: (c, "sum") for c in counts},
    )
    return _shares(pooled.reset_index(), min_learners)


def _count(v: Any, min_learners: int = MIN_COUNT) -> str:
    if v is None or pd.isna(v):
        return "–"
    v = int(v)
    return f"<{min_learners}" if 0 < v < min_learners else f"{v:,}"


def _pct(v: Any, lo: Any = None, hi: Any = None) -> str:
    if v is None or pd.isna(v):
        return "–"
    if lo is None or pd.isna(lo):
        return f"{v:.0f}%"
    return f"{v:.0f}% ({lo:.0f}–{hi:.0f})"


def _table(head: list[str], rows: list[list[str]]) -> str:
    h = "".join(f"<th>{html.escape(c)}</th>" for c in head)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in rows)
    return f"<table><thead><tr>{h}</tr></thead><tbody>{body}</tbody></table>"


def _figure(fig, alt: str) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    data = base64.b64encode(buf.getvalue()).decode()
    return f'<img src="data:image/png;base64,{data}" alt="{html.escape(alt)}">'


def _course_chart(courses: pd.DataFrame) -> str:
    from matplotlib.figure import Figure

    from ..plotting import PALETTE

    fig = Figure(figsize=(8, 3.6))
    ax = fig.subplots()
    width = 0.8 / max(1, len(courses))
    x = np.arange(len(MEASURES))
    for i, row in enumerate(courses.itertuples(index=False)):
        y = np.array([getattr(row, f"pct_{m}") for m in MEASURES], dtype=float)
        lo = np.array([getattr(row, f"{m}_low") for m in MEASURES], dtype=float)
        hi = np.array([getattr(row, f"{m}_high") for m in MEASURES], dtype=float)
        pos = x + (i - (len(courses) - 1) / 2) * width
        ax.bar(pos, y, width, color=PALETTE[i % len(PALETTE)], label=row.course)
        ax.errorbar(pos, y, yerr=[y - lo, hi - y], fmt="none", ecolor="#333333", lw=0.8)
    ax.set_xticks(x, list(MEASURES.values()))
    ax.set_ylabel("% of enrolled learners")
    ax.set_ylim(0, 100)
    ax.spines[["top", "right"]].set_visible(False)
    ax.legend(frameon=False, fontsize=8)
    best = (
        courses.loc[courses["pct_fully_participated"].idxmax()]
        if courses["pct_fully_participated"].notna().any()
        else None
    )
    alt = "Grouped bars per measure, one bar per course"
    if best is not None:
        alt += (
            f"; {best['course']} has the highest share fully participating "
            f"({best['pct_fully_participated']:.0f}%)"
        )
    return _figure(fig, alt + ".")


def _time_chart(runs: pd.DataFrame) -> str:
    from matplotlib.figure import Figure

    from ..plotting import PALETTE

    fig = Figure(figsize=(8, 3.6))
    ax = fig.subplots()
    for i, (course, part) in enumerate(runs.groupby("course", sort=False)):
        part = part.sort_values("start")
        c = PALETTE[i % len(PALETTE)]
        for m, style in (("completed", "-"), ("fully_participated", "--")):
            ax.plot(part["start"], part[f"pct_{m}"], style, marker="o", color=c, ms=4)
        ax.plot([], [], color=c, label=course)
    ax.plot([], [], "-", color="#666666", label="completed a step")
    ax.plot([], [], "--", color="#666666", label="fully participated")
    ax.set_ylabel("% of enrolled learners")
    ax.set_ylim(0, 100)
    ax.spines[["top", "right"]].set_visible(False)
    ax.legend(frameon=False, fontsize=8, ncol=2)
    fig.autofmt_xdate()
    n = runs["pct_completed"].notna().sum()
    return _figure(
        fig,
        f"Lines over run start dates, one colour per course: the share who completed a step "
        f"(solid) and who fully participated (dashed), for {n} runs.",
    )


_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;max-width:64rem;margin:2rem auto;
padding:0 1rem;color:#222;line-height:1.5}
table{border-collapse:collapse;margin:1rem 0;font-size:.9rem}
th,td{border-bottom:1px solid #ddd;padding:.3rem .6rem;text-align:right}
th:first-child,td:first-child,th:nth-child(2),td:nth-child(2){text-align:left}
th{background:#f4f6f8}.failed{color:#b00020}img{max-width:100%}
caption{caption-side:bottom;text-align:left;color:#555;font-size:.85rem}
"""


def write_portfolio(
    catalogue: Catalogue, out: str, records: list[dict[str, Any]] | None = None
) -> dict[str, str]:
    """Write ``portfolio.parquet`` and ``portfolio.html`` under ``out`` from the summaries.

    ``records`` is not read: everything shown comes from the runs' summary tables.

    Returns
    -------
    dict: ``{"html": URL, "parquet": URL}``.
    """
    fs, root = output_fs(out)
    summaries = read_summaries(catalogue, out)
    runs = portfolio_table(summaries)
    buf = io.BytesIO()
    summaries.to_parquet(buf, index=False)
    with fs.open(f"{root}/portfolio.parquet", "wb") as fh:
        fh.write(buf.getvalue())
    page = _page(catalogue, runs)
    with fs.open(f"{root}/portfolio.html", "w", encoding="utf-8") as fh:
        fh.write(page)
    return {"html": f"{root}/portfolio.html", "parquet": f"{root}/portfolio.parquet"}


def _page(catalogue: Catalogue, runs: pd.DataFrame) -> str:
    e = html.escape
    parts = [f"<h1>{e(catalogue.title)}</h1>"]
    total = len(catalogue.runs)
    failed = runs[runs["status"] == "failed"] if len(runs) else runs
    built = len(runs) - len(failed)
    parts.append(
        f"<p>This portfolio holds <strong>{len(catalogue.courses)}</strong> course(s) and "
        f"<strong>{total}</strong> run(s); <strong>{built}</strong> run book(s) are built"
        + (f" and <strong>{len(failed)}</strong> failed" if len(failed) else "")
        + (f"; {total - len(runs)} run(s) have no summary yet" if total > len(runs) else "")
        + ". Every number below comes from the runs' summary tables. Counts under 10 are "
        "shown as &lt;10 and their shares are left out; shares carry a 95% interval.</p>"
    )
    if len(failed):
        parts.append('<h2 class="failed">Runs that failed</h2>')
        rows = [[e(r.course), e(r.run), e(str(r.failed))] for r in failed.itertuples(index=False)]
        parts.append(_table(["course", "run", "what failed (chapter: error)"], rows))
    if not len(runs):
        return _wrap(catalogue.title, parts)
    parts.append("<h2>Every run</h2>")
    rows = []
    for r in runs.itertuples(index=False):
        name = e(r.run)
        link = f'<a href="{e(r.book)}">{name}</a>' if r.book else name
        study = "–" if pd.isna(r.median_study_minutes) else f"{r.median_study_minutes:,.0f} min"
        rows.append(
            [
                e(r.course),
                link,
                pd.Timestamp(r.start).strftime("%Y-%m-%d"),
                _count(r.learners),
                *[
                    _pct(getattr(r, f"pct_{m}"), getattr(r, f"{m}_low"), getattr(r, f"{m}_high"))
                    for m in MEASURES
                ],
                study,
                _pct(r.pct_sentiment_good),
                e(r.status),
            ]
        )
    head = ["course", "run (its book)", "start", "learners", *MEASURES.values()]
    head += ["median study time", "weeks rated good", "status"]
    parts.append(_table(head, rows))
    courses = course_table(runs)
    if len(courses):
        parts.append("<h2>Courses compared</h2>")
        parts.append(_course_sentence(courses))
        parts.append(_course_chart(courses))
        rows = [
            [
                e(c.course),
                f"{c.runs}",
                _count(c.learners),
                *[
                    _pct(getattr(c, f"pct_{m}"), getattr(c, f"{m}_low"), getattr(c, f"{m}_high"))
                    for m in MEASURES
                ],
                _pct(c.pct_sentiment_good),
            ]
            for c in courses.itertuples(index=False)
        ]
        parts.append(
            _table(["course", "runs", "learners", *MEASURES.values(), "weeks rated good"], rows)
        )
        parts.append("<h2>Over time</h2>")
        parts.append(_time_chart(runs[runs["learners"].notna()]))
    return _wrap(catalogue.title, parts)


def _course_sentence(courses: pd.DataFrame) -> str:
    c = courses.dropna(subset=["pct_fully_participated"])
    if len(c) < 2:
        return ""
    lo = c.loc[c["pct_fully_participated"].idxmin()]
    hi = c.loc[c["pct_fully_participated"].idxmax()]
    return (
        f"<p>Runs pooled, the share of enrolled learners who fully participated ranges from "
        f"{lo['pct_fully_participated']:.0f}% ({html.escape(lo['course'])}) to "
        f"{hi['pct_fully_participated']:.0f}% ({html.escape(hi['course'])}).</p>"
    )


def _wrap(title: str, parts: list[str]) -> str:
    body = "\n".join(parts)
    return (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title><style>{_CSS}</style></head>"
        f"<body>\n{body}\n</body></html>\n"
    )
