"""Synthetic courses: a FutureLearn export shaped like the real ones, from a seed.

- :func:`make_course` writes one run's export files and its ``course.yml``
  (:func:`make_awkward_course`: the small course with every awkward trait);
- :func:`make_runs` writes several runs of one course (for predictions and the
  earlier-runs chapter);
- :func:`make_notebook_logs` adds Jupyter notebook event logs to a course;
- :func:`example_course` is a small course, made once per process, for examples.

The same arguments give byte-identical files (``data_stub/`` is made this way).
"""

from ._course import COLUMNS, DATASETS, make_awkward_course, make_course
from ._example import append_settings, example_course
from ._logs import ERROR_BANK, make_notebook_logs
from ._runs import cut_off, make_runs

__all__ = [
    "COLUMNS",
    "DATASETS",
    "ERROR_BANK",
    "append_settings",
    "cut_off",
    "example_course",
    "make_awkward_course",
    "make_course",
    "make_notebook_logs",
    "make_runs",
]
