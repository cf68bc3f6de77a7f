"""The package's structure: layers import only lower layers, and no module imports
another module's private names.

A name with a leading underscore is private to the module that defines it. What more
than one module needs is public (a name without the underscore, in the module that
owns it or in a small shared module such as ``flbook/analysis/arrays.py``); see
``docs/architecture.md``. The check reads every ``from ... import ...`` of ``flbook/``
with :mod:`ast`, inside functions too. Allowed: dunder names (``__version__``) and a
package importing its own private submodules (``from . import _steps`` in
``flbook/analysis/__init__.py``).

The layers (``docs/architecture.md``) run exports, store, analysis, then plotting,
findings, predict and the rest: a lower layer imports no higher one, not even inside a
function (prose, for one, is written in ``flbook/findings/``, never in the analysis).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import flbook

PACKAGE = Path(flbook.__file__).parent

ALLOWED: set[tuple[str, str, str]] = set()
"""Known exceptions, as (importing module, imported module, name). Empty: keep it so."""


def _module_name(path: Path, root: Path) -> tuple[str, str]:
    """(module, package) of a source file under ``root`` (the folder holding ``flbook``)."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
        return ".".join(parts), ".".join(parts)
    return ".".join(parts), ".".join(parts[:-1])


def private_imports(package_dir: Path) -> list[tuple[str, str, str, int]]:
    """Every private name imported across modules: (importer, module, name, line)."""
    root = package_dir.parent
    top = package_dir.name
    found = []
    for path in sorted(package_dir.rglob("*.py")):
        module, package = _module_name(path, root)
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.ImportFrom):
                continue
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target != top and not target.startswith(top + "."):
                continue
            for alias in node.names:
                name = alias.name
                if not name.startswith("_") or (name.startswith("__") and name.endswith("__")):
                    continue
                own_submodule = target == package and (
                    (path.parent / f"{name}.py").is_file() or (path.parent / name).is_dir()
                )
                if own_submodule:
                    continue
                found.append((module, target, name, node.lineno))
    return found


HIGHER: dict[str, frozenset[str]] = {
    "exports": frozenset(
        {"store", "analysis", "plotting", "findings", "predict", "explore", "render"}
        | {"portfolio", "cli", "_setup"}
    ),
    "analysis": frozenset(
        {"plotting", "findings", "predict", "explore", "render", "portfolio", "cli", "_setup"}
    ),
    "plotting": frozenset({"findings", "predict", "explore", "render", "portfolio", "cli"}),
}
"""For a layer (a subpackage of flbook), the layers above it, which it must not import."""


def flbook_imports(package_dir: Path) -> list[tuple[str, str, int]]:
    """Every import of the package by its own modules: (importer, imported module, line).

    ``from flbook import findings`` and ``from .. import findings`` count as importing
    ``flbook.findings``; imports inside functions count too.
    """
    root = package_dir.parent
    top = package_dir.name
    found = []
    for path in sorted(package_dir.rglob("*.py")):
        module, package = _module_name(path, root)
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")
                    base = base[: len(base) - (node.level - 1)]
                    target = ".".join(base + ([node.module] if node.module else []))
                else:
                    target = node.module or ""
                # ``from flbook import findings``: the names may be modules
                targets = [f"{target}.{a.name}" for a in node.names] if target == top else [target]
            else:
                continue
            found += [(module, t, node.lineno) for t in targets if t.split(".")[0] == top]
    return found


def layer_violations(package_dir: Path) -> list[str]:
    """Imports of a higher layer by a lower one (see :data:`HIGHER`), as readable lines."""
    top = package_dir.name
    bad = []
    for importer, target, line in flbook_imports(package_dir):
        parts, wanted = importer.split("."), target.split(".")
        layer = parts[1] if len(parts) > 1 else None
        other = wanted[1] if len(wanted) > 1 else None
        if layer in HIGHER and other in HIGHER[layer]:
            bad.append(f"{importer} line {line}: imports {target} ({top}.{other} is above it)")
    return bad


def test_lower_layers_do_not_import_higher_ones():
    assert layer_violations(PACKAGE) == []


def test_the_layer_check_finds_an_analysis_importing_findings(tmp_path):
    pkg = tmp_path / "flbook"
    (pkg / "analysis").mkdir(parents=True)
    (pkg / "findings").mkdir()
    for d in (pkg, pkg / "analysis", pkg / "findings"):
        (d / "__init__.py").write_text("")
    (pkg / "analysis" / "_a.py").write_text(
        "from ..errors import FlbookError\n"  # a lower module: fine
        "def f():\n    from ..findings import headline_summary\n"
    )
    (pkg / "analysis" / "_b.py").write_text("from flbook import findings\n")
    (pkg / "findings" / "_c.py").write_text("from .. import analysis\n")  # downwards: fine
    assert layer_violations(pkg) == [
        "flbook.analysis._a line 3: imports flbook.findings (flbook.findings is above it)",
        "flbook.analysis._b line 1: imports flbook.findings (flbook.findings is above it)",
    ]


def test_no_private_name_is_imported_across_modules():
    found = private_imports(PACKAGE)
    unexpected = [f for f in found if f[:3] not in ALLOWED]
    assert not unexpected, "\n".join(
        f"{importer} line {line}: from {target} import {name}"
        for importer, target, name, line in unexpected
    )
    stale = ALLOWED - {f[:3] for f in found}
    assert not stale, f"remove these from ALLOWED, they are gone: {sorted(stale)}"


@pytest.mark.parametrize(
    "source, expected",
    [
        ("from .b import _helper\n", [("pkg.a", "pkg.b", "_helper")]),
        ("from pkg.b import _helper, public\n", [("pkg.a", "pkg.b", "_helper")]),
        (
            "def f():\n    from .b import (\n        x,\n        _y,\n    )\n",
            [("pkg.a", "pkg.b", "_y")],
        ),
        ("from .b import public, __version__\n", []),
        ("from numpy import _private\n", []),  # not this package's business
    ],
)
def test_the_check_finds_private_imports(tmp_path, source, expected):
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("from . import _c\n")  # its own private submodule
    (pkg / "_c.py").write_text("")
    (pkg / "b.py").write_text("")
    (pkg / "a.py").write_text(source)
    assert [f[:3] for f in private_imports(pkg)] == expected
