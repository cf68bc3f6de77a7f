"""Array helpers shared by the analysis recipes and the predictor.

The recipes work on integer codes and int64 nanoseconds rather than on objects and
timestamps; these are the conversions they share. They are public inside the package
(``flbook.analysis.arrays``) but not part of the user-facing API of ``flbook.analysis``.

- :data:`NAT` — the int64 that stands for a missing timestamp (NaT).
- :func:`ns` — timestamps as int64 nanoseconds since the epoch, UTC.
- :func:`as_time` — the way back: int64 nanoseconds as a UTC timestamp column.
- :func:`person_codes` — course-wide person codes of an id column.
- :func:`empty_frame` — an empty table with the given columns and dtypes.
- :func:`read_only` — freeze the arrays of a result shared between recipes.
- :func:`sorted_distinct` — ``np.unique`` of integer codes, by a sort (much faster).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from flbook.store import Course

__all__ = ["NAT", "as_time", "empty_frame", "ns", "person_codes", "read_only", "sorted_distinct"]

T = TypeVar("T")

NAT: int = int(np.iinfo(np.int64).min)
"""int64 value of a missing timestamp in the arrays returned by :func:`ns`."""


def ns(values: pd.Series) -> np.ndarray:
    """Timestamps as int64 nanoseconds since the epoch, UTC.

    Parameters
    ----------
    values : pandas.Series
        Timestamps, time-zone aware (any zone) or naive (read as UTC), or anything
        ``pandas.to_datetime`` parses.

    Returns
    -------
    numpy.ndarray
        int64 nanoseconds since 1970-01-01 UTC; missing values are :data:`NAT`.

    Examples
    --------
    >>> ns(pd.Series(pd.to_datetime(["1970-01-01 01:00+01:00", None], utc=True))).tolist()
    [0, -9223372036854775808]
    """
    if not isinstance(values.dtype, pd.DatetimeTZDtype):
        values = pd.to_datetime(values, utc=True)
    return np.asarray(values.array.tz_convert("UTC").as_unit("ns").asi8)


def as_time(values: np.ndarray) -> pd.Series:
    """int64 nanoseconds since the epoch as a ``datetime64[ns, UTC]`` Series (no parsing).

    Parameters
    ----------
    values : numpy.ndarray
        int64 nanoseconds, as returned by :func:`ns` (:data:`NAT` becomes NaT).

    Returns
    -------
    pandas.Series
        The timestamps, in UTC, with a default index.
    """
    return pd.Series(np.asarray(values, dtype=np.int64).view("M8[ns]"), copy=False).dt.tz_localize(
        "UTC"
    )


def person_codes(course: Course, ids: pd.Series) -> np.ndarray:
    """Course-wide person codes of an id column: positions in ``course.people``.

    The same person has the same code in every table of the course, so codes from
    different tables can index one array per person.

    Parameters
    ----------
    course : Course
        The course whose ``people`` index gives the codes.
    ids : pandas.Series
        Person ids (Categorical over ``course.people``, or plain values).

    Returns
    -------
    numpy.ndarray
        int64 code per row; -1 for a missing id or one not in ``course.people``.
    """
    if isinstance(ids.dtype, pd.CategoricalDtype) and ids.cat.categories.equals(course.people):
        return ids.cat.codes.to_numpy().astype(np.int64)
    return course.people.get_indexer(ids.astype("object")).astype(np.int64)


def empty_frame(
    columns: Iterable[str] | Mapping[str, Any], dtypes: Mapping[str, Any] | None = None
) -> pd.DataFrame:
    """An empty table with the given columns, each of its dtype.

    Parameters
    ----------
    columns : iterable of str, or mapping of str to dtype
        The columns in order; a mapping gives each column's dtype too.
    dtypes : mapping of str to dtype, optional
        The dtype of named columns; other columns are float64.

    Returns
    -------
    pandas.DataFrame
        No rows, a ``RangeIndex`` and the columns in the order given.

    Examples
    --------
    >>> empty_frame(["step", "learners"], {"learners": "int64"}).dtypes.tolist()
    [dtype('float64'), dtype('int64')]
    """
    if isinstance(columns, Mapping):
        dtypes = {**columns, **(dtypes or {})}
    dtypes = dtypes or {}
    return pd.DataFrame(
        {c: pd.Series([], dtype=dtypes.get(c, "float64")) for c in columns},
        index=pd.RangeIndex(0),
    )


def read_only(obj: T) -> T:
    """Make every NumPy array attribute of ``obj`` read-only, and return ``obj``.

    A result kept with the course (:meth:`Course.derived`) is shared by every recipe
    that asks for it; frozen arrays make a recipe that writes into one fail loudly
    instead of changing what the next recipe reads.

    Parameters
    ----------
    obj : object
        An object whose attributes (``vars(obj)``) hold the arrays, such as a
        dataclass instance; attributes that are not arrays are left as they are.

    Returns
    -------
    object
        ``obj`` itself.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> shared = read_only(SimpleNamespace(times=np.arange(3), name="visits"))
    >>> shared.times.flags.writeable, shared.name
    (False, 'visits')
    """
    for value in vars(obj).values():
        if isinstance(value, np.ndarray):
            value.flags.writeable = False
    return obj


def sorted_distinct(values: Any, *, below: int | None = None) -> np.ndarray:
    """The sorted distinct values of an array, as ``np.unique(values)`` returns them.

    numpy 2.3 and later find the distinct values of a plain ``np.unique`` call with a
    hash table. On arrays with millions of distinct values, the pair codes the recipes
    count (learner × step, learner × event kind, ...), that is ten times slower than
    sorting on this project's machines: 10 million int64 codes with 2 million distinct
    took 9.0 s against 0.9 s with numpy 2.4.6. Integer and boolean arrays are sorted
    here instead; any other dtype (floats with NaN, timestamps with NaT, objects) goes
    to ``np.unique``, whose missing-value rules this sort would not follow.

    ``below``: when every value is known to lie in ``[0, below)`` (person codes, or
    pairs of a person and one of a few kinds), and ``below`` is not much larger than the
    array, the values are marked in a boolean array of that size instead of sorted:
    one pass instead of a sort (at 1,000,000 learners, the event log's 22 million
    codes). Values outside the range fall back to the sort.

    Examples
    --------
    >>> sorted_distinct(np.array([3, 1, 3, 2, 1]))
    array([1, 2, 3])
    >>> sorted_distinct(np.array([3, 1, 3, 2, 1]), below=5)
    array([1, 2, 3])
    >>> sorted_distinct(np.array([3, -1, 3]), below=5)  # out of range: sorted
    array([-1,  3])
    >>> sorted_distinct(np.array([], dtype=np.int64))
    array([], dtype=int64)
    >>> sorted_distinct(np.array([2.0, np.nan, 2.0, np.nan]))  # np.unique's NaN rule
    array([ 2., nan])
    """
    a = np.asarray(values).ravel()
    if a.dtype.kind not in "biu":
        return np.unique(a)
    if len(a) == 0:
        return np.sort(a)
    if below is not None and a.dtype.kind != "b" and below <= 8 * len(a) + 4096:
        if a.min() >= 0 and a.max() < below:
            seen = np.zeros(int(below), dtype=bool)
            seen[a] = True
            return np.flatnonzero(seen).astype(a.dtype, copy=False)
    s = np.sort(a)
    return s[np.r_[True, s[1:] != s[:-1]]]
