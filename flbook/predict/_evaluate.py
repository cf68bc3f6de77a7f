"""Honest evaluation, and the prediction a course team can act on.

:func:`replay` replays the current run week by week as each paradigm would have seen
it, and :func:`evaluate` scores the predictions against what learners then did, beside
the naive baseline *inactive this week → will disengage*. :func:`predict_risk` makes
the real thing: a risk score for every learner at one moment, with the features that
drove each score. Only :func:`predict_risk`'s table (and :func:`replay`'s) hold learner
ids; every other function returns counts and rates.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..analysis.arrays import ns
from ..config import study_period
from ._features import (
    DAY_NS,
    FEATURE_LABELS,
    FEATURES,
    WEEK_NS,
    build_features,
    data_end,
    feature_calendar,
    resolve_as_of,
)
from ._paradigms import (
    MODELS,
    PARADIGMS,
    PredictionError,
    feature_matrix,
    fit_model,
    learning_table,
    model_proba,
    paradigm_splits,
)

if TYPE_CHECKING:
    from flbook.store import Course

__all__ = [
    "BASELINE",
    "SIGNALS",
    "replay",
    "evaluate",
    "calibration",
    "prediction_plan",
    "runs_overview",
    "prediction_moment",
    "Prediction",
    "predict_risk",
    "flag_summary",
    "driver_summary",
    "risk_distribution",
    "feature_contrast",
    "paradigm_summary",
]

BASELINE = ("baseline", "rule")
"""The (paradigm, model) names of the naive baseline: a learner with no step activity
in the week before the moment is predicted to disengage (ranked by days since their
last activity)."""

SIGNALS: dict[str, tuple[str, str]] = {
    "days_since_last_activity": ("gone quiet", "a short, friendly reminder of what this week offers"),
    "steps_visited_week": ("gone quiet", "a short, friendly reminder of what this week offers"),
    "steps_completed_week": ("gone quiet", "a short, friendly reminder of what this week offers"),
    "sessions_week": ("gone quiet", "a short, friendly reminder of what this week offers"),
    "active_days_week": ("gone quiet", "a short, friendly reminder of what this week offers"),
    "pct_week_steps_done": ("falling behind", "a catch-up route: the week's key steps, what can wait"),
    "pct_course_steps_done": ("falling behind", "a catch-up route: the week's key steps, what can wait"),
    "steps_visited_total": ("falling behind", "a catch-up route: the week's key steps, what can wait"),
    "steps_completed_total": ("falling behind", "a catch-up route: the week's key steps, what can wait"),
    "pct_quiz_correct": ("struggling with quizzes", "worked examples, or the discussion where others asked"),
    "quiz_answers_week": ("not trying the quizzes", "a reminder that quizzes are practice, not exams"),
    "quiz_answers_total": ("not trying the quizzes", "a reminder that quizzes are practice, not exams"),
    "comments_week": ("not in the discussion", "an invitation to one discussion step"),
    "replies_week": ("not in the discussion", "an invitation to one discussion step"),
    "comments_total": ("not in the discussion", "an invitation to one discussion step"),
    "sessions_total": ("few study sessions", "tips for fitting short sessions into a week"),
    "active_days_total": ("few study sessions", "tips for fitting short sessions into a week"),
    "days_since_enrolment": ("joined late or long ago", "a welcome back with a suggested route"),
    "enrolled_days_before_start": ("joined late or long ago", "a welcome back with a suggested route"),
}  # fmt: skip
"""Feature → (the signal it carries, a response that suits that signal)."""

_EVAL_COLUMNS = [
    "week",
    "paradigm",
    "model",
    "learners",
    "pct_disengaged",
    "auc",
    "flagged",
    "pct_precision",
    "pct_recall",
    "pct_mean_risk",
    "brier",
    "pct_calibration_error",
]
_CAL_COLUMNS = [
    "paradigm",
    "model",
    "pct_bin_left",
    "pct_bin_right",
    "learners",
    "pct_mean_risk",
    "pct_disengaged",
]


def _paradigm_dtype() -> pd.CategoricalDtype:
    return pd.CategoricalDtype([*PARADIGMS, BASELINE[0]])


def _model_dtype() -> pd.CategoricalDtype:
    return pd.CategoricalDtype([*MODELS, BASELINE[1]])


def _inactive(table: pd.DataFrame) -> np.ndarray:
    return (table["steps_visited_week"].to_numpy() + table["steps_completed_week"].to_numpy()) == 0


def _baseline_score(table: pd.DataFrame) -> np.ndarray:
    days = np.nan_to_num(table["days_since_last_activity"].to_numpy(dtype=float), nan=1e6)
    return _inactive(table) * 1e7 + days


# --------------------------------------------------------------------------- replay


def replay(
    course: Course,
    previous: Sequence = (),
    *,
    paradigms: Sequence[str] = tuple(PARADIGMS),
    models: Sequence[str] = tuple(MODELS),
    as_of: Any = None,
    session_gap_minutes: float = 65,
    folds: int = 5,
    seed: int = 0,
) -> pd.DataFrame:
    """Replay the current run week by week: each paradigm's predictions, and what happened.

    Answers: *had we predicted at the end of each week, how would each way of training
    have scored the learners?* At the end of every study week whose following week is
    over (by ``as_of``), every learner still in the course gets a risk score from each
    paradigm and model (:data:`PARADIGMS`, :data:`MODELS`), and from the naive
    :data:`BASELINE`. A paradigm that has nothing to train on for a week (transfer
    without earlier runs; in-situ in the first week) gives no rows for it.

    Parameters
    ----------
    course : the current run.
    previous : earlier runs (for transfer), e.g. :func:`load_previous_runs`.
    paradigms, models : which to run.
    as_of : the moment of the replay (default: the course's setting or the end of the data).
    session_gap_minutes : the study-session gap.
    folds : post-hoc cross-validation folds (grouped by learner).
    seed : random seed of the models.

    Returns
    -------
    DataFrame, one row per learner, week, paradigm and model: ``learner_id``
    (Categorical over ``course.people``), ``week``, ``paradigm``, ``model``,
    ``risk`` (predicted probability of disengaging, 0-1; the baseline's is 0 or 1),
    ``score`` (what learners are ranked by: the risk, or for the baseline inactivity
    then days since the last activity), ``disengaged`` (bool: what happened). A
    learner-level table: feed :func:`evaluate` or :func:`calibration` to a chart.
    """
    table = learning_table(
        course,
        previous if "transfer" in paradigms else (),
        as_of=as_of,
        session_gap_minutes=session_gap_minutes,
    )
    people = course.people
    y = table["disengaged"].to_numpy()
    parts = []

    def add(rows: np.ndarray, paradigm: str, model: str, risk, score) -> None:
        parts.append(
            pd.DataFrame(
                {
                    "learner_id": pd.Categorical.from_codes(
                        table["person"].to_numpy()[rows].astype(np.int32), categories=people
                    ),
                    "week": table["week"].to_numpy()[rows],
                    "paradigm": pd.Categorical([paradigm] * len(rows), dtype=_paradigm_dtype()),
                    "model": pd.Categorical([model] * len(rows), dtype=_model_dtype()),
                    "risk": np.asarray(risk, dtype=float),
                    "score": np.asarray(score, dtype=float),
                    "disengaged": y[rows].astype(bool),
                }
            )
        )

    for paradigm in paradigms:  # three paradigms × two models × a few weeks
        splits = paradigm_splits(table, paradigm, folds=folds)
        for model in models:
            for split in splits:
                fitted = fit_model(model, table, split.train, seed)
                if fitted is None:
                    continue
                risk = model_proba(fitted, feature_matrix(table, split.test))
                add(split.test, paradigm, model, risk, risk)
    base = np.flatnonzero((table["run"].to_numpy() == 0) & ~np.isnan(y))
    if len(base):
        sub = table.iloc[base]
        add(base, *BASELINE, _inactive(sub).astype(float), _baseline_score(sub))
    if not parts:
        add(np.zeros(0, dtype=np.int64), *BASELINE, [], [])
    out = pd.concat(parts, ignore_index=True)
    out = out.sort_values(["week", "paradigm", "model"], kind="stable").reset_index(drop=True)
    return out


# --------------------------------------------------------------------------- scores


def evaluate(predictions: pd.DataFrame, *, top: float = 0.1) -> pd.DataFrame:
    """How good were the predictions, week by week? Scores beside the naive baseline.

    Answers: *if the team had contacted the top 10% of learners by risk each week, how
    many of them would have disengaged, and how many of those who disengaged would
    they have reached?*

    Parameters
    ----------
    predictions : a :func:`replay` table.
    top : the share of learners flagged each week (0.1: the top 10% by score).

    Returns
    -------
    DataFrame, one row per week, paradigm and model:

    - ``learners``: learners scored; ``pct_disengaged``: % who then disengaged;
    - ``auc``: ROC AUC (0.5 = chance, 1 = every disengaging learner ranked above every
      other); NaN if everyone (or no one) disengaged;
    - ``flagged``: learners in the top ``top`` share; ``pct_precision``: % of them who
      disengaged; ``pct_recall``: % of the disengaging learners who were flagged;
    - ``pct_mean_risk``: mean predicted risk (compare with ``pct_disengaged``);
      ``brier``: mean squared error of the risk (0 best); ``pct_calibration_error``:
      mean gap between predicted and observed rates over ten risk bands, weighted by
      learners (0 = well calibrated).
    """
    if not 0 < float(top) <= 1:
        raise ValueError(f"top must be a share between 0 and 1, not {top!r}")
    p = predictions
    if p.empty:
        out = pd.DataFrame({c: pd.Series(dtype="float64") for c in _EVAL_COLUMNS})
        out["week"] = out["week"].astype("int32")
        out["paradigm"] = pd.Categorical([], dtype=_paradigm_dtype())
        out["model"] = pd.Categorical([], dtype=_model_dtype())
        for c in ("learners", "flagged"):
            out[c] = out[c].astype("int64")
        return out
    keys = ["week", "paradigm", "model"]
    g = p.groupby(keys, observed=True, sort=True)
    y = p["disengaged"].to_numpy().astype(float)
    n = g["risk"].transform("size").to_numpy()
    # ROC AUC from ranks (Mann-Whitney), ties averaged
    rank = g["score"].rank(method="average").to_numpy()
    # top share: the highest scores, ties broken by row order
    order = g["score"].rank(method="first", ascending=False).to_numpy()
    k = np.ceil(n * float(top))
    flag = order <= k
    risk = p["risk"].to_numpy()
    bands = np.minimum((risk * 10).astype(int), 9)
    tmp = pd.DataFrame(
        {
            **{c: p[c] for c in keys},
            "y": y,
            "pos_rank": rank * y,
            "flag": flag.astype(float),
            "hit": (flag & (y == 1)).astype(float),
            "risk": risk,
            "sq": (risk - y) ** 2,
            "band": bands,
        }
    )
    agg = tmp.groupby(keys, observed=True, sort=True).agg(
        learners=("y", "size"),
        positives=("y", "sum"),
        pos_rank=("pos_rank", "sum"),
        flagged=("flag", "sum"),
        hits=("hit", "sum"),
        mean_risk=("risk", "mean"),
        brier=("sq", "mean"),
    )
    npos, nn = agg["positives"], agg["learners"]
    nneg = nn - npos
    with np.errstate(invalid="ignore", divide="ignore"):
        auc = (agg["pos_rank"] - npos * (npos + 1) / 2) / (npos * nneg)
    auc = auc.where((npos > 0) & (nneg > 0))
    band = tmp.groupby([*keys, "band"], observed=True).agg(
        m=("y", "size"), obs=("y", "mean"), pred=("risk", "mean")
    )
    band["gap"] = (band["obs"] - band["pred"]).abs() * band["m"]
    ece = band.groupby(level=keys, observed=True)["gap"].sum() / nn
    out = pd.DataFrame(
        {
            "learners": nn.astype("int64"),
            "pct_disengaged": 100.0 * npos / nn,
            "auc": auc,
            "flagged": agg["flagged"].astype("int64"),
            "pct_precision": 100.0 * agg["hits"] / agg["flagged"].where(agg["flagged"] > 0),
            "pct_recall": 100.0 * agg["hits"] / npos.where(npos > 0),
            "pct_mean_risk": 100.0 * agg["mean_risk"],
            "brier": agg["brier"],
            "pct_calibration_error": 100.0 * ece,
        }
    ).reset_index()
    out["week"] = out["week"].astype("int32")
    return out[_EVAL_COLUMNS]


def calibration(predictions: pd.DataFrame, *, bins: int = 10) -> pd.DataFrame:
    """Do the predicted risks mean what they say? Predicted against observed, by risk band.

    Answers: *of the learners given a risk of about 70%, did about 70% disengage?*
    All weeks together.

    Parameters
    ----------
    predictions : a :func:`replay` table.
    bins : number of equal risk bands (10: 0-10%, 10-20%, …).

    Returns
    -------
    DataFrame, one row per paradigm, model and band with learners: ``pct_bin_left``,
    ``pct_bin_right`` (the band), ``learners``, ``pct_mean_risk`` (mean predicted risk
    in the band) and ``pct_disengaged`` (% who disengaged). A well-calibrated model
    has the two close.
    """
    p = predictions
    bins = int(bins)
    if p.empty:
        out = pd.DataFrame({c: pd.Series(dtype="float64") for c in _CAL_COLUMNS})
        out["paradigm"] = pd.Categorical([], dtype=_paradigm_dtype())
        out["model"] = pd.Categorical([], dtype=_model_dtype())
        out["learners"] = out["learners"].astype("int64")
        return out
    risk = p["risk"].to_numpy()
    band = np.minimum((risk * bins).astype(int), bins - 1)
    tmp = pd.DataFrame(
        {
            "paradigm": p["paradigm"],
            "model": p["model"],
            "band": band,
            "risk": risk,
            "y": p["disengaged"].to_numpy().astype(float),
        }
    )
    agg = (
        tmp.groupby(["paradigm", "model", "band"], observed=True, sort=True)
        .agg(learners=("y", "size"), mean_risk=("risk", "mean"), rate=("y", "mean"))
        .reset_index()
    )
    return pd.DataFrame(
        {
            "paradigm": agg["paradigm"],
            "model": agg["model"],
            "pct_bin_left": 100.0 * agg["band"] / bins,
            "pct_bin_right": 100.0 * (agg["band"] + 1) / bins,
            "learners": agg["learners"].astype("int64"),
            "pct_mean_risk": 100.0 * agg["mean_risk"],
            "pct_disengaged": 100.0 * agg["rate"],
        }
    )


# --------------------------------------------------------------------------- planning


def prediction_plan(
    course: Course, previous: Sequence = (), *, as_of: Any = None, session_gap_minutes: float = 65
) -> pd.DataFrame:
    """What can be predicted on this course, week by week, and by which paradigm?

    Answers: *at the end of each study week, how many learners could the team still
    lose, do we already know who did, and which way of training was possible then?*

    Returns
    -------
    DataFrame, one row per study week that has a following study week and whose end
    is not after ``as_of``: ``week``, ``moment`` (the end of the week, UTC),
    ``learners`` (learners still in the course who had started it), ``next_week_over``
    (whether the following week has ended, so predictions can be scored),
    ``pct_disengaged`` (% of the learners with no step activity the following week; NaN
    if not over), and ``post_hoc``, ``transfer``, ``in_situ`` (bool: whether the
    paradigm could produce a prediction for the week: post-hoc needs the week's
    outcome, transfer an earlier run with outcomes, in-situ an earlier week whose
    following week was over by then).
    """
    t = build_features(
        course, as_of=as_of, session_gap_minutes=session_gap_minutes, labels=True, features=False
    )
    has_previous = False
    for c in previous:  # a few runs
        lab = build_features(
            c, session_gap_minutes=session_gap_minutes, labels=True, features=False
        )
        has_previous |= bool(lab["disengaged"].notna().any())
    cols = [
        "week",
        "moment",
        "learners",
        "next_week_over",
        "pct_disengaged",
        "post_hoc",
        "transfer",
        "in_situ",
    ]
    if t.empty:
        out = pd.DataFrame({c: pd.Series(dtype="bool") for c in cols})
        out["week"] = out["week"].astype("int32")
        out["moment"] = pd.Series([], dtype="datetime64[ns, UTC]")
        out["learners"] = out["learners"].astype("int64")
        out["pct_disengaged"] = out["pct_disengaged"].astype("float64")
        return out
    tmp = pd.DataFrame({"week": t["week"], "moment": t["moment"], "y": t["disengaged"].to_numpy()})
    agg = tmp.groupby(["week", "moment"], sort=True).agg(
        learners=("y", "size"), known=("y", "count"), rate=("y", "mean")
    )
    agg = agg.reset_index()
    over = (agg["known"] > 0).to_numpy()
    m = ns(agg["moment"])
    known_moments = m[over]
    in_situ = np.array([bool(((known_moments + WEEK_NS) <= x).any()) for x in m])  # few weeks
    return pd.DataFrame(
        {
            "week": agg["week"].astype("int32"),
            "moment": agg["moment"],
            "learners": agg["learners"].astype("int64"),
            "next_week_over": over,
            "pct_disengaged": 100.0 * agg["rate"].where(over),
            "post_hoc": over,
            "transfer": np.full(len(agg), has_previous),
            "in_situ": in_situ,
        }
    )


def runs_overview(course: Course, previous: Sequence = ()) -> pd.DataFrame:
    """The current run and the earlier runs beside it: dates, size, and whether the steps match.

    Returns
    -------
    DataFrame, one row per run (the current one first): ``run`` ("current" or
    "earlier"), ``stub``, ``start`` (first day of week 1), ``weeks``, ``steps``,
    ``learners`` (enrolled, role learner), ``started`` (of them, visited a step), and
    ``same_steps`` (the run has exactly the current run's step list; transfer works
    best when it does).
    """
    rows = []
    ref = list(course.steps["step"].astype(str))
    for i, c in enumerate([course, *previous]):  # a few runs
        cfg = c.config
        enr = c.table("enrolments", ["learner_id", "role"])
        learner = enr["role"].astype("object").eq("learner").to_numpy()
        codes = enr["learner_id"].cat.codes.to_numpy()[learner]
        sa = c.table("step-activity", ["learner_id"])["learner_id"].cat.codes.to_numpy()
        seen = np.zeros(len(c.people) + 1, dtype=bool)
        seen[sa[sa >= 0]] = True
        rows.append(
            {
                "run": "current" if i == 0 else "earlier",
                "stub": cfg.stub if cfg else "",
                "start": pd.Timestamp(cfg.start) if cfg else pd.NaT,
                "weeks": int(cfg.weeks) if cfg else int(c.steps["week_number"].max() or 0),
                "steps": len(c.steps),
                "learners": int(len(np.unique(codes))),
                "started": int(seen[np.unique(codes)].sum()),
                "same_steps": list(c.steps["step"].astype(str)) == ref,
            }
        )
    return pd.DataFrame(rows)


def prediction_moment(course: Course, *, as_of: Any = None) -> pd.Timestamp | None:
    """The moment a chapter predicts at: ``as_of`` while the course runs, else a replay.

    If the prediction moment (``as_of``, the course's setting, or the end of the data)
    falls inside the study weeks, it is that moment. If it is after them (a finished
    run), it is the end of the last study week that has a following week: the
    prediction is replayed as it would have been made then. ``None`` for a course of
    one week (or one that has not started): there is no next week to predict.
    """
    start, weeks = feature_calendar(course, None, None)
    t = resolve_as_of(course, as_of=as_of)
    if start is None or t is None or weeks < 2:
        return None
    end = start + pd.Timedelta(weeks=weeks)
    if start + pd.Timedelta(weeks=1) <= t < end:
        return t
    if t >= end:
        return start + pd.Timedelta(weeks=weeks - 1)
    return t if t > start else None


# --------------------------------------------------------------------------- predicting


@dataclass
class Prediction:
    """A risk score for every learner at one moment (see :func:`predict_risk`).

    ``table`` holds learner ids: personal data, for the course team's own use only.
    """

    table: pd.DataFrame
    as_of: pd.Timestamp
    week: int
    paradigm: str
    model: str
    training_rows: int
    training_runs: int
    top: float
    notes: list[str] = field(default_factory=list)
    replay: bool = False
    """The export goes on after ``as_of`` (a replay): none of that later data was used."""
    at_week_end: bool = False
    """``as_of`` is the end of a study week (else it falls during ``week``)."""

    def describe(self) -> str:
        """What was predicted, in one paragraph of plain text (no learner ids)."""
        if self.table.empty and self.notes:
            return "No prediction: " + "; ".join(self.notes) + "."
        n = len(self.table)
        k = int(self.table["flagged"].sum()) if n else 0
        runs = "run" if self.training_runs == 1 else "runs"
        src = (
            f"{self.training_runs} earlier {runs} (transfer"
            if self.paradigm == "transfer"
            else "this run's finished weeks (in-situ"
        )
        model = MODELS[self.model].split(" (")[0]
        when = "the end of" if self.at_week_end else "during"
        text = (
            f"As of {self.as_of:%Y-%m-%d %H:%M} UTC ({when} study week {self.week}), "
            f"{n:,} learners were scored by a {model} trained on {src}, "
            f"{self.training_rows:,} learner-weeks); the top {self.top:.0%}, "
            f"{k:,} learners, are flagged."
        )
        if self.replay:
            text += (
                " This is a replay: the export goes on after this moment, but nothing "
                "after it was used."
            )
        return text


def _explain(fitted, x: np.ndarray, reference: np.ndarray, risk: np.ndarray, k: int):
    """Per row, the ``k`` features whose value raised the risk most, against a reference.

    For each feature: the risk with that feature set to the reference value (the median
    of learners who kept going); the drop in risk is how much the learner's own value
    drove the score. One prediction per feature (a loop over ~20 features).
    """
    f = x.shape[1]
    delta = np.zeros((len(x), f))
    for j in range(f):
        alt = x.copy()
        alt[:, j] = reference[j]
        delta[:, j] = risk - model_proba(fitted, alt)
    order = np.argsort(-delta, axis=1, kind="stable")[:, :k]
    gain = np.take_along_axis(delta, order, axis=1)
    return order, gain


def predict_risk(
    course: Course,
    previous: Sequence = (),
    *,
    paradigm: str = "transfer",
    model: str = "logistic",
    as_of: Any = None,
    top: float = 0.1,
    session_gap_minutes: float = 65,
    seed: int = 0,
    drivers: int = 3,
    on_error: str = "raise",
) -> Prediction:
    """Who may disengage in the next 7 days? A risk score per learner, with its drivers.

    The model is trained as the paradigm says (``"transfer"``: on the earlier runs;
    ``"in-situ"``: on this run's weeks that are over) with moments at the same point of
    the week as ``as_of``, then applied to every learner still in the course at
    ``as_of``. Nothing at or after ``as_of`` is used.

    Parameters
    ----------
    course : the current run.
    previous : earlier runs (needed for transfer).
    paradigm : ``"transfer"``, ``"in-situ"``, or ``"auto"`` (transfer when earlier
        runs are given, else in-situ).
    model : ``"logistic"`` or ``"boosting"``.
    as_of : the moment of prediction (default: the course's setting, else the end of
        the data). It must fall inside the study weeks.
    top : the share of learners flagged.
    session_gap_minutes : the study-session gap.
    seed : random seed of the model.
    drivers : how many driving features to name per learner.
    on_error : ``"raise"``, or ``"empty"``: when nothing can be predicted, return a
        Prediction with an empty table whose ``notes`` say why (for a book chapter).

    Returns
    -------
    Prediction
        ``.table``: one row per learner, highest risk first: ``learner_id``,
        ``pct_risk``, ``rank``, ``flagged`` (in the top share), ``inactive_this_week``
        (the baseline's flag), then ``driver_1``, ``driver_1_value``, … (the labels
        (:data:`FEATURE_LABELS`) and values of the features that raised this
        learner's risk most, compared with the median learner who kept going; empty
        when none raised it by a percentage point). The table
        holds learner ids: personal data.

    Raises
    ------
    PredictionError
        when nothing can be predicted (the moment is outside the study weeks, no
        earlier run for transfer, no finished week for in-situ, nobody to score).
    """
    if paradigm == "auto":
        paradigm = "transfer" if len(previous) else "in-situ"
    if on_error not in ("raise", "empty"):
        raise ValueError(f"on_error must be 'raise' or 'empty', not {on_error!r}")
    try:
        return _predict_risk(
            course, previous, paradigm=paradigm, model=model, as_of=as_of, top=top,
            session_gap_minutes=session_gap_minutes, seed=seed, drivers=drivers,
        )  # fmt: skip
    except PredictionError as e:
        if on_error == "raise":
            raise
        t = resolve_as_of(course, as_of=as_of)
        return Prediction(
            table=_empty_prediction(course, drivers),
            as_of=t if t is not None else pd.NaT,
            week=0,
            paradigm=paradigm,
            model=model,
            training_rows=0,
            training_runs=0,
            top=float(top),
            notes=[str(e)],
        )


def _empty_prediction(course: Course, drivers: int) -> pd.DataFrame:
    out = {
        "learner_id": pd.Categorical([], categories=course.people),
        "pct_risk": pd.Series([], dtype="float64"),
        "rank": pd.Series([], dtype="int64"),
        "flagged": pd.Series([], dtype="bool"),
        "inactive_this_week": pd.Series([], dtype="bool"),
    }
    for i in range(max(0, int(drivers))):
        out[f"driver_{i + 1}"] = pd.Series([], dtype="object")
        out[f"driver_{i + 1}_value"] = pd.Series([], dtype="float64")
    return pd.DataFrame(out)


def _predict_risk(
    course: Course, previous, *, paradigm, model, as_of, top, session_gap_minutes, seed, drivers
) -> Prediction:
    if paradigm not in ("transfer", "in-situ"):
        raise PredictionError(
            f"paradigm {paradigm!r} cannot predict during a run; use 'transfer' or 'in-situ'"
        )
    if model not in MODELS:
        raise ValueError(f"unknown model {model!r}; expected one of {list(MODELS)}")
    start, weeks = feature_calendar(course, None, None)
    t = resolve_as_of(course, as_of=as_of)
    if start is None or t is None:
        raise PredictionError("the course has no step activity: nothing to predict")
    end = start + pd.Timedelta(weeks=weeks)
    if weeks < 2:
        raise PredictionError(
            "the course has a single study week: there is no next week to predict"
        )
    if t <= start:
        raise PredictionError(
            f"as of {t:%Y-%m-%d %H:%M} UTC the course has not started "
            f"(week 1 starts {start:%Y-%m-%d}): nothing to predict"
        )
    if t >= end:
        raise PredictionError(
            f"as of {t:%Y-%m-%d %H:%M} UTC the study weeks are over "
            f"({study_period(start, weeks)}): there is no next week to predict; give an "
            "earlier as-of moment to replay a prediction made during the run"
        )
    if paradigm == "transfer" and not previous:
        raise PredictionError(
            "transfer needs earlier runs of the course: list their course.yml files under "
            "previous_runs (or use the in-situ paradigm from week 2)"
        )
    offset = ((t.value - start.value) % WEEK_NS) / DAY_NS
    table = learning_table(
        course,
        previous if paradigm == "transfer" else (),
        as_of=t,
        offset_days=offset,
        session_gap_minutes=session_gap_minutes,
    )
    splits = paradigm_splits(table, paradigm, at=t)
    if not splits:
        test_rows = int(((table["run"] == 0) & (table["moment"] == t)).sum())
        if test_rows == 0:
            raise PredictionError(
                f"as of {t:%Y-%m-%d %H:%M} UTC no learner is active on the course: nobody to score"
            )
        if paradigm == "in-situ":
            week1_end = start + pd.Timedelta(weeks=1)
            raise PredictionError(
                f"as of {t:%Y-%m-%d %H:%M} UTC in-situ learning has no finished week to "
                "learn from (it learns from learners active at a moment whose following "
                "seven days are over): it can predict only after the end of week 1, "
                f"{week1_end:%Y-%m-%d %H:%M} UTC, at the earliest seven days after "
                "learners' first activity; before then, use the transfer paradigm with "
                "previous_runs"
            )
        raise PredictionError("the earlier runs have no learner-weeks with a known outcome")
    split = splits[0]
    fitted = fit_model(model, table, split.train, seed)
    if fitted is None:
        raise PredictionError(
            "every learner-week the model could learn from had the same outcome: no model"
        )
    x = feature_matrix(table, split.test)
    risk = model_proba(fitted, x)
    train = table.iloc[split.train]
    kept = train[train["disengaged"] == 0]
    ref = np.nanmedian(feature_matrix(kept if len(kept) else train), axis=0)
    ref = np.where(np.isnan(ref), 0.0, ref)
    names = np.array([FEATURE_LABELS[f] for f in FEATURES], dtype=object)
    k = max(0, min(int(drivers), len(names)))
    order, gain = _explain(fitted, x, ref, risk, k)
    sub = table.iloc[split.test]
    rank_order = np.argsort(-risk, kind="stable")
    rank = np.empty(len(risk), dtype=np.int64)
    rank[rank_order] = np.arange(1, len(risk) + 1)
    n_flag = math.ceil(len(risk) * float(top))
    out = {
        "learner_id": pd.Categorical.from_codes(
            sub["person"].to_numpy().astype(np.int32), categories=course.people
        ),
        "pct_risk": np.round(100.0 * risk, 1),
        "rank": rank,
        "flagged": rank <= n_flag,
        "inactive_this_week": _inactive(sub),
    }
    for i in range(k):  # a few driver columns
        use = gain[:, i] >= 0.01
        feat = order[:, i]
        out[f"driver_{i + 1}"] = np.where(use, names[feat], "")
        val = x[np.arange(len(x)), feat]
        out[f"driver_{i + 1}_value"] = np.where(use, np.round(val, 1), np.nan)
    frame = pd.DataFrame(out).iloc[rank_order].reset_index(drop=True)
    week = int(-((start.value - t.value) // WEEK_NS))
    notes = []
    if paradigm == "transfer":
        notes.append(f"trained on {len(previous)} earlier run(s)")
    return Prediction(
        table=frame,
        as_of=t,
        week=week,
        paradigm=paradigm,
        model=model,
        training_rows=len(split.train),
        training_runs=len(previous) if paradigm == "transfer" else 1,
        top=float(top),
        notes=notes,
        replay=bool((end_of_data := data_end(course)) is not None and end_of_data > t),
        at_week_end=(t.value - start.value) % WEEK_NS == 0,
    )


def flag_summary(prediction: Prediction) -> pd.DataFrame:
    """How many learners were flagged, and how many of them were already inactive?

    Returns
    -------
    DataFrame with two rows, ``flagged`` and ``not flagged``: ``learners``,
    ``inactive_this_week`` (learners with no step activity in the week before the
    moment: the ones the naive rule would flag), ``active_this_week``, and
    ``pct_mean_risk``. Counts only.
    """
    t = prediction.table
    tmp = pd.DataFrame(
        {
            "group": np.where(t["flagged"], "flagged", "not flagged"),
            "inactive": t["inactive_this_week"].astype(int),
            "risk": t["pct_risk"].astype(float),
        }
    )
    agg = tmp.groupby("group").agg(
        learners=("inactive", "size"), inactive_this_week=("inactive", "sum"), mean=("risk", "mean")
    )
    agg = agg.reindex(["flagged", "not flagged"])
    agg["learners"] = agg["learners"].fillna(0).astype("int64")
    agg["inactive_this_week"] = agg["inactive_this_week"].fillna(0).astype("int64")
    return pd.DataFrame(
        {
            "group": agg.index.to_numpy(),
            "learners": agg["learners"].to_numpy(),
            "inactive_this_week": agg["inactive_this_week"].to_numpy(),
            "active_this_week": (agg["learners"] - agg["inactive_this_week"]).to_numpy(),
            "pct_mean_risk": agg["mean"].to_numpy(),
        }
    )


def driver_summary(prediction: Prediction, *, flagged_only: bool = True) -> pd.DataFrame:
    """Which signals drove the risk scores, and what kind of response suits each?

    Returns
    -------
    DataFrame, one row per feature that drove at least one score, most frequent first:
    ``feature`` (its label), ``signal`` and ``suggested_response`` (from
    :data:`SIGNALS`), ``learners`` (flagged learners, or
    all with ``flagged_only=False``, who have the feature among their drivers),
    ``main_driver`` (… as their first driver) and ``pct`` (``learners`` as % of the
    flagged learners). Counts only.
    """
    t = prediction.table
    if flagged_only:
        t = t[t["flagged"]]
    cols = [c for c in t.columns if c.startswith("driver_") and not c.endswith("_value")]
    cols_df = [
        "feature",
        "signal",
        "suggested_response",
        "learners",
        "main_driver",
        "pct",
    ]
    if t.empty or not cols:
        out = pd.DataFrame({c: pd.Series(dtype="object") for c in cols_df})
        for c in ("learners", "main_driver"):
            out[c] = out[c].astype("int64")
        out["pct"] = out["pct"].astype("float64")
        return out
    long = pd.DataFrame(
        {
            "feature": np.concatenate([t[c].to_numpy() for c in cols]),
            "first": np.repeat(np.arange(len(cols)) == 0, len(t)),
        }
    )
    long = long[long["feature"] != ""]
    agg = long.groupby("feature").agg(learners=("first", "size"), main_driver=("first", "sum"))
    agg = agg.sort_values(["learners", "main_driver"], ascending=False, kind="stable").reset_index()
    name_of = {label: name for name, label in FEATURE_LABELS.items()}
    signal = agg["feature"].map(name_of).map(SIGNALS)
    return pd.DataFrame(
        {
            "feature": agg["feature"],
            "signal": signal.str[0].fillna(""),
            "suggested_response": signal.str[1].fillna(""),
            "learners": agg["learners"].astype("int64"),
            "main_driver": agg["main_driver"].astype("int64"),
            "pct": 100.0 * agg["learners"] / max(len(t), 1),
        }
    )[cols_df]


def risk_distribution(prediction: Prediction, *, bins: int = 20) -> pd.DataFrame:
    """How the risk scores spread: learners per risk band, flagged or not.

    Returns
    -------
    DataFrame, one row per band (``bins`` equal bands of 0-100%): ``pct_bin_left``,
    ``pct_bin_right``, ``learners``, ``flagged`` (of them, in the top share). Counts only.
    """
    bins = int(bins)
    t = prediction.table
    risk = t["pct_risk"].to_numpy(dtype=float)
    band = np.minimum((risk / 100.0 * bins).astype(int), bins - 1)
    learners = np.bincount(band, minlength=bins)
    flagged = np.bincount(band, weights=t["flagged"].to_numpy(dtype=float), minlength=bins)
    edges = 100.0 * np.arange(bins + 1) / bins
    return pd.DataFrame(
        {
            "pct_bin_left": edges[:-1],
            "pct_bin_right": edges[1:],
            "learners": learners.astype("int64"),
            "flagged": flagged.astype("int64"),
        }
    )


def feature_contrast(
    course: Course, *, as_of: Any = None, session_gap_minutes: float = 65
) -> pd.DataFrame:
    """How learners who then disengaged differed, feature by feature, from those who kept going.

    Answers: *at the end of a week, what did the learners who would vanish the next
    week look like?* All labelled learner-weeks of the course pooled.

    Returns
    -------
    DataFrame, one row per feature: ``feature`` (its label, :data:`FEATURE_LABELS`),
    ``kept_going`` and ``disengaged`` (the feature's mean over the learner-weeks of
    each outcome, in the feature's unit) and ``ratio`` (disengaged ÷ kept going: below
    1, the disengaging learners had less of it). Empty when no week's outcome is known.
    """
    t = build_features(course, as_of=as_of, session_gap_minutes=session_gap_minutes, labels=True)
    t = t[t["disengaged"].notna()]
    names = list(FEATURES)
    if t.empty:
        out = pd.DataFrame(
            {c: pd.Series(dtype="float64") for c in ("kept_going", "disengaged", "ratio")}
        )
        out.insert(0, "feature", pd.Series(dtype="object"))
        return out
    means = t.groupby("disengaged")[names].mean().reindex([0.0, 1.0])
    kept, gone = means.loc[0.0].to_numpy(), means.loc[1.0].to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where(kept != 0, gone / kept, np.nan)
    return pd.DataFrame(
        {
            "feature": [FEATURE_LABELS[f] for f in names],
            "kept_going": kept,
            "disengaged": gone,
            "ratio": ratio,
        }
    )


def paradigm_summary(evaluation: pd.DataFrame) -> pd.DataFrame:
    """Each paradigm and model over the weeks it could predict, against the baseline.

    Parameters
    ----------
    evaluation : :func:`evaluate` output.

    Returns
    -------
    DataFrame, one row per paradigm and model (the baseline last): ``weeks`` (weeks
    predicted), ``auc`` (mean ROC AUC over them), ``auc_gain`` (mean AUC minus the
    baseline's in the same weeks: above 0 beats the naive rule), ``pct_precision``,
    ``pct_recall`` and ``pct_calibration_error`` (means over the weeks).
    """
    cols = ["paradigm", "model", "weeks", "auc", "auc_gain", "pct_precision", "pct_recall",
            "pct_calibration_error"]  # fmt: skip
    ev = evaluation
    if ev.empty:
        out = pd.DataFrame({c: pd.Series(dtype="float64") for c in cols})
        out["paradigm"] = pd.Categorical([], dtype=_paradigm_dtype())
        out["model"] = pd.Categorical([], dtype=_model_dtype())
        out["weeks"] = out["weeks"].astype("int64")
        return out
    base = ev[ev["paradigm"].astype(str) == BASELINE[0]].set_index("week")["auc"]
    tmp = ev.assign(auc_gain=ev["auc"] - ev["week"].map(base).to_numpy())
    agg = (
        tmp.groupby(["paradigm", "model"], observed=True, sort=True)
        .agg(
            weeks=("week", "nunique"),
            auc=("auc", "mean"),
            auc_gain=("auc_gain", "mean"),
            pct_precision=("pct_precision", "mean"),
            pct_recall=("pct_recall", "mean"),
            pct_calibration_error=("pct_calibration_error", "mean"),
        )
        .reset_index()
    )
    agg["weeks"] = agg["weeks"].astype("int64")
    return agg[cols]
