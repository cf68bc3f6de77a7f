"""flbook portfolio: the catalogue, up-to-date runs, the report, and a Dask cluster that loses a worker.

The books here hold only the preface (``chapters=["index"]``) unless a test needs a
chapter to run: what is tested is the fan-out, the summaries and the report, and a
whole book per run would take minutes on a small machine.
"""

from __future__ import annotations

import html
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from flbook.cli import main
from flbook.portfolio import (
    CatalogueError,
    build_portfolio,
    read_catalogue,
)
from flbook.synth import make_course

ROOT = Path(__file__).resolve().parent.parent
FAST = {"chapters": ["index"], "engine": "pandoc", "formats": ["html"]}


@pytest.fixture(scope="module")
def portfolio_dir(tmp_path_factory):
    """Two courses × three small runs, and a catalogue listing them with globs."""
    root = tmp_path_factory.mktemp("portfolio")
    for c, course in enumerate(("alpha", "beta")):
        for r in range(1, 4):
            make_course(
                root / course / f"run-{r}",
                learners=120,
                weeks=2,
                seed=10 * c + r,
                stub=f"{course}-{r}",
                start=f"2024-0{r}-05",
            )
    (root / "catalogue.yml").write_text(
        "title: Two courses\ncourses:\n"
        "  - name: Alpha course\n    runs: [alpha/run-*/course.yml]\n"
        "  - name: Beta course\n    runs: [beta/*/course.yml]\n",
        encoding="utf-8",
    )
    return root


def _visible(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    text = re.sub(r"<img[^>]*>", " ", text)
    text = re.sub(r"<style>.*?</style>", " ", text, flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", text)))


# ------------------------------------------------------------------------------ catalogue


def test_catalogue_expands_globs_and_orders_runs_by_start(portfolio_dir):
    cat = read_catalogue(portfolio_dir / "catalogue.yml")
    assert [c.name for c in cat.courses] == ["Alpha course", "Beta course"]
    assert [r.key for r in cat.runs][:3] == [
        "alpha-course/alpha-1",
        "alpha-course/alpha-2",
        "alpha-course/alpha-3",
    ]
    assert len(cat.runs) == 6


@pytest.mark.parametrize(
    "text, message",
    [
        ("title: x\n", "'courses' must be a non-empty list"),
        ("courses:\n  - runs: [a.yml]\n", "course 1: 'name' is missing"),
        (
            "courses:\n  - name: A\n    runs: [nothing/*/course.yml]\n",
            "'nothing/*/course.yml' matches no file",
        ),
        (
            "courses:\n  - name: A\n    runs: [alpha/run-1/course.yml, alpha/*/course.yml]\n",
            "is already listed",
        ),
        ("courses:\n  - name: A\n    run: [x]\n", "unknown setting(s) run"),
        ("courses: [\n", "not valid YAML"),
    ],
)
def test_catalogue_errors_name_the_file_and_the_entry(portfolio_dir, text, message):
    path = portfolio_dir / "bad.yml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CatalogueError) as e:
        read_catalogue(path)
    assert "bad.yml" in str(e.value) and message in str(e.value)


def test_catalogue_quotes_the_error_of_a_bad_course_yml(portfolio_dir, tmp_path):
    bad = tmp_path / "course.yml"
    bad.write_text(
        (portfolio_dir / "alpha/run-1/course.yml").read_text().replace("weeks: 2", "weeks: two")
    )
    cat = tmp_path / "cat.yml"
    cat.write_text(f"courses:\n  - name: A\n    runs: ['{bad}']\n")
    with pytest.raises(CatalogueError, match=r"cat.yml: course 'A': .*course.yml.*weeks"):
        read_catalogue(cat)


# ------------------------------------------------------------------------------ serial


@pytest.fixture(scope="module")
def serial(portfolio_dir):
    out = portfolio_dir / "out-serial"
    result = build_portfolio(
        read_catalogue(portfolio_dir / "catalogue.yml"), str(out), serial=True, options=FAST
    )
    return out, result


def test_serial_build_writes_every_book_summary_and_the_report(serial):
    out, result = serial
    assert [r["status"] for r in result.records] == ["built"] * 6
    table = pd.read_parquet(out / "portfolio.parquet")
    assert len(table) == 6 and table["learners"].gt(0).all()
    for row in table.itertuples():
        assert (out / row.book).is_file()
    text = _visible(out / "portfolio.html")
    assert "2 course(s) and 6 run(s); 6 run book(s) are built" in text
    first = table.iloc[0]
    assert f"{first['visited'] / first['learners'] * 100:.0f}%" in text
    page = (out / "portfolio.html").read_text()
    assert 'href="runs/alpha-course/alpha-1/book/index.html"' in page
    assert page.count("<img") == 2


def test_a_retried_task_that_finds_its_own_builds_stamp_reports_the_run_built(
    serial, portfolio_dir
):
    """A worker that died after writing the book: the retry finds the stamp and says built."""
    import json

    from flbook.portfolio import build_run

    out, _ = serial
    run = read_catalogue(portfolio_dir / "catalogue.yml").runs[0]
    stamp = out / "runs" / run.key / "stamp.json"
    saved = stamp.read_text()
    try:
        stamp.write_text(json.dumps({**json.loads(saved), "build": "this-build"}))
        same = build_run(run, str(out), {**FAST, "build": "this-build"})
        other = build_run(run, str(out), {**FAST, "build": "a-later-build"})
        assert (same["status"], other["status"]) == ("built", "up to date")
    finally:
        stamp.write_text(saved)


def test_up_to_date_runs_are_skipped_and_a_changed_export_is_rebuilt(serial, portfolio_dir):
    out, _ = serial
    cat = read_catalogue(portfolio_dir / "catalogue.yml")
    again = build_portfolio(cat, str(out), serial=True, options=FAST)
    assert [r["status"] for r in again.records] == ["up to date"] * 6
    csv = portfolio_dir / "beta/run-2/beta-2_comments.csv"
    original = csv.read_bytes()
    try:
        csv.write_bytes(original + original.splitlines(keepends=True)[-1])
        third = build_portfolio(cat, str(out), serial=True, options=FAST)
        changed = {r["key"]: r["status"] for r in third.records}
        assert changed.pop("beta-course/beta-2") == "built"
        assert set(changed.values()) == {"up to date"}
    finally:
        csv.write_bytes(original)


def test_summaries_hide_counts_under_ten(serial):
    out, _ = serial
    table = pd.read_parquet(out / "portfolio.parquet")
    small = table[(table["purchased"] > 0) & (table["purchased"] < 10)]
    assert len(small), "the synthetic runs should have a run with fewer than 10 purchases"
    page = (out / "portfolio.html").read_text(encoding="utf-8")
    for row in table.itertuples():
        tr = re.search(rf"<tr><td>[^<]*</td><td><a [^>]*>{row.run}</a>.*?</tr>", page).group(0)
        cells = re.findall(r"<td>(.*?)</td>", tr)
        purchased = cells[7]  # course, run, start, learners, 3 shares, purchased
        if row.purchased < 10:
            assert purchased == "–"
        else:
            assert purchased.startswith(f"{row.purchased / row.learners * 100:.0f}% (")


@pytest.mark.heavy
def test_portfolio_works_on_an_fsspec_url(portfolio_dir):
    import fsspec

    cat = read_catalogue(portfolio_dir / "catalogue.yml")
    result = build_portfolio(cat, "memory://portfolio-test", serial=True, options=FAST)
    fs = fsspec.filesystem("memory")
    assert fs.exists("/portfolio-test/runs/beta-course/beta-3/book/index.html")
    assert result.outputs["html"].endswith("portfolio.html")
    with fs.open("/portfolio-test/portfolio.html", "r") as fh:
        assert "6 run book(s) are built" in re.sub(r"<[^>]+>", "", fh.read())


@pytest.mark.heavy
def test_a_broken_run_is_named_and_the_others_are_built(portfolio_dir, tmp_path):
    bad = tmp_path / "bad-run"
    make_course(bad, learners=30, weeks=1, seed=5, stub="gamma-1")
    sa = bad / "gamma-1_step-activity.csv"
    lines = sa.read_text().splitlines()
    lines[1] = re.sub(
        r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC", "2024-02-30 09:00:00 UTC", lines[1], count=1
    )
    sa.write_text("\n".join(lines) + "\n")
    cat = tmp_path / "cat.yml"
    cat.write_text(
        f"courses:\n  - name: Alpha\n    runs: ['{portfolio_dir}/alpha/run-1/course.yml']\n"
        f"  - name: Gamma\n    runs: ['{bad}/course.yml']\n"
    )
    out = tmp_path / "out"
    code = main(
        [
            "portfolio",
            str(cat),
            "--out",
            str(out),
            "--serial",
            "--chapters",
            "index",
            "--engine",
            "pandoc",
        ]
    )
    assert code == 1
    assert (out / "runs/alpha/alpha-1/book/index.html").is_file()
    text = _visible(out / "portfolio.html")
    assert "Runs that failed" in text and "gamma-1" in text
    assert "loading and checking the exports" in text and "2024-02-30" in text


@pytest.mark.heavy
def test_a_failing_chapter_is_named_in_the_report(portfolio_dir, tmp_path):
    """A book project whose one chapter raises: the report names the run and the chapter."""
    project = tmp_path / "project"
    (project / "chapters").mkdir(parents=True)
    src = nbformat.read(ROOT / "chapters/01-getting-started.ipynb", as_version=4)
    params = [c for c in src.cells if "parameters" in c.metadata.get("tags", [])][0]
    nb = nbformat.v4.new_notebook(metadata=src.metadata)
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Boom {#sec-boom}"),
        params,
        nbformat.v4.new_code_cell("raise RuntimeError('the boom chapter broke')"),
    ]
    nbformat.write(nb, project / "chapters/01-boom.ipynb")
    (project / "_quarto.yml").write_text(
        "project:\n  type: book\nbook:\n  title: T\n  chapters:\n    - chapters/01-boom.ipynb\n"
    )
    cat = tmp_path / "cat.yml"
    cat.write_text(
        f"courses:\n  - name: Alpha\n    runs: ['{portfolio_dir}/alpha/run-1/course.yml']\n"
    )
    out = tmp_path / "out"
    result = build_portfolio(
        read_catalogue(cat),
        str(out),
        serial=True,
        options={"project": str(project), "engine": "pandoc"},
    )
    assert result.failed and result.failed[0]["failed"][0][0] == "01-boom"
    text = _visible(out / "portfolio.html")
    assert "alpha-1" in text and "01-boom" in text and "the boom chapter broke" in text
    assert not (out / "runs/alpha/alpha-1/stamp.json").exists()  # built again next time


# ------------------------------------------------------------------------------ Dask


def _dask(*args: str, log: Path) -> subprocess.Popen:
    exe = Path(sys.executable).parent / "dask"
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "dask"]
    return subprocess.Popen(
        [*cmd, *args],
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: killed with everything it started
    )


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)


@pytest.mark.heavy
def test_dask_cluster_survives_a_killed_worker_and_matches_the_serial_build(
    portfolio_dir, serial, tmp_path
):
    from distributed import Client

    sched_file = tmp_path / "scheduler.json"
    procs = {}
    procs["scheduler"] = _dask(
        "scheduler",
        "--host",
        "127.0.0.1",
        "--port",
        "0",
        "--no-dashboard",
        "--scheduler-file",
        str(sched_file),
        log=tmp_path / "scheduler.log",
    )
    try:
        deadline = time.monotonic() + 120
        while not sched_file.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        address = json.loads(sched_file.read_text())["address"]
        assert address.startswith("tcp://127.0.0.1:")
        for name in ("w1", "w2"):
            procs[name] = _dask(
                "worker",
                address,
                "--name",
                name,
                "--nworkers",
                "1",
                "--nthreads",
                "1",
                "--host",
                "127.0.0.1",
                "--no-dashboard",
                log=tmp_path / f"{name}.log",
            )
        client = Client(address, timeout=120)  # to watch the workers; the build has its own
        client.wait_for_workers(2, timeout=180)
        killed = []

        def kill_a_busy_worker(done, total, record):
            if killed:
                return
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                busy = {a: keys for a, keys in client.processing().items() if keys}
                if busy:
                    addr = next(iter(busy))
                    name = client.scheduler_info()["workers"][addr]["name"]
                    _stop(procs[str(name)])
                    killed.append((name, list(busy[addr])))
                    return
                time.sleep(0.05)

        out = tmp_path / "out-dask"
        progress = []
        result = build_portfolio(
            read_catalogue(portfolio_dir / "catalogue.yml"),
            str(out),
            scheduler=address,  # what --scheduler tcp://HOST:PORT does
            options=FAST,
            progress=lambda d, t, r: (progress.append((d, t)), kill_a_busy_worker(d, t, r)),
        )
        client.close()
    finally:
        for proc in procs.values():
            _stop(proc)
    assert killed, "no worker was busy to be killed"
    assert progress == [(i, 6) for i in range(1, 7)]
    assert [r["status"] for r in result.records] == ["built"] * 6
    serial_out, _ = serial
    a = pd.read_parquet(serial_out / "portfolio.parquet").drop(columns=["status"])
    b = pd.read_parquet(out / "portfolio.parquet").drop(columns=["status"])
    pd.testing.assert_frame_equal(a, b)
    for row in b.itertuples():
        assert (out / row.book).is_file()
        assert (out / row.book).stat().st_size > 1000
    assert _visible(out / "portfolio.html") == _visible(serial_out / "portfolio.html")
