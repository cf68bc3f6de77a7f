"""Process settings for flbook's own processes: a slow optional import kept out, and
numpy's huge-page advice turned off.

**The slow import.**

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

**Huge pages** (:data:`PROCESS_DEFAULTS`). On Linux, numpy asks the kernel for
transparent huge pages for every array of 4 MB or more (``madvise(MADV_HUGEPAGE)``).
Where the kernel then compacts memory to find them while the program waits (the
``defrag`` setting ``madvise``, the default of many distributions), each new large
array stalls. On this project's machines (2 cores, 24 GB, a virtual machine) the
prediction features of a 200,000-learner course took 16.3 s with the advice and
2.2 s without; the predictions chapter's plan went from 12.7 s to 2.6 s, and its
final prediction from 12.8 s to 4.1 s. The stall is system time, so the chapter's
CPU figures did not show it. Databases advise against transparent huge pages for the
same reason. flbook's processes set numpy's documented switch,
``NUMPY_MADVISE_HUGEPAGE=0``, unless the user has set it: ``NUMPY_MADVISE_HUGEPAGE=1``
gives numpy's own behaviour back. numpy reads it when it is imported, so it is set
before numpy is (the ``flbook`` command) and in the environment the chapter kernels
inherit (:mod:`flbook.render.execute`).
"""

from __future__ import annotations

import os
import sys

__all__ = ["PROCESS_DEFAULTS", "set_process_defaults", "skip_slow_format_checkers"]

PROCESS_DEFAULTS: dict[str, str] = {"NUMPY_MADVISE_HUGEPAGE": "0"}
"""Environment variables flbook's processes set when the user has not (see above)."""

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


def set_process_defaults(environ: dict[str, str] | None = None) -> list[str]:
    """Set each of :data:`PROCESS_DEFAULTS` the environment does not already have.

    Call it before numpy is imported for it to apply to the calling process; the
    processes it starts inherit it. Returns the names set.

    Examples
    --------
    >>> env = {"NUMPY_MADVISE_HUGEPAGE": "1"}  # the user's choice is kept
    >>> set_process_defaults(env), env["NUMPY_MADVISE_HUGEPAGE"]
    ([], '1')
    >>> env = {}
    >>> set_process_defaults(env), env
    (['NUMPY_MADVISE_HUGEPAGE'], {'NUMPY_MADVISE_HUGEPAGE': '0'})
    """
    env = os.environ if environ is None else environ
    added = [k for k in PROCESS_DEFAULTS if k not in env]
    for k in added:
        env[k] = PROCESS_DEFAULTS[k]
    return added
