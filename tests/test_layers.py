"""The package's layers: imports go only to lower ranks (or inside the same package).

Rank 0 ``core``; 1 ``io``, ``solvers``; 2 ``organize``, ``generate``; 3 ``schedule``,
``sizing``, ``align``; 4 ``analysis``; 5 ``publish``; 6 ``batch``; 7 ``cli``, which drives
them all (``--dask`` and ``batch`` included). Only
``__init__.py`` and ``__main__.py`` sit at the package root. ``core`` holds plain data: no
pandas, no files.

One owner per concept: a CP-SAT solver is created only in ``solvers/cpsat/setup.py``, files
are replaced only in ``io/atomic.py``, the status enum is only ``core/status.py``
(the run-folder file names are checked in ``tests/io/runfolder/test_names.py``).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "allocate"
RANKS = {
    "core": 0,
    "io": 1, "solvers": 1,
    "organize": 2, "generate": 2,
    "schedule": 3, "sizing": 3, "align": 3, "design": 3,
    "analysis": 4,
    "publish": 5,
    "batch": 6, "serve": 6,
    "cli": 7,  # the front door of batch (and of the web app): one step above them
}
ROOT_FILES = {"__init__.py", "__main__.py", "py.typed"}
#: libraries that mean tables or files, kept out of ``core``
CORE_FORBIDDEN = ("pandas", "geopandas", "pyogrio", "openpyxl", "pyarrow", "folium", "yaml")


def _module_of(path: Path) -> list[str]:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return parts[:-1] if parts[-1] == "__init__" else parts


def imports_of(source: str, module: list[str], is_package: bool) -> list[tuple[int, str]]:
    """Every module named by an import in ``source`` (relative imports resolved), with its line."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module if is_package else module[:-1]
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            found.append((node.lineno, target))
            # ``from allocate import schedule`` names a subpackage
            if target == "allocate":
                found += [(node.lineno, f"allocate.{a.name}") for a in node.names]
    return found


def violations(path: Path, source: str) -> list[str]:
    """The upward (or sideways) imports of one module, as readable lines."""
    module = _module_of(path)
    if len(module) < 2 or path.parent == PACKAGE:  # the package root: the public API may gather every layer
        return []
    own = module[1]
    rank = RANKS.get(own)
    if rank is None:
        return [f"{path}: package allocate.{own} has no rank"]
    out = []
    for line, target in imports_of(source, module, path.name == "__init__.py"):
        parts = target.split(".")
        if parts[0] != "allocate":
            if own == "core" and parts[0] in CORE_FORBIDDEN:
                out.append(f"{path.name}:{line}: core imports {target}")
            continue
        if len(parts) < 2 or parts[1] not in RANKS:
            if len(parts) >= 2:  # the public API of the root package from inside: upward
                out.append(f"{path.name}:{line}: imports {target} (the package root)")
            continue
        if parts[1] != own and RANKS[parts[1]] >= rank:
            out.append(f"allocate.{'.'.join(module[1:])}:{line}: rank {rank} imports {target} (rank {RANKS[parts[1]]})")
    return out


def test_no_upward_import():
    problems = []
    for path in sorted(PACKAGE.rglob("*.py")):
        problems += violations(path, path.read_text(encoding="utf-8"))
    assert not problems, "imports against the layers:\n" + "\n".join(problems)


def test_only_the_api_at_the_root():
    stray = sorted(p.name for p in PACKAGE.iterdir() if p.name not in ROOT_FILES and p.name != "__pycache__" and not p.is_dir())
    assert not stray, f"modules at the package root: {stray}"
    packages = sorted(p.name for p in PACKAGE.iterdir() if p.is_dir() and p.name != "__pycache__")
    assert set(packages) <= set(RANKS), f"packages without a rank: {set(packages) - set(RANKS)}"


@pytest.mark.parametrize(
    ("where", "source", "expected"),
    [
        ("solvers/x.py", "from allocate.organize.items import ModelProblem\n", 1),  # rank 1 -> 2
        ("io/x.py", "from allocate.solvers.problem import AssignmentProblem\n", 1),  # sideways, same rank
        ("core/x.py", "from ..analysis import kpi\n", 1),  # relative, upward
        ("core/x.py", "import pandas as pd\n", 1),  # tables in core
        ("schedule/engine/x.py", "from ..plan import day\n", 0),  # inside the same package
        ("publish/x.py", "def f():\n    from allocate.cli import app\n", 1),  # lazy import counts too
        ("analysis/x.py", "from allocate import solve\n", 1),  # the root API from inside
        ("cli/x.py", "from allocate.analysis.kpi import compute_kpis\n", 0),  # downward
    ],
)
def test_the_checker_sees_upward_imports(where, source, expected):
    assert len(violations(PACKAGE / where, source)) == expected


# --------------------------------------------------------------------------- one owner per concept
#: (what, the only module allowed, a test on one AST node)
OWNERS = [
    ("a CP-SAT solver is created", "solvers/cpsat/setup.py",
     lambda n: isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr == "CpSolver"),
    ("a file is replaced or a temporary file made", "io/atomic.py",
     lambda n: (isinstance(n, ast.Attribute) and n.attr in ("replace", "rename")
                and isinstance(n.value, ast.Name) and n.value.id == "os")
     or (isinstance(n, (ast.Import, ast.ImportFrom))
         and any(a.name == "tempfile" for a in n.names) | (getattr(n, "module", None) == "tempfile"))),
    ("a solve status enum is defined", "core/status.py",
     lambda n: isinstance(n, ast.ClassDef) and any(
         isinstance(s, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "OPTIMAL" for t in s.targets)
         for s in n.body)),
]


def owner_violations(path: Path, source: str) -> list[str]:
    """Places outside their owner where one of :data:`OWNERS`' concepts is written again."""
    rel = path.relative_to(PACKAGE).as_posix()
    tree = ast.parse(source)
    out = []
    for what, owner, hit in OWNERS:
        if rel != owner:
            out += [f"{rel}:{n.lineno}: {what} outside {owner}" for n in ast.walk(tree) if hit(n)]
    if rel.startswith("core/"):  # plain data: no files read or written
        out += [f"{rel}:{n.lineno}: core touches files ({n.func.attr if isinstance(n.func, ast.Attribute) else 'open'})"
                for n in ast.walk(tree) if isinstance(n, ast.Call) and (
                    (isinstance(n.func, ast.Name) and n.func.id == "open")
                    or (isinstance(n.func, ast.Attribute) and n.func.attr in (
                        "read_text", "write_text", "read_bytes", "write_bytes", "open", "mkdir", "unlink")))]
    out += [f"{rel}:{n.lineno}: 'import allocate' (import the module that owns the name)"
            for n in ast.walk(tree) if isinstance(n, ast.Import) and any(a.name == "allocate" for a in n.names)]
    return out


def test_one_owner_per_concept():
    problems = []
    for path in sorted(PACKAGE.rglob("*.py")):
        problems += owner_violations(path, path.read_text(encoding="utf-8"))
    assert not problems, "concepts written outside their owner:\n" + "\n".join(problems)


@pytest.mark.parametrize(
    ("where", "source", "expected"),
    [
        ("sizing/x.py", "from ortools.sat.python import cp_model\ns = cp_model.CpSolver()\n", 1),
        ("solvers/cpsat/setup.py", "s = cp_model.CpSolver()\n", 0),
        ("batch/x.py", "import os\nos.replace('a', 'b')\n", 1),
        ("generate/x.py", "import tempfile\n", 1),
        ("io/atomic.py", "import os, tempfile\nos.replace('a', 'b')\n", 0),
        ("schedule/x.py", "class Status(Enum):\n    OPTIMAL = 'optimal'\n", 1),
        ("core/x.py", "def f(p):\n    return p.read_text()\n", 1),
        ("core/x.py", "def f(p):\n    return open(p)\n", 1),
        ("analysis/x.py", "import allocate\n", 1),
    ],
)
def test_the_owner_check_sees_a_second_owner(where, source, expected):
    assert len(owner_violations(PACKAGE / where, source)) == expected
