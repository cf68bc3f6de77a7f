"""Tests of flbook.synth: format fidelity, determinism and the realism later chapters rely on."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pcsv
import pytest
import yaml

from flbook.synth import DATASETS, make_awkward_course, make_course

STUB = "learn-to-code-1"

# The column lists of docs futurelearn-exports.md, written out here (not imported from
# flbook.synth) so that a change to the generator cannot silently change the expectation.
NEWEST = {
    "enrolments": "learner_id, enrolled_at, unenrolled_at, role, fully_participated_at, purchased_statement_at, gender, country, age_range, highest_education_level, employment_status, employment_area, detected_country",
    "step-activity": "learner_id, step, week_number, step_number, first_visited_at, last_completed_at",
    "comments": "id, author_id, parent_id, step, week_number, step_number, text, timestamp, likes, first_reported_at, first_reported_reason, moderation_state, moderated",
    # v2: the doc says only "adds question_type and cloze_response"; their positions follow
    # a published partner loader (question_type after quiz_question, cloze_response after response)
    "question-response": "learner_id, quiz_question, question_type, week_number, step_number, question_number, response, cloze_response, submitted_at, correct",
    "peer-review-assignments": "id, step, week_number, step_number, author_id, text, first_viewed_at, submitted_at, moderated, review_count",
    "peer-review-reviews": "id, step, week_number, step_number, reviewer_id, assignment_id, guideline_one_feedback, guideline_two_feedback, guideline_three_feedback, created_at",
    "leaving-survey-responses": "id, learner_id, left_at, leaving_reason, last_completed_step_at, last_completed_step, last_completed_week_number, last_completed_step_number",
    "archetype-survey-responses": "id, learner_id, responded_at, archetype",
    "weekly-sentiment-survey-responses": "id, responded_at, week_number, experience_rating, reason",
    "video-stats": "step_position, title, video_duration, total_views, total_downloads, total_caption_views, total_transcript_views, viewed_hd, viewed_five_percent, viewed_ten_percent, viewed_twentyfive_percent, viewed_fifty_percent, viewed_seventyfive_percent, viewed_ninetyfive_percent, viewed_onehundred_percent, console_device_percentage, desktop_device_percentage, mobile_device_percentage, tv_device_percentage, tablet_device_percentage, unknown_device_percentage, europe_views_percentage, oceania_views_percentage, asia_views_percentage, north_america_views_percentage, south_america_views_percentage, africa_views_percentage, antarctica_views_percentage",
    "team-members": "id, first_name, last_name, team_role, user_role",
    "campaigns": "utm_source, utm_campaign, utm_medium, utm_term, utm_content, domain, enrolments, active_learners, upgrades_purchased",
}
NEWEST = {k: v.split(", ") for k, v in NEWEST.items()}
OLDEST = dict(NEWEST)
OLDEST["enrolments"] = NEWEST["enrolments"][:-1]
OLDEST["step-activity"] = ["learner_id", "step", "first_visited_at", "last_completed_at"]
OLDEST["comments"] = "id, author_id, parent_id, step, text, timestamp, moderated, likes".split(", ")
OLDEST["question-response"] = [
    c for c in NEWEST["question-response"] if c not in ("question_type", "cloze_response")
]
OLDEST["video-stats"] = [
    c for c in NEWEST["video-stats"] if c not in ("step_position", "video_duration")
]
# older campaigns export: 6 columns (as loaded by published partner tools)
OLDEST["campaigns"] = [
    "utm_source",
    "utm_campaign",
    "utm_medium",
    "domain",
    "enrolments",
    "active_learners",
]
EXPECTED_WIDTHS = {
    "enrolments": (13, 12),
    "step-activity": (6, 4),
    "comments": (13, 8),
    "question-response": (10, 8),
    "video-stats": (28, 26),
    "campaigns": (9, 6),
}

TS = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC$")
STEP = re.compile(r"^\d+\.\d+$")
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
TS_COLUMNS = {"enrolled_at", "unenrolled_at", "fully_participated_at", "purchased_statement_at",
              "first_visited_at", "last_completed_at", "timestamp", "first_reported_at", "moderated",
              "submitted_at", "first_viewed_at", "created_at", "left_at", "last_completed_step_at",
              "responded_at"}  # fmt: skip


def read(folder: Path, dataset: str, stub: str = STUB) -> pd.DataFrame:
    """Read an export as strings with pyarrow (empty cells stay empty strings)."""
    path = folder / f"{stub}_{dataset}.csv"
    names = path.open(encoding="utf-8").readline().rstrip("\n").split(",")
    table = pcsv.read_csv(
        path,
        parse_options=pcsv.ParseOptions(newlines_in_values=True),
        convert_options=pcsv.ConvertOptions(
            column_types={n: pa.string() for n in names}, strings_can_be_null=False
        ),
    )
    return table.to_pandas()


def ts(values: pd.Series) -> pd.Series:
    return pd.to_datetime(
        values.where(values != "").str.removesuffix(" UTC"), format="%Y-%m-%d %H:%M:%S"
    )


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> tuple[Path, dict[str, int]]:
    """The default course, 2,000 learners (large enough for shares to be meaningful)."""
    out = tmp_path_factory.mktemp("course")
    return out, make_course(out, learners=2000, seed=1)


@pytest.fixture(scope="module")
def oldest(tmp_path_factory) -> tuple[Path, dict[str, int]]:
    out = tmp_path_factory.mktemp("oldest")
    return out, make_course(out, learners=300, weeks=2, seed=5, versions="oldest")


@pytest.fixture(scope="module")
def awkward(tmp_path_factory) -> tuple[Path, dict[str, int]]:
    out = tmp_path_factory.mktemp("awkward")
    return out, make_awkward_course(out)


# --- format --------------------------------------------------------------------------------


def test_every_dataset_and_course_yml_written(course):
    out, counts = course
    assert list(counts) == list(DATASETS)
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [f"{STUB}_{d}.csv" for d in DATASETS] + ["course.yml"]
    )
    assert all(counts[d] > 0 for d in DATASETS)


@pytest.mark.parametrize("which", ["course", "oldest"])
def test_headers_match_documented_columns(which, request):
    out, counts = request.getfixturevalue(which)
    expected = NEWEST if which == "course" else OLDEST
    for dataset in counts:
        header = (out / f"{STUB}_{dataset}.csv").open(encoding="utf-8").readline()
        assert header == ",".join(expected[dataset]) + "\n", dataset
    for dataset, (new, old) in EXPECTED_WIDTHS.items():
        assert len(expected[dataset]) == (new if which == "course" else old)


@pytest.mark.parametrize("which", ["course", "oldest", "awkward"])
def test_returned_counts_equal_data_rows(which, request):
    out, counts = request.getfixturevalue(which)
    stub = "data-skills-12" if which == "awkward" else STUB
    for dataset, rows in counts.items():
        assert read(out, dataset, stub).shape[0] == rows, dataset


def test_files_are_utf8_with_lf_line_ends(course):
    out, _ = course
    for path in out.glob("*.csv"):
        data = path.read_bytes()
        assert b"\r" not in data, path.name
        assert not data.startswith(b"\xef\xbb\xbf")
        data.decode("utf-8")


def test_steps_are_week_dot_step_strings_with_two_digit_steps(course):
    out, _ = course
    sa = read(out, "step-activity")
    assert sa.step.str.match(STEP).all()
    assert "1.10" in set(sa.step)
    assert (sa.step.str.split(".").str[0] == sa.week_number).all()
    assert (sa.step.str.split(".").str[1] == sa.step_number).all()
    per_week = sa.groupby("week_number").step_number.apply(lambda s: s.astype(int).max())
    assert per_week.between(8, 16).all()
    q = read(out, "question-response")
    assert q.quiz_question.str.match(r"^\d+\.\d+\.\d+$").all()
    c = read(out, "comments")
    assert c.step.str.match(STEP).all()


def test_timestamps_booleans_and_ids_formatted(course):
    out, counts = course
    for dataset in counts:
        df = read(out, dataset)
        for col in TS_COLUMNS & set(df.columns):
            values = df[col][df[col] != ""]
            assert values.str.match(TS).all(), (dataset, col)
    e = read(out, "enrolments")
    assert e.learner_id.str.match(UUID).all()
    assert (e.enrolled_at != "").all()
    assert set(read(out, "question-response").correct) == {"true", "false"}


def test_course_yml(course):
    out, _ = course
    text = (out / "course.yml").read_text(encoding="utf-8")
    cfg = yaml.safe_load(text)
    assert list(cfg) == ["title", "data", "stub", "registration_open", "start", "weeks",
                         "notable_dates", "exercise_steps", "social_steps", "session_gap_minutes"]  # fmt: skip
    assert cfg["stub"] == STUB and cfg["data"] == "." and cfg["weeks"] == 3
    assert "registration_open: 2023-10-08" in text and "start: 2024-02-05" in text
    assert cfg["start"] - cfg["registration_open"] == dt.timedelta(days=120)
    assert all(isinstance(d, dt.date) for d in cfg["notable_dates"].values())
    assert cfg["session_gap_minutes"] == 65
    steps = set(read(out, "step-activity").step)
    assert cfg["exercise_steps"] and set(cfg["exercise_steps"]) <= steps
    assert "1.2" in cfg["social_steps"] and set(cfg["social_steps"]) <= steps
    assert all(isinstance(s, str) for s in cfg["exercise_steps"] + cfg["social_steps"])


# --- determinism and options -------------------------------------------------------------------


def test_same_seed_same_bytes_other_seed_differs(tmp_path):
    a = make_course(tmp_path / "a", learners=300, seed=7)
    b = make_course(tmp_path / "b", learners=300, seed=7)
    make_course(tmp_path / "c", learners=300, seed=8)
    assert a == b
    names = [f"{STUB}_{d}.csv" for d in DATASETS] + ["course.yml"]
    for name in names:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    for d in ("enrolments", "step-activity", "comments", "question-response"):
        name = f"{STUB}_{d}.csv"
        assert (tmp_path / "a" / name).read_bytes() != (tmp_path / "c" / name).read_bytes(), name


def test_subset_and_header_only(tmp_path, course):
    full, _ = course
    counts = make_course(
        tmp_path,
        learners=2000,
        seed=1,
        datasets=["comments", "video-stats"],
        header_only=["campaigns"],
    )
    assert counts["campaigns"] == 0 and set(counts) == {"comments", "video-stats", "campaigns"}
    assert sorted(p.name for p in tmp_path.glob("*.csv")) == sorted(
        f"{STUB}_{d}.csv" for d in ("comments", "video-stats", "campaigns")
    )
    # a subset writes the very same bytes as the full run
    for d in ("comments", "video-stats"):
        name = f"{STUB}_{d}.csv"
        assert (tmp_path / name).read_bytes() == (full / name).read_bytes()
    header = (tmp_path / f"{STUB}_campaigns.csv").read_text(encoding="utf-8")
    assert header == ",".join(NEWEST["campaigns"]) + "\n"


@pytest.mark.parametrize(
    "kwargs",
    [{"versions": "latest"}, {"datasets": ["enrolment"]}, {"header_only": ["x"]}, {"learners": 5}],
)
def test_bad_arguments_raise(tmp_path, kwargs):
    with pytest.raises(ValueError):
        make_course(tmp_path, **kwargs)


# --- realism -----------------------------------------------------------------------------------


def test_learner_shares(course):
    out, _ = course
    e = read(out, "enrolments")
    learners = e[e.role == "learner"].drop_duplicates("learner_id", keep="last")
    visited = set(read(out, "step-activity").learner_id)
    share = lambda mask: float(np.mean(mask))  # noqa: E731
    assert 0.10 <= share(learners.fully_participated_at != "") <= 0.20
    assert 0.03 <= share(learners.purchased_statement_at != "") <= 0.08
    assert 0.20 <= share(~learners.learner_id.isin(visited)) <= 0.30
    unenrolled = e[e.role == "learner"].groupby("learner_id").unenrolled_at.max() != ""
    assert 0.10 <= share(unenrolled) <= 0.15
    staff = e[e.role != "learner"]
    assert 1 <= len(staff) <= 0.01 * len(e)
    assert share(learners.gender == "Unknown") >= 0.65
    assert learners.country[learners.country != "Unknown"].str.match(r"^[A-Z]{2}$").all()
    assert (e.detected_country == "--").any()
    # statements mostly bought by full participants
    bought = learners.purchased_statement_at != ""
    assert share(learners.fully_participated_at[bought] != "") > 0.6


def test_enrolment_waves(course):
    out, _ = course
    e = read(out, "enrolments")
    day = ts(e.enrolled_at[e.role == "learner"]).dt.normalize().value_counts()
    start, reg, news = (
        pd.Timestamp("2024-02-05"),
        pd.Timestamp("2023-10-08"),  # registration opens months before the start
        pd.Timestamp("2024-01-20"),
    )
    quiet = day.get(pd.Timestamp("2024-01-15"), 0)
    assert day.get(reg, 0) > 3 * quiet  # announcement burst
    assert day.get(news, 0) > 3 * quiet  # notable date bump
    around_start = day[
        (day.index >= start - pd.Timedelta(days=3)) & (day.index <= start + pd.Timedelta(days=3))
    ]
    assert around_start.sum() > day[day.index < start - pd.Timedelta(days=3)].sum() / 2
    assert (day.index > start + pd.Timedelta(days=14)).any()  # long tail


def test_activity_ordering_and_sessions(course):
    out, _ = course
    sa = read(out, "step-activity")
    visited, completed = ts(sa.first_visited_at), ts(sa.last_completed_at)
    assert (completed.dropna() >= visited[completed.notna()]).all()
    assert 0.05 < completed.isna().mean() < 0.5  # some visits never completed
    assert not sa.duplicated(["learner_id", "step"]).any()
    e = read(out, "enrolments")
    enrolled = ts(e.enrolled_at).groupby(e.learner_id).min()
    assert (visited.to_numpy() >= enrolled.reindex(sa.learner_id).to_numpy()).all()
    assert visited.min() >= pd.Timestamp("2024-02-05")
    # consecutive visits of a learner: inside a session (1-15 min) or a new one (> 65 min)
    df = pd.DataFrame({"learner": sa.learner_id, "t": visited}).sort_values(["learner", "t"])
    gap = df.groupby("learner").t.diff().dropna().dt.total_seconds() / 60
    assert ((gap >= 1) & (gap <= 15) | (gap > 65)).all()
    assert (gap > 65).mean() > 0.15
    # different learners study at different UTC hours; weekends are busy
    hours = np.bincount(visited.dt.hour, minlength=24)
    assert hours.min() > 0 and hours.max() > 2 * hours.min()
    # funnel: the first step is the most visited, week 1 loses learners fastest
    per_step = sa.groupby("step").learner_id.nunique()
    w1 = per_step["1.1"] - per_step[f"1.{sa[sa.week_number == '1'].step_number.astype(int).max()}"]
    assert per_step.idxmax() == "1.1" and w1 > per_step["1.1"] * 0.3


def test_comments_replies_and_text(course):
    out, _ = course
    c = read(out, "comments")
    ids = c.id.astype(np.int64)
    assert ids.is_unique
    when = dict(zip(c.id, ts(c.timestamp), strict=True))
    step = dict(zip(c.id, c.step, strict=True))
    replies = c[c.parent_id != ""]
    assert 0.15 < len(replies) / len(c) < 0.6
    assert replies.parent_id.isin(set(c.id)).all()
    assert (replies.parent_id.map(when) < ts(replies.timestamp)).all()
    assert (replies.parent_id.map(step) == replies.step).all()
    assert c.text.str.contains("<script>", regex=False).any()
    assert c.text.str.contains("\n", regex=False).any()
    assert c.text.str.contains('"', regex=False).any() and c.text.str.contains(",").any()
    assert c.text.str.contains("中文|é|ü", regex=True).any()
    likes = c.likes.astype(int)
    assert (likes == 0).mean() > 0.3 and likes.max() >= 5
    team = read(out, "team-members")
    educator_share = c.author_id.isin(set(team.id)).mean()
    assert 0.02 < educator_share < 0.1
    assert set(team.id) <= set(read(out, "enrolments").learner_id)
    social = yaml.safe_load((out / "course.yml").read_text(encoding="utf-8"))["social_steps"]
    assert c.step.isin(social).mean() > 0.4  # concentrated on social steps


def test_quiz_attempts(course):
    out, _ = course
    q = read(out, "question-response").assign(t=lambda d: ts(d.submitted_at))
    q = q[q.learner_id != ""].sort_values("t", kind="stable")  # rows without a learner aside
    q["attempt"] = q.groupby(["learner_id", "quiz_question"]).cumcount() + 1
    assert q.attempt.max() >= 3
    first = q[q.attempt == 1].groupby("quiz_question").correct.apply(lambda s: (s == "true").mean())
    assert (first < 0.5).any() and (first > 0.7).any()
    # answering stops at the first correct answer: only a final attempt can be correct
    final = q.attempt == q.groupby(["learner_id", "quiz_question"]).attempt.transform("max")
    assert not ((q.correct == "true") & ~final).any()
    assert q.response.str.match(r"^\d+(,\d+)+$").any()  # multi-select
    assert {"MultipleChoice", "ClozeQuestion"} <= set(q.question_type)  # as real exports
    cloze = q[q.question_type == "ClozeQuestion"]
    assert (cloze.cloze_response != "").all()
    quiz_steps_per_week = q.groupby("week_number").step_number.nunique()
    assert quiz_steps_per_week.between(1, 2).all()
    per_step = (
        q.assign(step=q.quiz_question.str.rsplit(".", n=1).str[0])
        .groupby("step")
        .question_number.nunique()
    )
    assert per_step.between(3, 6).all()


def test_surveys_video_and_campaigns(course):
    out, _ = course
    e = read(out, "enrolments")
    ls = read(out, "leaving-survey-responses")
    unenrolled = set(e.learner_id[e.unenrolled_at != ""])
    assert ls.learner_id.isin(unenrolled).all() and 0.3 <= len(ls) / len(unenrolled) <= 0.5
    assert ls.leaving_reason.isin([
        "I don\u2019t have enough time", "The course required more time than I realised",
        "The course wasn\u2019t what I expected", "The course was too hard", "The course was too easy",
        "The course won\u2019t help me reach my goals", "I prefer not to say", "Other",
    ]).all()  # fmt: skip
    arch = read(out, "archetype-survey-responses")
    assert 0.2 < len(arch) / (e.role == "learner").sum() < 0.4
    ws = read(out, "weekly-sentiment-survey-responses")
    assert set(ws.experience_rating) <= {"1", "2", "3"} and set(ws.week_number) == {"1", "2", "3"}
    v = read(out, "video-stats")
    assert v.groupby(v.step_position.str.split(".").str[0]).size().between(1, 3).all()
    curve = v[
        [c for c in NEWEST["video-stats"] if c.startswith("viewed_") and c != "viewed_hd"]
    ].astype(float)
    assert (curve.diff(axis=1).iloc[:, 1:] <= 0).all().all()
    for suffix in ("_device_percentage", "_views_percentage"):
        sums = v[[c for c in v.columns if c.endswith(suffix)]].astype(float).sum(axis=1)
        assert np.allclose(sums, 100, atol=0.05)
    camp = read(out, "campaigns")
    assert camp.enrolments.astype(int).sum() <= (e.role == "learner").sum()
    assert (camp.active_learners.astype(int) <= camp.enrolments.astype(int)).all()
    pa_, pr = read(out, "peer-review-assignments"), read(out, "peer-review-reviews")
    assert pr.assignment_id.isin(set(pa_.id)).all()
    assert pa_.review_count.astype(int).sum() == len(pr)


# --- the awkward course ------------------------------------------------------------------------


def test_awkward_course(awkward):
    out, counts = awkward
    stub = "data-skills-12"
    assert not (out / f"{stub}_question-response.csv").exists()
    assert "question-response" not in counts
    assert set(counts) == set(DATASETS) - {"question-response"}
    for dataset in counts:
        header = (out / f"{stub}_{dataset}.csv").open(encoding="utf-8").readline()
        assert header == ",".join(OLDEST[dataset]) + "\n", dataset
    comments = (out / f"{stub}_comments.csv").read_text(encoding="utf-8")
    assert comments == ",".join(OLDEST["comments"]) + "\n" and counts["comments"] == 0
    assert counts["leaving-survey-responses"] == 0
    e = read(out, "enrolments", stub)
    assert len(e) == 150 and e.learner_id.is_unique
    assert (e.unenrolled_at == "").all()
    sa = read(out, "step-activity", stub)
    assert list(sa.columns) == ["learner_id", "step", "first_visited_at", "last_completed_at"]
    assert sa.step.str.startswith("1.").all() and "1.10" in set(sa.step)
    assert len(read(out, "video-stats", stub).columns) == 26
    assert len(read(out, "campaigns", stub).columns) == 6
    cfg = yaml.safe_load((out / "course.yml").read_text(encoding="utf-8"))
    assert cfg["stub"] == stub and cfg["weeks"] == 1
    assert set(cfg["exercise_steps"]) | set(cfg["social_steps"]) <= set(sa.step)


# ------------------------------------------------------------------ traits of real exports


def test_traits_of_real_exports(course):
    """What real exports showed (see docs: "Observed in real exports")."""
    out, _ = course
    cfg = yaml.safe_load((out / "course.yml").read_text(encoding="utf-8"))
    start = pd.Timestamp(cfg["start"])
    end = start + pd.Timedelta(weeks=cfg["weeks"])
    # registration months before the start; enrolments and activity months after the end
    assert (start - pd.Timestamp(cfg["registration_open"])).days >= 90
    e = read(out, "enrolments")
    assert ts(e.enrolled_at).max() > end + pd.Timedelta(days=45)
    sa = read(out, "step-activity")
    assert ts(sa.first_visited_at).max() > end + pd.Timedelta(days=45)
    # the course team enrolled as learners, and several team-member rows per person
    team = read(out, "team-members")
    assert team.id.duplicated().any() and team.duplicated(["id", "team_role"]).sum() == 0
    team_as_learners = e[e.learner_id.isin(team.id) & (e.role == "learner")]
    assert len(team_as_learners) >= 1
    # question responses without a learner (every other field filled)
    q = read(out, "question-response")
    blank = q[q.learner_id == ""]
    assert 0.005 * len(q) < len(blank) < 0.05 * len(q)
    assert (blank.quiz_question != "").all() and (blank.submitted_at != "").all()
    # values as real exports write them
    assert "MultipleChoice" in set(q.question_type)
    ls = read(out, "leaving-survey-responses")
    assert ls.leaving_reason.str.contains("\u2019").any()
    assert "'" not in "".join(ls.leaving_reason)
    assert {"nonbinary", "other"} <= set(e.gender)
    v = read(out, "video-stats")
    assert v.video_duration.str.fullmatch(r"[0-9]+").all()  # whole seconds
    assert v.title.str.len().between(50, 100).all()


def test_awkward_course_has_wider_dates(awkward):
    out, _ = awkward
    cfg = yaml.safe_load((out / "course.yml").read_text(encoding="utf-8"))
    start = pd.Timestamp(cfg["start"])
    assert (start - pd.Timestamp(cfg["registration_open"])).days >= 270  # ten months
    e = read(out, "enrolments", "data-skills-12")
    assert ts(e.enrolled_at).max() > start + pd.Timedelta(weeks=1 + 10)
