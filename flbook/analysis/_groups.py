"""Named learner groups: who enrolled, left, took part, commented, answered.

Every analysis that can be limited to a group of learners takes ``group=`` with one
of :data:`GROUPS` (or a combination written with ``&``, ``|`` and ``~``, e.g.
``"unenrolled & ~visited"``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from flbook.store import Course

__all__ = [
    "GROUPS",
    "Group",
    "learner_flags",
    "group_members",
    "learner_ids",
    "pseudonyms",
    "pick_learner",
]

GROUPS: dict[str, str] = {
    "enrolled": "enrolled on the course (role learner)",
    "unenrolled": "enrolled, then left the course",
    "fully_participated": "marked a majority of steps complete and attempted every test",
    "purchased": "bought a certificate or statement",
    "visited": "visited at least one step",
    "completed": "marked at least one step complete",
    "commented": "posted at least one comment or reply",
    "answered": "answered at least one quiz or test question",
}
"""Group names and what they mean, in words a course team uses."""

Group = str | Iterable[str] | None
"""Who a recipe counts (its ``group=``): a group name from :data:`GROUPS` or a combination
(``"unenrolled & ~visited"``), a collection of learner ids, or ``None`` (everybody)."""


def learner_ids(course: Course, *, roles: tuple[str, ...] = ("learner",)) -> pd.Index:
    """Ids of the enrolled people with one of ``roles`` (default: learners only)."""
    enr = course.table("enrolments", ["learner_id", "role"])
    keep = enr["role"].astype("object").isin(roles)
    return pd.Index(enr.loc[keep, "learner_id"].astype("object").unique(), name="learner_id")


def learner_flags(course: Course, *, roles: tuple[str, ...] = ("learner",)) -> pd.DataFrame:
    """One row per enrolled learner, one boolean column per group in :data:`GROUPS`.

    Returns
    -------
    DataFrame with ``learner_id`` (Categorical over ``course.people``) and the columns
    ``enrolled``, ``unenrolled``, ``fully_participated``, ``purchased``, ``visited``,
    ``completed``, ``commented``, ``answered``.
    """
    # worked out once per course and roles (recipes filter by group again and again:
    # four times in chapter 5, each reading three tables); a copy, so no caller can
    # change the one kept
    key = ("learner-flags", tuple(roles))
    return course.derived(key, lambda: _learner_flags(course, roles)).copy()


def _learner_flags(course: Course, roles: tuple[str, ...]) -> pd.DataFrame:
    enr = course.table(
        "enrolments",
        ["learner_id", "role", "unenrolled_at", "fully_participated_at", "purchased_statement_at"],
    )
    enr = enr[enr["role"].astype("object").isin(roles)]
    codes = enr["learner_id"].cat.codes.to_numpy()
    n_people = len(course.people)

    def seen(table: str, col: str, extra=None) -> np.ndarray:
        t = course.table(table, [col] + ([extra] if extra else []))
        if extra:
            t = t[t[extra].notna()]
        mark = np.zeros(n_people + 1, dtype=bool)
        c = t[col].cat.codes.to_numpy()
        mark[c[c >= 0]] = True
        return mark[codes]

    enr = enr.reset_index(drop=True)
    out = pd.DataFrame(
        {
            "learner_id": enr["learner_id"].reset_index(drop=True),
            "enrolled": True,
            "unenrolled": enr["unenrolled_at"].notna().to_numpy(),
            "fully_participated": enr["fully_participated_at"].notna().to_numpy(),
            "purchased": enr["purchased_statement_at"].notna().to_numpy(),
            "visited": seen("step-activity", "learner_id"),
            "completed": seen("step-activity", "learner_id", "last_completed_at"),
            "commented": seen("comments", "author_id"),
            "answered": seen("question-response", "learner_id"),
        }
    )
    return out.reset_index(drop=True)


_TOKEN = re.compile(r"\s*(\(|\)|&|\||~|[a-z_]+)\s*")


def group_members(course_or_flags, group: str = "enrolled") -> pd.Index:
    """Ids of the learners in ``group``: a name from :data:`GROUPS` or a combination.

    Combinations use ``&`` (and), ``|`` (or), ``~`` (not) and brackets, e.g.
    ``"unenrolled & ~visited"`` (left without visiting a step).

    Examples
    --------
    >>> import pandas as pd
    >>> flags = pd.DataFrame({"learner_id": ["a", "b"], "enrolled": [True, True],
    ...                       "unenrolled": [True, False], "visited": [False, False]})
    >>> list(group_members(flags, "unenrolled & ~visited"))
    ['a']
    """
    flags = (
        course_or_flags
        if isinstance(course_or_flags, pd.DataFrame)
        else learner_flags(course_or_flags)
    )
    pos = 0
    expr = []
    while pos < len(group):
        m = _TOKEN.match(group, pos)
        if not m:
            raise ValueError(f"cannot read learner group {group!r} at {group[pos:]!r}")
        tok = m.group(1)
        if tok not in "()&|~":
            if tok not in flags.columns or tok == "learner_id":
                known = ", ".join(GROUPS)
                raise ValueError(f"unknown learner group {tok!r}; groups are: {known}")
            expr.append(f"flags[{tok!r}].to_numpy()")
        else:
            expr.append(tok)
        pos = m.end()
    try:
        mask = eval(" ".join(expr), {"__builtins__": {}}, {"flags": flags})  # noqa: S307
    except SyntaxError:
        raise ValueError(f"cannot read learner group {group!r}") from None
    mask = np.broadcast_to(np.asarray(mask, dtype=bool), len(flags))
    return pd.Index(flags.loc[mask, "learner_id"].astype("object"), name="learner_id")


def pseudonyms(ids, *, prefix: str = "Learner", salt: str = "") -> pd.Series:
    """Stable pseudonyms for person ids ("Learner 3F9A"), the only way a person is shown.

    The same id and ``salt`` always give the same pseudonym; ids are never shown. Use the
    course stub as ``salt`` so pseudonyms differ between courses.

    Examples
    --------
    >>> pseudonyms(["abc", "abc", "def"]).tolist()[0] == pseudonyms(["abc"]).tolist()[0]
    True
    """
    values = pd.Series(pd.Index(ids).astype("object"), dtype="object")
    hashed = pd.util.hash_pandas_object(values + "|" + salt, index=False).to_numpy()
    codes = pd.Series([f"{prefix} {h:016X}"[: len(prefix) + 6] for h in hashed], dtype="object")
    return codes


def pick_learner(ids, *, seed: int = 0) -> object:
    """Choose one id reproducibly (same ids and seed → same choice), e.g. for a trajectory."""
    ids = pd.Index(ids).astype("object").unique().sort_values()
    if len(ids) == 0:
        return None
    rng = np.random.default_rng(seed)
    return ids[int(rng.integers(len(ids)))]
