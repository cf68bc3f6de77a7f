"""Course settings: validation messages, derived dates, the parameter round trip."""

from __future__ import annotations

import datetime as dt
import textwrap

import pytest

from flbook.config import DEFAULT_COURSE, PARAMETERS, CourseConfig, load_config
from flbook.errors import ConfigError

GOOD = """\
title: Learning to Code for Data Analysis
data: .
stub: learn-to-code-1
registration_open: 2024-01-08
start: 2024-02-05
weeks: 3
notable_dates: {Newsletter sent: 2024-01-20, Reminder: 5 days before start}
exercise_steps: ["1.5", "2.8"]
social_steps: ["1.2"]
session_gap_minutes: 65
"""


def write(tmp_path, text):
    p = tmp_path / "course.yml"
    p.write_text(textwrap.dedent(text))
    return p


def test_good_settings_and_derived_dates(tmp_path):
    cfg = load_config(write(tmp_path, GOOD))
    assert cfg.start == dt.date(2024, 2, 5)
    assert cfg.end == dt.date(2024, 2, 26)
    assert cfg.week_starts == [dt.date(2024, 2, 5), dt.date(2024, 2, 12), dt.date(2024, 2, 19)]
    assert cfg.notable_dates["Reminder"] == dt.date(2024, 1, 31)
    assert cfg.data == str(tmp_path.resolve())
    assert cfg.exercise_steps == ("1.5", "2.8")
    assert cfg.date("week 2") == dt.date(2024, 2, 12)
    assert cfg.date("2 weeks after registration open") == dt.date(2024, 1, 22)
    assert cfg.date("1 day after Newsletter sent") == dt.date(2024, 1, 21)
    assert cfg.data_file("enrolments").name == "learn-to-code-1_enrolments.csv"


def test_parameters_round_trip_and_are_plain_values(tmp_path):
    cfg = load_config(write(tmp_path, GOOD))
    params = cfg.to_parameters()
    assert tuple(params) == PARAMETERS
    for v in params.values():
        assert isinstance(v, (str, int, float, bool, list, dict))
    again = CourseConfig.from_parameters(params)
    assert again.to_parameters() == params
    assert dataclass_fields_equal(again, cfg)


def dataclass_fields_equal(a, b):
    return all(getattr(a, f) == getattr(b, f) for f in PARAMETERS)


@pytest.mark.parametrize(
    "change,key,fragment",
    [
        ("start: 2024-02-31", "start", "YYYY-MM-DD"),
        ("weeks: 0", "weeks", "positive whole number"),
        ("weeks: three", "weeks", "positive whole number"),
        ('exercise_steps: ["1.5", "4.1"]', "exercise_steps", "the course has 3 week(s)"),
        ('exercise_steps: ["1-5"]', "exercise_steps", '"W.S"'),
        ("exercise_steps: [1.10]", "exercise_steps", "in quotes"),
        ("session_gap_minutes: -5", "session_gap_minutes", "positive number"),
        ("notable_dates: {Launch: sometime}", "notable_dates.Launch", "cannot read"),
        ("registration_open: 2024-03-01", "registration_open", "after the start date"),
        ("timezone: Mars/Olympus", "timezone", "time zone"),
        ("stub: 'bad stub/name'", "stub", "file prefix"),
        ("as_of: soon", "as_of", "expected a date"),
        ("as_of: NaT", "as_of", "expected a date"),  # was let through as no moment at all
    ],
)
def test_errors_name_file_key_and_expectation(tmp_path, change, key, fragment):
    key_name = change.split(":")[0]
    lines = [ln for ln in GOOD.splitlines() if not ln.startswith(key_name + ":")]
    path = write(tmp_path, "\n".join(lines + [change]) + "\n")
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert err.value.key == key
    assert str(path) in str(err.value)
    assert fragment in str(err.value)


def test_unknown_key_suggests_the_right_one(tmp_path):
    path = write(tmp_path, GOOD + "sesion_gap_minutes: 30\n")
    with pytest.raises(ConfigError, match="did you mean 'session_gap_minutes'"):
        load_config(path)


def test_missing_required_key(tmp_path):
    path = write(tmp_path, GOOD.replace("stub: learn-to-code-1\n", ""))
    with pytest.raises(ConfigError, match="key 'stub': is required"):
        load_config(path)


def test_not_yaml_and_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "nope.yml")
    bad = tmp_path / "course.yml"
    bad.write_text("title: [unclosed\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(bad)


def test_defaults():
    cfg = CourseConfig.from_parameters(title="T", stub="t-10", start="2024-02-05", weeks=1)
    assert cfg.session_gap_minutes == 65
    assert cfg.timezone == "UTC"
    assert cfg.show_comment_text is False
    assert cfg.registration_open is None


def test_bundled_course_settings_are_valid():
    cfg = load_config(DEFAULT_COURSE)
    assert cfg.weeks >= 1
    assert cfg.data_file("enrolments").exists()
