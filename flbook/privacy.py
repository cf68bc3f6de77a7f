"""The small-count rule, in one place: counts of people under 10 are never shown.

A count of fewer than :data:`MIN_COUNT` people (but at least one) could point at
individuals, and so could any figure computed from so few people (their error rate,
their median session, their answers). Every book table (:func:`flbook.show_table`)
and every chart that draws counts of people applies this rule through
:func:`small_rows` and :func:`hide_small`:

- a count of people from 1 to ``MIN_COUNT - 1`` is shown as ``"<10"`` in a table and
  is not drawn in a chart;
- when a row's first count of people (the people the row is about) is small, every
  other number on the row is hidden with it: it describes the same few people;
- what was hidden is counted, so a chart or a table can say so.

A column counts people when its name says so: ``learners`` and ``learners_*``,
``leavers``, ``commenters``, ``respondents``, ``responses`` (each survey or quiz
response in a table is one person's answer), and the campaign counts ``enrolments``,
``active_learners`` and ``upgrades_purchased``. Zero is shown: it points at nobody.

In sentences the same rule holds through :func:`count_text` (a count: ``"fewer than
10"``), :func:`share_text` (a share, not given when it rests on a small count) and
:func:`count_share` (both: ``"45 (12%)"``) and :func:`split_text` (the two parts of a
whole, neither given as a number when one is small); chapters reach them as
``fl.count_text``, ``fl.share_text``, ``fl.count_share`` and ``fl.split_text``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import numpy as np
import pandas as pd

__all__ = [
    "MIN_COUNT",
    "people_columns",
    "small_rows",
    "small_cells",
    "hide_small",
    "small_label",
    "count_text",
    "share_text",
    "count_share",
    "split_text",
]

MIN_COUNT = 10
"""The smallest count of people shown in a table or chart."""

_PEOPLE = re.compile(
    r"^(learners|leavers|commenters|respondents|responses)(_[a-z0-9_]+)?$"
    r"|^(enrolments|active_learners|upgrades_purchased)$"
)
_NOT_COUNTS = re.compile(r"_(label|pct|share|rate)$|^pct|_per_")


def _is_figure(s: pd.Series) -> bool:
    """Whether a column holds a number or a time (what a small row must not show)."""
    if pd.api.types.is_bool_dtype(s):
        return False
    return (
        pd.api.types.is_numeric_dtype(s)
        or pd.api.types.is_datetime64_any_dtype(s)
        or pd.api.types.is_timedelta64_dtype(s)
    )


def small_label(min_learners: int = MIN_COUNT) -> str:
    """The text a table shows in place of a hidden count (``"<10"``)."""
    return f"<{min_learners:,}"


def count_text(n: int, *, min_learners: int = MIN_COUNT) -> str:
    """A count of people for a sentence: ``"1,234"``, or ``"fewer than 10"`` when small.

    Examples
    --------
    >>> count_text(1234), count_text(3), count_text(0)
    ('1,234', 'fewer than 10', '0')
    """
    n = int(n)
    return f"fewer than {min_learners:,}" if 0 < n < min_learners else f"{n:,}"


def share_text(
    part: int,
    whole: int,
    *,
    pct: float | None = None,
    digits: int = 0,
    min_learners: int = MIN_COUNT,
) -> str:
    """A share of people for a sentence (``"42%"``), or ``""`` when it would point at a few.

    A share is not given when the people it counts (``part``) or the people it is a
    share of (``whole``) number from 1 to ``min_learners - 1``: "33% of 3 learners" is one
    learner. Nor when ``whole`` is 0 (nothing to divide by).

    Parameters
    ----------
    part, whole : the counts of people the share is computed from.
    pct : the share already computed (×100) by a recipe, shown instead of
        ``part / whole`` (the counts still decide whether it is shown).
    digits : decimals.
    min_learners : the smallest count of people shown.

    Examples
    --------
    >>> share_text(45, 100), share_text(3, 100), share_text(40, 8), share_text(0, 50)
    ('45%', '', '', '0%')
    >>> share_text(45, 100, pct=44.6)
    '45%'
    """
    part, whole = int(part), int(whole)
    if whole <= 0 or 0 < part < min_learners or whole < min_learners:
        return ""
    value = 100 * part / whole if pct is None else float(pct)
    return f"{value:.{digits}f}%"


def count_share(
    part: int,
    whole: int,
    *,
    pct: float | None = None,
    digits: int = 0,
    min_learners: int = MIN_COUNT,
) -> str:
    """A count of people with its share for a sentence: ``"45 (12%)"``, ``"fewer than 10"``.

    The count goes through :func:`count_text` and the share through :func:`share_text`,
    so a small count is never given, nor a share derived from it.

    Examples
    --------
    >>> count_share(45, 380), count_share(3, 380), count_share(12, 12)
    ('45 (12%)', 'fewer than 10', '12 (100%)')
    """
    share = share_text(part, whole, pct=pct, digits=digits, min_learners=min_learners)
    text = count_text(part, min_learners=min_learners)
    return f"{text} ({share})" if share else text


def split_text(part: int, whole: int, *, min_learners: int = MIN_COUNT) -> tuple[str, str]:
    """Counts of the two parts of a shown whole, for a sentence: ``part`` and the rest.

    When one part is small, the other is not given as a number either, since the whole
    minus it would give the small one away: it reads ``"all but fewer than 10"``.

    Examples
    --------
    >>> split_text(128, 131), split_text(3, 131), split_text(100, 131), split_text(0, 5)
    (('all but fewer than 10', 'fewer than 10'), ('fewer than 10', 'all but fewer than 10'), ('100', '31'), ('0', 'fewer than 10'))
    """
    part, rest = int(part), int(whole) - int(part)
    small = [0 < n < min_learners for n in (part, rest)]
    texts = [count_text(n, min_learners=min_learners) for n in (part, rest)]
    if small[0] != small[1] and min(part, rest) > 0:
        big = 1 if small[0] else 0
        texts[big] = f"all but fewer than {min_learners:,}"
    return texts[0], texts[1]


def people_columns(frame: pd.DataFrame) -> list[str]:
    """The numeric columns of ``frame`` whose names say they count people.

    Examples
    --------
    >>> people_columns(pd.DataFrame({"step": ["1.1"], "learners": [3],
    ...     "learners_failed": [1], "pct_of_first": [50.0], "executions": [40]}))
    ['learners', 'learners_failed']
    """
    out = []
    for c in frame.columns:
        name = str(c)
        if not _PEOPLE.match(name) or _NOT_COUNTS.search(name):
            continue
        s = frame[c]
        if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
            out.append(c)
    return out


def _small(values: pd.Series, min_learners: int) -> np.ndarray:
    v = pd.to_numeric(values, errors="coerce").astype("float64").to_numpy()
    with np.errstate(invalid="ignore"):
        return (v > 0) & (v < min_learners)


def small_rows(
    frame: pd.DataFrame,
    *,
    columns: Iterable[str] | None = None,
    min_learners: int = MIN_COUNT,
) -> np.ndarray:
    """Which rows are about fewer than ``min_learners`` people (and more than none).

    A row is about the people of its first people column (``learners`` in a table of
    notebooks); its other figures describe them.

    Parameters
    ----------
    frame : a table of counts.
    columns : the columns that count people, the row's own count first; default
        :func:`people_columns`.
    min_learners : the smallest count shown.

    Returns
    -------
    numpy.ndarray of bool, one per row.

    Examples
    --------
    >>> small_rows(pd.DataFrame({"learners": [0, 1, 9, 10, None]}))
    array([False,  True,  True, False, False])
    """
    cols = people_columns(frame) if columns is None else list(columns)
    if not cols:
        return np.zeros(len(frame), dtype=bool)
    return _small(frame[cols[0]], min_learners)


def small_cells(
    frame: pd.DataFrame,
    *,
    columns: Iterable[str] | None = None,
    min_learners: int = MIN_COUNT,
) -> pd.DataFrame:
    """Which cells the rule hides: small counts of people, and every figure of a small row.

    Returns a boolean DataFrame shaped like ``frame``.

    Examples
    --------
    >>> t = pd.DataFrame({"source": ["a", "b"], "enrolments": [500, 4],
    ...                   "upgrades_purchased": [3, 0]})
    >>> small_cells(t)
       source  enrolments  upgrades_purchased
    0   False       False                True
    1   False        True                True
    """
    cols = people_columns(frame) if columns is None else list(columns)
    rows = small_rows(frame, columns=cols, min_learners=min_learners)
    out = pd.DataFrame(False, index=frame.index, columns=frame.columns)
    for c in frame.columns:
        if c in cols:
            out[c] = _small(frame[c], min_learners) | rows
        elif _is_figure(frame[c]):
            out[c] = rows
    return out


def hide_small(
    frame: pd.DataFrame,
    *,
    columns: Iterable[str] | None = None,
    min_learners: int = MIN_COUNT,
    drop: bool = False,
) -> pd.DataFrame:
    """``frame`` with its small counts of people hidden (see the module's rule).

    Parameters
    ----------
    frame : a table of counts (not changed).
    columns : the columns that count people, the row's own count first; default
        :func:`people_columns`.
    min_learners : the smallest count shown.
    drop : remove every row with a small count (for charts that draw one mark per
        row); otherwise the hidden cells (:func:`small_cells`) become missing (``NA``).

    Returns
    -------
    DataFrame
        A copy. ``attrs["hidden_rows"]`` is the number of rows with a hidden cell and
        ``attrs["hidden_people"]`` the people of the rows about few people (the sum of
        the first people column over them, or over the dropped rows), so the caller can
        say what was left out.

    Examples
    --------
    >>> t = pd.DataFrame({"notebook": ["a", "b"], "learners": [40, 1],
    ...                   "pct_error_rate": [12.5, 50.0]})
    >>> out = hide_small(t)
    >>> out
      notebook  learners  pct_error_rate
    0        a        40            12.5
    1        b      <NA>             NaN
    >>> out.attrs["hidden_rows"], out.attrs["hidden_people"]
    (1, 1)
    """
    cols = people_columns(frame) if columns is None else list(columns)
    cells = small_cells(frame, columns=cols, min_learners=min_learners)
    any_small = cells[cols].any(axis=1).to_numpy() if cols else np.zeros(len(frame), bool)
    gone = any_small if drop else small_rows(frame, columns=cols, min_learners=min_learners)
    people = 0
    if cols and gone.any():
        people = int(pd.to_numeric(frame.loc[gone, cols[0]], errors="coerce").fillna(0).sum())
    if drop:
        out = frame.loc[~any_small].reset_index(drop=True)
    else:
        out = frame.copy()
        for c in out.columns:
            hide = cells[c].to_numpy()
            if not hide.any():
                continue
            s = out[c]
            if pd.api.types.is_integer_dtype(s) and not isinstance(
                s.dtype, pd.api.extensions.ExtensionDtype
            ):
                s = s.astype("Int64")
            out[c] = s.mask(hide)
    out.attrs = dict(frame.attrs)
    out.attrs["hidden_rows"] = int(any_small.sum())
    out.attrs["hidden_people"] = people
    return out
