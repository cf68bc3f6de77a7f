"""The known FutureLearn export datasets: their column versions and column types.

This is the single source of truth for the readers, the synthetic generator's tests,
the store and the data dictionary appendix. See ``shared/futurelearn-exports.md``.

Column kinds
------------
person   an opaque id of a person (learner, educator); stored as a course-wide category
int64    a required whole number (comment ids)
int      a required whole number (int32)
int?     an optional whole number (nullable Int32)
float?   an optional decimal number
bool     ``true``/``false`` in any letter case
ts       ``YYYY-MM-DD HH:MM:SS UTC``; empty means "has not happened"
step     ``W.S`` (``"1.10"`` is week 1, step 10); kept as an ordered category
question ``W.S.Q`` quiz question reference; split into week, step and question
cat      a short label from a small set (role, gender, country, ...)
text     free text; personal data, never printed unescaped
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["Dataset", "DATASETS", "KINDS", "dataset"]

KINDS = (
    "person",
    "int64",
    "int64?",
    "int",
    "int?",
    "float?",
    "bool",
    "ts",
    "step",
    "question",
    "cat",
    "text",
)

# Meaning of each kind, in words, for error messages and the data dictionary.
KIND_WORDS = {
    "person": "an opaque person id",
    "int64": "a whole number",
    "int64?": "a whole number or empty",
    "int": "a whole number",
    "int?": "a whole number or empty",
    "float?": "a number or empty",
    "bool": "true or false",
    "ts": "a timestamp written 'YYYY-MM-DD HH:MM:SS UTC' or empty",
    "step": "a step written 'W.S' (week.step, e.g. '1.10') or empty",
    "question": "a quiz question written 'W.S.Q' (e.g. '2.7.3')",
    "cat": "a short label",
    "text": "free text",
}


@dataclass(frozen=True)
class Dataset:
    """One export dataset: its file suffix, column versions and column kinds."""

    name: str
    """File suffix, e.g. ``step-activity`` for ``{stub}_step-activity.csv``."""
    versions: dict[str, tuple[str, ...]]
    """Known column lists, newest first, keyed by a version label."""
    kinds: dict[str, str]
    """Kind of every column that appears in any version."""
    required: tuple[str, ...]
    """Columns without which the file cannot be used."""
    description: str
    time_column: str | None = None
    """The timestamp that dates a row (for the date range in the load report)."""
    free_text: bool = False
    """Whether quoted values may contain line breaks (slower parse)."""
    column_notes: dict[str, str] = field(default_factory=dict)

    @property
    def attr(self) -> str:
        """Python attribute name of the table on a ``Course`` (``step_activity``)."""
        return self.name.replace("-", "_")

    @property
    def columns(self) -> tuple[str, ...]:
        """All columns of the newest version."""
        return next(iter(self.versions.values()))

    def all_columns(self) -> list[str]:
        """Every column known in any version, newest version's order first."""
        seen: list[str] = []
        for cols in self.versions.values():
            for c in cols:
                if c not in seen:
                    seen.append(c)
        return seen


_ENROL13 = (
    "learner_id",
    "enrolled_at",
    "unenrolled_at",
    "role",
    "fully_participated_at",
    "purchased_statement_at",
    "gender",
    "country",
    "age_range",
    "highest_education_level",
    "employment_status",
    "employment_area",
    "detected_country",
)

_VIDEO28 = (
    "step_position",
    "title",
    "video_duration",
    "total_views",
    "total_downloads",
    "total_caption_views",
    "total_transcript_views",
    "viewed_hd",
    "viewed_five_percent",
    "viewed_ten_percent",
    "viewed_twentyfive_percent",
    "viewed_fifty_percent",
    "viewed_seventyfive_percent",
    "viewed_ninetyfive_percent",
    "viewed_onehundred_percent",
    "console_device_percentage",
    "desktop_device_percentage",
    "mobile_device_percentage",
    "tv_device_percentage",
    "tablet_device_percentage",
    "unknown_device_percentage",
    "europe_views_percentage",
    "oceania_views_percentage",
    "asia_views_percentage",
    "north_america_views_percentage",
    "south_america_views_percentage",
    "africa_views_percentage",
    "antarctica_views_percentage",
)

_video_kinds = {c: "float?" for c in _VIDEO28}
_video_kinds.update(
    step_position="step",
    title="text",
    total_views="int?",
    total_downloads="int?",
    total_caption_views="int?",
    total_transcript_views="int?",
)

_DATASETS = [
    Dataset(
        name="enrolments",
        description="One row per person enrolled on the run.",
        versions={"13 columns": _ENROL13, "12 columns": _ENROL13[:-1]},
        kinds={
            "learner_id": "person",
            "enrolled_at": "ts",
            "unenrolled_at": "ts",
            "role": "cat",
            "fully_participated_at": "ts",
            "purchased_statement_at": "ts",
            "gender": "cat",
            "country": "cat",
            "age_range": "cat",
            "highest_education_level": "cat",
            "employment_status": "cat",
            "employment_area": "cat",
            "detected_country": "cat",
        },
        required=("learner_id", "enrolled_at", "role"),
        time_column="enrolled_at",
        column_notes={
            "role": "learner, organisation_admin, admin, marketer, moderator or educator",
            "detected_country": "ISO 3166-1 alpha-2 from the IP address; '--' when unknown",
        },
    ),
    Dataset(
        name="step-activity",
        description="One row per learner per step visited.",
        versions={
            "6 columns": (
                "learner_id",
                "step",
                "week_number",
                "step_number",
                "first_visited_at",
                "last_completed_at",
            ),
            "4 columns": ("learner_id", "step", "first_visited_at", "last_completed_at"),
        },
        kinds={
            "learner_id": "person",
            "step": "step",
            "week_number": "int",
            "step_number": "int",
            "first_visited_at": "ts",
            "last_completed_at": "ts",
        },
        required=("learner_id", "step", "first_visited_at"),
        time_column="first_visited_at",
        column_notes={"last_completed_at": "empty when visited but not marked complete"},
    ),
    Dataset(
        name="comments",
        description="One row per comment or reply.",
        versions={
            "13 columns": (
                "id",
                "author_id",
                "parent_id",
                "step",
                "week_number",
                "step_number",
                "text",
                "timestamp",
                "likes",
                "first_reported_at",
                "first_reported_reason",
                "moderation_state",
                "moderated",
            ),
            "10 columns": (
                "id",
                "author_id",
                "parent_id",
                "step",
                "week_number",
                "step_number",
                "text",
                "timestamp",
                "moderated",
                "likes",
            ),
            "8 columns": (
                "id",
                "author_id",
                "parent_id",
                "step",
                "text",
                "timestamp",
                "moderated",
                "likes",
            ),
        },
        kinds={
            "id": "int64",
            "author_id": "person",
            "parent_id": "int64?",
            "step": "step",
            "week_number": "int",
            "step_number": "int",
            "text": "text",
            "timestamp": "ts",
            "likes": "int?",
            "first_reported_at": "ts",
            "first_reported_reason": "cat",
            "moderation_state": "cat",
            "moderated": "ts",
        },
        required=("id", "author_id", "step", "timestamp"),
        time_column="timestamp",
        free_text=True,
        column_notes={
            "parent_id": "id of the comment replied to; empty for a top-level comment",
            "author_id": "a learner_id from enrolments, or an id from team-members",
        },
    ),
    Dataset(
        name="question-response",
        description="One row per answer submitted to a quiz or test question.",
        versions={
            "10 columns": (
                "learner_id",
                "quiz_question",
                "question_type",
                "week_number",
                "step_number",
                "question_number",
                "response",
                "cloze_response",
                "submitted_at",
                "correct",
            ),
            "8 columns": (
                "learner_id",
                "quiz_question",
                "week_number",
                "step_number",
                "question_number",
                "response",
                "submitted_at",
                "correct",
            ),
        },
        kinds={
            "learner_id": "person",
            "quiz_question": "question",
            "question_type": "cat",
            "week_number": "int",
            "step_number": "int",
            "question_number": "int",
            "response": "text",
            "cloze_response": "text",
            "submitted_at": "ts",
            "correct": "bool",
        },
        required=("learner_id", "quiz_question", "submitted_at", "correct"),
        time_column="submitted_at",
        free_text=True,
        column_notes={
            "response": "option number, or a comma-separated list ('1,3') for multi-select"
        },
    ),
    Dataset(
        name="peer-review-assignments",
        description="One row per peer-review assignment submitted.",
        versions={
            "10 columns": (
                "id",
                "step",
                "week_number",
                "step_number",
                "author_id",
                "text",
                "first_viewed_at",
                "submitted_at",
                "moderated",
                "review_count",
            )
        },
        kinds={
            "id": "int64",
            "step": "step",
            "week_number": "int",
            "step_number": "int",
            "author_id": "person",
            "text": "text",
            "first_viewed_at": "ts",
            "submitted_at": "ts",
            "moderated": "ts",
            "review_count": "int?",
        },
        required=("id", "step", "author_id"),
        time_column="submitted_at",
        free_text=True,
    ),
    Dataset(
        name="peer-review-reviews",
        description="One row per review of a peer-review assignment.",
        versions={
            "10 columns": (
                "id",
                "step",
                "week_number",
                "step_number",
                "reviewer_id",
                "assignment_id",
                "guideline_one_feedback",
                "guideline_two_feedback",
                "guideline_three_feedback",
                "created_at",
            )
        },
        kinds={
            "id": "int64",
            "step": "step",
            "week_number": "int",
            "step_number": "int",
            "reviewer_id": "person",
            "assignment_id": "int64",
            "guideline_one_feedback": "text",
            "guideline_two_feedback": "text",
            "guideline_three_feedback": "text",
            "created_at": "ts",
        },
        required=("id", "reviewer_id", "assignment_id"),
        time_column="created_at",
        free_text=True,
    ),
    Dataset(
        name="leaving-survey-responses",
        description="One row per answer to the survey shown to learners who leave.",
        versions={
            "8 columns": (
                "id",
                "learner_id",
                "left_at",
                "leaving_reason",
                "last_completed_step_at",
                "last_completed_step",
                "last_completed_week_number",
                "last_completed_step_number",
            )
        },
        kinds={
            "id": "int64",
            "learner_id": "person",
            "left_at": "ts",
            "leaving_reason": "cat",
            "last_completed_step_at": "ts",
            "last_completed_step": "step",
            "last_completed_week_number": "int?",
            "last_completed_step_number": "int?",
        },
        required=("learner_id", "left_at", "leaving_reason"),
        time_column="left_at",
        free_text=True,
    ),
    Dataset(
        name="archetype-survey-responses",
        description="One row per answer to the learner archetype survey.",
        versions={"4 columns": ("id", "learner_id", "responded_at", "archetype")},
        kinds={"id": "int64", "learner_id": "person", "responded_at": "ts", "archetype": "cat"},
        required=("learner_id", "archetype"),
        time_column="responded_at",
    ),
    Dataset(
        name="weekly-sentiment-survey-responses",
        description="One row per answer to the end-of-week sentiment survey (no learner id).",
        versions={
            "5 columns": ("id", "responded_at", "week_number", "experience_rating", "reason")
        },
        kinds={
            "id": "int64",
            "responded_at": "ts",
            "week_number": "int",
            "experience_rating": "int",
            "reason": "text",
        },
        required=("week_number", "experience_rating"),
        time_column="responded_at",
        free_text=True,
        column_notes={"experience_rating": "1 bad, 2 neutral, 3 good"},
    ),
    Dataset(
        name="video-stats",
        description="One row per video: views, retention, devices and regions.",
        versions={
            "28 columns": _VIDEO28,
            "26 columns": tuple(
                c for c in _VIDEO28 if c not in ("step_position", "video_duration")
            ),
        },
        kinds=_video_kinds,
        required=("title", "total_views"),
        free_text=True,
    ),
    Dataset(
        name="team-members",
        description="One row per member of the course team (educators, mentors, hosts).",
        versions={"5 columns": ("id", "first_name", "last_name", "team_role", "user_role")},
        kinds={
            "id": "person",
            "first_name": "text",
            "last_name": "text",
            "team_role": "cat",
            "user_role": "cat",
        },
        required=("id", "team_role"),
    ),
    Dataset(
        name="campaigns",
        description="One row per marketing campaign (UTM tags) that brought enrolments.",
        versions={
            "9 columns": (
                "utm_source",
                "utm_campaign",
                "utm_medium",
                "utm_term",
                "utm_content",
                "domain",
                "enrolments",
                "active_learners",
                "upgrades_purchased",
            ),
            "6 columns": (
                "utm_source",
                "utm_campaign",
                "utm_medium",
                "domain",
                "enrolments",
                "active_learners",
            ),
        },
        kinds={
            "utm_source": "cat",
            "utm_campaign": "cat",
            "utm_medium": "cat",
            "utm_term": "cat",
            "utm_content": "cat",
            "domain": "cat",
            "enrolments": "int?",
            "active_learners": "int?",
            "upgrades_purchased": "int?",
        },
        required=("enrolments",),
    ),
]

DATASETS: dict[str, Dataset] = {d.name: d for d in _DATASETS}


def dataset(name: str) -> Dataset:
    """Return the :class:`Dataset` called ``name`` (file suffix or attribute name)."""
    key = name.replace("_", "-")
    try:
        return DATASETS[key]
    except KeyError:
        known = ", ".join(DATASETS)
        raise KeyError(f"unknown dataset {name!r}; known datasets: {known}") from None
