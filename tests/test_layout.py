"""The house rules that keep the code readable: the package in wings, each importing only
the wings below it; Whoosh only inside `archive/search/engine/`, no Whoosh module patched,
no import circles, no module too long to read in one sitting, the pinned Whoosh release,
and the version the CLI reports."""

from __future__ import annotations

import ast
from importlib import metadata
from pathlib import Path

import pytest
from click.testing import CliRunner

from archive.cli import cli
from archive.errors import EngineMismatch
from archive.search.engine import WHOOSH_VERSION, require_whoosh

PACKAGE = Path(__file__).resolve().parent.parent / "archive"
MAX_LINES = 450

# The wings, bottom to top, and what belongs in each: a module imports from its own wing
# and the wings before it, never from one after it.
WINGS = {
    "base": "What every wing uses, at the package's top: the errors, archive.toml's settings "
            "and messages in the reader's language (errors, settings, translation).",
    "records": "The record format: a file becomes a Testimony, is validated, coded, redacted "
               "for an audience, rendered and written back.",
    "media": "Recordings made fit for an audience: copies with the withheld passages silenced "
             "(video: blanked), named by fingerprints; ffmpeg found; draft cue times "
             "aligned from a plain transcript.",
    "search": "Records to index documents and requests to results, with engine/ inside it, "
              "the only code that imports Whoosh.",
    "history": "The archive's life on disk: founding, saving edits, git history, withdrawal, "
               "watching and sync.",
    "exchange": "What leaves or enters in another format: exports, imports, citations, "
                "embedded metadata, REFI-QDA and OAI-PMH.",
    "suggesting": "Suggested evidence: passages proposed for each motive by a model learned "
                  "from the coded ones, accepted, rejected or skipped by a person.",
    "access": "Accounts, sessions, second factors, login throttling, grants and the audit "
              "trail, in a SQLite store beside archive.toml: who is reading.",
    "service": "The archive as both interfaces open it: a record in the right view, and "
               "results in the shapes of the CLI and JSON contracts (service.py).",
    "web": "The Flask app and its blueprints: routes of a few lines, forms, facets as data, "
           "the interface's languages.",
    "cli": "The click group: commands of a few lines (and the package's own entry points, "
           "create_app and python -m archive).",
}
ORDER = list(WINGS)
BASE = {"errors", "settings", "translation"}


def modules() -> dict[str, ast.Module]:
    """Every module of the package, parsed, by dotted name."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = ast.parse(path.read_text(encoding="utf-8"), str(path))
    return found


def imported(name: str, tree: ast.Module) -> set[str]:
    """The modules a module imports (relative imports resolved), at any depth of its code."""
    package = name if name in PACKAGES else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return found


def top_level_imports(name: str, tree: ast.Module) -> set[str]:
    """The archive's own modules a module imports when it is loaded."""
    body = ast.Module(body=[node for node in tree.body
                            if isinstance(node, (ast.Import, ast.ImportFrom))], type_ignores=[])
    return {module for module in imported(name, body) if module in modules_by_name}


modules_by_name = modules()
PACKAGES = {path.parent.relative_to(PACKAGE.parent).as_posix().replace("/", ".")
            for path in PACKAGE.rglob("__init__.py")}


def wing_of(name: str) -> str:
    """The wing a module of the package belongs to."""
    parts = name.split(".")
    if len(parts) == 1 or parts[1] == "__main__":
        return "cli"
    return "base" if parts[1] in BASE else parts[1]


def upward_imports(found: dict[str, ast.Module]) -> list[str]:
    """Every import of a module from a wing above its own, at any depth of its code."""
    upward = []
    for name, tree in found.items():
        for module in sorted(imported(name, tree)):
            if module in found and ORDER.index(wing_of(module)) > ORDER.index(wing_of(name)):
                upward.append(f"{name} ({wing_of(name)}) imports {module} ({wing_of(module)})")
    return upward


def test_every_module_belongs_to_a_wing_that_says_what_it_owns():
    assert {wing_of(name) for name in modules_by_name} == set(WINGS)
    for wing in set(WINGS) - {"base", "service", "cli"}:
        doc = ast.get_docstring(modules_by_name[f"archive.{wing}"])
        assert doc and doc.split("\n\n")[0].rstrip().endswith("."), wing
    top = {name.split(".")[1] for name in modules_by_name if name.count(".") == 1}
    assert top - set(WINGS) == BASE | {"__main__"}


def test_a_wing_imports_only_the_wings_below_it():
    assert upward_imports(modules_by_name) == []


def test_an_import_from_a_wing_above_is_caught():
    planted = dict(modules_by_name)
    planted["archive.records.planted"] = ast.parse("from ..search.searching import ArchiveIndex")
    planted["archive.search.engine.planted"] = ast.parse("from ...web import pages")
    assert upward_imports(planted) == [
        "archive.records.planted (records) imports archive.search.searching (search)",
        "archive.search.engine.planted (search) imports archive.web (web)",
        "archive.search.engine.planted (search) imports archive.web.pages (web)"]


def test_only_the_engine_imports_whoosh():
    outside = [name for name, tree in modules_by_name.items()
               if not name.startswith("archive.search.engine")
               and any(module.split(".")[0] == "whoosh" for module in imported(name, tree))]
    assert outside == []


def test_no_module_of_whoosh_is_assigned_into():
    assigned = []
    for name, tree in modules_by_name.items():
        whoosh_names = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("whoosh"):
                whoosh_names.update(alias.asname or alias.name for alias in node.names)
            elif isinstance(node, ast.Import):
                whoosh_names.update((alias.asname or alias.name).split(".")[0]
                                    for alias in node.names if alias.name.startswith("whoosh"))
        for node in ast.walk(tree):
            targets = node.targets if isinstance(node, ast.Assign) else \
                [node.target] if isinstance(node, (ast.AugAssign, ast.AnnAssign)) else []
            for target in targets:
                root = target
                while isinstance(root, ast.Attribute):
                    root = root.value
                if isinstance(target, ast.Attribute) and isinstance(root, ast.Name) \
                        and root.id in whoosh_names:
                    assigned.append(f"{name}:{node.lineno}")
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "setattr" \
                    and isinstance(node.args[0], ast.Name) and node.args[0].id in whoosh_names:
                assigned.append(f"{name}:{node.lineno}")
    assert assigned == []


def test_the_archive_s_modules_import_each_other_without_a_circle():
    graph = {name: top_level_imports(name, tree) - {name}
             for name, tree in modules_by_name.items()}
    done, path = set(), []

    def visit(name):
        if name in path:
            pytest.fail("import circle: " + " -> ".join(path[path.index(name):] + [name]))
        if name in done:
            return
        path.append(name)
        for other in sorted(graph[name]):
            if other.startswith(name + "."):  # a package may import its own modules
                continue
            visit(other)
        path.pop()
        done.add(name)

    for name in sorted(graph):
        visit(name)


def test_the_reading_pages_and_the_editor_do_not_import_each_other():
    assert "archive.web.pages" not in top_level_imports("archive.web.editor",
                                                        modules_by_name["archive.web.editor"])
    assert "archive.web.editor" not in top_level_imports("archive.web.pages",
                                                         modules_by_name["archive.web.pages"])


def test_every_module_is_short_enough_to_read_in_one_sitting():
    long = {path.relative_to(PACKAGE.parent).as_posix(): lines
            for path in PACKAGE.rglob("*.py")
            if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert long == {}


def test_every_engine_module_opens_with_a_sentence_saying_what_it_owns():
    for name, tree in modules_by_name.items():
        if name.startswith("archive.search.engine"):
            doc = ast.get_docstring(tree)
            assert doc and doc.split("\n\n")[0].rstrip().endswith("."), name


def test_the_installed_whoosh_is_the_release_the_engine_reads():
    require_whoosh()  # raises EngineMismatch, naming both versions, on any other release
    assert metadata.version("whoosh-reloaded") == WHOOSH_VERSION


def test_another_whoosh_release_is_refused_in_one_sentence_naming_both():
    with pytest.raises(EngineMismatch) as caught:
        require_whoosh("2.7.6")
    assert str(caught.value) == (
        "The archive's search engine reads the internals of whoosh-reloaded 2.7.5, but "
        "2.7.6 is installed; run `python -m pip install whoosh-reloaded==2.7.5`.")


def test_the_pin_in_pyproject_is_the_engine_s_release():
    text = (PACKAGE.parent / "pyproject.toml").read_text(encoding="utf-8")
    assert f'"whoosh-reloaded=={WHOOSH_VERSION}"' in text


def test_archive_version_prints_the_installed_version():
    result = CliRunner().invoke(cli, ["--version"])
    assert result.exit_code == 0
    assert result.output == f"archive, version {metadata.version('testimony-archive')}\n"
