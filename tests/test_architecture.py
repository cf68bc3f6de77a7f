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
import functools
import re
from pathlib import Path

import pytest

import flbook

PACKAGE = Path(flbook.__file__).parent

ALLOWED: set[tuple[str, str, str]] = set()
"""Known exceptions, as (importing module, imported module, name). Empty: keep it so."""


@functools.cache
def _parse(source: str, filename: str) -> tuple[ast.AST, ...]:
    """The nodes of a source file in :func:`ast.walk` order, parsed and walked once per
    process: the checks below read the whole package several times and change no node."""
    return tuple(ast.walk(ast.parse(source, filename=filename)))


def _nodes(path: Path) -> tuple[ast.AST, ...]:
    """Every node of the file at ``path`` (read afresh, parsed again only if it changed)."""
    return _parse(path.read_text(encoding="utf-8"), str(path))


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
        for node in _nodes(path):
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
        for node in _nodes(path):
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


# --------------------------------------------------------------------------- vocabulary
# One name for one thing (docs/architecture.md, "One vocabulary"). The checks read every
# function signature and string literal of flbook/ with ast.

RETIRED = {
    "tz": "timezone",
    "gap_minutes": "session_gap_minutes",
    "include_staff": "roles",
    "max_bars": "top",
    "max_legend": "top",
    "max_answers": "top",
    "min_count": "min_learners",
}
"""Retired parameter names and the name that replaced them."""

PLOT_COLUMN_NAMES = {"value", "metric", "unit"}
"""Not a parameter of a ``plot_*`` or ``explore_*`` function: the column drawn is ``y``."""

SUBJECTS = {"previous", "families"}
"""Second arguments that are data, not options: the earlier runs, the findings asked for."""

PENDING: set[str] = set()
"""Files whose owner applies the vocabulary on its own branch (the split of ``_newer``
into surveys, video and campaigns). Remove a file when its renamed version is merged: a
file that is gone, or already clean, fails the stale check below."""

_PCT_SUFFIX = re.compile(r"\b[a-z][a-z0-9_]*_pct\b")


def _functions(nodes: tuple[ast.AST, ...]):
    for node in nodes:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield node


def _params(fn) -> list[ast.arg]:
    a = fn.args
    return a.posonlyargs + a.args + a.kwonlyargs


def vocabulary_problems(package_dir: Path) -> dict[str, list[str]]:
    """Every departure from the vocabulary, per file (relative to the package's parent)."""
    root = package_dir.parent
    files = {
        path.relative_to(root).as_posix(): _nodes(path)
        for path in sorted(package_dir.rglob("*.py"))
    }
    function_names = {fn.name for nodes in files.values() for fn in _functions(nodes)}
    problems: dict[str, list[str]] = {}
    for rel, nodes in files.items():
        out = problems.setdefault(rel, [])
        for fn in _functions(nodes):
            where = f"{rel} line {fn.lineno}: {fn.name}"
            params = _params(fn)
            for p in params:
                if p.arg in RETIRED:
                    out.append(f"{where}({p.arg}=...): say {RETIRED[p.arg]}=")
                if fn.name.startswith(("plot_", "explore_")) and p.arg in PLOT_COLUMN_NAMES:
                    out.append(f"{where}({p.arg}=...): the column drawn is y=")
                if p.arg == "course" and p.annotation is not None:
                    ann = ast.unparse(p.annotation)
                    if "Course" not in ann and ann != "dict":  # dict: a synthetic course's plan
                        out.append(f"{where}(course: {ann}): type it as Course")
                elif p.arg == "course":
                    out.append(f"{where}(course): type it as Course")
            # options keyword-only after the course or data argument
            positional = fn.args.posonlyargs + fn.args.args
            public = not fn.name.startswith("_")
            if public and positional and positional[0].arg in ("course", "data"):
                with_default = positional[len(positional) - len(fn.args.defaults) :]
                for p in with_default:
                    if p.arg not in SUBJECTS:
                        out.append(f"{where}({p.arg}=...): an option, make it keyword-only")
        docstrings = {
            id(node.body[0].value)
            for node in nodes
            if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
            and node.body
            and isinstance(node.body[0], ast.Expr)
            and isinstance(node.body[0].value, ast.Constant)
        }
        for node in nodes:
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                found = {m for m in _PCT_SUFFIX.findall(node.value) if m not in function_names}
                text = "docstring" if id(node) in docstrings else "string"
                for name in sorted(found):
                    out.append(f"{rel} line {node.lineno}: {name!r} in a {text}: say pct_...")
            elif isinstance(node, ast.JoinedStr):  # f"{measure}_pct"
                tail = node.values[-1] if node.values else None
                if (
                    isinstance(tail, ast.Constant)
                    and isinstance(tail.value, str)
                    and tail.value.endswith("_pct")
                ):
                    out.append(f"{rel} line {node.lineno}: an f-string ending in _pct: say pct_...")
            elif isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "Group" for t in node.targets
            ):
                out.append(f"{rel} line {node.lineno}: Group defined here")
    return {k: v for k, v in problems.items() if v}


def test_one_vocabulary():
    problems = vocabulary_problems(PACKAGE)
    group_defs = [p for ps in problems.values() for p in ps if p.endswith("Group defined here")]
    assert len(group_defs) == 1 and group_defs[0].startswith("flbook/analysis/_groups.py"), (
        f"the Group alias is defined once, in flbook/analysis/_groups.py: {group_defs}"
    )
    rest = {
        f: [p for p in ps if not p.endswith("Group defined here")]
        for f, ps in problems.items()
        if f not in PENDING
    }
    rest = {f: ps for f, ps in rest.items() if ps}
    assert not rest, "\n".join(p for ps in rest.values() for p in ps)


def test_pending_files_are_not_stale():
    problems = vocabulary_problems(PACKAGE)
    root = PACKAGE.parent
    for rel in PENDING:
        assert (root / rel).is_file(), f"{rel} is gone: remove it from PENDING"
        assert problems.get(rel), f"{rel} follows the vocabulary now: remove it from PENDING"


def test_group_parameters_use_the_alias():
    """A group= that filters learners is typed Group; a group name alone is a str."""
    wrong = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE.parent).as_posix()
        if rel in PENDING:
            continue
        for fn in _functions(_nodes(path)):
            for p in _params(fn):
                if p.arg == "group" and p.annotation is not None:
                    ann = ast.unparse(p.annotation)
                    if ann not in ("Group", "str"):
                        wrong.append(f"{rel} line {fn.lineno}: {fn.name}(group: {ann})")
    assert not wrong, "\n".join(wrong)


BAD_SOURCE = '''
import pandas as pd

Group = str | None

def plot_x(data, n=3, *, value="pct", max_bars=20, ax=None):
    """Draws ``error_rate_pct``."""
    return data[f"{value}_pct"]

def recipe(course, tz="UTC", *, gap_minutes=65, include_staff=False, min_count=10):
    return pd.DataFrame({"disengaged_pct": [1.0]})
'''


def test_the_vocabulary_check_finds_old_names(tmp_path):
    pkg = tmp_path / "flbook"
    pkg.mkdir()
    (pkg / "bad.py").write_text(BAD_SOURCE)
    problems = vocabulary_problems(pkg)["flbook/bad.py"]
    text = "\n".join(problems)
    for name in ("tz", "gap_minutes", "include_staff", "min_count", "max_bars", "value"):
        assert f"({name}=...)" in text
    assert "plot_x(n=...): an option" in text
    assert "recipe(tz=...): an option" in text
    assert "'error_rate_pct' in a docstring" in text
    assert "'disengaged_pct' in a string" in text
    assert "an f-string ending in _pct" in text
    assert "recipe(course): type it as Course" in text
    assert "Group defined here" in text


def test_plot_functions_have_examples():
    """Every plot_* function has an Examples section, run as a doctest (--doctest-modules)."""
    import flbook.plotting as plotting

    missing = []
    for name in plotting.__all__:
        func = getattr(plotting, name)
        if not name.startswith("plot_") or not callable(func):
            continue
        if f"flbook/{func.__module__.split('.', 1)[1].replace('.', '/')}.py" in PENDING:
            continue
        doc = func.__doc__ or ""
        if "Examples\n" not in doc or ">>> " not in doc or "{" + "ax}" in doc:
            missing.append(name)
    assert not missing, f"no runnable Examples (or an unfilled {{ax}}): {missing}"
