"""Charts: ``plot_*(data, *, ..., ax=None) -> Axes``, seaborn-style.

Each function draws the tidy table an analysis returned on one Axes (the current one
by default) and returns it; multi-panel figures are separate functions that own their
figure. Empty data draws an Axes that says "No data".

The house style is a matplotlib style sheet, :data:`STYLE` (``flbook.mplstyle``).
"""

from pathlib import Path as _Path

from . import (
    _base,
    _campaigns,
    _enrolment,
    _events,
    _flows,
    _items,
    _notebooks,
    _overview,
    _populations,
    _predict,
    _quiz,
    _runs,
    _schedule,
    _sessions,
    _social,
    _steps,
    _surveys,
    _video,
    _words,
)
from ._base import *  # noqa: F403
from ._campaigns import *  # noqa: F403
from ._enrolment import *  # noqa: F403
from ._events import *  # noqa: F403
from ._flows import *  # noqa: F403
from ._items import *  # noqa: F403
from ._notebooks import *  # noqa: F403
from ._overview import *  # noqa: F403
from ._populations import *  # noqa: F403
from ._predict import *  # noqa: F403
from ._quiz import *  # noqa: F403
from ._runs import *  # noqa: F403
from ._schedule import *  # noqa: F403
from ._sessions import *  # noqa: F403
from ._social import *  # noqa: F403
from ._steps import *  # noqa: F403
from ._surveys import *  # noqa: F403
from ._video import *  # noqa: F403
from ._words import *  # noqa: F403

__all__ = sorted(
    set().union(
        *(
            m.__all__
            for m in (
                _base,
                _campaigns,
                _enrolment,
                _events,
                _flows,
                _items,
                _predict,
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
                _video,
                _words,
            )
        )
    )
) + ["STYLE"]

STYLE: str = str(_Path(__file__).with_name("flbook.mplstyle"))
"""The path of flbook's matplotlib style sheet: ``plt.style.use(flbook.plotting.STYLE)``."""
