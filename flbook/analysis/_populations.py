"""Populations: how many learners are in each group; demographics.

Counts are of people with role ``learner`` (not the course team) unless ``roles`` says
otherwise. Groups are those of :data:`~flbook.analysis.GROUPS` and their combinations
written with ``&`` (and), ``|`` (or) and ``~`` (not), e.g. ``"unenrolled & ~visited"``.

Demographic tables are built to be shown as they are: a value held by fewer than
``min_learners`` learners is *suppressed* (its count is replaced by a label such as
``"<10"`` and its share left empty), so no small group of people can be picked out.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..store import per_course  # noqa: I001
from ._groups import GROUPS, Group, group_members, learner_flags

if TYPE_CHECKING:
    from flbook.store import Course

__all__ = [
    "DEFAULT_POPULATIONS",
    "DEMOGRAPHIC_COLUMNS",
    "describe_group",
    "population_summary",
    "demographics",
    "demographics_known",
]

DEFAULT_POPULATIONS: tuple[str, ...] = (
    *GROUPS,
    "~visited",
    "visited & ~completed",
    "unenrolled & ~visited",
    "fully_participated & commented",
    "fully_participated & ~purchased",
)
"""The groups :func:`population_summary` counts by default: every group, then useful combinations."""

DEMOGRAPHIC_COLUMNS: tuple[str, ...] = (
    "gender",
    "country",
    "age_range",
    "highest_education_level",
    "employment_status",
    "employment_area",
    "detected_country",
)
"""Enrolment columns describing learners (answered in a voluntary survey; ``Unknown`` if not)."""

_UNKNOWN = ("Unknown", "unknown", "--", "")

_SAYS = {
    "enrolled": "enrolled",
    "unenrolled": "left the course",
    "fully_participated": "fully participated",
    "purchased": "bought a certificate or statement",
    "visited": "visited at least one step",
    "completed": "completed at least one step",
    "commented": "commented at least once",
    "answered": "answered at least one question",
}
_SAYS_NOT = {
    "enrolled": "not enrolled",
    "unenrolled": "stayed enrolled",
    "fully_participated": "did not fully participate",
    "purchased": "bought no certificate or statement",
    "visited": "never visited a step",
    "completed": "never completed a step",
    "commented": "never commented",
    "answered": "never answered a question",
}
_TOKEN = re.compile(r"\s*(\(|\)|&|\||~|[a-z_]+)\s*")


def describe_group(group: str) -> str:
    """A group expression in words: ``"unenrolled & ~visited"`` → ``"left the course and never visited a step"``.

    A single group name gets its :data:`~flbook.analysis.GROUPS` meaning.

    Examples
    --------
    >>> describe_group("visited & ~completed")
    'visited at least one step and never completed a step'
    """
    name = group.strip()
    if name in GROUPS:
        return GROUPS[name]
    tokens = _TOKEN.findall(group)
    words: list[str] = []
    negate = False
    for tok in tokens:  # a handful of tokens in one expression, not data rows
        if tok == "~":
            negate = True
            continue
        if tok in ("&", "|"):
            words.append("and" if tok == "&" else "or")
        elif tok == "(":
            words.append("not (" if negate else "(")
        elif tok == ")":
            words.append(")")
        else:
            words.append(
                (_SAYS_NOT if negate else _SAYS).get(tok, ("not " if negate else "") + tok)
            )
        negate = False
    return " ".join(words).replace("( ", "(").replace(" )", ")")


def _flags(course: Course | pd.DataFrame, roles) -> pd.DataFrame:
    if isinstance(course, pd.DataFrame):
        return course
    return learner_flags(course, roles=roles)


@per_course
def population_summary(
    course: Course | pd.DataFrame,
    *,
    groups=None,
    roles: tuple[str, ...] = ("learner",),
) -> pd.DataFrame:
    """How many learners are in each group, and what share of all enrolled learners that is.

    Answers "how many learners visited, completed, commented, left without visiting?"
    in one table.

    Parameters
    ----------
    course : a :class:`~flbook.store.Course`, or the table :func:`~flbook.analysis.learner_flags`
        returned (reuse it when you need several summaries of a large course).
    groups : group expressions to count, in order (default :data:`DEFAULT_POPULATIONS`);
        or a dict ``{expression: description}`` to word them yourself.
    roles : the enrolment roles counted (default learners only).

    Returns
    -------
    DataFrame
        one row per group, in the order asked:

        - ``group``: the group expression (e.g. ``"unenrolled & ~visited"``);
        - ``description``: what it means, in words;
        - ``learners``: how many learners are in it;
        - ``pct_of_enrolled``: ``learners`` as a percentage of all enrolled learners
          (empty when nobody enrolled).

    Examples
    --------
    >>> import pandas as pd
    >>> from flbook.store import Course
    >>> course = Course.from_frames(
    ...     enrolments=pd.DataFrame({"learner_id": ["a", "b", "c", "d"],
    ...         "enrolled_at": ["2024-02-01 10:00:00"] * 4, "role": ["learner"] * 4,
    ...         "unenrolled_at": [None, None, "2024-02-03 10:00:00", None]}),
    ...     step_activity=pd.DataFrame({"learner_id": ["a", "b"], "step": ["1.1", "1.1"],
    ...         "first_visited_at": ["2024-02-05 10:00:00"] * 2,
    ...         "last_completed_at": ["2024-02-05 10:05:00", None]}))
    >>> population_summary(course, groups=["enrolled", "visited", "visited & ~completed",
    ...                             "unenrolled & ~visited"])[["group", "learners", "pct_of_enrolled"]]
                       group  learners  pct_of_enrolled
    0               enrolled         4            100.0
    1                visited         2             50.0
    2   visited & ~completed         1             25.0
    3  unenrolled & ~visited         1             25.0
    """
    flags = _flags(course, roles)
    if groups is None:
        groups = DEFAULT_POPULATIONS
    if isinstance(groups, str):
        groups = [groups]
    if isinstance(groups, dict):
        names, descriptions = list(groups), [str(v) for v in groups.values()]
    else:
        names = [str(g) for g in groups]
        descriptions = [describe_group(g) for g in names]
    # a handful of group expressions, each evaluated vectorised over all learners
    counts = np.array([len(group_members(flags, g)) for g in names], dtype="int64")
    total = len(flags)
    pct = counts * 100.0 / total if total else np.full(len(names), np.nan)
    return pd.DataFrame(
        {
            "group": pd.Series(names, dtype="str"),
            "description": pd.Series(descriptions, dtype="str"),
            "learners": counts,
            "pct_of_enrolled": pct.astype("float64"),
        }
    )


def _is_unknown(values: pd.Series) -> np.ndarray:
    s = values.astype("object")
    return (s.isna() | s.isin(_UNKNOWN)).to_numpy()


def _value_order(labels: pd.Series) -> np.ndarray:
    """Sort key for range labels such as ``"<18"``, ``"18-25"``, ``">65"`` (numeric order)."""
    num = pd.to_numeric(labels.str.extract(r"(\d+)", expand=False), errors="coerce")
    shift = np.where(labels.str.startswith("<"), -0.5, np.where(labels.str.startswith(">"), 0.5, 0))
    return (num + shift).to_numpy(dtype="float64", na_value=np.inf)


def demographics(
    course: Course,
    column: str,
    *,
    min_learners: int = 10,
    group: Group = "enrolled",
    sort: str = "auto",
    roles: tuple[str, ...] = ("learner",),
) -> pd.DataFrame:
    """Who the learners are: the learners per value of one demographic column, small groups hidden.

    Answers "where are our learners from?", "what are their ages?", and, with
    ``group=``, "who fully participated?". The answers come from a voluntary survey:
    learners who did not answer are counted under ``"Unknown"`` (``"--"`` in
    ``detected_country``, and missing values, count as ``"Unknown"`` too).

    Privacy: a value held by fewer than ``min_learners`` learners (but at least one) is
    *suppressed*: its label says ``"<10"`` and its shares are empty. When just one
    known value would be suppressed, the smallest other known value is hidden too
    (labelled ``"hidden"``), so the suppressed count cannot be worked out by
    subtracting the others from the total. No count is kept in a number column, so the
    whole table can be shown as it is. Values no learner holds are left out.

    Parameters
    ----------
    course : a :class:`~flbook.store.Course`.
    column : one of :data:`DEMOGRAPHIC_COLUMNS` (``"gender"``, ``"country"``,
        ``"age_range"``, ...).
    min_learners : smallest count shown.
    group : the learners described (a :data:`~flbook.analysis.Group`: a group expression,
        a collection of ids, or ``None`` for everyone enrolled with one of ``roles``).
    sort : ``"learners"`` (largest first), ``"value"`` (alphabetical; age ranges in age
        order), or ``"auto"`` (``"value"`` for ``age_range``, else ``"learners"``).
        Suppressed values come after the shown ones, alphabetically (so their order
        says nothing about their size); ``"Unknown"`` comes last.
    roles : the enrolment roles counted (default learners only).

    Returns
    -------
    DataFrame
        one row per value:

        - ``<column>``: the value (e.g. ``"GB"``, ``"26-35"``, ``"Unknown"``);
        - ``learners_label``: the count as text with thousands separators, or ``"<10"``
          (fewer than ``min_learners``), or ``"hidden"`` (hidden to protect a suppressed value);
        - ``pct``: percentage of the group's learners (empty when suppressed);
        - ``pct_of_known``: percentage of those who answered (empty for ``"Unknown"``
          and when suppressed);
        - ``suppressed``: whether the count is hidden.

    Examples
    --------
    >>> import pandas as pd
    >>> from flbook.store import Course
    >>> course = Course.from_frames(enrolments=pd.DataFrame({
    ...     "learner_id": [f"p{i}" for i in range(30)], "role": ["learner"] * 30,
    ...     "enrolled_at": ["2024-02-01 10:00:00"] * 30,
    ...     "gender": ["female"] * 12 + ["male"] * 9 + ["nonbinary"] * 2 + ["other"] * 2
    ...               + ["Unknown"] * 5}))
    >>> demographics(course, "gender", min_learners=5)
          gender learners_label        pct  pct_of_known  suppressed
    0     female             12  40.000000          48.0       False
    1       male              9  30.000000          36.0       False
    2  nonbinary             <5        NaN           NaN        True
    3      other             <5        NaN           NaN        True
    4    Unknown              5  16.666667           NaN       False
    """
    if column not in DEMOGRAPHIC_COLUMNS:
        raise ValueError(
            f"{column!r} is not a demographic column; choose one of {', '.join(DEMOGRAPHIC_COLUMNS)}"
        )
    if sort not in ("auto", "learners", "value"):
        raise ValueError(f"sort must be 'auto', 'learners' or 'value', got {sort!r}")
    if min_learners < 1:
        raise ValueError("min_learners must be at least 1")
    enr = course.table("enrolments", ["learner_id", "role", column])
    enr = enr[enr["role"].astype("object").isin(roles)]
    if isinstance(group, str) and group != "enrolled":
        members = group_members(learner_flags(course, roles=roles), group)
        enr = enr[enr["learner_id"].astype("object").isin(members)]
    elif group is not None and not isinstance(group, str):  # a collection of ids
        enr = enr[enr["learner_id"].astype("object").isin(list(group))]
    columns = [column, "learners_label", "pct", "pct_of_known", "suppressed"]
    if enr.empty:
        return pd.DataFrame(
            {
                column: pd.Series([], dtype="str"),
                "learners_label": pd.Series([], dtype="str"),
                "pct": pd.Series([], dtype="float64"),
                "pct_of_known": pd.Series([], dtype="float64"),
                "suppressed": pd.Series([], dtype="bool"),
            }
        )[columns]
    values = enr[column].astype("object").where(~_is_unknown(enr[column]), "Unknown")
    counts = values.value_counts(sort=False)
    table = pd.DataFrame({column: counts.index.astype("str"), "n": counts.to_numpy(dtype="int64")})
    table = table[table["n"] > 0]
    unknown = (table[column] == "Unknown").to_numpy()
    total = int(table["n"].sum())
    known_total = int(table.loc[~unknown, "n"].sum())
    small = (table["n"] < min_learners).to_numpy()
    # complementary suppression: never hide exactly one known value
    extra = np.zeros(len(table), dtype=bool)
    if (small & ~unknown).sum() == 1:
        candidates = table["n"].where(~small & ~unknown)
        if candidates.notna().any():
            extra = (table.index == candidates.idxmin()) & ~small
    shown = ~(small | extra)
    small = small | extra
    table = table.assign(
        learners_label=np.where(
            shown,
            table["n"].map("{:,}".format).astype("object"),
            np.where(extra, "hidden", f"<{min_learners:,}"),
        ),
        pct=np.where(shown, table["n"] * 100.0 / total, np.nan),
        pct_of_known=np.where(
            shown & ~unknown & (known_total > 0),
            table["n"] * 100.0 / max(known_total, 1),
            np.nan,
        ),
        suppressed=small,
        _unknown=unknown,
    )
    by_value = sort == "value" or (sort == "auto" and column == "age_range")
    table["_rank"] = (
        _value_order(table[column].astype("str"))
        if by_value
        else -table["n"].where(shown, 0).to_numpy()
    )
    # hidden rows after shown ones (alphabetical, saying nothing about size); Unknown last
    table["_rank"] = table["_rank"].where(shown, 0.0)
    table = table.sort_values(["_unknown", "suppressed", "_rank", column], kind="stable")
    out = table[columns].reset_index(drop=True)
    out[column] = out[column].astype("str")
    out["learners_label"] = out["learners_label"].astype("str")
    out["suppressed"] = out["suppressed"].astype("bool")
    return out


def demographics_known(
    course: Course,
    *,
    columns=None,
    roles: tuple[str, ...] = ("learner",),
) -> pd.DataFrame:
    """How many learners answered each demographic question (known) and how many did not.

    Answers "how far can we trust the demographics?": the survey is voluntary, and a
    column known for few learners describes only them.

    Parameters
    ----------
    course : a :class:`~flbook.store.Course`.
    columns : the demographic columns (default :data:`DEMOGRAPHIC_COLUMNS`).
    roles : the enrolment roles counted (default learners only).

    Returns
    -------
    DataFrame
        one row per column: ``column``, ``known`` (learners with an answer),
        ``unknown`` (learners without: ``"Unknown"``, ``"--"`` or missing) and
        ``pct_known`` (percentage of learners with an answer; empty when nobody enrolled).

    Examples
    --------
    >>> import pandas as pd
    >>> from flbook.store import Course
    >>> course = Course.from_frames(enrolments=pd.DataFrame({
    ...     "learner_id": ["a", "b", "c", "d"], "role": ["learner"] * 4,
    ...     "enrolled_at": ["2024-02-01 10:00:00"] * 4,
    ...     "gender": ["female", "Unknown", "male", "Unknown"]}))
    >>> demographics_known(course, columns=["gender", "country"])
        column  known  unknown  pct_known
    0   gender      2        2       50.0
    1  country      0        4        0.0
    """
    cols = list(DEMOGRAPHIC_COLUMNS if columns is None else columns)
    bad = [c for c in cols if c not in DEMOGRAPHIC_COLUMNS]
    if bad:
        raise ValueError(f"not demographic columns: {bad}; choose from {DEMOGRAPHIC_COLUMNS}")
    enr = course.table("enrolments", ["role", *cols])
    enr = enr[enr["role"].astype("object").isin(roles)]
    n = len(enr)
    known = np.array([int((~_is_unknown(enr[c])).sum()) for c in cols], dtype="int64")
    return pd.DataFrame(
        {
            "column": pd.Series(cols, dtype="str"),
            "known": known,
            "unknown": (n - known).astype("int64"),
            "pct_known": known * 100.0 / n if n else np.full(len(cols), np.nan),
        }
    )
