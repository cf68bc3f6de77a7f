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
    "ts": "a real date and time written 'YYYY-MM-DD HH:MM:SS UTC', or empty",
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
            "learner_id": "the person's opaque id; links them to every other file",
            "enrolled_at": "when the person enrolled",
            "unenrolled_at": "when they left the course; empty if they stayed",
            "role": "learner, organisation_admin, admin, marketer, moderator or educator",
            "fully_participated_at": (
                "when they had marked most steps complete and taken every test; empty if never"
            ),
            "purchased_statement_at": (
                "when they bought a certificate or statement; empty if never"
            ),
            "gender": "from the optional learner survey; 'Unknown' when not answered",
            "country": (
                "country given in the optional survey (two-letter ISO code); 'Unknown' "
                "when not answered"
            ),
            "age_range": (
                "age band from the optional survey, e.g. '26-35'; 'Unknown' when not answered"
            ),
            "highest_education_level": "from the optional survey; 'Unknown' when not answered",
            "employment_status": "from the optional survey; 'Unknown' when not answered",
            "employment_area": "from the optional survey; 'Unknown' when not answered",
            "detected_country": (
                "country detected from the IP address (two-letter ISO code); '--' when unknown"
            ),
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
        column_notes={
            "learner_id": "the learner (learner_id in enrolments)",
            "step": "the step visited, week.step",
            "week_number": "the step's week",
            "step_number": "the step's number within its week",
            "first_visited_at": "when the learner first opened the step",
            "last_completed_at": (
                "when the learner last marked the step complete; empty when visited but "
                "not marked complete"
            ),
        },
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
            "id": "the comment's id",
            "author_id": "a learner_id from enrolments, or an id from team-members",
            "parent_id": "id of the comment replied to; empty for a top-level comment",
            "step": "the step the comment was posted on, week.step",
            "week_number": "the step's week",
            "step_number": "the step's number within its week",
            "text": "what was written; personal data, not quoted unless the course team asks",
            "timestamp": "when the comment was posted",
            "likes": "likes the comment received",
            "first_reported_at": "when it was first reported to the moderators; empty if never",
            "first_reported_reason": "the reason given when it was first reported",
            "moderation_state": "the outcome of moderation, if any",
            "moderated": "when a moderator acted on it; empty if never",
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
            "learner_id": "the learner who answered",
            "quiz_question": "the question, week.step.question",
            "question_type": "e.g. MultipleChoice (MultipleChoiceQuestion in some exports), or ClozeQuestion (fill in the gap)",
            "week_number": "the question's week",
            "step_number": "the number of the question's step within its week",
            "question_number": "the question's number on its step",
            "response": "option number, or a comma-separated list ('1,3') for multi-select",
            "cloze_response": "the text typed into a fill-in-the-gap question",
            "submitted_at": "when the answer was submitted; orders a learner's tries",
            "correct": "whether the answer was right",
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
        column_notes={
            "id": "the assignment's id (assignment_id in peer-review-reviews)",
            "step": "the step of the assignment, week.step",
            "week_number": "the step's week",
            "step_number": "the step's number within its week",
            "author_id": "the learner who submitted it",
            "text": "the work submitted; personal data",
            "first_viewed_at": "when the learner first opened the assignment",
            "submitted_at": "when it was submitted",
            "moderated": "when a moderator acted on it; empty if never",
            "review_count": "reviews it received",
        },
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
        column_notes={
            "id": "the review's id",
            "step": "the step of the assignment reviewed, week.step",
            "week_number": "the step's week",
            "step_number": "the step's number within its week",
            "reviewer_id": "the learner who wrote the review",
            "assignment_id": "the assignment reviewed (id in peer-review-assignments)",
            "guideline_one_feedback": "feedback against the first guideline; personal data",
            "guideline_two_feedback": "feedback against the second guideline; personal data",
            "guideline_three_feedback": "feedback against the third guideline; personal data",
            "created_at": "when the review was written",
        },
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
        column_notes={
            "id": "the answer's id",
            "learner_id": "the learner who left",
            "left_at": "when they left the course",
            "leaving_reason": "the reason chosen from a fixed list of about eight",
            "last_completed_step_at": "when they last marked a step complete; empty if never",
            "last_completed_step": "the last step they marked complete, week.step; empty if none",
            "last_completed_week_number": "that step's week",
            "last_completed_step_number": "that step's number within its week",
        },
    ),
    Dataset(
        name="archetype-survey-responses",
        description="One row per answer to the learner archetype survey.",
        versions={"4 columns": ("id", "learner_id", "responded_at", "archetype")},
        kinds={"id": "int64", "learner_id": "person", "responded_at": "ts", "archetype": "cat"},
        required=("learner_id", "archetype"),
        time_column="responded_at",
        column_notes={
            "id": "the answer's id",
            "learner_id": "the learner who answered",
            "responded_at": "when they answered",
            "archetype": (
                "Advancers, Explorers, Fixers, Flourishers, Hobbyists, Preparers, "
                "Vitalisers or Other"
            ),
        },
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
        column_notes={
            "id": "the answer's id",
            "responded_at": "when the learner answered",
            "week_number": "the week being rated",
            "experience_rating": "1 bad, 2 neutral, 3 good",
            "reason": "the learner's own words; counted, never quoted in this book",
        },
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
        column_notes={
            "step_position": "the video's step, week.step (absent in 2017 exports)",
            "title": "the video's title",
            "video_duration": "the video's length (absent in 2017 exports)",
            "total_views": "times the video was played",
            "total_downloads": "times it was downloaded",
            "total_caption_views": "views with captions switched on",
            "total_transcript_views": "times its transcript was opened",
            "viewed_hd": "share of views in high definition (%)",
            "viewed_five_percent": "% of views that reached 5% of the video",
            "viewed_ten_percent": "% of views that reached 10% of the video",
            "viewed_twentyfive_percent": "% of views that reached 25% of the video",
            "viewed_fifty_percent": "% of views that reached half-way",
            "viewed_seventyfive_percent": "% of views that reached 75% of the video",
            "viewed_ninetyfive_percent": "% of views that reached 95% of the video",
            "viewed_onehundred_percent": "% of views that reached the end",
            "console_device_percentage": "% of views on games consoles",
            "desktop_device_percentage": "% of views on desktop and laptop computers",
            "mobile_device_percentage": "% of views on mobile phones",
            "tv_device_percentage": "% of views on televisions",
            "tablet_device_percentage": "% of views on tablets",
            "unknown_device_percentage": "% of views on devices not recognised",
            "europe_views_percentage": "% of views from Europe",
            "oceania_views_percentage": "% of views from Oceania",
            "asia_views_percentage": "% of views from Asia",
            "north_america_views_percentage": "% of views from North America",
            "south_america_views_percentage": "% of views from South America",
            "africa_views_percentage": "% of views from Africa",
            "antarctica_views_percentage": "% of views from Antarctica",
        },
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
        column_notes={
            "id": "the team member's id (author_id in comments)",
            "first_name": "personal data, never shown in this book",
            "last_name": "personal data, never shown in this book",
            "team_role": "lead_educator, educator, mentor, host or reviewer",
            "user_role": "their role on the FutureLearn platform",
        },
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
        column_notes={
            "utm_source": (
                "where the tagged link was placed, e.g. a newsletter or a social network"
            ),
            "utm_campaign": "the campaign's name",
            "utm_medium": "the kind of link, e.g. email or social",
            "utm_term": "the search keyword, for paid search links",
            "utm_content": "which version of the link or advert",
            "domain": "the website the link was followed from",
            "enrolments": "enrolments through the campaign's links",
            "active_learners": "of those, learners who completed at least one step",
            "upgrades_purchased": "of those, learners who bought an upgrade",
        },
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
