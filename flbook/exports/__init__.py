"""Readers for every FutureLearn export dataset.

Each dataset is described once in :data:`DATASETS` (column versions and kinds);
:func:`read_export` reads one file into a typed Arrow table and a :class:`FileReport`.
Errors are :class:`~flbook.errors.ExportError` naming file, column, line and value.
"""

from ._reader import KNOWN_ROLES, FileReport, empty_table, read_export

# for the course store (flbook.store), which encodes the reader's tables; not in __all__
from ._reader import derive_columns as derive_columns
from ._reader import dictionary_chunks as dictionary_chunks
from ._reader import dictionary_key as dictionary_key
from ._reader import drop_exact_duplicates as drop_exact_duplicates
from ._reader import finish_table as finish_table
from ._schema import DATASETS, KIND_WORDS, Dataset, dataset

__all__ = [
    "data_dictionary",
    "DATASETS",
    "Dataset",
    "FileReport",
    "KIND_WORDS",
    "KNOWN_ROLES",
    "dataset",
    "empty_table",
    "read_export",
]


def data_dictionary(dataset_name: str | None = None):
    """Every column of every export dataset: its kind, meaning and the versions that have it.

    Returns
    -------
    DataFrame with ``dataset``, ``column``, ``kind`` (what a value looks like),
    ``required``, ``versions`` (the column layouts that include it) and ``note``.
    """
    import pandas as pd

    rows = []
    for ds in DATASETS.values():
        if dataset_name is not None and ds.name != dataset_name:
            continue
        for col in ds.all_columns():
            versions = [v for v, cols in ds.versions.items() if col in cols]
            rows.append(
                {
                    "dataset": ds.name,
                    "column": col,
                    "kind": KIND_WORDS[ds.kinds[col]],
                    "required": col in ds.required,
                    "versions": ", ".join(versions) if len(versions) < len(ds.versions) else "all",
                    "note": ds.column_notes.get(col, ""),
                }
            )
    return pd.DataFrame(rows)
