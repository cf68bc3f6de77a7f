"""Progress bars for long commands (``flbook synth``, ``flbook predict``), with tqdm.

A bar is drawn on standard error when it is a terminal, or when the environment
variable ``FLBOOK_PROGRESS`` is ``1`` (``0`` turns bars off everywhere). Library
functions take an optional ``progress`` callable instead of drawing anything
themselves: :func:`stage_bar` makes one for a command.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Iterator

from tqdm import tqdm

__all__ = ["stage_bar"]


def _enabled() -> bool | None:
    """tqdm's ``disable``: forced by ``FLBOOK_PROGRESS``, else off when not a terminal."""
    flag = os.environ.get("FLBOOK_PROGRESS", "")
    if flag == "1":
        return False
    if flag == "0":
        return True
    return None


@contextlib.contextmanager
def stage_bar(desc: str, total: int | None = None) -> Iterator[Callable[..., None]]:
    """A bar for a command made of named stages; yields ``progress(what, total=None)``.

    Each call of ``progress`` marks one more stage done and names it; ``total`` (once
    known) sets how many stages there are.

    Examples
    --------
    >>> with stage_bar("demo", total=2) as progress:
    ...     progress("first")
    ...     progress("second")
    """
    bar = tqdm(
        total=total,
        desc=desc,
        unit="stage",
        file=sys.stderr,
        disable=_enabled(),
        leave=False,
        bar_format="{desc}: {n_fmt}/{total_fmt} [{elapsed}]{postfix}",
        dynamic_ncols=True,
        mininterval=0,  # a few slow stages: show each one
    )

    def progress(what: str, total: int | None = None) -> None:
        if total is not None:
            bar.total = total
        bar.set_postfix_str(what, refresh=False)
        bar.update(1)

    try:
        yield progress
    finally:
        bar.close()
