"""Readers for every FutureLearn export dataset.

Each dataset is described once in :data:`DATASETS` (column versions and kinds);
:func:`read_export` reads one file into a typed Arrow table and a :class:`FileReport`.
Errors are :class:`~flbook.errors.ExportError` naming file, column, line and value.
"""

from ._reader import KNOWN_ROLES, FileReport, empty_table, read_export
from ._schema import DATASETS, KIND_WORDS, Dataset, dataset

__all__ = [
    "DATASETS",
    "Dataset",
    "FileReport",
    "KIND_WORDS",
    "KNOWN_ROLES",
    "dataset",
    "empty_table",
    "read_export",
]
