"""The finding record, the thresholds every family shares, and the Wilson interval."""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist

__all__ = ["Finding", "MIN_LEARNERS", "CONFIDENCE", "wilson_interval"]

MIN_LEARNERS: int = 10
"""No finding is drawn from fewer learners than this (the book's small-count rule)."""

CONFIDENCE: float = 0.95
"""Confidence level of every interval given with a finding."""


@dataclass(frozen=True)
class Finding:
    """One thing the data of this run shows, with its size and the evidence behind it.

    Attributes
    ----------
    family : the kind of data it comes from (``"steps"``, ``"quizzes"``, ``"surveys"``,
        ``"enrolment"``, ``"sessions"``, ``"social"``, ``"notebooks"``, ``"data"``).
    kind : what was found, a short code name (``"skipped_step"``, ``"wrong_answer_leads"``).
    where : the place in the course, in words (``"step 1.5"``, ``"question 2.7.3"``,
        ``"week 3"``, ``"2024-02-05"``).
    size : how large it is, in ``unit``.
    unit : ``"pct"`` (a share ×100), ``"learners"``, ``"minutes"``, ``"rows"``…
    learners : the number of learners behind it (never under :data:`MIN_LEARNERS`,
        except for ``data`` findings, which count rows and say so).
    text : the finding in one plain sentence, with its numbers.
    low, high : the :data:`CONFIDENCE` interval of ``size`` when it is a share.
    detail : a short form (``"question 2.7.3 (21% of 430)"``) used when several findings
        of the same kind are listed in one sentence.
    """

    family: str
    kind: str
    where: str
    size: float
    unit: str
    learners: int
    text: str
    low: float | None = None
    high: float | None = None
    detail: str = ""


def wilson_interval(k: int, n: int, *, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """The Wilson score interval of the share ``k / n``, as percentages.

    Parameters
    ----------
    k : successes (learners with the trait).
    n : trials (learners asked); must be positive.
    confidence : the confidence level (default 95%).

    Returns
    -------
    tuple of float
        (low, high), each between 0 and 100.

    Examples
    --------
    >>> [round(x, 1) for x in wilson_interval(5, 10)]
    [23.7, 76.3]
    """
    if n <= 0:
        raise ValueError(f"wilson_interval: n must be positive, got {n}")
    if not 0 <= k <= n:
        raise ValueError(f"wilson_interval: k={k} must lie between 0 and n={n}")
    # the closed form (scipy's binomtest(...).proportion_ci(method="wilson") gives the
    # same, but importing scipy.stats costs a chapter 1-3 s)
    z = NormalDist().inv_cdf(0.5 + confidence / 2)
    p, z2 = k / n, z * z / n
    centre = (p + z2 / 2) / (1 + z2)
    half = z / (1 + z2) * math.sqrt(p * (1 - p) / n + z2 / (4 * n))
    return 100.0 * max(0.0, centre - half), 100.0 * min(1.0, centre + half)


def pct(x: float) -> str:
    """A share for prose, in whole percent ("42%"; "<1%" and ">99%" near the ends)."""
    if 0 < x < 1:
        return "<1%"
    if 99 < x < 100:
        return ">99%"
    return f"{x:.0f}%"


def interval_text(low: float | None, high: float | None) -> str:
    """ " (95% interval 37–48%)" or "" when there is no interval."""
    if low is None or high is None:
        return ""
    return f" (95% interval {low:.0f}–{high:.0f}%)"
