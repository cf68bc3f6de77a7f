"""Item analysis of quiz questions on first answers: difficulty, discrimination, distractors, Rasch.

Every function here works on each learner's **first** answer to each question
(:func:`~flbook.analysis.first_answers`): later tries are learners using the feedback,
not what they knew. A *quiz* is the step a question belongs to (``"2.8"`` holds
``"2.8.1"``, ``"2.8.2"``, ...).

- :func:`item_analysis`: per question, the share right (difficulty) and two measures of
  discrimination: the point-biserial correlation between being right on the question
  and the learner's score on the *rest* of the quiz, and the upper–lower difference
  (share right among the top 27 % of the question's learners by rest-of-quiz score minus
  the share among the bottom 27 %). Using the rest of the quiz, not the whole quiz,
  keeps the question from correlating with itself, which on a quiz of four or five
  questions would make every question look discriminating.
- :func:`distractor_analysis`: per wrong answer, the share who chose it, in the upper and
  the lower group; a wrong answer chosen more by the upper group is flagged.
- :func:`rasch_fit`: a Rasch (one-parameter logistic) model over learners × questions,
  fitted by joint maximum likelihood, with infit and outfit mean squares per question.

All counts are computed for every learner at once (``np.bincount`` over integer codes);
there is no Python loop over learners.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..store import per_course  # noqa: I001
from ._groups import Group
from ._quiz import first_answers
from .arrays import empty_frame, sorted_distinct

__all__ = [
    "UPPER_LOWER_SHARE",
    "LOW_DISCRIMINATION",
    "MNSQ_RANGE",
    "item_analysis",
    "distractor_analysis",
    "RaschFit",
    "rasch_fit",
]

UPPER_LOWER_SHARE = 0.27
"""Share of a quiz's learners in each of the upper and lower groups (Kelley's 27 %)."""

LOW_DISCRIMINATION = 0.2
"""A point-biserial correlation below this is low (Ebel's rule of thumb: below 0.2 is poor)."""

MNSQ_RANGE = (0.5, 1.5)
"""Infit/outfit mean squares inside this range are "productive for measurement" (Linacre)."""

_ITEM_COLUMNS = {
    "quiz": "object",
    "quiz_question": "object",
    "learners": "int64",
    "pct_correct": "float64",
    "point_biserial": "float64",
    "pct_correct_upper": "float64",
    "pct_correct_lower": "float64",
    "upper_lower": "float64",
    "low_discrimination": "bool",
}
_DISTRACTOR_COLUMNS = {
    "quiz_question": "object",
    "response": "object",
    "learners": "int64",
    "pct": "float64",
    "pct_upper": "float64",
    "pct_lower": "float64",
    "stronger_choose_more": "bool",
}


# --------------------------------------------------------------------------- helpers


def _first(data, group: Group) -> pd.DataFrame:
    """First answers: ``data`` itself if it already is a :func:`first_answers` table."""
    if isinstance(data, pd.DataFrame):
        return data
    return first_answers(data, group=group)


def _div(num, den) -> np.ndarray:
    num = np.asarray(num, dtype=float)
    den = np.asarray(den, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1), np.nan)


@dataclass
class _Scored:
    """First answers with each learner's quiz score and upper/lower group."""

    fa: pd.DataFrame
    item: np.ndarray  # question code per answer
    x: np.ndarray  # 1.0 right, 0.0 wrong
    rest: np.ndarray  # the learner's right answers on the quiz's other questions
    upper: np.ndarray  # bool: the answer's learner is in the question's upper group
    lower: np.ndarray  # bool: ... lower group
    n_items: int


def _scored(fa: pd.DataFrame, share: float) -> _Scored:
    q = fa["quiz_question"]
    if not isinstance(q.dtype, pd.CategoricalDtype):
        q = q.astype("category")
    item = q.cat.codes.to_numpy().astype(np.int64)
    n_items = len(q.cat.categories)
    quiz = pd.factorize(fa["quiz"].astype("object"))[0].astype(np.int64)
    n_quiz = int(quiz.max()) + 1 if len(quiz) else 0
    learner = fa["learner"].to_numpy().astype(np.int64)
    x = fa["correct"].to_numpy(dtype=bool).astype(np.float64)
    # one group per (learner, quiz)
    keys, gid = np.unique(learner * max(n_quiz, 1) + quiz, return_inverse=True)
    total = np.bincount(gid, weights=x, minlength=len(keys))
    rest = total[gid] - x
    # rank each question's answers by the rest score (ties: learner order)
    order = np.lexsort((learner, rest, item))
    per_item = np.bincount(item, minlength=n_items)
    starts = np.r_[0, np.cumsum(per_item)[:-1]]
    rank = np.empty(len(item), dtype=np.int64)
    rank[order] = np.arange(len(item)) - starts[item[order]]
    n_in = per_item[item]
    k = np.floor(share * n_in).astype(np.int64)
    ok = k >= 1
    lower = ok & (rank < k)
    upper = ok & (rank >= n_in - k)
    return _Scored(fa, item, x, rest, upper, lower, n_items)


# --------------------------------------------------------------------------- item analysis


@per_course
def item_analysis(data, *, group: Group = None, share: float = UPPER_LOWER_SHARE) -> pd.DataFrame:
    """How hard is each question, and does it separate learners who know from those who don't?

    Parameters
    ----------
    data : Course or DataFrame
        A course, or its :func:`first_answers` table.
    group : with a course, count only these learners (e.g. ``"enrolled"``).
    share : share of each question's learners in the upper and in the lower group
        (the groups are the top and bottom ``floor(share × learners)`` by their score
        on the rest of the quiz; ties are broken by learner order).

    Returns
    -------
    DataFrame, one row per question in course order:

    - ``quiz`` (step), ``quiz_question``;
    - ``learners``: learners who answered it;
    - ``pct_correct``: % right at the first try (the question's *difficulty*: a high
      value is an easy question);
    - ``point_biserial``: correlation between being right on this question (1/0) and
      the number of the quiz's *other* questions the learner got right (NaN when either
      does not vary);
    - ``pct_correct_upper``, ``pct_correct_lower``: % right in the upper and lower group;
    - ``upper_lower``: their difference as a proportion (−1 to 1; the *D index*);
    - ``low_discrimination``: ``point_biserial`` below :data:`LOW_DISCRIMINATION`.

    Examples
    --------
    >>> import pandas as pd
    >>> fa = pd.DataFrame({"learner": [0, 0, 1, 1, 2, 2], "quiz": ["1.2"] * 6,
    ...     "quiz_question": ["1.2.1", "1.2.2"] * 3,
    ...     "correct": [True, True, True, False, False, False]})
    >>> item_analysis(fa)[["quiz_question", "pct_correct", "point_biserial"]].round(1)
      quiz_question  pct_correct  point_biserial
    0         1.2.1         66.7             0.5
    1         1.2.2         33.3             0.5
    """
    fa = _first(data, group)
    if len(fa) == 0:
        return empty_frame(_ITEM_COLUMNS)
    s = _scored(fa, share)
    m = s.n_items

    def total(w=None, mask=None):
        idx = s.item if mask is None else s.item[mask]
        if w is not None and mask is not None:
            w = w[mask]
        return np.bincount(idx, weights=w, minlength=m)

    n = total()
    sx, sr = total(s.x), total(s.rest)
    sxr, srr = total(s.x * s.rest), total(s.rest * s.rest)
    cov = n * sxr - sx * sr
    var = (n * sx - sx * sx) * (n * srr - sr * sr)
    with np.errstate(invalid="ignore", divide="ignore"):
        r_pb = np.where(var > 0, cov / np.sqrt(np.where(var > 0, var, 1)), np.nan)
    up = _div(total(s.x, s.upper), total(mask=s.upper))
    lo = _div(total(s.x, s.lower), total(mask=s.lower))
    cats = fa["quiz_question"]
    cats = cats.cat.categories if isinstance(cats.dtype, pd.CategoricalDtype) else None
    if cats is None:
        cats = fa["quiz_question"].astype("category").cat.categories
    quiz_of = fa.groupby(s.item, sort=True)["quiz"].first()
    out = pd.DataFrame(
        {
            "quiz": quiz_of.reindex(range(m)).to_numpy(dtype=object),
            "quiz_question": pd.Categorical.from_codes(np.arange(m), categories=cats, ordered=True),
            "learners": n.astype(np.int64),
            "pct_correct": 100 * _div(sx, n),
            "point_biserial": r_pb,
            "pct_correct_upper": 100 * up,
            "pct_correct_lower": 100 * lo,
            "upper_lower": up - lo,
            "low_discrimination": r_pb < LOW_DISCRIMINATION,
        }
    )
    return out[out["learners"] > 0].reset_index(drop=True)


@per_course
def distractor_analysis(
    data, *, group: Group = None, share: float = UPPER_LOWER_SHARE
) -> pd.DataFrame:
    """Which wrong answers attract learners, and do they attract the stronger ones?

    A wrong answer that the upper group (learners with the best scores on the rest of
    the quiz) chooses
    more often than the lower group is a warning sign: the key may be wrong, or the
    question ambiguous, so that knowing more leads to the "wrong" answer.

    Parameters
    ----------
    data : Course or DataFrame
        A course, or its :func:`first_answers` table.
    group : with a course, count only these learners.
    share : size of the upper and lower groups, as in :func:`item_analysis`.

    Returns
    -------
    DataFrame, one row per question and wrong first answer, in course order then answer
    order: ``quiz_question``, ``response``, ``learners`` (who chose it first),
    ``pct`` (% of the question's first answers), ``pct_upper``, ``pct_lower`` (% of the
    upper / lower group's first answers to the question), ``stronger_choose_more``
    (``pct_upper > pct_lower``).

    Examples
    --------
    >>> import pandas as pd
    >>> fa = pd.DataFrame({"learner": [0, 0, 1, 1], "quiz": ["1.2"] * 4,
    ...     "quiz_question": ["1.2.1", "1.2.2"] * 2, "response": ["1", "2", "3", "2"],
    ...     "correct": [True, True, False, True]})
    >>> distractor_analysis(fa)[["quiz_question", "response", "learners", "pct"]]
      quiz_question response  learners   pct
    0         1.2.1        3         1  50.0
    """
    fa = _first(data, group)
    if len(fa) == 0:
        return empty_frame(_DISTRACTOR_COLUMNS)
    s = _scored(fa, share)
    resp = fa["response"]
    if not isinstance(resp.dtype, pd.CategoricalDtype):
        resp = resp.astype("object").astype("category")
    r = resp.cat.codes.to_numpy().astype(np.int64)
    nr = max(len(resp.cat.categories), 1)
    wrong = s.x == 0
    cell = s.item * nr + r
    size = s.n_items * nr

    def counts(mask):
        return np.bincount(cell[mask], minlength=size)

    chose = counts(wrong)
    chose_up, chose_lo = counts(wrong & s.upper), counts(wrong & s.lower)
    n_item = np.bincount(s.item, minlength=s.n_items)
    n_up = np.bincount(s.item[s.upper], minlength=s.n_items)
    n_lo = np.bincount(s.item[s.lower], minlength=s.n_items)
    nz = np.flatnonzero(chose)
    qc, rc = np.divmod(nz, nr)
    p_up, p_lo = 100 * _div(chose_up[nz], n_up[qc]), 100 * _div(chose_lo[nz], n_lo[qc])
    qcats = fa["quiz_question"]
    qcats = (
        qcats.cat.categories
        if isinstance(qcats.dtype, pd.CategoricalDtype)
        else qcats.astype("category").cat.categories
    )
    return pd.DataFrame(
        {
            "quiz_question": pd.Categorical.from_codes(qc, categories=qcats, ordered=True),
            "response": pd.Categorical.from_codes(rc, dtype=resp.dtype),
            "learners": chose[nz].astype(np.int64),
            "pct": 100 * _div(chose[nz], n_item[qc]),
            "pct_upper": p_up,
            "pct_lower": p_lo,
            "stronger_choose_more": np.nan_to_num(p_up, nan=-1) > np.nan_to_num(p_lo, nan=101),
        }
    )


# --------------------------------------------------------------------------- Rasch


@dataclass(frozen=True)
class RaschFit:
    """A fitted Rasch model: its questions, its learners' abilities, and who was left out.

    Attributes
    ----------
    items : DataFrame
        One row per question fitted, in course order: ``quiz_question``, ``learners``,
        ``pct_correct``, ``difficulty_logits`` (mean 0 over the questions),
        ``se_logits`` (standard error), ``infit_mnsq``, ``outfit_mnsq`` (mean squares;
        1 is a perfect fit), ``fit`` (``"fits"``, ``"noisy"``: a mean square above
        :data:`MNSQ_RANGE`; ``"too predictable"``: below it).
    abilities : DataFrame
        The learners' abilities on the same scale, counted, never per learner:
        ``ability_logits`` (rounded to 0.01), ``learners``.
    excluded : DataFrame
        ``what`` (``"learners"`` or ``"questions"``), ``reason``, ``count``: left out
        because a perfect or zero score has no finite estimate.
    iterations : int
        Newton iterations until the largest change was below the tolerance.
    """

    items: pd.DataFrame
    abilities: pd.DataFrame
    excluded: pd.DataFrame
    iterations: int


def _drop_extremes(person, item, x):
    """Repeatedly drop people and items with all answers right or all wrong."""
    keep = np.ones(len(x), dtype=bool)
    n_p = int(person.max()) + 1 if len(person) else 0
    n_i = int(item.max()) + 1 if len(item) else 0
    gone_p = np.zeros(n_p, dtype=np.int8)  # 1 all right, 2 all wrong
    gone_i = np.zeros(n_i, dtype=np.int8)
    while True:
        p, i, xx = person[keep], item[keep], x[keep]
        np_, rp = np.bincount(p, minlength=n_p), np.bincount(p, weights=xx, minlength=n_p)
        ni, ri = np.bincount(i, minlength=n_i), np.bincount(i, weights=xx, minlength=n_i)
        bad_p = (np_ > 0) & ((rp == 0) | (rp == np_))
        bad_i = (ni > 0) & ((ri == 0) | (ri == ni))
        if not bad_p.any() and not bad_i.any():
            return keep, gone_p, gone_i
        gone_p[bad_p & (rp == np_)] = 1
        gone_p[bad_p & (rp == 0)] = 2
        gone_i[bad_i & (ri == ni)] = 1
        gone_i[bad_i & (ri == 0)] = 2
        keep &= ~bad_p[person] & ~bad_i[item]


def _expit(z):
    return 0.5 * (1.0 + np.tanh(0.5 * z))


@per_course
def rasch_fit(
    data,
    *,
    group: Group = None,
    tol: float = 1e-6,
    max_iter: int = 500,
) -> RaschFit:
    """Fit a Rasch (one-parameter logistic) model to learners' first answers.

    The model: learner *n* answers question *i* right with probability
    ``1 / (1 + exp(-(ability_n - difficulty_i)))``. Abilities and difficulties are on
    one scale (logits), so an item–person map can show both. They are fitted by joint
    maximum likelihood (alternating Newton steps, difficulties centred on 0) — the same
    estimates as a logistic regression with a dummy per learner and per question.
    Learners (and questions) with every answer right or every answer wrong have no
    finite estimate and are left out (counted in ``excluded``), repeatedly until none
    remain. Joint maximum likelihood spreads difficulties a little too wide on short
    quizzes (by about L/(L−1) for L questions); the order and the fit statistics are
    unaffected in practice.

    Learners with the same questions answered and the same score have the same ability,
    so the fit runs on those answer patterns (a few thousand even for 200,000 learners),
    weighted by their counts; the result is exactly that of the per-learner fit.

    Infit and outfit mean squares compare each question's answers with the model:
    outfit is the mean squared standardised residual (sensitive to surprising answers
    from learners far from the question's difficulty), infit the information-weighted
    one. Above :data:`MNSQ_RANGE` the answers are noisier than the model expects;
    below it, more predictable (often a question that depends on another).

    Parameters
    ----------
    data : Course or DataFrame
        A course, or its :func:`first_answers` table.
    group : with a course, count only these learners.
    tol : stop when no estimate changes by more than this (logits).
    max_iter : at most this many Newton iterations.

    Returns
    -------
    RaschFit

    Examples
    --------
    Two questions, four learners with one right answer each: three got only the first
    right, one only the second. Then difficulties are ∓ln 3 (joint ML doubles the
    conditional estimate ln 3 / 2 on a two-question test):

    >>> import pandas as pd
    >>> fa = pd.DataFrame({"learner": [0, 0, 1, 1, 2, 2, 3, 3], "quiz": ["1.2"] * 8,
    ...     "quiz_question": ["1.2.1", "1.2.2"] * 4,
    ...     "correct": [True, False] * 3 + [False, True]})
    >>> rasch_fit(fa).items["difficulty_logits"].round(4).tolist()
    [-1.0986, 1.0986]
    """
    fa = _first(data, group)
    q = fa["quiz_question"]
    if not isinstance(q.dtype, pd.CategoricalDtype):
        q = q.astype("category")
    cats = q.cat.categories
    item = q.cat.codes.to_numpy().astype(np.int64)
    person = pd.factorize(fa["learner"])[0].astype(np.int64)
    x = fa["correct"].to_numpy(dtype=bool).astype(np.float64)
    keep, gone_p, gone_i = _drop_extremes(person, item, x)
    excluded = pd.DataFrame(
        {
            "what": ["learners", "learners", "questions", "questions"],
            "reason": ["every first answer right", "every first answer wrong"] * 2,
            "count": [
                int((gone_p == 1).sum()),
                int((gone_p == 2).sum()),
                int((gone_i == 1).sum()),
                int((gone_i == 2).sum()),
            ],
        }
    )
    p, i, xx = person[keep], item[keep], x[keep]
    items_used = sorted_distinct(i)
    if len(items_used) < 2 or len(p) == 0:
        return _empty_fit(cats, excluded)
    i = np.searchsorted(items_used, i)
    pat = _answer_patterns(p, i, xx, len(items_used))
    theta, b, iterations = _joint_ml(pat, tol, max_iter)
    items = _item_fit(pat, theta, b, items_used, cats)
    ab = pd.DataFrame(
        {"ability_logits": np.round(theta, 2), "learners": pat.count.astype(np.int64)}
    )
    ab = ab[ab["learners"] > 0].groupby("ability_logits", as_index=False)["learners"].sum()
    return RaschFit(items, ab, excluded, iterations)


def _empty_fit(cats: pd.Index, excluded: pd.DataFrame) -> RaschFit:
    """The fit of fewer than two questions or no learner: empty tables, no iteration."""
    empty_items = pd.DataFrame(
        {
            "quiz_question": pd.Categorical([], categories=cats, ordered=True),
            **{
                c: pd.Series([], dtype="float64")
                for c in (
                    "learners",
                    "pct_correct",
                    "difficulty_logits",
                    "se_logits",
                    "infit_mnsq",
                    "outfit_mnsq",
                )
            },
            "fit": pd.Series([], dtype="object"),
        }
    )
    empty_abilities = pd.DataFrame(
        {"ability_logits": pd.Series([], dtype="float64"), "learners": pd.Series([], dtype="int64")}
    )
    return RaschFit(empty_items, empty_abilities, excluded, 0)


@dataclass
class _Patterns:
    """First answers grouped by answer pattern (questions answered and score).

    One cell per pattern and question: ``g`` (pattern), ``it`` (question), ``s_cell``
    (right answers), ``n_cell`` (answers). Per pattern: ``count`` (learners), ``score``
    (their right answers), ``answered`` (questions each answered).
    """

    g: np.ndarray
    it: np.ndarray
    s_cell: np.ndarray
    n_cell: np.ndarray
    count: np.ndarray
    score: np.ndarray
    answered: np.ndarray
    m: int


def _answer_patterns(p: np.ndarray, i: np.ndarray, xx: np.ndarray, m: int) -> _Patterns:
    """Learners with the same questions answered and the same score share one ability:
    the fit runs on those patterns, weighted by their counts (exactly the per-learner fit)."""
    rng = np.random.default_rng(20240205)
    weights = rng.integers(1, np.iinfo(np.int64).max, size=m, dtype=np.int64).view(np.uint64)
    n_p = int(p.max()) + 1
    h = np.zeros(n_p, dtype=np.uint64)
    order = np.argsort(p, kind="stable")
    ps = p[order]
    starts = np.flatnonzero(np.r_[True, ps[1:] != ps[:-1]])
    with np.errstate(over="ignore"):
        h[ps[starts]] = np.add.reduceat(weights[i[order]], starts)  # wraps around: a hash
    score = np.bincount(p, weights=xx, minlength=n_p).astype(np.int64)
    present = np.bincount(p, minlength=n_p) > 0
    pat = np.full(n_p, -1, dtype=np.int64)
    pat[present] = pd.factorize(pd.MultiIndex.from_arrays([h[present], score[present]]))[0]
    n_pat = int(pat.max()) + 1
    c_pat = np.bincount(pat[present], minlength=n_pat).astype(np.float64)
    r_pat = np.bincount(pat[present], weights=score[present], minlength=n_pat)
    cell = pat[p] * m + i
    cells, inv = np.unique(cell, return_inverse=True)
    g, it = np.divmod(cells, m)
    return _Patterns(
        g=g,
        it=it,
        s_cell=np.bincount(inv, weights=xx, minlength=len(cells)),
        n_cell=np.bincount(inv, minlength=len(cells)).astype(np.float64),
        count=c_pat,
        score=r_pat,
        # pattern's answered-question count (the same for every member)
        answered=np.bincount(g, minlength=n_pat).astype(np.float64),
        m=m,
    )


def _joint_ml(pat: _Patterns, tol: float, max_iter: int) -> tuple[np.ndarray, np.ndarray, int]:
    """Abilities (per pattern) and difficulties by alternating Newton steps; iterations."""
    g, it, s_cell, n_cell, m = pat.g, pat.it, pat.s_cell, pat.n_cell, pat.m
    n_pat = len(pat.count)
    # start values
    pi = np.bincount(it, weights=s_cell, minlength=m) / np.bincount(it, weights=n_cell, minlength=m)
    b = np.log((1 - pi) / pi)
    b -= b.mean()
    prop = pat.score / pat.count / pat.answered
    theta = np.log(prop / (1 - prop))
    iterations = 0
    for iterations in range(1, max_iter + 1):  # noqa: B007 (iterations over the model, not learners)
        pr = _expit(theta[g] - b[it])
        grad = np.bincount(g, weights=s_cell - n_cell * pr, minlength=n_pat)
        hess = np.bincount(g, weights=n_cell * pr * (1 - pr), minlength=n_pat)
        d_theta = np.clip(grad / hess, -1, 1)
        theta += d_theta
        pr = _expit(theta[g] - b[it])
        grad = np.bincount(it, weights=s_cell - n_cell * pr, minlength=m)
        hess = np.bincount(it, weights=n_cell * pr * (1 - pr), minlength=m)
        d_b = np.clip(grad / hess, -1, 1)
        b -= d_b
        shift = b.mean()
        b -= shift
        theta -= shift
        if max(np.abs(d_theta).max(), np.abs(d_b).max()) < tol:
            break
    return theta, b, iterations


def _item_fit(
    pat: _Patterns, theta: np.ndarray, b: np.ndarray, items_used: np.ndarray, cats: pd.Index
) -> pd.DataFrame:
    """Per question: learners, % right, difficulty and its standard error, infit, outfit."""
    g, it, s_cell, n_cell, m = pat.g, pat.it, pat.s_cell, pat.n_cell, pat.m
    pr = _expit(theta[g] - b[it])
    w = pr * (1 - pr)
    info = np.bincount(it, weights=n_cell * w, minlength=m)
    sq = s_cell * (1 - pr) ** 2 + (n_cell - s_cell) * pr**2  # sum of (x - p)^2
    n_i = np.bincount(it, weights=n_cell, minlength=m)
    infit = np.bincount(it, weights=sq, minlength=m) / info
    outfit = np.bincount(it, weights=sq / w, minlength=m) / n_i
    lo, hi = MNSQ_RANGE
    fit = np.where(
        (infit > hi) | (outfit > hi),
        "noisy",
        np.where((infit < lo) | (outfit < lo), "too predictable", "fits"),
    )
    return pd.DataFrame(
        {
            "quiz_question": pd.Categorical.from_codes(items_used, categories=cats, ordered=True),
            "learners": n_i.astype(np.int64),
            "pct_correct": 100 * np.bincount(it, weights=s_cell, minlength=m) / n_i,
            "difficulty_logits": b,
            "se_logits": 1 / np.sqrt(info),
            "infit_mnsq": infit,
            "outfit_mnsq": outfit,
            "fit": fit.astype(object),
        }
    )
