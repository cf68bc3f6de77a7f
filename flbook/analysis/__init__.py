"""Analyses: typed course tables in, tidy long-form pandas tables out.

Functions never read files, never plot and never mutate their input. Each takes the
data first (a :class:`~flbook.store.Course` or a table from it) and returns a new
DataFrame with snake_case columns named with their unit (``learners``, ``pct``,
``minutes``). Empty input gives an empty table with the same columns.
"""

from . import (
    _campaigns,
    _enrolment,
    _events,
    _flows,
    _groups,
    _items,
    _notebooks,
    _overview,
    _populations,
    _quiz,
    _runs,
    _schedule,
    _sessions,
    _social,
    _steps,
    _surveys,
    _time,
    _video,
    _words,
)
from ._campaigns import *  # noqa: F403
from ._enrolment import *  # noqa: F403
from ._events import *  # noqa: F403
from ._flows import *  # noqa: F403
from ._groups import *  # noqa: F403
from ._items import *  # noqa: F403
from ._notebooks import *  # noqa: F403
from ._overview import *  # noqa: F403
from ._populations import *  # noqa: F403
from ._quiz import *  # noqa: F403
from ._runs import *  # noqa: F403
from ._schedule import *  # noqa: F403
from ._sessions import *  # noqa: F403
from ._social import *  # noqa: F403
from ._steps import *  # noqa: F403
from ._surveys import *  # noqa: F403
from ._time import *  # noqa: F403
from ._video import *  # noqa: F403
from ._words import *  # noqa: F403

__all__ = sorted(
    set().union(
        *(
            m.__all__
            for m in (
                _campaigns,
                _enrolment,
                _events,
                _flows,
                _groups,
                _items,
                _notebooks,
                _overview,
                _populations,
                _quiz,
                _runs,
                _schedule,
                _sessions,
                _social,
                _steps,
                _surveys,
                _time,
                _video,
                _words,
            )
        )
    )
)
