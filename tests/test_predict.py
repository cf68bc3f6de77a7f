"""Predicting disengagement: features, labels, no leakage, paradigm splits, evaluation, CLI."""

from __future__ import annotations

import math
import os
import stat

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

import flbook.predict as fp
from flbook.cli import main
from flbook.plotting import (
    plot_calibration,
    plot_prediction_scores,
    plot_risk_distribution,
    plot_risk_drivers,
)
from flbook.store import Course, load_course
from flbook.synth import make_runs

WEEK = pd.Timedelta(weeks=1)
T1 = pd.Timestamp("2024-02-12", tz="UTC")
T2 = pd.Timestamp("2024-02-19", tz="UTC")
KW = {"start": "2024-02-05", "weeks": 3, "as_of": "2024-03-01"}

# --------------------------------------------------------------------------- hand-made

ENROLMENTS = pd.DataFrame(
    {
        "learner_id": ["a", "b", "c", "d", "e", "x"],
        "role": ["learner"] * 5 + ["educator"],
        "enrolled_at": [
            "2024-02-01 00:00:00",
            "2024-02-07 12:00:00",
            "2024-01-20 00:00:00",
            "2024-02-01 00:00:00",
            "2024-02-01 00:00:00",
            "2024-01-01 00:00:00",
        ],
        "unenrolled_at": [None, None, None, None, "2024-02-09 00:00:00", None],
    }
)
STEP_ACTIVITY = pd.DataFrame(
    {
        "learner_id": ["a", "a", "a", "b", "c", "c", "e", "x", "x"],
        "step": ["1.1", "1.2", "2.1", "1.1", "1.1", "1.2", "1.1", "2.2", "3.1"],
        "first_visited_at": [
            "2024-02-05 10:00:00",
            "2024-02-05 10:20:00",
            "2024-02-13 19:00:00",
            "2024-02-07 20:00:00",
            "2024-02-10 08:00:00",
            "2024-02-20 08:00:00",
            "2024-02-05 12:00:00",
            "2024-02-01 09:00:00",
            "2024-02-01 09:10:00",
        ],
        "last_completed_at": [
            "2024-02-05 10:10:00",
            "2024-02-06 09:00:00",
            "2024-02-13 19:30:00",
            None,
            "2024-02-10 08:05:00",
            None,
            None,
            None,
            None,
        ],
    }
)
COMMENTS = pd.DataFrame(
    {
        "id": [1, 2],
        "author_id": ["a", "a"],
        "parent_id": [None, 99],
        "step": ["1.1", "2.1"],
        "timestamp": ["2024-02-05 10:15:00", "2024-02-13 19:10:00"],
        "text": ["hi", "re"],
    }
)
ANSWERS = pd.DataFrame(
    {
        "learner_id": ["a", "a"],
        "quiz_question": ["1.2.1", "1.2.2"],
        "week_number": [1, 1],
        "step_number": [2, 2],
        "question_number": [1, 2],
        "submitted_at": ["2024-02-06 09:05:00", "2024-02-06 09:06:00"],
        "correct": [True, False],
    }
)


def hand_course(cut=None) -> Course:
    """Three learners a, b, c in the population (d never started, e left, x is staff).

    ``cut``: delete every event at or after it (rows dated later dropped, later
    completions and unenrolments emptied).
    """
    enr, sa, com, qr = ENROLMENTS.copy(), STEP_ACTIVITY.copy(), COMMENTS.copy(), ANSWERS.copy()
    if cut is not None:
        lim = str(pd.Timestamp(cut).tz_localize(None))
        enr = enr[enr["enrolled_at"] < lim]
        enr["unenrolled_at"] = enr["unenrolled_at"].where(enr["unenrolled_at"] < lim)
        sa = sa[sa["first_visited_at"] < lim].copy()
        sa["last_completed_at"] = sa["last_completed_at"].where(sa["last_completed_at"] < lim)
        com = com[com["timestamp"] < lim]
        qr = qr[qr["submitted_at"] < lim]
    return Course.from_frames(enrolments=enr, step_activity=sa, comments=com, question_response=qr)


def days(a: str, b: str) -> float:
    return (pd.Timestamp(b) - pd.Timestamp(a)) / pd.Timedelta(days=1)


def test_features_of_hand_made_learners():
    f = fp.weekly_features(hand_course(), **KW)
    expected = pd.DataFrame(
        {
            "learner_id": ["a", "b", "c", "a", "b", "c"],
            "week": [1, 1, 1, 2, 2, 2],
            "moment": [T1] * 3 + [T2] * 3,
            "steps_visited_week": [2, 1, 1, 1, 0, 0],
            "steps_completed_week": [2, 0, 1, 1, 0, 0],
            "steps_visited_total": [2, 1, 1, 3, 1, 1],
            "steps_completed_total": [2, 0, 1, 3, 0, 1],
            # week 1 has 2 steps, week 2 has 2: a did both of week 1, then 1 of week 2
            "pct_week_steps_done": [100, 0, 50, 50, 0, 0],
            "pct_course_steps_done": [100, 0, 50, 75, 0, 25],
            "comments_week": [1, 0, 0, 1, 0, 0],
            "replies_week": [0, 0, 0, 1, 0, 0],
            "comments_total": [1, 0, 0, 2, 0, 0],
            "quiz_answers_week": [2, 0, 0, 0, 0, 0],
            "quiz_answers_total": [2, 0, 0, 2, 0, 0],
            "pct_quiz_correct": [50, np.nan, np.nan, 50, np.nan, np.nan],
            # a: 10:00-10:20 on 5 Feb, 09:00 on 6 Feb, 19:00-19:30 on 13 Feb
            "sessions_week": [2, 1, 1, 1, 0, 0],
            "sessions_total": [2, 1, 1, 3, 1, 1],
            "active_days_week": [2, 1, 1, 1, 0, 0],
            "active_days_total": [2, 1, 1, 3, 1, 1],
            "days_since_last_activity": [
                days("2024-02-06 09:06", "2024-02-12"),
                days("2024-02-07 20:00", "2024-02-12"),
                days("2024-02-10 08:05", "2024-02-12"),
                days("2024-02-13 19:30", "2024-02-19"),
                days("2024-02-07 20:00", "2024-02-19"),
                days("2024-02-10 08:05", "2024-02-19"),
            ],
            "days_since_enrolment": [11, 4.5, 23, 18, 11.5, 30],
            "enrolled_days_before_start": [4, -2.5, 16, 4, -2.5, 16],
        }
    )
    for col in expected.columns[3:]:
        expected[col] = expected[col].astype(float)
    expected["week"] = expected["week"].astype("int32")
    got = f.assign(learner_id=f["learner_id"].astype(str))
    assert_frame_equal(got, expected.astype({"learner_id": object}), check_dtype=False)
    assert list(f.columns[3:]) == list(fp.FEATURES)


def test_labels_of_hand_made_learners():
    lab = fp.disengagement_labels(hand_course(), **KW)
    assert list(lab["learner_id"].astype(str)) == ["a", "b", "c", "a", "b", "c"]
    # a came back in week 2 then stopped; b never came back; c was away in week 2 only
    assert list(lab["disengaged"]) == [False, True, True, True, True, False]
    # week 2's outcome (week 3) is not over on 25 February: only week 1 is labelled
    lab = fp.disengagement_labels(hand_course(), start="2024-02-05", weeks=3, as_of="2024-02-25")
    assert list(lab["week"]) == [1, 1, 1]


def test_no_leakage_on_hand_made_course():
    full = fp.weekly_features(hand_course(), **KW)
    for t in (T1, T2, T1 + pd.Timedelta(hours=36)):
        cut = hand_course(cut=t)
        f = fp.weekly_features(cut, start="2024-02-05", weeks=3, as_of=t)
        want = full[full["moment"] <= t].reset_index(drop=True)
        assert len(f) == len(want) > 0
        assert_frame_equal(
            f.assign(learner_id=f["learner_id"].astype(str)),
            want.assign(learner_id=want["learner_id"].astype(str)),
        )


def test_as_of_ignores_later_events_without_deleting_them():
    full = fp.weekly_features(hand_course(), **KW)
    early = fp.weekly_features(hand_course(), start="2024-02-05", weeks=3, as_of=T1)
    assert_frame_equal(early, full[full["week"] == 1].reset_index(drop=True))


def test_offset_moments_follow_as_of():
    t = pd.Timestamp("2024-02-14 12:00", tz="UTC")
    f = fp.weekly_features(hand_course(), start="2024-02-05", weeks=3, as_of=t, offset_days=2.5)
    assert sorted(f["moment"].unique()) == [t - WEEK, t]
    assert list(f.loc[f["moment"] == t, "week"].unique()) == [2]


def test_empty_course():
    empty = Course.from_frames()
    f = fp.weekly_features(empty, start="2024-02-05", weeks=3)
    assert f.empty and list(f.columns) == ["learner_id", "week", "moment", *fp.FEATURES]
    lab = fp.disengagement_labels(empty, start="2024-02-05", weeks=3)
    assert lab.empty and list(lab.columns) == ["learner_id", "week", "moment", "disengaged"]
    one_week = fp.weekly_features(hand_course(), start="2024-02-05", weeks=1, as_of="2024-03-01")
    assert one_week.empty  # no moment inside a one-week course has a next week
    assert fp.prediction_plan(hand_course(), as_of="2024-02-01").empty
    assert fp.evaluate(fp.replay(empty)).empty


# --------------------------------------------------------------------------- splits


def split_table() -> pd.DataFrame:
    """Current run (0): 4 learners × 3 weekly moments; one earlier run (1): 3 × 3."""
    rows = []
    for run, learners in ((0, 4), (1, 3)):
        start = pd.Timestamp("2024-02-05", tz="UTC") - pd.Timedelta(weeks=26 * run)
        for w in (1, 2, 3):
            for p in range(learners):
                known = run == 1 or w < 3
                rows.append(
                    {
                        "run": run,
                        "person": p,
                        "week": w,
                        "moment": start + w * WEEK,
                        "disengaged": float((p + w) % 2) if known else np.nan,
                    }
                )
    t = pd.DataFrame(rows)
    for f in fp.FEATURES:
        t[f] = 1.0
    return t


def test_post_hoc_split_is_grouped_by_learner():
    t = split_table()
    splits = fp.paradigm_splits(t, "post-hoc", folds=4)
    assert len(splits) == 4
    tested = np.concatenate([s.test for s in splits])
    labelled_current = np.flatnonzero((t["run"] == 0) & t["disengaged"].notna())
    assert sorted(tested) == list(labelled_current)
    for s in splits:
        assert (t["run"].to_numpy()[np.r_[s.train, s.test]] == 0).all()
        assert not set(t["person"].to_numpy()[s.train]) & set(t["person"].to_numpy()[s.test])
    with pytest.raises(fp.PredictionError):
        fp.paradigm_splits(t, "post-hoc", at=T2)


def test_transfer_split_trains_on_earlier_runs_only():
    t = split_table()
    (s,) = fp.paradigm_splits(t, "transfer")
    assert (t["run"].to_numpy()[s.train] == 1).all() and len(s.train) == 9
    assert (t["run"].to_numpy()[s.test] == 0).all() and len(s.test) == 8
    (s,) = fp.paradigm_splits(t, "transfer", at=pd.Timestamp("2024-02-26", tz="UTC"))
    assert list(t["week"].to_numpy()[s.test]) == [3] * 4  # the moment whose outcome is unknown
    assert fp.paradigm_splits(t[t["run"] == 0], "transfer") == []


def test_in_situ_split_uses_only_finished_weeks():
    t = split_table()
    splits = fp.paradigm_splits(t, "in-situ")
    assert [s.week for s in splits] == [2]  # nothing is over before the end of week 1
    s = splits[0]
    assert (t["run"].to_numpy()[s.train] == 0).all()
    assert set(t["week"].to_numpy()[s.train]) == {1}
    assert set(t["week"].to_numpy()[s.test]) == {2}
    train_end = t["moment"].to_numpy()[s.train].max() + np.timedelta64(7, "D")
    assert train_end <= t["moment"].to_numpy()[s.test].min()
    (s,) = fp.paradigm_splits(t, "in-situ", at=T1 + 2 * WEEK)
    assert set(t["week"].to_numpy()[s.train]) == {1, 2} and len(s.test) == 4


def test_models_are_seeded_pipelines():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(200, len(fp.FEATURES)))
    y = (x[:, 0] + rng.normal(size=200) > 0).astype(int)
    for name in fp.MODELS:
        a = fp.make_model(name, seed=3).fit(x, y).predict_proba(x)
        b = fp.make_model(name, seed=3).fit(x, y).predict_proba(x)
        np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError):
        fp.make_model("forest")


def test_large_training_sets_are_sampled(monkeypatch):
    """Above MAX_TRAIN_ROWS a model sees a seeded sample of that size (the same rows
    every time); below it, every row."""
    from flbook.predict import _paradigms

    rng = np.random.default_rng(1)
    n = 400
    table = pd.DataFrame(rng.normal(size=(n, len(fp.FEATURES))), columns=list(fp.FEATURES))
    table["disengaged"] = table[next(iter(fp.FEATURES))] + rng.normal(size=n) > 0
    train = np.arange(0, n, 2)  # 200 rows
    monkeypatch.setattr(_paradigms, "MAX_TRAIN_ROWS", 50)
    a = _paradigms.fit_model("logistic", table, train, seed=4)
    b = _paradigms.fit_model("logistic", table, train, seed=4)
    assert a["scale"].n_samples_seen_ == 50
    np.testing.assert_array_equal(a["scale"].mean_, b["scale"].mean_)
    monkeypatch.setattr(_paradigms, "MAX_TRAIN_ROWS", 1000)
    assert _paradigms.fit_model("logistic", table, train, seed=4)["scale"].n_samples_seen_ == 200


# --------------------------------------------------------------------------- evaluation


def test_evaluate_by_hand():
    # ten learners, scores 0.95 … 0.05; the top two and two more disengaged
    score = np.linspace(0.95, 0.05, 10)
    y = np.array([1, 1, 0, 1, 0, 0, 1, 0, 0, 0], dtype=bool)
    p = pd.DataFrame(
        {
            "learner_id": pd.Categorical(list("abcdefghij")),
            "week": np.int32(1),
            "paradigm": pd.Categorical(["transfer"] * 10, categories=[*fp.PARADIGMS, "baseline"]),
            "model": pd.Categorical(["logistic"] * 10, categories=[*fp.MODELS, fp.BASELINE[1]]),
            "risk": score,
            "score": score,
            "disengaged": y,
        }
    )
    ev = fp.evaluate(p, top=0.2)
    row = ev.iloc[0]
    # pairs (disengaged, kept going) ranked right: 6 + 6 + 5 + 3 = 20 of 4 × 6
    assert row["auc"] == pytest.approx(20 / 24)
    assert row["learners"] == 10 and row["flagged"] == 2
    assert row["pct_precision"] == pytest.approx(100.0)
    assert row["pct_recall"] == pytest.approx(50.0)
    assert row["pct_disengaged"] == pytest.approx(40.0)
    assert row["pct_mean_risk"] == pytest.approx(50.0)
    assert row["brier"] == pytest.approx(np.mean((score - y) ** 2))
    cal = fp.calibration(p, bins=2)
    assert list(cal["learners"]) == [5, 5]
    assert list(cal["pct_disengaged"]) == [20.0, 60.0]


# --------------------------------------------------------------------------- synthetic runs


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("predict-runs")
    info = make_runs(root, runs=3, learners=400, weeks=3, seed=11)
    store = root / "store"
    courses = [load_course(p, cache=store) for p in info["runs"]]
    return info, courses[-1], courses[:-1]


@pytest.fixture(scope="module")
def replayed(runs):
    _, course, previous = runs
    return fp.replay(course, previous)


def test_no_leakage_on_synthetic_course(runs):
    _, course, _ = runs
    full = fp.weekly_features(course)
    t = pd.Timestamp(course.config.start, tz="UTC") + 2 * WEEK
    lim = t
    frames = {}
    for name, col in (
        ("enrolments", "enrolled_at"),
        ("step_activity", "first_visited_at"),
        ("comments", "timestamp"),
        ("question_response", "submitted_at"),
    ):
        df = course.table(name).copy()
        df = df[df[col] < lim]
        for c in df.columns:
            if isinstance(df[c].dtype, pd.DatetimeTZDtype):
                df[c] = df[c].where(df[c] < lim)
            elif isinstance(df[c].dtype, pd.CategoricalDtype):
                df[c] = df[c].astype(object)
        frames[name] = df
    cut = Course.from_frames(course.config, **frames)
    f = fp.weekly_features(cut, as_of=t)
    want = full[full["moment"] <= t].reset_index(drop=True)
    assert len(want) > 100 and set(want["week"]) == {1, 2}
    assert_frame_equal(
        f.assign(learner_id=f["learner_id"].astype(str)),
        want.assign(learner_id=want["learner_id"].astype(str)),
    )


def test_plan_says_what_each_week_allows(runs):
    _, course, previous = runs
    plan = fp.prediction_plan(course, previous)
    assert list(plan["week"]) == [1, 2]
    assert plan["next_week_over"].all() and plan["transfer"].all() and plan["post_hoc"].all()
    assert list(plan["in_situ"]) == [False, True]
    assert not fp.prediction_plan(course)["transfer"].any()
    ov = fp.runs_overview(course, previous)
    assert list(ov["run"]) == ["current", "earlier", "earlier"] and ov["same_steps"].all()


def test_replay_paradigms_and_baseline(replayed):
    r = replayed
    got = r.groupby(["week", "paradigm", "model"], observed=True).size()
    combos = set(got.index)
    assert (1, "in-situ", "logistic") not in combos
    assert (2, "in-situ", "boosting") in combos
    for w in (1, 2):
        for par in ("post-hoc", "transfer"):
            for m in fp.MODELS:
                assert (w, par, m) in combos
        assert (w, *fp.BASELINE) in combos
    # every paradigm scores the same learners in a week
    assert got.groupby(level="week").nunique().eq(1).all()
    assert r["risk"].between(0, 1).all()
    assert "learner_id" in r.columns


def test_evaluation_is_sane_and_reproducible(runs, replayed):
    _, course, previous = runs
    ev = fp.evaluate(replayed)
    models = ev[ev["paradigm"] != "baseline"]
    assert (models["auc"] > 0.6).all()
    base = ev[ev["paradigm"] == "baseline"].set_index("week")["auc"]
    best = models.groupby("week")["auc"].max()
    assert (best > base).all()
    again = fp.evaluate(fp.replay(course, previous, paradigms=("transfer",), models=("boosting",)))
    one = ev[(ev["paradigm"] == "transfer") & (ev["model"] == "boosting")]
    pd.testing.assert_series_equal(
        again[again["paradigm"] == "transfer"]["auc"].reset_index(drop=True),
        one["auc"].reset_index(drop=True),
    )


def test_predict_risk(runs):
    _, course, previous = runs
    at = pd.Timestamp(course.config.start, tz="UTC") + pd.Timedelta(days=10, hours=6)
    pred = fp.predict_risk(course, previous, paradigm="transfer", as_of=at)
    t = pred.table
    assert pred.week == 2 and pred.as_of == at
    assert len(t) == len(
        fp.weekly_features(course, as_of=at, offset_days=3.25).query("moment == @at")
    )
    assert t["pct_risk"].is_monotonic_decreasing and list(t["rank"]) == list(range(1, len(t) + 1))
    assert t["flagged"].sum() == math.ceil(0.1 * len(t))
    assert set(t["driver_1"]) - {""} <= set(fp.FEATURE_LABELS.values())
    assert "learner_id" not in pred.describe()
    situ = fp.predict_risk(course, paradigm="in-situ", as_of=at, model="boosting")
    assert len(situ.table) == len(t)
    summary = fp.flag_summary(pred)
    assert list(summary["group"]) == ["flagged", "not flagged"]
    assert summary["learners"].sum() == len(t)
    drivers = fp.driver_summary(pred)
    assert (drivers["learners"] <= t["flagged"].sum()).all()
    assert drivers["signal"].ne("").all()
    dist = fp.risk_distribution(pred)
    assert dist["learners"].sum() == len(t) and dist["flagged"].sum() == t["flagged"].sum()


def test_predict_risk_says_why_it_cannot(runs):
    _, course, previous = runs
    start = pd.Timestamp(course.config.start, tz="UTC")
    with pytest.raises(fp.PredictionError, match="study weeks are over"):
        fp.predict_risk(course, previous)  # the run is finished
    with pytest.raises(fp.PredictionError, match="not started"):
        fp.predict_risk(course, previous, as_of=start - WEEK)
    with pytest.raises(fp.PredictionError, match="earlier runs"):
        fp.predict_risk(course, as_of=start + WEEK)
    with pytest.raises(fp.PredictionError, match="finished week"):
        fp.predict_risk(course, paradigm="in-situ", as_of=start + pd.Timedelta(days=5))
    assert fp.prediction_moment(course) == start + 2 * WEEK


# --------------------------------------------------------------------------- plots


def test_plots_draw_what_they_are_given(runs, replayed):
    ev = fp.evaluate(replayed)
    fig, ax = plt.subplots()
    assert plot_prediction_scores(ev, y="auc", ax=ax) is ax
    # weeks 1 and 2: post-hoc, transfer, baseline; in-situ in week 2 only
    assert len(ax.patches) == 2 * 3 + 1
    fig, ax = plt.subplots()
    plot_calibration(fp.calibration(replayed), ax=ax)
    assert len(ax.get_lines()) == 1 + 3  # diagonal and one line per paradigm
    _, course, previous = runs
    at = pd.Timestamp(course.config.start, tz="UTC") + 2 * WEEK
    pred = fp.predict_risk(course, previous, as_of=at)
    fig, ax = plt.subplots()
    plot_risk_distribution(fp.risk_distribution(pred, bins=10), ax=ax)
    assert len(ax.patches) == 20
    fig, ax = plt.subplots()
    d = fp.driver_summary(pred)
    plot_risk_drivers(d, ax=ax)
    # a driver of fewer than 10 flagged learners has no bar (the small-count rule)
    assert len(ax.patches) == min(int((d["learners"] >= 10).sum()), 8)


def test_plots_on_empty_data():
    for fn, data in (
        (plot_prediction_scores, fp.evaluate(fp.replay(Course.from_frames()))),
        (plot_calibration, fp.calibration(fp.replay(Course.from_frames()))),
        (plot_risk_drivers, pd.DataFrame()),
        (plot_risk_distribution, pd.DataFrame()),
    ):
        fig, ax = plt.subplots()
        assert fn(data, ax=ax) is ax
        assert any(t.get_text().startswith("No ") for t in ax.texts)


# --------------------------------------------------------------------------- command line


def test_cli_predict_writes_ids_only_to_the_file(runs, tmp_path, capsys):
    info, course, _ = runs
    out = tmp_path / "risk.csv"
    code = main(["predict", info["current"], "--as-of", "2024-02-14 12:00", "--out", str(out)])
    assert code == 0
    captured = capsys.readouterr()
    assert "personal data" in captured.err
    assert "transfer" in captured.out
    table = pd.read_csv(out)
    assert {"learner_id", "pct_risk", "rank", "flagged", "driver_1"} <= set(table.columns)
    ids = set(table["learner_id"])
    assert ids <= set(course.people)
    for i in ids:
        assert i not in captured.out and i not in captured.err
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600


def test_cli_predict_errors(runs, tmp_path, capsys):
    info, _, _ = runs
    out = str(tmp_path / "x.csv")
    assert main(["predict", info["current"]]) == 2  # --out is required
    capsys.readouterr()
    assert main(["predict", info["current"], "--out", out]) == 1  # the run is over
    err = capsys.readouterr().err
    assert err.count("flbook: error:") == 1 and "study weeks are over" in err
    assert "Traceback" not in err
    assert main(["predict", info["current"], "--as-of", "soon", "--out", out]) == 1
    assert main(["predict", info["runs"][0], "--as-of", "2023-02-10", "--out", out]) == 1
    assert "finished week" in capsys.readouterr().err  # the first run has no earlier run
    assert not os.path.exists(out)
    assert main(["predict", info["current"], "--paradigm", "forest", "--out", out]) == 2


def test_one_week_course_has_nothing_to_predict(tmp_path, capsys):
    from flbook.synth import make_awkward_course

    make_awkward_course(tmp_path / "aw")
    course = load_course(tmp_path / "aw" / "course.yml")
    assert fp.prediction_plan(course).empty
    assert fp.weekly_features(course).empty
    assert fp.evaluate(fp.replay(course)).empty
    assert fp.prediction_moment(course) is None
    with pytest.raises(fp.PredictionError, match="single study week"):
        fp.predict_risk(course, paradigm="in-situ")
    empty = fp.predict_risk(course, paradigm="auto", on_error="empty")
    assert empty.table.empty and "single study week" in empty.describe()
    assert fp.flag_summary(empty)["learners"].sum() == 0
    assert fp.driver_summary(empty).empty
    out = tmp_path / "x.csv"
    assert main(["predict", str(tmp_path / "aw" / "course.yml"), "--out", str(out)]) == 1
    assert "single study week" in capsys.readouterr().err
    assert not out.exists()


def test_chapter_states_the_training_sample_size():
    """The predictions chapter quotes MAX_TRAIN_ROWS: the text follows the code."""
    import json
    from pathlib import Path

    from flbook.predict import MAX_TRAIN_ROWS

    path = Path(__file__).resolve().parents[1] / "chapters" / "12-predictions.ipynb"
    text = " ".join("".join(c["source"]) for c in json.loads(path.read_text())["cells"])
    assert f"random sample of {MAX_TRAIN_ROWS:,} learner-weeks" in " ".join(text.split())


@pytest.mark.parametrize("n_first", [0, 1, 7, 500, 800])
def test_sorted_distinct_is_np_unique(n_first):
    """Distinct keys in order, whether the first part is sorted (the fast path: step
    events come sorted) or not (the fallback), with repeats inside and across parts."""
    import numpy as np

    from flbook.predict._features import _sorted_distinct

    rng = np.random.default_rng(n_first)
    key = rng.integers(0, 300, size=800).astype(np.int64)
    key[: min(n_first, 500)] = np.sort(key[: min(n_first, 500)])  # 800: head not sorted
    assert np.array_equal(_sorted_distinct(key, n_first), np.unique(key))


@pytest.mark.parametrize("rows", [7, 8])  # an odd and an even count of values
def test_the_median_imputer_fills_what_scikit_learns_would(rows):
    """The logistic model's imputer gives SimpleImputer(strategy="median",
    keep_empty_features=True) to the bit, column by column, an empty column included."""
    from sklearn.impute import SimpleImputer

    from flbook.predict._impute import MedianImputer

    rng = np.random.default_rng(rows)
    x = rng.normal(size=(rows, 4)) * 10
    x[rng.random(size=x.shape) < 0.3] = np.nan
    x[:, 3] = np.nan
    x[0, 0] = np.nan
    want = SimpleImputer(strategy="median", keep_empty_features=True).fit(x)
    got = MedianImputer().fit(x)
    np.testing.assert_array_equal(got.statistics_, want.statistics_)
    new = rng.normal(size=(5, 4))
    new[rng.random(size=new.shape) < 0.5] = np.nan
    np.testing.assert_array_equal(got.transform(new), want.transform(new))
    assert not np.isnan(new).all()  # transform copies; its input is left as it was
    assert np.isnan(new).any()
