"""The built wheel alone runs flbook: synth, check and render from an empty folder.

The wheel is built from this checkout and installed (not editable) into a fresh virtual
environment. Its dependencies are borrowed from the running interpreter's site-packages
through a ``.pth`` path line (so the test needs no network for them); that line does not
process the running environment's own ``.pth`` files, so an editable flbook there is not
seen. The test checks that the imported flbook is the wheel's.
"""

from __future__ import annotations

import shutil
import site
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# One xdist group: the two tests share the wheel, which pip builds in the tree's build/.
pytestmark = [pytest.mark.wheel, pytest.mark.xdist_group(name="wheel")]


def _run(args: list[str], cwd: Path, timeout: int = 600) -> subprocess.CompletedProcess:
    done = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{args} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}"
    return done


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    # Built from a copy of the tracked files: pip builds in the source tree's build/,
    # which must not meet anything else the test run writes in the checkout.
    source = tmp_path_factory.mktemp("source") / "flbook"
    tracked = _run(["git", "ls-files", "-z"], ROOT).stdout.split("\0")
    for name in filter(None, tracked):
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, source / name)
    _run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(source)], ROOT
    )
    (built,) = out.glob("flbook-*.whl")
    return built


@pytest.fixture(scope="module")
def venv(tmp_path_factory, wheel) -> Path:
    env = tmp_path_factory.mktemp("venv") / "env"
    _run([sys.executable, "-m", "venv", str(env)], env.parent)
    python = env / "bin" / "python"
    _run([str(python), "-m", "pip", "install", "-q", "--no-deps", str(wheel)], env.parent)
    target = _run([str(python), "-c", "import site; print(site.getsitepackages()[0])"], env.parent)
    borrowed = "\n".join(p for p in site.getsitepackages() if Path(p).is_dir())
    (Path(target.stdout.strip()) / "borrowed-dependencies.pth").write_text(borrowed + "\n")
    return env


def test_the_wheel_carries_the_book_project(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "flbook/bundled/_quarto.yml" in names
    assert "flbook/bundled/data_stub/course.yml" in names
    chapters = sorted(n for n in names if n.startswith("flbook/bundled/chapters/"))
    assert len(chapters) == len(list((ROOT / "chapters").glob("*.ipynb")))


def test_synth_check_and_render_from_an_empty_folder(venv, tmp_path):
    python, flbook = venv / "bin" / "python", venv / "bin" / "flbook"
    where = _run([str(python), "-c", "import flbook; print(flbook.__file__)"], tmp_path)
    assert Path(where.stdout.strip()).is_relative_to(venv), where.stdout

    _run([str(flbook), "synth", "--out", "course", "--learners", "300", "--seed", "4"], tmp_path)
    checked = _run([str(flbook), "check", "course/course.yml"], tmp_path)
    assert "enrolments" in checked.stdout

    # The default course is the bundled stub, found inside the installed package.
    _run(
        [str(flbook), "render", "--chapters", "03-enrolment", "--engine", "pandoc"]
        + ["--to", "html", "--out", "book"],
        tmp_path,
    )
    html = "\n".join(p.read_text() for p in (tmp_path / "book").rglob("*.html"))
    assert "Learning to Code for Data Analysis" in html
    assert "<img" in html or "<svg" in html  # the chapter's figures were drawn
    # Rendering wrote only into the output folder, never into the installed package.
    (bundled,) = venv.glob("lib/python*/site-packages/flbook/bundled")
    assert not [p for p in bundled.rglob("*") if p.name in {"_build", "_book", ".quarto"}]
