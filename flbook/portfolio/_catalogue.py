"""A portfolio catalogue: courses and their runs, read from a YAML file and validated.

The catalogue names each course and the ``course.yml`` files of its runs (globs
allowed, relative to the catalogue)::

    title: Data science courses, 2023–2024     # optional
    courses:
      - name: Learning to Code for Data Analysis
        runs: [ltc/run-*/course.yml]
      - name: Statistics in Practice
        runs:
          - stats/2023-02/course.yml
          - stats/2023-09/course.yml
"""

from __future__ import annotations

import dataclasses
import glob
import re
from pathlib import Path
from typing import Any

import yaml

from ..config import CourseConfig, load_config
from ..errors import ConfigError, FlbookError

__all__ = ["Catalogue", "CatalogueError", "CourseEntry", "RunEntry", "read_catalogue", "slug"]


class CatalogueError(FlbookError):
    """The catalogue file is not valid (the message names the file and the entry)."""


def slug(text: str) -> str:
    """A folder name for a course title: lower case, words joined by dashes.

    Examples
    --------
    >>> slug("Learning to Code: Data Analysis!")
    'learning-to-code-data-analysis'
    """
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "course"


@dataclasses.dataclass(frozen=True)
class RunEntry:
    """One run of a course in the catalogue.

    Attributes
    ----------
    course : the course's name in the catalogue.
    course_slug : the course's folder name under the portfolio's output.
    settings : the run's ``course.yml`` (absolute path).
    config : its validated settings.
    """

    course: str
    course_slug: str
    settings: str
    config: CourseConfig

    @property
    def key(self) -> str:
        """``course-slug/stub``: the run's folder under the portfolio output."""
        return f"{self.course_slug}/{self.config.stub}"


@dataclasses.dataclass(frozen=True)
class CourseEntry:
    """A course and its runs, in start-date order."""

    name: str
    slug: str
    runs: tuple[RunEntry, ...]


@dataclasses.dataclass(frozen=True)
class Catalogue:
    """A validated catalogue: its title, its courses, the file it came from."""

    title: str
    courses: tuple[CourseEntry, ...]
    source: str

    @property
    def runs(self) -> list[RunEntry]:
        """Every run of every course, course by course."""
        return [r for c in self.courses for r in c.runs]


def read_catalogue(path: str | Path) -> Catalogue:
    """Read and validate a catalogue file.

    Raises
    ------
    CatalogueError
        naming the file and the entry that is wrong: a missing ``courses`` list, a
        course without ``name`` or ``runs``, a pattern that matches no file, a run
        listed twice, or a ``course.yml`` that is not valid (its own error is quoted).
    """
    path = Path(path)
    where = path.name
    if not path.is_file():
        raise CatalogueError(f"{path}: catalogue file not found")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as e:
        line = getattr(getattr(e, "problem_mark", None), "line", None)
        at = f", line {line + 1}" if line is not None else ""
        raise CatalogueError(f"{where}{at}: not valid YAML ({getattr(e, 'problem', e)})") from e
    if not isinstance(raw, dict):
        raise CatalogueError(f"{where}: expected a mapping with a 'courses' list")
    unknown = set(raw) - {"title", "courses"}
    if unknown:
        raise CatalogueError(
            f"{where}: unknown setting(s) {', '.join(sorted(map(str, unknown)))} "
            "(expected 'title' and 'courses')"
        )
    courses_raw = raw.get("courses")
    if not isinstance(courses_raw, list) or not courses_raw:
        raise CatalogueError(f"{where}: 'courses' must be a non-empty list of courses")
    base = path.resolve().parent
    seen: dict[str, str] = {}
    slugs: set[str] = set()
    courses = []
    for i, entry in enumerate(courses_raw, start=1):
        courses.append(_course(entry, i, where, base, seen, slugs))
    title = raw.get("title") or "Course portfolio"
    if not isinstance(title, str):
        raise CatalogueError(f"{where}: 'title' must be text")
    return Catalogue(title=title, courses=tuple(courses), source=str(path.resolve()))


def _course(
    entry: Any, i: int, where: str, base: Path, seen: dict[str, str], slugs: set[str]
) -> CourseEntry:
    at = f"{where}: course {i}"
    if not isinstance(entry, dict):
        raise CatalogueError(f"{at}: expected a mapping with 'name' and 'runs'")
    unknown = set(entry) - {"name", "runs"}
    if unknown:
        raise CatalogueError(f"{at}: unknown setting(s) {', '.join(sorted(map(str, unknown)))}")
    name = entry.get("name")
    if not isinstance(name, str) or not name.strip():
        raise CatalogueError(f"{at}: 'name' is missing or empty")
    at = f"{where}: course {name!r}"
    s = slug(name)
    if s in slugs:
        raise CatalogueError(f"{at}: another course has the same name (folder {s!r})")
    slugs.add(s)
    patterns = entry.get("runs")
    if isinstance(patterns, str):
        patterns = [patterns]
    if not isinstance(patterns, list) or not patterns:
        raise CatalogueError(f"{at}: 'runs' must list course.yml paths or globs")
    runs = []
    stubs: set[str] = set()
    for pattern in patterns:
        if not isinstance(pattern, str):
            raise CatalogueError(f"{at}: run {pattern!r} is not a path")
        full = pattern if Path(pattern).is_absolute() else str(base / pattern)
        matches = sorted(glob.glob(full, recursive=True))
        if not matches:
            raise CatalogueError(f"{at}: {pattern!r} matches no file")
        for m in matches:
            p = str(Path(m).resolve())
            if p in seen:
                raise CatalogueError(f"{at}: {pattern!r}: {m} is already listed (in {seen[p]!r})")
            seen[p] = name
            try:
                cfg = load_config(p)
            except ConfigError as e:
                raise CatalogueError(f"{at}: {m}: {e}") from e
            if cfg.stub in stubs:
                raise CatalogueError(f"{at}: two runs have the stub {cfg.stub!r}")
            stubs.add(cfg.stub)
            runs.append(RunEntry(course=name, course_slug=s, settings=p, config=cfg))
    runs.sort(key=lambda r: (r.config.start, r.config.stub))
    return CourseEntry(name=name, slug=s, runs=tuple(runs))
