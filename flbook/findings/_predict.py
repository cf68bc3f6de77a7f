"""The predictions chapter's verdict: do the models beat the baseline, and by how much?

These functions read the tables of :mod:`flbook.predict` (``replay`` and ``evaluate``)
and never change how predictions are made.
"""

from __future__ import annotations

from statistics import NormalDist

import numpy as np
import pandas as pd

from ..privacy import MIN_COUNT, count_text
from ._core import CONFIDENCE, pct

__all__ = [
    "BOOTSTRAP_SAMPLES",
    "BOOTSTRAP_MAX_LEARNERS",
    "TIE_RISK",
    "auc_gain",
    "delong_interval",
    "prediction_verdict",
    "verdict_text",
    "ties_text",
    "drivers_by_activity",
]

BOOTSTRAP_SAMPLES: int = 1000
"""Resamples of learners for the interval on the AUC difference."""

BOOTSTRAP_MAX_LEARNERS: int = 10_000
"""The most learners scored at one week end for which the interval is bootstrapped.

A bootstrap costs ``samples × learners`` (at 200,000 learners about seven minutes for a
chapter). Above this size the interval comes from DeLong's variance of the paired AUC
difference (DeLong, DeLong & Clarke-Pearson, 1988), which is what the bootstrap
approaches as the number of learners grows; ``tests/test_findings_predict.py`` checks
that the two agree."""

_CHUNK: int = 20_000_000
"""Resamples × learners held in memory at once while bootstrapping."""

TIE_RISK: float = 0.95
"""Learners at or above this predicted risk are counted as tied at the top of the list."""


def _weighted_auc(y: np.ndarray, s: np.ndarray, w: np.ndarray) -> np.ndarray:
    """ROC AUC of scores ``s`` against outcomes ``y`` (0/1) under each row of weights ``w``.

    A bootstrap resample is a row of counts (how often each learner was drawn), so one
    sort of the scores serves every resample. Ties count one half (Mann–Whitney).
    Rows without both classes give NaN.
    """
    order = np.argsort(s, kind="mergesort")
    ss, ys = s[order], y[order].astype(bool)
    ws = w[:, order].astype(float)
    neg = np.where(ys, 0.0, ws)
    pos = np.where(ys, ws, 0.0)
    cum = np.concatenate([np.zeros((w.shape[0], 1)), np.cumsum(neg, axis=1)], axis=1)
    # first and one-past-last index of each learner's tie group in the sorted order
    start = np.searchsorted(ss, ss, side="left")
    end = np.searchsorted(ss, ss, side="right")
    below = cum[:, start]
    within = cum[:, end] - cum[:, start]
    num = (pos * (below + 0.5 * within)).sum(axis=1)
    den = pos.sum(axis=1) * neg.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / den, np.nan)


def _bootstrap_interval(
    y: np.ndarray, s1: np.ndarray, s2: np.ndarray, *, samples: int, seed: int
) -> tuple[float, float]:
    """Percentile interval of AUC(s1) − AUC(s2) over resamples of learners."""
    n = len(y)
    rng = np.random.default_rng(seed)
    diffs = []
    per_chunk = max(1, _CHUNK // max(n, 1))
    for done in range(0, samples, per_chunk):
        k = min(per_chunk, samples - done)
        w = rng.multinomial(n, np.full(n, 1 / n), size=k)
        diffs.append(_weighted_auc(y, s1, w) - _weighted_auc(y, s2, w))
    d = np.concatenate(diffs) if diffs else np.array([])
    d = d[np.isfinite(d)]
    if not len(d):
        return float("nan"), float("nan")
    alpha = (1 - CONFIDENCE) / 2
    return float(np.quantile(d, alpha)), float(np.quantile(d, 1 - alpha))


def delong_interval(y: np.ndarray, s1: np.ndarray, s2: np.ndarray) -> tuple[float, float]:
    """Normal interval of AUC(s1) − AUC(s2) on the same learners, from DeLong's variance.

    Placement values from mid-ranks (ties count one half), as in Sun and Xu (2014):
    one sort per score, so it costs ``n log n`` whatever the number of learners.
    NaN when either class is empty.

    Examples
    --------
    >>> y = np.array([1, 1, 1, 0, 0, 0, 1, 0])
    >>> low, high = delong_interval(y, np.arange(8.0)[::-1], np.zeros(8))
    >>> bool(low < 0.5 < high)
    True
    """
    pos = np.asarray(y).astype(bool)
    m, n = int(pos.sum()), int((~pos).sum())
    if m == 0 or n == 0:
        return float("nan"), float("nan")
    v10, v01, auc = [], [], []
    from scipy.stats import rankdata  # here: importing scipy.stats takes 1-3 s

    for s in (np.asarray(s1, dtype=float), np.asarray(s2, dtype=float)):
        r_all = rankdata(s)
        r_pos = rankdata(s[pos])
        r_neg = rankdata(s[~pos])
        v10.append((r_all[pos] - r_pos) / n)  # share of negatives below each positive
        v01.append(1 - (r_all[~pos] - r_neg) / m)  # share of positives above each negative
        auc.append(v10[-1].mean())
    d10, d01 = v10[0] - v10[1], v01[0] - v01[1]
    var = d10.var(ddof=1) / m if m > 1 else 0.0
    var += d01.var(ddof=1) / n if n > 1 else 0.0
    half = NormalDist().inv_cdf(1 - (1 - CONFIDENCE) / 2) * np.sqrt(var)
    gain = auc[0] - auc[1]
    return float(gain - half), float(gain + half)


def auc_gain(
    predictions: pd.DataFrame,
    *,
    week: int,
    paradigm: str,
    model: str = "logistic",
    samples: int = BOOTSTRAP_SAMPLES,
    seed: int = 0,
) -> dict:
    """A model's AUC minus the baseline's, at one week end, with a bootstrap interval.

    Learners are resampled with replacement (both scores of a learner move together),
    so the interval reflects which learners happened to be on the course.

    Parameters
    ----------
    predictions : the :func:`flbook.predict.replay` table (``learner_id``, ``week``,
        ``paradigm``, ``model``, ``score``, ``disengaged``).
    week, paradigm, model : which scores to compare with the baseline's.
    samples : bootstrap resamples (when at most :data:`BOOTSTRAP_MAX_LEARNERS` learners
        were scored; above that the interval is :func:`delong_interval`'s).
    seed : random seed (the interval is reproducible).

    Returns
    -------
    dict
        ``learners``, ``auc``, ``baseline_auc``, ``gain``, ``low``, ``high`` (the
        :data:`~flbook.findings.CONFIDENCE` interval of ``gain``); NaN where undefined.
    """
    p = predictions[predictions["week"] == week]
    m = p[(p["paradigm"] == paradigm) & (p["model"] == model)].set_index("learner_id")
    b = p[p["paradigm"] == "baseline"].set_index("learner_id")
    ids = m.index.intersection(b.index)
    nan = float("nan")
    if len(ids) == 0:
        return {
            "learners": 0,
            "auc": nan,
            "baseline_auc": nan,
            "gain": nan,
            "low": nan,
            "high": nan,
        }
    y = m.loc[ids, "disengaged"].to_numpy(dtype=float)
    sm = m.loc[ids, "score"].to_numpy(dtype=float)
    sb = b.loc[ids, "score"].to_numpy(dtype=float)
    ones = np.ones((1, len(ids)))
    auc_m = float(_weighted_auc(y, sm, ones)[0])
    auc_b = float(_weighted_auc(y, sb, ones)[0])
    if len(ids) > BOOTSTRAP_MAX_LEARNERS:
        low, high = delong_interval(y, sm, sb)
    else:
        low, high = _bootstrap_interval(y, sm, sb, samples=samples, seed=seed)
    return {
        "learners": int(len(ids)),
        "auc": auc_m,
        "baseline_auc": auc_b,
        "gain": auc_m - auc_b,
        "low": low,
        "high": high,
    }


def prediction_verdict(
    predictions: pd.DataFrame,
    evaluation: pd.DataFrame,
    *,
    model: str = "logistic",
    samples: int = BOOTSTRAP_SAMPLES,
) -> pd.DataFrame:
    """Per week end and paradigm: the AUC gain over the baseline, its interval, the verdict.

    Returns
    -------
    DataFrame
        ``week``, ``paradigm``, ``learners`` (scored), ``pct_disengaged``, ``auc``,
        ``baseline_auc``, ``gain``, ``low``, ``high``, ``verdict`` (``"better"``,
        ``"worse"`` or ``"no clear difference"``: the interval excludes 0 or not),
        ``baseline_flags_nobody`` (the rule "inactive this week" flagged no learner, so
        its AUC comes only from its tie-break), ``pct_recall_ceiling`` (the most that
        recall in the list can reach: list size over learners who disengaged).
    """
    rows = []
    ev = evaluation[evaluation["model"].isin([model, "rule"])]
    for week in sorted(ev["week"].unique()):
        base = ev[(ev["week"] == week) & (ev["paradigm"] == "baseline")]
        flags_nobody = bool(len(base)) and float(base["pct_mean_risk"].iloc[0]) == 0.0
        for r in ev[(ev["week"] == week) & (ev["model"] == model)].itertuples(index=False):
            g = auc_gain(predictions, week=week, paradigm=r.paradigm, model=model, samples=samples)
            disengaged = r.learners * r.pct_disengaged / 100
            ceiling = 100 * min(1.0, r.flagged / disengaged) if disengaged else float("nan")
            if not np.isfinite(g["low"]):
                verdict = "no clear difference"
            elif g["low"] > 0:
                verdict = "better"
            elif g["high"] < 0:
                verdict = "worse"
            else:
                verdict = "no clear difference"
            rows.append(
                {
                    "week": int(week),
                    "paradigm": r.paradigm,
                    "learners": int(r.learners),
                    "pct_disengaged": float(r.pct_disengaged),
                    **{k: g[k] for k in ("auc", "baseline_auc", "gain", "low", "high")},
                    "verdict": verdict,
                    "baseline_flags_nobody": flags_nobody,
                    "flagged": int(r.flagged),
                    "pct_recall": float(r.pct_recall),
                    "pct_recall_ceiling": ceiling,
                }
            )
    return pd.DataFrame(rows)


_PARADIGM = {"post-hoc": "post-hoc", "transfer": "transfer", "in-situ": "in-situ"}


def verdict_text(verdict: pd.DataFrame) -> str:
    """The verdict in plain words, one paragraph per week end (Markdown).

    Says whether each paradigm's model beat the baseline and by how much (AUC points
    with the interval over learners), when the baseline flags nobody, why the number of
    learners scored changes, that in-situ training rests on the finished weeks only,
    and the ceiling that recall in the list cannot pass.
    """
    if verdict.empty:
        return "**In this run.** No week end could be scored, so there is no verdict."
    out = []
    weeks = sorted(verdict["week"].unique())
    for week in weeks:
        v = verdict[verdict["week"] == week]
        first = v.iloc[0]
        parts = [
            f"**End of week {week}** ({count_text(first['learners'])} learners scored"
            + (
                f", {pct(first['pct_disengaged'])} of whom did nothing the following week)."
                if first["learners"] >= MIN_COUNT
                else ")."
            )
        ]
        if first["baseline_flags_nobody"]:
            parts.append(
                "Every learner scored had been active that week, so the rule "
                '"no step activity this week" flags nobody: its AUC comes only from '
                "ordering learners by how recently they were active, and a coin toss "
                "would score 0.5."
            )
        for r in v.itertuples(index=False):
            if r.paradigm == "baseline":
                continue
            diff = (
                f"AUC {r.auc:.2f} against the baseline's {r.baseline_auc:.2f}, a difference of "
                f"{r.gain:+.2f} (95% interval over learners {r.low:+.2f} to {r.high:+.2f})"
            )
            if r.verdict == "better":
                said = f"the {r.paradigm} model ranked learners better than the baseline: {diff}."
            elif r.verdict == "worse":
                said = f"the {r.paradigm} model ranked learners worse than the baseline: {diff}."
            else:
                said = f"the {r.paradigm} model did not clearly beat the baseline: {diff}."
            parts.append(said[0].upper() + said[1:])
        if "in-situ" in set(v["paradigm"]):
            finished = week - 1
            parts.append(
                f"In-situ training here rests on the finished weeks only: "
                f"{finished} week{'s' if finished != 1 else ''} whose following week was over."
            )
        ceil = first["pct_recall_ceiling"]
        if np.isfinite(ceil) and ceil < 100:
            parts.append(
                f"The list holds {count_text(first['flagged'])} learners, so it can reach at most "
                f"{pct(ceil)} of those who disengaged (recall in the list cannot pass that)."
            )
        out.append(" ".join(parts))
    n = [int(verdict.loc[verdict["week"] == w, "learners"].iloc[0]) for w in weeks]
    if len(set(n)) > 1:
        listed = ", ".join(
            f"{count_text(k)} at the end of week {w}" for k, w in zip(n, weeks, strict=True)
        )
        out.append(
            f"The number of learners scored changes ({listed}) because a learner is scored "
            "only after they have started the course and while they are still enrolled: "
            "late starters join the count and learners who unenrol leave it."
        )
    return "**In this run.** " + "\n\n".join(out)


def ties_text(risks: pd.Series, flagged: int, *, threshold: float = TIE_RISK) -> str:
    """Whether the order inside the flagged list is arbitrary because risks tie at the top.

    Parameters
    ----------
    risks : predicted risks (0–1) of the learners scored at the moment.
    flagged : the size of the list (the top 10%).

    Returns
    -------
    str
        one sentence.
    """
    risks = pd.Series(risks, dtype=float).dropna()
    high = int((risks >= threshold).sum())
    if flagged <= 0 or risks.empty:
        return ""
    if high > flagged:
        return (
            f"{count_text(high)} learners have a predicted risk of {threshold:.0%} or more, "
            f"more than the {count_text(flagged)} places on the list: who gets a place among them, and their "
            "order, are arbitrary. Treat them as one group rather than a ranking."
        )
    if high:
        return (
            f"{count_text(high)} of the {count_text(flagged)} learners on the list have a predicted risk of "
            f"{threshold:.0%} or more; their order among themselves says little."
        )
    return f"No learner has a predicted risk of {threshold:.0%} or more."


def drivers_by_activity(prediction) -> pd.DataFrame:
    """:func:`flbook.predict.driver_summary`, with learners already inactive never "falling behind".

    A flagged learner who did nothing in the week before the moment has not fallen
    behind: they have gone quiet. Their drivers that carry the signal "falling behind"
    (a small share of the week's steps done, few steps so far) are counted under
    "gone quiet", with that signal's response.

    Returns
    -------
    DataFrame
        the columns of :func:`~flbook.predict.driver_summary` (``feature``, ``signal``,
        ``suggested_response``, ``learners``, ``main_driver``, ``pct`` of the flagged).
    """
    import dataclasses

    from ..predict import driver_summary
    from ..predict._evaluate import SIGNALS

    t = prediction.table
    flagged = t[t["flagged"]] if "flagged" in t.columns else t
    if flagged.empty or "inactive_this_week" not in t.columns:
        return driver_summary(prediction)
    quiet = SIGNALS["days_since_last_activity"]
    parts = []
    for inactive in (False, True):
        sub = dataclasses.replace(
            prediction, table=flagged[flagged["inactive_this_week"] == inactive]
        )
        d = driver_summary(sub)
        if inactive and not d.empty:
            behind = d["signal"] == "falling behind"
            d.loc[behind, "signal"] = quiet[0]
            d.loc[behind, "suggested_response"] = quiet[1]
        parts.append(d)
    d = pd.concat(parts, ignore_index=True)
    if d.empty:
        return parts[0]
    out = (
        d.groupby(["feature", "signal", "suggested_response"], sort=False)[
            ["learners", "main_driver"]
        ]
        .sum()
        .reset_index()
        .sort_values(["learners", "main_driver"], ascending=False, kind="stable")
        .reset_index(drop=True)
    )
    out["pct"] = 100.0 * out["learners"] / max(len(flagged), 1)
    return out
