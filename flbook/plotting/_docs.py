"""Parameter descriptions the ``plot_*`` functions share, written once.

As seaborn does with its docstring components (``seaborn/_docstrings.py``): a docstring
names a shared description with a line holding only ``{name}``, and :func:`shared_docs`
puts the text of :data:`PARAMS` in its place, indented like that line. The same goes
for the opening lines of an Examples section drawn on the example course
(``{example_course}``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TypeVar

__all__ = ["PARAMS", "shared_docs"]

PARAMS: dict[str, str] = {
    "ax": "ax : the Axes to draw on (default: the current Axes).",
    "min_learners": (
        "min_learners : the small-count rule (:mod:`flbook.privacy`): a value about fewer\n"
        "    learners than this is not drawn, and the chart says how many were left out."
    ),
    "steps": (
        'exercise_steps, social_steps : steps (``"W.S"``) to shade and name in the legend\n'
        "    (``course.config.exercise_steps`` and ``course.config.social_steps``)."
    ),
    "week_starts": (
        "week_starts : the first day of each study week (``course.config.week_starts``),\n"
        "    shaded."
    ),
    "notable_dates": (
        "notable_dates : ``{label: date}`` drawn as labelled dashed lines (e.g.\n"
        "    ``course.config.notable_dates``)."
    ),
    "returns": "Returns\n-------\nAxes\n    The Axes drawn on.",
    # the first lines of an Examples section drawn on the example course
    "example_course": (
        ">>> import matplotlib.pyplot as plt\n"
        ">>> from flbook.synth import example_course\n"
        ">>> course = example_course()\n"
        ">>> fig, ax = plt.subplots()"
    ),
}
"""Shared descriptions, by the name a docstring uses (``{ax}``, ``{min_learners}``...).

``{example_course}`` opens an Examples section that draws on the example course (a
400-learner course made once per process, :func:`flbook.synth.example_course`): it
defines ``plt``, ``course`` and a new ``fig, ax``; the example then imports its
recipe, draws, and ends with ``plt.close(fig)``."""

_SLOT = re.compile(r"^(?P<indent>[ \t]*)\{(?P<name>\w+)\}[ \t]*$", re.M)

F = TypeVar("F", bound=Callable)


def shared_docs(func: F) -> F:
    """Put the shared descriptions into ``func``'s docstring (a decorator).

    Examples
    --------
    >>> @shared_docs
    ... def plot_nothing(data, *, ax=None):
    ...     '''Draws nothing.
    ...
    ...     Parameters
    ...     ----------
    ...     {ax}
    ...     '''
    >>> print(plot_nothing.__doc__.splitlines()[-2].strip())
    ax : the Axes to draw on (default: the current Axes).
    """

    def fill(m: re.Match) -> str:
        name = m.group("name")
        if name not in PARAMS:
            raise KeyError(f"{func.__qualname__}: no shared description {{{name}}}")
        return "\n".join(m.group("indent") + line for line in PARAMS[name].splitlines())

    if func.__doc__:
        func.__doc__ = _SLOT.sub(fill, func.__doc__)
    return func
