"""flbook: turn a FutureLearn course run's data export into a Course Analytics book.

The public API is listed in ``__all__``; heavy modules are imported on first use so
that ``import flbook`` stays fast.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_LAZY = {
    "CourseConfig": "flbook.config",
    "load_config": "flbook.config",
    "DEFAULT_COURSE": "flbook.config",
    "Course": "flbook.store",
    "LoadReport": "flbook.store",
    "load_course": "flbook.store",
    "FlbookError": "flbook.errors",
    "ConfigError": "flbook.errors",
    "ExportError": "flbook.errors",
    "make_course": "flbook.synth",
    "make_awkward_course": "flbook.synth",
    "DATASETS": "flbook.exports",
    "read_export": "flbook.exports",
    "setup": "flbook._setup",
    "show_table": "flbook._setup",
    "md": "flbook._setup",
    "callout": "flbook._setup",
    "stop_chapter": "flbook._setup",
    "require_data": "flbook._setup",
    "fmt_int": "flbook._setup",
    "fmt_pct": "flbook._setup",
    "count_text": "flbook.privacy",
    "share_text": "flbook.privacy",
    "count_share": "flbook.privacy",
    "split_text": "flbook.privacy",
    "skip_section": "flbook._setup",
    "PARAMETERS": "flbook.config",
    "analysis": "flbook.analysis",
    "plotting": "flbook.plotting",
    "predict": "flbook.predict",
    "explore": "flbook.explore",
    "privacy": "flbook.privacy",
    "findings": "flbook.findings",
    "in_this_run": "flbook.findings",
}

__all__ = sorted(_LAZY) + ["__version__"]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        module = importlib.import_module(_LAZY[name])
        value = module if module.__name__ == f"flbook.{name}" else getattr(module, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'flbook' has no attribute {name!r}")


def __dir__() -> list[str]:
    return __all__
