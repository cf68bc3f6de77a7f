"""The overview recipes: what period each export covers."""

from __future__ import annotations

import pandas as pd

from flbook.analysis import daily_records
from flbook.store import Course


def test_daily_records_lists_every_day_of_each_dataset_largest_first():
    course = Course.from_frames(
        enrolments=pd.DataFrame(
            {
                "learner_id": ["a", "b", "c"],
                "role": "learner",
                "enrolled_at": [
                    "2024-02-01 10:00:00",
                    "2024-02-01 23:00:00",
                    "2024-02-04 01:00:00",
                ],
            }
        ),
        step_activity=pd.DataFrame(
            {
                "learner_id": ["a"] * 4,
                "step": ["1.1", "1.2", "1.3", "1.4"],
                "first_visited_at": ["2024-02-05 10:00:00"] * 3 + ["2024-02-06 10:00:00"],
            }
        ),
    )
    got = daily_records(course)
    # step activity (4 rows) before enrolments (3); the 2nd and 3rd are enrolment days
    # without rows, each a zero
    assert got["dataset"].tolist() == ["step-activity"] * 2 + ["enrolments"] * 4
    assert got["date"].dt.strftime("%m-%d").tolist() == [
        "02-05",
        "02-06",
        "02-01",
        "02-02",
        "02-03",
        "02-04",
    ]
    assert got["rows"].tolist() == [3, 1, 2, 0, 0, 1]
