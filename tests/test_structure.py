"""The layers hold: imports run downward, SQL stays in storage and services, the package never
reaches into tests, bench or scripts. Every import counts, also the ones inside functions.

    core < storage < services < reports < cli, ui (and app.py, __main__.py on top)

``desktop/__init__.py``, ``resources.py``, ``paths.py`` and ``console.py`` are plumbing below core.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "desktop"
LAYERS = {"base": 0, "core": 1, "storage": 2, "services": 3, "reports": 4, "cli": 5, "ui": 5}
TOP = 6  # app.py and __main__.py: they start the GUI or the CLI
BASE_MODULES = {"__init__", "resources", "paths", "console"}
# Files that still break a rule, each cleared by the work that owns it. A file listed here that no
# longer breaks its rule fails the test too, so the lists only shrink; all must end empty.
KNOWN = {
    "upward": set(),
    "sql": set(),
    "status": set(),
}


def _judge(rule: str, found: list[str], what: str) -> None:
    files = {f.split(":")[0] for f in found}
    new = [f for f in found if f.split(":")[0] not in KNOWN[rule]]
    cleared = KNOWN[rule] - files
    assert not new, f"{what}:\n" + "\n".join(new)
    assert not cleared, f"remove from KNOWN[{rule!r}] (now clean): {sorted(cleared)}"


_SQL = re.compile(r"\b(SELECT\s+\S|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM)\b")


def _layer_of_path(path: Path) -> tuple[str, int]:
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    if len(parts) == 1:
        if parts[0] in BASE_MODULES:
            return "base", LAYERS["base"]
        if parts[0] in ("app", "__main__"):
            return parts[0], TOP
    top = parts[0]
    assert top in LAYERS, f"{path}: a module outside the layers; add it to LAYERS"
    return top, LAYERS[top]


def _layer_of_module(name: str) -> tuple[str, int] | None:
    parts = name.split(".")
    if parts[0] != "desktop":
        return None
    if len(parts) == 1 or parts[1] in BASE_MODULES:
        return "base", LAYERS["base"]
    if parts[1] in ("app", "__main__"):
        return parts[1], TOP
    if parts[1] not in LAYERS:  # a name defined in desktop/__init__.py (APP_NAME, __version__)
        return "base", LAYERS["base"]
    return parts[1], LAYERS[parts[1]]


def _imports(tree: ast.AST, module: str) -> list[tuple[int, str]]:
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative import: resolve against the module's package
                base = module.split(".")[: -node.level]
                name = ".".join([*base, node.module] if node.module else base)
            else:
                name = node.module or ""
            found.append((node.lineno, name))
            # ``from desktop import reports`` imports the sub-package
            found.extend((node.lineno, f"{name}.{alias.name}") for alias in node.names)
    return found


def _modules() -> list[tuple[Path, str, ast.AST]]:
    out = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if "_data" in path.parts:
            continue
        rel = path.relative_to(PACKAGE.parent).with_suffix("")
        module = ".".join(rel.parts).removesuffix(".__init__")
        out.append((path, module, ast.parse(path.read_text(encoding="utf-8"))))
    return out


def test_imports_only_run_downward():
    upward = []
    for path, module, tree in _modules():
        name, level = _layer_of_path(path)
        for line, target in _imports(tree, module):
            target_layer = _layer_of_module(target)
            if target_layer is None:
                continue
            target_name, target_level = target_layer
            sideways = level == LAYERS["cli"] and target_level == level and target_name != name
            if target_level > level or sideways:
                upward.append(f"{path.relative_to(PACKAGE.parent)}:{line} ({name}) → {target}")
    _judge("upward", upward, "imports that run upward or sideways")


def test_the_package_never_imports_tests_bench_or_scripts():
    bad = []
    for path, module, tree in _modules():
        for line, target in _imports(tree, module):
            if target.split(".")[0] in ("tests", "bench", "scripts", "conftest"):
                bad.append(f"{path.relative_to(PACKAGE.parent)}:{line} → {target}")
    assert not bad, "\n".join(bad)


def test_no_sql_outside_storage_and_services():
    found = []
    layers = ("reports", "ui", "cli")
    for path in sorted(p for layer in layers for p in (PACKAGE / layer).rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                if _SQL.search(node.value):
                    found.append(f"{path.relative_to(PACKAGE.parent)}:{node.lineno}")
    _judge("sql", found, "SQL belongs in storage or services (a read model)")


def test_award_statuses_are_spelled_only_in_core_status():
    """Statuses and their sets live in ``desktop/core/status.py``; elsewhere they are named."""
    from desktop.core import status

    words = "|".join(re.escape(s) for s in status.ALL)
    bare = re.compile(rf"^({words})$")
    quoted = re.compile(rf"'({words})'")
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name == "status.py" and path.parent.name == "core":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        in_messages = {  # pieces of f-strings are words in a message, not status values
            id(part)
            for node in ast.walk(tree)
            if isinstance(node, ast.JoinedStr)
            for part in node.values
        }
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                value = node.value
                if quoted.search(value) or (id(node) not in in_messages and bare.search(value)):
                    found.append(
                        f"{path.relative_to(PACKAGE.parent)}:{node.lineno} {node.value!r}"[:120]
                    )
    _judge("status", found, "award status literals outside core/status.py")
