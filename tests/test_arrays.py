"""The array helpers the recipes share (flbook.analysis.arrays)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest

from flbook.analysis import answer_counts
from flbook.analysis.arrays import read_only
from flbook.store import Course


@dataclass
class _Shared:
    times: np.ndarray
    codes: np.ndarray
    people: pd.Index
    label: str


def test_read_only_freezes_every_array_attribute_and_nothing_else():
    shared = _Shared(np.arange(3), np.array([0, 1, 1]), pd.Index(["a", "b"]), "visits")
    assert read_only(shared) is shared
    assert not shared.times.flags.writeable and not shared.codes.flags.writeable
    with pytest.raises(ValueError, match="read-only"):
        shared.codes[0] = 5
    assert shared.codes.tolist() == [0, 1, 1]
    assert shared.label == "visits" and list(shared.people) == ["a", "b"]


def test_read_only_leaves_an_object_without_arrays_alone():
    class Plain:
        pass

    plain = Plain()
    plain.name = "x"
    assert read_only(plain) is plain and vars(plain) == {"name": "x"}


def test_the_answers_a_course_shares_between_quiz_recipes_are_read_only():
    import flbook.analysis._quiz as quiz

    qr = pd.DataFrame(
        {
            "learner_id": ["a", "b"],
            "quiz_question": ["1.2.1", "1.2.1"],
            "question_type": "MultipleChoice",
            "response": ["1", "2"],
            "cloze_response": None,
            "submitted_at": ["2024-02-05 10:00:00", "2024-02-05 11:00:00"],
            "correct": [True, False],
        }
    )
    enr = pd.DataFrame({"learner_id": ["a", "b"], "role": "learner"})
    course = Course.from_frames(enrolments=enr, question_response=qr)
    assert answer_counts(course)["learners"].sum() == 2
    shared = quiz._answers(course, None)
    arrays = [v for v in vars(shared).values() if isinstance(v, np.ndarray)]
    assert arrays and not any(a.flags.writeable for a in arrays)


@pytest.mark.parametrize("below", [None, 50, 10_000_000])
def test_sorted_distinct_is_np_unique_with_or_without_a_bound(below):
    from flbook.analysis.arrays import sorted_distinct

    rng = np.random.default_rng(3)
    for values in (
        rng.integers(0, 50, 1_000),
        rng.integers(0, 50, 1_000).astype(np.int32),
        np.array([7, -1, 7, 3]),  # out of the range [0, below): sorted instead
        np.array([], dtype=np.int64),
    ):
        got = sorted_distinct(values, below=below)
        want = np.unique(values)
        assert got.dtype == want.dtype
        np.testing.assert_array_equal(got, want)
