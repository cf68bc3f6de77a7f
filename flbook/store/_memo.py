"""Recipes computed once per course and arguments: :func:`per_course`.

A chapter often asks for the same table twice: once in a cell that shows it, and once
more inside the findings that write the chapter's "In this run" sentences (the quizzes
chapter computed its item analysis three times and its Rasch fit twice at 200,000
learners). A recipe decorated with :func:`per_course` keeps its result with the course
(:meth:`~flbook.store.Course.derived`, in memory only), keyed by the recipe and every
argument after defaults are filled in, and hands each caller its own copy, so a caller
that changes what it got cannot change what the next one gets.

Only recipes whose results are small (a row per step, question, week or group, or a
row per learner at most) are decorated: the copy costs little next to the recipe.
A call with an argument that has no stable value to key on (a DataFrame, an array, a
function) is computed afresh, as before.
"""

from __future__ import annotations

import copy
import functools
import inspect
from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

__all__ = ["per_course"]


class _Unkeyable(Exception):
    pass


_PLAIN = (str, int, float, bool, bytes, type(None))


def _key_of(value: Any) -> Any:
    """A hashable, order-stable stand-in for an argument, or :class:`_Unkeyable`."""
    if isinstance(value, _PLAIN):
        return (type(value).__name__, value)
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, tuple(_key_of(v) for v in value))
    if isinstance(value, (set, frozenset)):
        return ("set", tuple(sorted((_key_of(v) for v in value), key=repr)))
    if isinstance(value, dict):
        return ("dict", tuple(sorted(((str(k), _key_of(v)) for k, v in value.items()))))
    import pandas as pd

    if isinstance(value, pd.Timestamp | pd.Timedelta):
        return (type(value).__name__, value.value, str(getattr(value, "tz", None)))
    raise _Unkeyable(type(value).__name__)


def per_course(func: F) -> F:
    """Keep ``func(course, ...)``'s result with the course; later equal calls get a copy.

    ``func``'s first parameter must be the course. The key is the function itself
    and every other argument (defaults filled in), so ``f(course)`` and
    ``f(course, group=<its default>)`` share one result. A course that is not a
    :class:`~flbook.store.Course` (a list of findings, say) or an argument that cannot
    be keyed is passed straight to ``func``.

    Examples
    --------
    >>> import pandas as pd
    >>> from flbook.store import Course
    >>> calls = []
    >>> @per_course
    ... def counts(course, group="all"):
    ...     calls.append(group)
    ...     return pd.DataFrame({"group": [group], "n": [len(calls)]})
    >>> course = Course.from_frames()
    >>> first = counts(course)
    >>> first.loc[0, "n"] = 99  # the caller's own copy
    >>> counts(course, group="all")["n"].tolist(), calls
    ([1], ['all'])
    >>> counts(course, group=["a", "b"])["n"].tolist(), calls
    ([2], ['all', ['a', 'b']])
    """
    from ._course import Course

    signature = inspect.signature(func)

    @functools.wraps(func)
    def wrapper(data: Any, *args: Any, **kwargs: Any) -> Any:
        if not isinstance(data, Course):  # a table or a list of findings: not kept
            return func(data, *args, **kwargs)
        bound = signature.bind(data, *args, **kwargs)
        bound.apply_defaults()
        try:
            key = ("per-course", func, *(_key_of(v) for v in list(bound.arguments.values())[1:]))
        except _Unkeyable:
            return func(data, *args, **kwargs)
        return copy.deepcopy(data.derived(key, lambda: func(data, *args, **kwargs)))

    wrapper.per_course = True  # type: ignore[attr-defined]
    return wrapper  # type: ignore[return-value]
