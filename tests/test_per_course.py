"""Recipes computed once per course and arguments (:func:`flbook.store.per_course`).

A chapter shows a table and its "In this run" findings ask for the same table again;
the second call must reuse the first result, give the same answer, and hand out a copy
that the caller may change without changing what the next caller gets.
"""

from __future__ import annotations

import copy
from pathlib import Path

import pandas as pd
import pytest

import flbook.analysis as fa
from flbook.findings import find
from flbook.store import Course, load_course

ROOT = Path(__file__).resolve().parent.parent

CALLS = [
    ("attempts_per_question", {"group": "enrolled"}),
    ("first_answers", {}),
    ("answer_counts", {"top": 5}),
    ("item_analysis", {"group": "enrolled"}),
    ("distractor_analysis", {"group": "enrolled"}),
    ("rasch_fit", {"group": "enrolled"}),
    ("step_activity_counts", {}),
    ("step_funnel", {}),
    ("step_transitions", {}),
    ("time_on_step", {}),
    ("learner_sessions", {"session_gap_minutes": 40}),
    ("compare_groups", {}),
    ("learner_timeline", {}),
    ("comment_measures", {"by": "week"}),
    ("daily_enrolments", {}),
    ("population_summary", {"groups": ["visited", "commented"]}),
]


@pytest.fixture(scope="module")
def course() -> Course:
    return load_course(ROOT / "data_stub" / "course.yml")


def _frames(result) -> list[pd.DataFrame]:
    if isinstance(result, pd.DataFrame):
        return [result]
    return [v for v in vars(result).values() if isinstance(v, pd.DataFrame)]


@pytest.mark.parametrize(("name", "kwargs"), CALLS, ids=[c[0] for c in CALLS])
def test_a_recipe_is_computed_once_per_course_and_each_caller_gets_its_own_copy(
    course, name, kwargs
):
    recipe = getattr(fa, name)
    assert getattr(recipe, "per_course", False)
    fresh = copy.deepcopy(recipe.__wrapped__(course, **kwargs))  # computed, not kept
    first = recipe(course, **kwargs)
    kept = len(course._derived)
    second = recipe(course, **kwargs)
    assert len(course._derived) == kept  # nothing new computed or kept
    for want, got_first, got_second in zip(
        _frames(fresh), _frames(first), _frames(second), strict=True
    ):
        pd.testing.assert_frame_equal(got_first, want)
        pd.testing.assert_frame_equal(got_second, want)
        assert got_first is not got_second
    frame = _frames(first)[0]
    assert len(frame)  # the bundled course has something to show for each of them
    assert len(frame) > 1
    frame.iloc[:, :] = frame.iloc[::-1, :].to_numpy()  # a caller scribbles on its copy
    pd.testing.assert_frame_equal(_frames(recipe(course, **kwargs))[0], _frames(fresh)[0])


def test_different_arguments_are_kept_apart_and_a_default_given_is_the_default(course):
    one = fa.learner_sessions(course, session_gap_minutes=20)
    other = fa.learner_sessions(course, session_gap_minutes=90)
    assert not one.equals(other)
    assert fa.step_funnel(course).equals(fa.step_funnel(course, group="enrolled"))


def test_a_mask_or_a_table_argument_is_computed_afresh(course):
    ids = fa.learner_ids(course)[:50]
    kept = len(course._derived)
    by_list = fa.attempts_per_question(course, group=list(ids))  # kept: a list of ids
    assert len(course._derived) > kept
    kept = len(course._derived)
    by_index = fa.attempts_per_question(course, group=pd.Index(ids))  # an Index: not kept
    assert len(course._derived) == kept
    pd.testing.assert_frame_equal(by_list, by_index)


def test_findings_asked_for_kind_by_kind_compute_each_family_part_once(course, monkeypatch):
    import flbook.findings._design as design

    calls = []
    real = design._discrimination

    def counting(c):
        calls.append(1)
        return real(c)

    monkeypatch.setattr(design, "_discrimination", counting)
    import flbook.findings._families as fam

    monkeypatch.setattr(fam, "_PARTS_ONCE", {})
    parts = [(counting if f is real else f, k) for f, k in fam.PARTS["quizzes"]]
    monkeypatch.setitem(fam.PARTS, "quizzes", parts)
    fresh = load_course(ROOT / "data_stub" / "course.yml")
    a = find(fresh, "quizzes", kinds=["low_discrimination"])
    b = find(fresh, "quizzes", kinds=["low_discrimination"])
    find(fresh, "quizzes")
    assert calls == [1]
    assert a == b
