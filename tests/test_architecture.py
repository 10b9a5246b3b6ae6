"""The codebase's shape is a contract: layers (import-linter), types (mypy), lint (ruff).

Each check runs the same tool a contributor runs by hand, on the installed package, and fails with
the tool's own report.
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "hpsearch"
#: a function-level import of hpsearch's own code must say why on the line above it
HEAVY_REASONS = ("torch", "ray", "skopt", "scikit-optimize")


def _run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)


def _tool(name: str) -> str:
    found = shutil.which(name) or str(Path(sys.executable).with_name(name))
    if not Path(found).exists():
        pytest.skip(f"{name} is not installed (pip install -e '.[dev]')")
    return found


def test_layers_point_one_way() -> None:
    done = _run(_tool("lint-imports"))
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.slow
def test_mypy_passes() -> None:
    done = _run(sys.executable, "-m", "mypy")
    assert done.returncode == 0, done.stdout + done.stderr


def test_ruff_is_clean() -> None:
    done = _run(_tool("ruff"), "check", "hpsearch", "tests", "benchmarks")
    assert done.returncode == 0, done.stdout + done.stderr


def _function_level_internal_imports(path: Path) -> list[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    tree = ast.parse("\n".join(lines))
    found = []
    for func in ast.walk(tree):
        if not isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        for node in ast.walk(func):
            internal = (
                isinstance(node, ast.ImportFrom)
                and (node.level > 0 or (node.module or "").startswith("hpsearch"))
            ) or (
                isinstance(node, ast.Import)
                and any(a.name.startswith("hpsearch") for a in node.names)
            )
            if not internal:
                continue
            context = " ".join(lines[max(0, node.lineno - 4) : node.lineno]).lower()
            if not any(reason in context for reason in HEAVY_REASONS):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def test_no_function_level_imports_of_our_own_modules_without_a_reason() -> None:
    offenders = [
        hit
        for path in sorted(PACKAGE.rglob("*.py"))
        for hit in _function_level_internal_imports(path)
    ]
    assert not offenders, (
        "import these at module level, or say on the line above which heavy optional"
        f" dependency (torch, ray, skopt) makes it lazy: {offenders}"
    )


def test_modules_stay_small() -> None:
    big = {
        str(p.relative_to(ROOT)): n
        for p in PACKAGE.rglob("*.py")
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > 400
    }
    assert not big, f"split these modules (one concept each, at most 400 lines): {big}"


def _long_functions(path: Path) -> list[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    found = []
    for node in ast.walk(ast.parse("\n".join(lines))):
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        body = node.body
        if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
            body = body[1:]  # the docstring
        code = {sub.lineno for stmt in body for sub in ast.walk(stmt) if hasattr(sub, "lineno")}
        if len(code) <= MAX_FUNCTION_LINES:
            continue
        head = "\n".join(lines[max(0, node.lineno - 3) : (body[0].lineno if body else node.lineno)])
        if "better whole" not in head:
            found.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name} ({len(code)} lines)")
    return found


MAX_FUNCTION_LINES = 60


def test_long_functions_say_why_they_are_better_whole() -> None:
    offenders = [hit for path in sorted(PACKAGE.rglob("*.py")) for hit in _long_functions(path)]
    assert not offenders, (
        f"split these functions (at most {MAX_FUNCTION_LINES} lines of code), or say in a"
        f" comment above or at the top of the body why each is better whole: {offenders}"
    )
