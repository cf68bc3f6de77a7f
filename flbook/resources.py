"""Where the book project lives: the chapters, ``_quarto.yml``, the book pages, the stub.

The repository's top-level ``_quarto.yml``, ``book/``, ``chapters/`` and ``data_stub/``
are the single source of the book. A source checkout (or an editable install) uses them
where they are; a built wheel carries a copy of them inside the package, in
``flbook/bundled/`` (written by ``setup.py`` at build time, never committed).
"""

from __future__ import annotations

import functools
import importlib.metadata
import platform
from pathlib import Path

from flbook.errors import FlbookError

__all__ = ["BUNDLED_DIR", "LIBRARIES", "flbook_fingerprint", "project_dir", "stub_course"]

# Libraries whose version can change what a chapter computes or draws.
LIBRARIES = ("pandas", "numpy", "matplotlib", "pyarrow", "scikit-learn", "plotly", "papermill")

# The package's own copy of the book project, present in an installed wheel.
BUNDLED_DIR = Path(__file__).resolve().parent / "bundled"


def project_dir() -> Path:
    """The folder holding the book's ``_quarto.yml``, chapters and pages.

    The wheel's bundled copy when there is one, else the source checkout the package
    was imported from.

    Raises
    ------
    FlbookError
        when neither holds a ``_quarto.yml`` (a broken install).
    """
    for candidate in (BUNDLED_DIR, Path(__file__).resolve().parent.parent):
        if (candidate / "_quarto.yml").is_file():
            return candidate
    raise FlbookError(
        f"the book project (_quarto.yml, chapters/) was not found in {BUNDLED_DIR} or beside "
        "the flbook package: reinstall flbook"
    )


def stub_course() -> Path:
    """The bundled synthetic course's ``course.yml`` (the default course)."""
    return project_dir() / "data_stub" / "course.yml"


@functools.cache
def flbook_fingerprint() -> str:
    """flbook's version, a digest of its source files and the libraries' versions.

    Any edit to flbook's code (an editable install) changes it, as does a release.
    """
    import xxhash

    import flbook

    h = xxhash.xxh3_128()
    package = Path(flbook.__file__).resolve().parent
    for path in sorted(package.rglob("*")):
        if path.is_file() and path.suffix not in {".pyc", ".pyo"}:
            h.update(str(path.relative_to(package)).encode() + b"\0")
            h.update(path.read_bytes())
    versions = [f"flbook={flbook.__version__}", f"python={platform.python_version()}"]
    for lib in LIBRARIES:
        try:
            versions.append(f"{lib}={importlib.metadata.version(lib)}")
        except importlib.metadata.PackageNotFoundError:
            versions.append(f"{lib}=-")
    return ";".join(versions) + f";code={h.hexdigest()}"
