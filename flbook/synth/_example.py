"""A small synthetic course for examples and doctests, made once per process."""

from __future__ import annotations

import atexit
import functools
import json
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from ._course import make_course
from ._logs import make_notebook_logs

if TYPE_CHECKING:
    from flbook.store import Course

__all__ = ["append_settings", "example_course"]


def append_settings(path: str | Path, settings: dict) -> None:
    """Add settings to a ``course.yml`` the generator wrote (one flow-style line each).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     yml = pathlib.Path(folder) / "course.yml"
    ...     _ = yml.write_text("title: A course\\n")
    ...     append_settings(yml, {"notebooks": {"week1/lecture.ipynb": "1.1"}})
    ...     print(yml.read_text().splitlines()[-1])
    notebooks: {week1/lecture.ipynb: "1.1"}
    """
    lines = []
    for key, value in settings.items():
        if isinstance(value, dict):
            inner = ", ".join(f"{k}: {json.dumps(v)}" for k, v in value.items())
            lines.append(f"{key}: {{{inner}}}")
        else:
            lines.append(f"{key}: {value}")
    with open(path, "a", encoding="utf-8") as fh:
        fh.write("\n".join(lines) + "\n")


@functools.cache
def example_course() -> Course:
    """A small synthetic course (400 learners, two study weeks, notebook logs).

    A fifth of the learners who visit a notebook's step use the notebook (the logs are
    the slowest part to make, and examples need only a few thousand events).

    For examples and doctests: its files are written to a temporary folder (removed when
    the process ends) and read without the store's cache; the same course is returned
    on every call.

    Examples
    --------
    >>> course = example_course()
    >>> course.config.weeks, len(course.config.notebooks) > 0
    (2, True)
    """
    from flbook.store import load_course

    folder = Path(tempfile.mkdtemp(prefix="flbook-example-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    make_course(folder, learners=400, weeks=2, seed=7)
    append_settings(
        folder / "course.yml", make_notebook_logs(folder, seed=7, share=0.2)["settings"]
    )
    return load_course(folder / "course.yml", cache=False)
