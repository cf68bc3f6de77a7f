"""Findings: what this run's data shows, in a few sentences built from its numbers.

Analyses (:mod:`flbook.analysis`) return tables; the functions here read those tables
and return :class:`Finding` records, each saying what was found, where (step, question,
week or day), how large it is, how many learners are behind it and, for a share, its
95% Wilson interval. No finding rests on fewer than :data:`MIN_LEARNERS` learners, and
every threshold is a named constant. :func:`in_this_run` turns findings into the
"In this run" paragraph a chapter section opens or closes with; :func:`headline_summary`
gives the run's headline numbers. All prose about the data is generated here.
"""

from ._core import CONFIDENCE, MIN_LEARNERS, Finding, wilson_interval
from ._families import (
    BUSIEST_DAYS,
    COHORT_GAP,
    CONCENTRATION_PCT,
    CONCENTRATION_RATIO,
    FAMILIES,
    HARD_QUESTION_PCT,
    LOW_COMPLETION_GAP,
    MAX_HARD_QUESTIONS,
    MAX_NOTEBOOK_CELLS,
    PEAK_MIN_SHARE,
    PEAK_PROMINENCE,
    SKIP_RATIO,
    SURVEY_GAP,
    data_findings,
    enrolment_findings,
    notebook_findings,
    quiz_findings,
    session_findings,
    social_findings,
    step_findings,
    survey_findings,
)
from ._prose import NO_FINDING, find, headline_summary, in_this_run, in_this_run_text

__all__ = [
    "BUSIEST_DAYS",
    "COHORT_GAP",
    "CONCENTRATION_PCT",
    "CONCENTRATION_RATIO",
    "CONFIDENCE",
    "FAMILIES",
    "Finding",
    "HARD_QUESTION_PCT",
    "LOW_COMPLETION_GAP",
    "MAX_HARD_QUESTIONS",
    "MAX_NOTEBOOK_CELLS",
    "MIN_LEARNERS",
    "NO_FINDING",
    "PEAK_MIN_SHARE",
    "PEAK_PROMINENCE",
    "SKIP_RATIO",
    "SURVEY_GAP",
    "data_findings",
    "enrolment_findings",
    "find",
    "headline_summary",
    "in_this_run",
    "in_this_run_text",
    "notebook_findings",
    "quiz_findings",
    "session_findings",
    "social_findings",
    "step_findings",
    "survey_findings",
    "wilson_interval",
]
