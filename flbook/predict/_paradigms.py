"""Three ways to train a disengagement model, behind one interface.

========= ================================================ =================================
paradigm  trained on                                       usable during a run?
========= ================================================ =================================
post-hoc  the current run itself, all weeks, 5-fold cross- no: needs next weeks' labels;
          validation grouped by learner                    the optimistic baseline
transfer  one or more earlier runs of the course (every    yes, from week 1, if an earlier
          week, labels complete)                           run exists
in-situ   the current run's earlier weeks, with the proxy  yes, from the second week: the
          label "no step activity in the following week"   first week's label must be over
========= ================================================ =================================

A *learning table* (:func:`learning_table`) stacks the feature rows of the current
run (``run`` 0) and of earlier runs (``run`` 1, 2, …) with their labels;
:func:`paradigm_splits` says which rows each paradigm trains on and which it predicts;
:func:`make_model` builds the scikit-learn pipelines (fixed seeds).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..analysis.arrays import ns, sorted_distinct
from ..errors import FlbookError
from ._features import FEATURES, WEEK_NS, build_features, utc_stamp

if TYPE_CHECKING:
    from flbook.store import Course

__all__ = [
    "PARADIGMS",
    "MODELS",
    "PredictionError",
    "Split",
    "load_previous_runs",
    "learning_table",
    "paradigm_splits",
    "make_model",
    "MAX_TRAIN_ROWS",
]

PARADIGMS: dict[str, str] = {
    "post-hoc": "cross-validation inside the finished current run (needs labels a running "
    "course does not have yet: the optimistic baseline)",
    "transfer": "trained on earlier runs of the course, applied to the current run",
    "in-situ": "trained on the current run's earlier weeks (proxy label: no step activity "
    "in the following week), applied to this week",
}
"""The training paradigms, with what each means."""

MODELS: dict[str, str] = {
    "logistic": "logistic regression (on log-scaled, standardised features)",
    "boosting": "gradient-boosted decision trees (scikit-learn's HistGradientBoosting)",
}
"""The models, with what each is."""


MAX_TRAIN_ROWS = 250_000
"""The most learner-weeks one model is trained on. A larger training set is replaced by
a seeded random sample of this size: the models learn from a couple of dozen features,
and more rows than this no longer change them, while fitting time keeps growing with
the course. Every learner is still scored."""


class PredictionError(FlbookError):
    """A prediction cannot be made on this course (and the message says why)."""


@dataclass(frozen=True)
class Split:
    """One training/prediction split: row positions into a learning table.

    ``week`` is the study week predicted (``None``: every week in ``test``); ``fold``
    numbers post-hoc folds (0 for the other paradigms).
    """

    paradigm: str
    week: int | None
    train: np.ndarray
    test: np.ndarray
    fold: int = 0


def load_previous_runs(course: Course) -> list:
    """Load the earlier runs named in the course's ``previous_runs`` setting.

    Returns
    -------
    list of Course
        In the order of the setting; empty when there are none (or no settings).

    Raises
    ------
    FlbookError
        when a listed run cannot be found or read, or is the current run itself or a
        copy of it (the message names the ``previous_runs`` setting and the file; see
        :func:`~flbook.predict._inputs.check_previous_runs`).
    """
    from ..store import load_course
    from ._inputs import check_previous_runs

    cfg = getattr(course, "config", None)
    if cfg is None:
        return []
    out = []
    for prev in check_previous_runs(cfg):
        try:
            out.append(load_course(prev))
        except FlbookError as e:
            raise FlbookError(f"the previous_runs setting in {cfg.source}: {e}") from None
    return out


def learning_table(
    course: Course,
    previous: Sequence = (),
    *,
    as_of: Any = None,
    offset_days: float = 0.0,
    session_gap_minutes: float = 65,
) -> pd.DataFrame:
    """Feature rows and labels of the current run and of earlier runs, stacked.

    Answers: *what can each paradigm learn from, as of the prediction moment?* The
    current run is cut at ``as_of`` (nothing at or after it is used, and a label exists
    only once its week is over); earlier runs are used whole (up to their own
    ``as_of`` setting or the end of their data), with moments at the same offset from
    their start.

    Parameters
    ----------
    course : the current run (a Course).
    previous : earlier runs of the same course (Courses), e.g. from
        :func:`load_previous_runs`.
    as_of, offset_days, session_gap_minutes : as in :func:`weekly_features`.

    Returns
    -------
    DataFrame, one row per learner and moment in each run: ``run`` (0 the current run,
    1, 2, … the earlier runs in the order given), ``person`` (the learner's person
    code in that run's ``people``), ``week``, ``moment``, the :data:`FEATURES`, and
    ``disengaged`` (1.0, 0.0, or NaN where the following week is not over). Person
    codes are not learner ids: the table holds no id.
    """
    parts = []
    for run, c in enumerate([course, *previous]):
        t = build_features(
            c,
            as_of=as_of if run == 0 else None,
            offset_days=offset_days,
            session_gap_minutes=session_gap_minutes,
            labels=True,
        )
        t.insert(0, "person", t.pop("learner_id").cat.codes.astype(np.int64))
        t.insert(0, "run", np.int32(run))
        parts.append(t)
    return pd.concat(parts, ignore_index=True)


def _known(table: pd.DataFrame) -> np.ndarray:
    return table["disengaged"].notna().to_numpy()


def paradigm_splits(
    table: pd.DataFrame,
    paradigm: str,
    *,
    at: Any = None,
    folds: int = 5,
) -> list[Split]:
    """Which rows a paradigm trains on, and which it predicts.

    Parameters
    ----------
    table : a :func:`learning_table`.
    paradigm : ``"post-hoc"``, ``"transfer"`` or ``"in-situ"``.
    at : a prediction moment of the current run: predict its rows (labels not needed).
        ``None`` (a replay): predict every current-run row whose label is known, so
        the predictions can be scored.
    folds : post-hoc folds (grouped by learner: a learner's rows are never split
        between training and test).

    Returns
    -------
    list of Split
        post-hoc: ``folds`` splits of the current run's labelled rows, by learner (all
        weeks together: later weeks train the model that predicts earlier ones, which
        is why it is optimistic). transfer: one split, trained on every labelled row
        of the earlier runs. in-situ: one split per predicted week, trained on the
        current run's rows whose following week ended by that week's moment. A
        paradigm with nothing to train on gives no split.
    """
    if paradigm not in PARADIGMS:
        raise ValueError(f"unknown paradigm {paradigm!r}; expected one of {list(PARADIGMS)}")
    run = table["run"].to_numpy()
    known = _known(table)
    moment = ns(table["moment"]) if len(table) else np.zeros(0, dtype=np.int64)
    current = run == 0
    if at is not None:
        at_ns = utc_stamp(at).value
        test_mask = current & (moment == at_ns)
    else:
        test_mask = current & known
    test = np.flatnonzero(test_mask)
    if len(test) == 0:
        return []
    week = table["week"].to_numpy()
    if paradigm == "post-hoc":
        if at is not None:
            raise PredictionError(
                "post-hoc cross-validation needs the finished run's labels: it cannot "
                "predict during a run (use transfer or in-situ)"
            )
        from sklearn.model_selection import GroupKFold

        groups = table["person"].to_numpy()[test]
        k = min(int(folds), len(sorted_distinct(groups)))
        if k < 2:
            return []
        return [
            Split("post-hoc", None, test[tr], test[te], fold=i)
            for i, (tr, te) in enumerate(GroupKFold(n_splits=k).split(test, groups=groups))
        ]
    if paradigm == "transfer":
        train = np.flatnonzero((run > 0) & known)
        if len(train) == 0:
            return []
        return [Split("transfer", None, train, test)]
    # in-situ: per predicted moment, the current run's rows whose next week is over by it
    out = []
    test_moments = sorted_distinct(moment[test])
    for m in test_moments:  # a handful of weeks
        rows = test[moment[test] == m]
        train = np.flatnonzero(current & known & (moment + WEEK_NS <= m))
        if len(train):
            out.append(Split("in-situ", int(week[rows[0]]), train, rows))
    return out


def _signed_log1p(x):
    out = np.log1p(np.abs(x))
    np.copysign(out, x, out=out)  # sign(x) * log1p(|x|) in one pass, without a third array
    return out


def make_model(name: str = "logistic", *, seed: int = 0):
    """A scikit-learn pipeline predicting disengagement from :data:`FEATURES`.

    Parameters
    ----------
    name : ``"logistic"`` (logistic regression on signed-log, median-imputed,
        standardised features) or ``"boosting"`` (histogram gradient-boosted trees,
        which handle missing values themselves).
    seed : the random seed (``random_state``) of every random part.
    """
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import FunctionTransformer, StandardScaler

    from ._impute import MedianImputer

    if name == "logistic":
        return Pipeline(
            [
                ("log", FunctionTransformer(_signed_log1p)),
                ("impute", MedianImputer()),  # SimpleImputer's median, without its full sorts
                ("scale", StandardScaler()),
                # Newton-Cholesky: a couple of dozen features and many rows, the case it
                # is made for; it reaches the optimum in about 5 steps where lbfgs took
                # about 50 (200,000 rows: 0.8 s instead of 2.1 s, AUC equal to 1e-5)
                (
                    "model",
                    LogisticRegression(solver="newton-cholesky", max_iter=200, random_state=seed),
                ),
            ]
        )
    if name == "boosting":
        return Pipeline(
            [
                (
                    "model",
                    HistGradientBoostingClassifier(
                        # 100 trees at 0.12 took a third less time, but moved the
                        # in-situ top-10% precision by 0.8 points at 200,000 learners
                        # (benchmarks/predict.py --compare): kept at 150 at 0.08
                        max_iter=150,
                        learning_rate=0.08,
                        max_leaf_nodes=15,
                        min_samples_leaf=40,
                        l2_regularization=1.0,
                        early_stopping=False,
                        random_state=seed,
                    ),
                )
            ]
        )
    raise ValueError(f"unknown model {name!r}; expected one of {list(MODELS)}")


def feature_matrix(table: pd.DataFrame, rows: np.ndarray | None = None) -> np.ndarray:
    """The :data:`FEATURES` columns of ``table`` as a float64 matrix (only ``rows`` if given)."""
    x = table[list(FEATURES)].to_numpy(dtype=np.float64)
    return x if rows is None else x[rows]


def _threads(rows: int):
    """Native thread limit for fitting and predicting: one thread for small data.

    On a busy machine OpenMP threads of small fits spend their time waiting for each
    other (ten times slower here); large fits gain from every core.
    """
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1 if rows < 100_000 else None)


def fit_model(name: str, table: pd.DataFrame, train: np.ndarray, seed: int):
    """A fitted model, or None when the training rows hold only one class.

    At most :data:`MAX_TRAIN_ROWS` rows are used: a larger set is sampled (seeded).
    """
    if len(train) > MAX_TRAIN_ROWS:
        rng = np.random.default_rng(seed)
        train = np.sort(rng.choice(train, size=MAX_TRAIN_ROWS, replace=False))
    y = table["disengaged"].to_numpy()[train]
    if len(train) == 0 or len(sorted_distinct(y)) < 2:
        return None
    with _threads(len(train)):
        return make_model(name, seed=seed).fit(feature_matrix(table, train), y.astype(int))


def model_proba(fitted, x: np.ndarray) -> np.ndarray:
    """Predicted probability of disengaging for each row of ``x``."""
    with _threads(len(x)):
        return fitted.predict_proba(x)[:, 1]
