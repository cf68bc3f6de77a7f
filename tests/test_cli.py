"""The ``flbook`` command: check, synth, exit codes and one-line errors."""

from __future__ import annotations

import filecmp
import subprocess
import sys
from pathlib import Path

import pytest

from flbook.cli import main

ROOT = Path(__file__).resolve().parent.parent
TS = "2024-02-05 10:00:00 UTC"


@pytest.fixture
def tiny(tmp_path):
    d = tmp_path / "c"
    d.mkdir()
    (d / "x-10_enrolments.csv").write_text(
        "learner_id,enrolled_at,unenrolled_at,role\n"
        f"a,{TS},,learner\na,{TS},,learner\nb,{TS},,learner\n"
    )
    (d / "x-10_step-activity.csv").write_text(
        f"learner_id,step,first_visited_at,last_completed_at\na,1.1,{TS},\nb,1.10,{TS},{TS}\n"
    )
    (d / "course.yml").write_text("title: Tiny\nstub: x-10\nstart: 2024-02-05\nweeks: 1\n")
    return d


def test_check_prints_health_summary(tiny, capsys):
    assert main(["check", str(tiny / "course.yml")]) == 0
    out = capsys.readouterr().out
    assert "Tiny  (x-10)" in out
    assert "enrolments" in out and "step-activity" in out
    assert "exact duplicate of an earlier row" in out  # the repeated enrolment row
    assert "missing" in out  # optional files absent


def test_check_bad_data_is_one_line_exit_1(tiny, capsys):
    (tiny / "x-10_step-activity.csv").write_text(
        "learner_id,step,first_visited_at,last_completed_at\na,1.1,soon,\n"
    )
    assert main(["check", str(tiny / "course.yml")]) == 1
    stderr = capsys.readouterr().err
    errors = [ln for ln in stderr.splitlines() if ln.startswith("flbook: error:")]
    assert len(errors) == 1
    assert "x-10_step-activity.csv, line 2, column 'first_visited_at'" in errors[0]
    assert "Traceback" not in stderr


def test_the_readme_example_error_is_what_check_prints(tiny, capsys):
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    example = next(ln for ln in readme.splitlines() if ln.startswith("flbook: error:"))
    value = example.split("value '")[1].split("'")[0]
    (tiny / "x-10_step-activity.csv").write_text(
        "learner_id,step,first_visited_at,last_completed_at\n"
        f"a,1.1,{TS},\nb,1.2,{TS},\nc,1.3,{value},\n"
    )
    assert main(["check", str(tiny / "course.yml")]) == 1
    printed = capsys.readouterr().err.strip()
    # the same message, for this file and the README's file name
    expected = example.replace("learn-to-code-12_", f"{tiny}/x-10_")
    assert printed == expected


def test_check_bad_settings_exit_1(tiny, capsys):
    (tiny / "course.yml").write_text("title: Tiny\nstub: x-10\nstart: 2024-02-05\nweeks: 0\n")
    assert main(["check", str(tiny / "course.yml")]) == 1
    assert "key 'weeks'" in capsys.readouterr().err


def test_usage_errors_exit_2(capsys):
    assert main(["check", "--nonsense"]) == 2
    assert main([]) == 2


@pytest.mark.heavy
def test_command_line_entry_point_runs(tiny):
    proc = subprocess.run(
        [sys.executable, "-m", "flbook.cli", "check", str(tiny / "course.yml")],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    assert "Tiny" in proc.stdout


def test_check_bundled_course_by_default(capsys):
    assert main(["check"]) == 0
    out = capsys.readouterr().out
    assert "data_stub" in out


def test_data_stub_is_exactly_what_synth_writes(tmp_path):
    """The committed synthetic course (3 runs, notebook logs) is reproducible byte for byte."""
    out = tmp_path / "stub"
    assert main(["synth", "--runs", "3", "--notebook-logs", "--out", str(out)]) == 0
    stub = ROOT / "data_stub"
    committed = sorted(p.relative_to(stub).as_posix() for p in stub.rglob("*") if p.is_file())
    regenerated = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert committed == regenerated
    match, mismatch, errors = filecmp.cmpfiles(stub, out, committed, shallow=False)
    assert mismatch == [] and errors == []


def _chapter(path: Path, body: str) -> None:
    import nbformat

    from flbook.config import parameters_cell

    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell(parameters_cell())
    params.metadata["tags"] = ["parameters"]
    title = path.stem.split("-", 1)[1].title()
    nb.cells = [
        nbformat.v4.new_markdown_cell(f"# {title} {{#sec-{path.stem}}}"),
        params,
        nbformat.v4.new_code_cell("x = len(title)"),
        nbformat.v4.new_code_cell(body),
    ]
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(nb, path)


@pytest.mark.heavy
def test_render_reports_a_failing_chapter_and_builds_the_rest(tmp_path, capsys):
    project = tmp_path / "project"
    (project / "chapters").mkdir(parents=True)
    (project / "_quarto.yml").write_text(
        "project: {type: book}\nbook:\n  title: T\n  chapters:\n"
        "    - chapters/01-fine.ipynb\n    - chapters/02-broken.ipynb\n    - chapters/03-after.ipynb\n"
    )
    _chapter(project / "chapters" / "01-fine.ipynb", "print('fine')")
    _chapter(project / "chapters" / "02-broken.ipynb", "raise ValueError('deliberate')")
    _chapter(project / "chapters" / "03-after.ipynb", "print('after')")
    out = tmp_path / "out"
    code = main(
        ["render", "--project", str(project), "--engine", "pandoc", "--to", "html-single"]
        + ["--out", str(out), "--jobs", "1"]
    )
    err = capsys.readouterr().err
    assert code == 1
    assert "02-broken" in err and "cell 4" in err and "ValueError: deliberate" in err
    page = (out / "book.html").read_text()
    assert "Fine" in page and "After" in page  # the other chapters are in the book
    assert "deliberate" in page  # the failed chapter's page says what went wrong


@pytest.mark.heavy
def test_a_chapter_can_stop_early_and_still_succeed(tmp_path, capsys):
    project = tmp_path / "project"
    (project / "chapters").mkdir(parents=True)
    (project / "_quarto.yml").write_text(
        "project: {type: book}\nbook:\n  title: T\n  chapters:\n    - chapters/01-short.ipynb\n"
    )
    _chapter(
        project / "chapters" / "01-short.ipynb",
        "import flbook as fl\nfl.stop_chapter('Nothing to show for this course.')\n"
        "print('NEVER-SHOWN')",
    )
    out = tmp_path / "out"
    code = main(
        [
            "render",
            "--project",
            str(project),
            "--engine",
            "pandoc",
            "--to",
            "html-single",
            "--out",
            str(out),
        ]
    )
    assert code == 0, capsys.readouterr().err
    page = (out / "book.html").read_text()
    assert "Nothing to show for this course." in page
    assert "NEVER-SHOWN" not in page and "ChapterStop" not in page and "Traceback" not in page


def test_synth_shows_its_progress_when_asked(tmp_path, capsys, monkeypatch):
    """Long commands draw a bar of their stages on stderr (a terminal, or FLBOOK_PROGRESS=1)."""
    monkeypatch.setenv("FLBOOK_PROGRESS", "1")
    assert main(["synth", "--learners", "40", "--weeks", "1", "--out", str(tmp_path / "a")]) == 0
    err = capsys.readouterr().err.replace("\r", "\n")
    assert "synth 40 learners: 15/15" in err  # 3 simulation stages and 12 files
    assert "step-activity" in err
    monkeypatch.setenv("FLBOOK_PROGRESS", "0")
    assert main(["synth", "--learners", "40", "--weeks", "1", "--out", str(tmp_path / "b")]) == 0
    assert "synth 40 learners" not in capsys.readouterr().err


def test_render_refuses_a_memory_size_it_cannot_read_before_any_work(tiny, tmp_path, capsys):
    out = tmp_path / "out"
    code = main(["render", str(tiny / "course.yml"), "--out", str(out), "--max-memory", "lots"])
    assert code == 1
    errors = [ln for ln in capsys.readouterr().err.splitlines() if ln.startswith("flbook:")]
    assert errors == ["flbook: error: --max-memory 'lots': give a size such as 4G, 1500M or 0.5T"]
    assert not (out / "_build").exists()  # nothing executed
