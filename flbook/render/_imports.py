"""Keep a slow optional import out of flbook's own processes.

``import nbformat`` imports ``jsonschema``, and jsonschema 4.25+ imports the optional
package ``rfc3987_syntax`` when it is installed, to check the ``iri`` and
``iri-reference`` string formats. Version 1.1.0 of that package compiles some forty
Lark grammars when it is imported: 2-5 s on this project's machines, in every process
that reads a notebook (python-jsonschema/jsonschema#1392 and #1521). flbook does not
install it; ``jupyter_server`` (with JupyterLab, nbdime, ...) does, so a course team
with JupyterLab in the same environment paid it in the ``flbook`` command and in
every chapter worker.

The notebook schema uses neither format, so flbook's own processes (the ``flbook``
command and its chapter workers) mark the package as absent before nbformat is first
imported. ``import flbook`` alone changes nothing: a user's own process is left as it is.
"""

from __future__ import annotations

import sys

__all__ = ["skip_slow_format_checkers"]

SLOW_OPTIONAL = ("rfc3987_syntax",)
"""Optional imports of jsonschema that flbook's processes never need."""


def skip_slow_format_checkers() -> list[str]:
    """Make ``import rfc3987_syntax`` fail fast in this process, unless already imported.

    jsonschema then leaves out its ``iri`` format checker (it does so whenever the
    package is missing). A ``None`` entry in :data:`sys.modules` is Python's documented
    way to make an import raise :class:`ModuleNotFoundError`. Returns the names marked.

    Examples
    --------
    >>> import sys
    >>> saved = sys.modules.pop("rfc3987_syntax", "absent")
    >>> skip_slow_format_checkers()
    ['rfc3987_syntax']
    >>> sys.modules["rfc3987_syntax"] is None
    True
    >>> skip_slow_format_checkers()  # already marked (or imported): left alone
    []
    >>> _ = sys.modules.pop("rfc3987_syntax")
    >>> if saved != "absent":
    ...     sys.modules["rfc3987_syntax"] = saved
    """
    marked = []
    for name in SLOW_OPTIONAL:
        if name not in sys.modules:
            sys.modules[name] = None  # type: ignore[assignment]
            marked.append(name)
    return marked
