"""The course store: read the exports once, keep them as Parquet, reload them fast.

:func:`load_course` reads every export of a course run (see :mod:`flbook.exports`),
checks it, and writes the typed tables to a cache folder named after the content of
the source files. Later loads (every chapter of the book) read the Parquet files, and
only the tables and columns they use. A changed CSV changes the key, so it is never
served stale; the new store takes the tables of the files that did not change from
the earlier store of the same course folder.

Inside a :class:`Course` every person id column (``learner_id``, ``author_id``, ...)
is a pandas Categorical over one course-wide list of people, and every ``step``
column is an ordered Categorical in course order ("1.9" < "1.10" < "2.1"), so tables
join and sort cheaply.

The modules: ``_load`` (:func:`load_course`), ``_cache`` (the store folder, digests,
Arrow files), ``_course`` (the :class:`Course` object), ``_ids`` (person and step
codes), ``_notebooks`` (notebook events), ``_report`` (:class:`LoadReport`), ``_memo``
(:func:`per_course`, recipes computed once per course and arguments).
"""

from ._cache import STORE_VERSION, cache_dir, file_digest
from ._course import TEAM_ROLE, Course
from ._load import REQUIRED_DATASETS, load_course
from ._memo import per_course
from ._report import LoadReport

__all__ = [
    "Course",
    "LoadReport",
    "load_course",
    "per_course",
    "cache_dir",
    "file_digest",
    "STORE_VERSION",
    "REQUIRED_DATASETS",
    "TEAM_ROLE",
]
