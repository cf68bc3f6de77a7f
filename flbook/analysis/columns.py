"""Column builders the survey and campaign recipes share: shares and text labels.

Public names for the package's own modules (:mod:`flbook.analysis` does not re-export
them): :data:`NOT_SET`, :func:`percent` and :func:`text_labels`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["NOT_SET", "percent", "text_labels"]

NOT_SET = "(not set)"
"""The label of an empty answer or source (a leaving reason, an archetype, a ``utm_source``)."""


def percent(part, whole) -> np.ndarray:
    """``part`` as a percentage of ``whole``, element-wise; NaN where ``whole`` is not positive.

    Examples
    --------
    >>> percent([1, 3, 2], [4, 4, 0])
    array([25., 75., nan])
    """
    part = np.asarray(part, dtype=float)
    whole = np.asarray(whole, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(whole > 0, 100.0 * part / np.where(whole > 0, whole, 1), np.nan)


def text_labels(values: pd.Series, missing: str = NOT_SET) -> pd.Series:
    """A label column as stripped strings, ``missing`` for empty and missing values.

    Examples
    --------
    >>> text_labels(pd.Series([" Other ", "", None])).tolist()
    ['Other', '(not set)', '(not set)']
    """
    out = values.astype("string").str.strip()
    return out.where(out.notna() & (out != ""), missing).astype("string")
