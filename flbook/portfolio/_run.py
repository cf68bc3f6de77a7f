"""Fan a catalogue's runs out on Dask (or run them one after another), then write the report.

Each run is one task (:func:`~flbook.portfolio.build_run`). Tasks are submitted with
``retries``: if a worker dies mid-run, the scheduler gives the task to another worker.
Only small records come back to the client; the portfolio book is then assembled from
the per-run ``summary.parquet`` files alone.
"""

from __future__ import annotations

import dataclasses
import os
import time
import uuid
from collections.abc import Callable
from typing import Any

from ._build import build_run
from ._catalogue import Catalogue, RunEntry
from ._report import write_portfolio

__all__ = ["PortfolioResult", "build_portfolio"]


@dataclasses.dataclass
class PortfolioResult:
    """What :func:`build_portfolio` did.

    Attributes
    ----------
    records : one dict per run (``key``, ``status``, ``failed``, ``seconds``), in
        catalogue order.
    outputs : the portfolio book's files (``{"html": URL, "parquet": URL}``).
    seconds : wall time of the whole build.
    """

    records: list[dict[str, Any]]
    outputs: dict[str, str]
    seconds: float

    @property
    def failed(self) -> list[dict[str, Any]]:
        """Records of the runs that failed (a chapter, or the whole build)."""
        return [r for r in self.records if r["status"] == "failed"]


def build_portfolio(
    catalogue: Catalogue,
    out: str,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    serial: bool = False,
    options: dict[str, Any] | None = None,
    retries: int = 2,
    progress: Callable[[int, int, dict[str, Any]], None] | None = None,
    client=None,
) -> PortfolioResult:
    """Build every run's book (skipping those up to date) and the portfolio book.

    Parameters
    ----------
    catalogue : from :func:`~flbook.portfolio.read_catalogue`.
    out : output folder or fsspec URL, shared by every worker.
    workers : processes of the local cluster (default: one per core).
    scheduler : address of a running Dask scheduler (``tcp://HOST:PORT``); the local
        cluster is not started then.
    serial : build the runs one after another in this process (no Dask).
    options : passed to :func:`~flbook.portfolio.build_run` (formats, engine, chapters,
        project, force).
    retries : times a task is tried again elsewhere after its worker died or it raised.
    progress : called as ``progress(done, total, record)`` after each run.
    client : an existing ``distributed.Client`` to use (for tests and notebooks).

    Returns
    -------
    PortfolioResult
    """
    t0 = time.perf_counter()
    runs = catalogue.runs
    # names this build in the runs' stamps: a task retried after its worker died once
    # the book was written finds its own stamp and still reports the run as built
    options = {**(options or {}), "build": uuid.uuid4().hex}
    if serial:
        records = {}
        for i, run in enumerate(runs, start=1):
            records[run.key] = build_run(run, out, options)
            if progress:
                progress(i, len(runs), records[run.key])
    else:
        records = _on_dask(runs, out, options, workers, scheduler, retries, progress, client)
    ordered = [records[r.key] for r in runs]
    outputs = write_portfolio(catalogue, out, ordered)
    return PortfolioResult(records=ordered, outputs=outputs, seconds=time.perf_counter() - t0)


def _on_dask(
    runs: list[RunEntry],
    out: str,
    options: dict[str, Any],
    workers: int | None,
    scheduler: str | None,
    retries: int,
    progress,
    client,
) -> dict[str, dict[str, Any]]:
    import dask
    from distributed import Client, LocalCluster, as_completed

    own = []
    if client is None:
        if scheduler:
            client = Client(scheduler, timeout=120)
        else:
            # non-daemonic workers: a chapter may start its own processes (kernels)
            with dask.config.set({"distributed.worker.daemon": False}):
                cluster = LocalCluster(
                    n_workers=workers or os.cpu_count() or 1,
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=None,
                )
            own.append(cluster)
            client = Client(cluster)
        own.insert(0, client)
    try:
        futures = {
            client.submit(
                build_run, run, out, options, retries=retries, pure=False, key=f"run-{run.key}"
            ): run
            for run in runs
        }
        records: dict[str, dict[str, Any]] = {}
        for i, future in enumerate(as_completed(futures), start=1):
            run = futures[future]
            try:
                record = future.result()
            except Exception as e:  # the task failed on every try (e.g. workers kept dying)
                record = {
                    "key": run.key,
                    "status": "failed",
                    "failed": [["building the book", f"{type(e).__name__}: {e}"]],
                    "seconds": float("nan"),
                }
                _failed_summary(run, out, record)
            records[run.key] = record
            if progress:
                progress(i, len(runs), record)
        return records
    finally:
        for thing in own:
            thing.close()


def _failed_summary(run: RunEntry, out: str, record: dict[str, Any]) -> None:
    """Write the summary row of a run whose task never finished (so the report names it)."""
    import pandas as pd

    from ._build import SUMMARY_COLUMNS, output_fs, write_summary

    fs, root = output_fs(out)
    run_dir = f"{root}/runs/{run.key}"
    fs.makedirs(run_dir, exist_ok=True)
    row = {c: float("nan") for c in SUMMARY_COLUMNS}
    row.update(
        course=run.course,
        course_slug=run.course_slug,
        run=run.config.stub,
        title=run.config.title,
        start=pd.Timestamp(run.config.start),
        weeks=run.config.weeks,
        status="failed",
        failed="; ".join(f"{c}: {e}" for c, e in record["failed"]),
        book="",
    )
    write_summary(fs, f"{run_dir}/summary.parquet", row)
