"""Population counts, the headline paragraph and demographics with small counts hidden."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from matplotlib import colors as mcolors
from matplotlib import pyplot as plt
from pandas.testing import assert_frame_equal

from flbook.analysis import (
    DEFAULT_POPULATIONS,
    GROUPS,
    demographics,
    demographics_known,
    describe_group,
    learner_flags,
    population_summary,
)
from flbook.findings import headline_summary
from flbook.plotting import COLORS, plot_demographics, plot_population_summary
from flbook.store import Course

T0 = "2024-02-01 10:00:00"


def small_course() -> Course:
    """Five learners and one educator, whose groups can be listed by hand.

    L1 visits, completes, comments, answers, fully participates, buys a certificate.
    L2 visits, completes, comments.   L3 visits (no completion), unenrols.
    L4 unenrols without visiting.      L5 enrols and does nothing.
    E1 (educator) visits and comments: never counted.
    """
    enrolments = pd.DataFrame(
        {
            "learner_id": ["L1", "L2", "L3", "L4", "L5", "E1"],
            "enrolled_at": [T0] * 6,
            "role": ["learner"] * 5 + ["educator"],
            "unenrolled_at": [None, None, "2024-02-06 10:00:00", "2024-02-03 10:00:00", None, None],
            "fully_participated_at": ["2024-02-20 10:00:00", None, None, None, None, None],
            "purchased_statement_at": ["2024-02-21 10:00:00", None, None, None, None, None],
        }
    )
    step_activity = pd.DataFrame(
        {
            "learner_id": ["L1", "L1", "L2", "L3", "E1"],
            "step": ["1.1", "1.2", "1.1", "1.1", "1.1"],
            "first_visited_at": ["2024-02-05 10:00:00"] * 5,
            "last_completed_at": ["2024-02-05 10:05:00"] * 3 + [None, "2024-02-05 10:05:00"],
        }
    )
    comments = pd.DataFrame(
        {
            "id": [1, 2, 3],
            "author_id": ["L1", "L2", "E1"],
            "step": ["1.1"] * 3,
            "text": ["hi", "hello", "welcome"],
            "timestamp": ["2024-02-05 11:00:00"] * 3,
        }
    )
    answers = pd.DataFrame(
        {
            "learner_id": ["L1"],
            "quiz_question": ["1.2.1"],
            "response": ["1"],
            "submitted_at": ["2024-02-05 10:03:00"],
            "correct": [True],
        }
    )
    return Course.from_frames(
        enrolments=enrolments,
        step_activity=step_activity,
        comments=comments,
        question_response=answers,
    )


def people(n: int, **columns) -> Course:
    """``n`` learners enrolled on the same day, with the given demographic columns."""
    frame = pd.DataFrame(
        {
            "learner_id": [f"p{i}" for i in range(n)],
            "enrolled_at": [T0] * n,
            "role": ["learner"] * n,
            **columns,
        }
    )
    return Course.from_frames(enrolments=frame)


# ------------------------------------------------------------------ population summary


def test_population_summary_counts_by_hand():
    got = population_summary(small_course())
    counts = {
        "enrolled": 5,
        "unenrolled": 2,
        "fully_participated": 1,
        "purchased": 1,
        "visited": 3,
        "completed": 2,
        "commented": 2,
        "answered": 1,
        "~visited": 2,
        "visited & ~completed": 1,
        "unenrolled & ~visited": 1,
        "fully_participated & commented": 1,
        "fully_participated & ~purchased": 0,
    }
    assert list(counts) == list(DEFAULT_POPULATIONS)
    expected = pd.DataFrame(
        {
            "group": list(counts),
            "description": [describe_group(g) for g in counts],
            "learners": np.array(list(counts.values()), dtype="int64"),
            "pct_of_enrolled": np.array(list(counts.values()), dtype="float64") * 20.0,
        }
    )
    assert_frame_equal(got, expected)


def test_population_summary_chosen_groups_and_descriptions():
    course = small_course()
    got = population_summary(
        course, groups={"commented | answered": "took part in a discussion or quiz"}
    )
    assert got.loc[0, "learners"] == 2
    assert got.loc[0, "description"] == "took part in a discussion or quiz"
    flags = learner_flags(course)
    assert_frame_equal(
        population_summary(flags, groups=["visited"]), population_summary(course, groups="visited")
    )
    with pytest.raises(ValueError, match="unknown learner group"):
        population_summary(course, groups=["lurkers"])


def test_population_summary_other_roles():
    got = population_summary(small_course(), groups=["enrolled", "commented"], roles=("educator",))
    assert got["learners"].tolist() == [1, 1]


def test_describe_group():
    assert describe_group("visited") == GROUPS["visited"]
    assert describe_group("unenrolled & ~visited") == "left the course and never visited a step"
    assert describe_group("~(commented | answered)") == (
        "not (commented at least once or answered at least one question)"
    )


def test_population_summary_empty_course():
    got = population_summary(Course.from_frames(), groups=["enrolled", "visited"])
    assert got["learners"].tolist() == [0, 0]
    assert got["pct_of_enrolled"].isna().all()  # no division by zero
    assert list(got.columns) == ["group", "description", "learners", "pct_of_enrolled"]


# ------------------------------------------------------------------ headline


def test_headline_by_hand():
    # counts under 10 read "fewer than 10", without a share (the small-count rule)
    assert headline_summary(small_course()) == (
        "Of fewer than 10 enrolled learners, fewer than 10 visited at least one step and "
        "fewer than 10 marked at least one step complete. Fewer than 10 posted at least one "
        "comment and fewer than 10 answered at least one question. Fewer than 10 fully "
        "participated and fewer than 10 bought a certificate. Fewer than 10 unenrolled, "
        "fewer than 10 of them without visiting a step."
    )


def test_headline_zero_cases():
    assert headline_summary(Course.from_frames()) == "No learner has enrolled on this course run."
    assert headline_summary(people(3)) == (
        "Fewer than 10 learners enrolled; none of them has visited a step yet. No learner has "
        "commented or answered a question. No learner has fully participated or bought a "
        "certificate. No learner has unenrolled."
    )
    assert headline_summary(people(12)).startswith("12 learners enrolled; none of them")
    assert headline_summary(people(1)).startswith("Fewer than 10 learners enrolled; none")


def test_headline_one_of_a_pair_and_all_leavers_unseen():
    flags = pd.DataFrame(
        {
            "learner_id": ["a", "b", "c", "d"],
            **{g: [False] * 4 for g in GROUPS},
        }
    ).assign(
        enrolled=True,
        visited=[True, True, False, False],
        commented=[True, False, False, False],
        fully_participated=[False, True, False, False],
        unenrolled=[False, False, True, True],
    )
    text = headline_summary(flags)
    assert "but none marked a step complete." in text
    assert "Fewer than 10 posted at least one comment. No learner has answered a question." in text
    assert "Fewer than 10 fully participated. No learner has bought a certificate." in text
    assert text.endswith("Fewer than 10 unenrolled, all without visiting a step.")
    assert not re.search(r"\d", text.replace("10", ""))  # no count under 10, no share


def test_headline_thousands_and_tiny_shares():
    n = 2013
    flags = pd.DataFrame({"learner_id": np.arange(n).astype(str)}).assign(
        **{g: False for g in GROUPS}
    )
    flags["enrolled"] = True
    flags.loc[:1539, "visited"] = True
    flags.loc[:2011, "completed"] = False
    flags.loc[:2, "commented"] = True
    flags.loc[:2011, "answered"] = True  # 2,012 of 2,013: short of all
    text = headline_summary(flags)
    assert text.startswith("Of 2,013 enrolled learners, 1,540 (77%) visited at least one step")
    assert "Fewer than 10 posted at least one comment and 2,012 (>99%) answered" in text
    assert "nan" not in text and "inf" not in text


# ------------------------------------------------------------------ demographics


def gender_course(counts: dict[str, int]) -> Course:
    values = [v for v, n in counts.items() for _ in range(n)]
    return people(len(values), gender=values)


def test_demographics_suppresses_small_groups():
    course = gender_course({"female": 12, "male": 9, "nonbinary": 2, "other": 3, "Unknown": 5})
    got = demographics(course, "gender", min_learners=5)
    expected = pd.DataFrame(
        {
            "gender": ["female", "male", "nonbinary", "other", "Unknown"],
            "learners_label": ["12", "9", "<5", "<5", "5"],
            "pct": [12 / 31 * 100, 9 / 31 * 100, np.nan, np.nan, 5 / 31 * 100],
            "pct_of_known": [12 / 26 * 100, 9 / 26 * 100, np.nan, np.nan, np.nan],
            "suppressed": [False, False, True, True, False],
        }
    )
    assert_frame_equal(got, expected)


def test_demographics_default_threshold_hides_under_ten():
    course = gender_course({"female": 10, "male": 9, "other": 9, "Unknown": 1})
    got = demographics(course, "gender")
    assert got["learners_label"].tolist() == ["10", "<10", "<10", "<10"]
    assert got["suppressed"].tolist() == [False, True, True, True]
    # nothing in the table holds a count as a number
    assert not any(pd.api.types.is_integer_dtype(got[c]) for c in got.columns)


def test_demographics_never_hides_a_single_known_value():
    # "nonbinary" alone would be recoverable as total - female - male: male is hidden too
    course = gender_course({"female": 30, "male": 12, "nonbinary": 2, "Unknown": 6})
    got = demographics(course, "gender", min_learners=5)
    assert got["gender"].tolist() == ["female", "male", "nonbinary", "Unknown"]
    assert got["learners_label"].tolist() == ["30", "hidden", "<5", "6"]
    assert got["suppressed"].tolist() == [False, True, True, False]
    assert got.loc[1, ["pct", "pct_of_known"]].isna().all()


def test_demographics_unknown_markers_and_thousands():
    n = 1500
    values = ["GB"] * 1200 + ["--"] * 100 + ["Unknown"] * 200
    course = people(n, detected_country=values)
    got = demographics(course, "detected_country")
    assert got["detected_country"].tolist() == ["GB", "Unknown"]
    assert got["learners_label"].tolist() == ["1,200", "300"]
    assert got["pct"].tolist() == [80.0, 20.0]
    assert got["pct_of_known"].iloc[0] == 100.0
    # an older export without the column: every value is missing, so Unknown
    got = demographics(people(12), "detected_country")
    assert got["detected_country"].tolist() == ["Unknown"]
    assert got["learners_label"].tolist() == ["12"]


def test_demographics_age_ranges_in_age_order():
    ages = {"26-35": 20, ">65": 15, "<18": 11, "18-25": 30, "Unknown": 12}
    course = people(sum(ages.values()), age_range=[a for a, n in ages.items() for _ in range(n)])
    assert demographics(course, "age_range")["age_range"].tolist() == [
        "<18",
        "18-25",
        "26-35",
        ">65",
        "Unknown",
    ]
    by_count = demographics(course, "age_range", sort="learners")["age_range"].tolist()
    assert by_count == ["18-25", "26-35", ">65", "<18", "Unknown"]


def test_demographics_for_a_group_and_roles():
    course = small_course()  # no demographic answers: everyone is Unknown
    got = demographics(course, "country", group="visited", min_learners=1)
    assert got["country"].tolist() == ["Unknown"]
    assert got["learners_label"].tolist() == ["3"]


def test_demographics_empty_and_bad_column():
    got = demographics(Course.from_frames(), "gender")
    assert got.empty
    assert list(got.columns) == ["gender", "learners_label", "pct", "pct_of_known", "suppressed"]
    with pytest.raises(ValueError, match="not a demographic column"):
        demographics(small_course(), "learner_id")


def test_demographics_known():
    # age_range is absent (missing for everyone)
    course = people(4, gender=["female", "Unknown", "male", "Unknown"], country=["GB"] * 4)
    got = demographics_known(course, columns=["gender", "country", "age_range"])
    expected = pd.DataFrame(
        {
            "column": ["gender", "country", "age_range"],
            "known": np.array([2, 4, 0], dtype="int64"),
            "unknown": np.array([2, 0, 4], dtype="int64"),
            "pct_known": [50.0, 100.0, 0.0],
        }
    )
    assert_frame_equal(got, expected)
    empty = demographics_known(Course.from_frames(), columns=["gender"])
    assert empty["known"].tolist() == [0] and empty["pct_known"].isna().all()


# ------------------------------------------------------------------ plots


def test_plot_population_summary_draws_a_labelled_bar_per_group():
    data = pd.DataFrame(
        {
            "group": ["enrolled", "visited", "unenrolled & ~visited"],
            "description": ["", "", ""],
            "learners": np.array([2013, 1540, 0], dtype="int64"),
            "pct_of_enrolled": [100.0, 1540 / 2013 * 100, 0.0],
        }
    )
    fig, ax = plt.subplots()
    out = plot_population_summary(data, ax=ax)
    assert out is ax
    bars = ax.containers[0]
    assert len(bars) == 3
    assert [b.get_width() for b in bars] == [2013, 1540, 0]
    texts = [t.get_text() for t in ax.texts]
    assert "2,013 (100%)" in texts and "1,540 (77%)" in texts and "0 (0%)" in texts
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == ["enrolled", "visited", "unenrolled & not visited"]
    # combinations are drawn in the second colour
    assert mcolors.to_hex(bars[2].get_facecolor()) == COLORS["secondary"].lower()
    assert ax.get_xlabel() == "Learners"


def test_plot_demographics_hides_suppressed_bars():
    course = gender_course({"female": 12, "male": 9, "nonbinary": 2, "other": 3, "Unknown": 5})
    data = demographics(course, "gender", min_learners=5)
    fig, ax = plt.subplots()
    assert plot_demographics(data, ax=ax) is ax
    bars = ax.containers[0]
    assert len(bars) == 3  # female, male, Unknown
    assert mcolors.to_hex(bars[2].get_facecolor()) == COLORS["muted"].lower()
    texts = [t.get_text().strip() for t in ax.texts]
    assert texts.count("<5") == 2
    assert len(ax.get_yticklabels()) == 5


def test_plot_demographics_says_so_when_every_group_is_hidden():
    # every known value is under the threshold: no empty 0-1.2 % axis, a sentence instead
    course = gender_course({"female": 3, "male": 4, "Unknown": 30})
    data = demographics(course, "gender", min_learners=10)
    fig, ax = plt.subplots()
    assert plot_demographics(data, y="pct_of_known", ax=ax) is ax
    assert not ax.containers or len(ax.containers[0]) == 0
    assert [t.get_text() for t in ax.texts] == [
        "All groups have fewer than 10 learners, so none is shown"
    ]
    assert ax.get_xticks().size == 0
    # with "Unknown" shown there is still a bar to draw
    fig, ax = plt.subplots()
    plot_demographics(data, ax=ax)
    assert len(ax.containers[0]) == 1


def test_plot_demographics_limits_bars_and_known_only():
    data = demographics(
        people(60, country=[f"C{i:02d}" for i in range(5) for _ in range(12)]), "country"
    )
    fig, ax = plt.subplots()
    plot_demographics(data, top=3, ax=ax)
    assert len(ax.containers[0]) == 3
    assert any("2 more not shown" in t.get_text() for t in ax.texts)
    fig, ax = plt.subplots()
    plot_demographics(data, y="pct_of_known", ax=ax)
    assert [b.get_width() for b in ax.containers[0]] == [20.0] * 5


def test_plots_on_empty_data_say_no_data():
    for plot, data in (
        (plot_population_summary, population_summary(Course.from_frames()).iloc[0:0]),
        (plot_demographics, demographics(Course.from_frames(), "gender")),
    ):
        fig, ax = plt.subplots()
        assert plot(data, ax=ax) is ax
        assert [t.get_text() for t in ax.texts] == ["No data"]


def test_plot_uses_current_axes():
    fig, ax = plt.subplots()
    assert plot_population_summary(population_summary(small_course())) is ax


# ------------------------------------------------------------------ synthetic course


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    from flbook import load_course, make_course

    root = tmp_path_factory.mktemp("populations")
    make_course(root / "export", learners=400, weeks=3, seed=5)
    return load_course(root / "export" / "course.yml", cache=root / "cache")


def test_invariants_on_a_synthetic_course(synthetic):
    enr = synthetic.enrolments
    n = int((enr["role"] == "learner").sum())
    summary = population_summary(synthetic)
    by = dict(zip(summary["group"], summary["learners"], strict=True))
    assert by["enrolled"] == n
    assert (summary["learners"] <= n).all()
    assert (summary["pct_of_enrolled"].between(0, 100)).all()
    assert by["visited"] + by["~visited"] == n
    assert by["completed"] + by["visited & ~completed"] == by["visited"]
    assert by["fully_participated & commented"] <= min(by["fully_participated"], by["commented"])
    text = headline_summary(synthetic)
    assert f"Of {n:,} enrolled learners" in text
    assert "nan" not in text.lower()


@pytest.mark.parametrize("column", ["gender", "country", "age_range", "detected_country"])
def test_demographic_invariants_on_a_synthetic_course(synthetic, column):
    got = demographics(synthetic, column)
    shown = got[~got["suppressed"]]
    counts = shown["learners_label"].str.replace(",", "").astype(int)
    assert (counts >= 10).all()
    assert got.loc[got["suppressed"], "pct"].isna().all()
    assert shown["pct"].sum() <= 100 + 1e-9
    assert (got[column] == "Unknown").sum() <= 1
    assert not got[column].duplicated().any()
    # a hidden known value is never alone
    hidden_known = got["suppressed"] & (got[column] != "Unknown")
    assert hidden_known.sum() != 1
    known = demographics_known(synthetic, columns=[column])
    assert int(known["known"].iloc[0] + known["unknown"].iloc[0]) == len(
        synthetic.enrolments.query("role == 'learner'")
    )
