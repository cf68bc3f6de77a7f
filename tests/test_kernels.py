"""Warm kernels: a worker keeps its kernel from chapter to chapter, and a chapter's
result does not depend on the chapter before it.

Each test executes a small book with :func:`execute_chapters` (one worker, so every
chapter runs in the same process and kernel): a chapter that leaves behind all the
state it can (a variable, a changed matplotlib setting, an open figure, an exception),
then a real chapter of the book, whose every output must equal the same chapter's
outputs in a fresh kernel.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import pytest

from flbook.config import load_config, parameters_cell
from flbook.render.execute import execute_chapters
from flbook.render.project import read_book

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.heavy  # each test starts kernels and executes chapters

POLLUTE = """\
import os
import matplotlib as mpl
import matplotlib.pyplot as plt
import flbook as fl
course = fl.setup(globals())
print("PID", os.getpid())
polluted = course
mpl.rcParams["font.size"] = 31
mpl.rcParams["axes.grid"] = not mpl.rcParams["axes.grid"]
left_open = plt.figure()
raise ValueError("a chapter that ends in an error")
"""

PROBE = """\
import os
import matplotlib as mpl
import matplotlib.pyplot as plt
print("PID", os.getpid())
print("POLLUTED", "polluted" in globals(), "LEFT_OPEN", "left_open" in globals())
print("FONT", mpl.rcParams["font.size"], "FIGURES", len(plt.get_fignums()))
import gc
print("FROZEN", gc.get_freeze_count() > 0)
"""

DIE = "import os\nos._exit(1)\n"


def _notebook(body: str) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell(parameters_cell())
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell(body)]
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    return nb


def _project(root: Path, chapters: dict[str, str | Path]) -> Path:
    """A book of the given chapters: a notebook body (str) or a chapter to copy (Path)."""
    (root / "chapters").mkdir(parents=True)
    for name, body in chapters.items():
        if isinstance(body, Path):
            shutil.copy(body, root / "chapters" / name)
        else:
            nbformat.write(_notebook(body), root / "chapters" / name)
    listed = "".join(f"    - chapters/{name}\n" for name in chapters)
    (root / "_quarto.yml").write_text(
        f"project: {{type: book}}\nbook:\n  title: T\n  chapters:\n{listed}"
    )
    return root


def _run(root: Path, out: Path, *, warm: bool):
    params = load_config(ROOT / "data_stub" / "course.yml").to_parameters()
    results = execute_chapters(read_book(root), params, out, jobs=1, warm=warm)
    return {r.entry.name: r for r in results}


def _outputs(path: Path) -> list:
    """Every code cell's outputs, without execution counts and metadata."""
    nb = nbformat.read(path, as_version=4)
    out = []
    for cell in nb.cells:
        if cell.cell_type != "code" or "injected-parameters" in cell.metadata.get("tags", []):
            continue
        for o in cell.get("outputs", []):
            out.append((o.output_type, o.get("name"), o.get("text"), dict(o.get("data", {}))))
    return out


def _printed(result) -> str:
    """What a chapter printed (from its executed notebook, kept apart when it failed)."""
    path = result.output
    if result.error is not None:
        path = path.parents[1] / "_failed" / path.parent.name / path.name
    nb = nbformat.read(path, as_version=4)
    return "".join(o.get("text", "") for c in nb.cells for o in c.get("outputs", []))


def test_a_chapter_after_another_in_a_warm_kernel_gives_what_a_fresh_kernel_gives(tmp_path):
    social = ROOT / "chapters" / "05-social.ipynb"
    warm = _project(tmp_path / "warm", {"00-pollute.ipynb": POLLUTE, "05-social.ipynb": social})
    fresh = _project(tmp_path / "fresh", {"05-social.ipynb": social})

    after = _run(warm, tmp_path / "warm-out", warm=True)
    alone = _run(fresh, tmp_path / "fresh-out", warm=False)

    assert after["00-pollute"].error is not None  # it did run, and ended in its error
    assert after["05-social"].error is None and alone["05-social"].error is None
    got, want = _outputs(after["05-social"].output), _outputs(alone["05-social"].output)
    assert sum("image/png" in data for *_, data in want) >= 3  # figures were drawn
    assert got == want


def test_a_warm_kernel_is_reused_and_reset(tmp_path):
    root = _project(tmp_path / "p", {"00-pollute.ipynb": POLLUTE, "01-probe.ipynb": PROBE})
    results = _run(root, tmp_path / "out", warm=True)
    first, second = _printed(results["00-pollute"]), _printed(results["01-probe"])
    pid = first.split("PID ")[1].split()[0]
    assert f"PID {pid}" in second  # the same kernel process
    assert "POLLUTED False LEFT_OPEN False" in second
    assert "FIGURES 0" in second and "FONT 31" not in second
    # what survived the reset (the imports) is frozen: no collection walks it again
    assert "FROZEN True" in second


def test_fresh_kernels_when_asked(tmp_path):
    root = _project(tmp_path / "p", {"00-pollute.ipynb": POLLUTE, "01-probe.ipynb": PROBE})
    results = _run(root, tmp_path / "out", warm=False)
    first, second = _printed(results["00-pollute"]), _printed(results["01-probe"])
    assert first.split("PID ")[1].split()[0] != second.split("PID ")[1].split()[0]
    assert "FROZEN False" in second  # a fresh kernel: nothing frozen


@pytest.mark.filterwarnings("ignore")
def test_a_chapter_that_kills_its_kernel_fails_alone_and_the_next_gets_a_new_kernel(tmp_path):
    root = _project(
        tmp_path / "p",
        {"00-pollute.ipynb": POLLUTE, "01-die.ipynb": DIE, "02-probe.ipynb": PROBE},
    )
    results = _run(root, tmp_path / "out", warm=True)
    assert results["01-die"].error is not None
    assert results["02-probe"].error is None
    first, third = _printed(results["00-pollute"]), _printed(results["02-probe"])
    assert first.split("PID ")[1].split()[0] != third.split("PID ")[1].split()[0]
    assert "POLLUTED False" in third


def test_a_warm_kernel_gives_back_its_chapters_memory_as_soon_as_the_chapter_ends(tmp_path):
    """An idle kernel must not hold its last chapter's memory while other chapters run
    (the memory guard counts it, and waits for it): it is reset when the chapter ends."""
    from flbook.render import kernels
    from flbook.render.execute import _execute_one

    big = "import numpy as np\nbig = np.ones(400 * 2**20 // 8)  # 400 MB, held in a variable\n"
    root = _project(tmp_path / "p", {"01-big.ipynb": big})
    src = root / "chapters" / "01-big.ipynb"
    try:
        seconds, error = _execute_one(
            str(src), str(tmp_path / "out.ipynb"), str(tmp_path / "failed.ipynb"),
            {}, "python3", warm=True,
        )  # fmt: skip
        assert error is None
        (km,) = kernels._KERNELS.values()  # kept for the next chapter...
        assert 0 < kernels._resident_mb(km) < 250  # ...without the chapter's 400 MB
        assert km.flbook_settled  # and handed to the next chapter without a second reset
    finally:
        kernels.shutdown_all()


COUNT_DRAWS = """\
import matplotlib.pyplot as plt
import matplotlib.figure as mfig
import flbook as fl
{hook}
course = fl.setup(globals())
drawn = []
_draw = mfig.Figure.draw
def _counting(self, renderer):
    drawn.append(1)
    return _draw(self, renderer)
mfig.Figure.draw = _counting
"""
FIGURE = "fig, ax = plt.subplots()\nax.plot([1, 3, 2])\nax.set_title('a line')\n"
CONSTRAINED = "fig, ax = plt.subplots(layout='constrained')\nax.bar(['a', 'b'], [1, 2])\n"
DRAWS = "print('DRAWS', len(drawn))\nmfig.Figure.draw = _draw\n"
KEEP_HOOK = "import flbook._setup\nflbook._setup._draw_each_figure_once = lambda: None"


def test_a_chapters_figure_is_drawn_once_for_its_png_and_the_png_is_unchanged(tmp_path):
    """pyplot's after-cell ``draw_all`` drew every figure once more on a canvas no one
    sees; ``fl.setup`` drops it. A figure is drawn twice (the tight-bbox pass and the
    PNG), in a fresh kernel and in a warm one after its reset, and its PNG is the same
    as with pyplot's hook kept (in a fresh kernel, as pyplot left it)."""

    def book(root: Path, chapters: dict[str, str]) -> Path:
        (root / "chapters").mkdir(parents=True)
        for name, hook in chapters.items():
            nb = _notebook(COUNT_DRAWS.format(hook=hook))
            nb.cells += [nbformat.v4.new_code_cell(c) for c in (FIGURE, CONSTRAINED, DRAWS)]
            nbformat.write(nb, root / "chapters" / name)
        listed = "".join(f"    - chapters/{name}\n" for name in chapters)
        (root / "_quarto.yml").write_text(
            f"project: {{type: book}}\nbook:\n  title: T\n  chapters:\n{listed}"
        )
        return root

    once = book(tmp_path / "once", {"01-once.ipynb": "", "02-again.ipynb": ""})
    kept = book(tmp_path / "kept", {"01-kept.ipynb": KEEP_HOOK})
    try:
        results = _run(once, tmp_path / "once-out", warm=True)
    finally:
        from flbook.render import kernels

        kernels.shutdown_all()
    results |= _run(kept, tmp_path / "kept-out", warm=False)
    assert "DRAWS 4" in _printed(results["01-once"])  # two figures, two draws each
    assert "DRAWS 4" in _printed(results["02-again"])  # the same in a reset warm kernel
    assert "DRAWS 6" in _printed(results["01-kept"])  # what pyplot's hook cost
    pngs = {
        name: [d["image/png"] for *_, d in _outputs(r.output) if "image/png" in d]
        for name, r in results.items()
    }
    assert len(pngs["01-once"]) == 2
    assert pngs["01-once"] == pngs["02-again"] == pngs["01-kept"]


def test_a_warm_kernel_keeps_one_client_connected_from_chapter_to_chapter(tmp_path):
    """A new client waits 0.2 s for its first message, twice a chapter (papermill's and
    the reset's): a warm kernel hands every chapter, and its resets, one client."""
    from flbook.render import kernels
    from flbook.render.execute import _execute_one

    root = _project(tmp_path / "p", {"01-a.ipynb": "x = 1\nprint(x)", "02-b.ipynb": PROBE})
    seen = []
    try:
        for name in ("01-a", "02-b"):
            src = root / "chapters" / f"{name}.ipynb"
            _, error = _execute_one(
                str(src), str(tmp_path / f"{name}.ipynb"), str(tmp_path / "failed.ipynb"),
                {}, "python3", warm=True,
            )  # fmt: skip
            assert error is None
            (km,) = kernels._KERNELS.values()
            seen.append((km, km.flbook_client))
        assert seen[0][0] is seen[1][0] and seen[0][1] is seen[1][1]  # one kernel, one client
        assert seen[1][1].iopub_channel.is_alive()  # still connected for the next chapter
        assert "POLLUTED False" in "".join(  # the second chapter ran, after a reset
            o.get("text", "")
            for c in nbformat.read(tmp_path / "02-b.ipynb", 4).cells
            for o in c.get("outputs", [])
        )
    finally:
        kernels.shutdown_all()
    assert not seen[1][1].iopub_channel.is_alive()  # closed with its kernel
