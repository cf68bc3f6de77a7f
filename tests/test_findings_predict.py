"""The predictions verdict: planted model/baseline gaps, degenerate baselines, ties."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from flbook.findings import auc_gain, prediction_verdict, ties_text, verdict_text
from flbook.findings._predict import _weighted_auc


def replay_table(week, y, model_score, base_score, paradigms=("transfer",)):
    ids = [f"L{i:04d}" for i in range(len(y))]
    parts = [
        pd.DataFrame(
            {
                "learner_id": ids,
                "week": week,
                "paradigm": p,
                "model": "logistic",
                "risk": model_score,
                "score": model_score,
                "disengaged": y,
            }
        )
        for p in paradigms
    ]
    parts.append(
        pd.DataFrame(
            {
                "learner_id": ids,
                "week": week,
                "paradigm": "baseline",
                "model": "rule",
                "risk": (base_score > 0.5).astype(float),
                "score": base_score,
                "disengaged": y,
            }
        )
    )
    return pd.concat(parts, ignore_index=True)


def evaluation_for(pred, top=0.1):
    from flbook.predict import evaluate

    return evaluate(pred, top=top)


def test_weighted_auc_equals_sklearn_with_ties():
    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, 300)
    s = rng.integers(0, 5, 300).astype(float)  # many ties
    assert _weighted_auc(y, s, np.ones((1, 300)))[0] == pytest.approx(roc_auc_score(y, s))
    w = rng.multinomial(300, np.full(300, 1 / 300), size=1)[0]
    rep = np.repeat(np.arange(300), w)
    assert _weighted_auc(y, s, w[None, :])[0] == pytest.approx(roc_auc_score(y[rep], s[rep]))


def test_a_model_that_beats_the_baseline_is_said_to_with_an_interval_above_zero():
    rng = np.random.default_rng(0)
    y = rng.random(400) < 0.4
    model = y + rng.normal(0, 0.3, 400)  # ranks well
    base = rng.random(400)  # a coin toss
    pred = replay_table(2, y, model, base)
    g = auc_gain(pred, week=2, paradigm="transfer")
    assert g["gain"] > 0.3 and g["low"] > 0
    v = prediction_verdict(pred, evaluation_for(pred))
    assert v.loc[0, "verdict"] == "better"
    text = verdict_text(v)
    assert "The transfer model ranked learners better than the baseline" in text
    assert f"a difference of {g['gain']:+.2f}" in text


def test_a_model_no_better_than_the_baseline_gets_no_clear_verdict():
    rng = np.random.default_rng(2)
    y = rng.random(400) < 0.4
    score = y + rng.normal(0, 1.0, 400)
    pred = replay_table(2, y, score, score + rng.normal(0, 0.01, 400))
    v = prediction_verdict(pred, evaluation_for(pred))
    assert v.loc[0, "verdict"] == "no clear difference"
    assert "did not clearly beat the baseline" in verdict_text(v)


def test_degenerate_baseline_recall_ceiling_in_situ_and_changing_n():
    rng = np.random.default_rng(3)
    y1 = rng.random(300) < 0.5
    # week 1: everyone active, so the rule flags nobody (score only orders by recency)
    w1 = replay_table(1, y1, y1 + rng.normal(0, 0.5, 300), np.zeros(300) + rng.random(300) * 0.1)
    y2 = rng.random(350) < 0.6
    w2 = replay_table(
        2, y2, y2 + rng.normal(0, 0.5, 350), rng.random(350), paradigms=("transfer", "in-situ")
    )
    pred = pd.concat([w1, w2], ignore_index=True)
    v = prediction_verdict(pred, evaluation_for(pred))
    assert v.loc[v["week"] == 1, "baseline_flags_nobody"].all()
    assert not v.loc[v["week"] == 2, "baseline_flags_nobody"].any()
    text = verdict_text(v)
    week1 = text.split("**End of week 2**")[0]
    assert 'the rule "no step activity this week" flags nobody' in week1
    assert "flags nobody" not in text.split("**End of week 2**")[1]
    assert "In-situ training here rests on the finished weeks only: 1 week" in text
    k1 = int((y1).sum())
    ceiling = 100 * 30 / k1
    assert f"The list holds 30 learners, so it can reach at most {ceiling:.0f}%" in text
    assert "300 at the end of week 1, 350 at the end of week 2" in text


def test_ties_at_the_cut_are_named():
    risks = pd.Series([0.99] * 50 + [0.2] * 350)
    assert "50 learners have a predicted risk of 95% or more, more than the 40 places" in (
        ties_text(risks, 40)
    )
    assert ties_text(pd.Series([0.9] * 40 + [0.1] * 360), 40).startswith("No learner")


def test_delong_interval_agrees_with_the_bootstrap():
    """Above BOOTSTRAP_MAX_LEARNERS the interval is DeLong's; both must tell the same story."""
    from flbook.findings import delong_interval
    from flbook.findings._predict import _bootstrap_interval

    rng = np.random.default_rng(5)
    n = 3000
    y = rng.random(n) < 0.3
    model = y * 0.8 + rng.normal(0, 1, n)
    base = np.round(y * 0.4 + rng.normal(0, 1, n), 1)  # ties, like the rule's score
    d_low, d_high = delong_interval(y, model, base)
    b_low, b_high = _bootstrap_interval(y, model, base, samples=1000, seed=0)
    gain = roc_auc_score(y, model) - roc_auc_score(y, base)
    assert d_low < gain < d_high
    assert d_low == pytest.approx(b_low, abs=0.01)
    assert d_high == pytest.approx(b_high, abs=0.01)


def test_large_groups_use_delong(monkeypatch):
    import flbook.findings._predict as fpred

    rng = np.random.default_rng(0)
    y = rng.random(400) < 0.4
    pred = replay_table(2, y, y + rng.normal(0, 0.3, 400), rng.random(400))
    boot = auc_gain(pred, week=2, paradigm="transfer")
    monkeypatch.setattr(fpred, "BOOTSTRAP_MAX_LEARNERS", 100)
    monkeypatch.setattr(
        fpred, "_bootstrap_interval", lambda *a, **k: pytest.fail("bootstrapped 400 > 100")
    )
    dl = auc_gain(pred, week=2, paradigm="transfer")
    assert dl["gain"] == boot["gain"]
    assert (dl["low"], dl["high"]) == fpred.delong_interval(
        y.astype(float),
        pred.query("paradigm == 'transfer'")["score"].to_numpy(),
        pred.query("paradigm == 'baseline'")["score"].to_numpy(),
    )
