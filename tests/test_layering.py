"""The layering as an executable contract, read off the source with `ast` (nothing is imported):

- stages import one way: each module of `miner` may import only modules of its own layer or of
  lower ones (`LAYERS`, lowest first);
- nothing imports `miner.cli` (but `python -m miner`), and only the CLI imports `miner.web` and
  `miner.scheduler` (the design's "nothing imports cli, web or scheduler");
- only the modules that own tables write rows (`WRITERS`): a session's add/delete/merge or an
  SQL insert/update/delete anywhere else fails;
- every module's docstring has an "Imports:" line naming each module of `miner` it imports
  (`miner.x`, `miner.x.*`, `miner.x.{a,b}`; naming a package covers its modules).

Each rule is also checked against a module written to break it, so a contract that stopped
seeing imports or writes would fail too.
Imports: stdlib, pytest.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "miner"

# lowest first; a module matches the longest prefix listed
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    (
        "base: records, settings, errors, reference data",
        (
            "miner",
            "miner.errors",
            "miner.records",
            "miner.record_checks",
            "miner.pubmed_record",
            "miner.config",
            "miner.resources",
            "miner.datafiles",
            "miner.reference",
            "miner.taxon_tree",
            "miner.quality",
            "miner.reviews",
            "miner.study_facts",
            "miner.evaluate",
            "miner.exports",
        ),
    ),
    ("parse and extract: records in, findings out", ("miner.parse", "miner.extract")),
    ("store: schema, sessions, the extraction's writer", ("miner.store",)),
    ("query: reads", ("miner.query",)),
    (
        "actions on stored data",
        ("miner.conflicts", "miner.curation", "miner.accounts", "miner.ingest", "miner.training"),
    ),
    (
        "processes: harvest, digest, scheduling, wiring",
        ("miner.harvest", "miner.digest", "miner.scheduler", "miner.jobs", "miner.services"),
    ),
    ("web", ("miner.web",)),
    ("command line", ("miner.cli", "miner.__main__")),
]

# module → the tables it writes (what it owns); everything else reads
WRITERS = {
    "miner.store.writer": "articles, relations, taxa, disorders, study facts (the extraction's output)",
    "miner.store.locks": "run locks",
    "miner.ingest": "ingest runs and reprocessing marks",
    "miner.harvest.runner": "harvest runs and watermarks",
    "miner.conflicts": "conflicts",
    "miner.curation": "verdicts and corrections",
    "miner.accounts": "users and their sessions",
    "miner.digest.publish": "digests sent",
    "miner.scheduler": "job runs",
    "miner.jobs": "job runs",
}

TOP = ("miner.web", "miner.scheduler")  # entry points: only the CLI (and their own modules) import them


def _within(module: str, prefixes: tuple[str, ...]) -> bool:
    return any(module == prefix or module.startswith(prefix + ".") for prefix in prefixes)


def _package_of(module: str) -> str:
    return next((prefix for prefix in TOP if _within(module, (prefix,))), module)


WRITE_METHODS = {
    "add",
    "add_all",
    "delete",
    "merge",
    "bulk_save_objects",
    "bulk_insert_mappings",
    "bulk_update_mappings",
}
WRITE_STATEMENTS = {"insert", "update", "delete"}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def package_modules() -> dict[str, ast.Module]:
    """Every module of the package, not its data folders (migrations, the gazetteer builder)."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        if {"migrations", "pipelines"} & set(path.relative_to(PACKAGE).parts):
            continue
        found[module_name(path)] = ast.parse(path.read_text(encoding="utf-8"), str(path))
    return found


def layer_of(module: str) -> int:
    best, layer = -1, -1
    for index, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > best:
                best, layer = len(prefix), index
    if layer < 0:
        raise AssertionError(f"{module} is in no layer: add it to LAYERS")
    return layer


def imported(tree: ast.Module, known: set[str]) -> set[str]:
    """The package's modules a module imports (`from miner.x import y` counts miner.x.y when y is
    a module, else miner.x), at any depth of the code."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name.split(".")[0] == "miner"}
        elif (
            isinstance(node, ast.ImportFrom)
            and node.module
            and node.level == 0
            and node.module.split(".")[0] == "miner"
        ):
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                found.add(full if full in known else node.module)
    return found


def layering_violations(modules: dict[str, ast.Module]) -> list[str]:
    known = set(modules)
    problems = []
    for module, tree in modules.items():
        mine = layer_of(module)
        for target in sorted(imported(tree, known)):
            if target == "miner.cli" and module != "miner.__main__":
                problems.append(f"{module} imports miner.cli (nothing may)")
            elif layer_of(target) > mine:
                problems.append(
                    f"{module} ({LAYERS[mine][0]}) imports {target} ({LAYERS[layer_of(target)][0]}), a higher layer"
                )
            elif _within(target, TOP) and not _within(module, ("miner.cli", _package_of(target))):
                problems.append(f"{module} imports {target} (only the CLI may)")
    return problems


def writes(tree: ast.Module) -> list[str]:
    """The row writes of a module: session add/delete/merge calls and SQLAlchemy insert/update/delete."""
    statements = {
        alias.asname or alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("sqlalchemy")
        for alias in node.names
        if alias.name in WRITE_STATEMENTS
    }
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr in WRITE_METHODS:
            owner = func.value.id if isinstance(func.value, ast.Name) else getattr(func.value, "attr", "")
            if "session" in owner:
                found.append(f"line {node.lineno}: {owner}.{func.attr}()")
        elif isinstance(func, ast.Name) and func.id in statements:
            found.append(f"line {node.lineno}: {func.id}()")
    return found


def writer_violations(modules: dict[str, ast.Module]) -> list[str]:
    return [
        f"{module} writes rows ({', '.join(found)}) but is not a table's owner (WRITERS)"
        for module, tree in modules.items()
        if module not in WRITERS and (found := writes(tree))
    ]


@pytest.fixture(scope="module")
def modules() -> dict[str, ast.Module]:
    return package_modules()


def test_every_module_is_in_a_layer_and_imports_only_its_own_or_lower_layers(modules):
    assert len(modules) > 60
    assert layering_violations(modules) == []


def test_only_the_owners_write_rows(modules):
    assert writer_violations(modules) == []
    assert all(writes(modules[module]) for module in WRITERS), "a listed writer no longer writes: drop it"


_NAMED = re.compile(r"miner(?:\.\w+)*(?:\.\{[\w,\s]+\})?")


def stated_imports(tree: ast.Module) -> set[str] | None:
    """The modules of `miner` the docstring's "Imports:" paragraph names; None without one."""
    doc = ast.get_docstring(tree) or ""
    if "Imports:" not in doc:
        return None
    paragraph = doc[doc.index("Imports:") :].split("\n\n")[0]
    named = set()
    for match in _NAMED.finditer(paragraph):
        base, _, members = match.group(0).partition("{")
        named |= {base + member.strip() for member in members.rstrip("}").split(",")} if members else {base}
    return named


def undeclared_imports(modules: dict[str, ast.Module]) -> list[str]:
    known, problems = set(modules), []
    for module, tree in modules.items():
        stated = stated_imports(tree)
        if stated is None:
            problems.append(f"{module}: no Imports: line in its docstring")
            continue
        for target in sorted(imported(tree, known) - {module}):
            if not any(target == name or target.startswith(name + ".") for name in stated):
                problems.append(f"{module} imports {target}, which its Imports: line does not name")
    return problems


def test_every_module_states_what_it_imports(modules):
    assert undeclared_imports(modules) == []


# --- the contract catches what it is meant to catch -------------------------------------------------


def planted(modules: dict[str, ast.Module], name: str, source: str) -> dict[str, ast.Module]:
    return {**modules, name: ast.parse(source)}


@pytest.mark.parametrize(
    ("module", "source", "expected"),
    [
        ("miner.extract.planted", "from miner.store.models import Relation\n", "a higher layer"),
        ("miner.store.planted", "import miner.query.pairs\n", "a higher layer"),
        ("miner.query.planted", "def f():\n    from miner.web.app import create_app\n", "a higher layer"),
        ("miner.web.planted", "from miner import cli\n", "imports miner.cli"),
        ("miner.digest.planted", "from miner.cli import app\n", "imports miner.cli"),
        ("miner.harvest.planted", "from miner.scheduler import run_scheduler\n", "only the CLI may"),
    ],
)
def test_a_forbidden_import_breaks_the_contract(modules, module, source, expected):
    problems = layering_violations(planted(modules, module, source))
    assert len(problems) == 1 and module in problems[0] and expected in problems[0]


def test_an_import_the_docstring_does_not_name_is_reported(modules):
    source = (
        '"""Planted. Imports: `miner.store`."""\nfrom miner.store.models import Relation\nfrom miner.query import pairs'
    )
    assert undeclared_imports({"miner.web.planted": ast.parse(source), **modules}) == [
        "miner.web.planted imports miner.query.pairs, which its Imports: line does not name"
    ]


@pytest.mark.parametrize(
    "source",
    [
        "def f(session, row):\n    session.add(row)\n",
        "from sqlalchemy import update\ndef f(db):\n    db.execute(update(Relation).values(x=1))\n",
        "def f(self):\n    self.session.delete(self.row)\n",
    ],
)
def test_a_write_outside_the_owners_breaks_the_contract(modules, source):
    problems = writer_violations(planted(modules, "miner.query.planted", source))
    assert len(problems) == 1 and "miner.query.planted writes rows" in problems[0]
