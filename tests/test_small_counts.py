"""The small-count rule in sentences and in the charts that did not apply it yet.

Counts of people under 10 are never shown, in a table, a chart or a sentence, and nor is
a share computed from so few (:mod:`flbook.privacy`). These tests cover the sentence
helpers, the step funnel, the pooled step charts, the group-comparison charts of study
sessions and the prediction charts, and how a section without its data ends.
"""

from __future__ import annotations

import re

import matplotlib.pyplot as plt
import nbformat
import numpy as np
import pandas as pd
import pytest

import flbook as fl
import flbook.plotting as flp
from flbook._setup import SECTION_END as SETUP_SECTION_END
from flbook.analysis._groups import GROUPS
from flbook.privacy import count_share, count_text, share_text
from flbook.render.execute import SECTION_END, drop_skipped_sections

# ------------------------------------------------------------------ sentences


@pytest.mark.parametrize("n", range(1, 10))
def test_a_small_count_reads_fewer_than_ten_and_never_its_digit(n):
    for text in (count_text(n), count_share(n, 500), fl.count_text(n)):
        assert text == "fewer than 10"
        assert str(n) not in text.replace("10", "")
    # nor is a share derived from it given, whether the few are the part or the whole
    assert share_text(n, 500) == ""
    assert share_text(40, n) == ""  # "40 of 3"? the whole is a few people
    assert share_text(n, 200, pct=4.5) == ""


def test_counts_of_ten_or_more_and_zero_are_shown():
    assert count_text(10) == "10"
    assert count_text(12345) == "12,345"
    assert count_text(0) == "0"  # points at nobody
    assert count_share(45, 380) == "45 (12%)"
    assert share_text(0, 50) == "0%"
    assert share_text(45, 100, pct=44.6) == "45%"  # a recipe's own percentage, same rule
    assert share_text(5, 0) == ""  # nothing to divide by


def test_headline_summary_applies_the_rule():
    flags = pd.DataFrame({"learner_id": [f"p{i}" for i in range(40)]})
    for g in GROUPS:
        flags[g] = False
    flags["enrolled"] = True
    flags.loc[:29, "visited"] = True
    flags.loc[:2, "commented"] = True  # 3 learners
    flags.loc[30:33, "unenrolled"] = True  # 4 learners, none visited
    text = fl.findings.headline_summary(flags)
    assert "Of 40 enrolled learners, 30 (75%) visited at least one step" in text
    assert "Fewer than 10 posted at least one comment" in text
    assert "Fewer than 10 unenrolled, all without visiting a step." in text
    assert not re.search(r"\b[1-9]\b", text.replace("Of 40", "").replace("30 (75%)", ""))


# ------------------------------------------------------------------ funnel


def _steps(*names):
    return pd.Categorical(list(names), list(names), ordered=True)


def test_funnel_draws_no_share_of_fewer_than_ten():
    funnel = pd.DataFrame(
        {
            "step": _steps("1.1", "1.2", "1.3"),
            "learners": [50, 4, 20],
            "pct_of_first": [100.0, 8.0, 40.0],
        }
    )
    fig, ax = plt.subplots()
    flp.plot_step_funnel(funnel, ax=ax)
    assert [b.get_height() for b in ax.containers[0]] == [100, 0, 40]
    assert "counts under 10 are not shown" in ax.get_xlabel()
    # fewer than 10 learners on the first step: every share rests on them
    few = funnel.assign(learners=[8, 4, 2], pct_of_first=[100.0, 50.0, 25.0])
    fig, ax = plt.subplots()
    flp.plot_step_funnel(few, ax=ax)
    assert not ax.containers
    assert any("Fewer than 10" in t.get_text() for t in ax.texts)


# ------------------------------------------------------------------ pooled step charts


def test_pool_small_steps_by_week():
    steps = ["1.1", "1.2", "1.3", "1.4", "2.1", "2.2", "3.1"]
    pooled = flp.pool_small_steps(steps, np.array([40, 6, 5, 0, 12, 3, 0]), 10)
    assert list(pooled["label"]) == [
        "1.1",
        "1.4",
        "rest of week 1",
        "2.1",
        "rest of week 2",
        "3.1",
    ]
    assert list(pooled["height"]) == [40, 0, 11, 12, 0, 0]  # week 2's pool of 3: no bar
    assert int(pooled["height"].sum()) == 40 + 11 + 12
    # nothing under 10 is drawn, and nobody among the drawn pools is lost
    drawn = pooled["height"].to_numpy()
    assert not ((drawn > 0) & (drawn < 10)).any()


def test_furthest_step_chart_pools_small_steps_into_rest_of_week_bars():
    data = pd.DataFrame(
        {
            "step": _steps("1.1", "1.2", "1.3", "2.1", "2.2", "2.3"),
            "learners": [30, 4, 7, 6, 5, 15],
        }
    )
    fig, ax = plt.subplots()
    flp.plot_step_counts(data, ax=ax)  # without pooling: only two bars
    assert sum(b.get_height() > 0 for b in ax.containers[0]) == 2
    fig, ax = plt.subplots()
    flp.plot_step_counts(data, pool=True, ax=ax)
    heights = [b.get_height() for b in ax.containers[0]]
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert labels == ["1.1", "rest of week 1", "2.3", "rest of week 2"]
    assert heights == [30, 11, 15, 11]
    assert [b.get_hatch() for b in ax.containers[0]] == [None, "///", None, "///"]
    assert "pooled" in ax.get_xlabel()


def test_stopped_here_chart_pools_and_keeps_its_lines():
    data = pd.DataFrame(
        {
            "step": _steps("1.1", "1.2", "1.3", "2.1"),
            "learners": [30, 4, 7, 20],
            "stopped_cumulative": [30, 34, 41, 61],
            "went_on": [31, 27, 20, 0],
        }
    )
    fig, ax = plt.subplots()
    flp.plot_stopped_here(data, pool=True, ax=ax)
    assert [b.get_height() for b in ax.containers[0]] == [30, 11, 20]
    lines = {line.get_label(): line for line in ax.lines}
    stopped, went_on = lines["Stopped here or earlier"], lines["Went on from here"]
    # the pool sits after the week's last step and reads as there
    assert list(stopped.get_ydata()) == [30, 41, 61]
    assert list(went_on.get_ydata()) == [31, 20, 0]


# ------------------------------------------------------------------ session groups


def _hist(groups: dict[str, list[int]]) -> pd.DataFrame:
    rows = []
    for g, counts in groups.items():
        total = sum(counts)
        for i, c in enumerate(counts):
            rows.append(
                {
                    "group": g,
                    "measure": "sessions",
                    "bin_left": float(i),
                    "bin_right": float(i + 1),
                    "learners": c,
                    "pct": 100 * c / total,
                }
            )
    return pd.DataFrame(rows)


def test_group_outlines_draw_no_share_of_a_few():
    fig, ax = plt.subplots()
    flp.plot_session_distribution(_hist({"big": [50, 3, 47], "tiny": [2, 1, 0]}), ax=ax)
    outlines = [p for p in ax.patches]
    assert len(outlines) == 1  # the group of three learners has no outline
    values = outlines[0].get_data().values
    assert list(values) == [50.0, 0.0, 47.0]  # the bin of 3 is drawn at 0
    assert "tiny" in ax.get_xlabel() and "drawn at 0" in ax.get_xlabel()


def test_group_comparison_draws_no_box_for_fewer_than_ten():
    base = {"measure": "sessions", "median": 2.0, "q1": 1.0, "q3": 3.0, "p10": 1.0, "p90": 5.0}
    data = pd.DataFrame(
        [
            {**base, "group": "unenrolled", "learners": 4},
            {**base, "group": "fully_participated", "learners": 120},
        ]
    )
    fig, ax = plt.subplots()
    flp.plot_group_comparison(data, ax=ax)
    assert len(ax.patches) == 1
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert labels[0].endswith("(n < 10)") and "4" not in labels[0]
    assert labels[1].endswith("(n = 120)")


# ------------------------------------------------------------------ predictions


def test_prediction_charts_leave_out_what_rests_on_a_few():
    scores = pd.DataFrame(
        {
            "week": [1, 1, 2, 2],
            "paradigm": ["post-hoc", "baseline", "post-hoc", "baseline"],
            "model": ["logistic", "rule", "logistic", "rule"],
            "learners": [200, 200, 150, 150],
            "pct_disengaged": [30.0, 30.0, 40.0, 40.0],
            "auc": [0.7, 0.6, 0.75, 0.6],
            "flagged": [20, 20, 6, 6],
            "pct_precision": [60.0, 50.0, 50.0, 33.3],
        }
    )
    fig, ax = plt.subplots()
    flp.plot_prediction_scores(scores, y="pct_precision", ax=ax)
    drawn = sorted(b.get_height() for c in ax.containers for b in c)
    assert drawn == [50.0, 60.0]  # week 2's list of 6 is not drawn
    assert "fewer than 10" in ax.get_xlabel()

    cal = pd.DataFrame(
        {
            "paradigm": ["post-hoc"] * 3,
            "model": ["logistic"] * 3,
            "pct_bin_left": [0.0, 10.0, 20.0],
            "pct_bin_right": [10.0, 20.0, 30.0],
            "learners": [100, 3, 40],
            "pct_mean_risk": [5.0, 15.0, 25.0],
            "pct_disengaged": [4.0, 66.7, 30.0],
        }
    )
    fig, ax = plt.subplots()
    flp.plot_calibration(cal, ax=ax)
    assert 66.7 not in list(ax.lines[-1].get_ydata())
    assert len(ax.lines[-1].get_ydata()) == 2

    risk = pd.DataFrame(
        {
            "pct_bin_left": [0.0, 50.0],
            "pct_bin_right": [50.0, 100.0],
            "learners": [120, 14],
            "flagged": [0, 5],
        }
    )
    fig, ax = plt.subplots()
    flp.plot_risk_distribution(risk, ax=ax)
    heights = [b.get_height() for c in ax.containers for b in c]
    assert not any(0 < h < 10 for h in heights)
    assert "not drawn" in ax.get_xlabel()

    drivers = pd.DataFrame(
        {
            "feature": ["a", "b"],
            "signal": ["x", "y"],
            "learners": [25, 3],
        }
    )
    fig, ax = plt.subplots()
    flp.plot_risk_drivers(drivers, ax=ax)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["a"]


# ------------------------------------------------------------------ sections without data


def _nb(*cells):
    nb = nbformat.v4.new_notebook()
    nb.cells = list(cells)
    return nb


def _code(src, marked=False):
    cell = nbformat.v4.new_code_cell(src)
    if marked:
        cell.outputs = [
            nbformat.v4.new_output(
                "display_data",
                data={"text/markdown": "::: {.callout-note}\nNo data here.\n:::"},
                metadata={SECTION_END: True},
            )
        ]
    return cell


def test_a_skipped_section_ends_at_the_next_heading_or_closing_tag(tmp_path):
    assert SECTION_END == SETUP_SECTION_END
    md = nbformat.v4.new_markdown_cell
    nb = _nb(
        md("# Chapter"),
        md("## A section\n\nIntro."),
        _code("skip()", marked=True),
        _code("#| label: fig-a\nchart()"),
        md("@fig-a shows it.\n\n### A subsection"),
        _code("#| label: tbl-a\ntable()"),
        md("## Next section"),
        _code("kept()"),
        md("<details>\n<summary>Answer</summary>"),
        _code("skip()", marked=True),
        _code("#| label: tbl-b\ntable()"),
        md("</details>"),
        md("After."),
    )
    path = tmp_path / "ch.ipynb"
    nbformat.write(nb, path)
    assert drop_skipped_sections(path) == 4
    kept = [c.source.splitlines()[0] for c in nbformat.read(path, as_version=4).cells]
    assert kept == [
        "# Chapter",
        "## A section",
        "skip()",
        "## Next section",
        "kept()",
        "<details>",
        "skip()",
        "</details>",
        "After.",
    ]
    assert drop_skipped_sections(path) == 0  # safe to run twice


def test_a_folded_block_inside_a_skipped_section_goes_with_it(tmp_path):
    """Chapter 9: the campaigns table folded in <details> after the section's stop."""
    md = nbformat.v4.new_markdown_cell
    nb = _nb(
        md("## Campaigns"),
        _code("skip()", marked=True),
        _code("#| label: fig-c\nchart()"),
        md('<details class="fold">\n<summary>The table</summary>'),
        _code("table()"),
        md("</details>"),
        md("More about campaigns."),
        md("## Next"),
        _code("kept()"),
    )
    path = tmp_path / "ch.ipynb"
    nbformat.write(nb, path)
    assert drop_skipped_sections(path) == 5
    kept = [c.source.splitlines()[0] for c in nbformat.read(path, as_version=4).cells]
    assert kept == ["## Campaigns", "skip()", "## Next", "kept()"]


# ------------------------------------------------------------------ load warnings


@pytest.mark.parametrize(("people", "said"), [(3, "fewer than 10"), (12, "12")])
def test_the_reenrolment_warning_applies_the_rule(tmp_path, people, said):
    from flbook.exports import DATASETS, read_export

    rows = ["learner_id,enrolled_at,unenrolled_at,role"]
    for i in range(people):  # each enrolled twice
        rows.append(f"p{i},2024-01-01 00:00:00 UTC,2024-01-02 00:00:00 UTC,learner")
        rows.append(f"p{i},2024-01-05 00:00:00 UTC,,learner")
    path = tmp_path / "e.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    _, report = read_export(path, DATASETS["enrolments"])
    (warning,) = [w for w in report.warnings if "more than once" in w]
    assert warning.startswith(f"{said} people enrolled more than once")
    if people < 10:
        assert str(people) not in warning


def test_the_parts_of_a_shown_whole_do_not_give_a_small_part_away():
    """Chapter 12: "Of 131 flagged, 128 quiet; the rest fewer than 10" gave away 3."""
    from flbook.privacy import split_text

    assert split_text(128, 131) == ("all but fewer than 10", "fewer than 10")
    assert split_text(3, 131) == ("fewer than 10", "all but fewer than 10")
    assert split_text(100, 131) == ("100", "31")
    assert split_text(131, 131) == ("131", "0")
    assert split_text(4, 7) == ("fewer than 10", "fewer than 10")
