"""Build hook: a wheel carries the book project (``_quarto.yml``, pages, chapters, stub).

The top-level ``_quarto.yml``, ``index.qmd``, ``book/``, ``chapters/`` and ``data_stub/``
stay the single source; ``build_py`` copies them into ``flbook/bundled/`` of the build
tree only, so the installed package can render the book from any folder. An editable
install reads them in place (see ``flbook.resources``).
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
PROJECT_FILES = ("_quarto.yml", "*.qmd", "book", "chapters", "data_stub")
SKIP = shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints", "_build", "_book")


class BuildWithBook(build_py):
    """``build_py`` that also copies the book project into ``flbook/bundled``."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        target = Path(self.build_lib) / "flbook" / "bundled"
        if target.exists():
            shutil.rmtree(target)
        target.mkdir(parents=True)
        for pattern in PROJECT_FILES:
            for source in sorted(HERE.glob(pattern)):
                if source.is_dir():
                    shutil.copytree(source, target / source.name, ignore=SKIP)
                else:
                    shutil.copy2(source, target / source.name)


setup(cmdclass={"build_py": BuildWithBook})
