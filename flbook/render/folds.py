"""Folded material in the book: the flbook call under each figure, answers, numbers.

The Lua filter ``filters/folds.lua`` does the work in both engines (see its header):
exercise answers (``<details class="answer">``) stay folded in HTML and move to an
"Answers" section at the end of their chapter elsewhere; folded tables
(``<details class="numbers">``) and ``<div class="html-only">`` are left out of the PDF;
and the code of each figure cell that calls flbook is shown folded under the figure in
HTML ("Show the flbook call") and nowhere else.

The portable engine runs the filter before ``quarto-subset.lua``. For Quarto,
:func:`mark_flbook_calls` gives those figure cells Quarto's own options (``echo``,
``code-fold``, ``code-summary``) so that Quarto folds them in HTML, and the filter
removes the marked code from the other formats.
"""

from __future__ import annotations

import re
from pathlib import Path

__all__ = ["FOLDS_FILTER", "CALL_SUMMARY", "flbook_call", "mark_flbook_calls"]

FOLDS_FILTER = Path(__file__).parent / "filters" / "folds.lua"
"""The Lua filter both engines run."""

CALL_SUMMARY = "Show the flbook call"
"""The summary line of the folded call (what the filter looks for under Quarto)."""

_OPTION = re.compile(r"^#\|\s*([\w-]+)\s*:\s*(.*?)\s*$")
_CALLS_FLBOOK = re.compile(r"(?<![\w.])(?:fl|flbook)\.")


def flbook_call(source: str) -> str | None:
    """The code of a figure cell that calls flbook, or ``None``.

    A cell qualifies when its ``#|`` options label it ``fig-*``, set no ``echo`` (a cell
    that sets it chose to show or hide its code) and its code calls ``fl.`` or
    ``flbook.``.

    >>> flbook_call('#| label: fig-x\\nfl.plotting.plot_a(t)')
    'fl.plotting.plot_a(t)'
    >>> flbook_call('#| label: tbl-x\\nfl.show_table(t)') is None
    True
    >>> flbook_call('#| label: fig-x\\n#| echo: false\\nfl.plotting.plot_a(t)') is None
    True
    """
    options: dict[str, str] = {}
    lines = source.splitlines()
    n = 0
    for line in lines:
        m = _OPTION.match(line)
        if not m:
            break
        options[m.group(1)] = m.group(2).strip("\"'")
        n += 1
    code = "\n".join(lines[n:]).strip()
    if not options.get("label", "").startswith("fig-") or "echo" in options:
        return None
    return code if _CALLS_FLBOOK.search(code) else None


def mark_flbook_calls(nb) -> int:
    """Give each figure cell that calls flbook Quarto's options for a folded call.

    Adds ``echo: true``, ``code-fold: true`` and ``code-summary: "Show the flbook call"``
    after the cell's other ``#|`` options. A cell marked once sets ``echo``, so a second
    run changes nothing.

    Parameters
    ----------
    nb : a notebook (nbformat); changed in place.

    Returns
    -------
    int
        The number of cells marked.
    """
    marked = 0
    for cell in nb.cells:
        if cell.cell_type != "code" or flbook_call(cell.source) is None:
            continue
        lines = cell.source.splitlines()
        n = 0
        while n < len(lines) and _OPTION.match(lines[n]):
            n += 1
        options = ["#| echo: true", "#| code-fold: true", f'#| code-summary: "{CALL_SUMMARY}"']
        cell.source = "\n".join([*lines[:n], *options, *lines[n:]])
        marked += 1
    return marked
