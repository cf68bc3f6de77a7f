"""Item analysis: difficulty, discrimination, distractors and the Rasch fit, checked by hand
and against a reference fit (scikit-learn's logistic regression with learner and question
dummies, which is the same model)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

from flbook.analysis import distractor_analysis, first_answers, item_analysis, rasch_fit
from flbook.plotting import plot_item_discrimination, plot_item_person_map
from flbook.store import Course

# One quiz "1.2" with questions A = 1.2.1, B = 1.2.2, C = 1.2.3; four learners.
#        A  B  C    rest score for A (B + C), for C (A + B)
#   L0:  1  1  1    2, 2
#   L1:  1  1  0    1, 2
#   L2:  0  0  1    1, 0
#   L3:  0  0  0    0, 0
# With share 0.25 the groups hold one learner (floor(0.25 * 4)); ties by learner order.
#   A: point-biserial of x = (1,1,0,0) and rest = (2,1,1,0): cov 1, var x 1, var r 2
#      -> 1/sqrt(2); upper L0 (right), lower L3 (wrong) -> D = 1.
#   B: the same numbers as A.
#   C: x = (1,0,1,0), rest = (2,2,0,0): cov 0 -> r = 0; lower = L2 (first of the rest-0
#      tie, right), upper = L1 (last of the rest-2 tie, wrong) -> D = -1.
# Answers (keys: "1"): A: L2 chose "2", L3 chose "3"; B: L2 and L3 chose "2";
# C: L1 and L3 chose "2".
CORRECT = {"L0": (1, 1, 1), "L1": (1, 1, 0), "L2": (0, 0, 1), "L3": (0, 0, 0)}
RESPONSES = {
    "L0": ("1", "1", "1"),
    "L1": ("1", "1", "2"),
    "L2": ("2", "2", "1"),
    "L3": ("3", "2", "2"),
}


def _course(extra_rows=()) -> Course:
    rows = []
    for n, (learner, marks) in enumerate(CORRECT.items()):
        for k, ok in enumerate(marks):
            rows.append(
                (
                    learner,
                    f"1.2.{k + 1}",
                    RESPONSES[learner][k],
                    f"2024-02-05 1{n}:0{k}:00",
                    bool(ok),
                )
            )
    rows += list(extra_rows)
    qr = pd.DataFrame(
        rows, columns=["learner_id", "quiz_question", "response", "submitted_at", "correct"]
    )
    return Course.from_frames(question_response=qr)


def test_first_answers_keep_only_first_tries():
    # L3 tries A again later and gets it right: the first answer (wrong) is kept
    course = _course([("L3", "1.2.1", "1", "2024-02-06 10:00:00", True)])
    fa = first_answers(course)
    assert len(fa) == 12
    assert fa["quiz"].unique().tolist() == ["1.2"]
    a = fa[fa["quiz_question"] == "1.2.1"]
    assert a["correct"].tolist() == [True, True, False, False]


def test_item_analysis_by_hand():
    course = _course([("L3", "1.2.1", "1", "2024-02-06 10:00:00", True)])
    out = item_analysis(course, share=0.25)
    assert out["quiz_question"].astype(str).tolist() == ["1.2.1", "1.2.2", "1.2.3"]
    assert out["learners"].tolist() == [4, 4, 4]
    assert out["pct_correct"].tolist() == [50.0, 50.0, 50.0]
    np.testing.assert_allclose(out["point_biserial"], [1 / np.sqrt(2), 1 / np.sqrt(2), 0.0])
    assert out["upper_lower"].tolist() == [1.0, 1.0, -1.0]
    assert out["pct_correct_upper"].tolist() == [100.0, 100.0, 0.0]
    assert out["low_discrimination"].tolist() == [False, False, True]


def test_item_analysis_empty():
    out = item_analysis(Course.from_frames())
    assert len(out) == 0 and "point_biserial" in out.columns


def test_distractors_by_hand():
    out = distractor_analysis(_course(), share=0.25)
    got = out.assign(quiz_question=out["quiz_question"].astype(str))
    got = got.assign(response=got["response"].astype(str))
    expected = pd.DataFrame(
        {
            "quiz_question": ["1.2.1", "1.2.1", "1.2.2", "1.2.3"],
            "response": ["2", "3", "2", "2"],
            "learners": [1, 1, 2, 2],
            "pct": [25.0, 25.0, 50.0, 50.0],
            "pct_upper": [0.0, 0.0, 0.0, 100.0],
            "pct_lower": [0.0, 100.0, 100.0, 0.0],
            "stronger_choose_more": [False, False, False, True],
        }
    )
    pd.testing.assert_frame_equal(got.reset_index(drop=True), expected)


def test_rasch_two_questions_by_hand():
    # three learners right on 1 only, one right on 2 only: JML difficulties -/+ ln 3
    fa = pd.DataFrame(
        {
            "learner": np.repeat([0, 1, 2, 3, 4], 2),
            "quiz": "1.2",
            "quiz_question": ["1.2.1", "1.2.2"] * 5,
            "correct": [True, False] * 3 + [False, True] + [True, True],
        }
    )
    fit = rasch_fit(fa)
    np.testing.assert_allclose(fit.items["difficulty_logits"], [-np.log(3), np.log(3)], atol=1e-6)
    # learner 4 (both right) has no finite ability: excluded and counted
    ex = fit.excluded.set_index(["what", "reason"])["count"]
    assert ex[("learners", "every first answer right")] == 1
    assert fit.abilities["learners"].sum() == 4
    np.testing.assert_allclose(fit.abilities["ability_logits"], [0.0])


def _simulated(seed=3, n=120, m=7, missing=0.15) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    theta = rng.normal(0, 1.2, n)
    b = np.linspace(-1.5, 1.5, m)
    p = 1 / (1 + np.exp(-(theta[:, None] - b[None, :])))
    x = rng.random((n, m)) < p
    seen = rng.random((n, m)) > missing
    learner, item = np.nonzero(seen)
    return pd.DataFrame(
        {
            "learner": learner,
            "quiz": "2.3",
            "quiz_question": pd.Categorical(
                [f"2.3.{k + 1}" for k in item], categories=[f"2.3.{k + 1}" for k in range(m)]
            ),
            "correct": x[learner, item],
        }
    )


def _drop_extremes_reference(fa: pd.DataFrame) -> pd.DataFrame:
    while True:
        by_p = fa.groupby("learner")["correct"].agg(["mean"])
        by_i = fa.groupby("quiz_question", observed=True)["correct"].agg(["mean"])
        bad_p = by_p.index[(by_p["mean"] == 0) | (by_p["mean"] == 1)]
        bad_i = by_i.index[(by_i["mean"] == 0) | (by_i["mean"] == 1)]
        if len(bad_p) == 0 and len(bad_i) == 0:
            return fa
        fa = fa[~fa["learner"].isin(bad_p) & ~fa["quiz_question"].isin(bad_i)]


def test_rasch_matches_logistic_regression_with_dummies():
    fa = _simulated()
    fit = rasch_fit(fa, tol=1e-10)
    ref = _drop_extremes_reference(fa)
    persons = pd.factorize(ref["learner"])[0]
    items = ref["quiz_question"].cat.remove_unused_categories().cat.codes.to_numpy()
    n_p, m = persons.max() + 1, items.max() + 1
    X = np.zeros((len(ref), n_p + m - 1))
    X[np.arange(len(ref)), persons] = 1.0
    has = items > 0  # question 1 is the reference (difficulty 0 before centring)
    X[np.flatnonzero(has), n_p + items[has] - 1] = -1.0
    model = LogisticRegression(
        C=np.inf, fit_intercept=False, solver="newton-cholesky", tol=1e-12, max_iter=1000
    )
    model.fit(X, ref["correct"].to_numpy())
    b = np.r_[0.0, model.coef_[0, n_p:]]
    b -= b.mean()
    np.testing.assert_allclose(fit.items["difficulty_logits"], b, atol=1e-5)
    # fit statistics from the reference probabilities, learner by learner
    prob = model.predict_proba(X)[:, 1]
    xv = ref["correct"].to_numpy(dtype=float)
    z2 = (xv - prob) ** 2 / (prob * (1 - prob))
    outfit = pd.Series(z2).groupby(items).mean().to_numpy()
    infit = (
        pd.Series((xv - prob) ** 2).groupby(items).sum()
        / pd.Series(prob * (1 - prob)).groupby(items).sum()
    ).to_numpy()
    np.testing.assert_allclose(fit.items["outfit_mnsq"], outfit, rtol=1e-4)
    np.testing.assert_allclose(fit.items["infit_mnsq"], infit, rtol=1e-4)
    # the abilities table counts every learner fitted, never lists them
    assert fit.abilities["learners"].sum() == n_p
    assert set(fit.abilities.columns) == {"ability_logits", "learners"}


def test_rasch_flags_a_noisy_question():
    fa = _simulated(seed=5, n=400, m=6, missing=0.0)
    # question 6 answered at random (unrelated to ability): noisy
    rng = np.random.default_rng(0)
    six = fa["quiz_question"] == "2.3.6"
    fa.loc[six, "correct"] = rng.random(int(six.sum())) < 0.5
    fit = rasch_fit(fa)
    flags = dict(zip(fit.items["quiz_question"].astype(str), fit.items["fit"], strict=True))
    assert fit.items.set_index("quiz_question").loc["2.3.6", "outfit_mnsq"] > 1.15
    assert flags["2.3.1"] == "fits"


def test_item_plots_draw():
    fa = _simulated()
    fit = rasch_fit(fa)
    fig, ax = plt.subplots()
    assert plot_item_person_map(fit.items, fit.abilities, ax=ax) is ax
    # one marker per question
    assert len(ax.collections[0].get_offsets()) == len(fit.items)
    fig, ax = plt.subplots()
    items = item_analysis(fa)
    assert plot_item_discrimination(items, ax=ax) is ax
    assert len(ax.collections[0].get_offsets()) == len(items)


@pytest.mark.parametrize("fn", [plot_item_person_map])
def test_item_person_map_empty(fn):
    fit = rasch_fit(Course.from_frames())
    ax = fn(fit.items, fit.abilities)
    assert ax.texts and ax.texts[0].get_text() == "No data"
