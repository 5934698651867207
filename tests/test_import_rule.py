"""The import rule (docs/architecture.md): core imports no feature, features import core,
only the application wires them together. Checked over every module's imports, the
function-level (lazy) ones included, read with ``ast`` without importing anything."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("streamer", "collectors", "schedules", "reports")
FEATURES = ("collectors", "schedules", "reports", "streamer.notify")
APP = "streamer.app"

# Within the collectors feature, the engine and its cycle are platform-neutral: only an
# adapter's own modules and the registry that builds the adapters import a platform module.
PLATFORM_MODULES = (
    "collectors.youtube",
    "collectors.youtube_parse",
    "collectors.youtube_quota",
    "collectors.graph",
    "collectors.facebook",
    "collectors.instagram",
    "collectors.twitch",
)
BUILDS_ADAPTERS = ("collectors.registry", "collectors.builders")

# Known exceptions, each (importing module, imported module) with the reason it is
# still there. Empty this list, do not grow it: a new edge that breaks the rule is moved
# to where the rule puts it instead.
KNOWN_EXCEPTIONS: set[tuple[str, str]] = set()


@dataclass(frozen=True, slots=True)
class Edge:
    """One import statement's dependency of ``source`` (a module) on ``target``."""

    source: str
    target: str
    path: Path
    line: int
    statement: str

    def where(self) -> str:
        """``file:line: statement`` for a failure message."""
        return f"{self.path.relative_to(ROOT)}:{self.line}: {self.statement}"


def module_name(path: Path) -> str:
    """The dotted module name of a source file (``streamer/app/cli.py``: ``streamer.app.cli``)."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@cache
def is_module(name: str) -> bool:
    """Whether ``name`` is a module or package of this repository."""
    base = ROOT.joinpath(*name.split("."))
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


def imported(node: ast.Import | ast.ImportFrom, source: str, is_package: bool) -> list[str]:
    """The repository modules one import statement depends on."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    base = node.module or ""
    if node.level:  # relative: resolved against the importing module's package
        package = source.split(".")
        package = package if is_package else package[:-1]
        package = package[: len(package) - node.level + 1]
        base = ".".join([*package, base] if base else package)
    # ``from streamer import rollup`` depends on the module ``streamer.rollup``.
    names = [f"{base}.{alias.name}" for alias in node.names]
    return [name for name in names if is_module(name)] or [base]


def edges_of(path: Path) -> Iterator[Edge]:
    """Every import in ``path``, at any depth (a function's lazy import counts too)."""
    source = module_name(path)
    text = path.read_text(encoding="utf-8")
    for node in ast.walk(ast.parse(text, filename=str(path))):
        if isinstance(node, ast.Import | ast.ImportFrom):
            statement = " ".join((ast.get_source_segment(text, node) or "").split())
            for target in imported(node, source, path.name == "__init__.py"):
                yield Edge(source, target, path, node.lineno, statement)


@cache
def all_edges() -> list[Edge]:
    """The import edges of every module of the four packages, to modules of them."""
    edges = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            edges += [e for e in edges_of(path) if e.target.split(".")[0] in PACKAGES]
    return edges


def within(name: str, package: str) -> bool:
    """Whether module ``name`` is ``package`` or inside it."""
    return name == package or name.startswith(package + ".")


def layer(name: str) -> str:
    """``app``, ``core`` or the feature a module belongs to."""
    if within(name, APP):
        return "app"
    for feature in FEATURES:
        if within(name, feature):
            return feature
    return "core"


def breach(edge: Edge) -> str | None:
    """Why ``edge`` breaks the rule, or ``None`` when it keeps it."""
    source, target = layer(edge.source), layer(edge.target)
    if source == "app" or source == target == "core":
        return None
    if target == "app":
        return f"{source} imports the application"
    if source == "core" and target != "core":
        return f"core imports the {target} feature"
    if target not in ("core", source):
        return f"the {source} feature imports the {target} feature"
    if (
        edge.target in PLATFORM_MODULES
        and edge.source not in PLATFORM_MODULES + BUILDS_ADAPTERS
        and within(edge.source, "collectors")
    ):
        return "a platform-neutral collector module imports a platform adapter"
    return None


def test_the_import_rule_holds_for_every_module() -> None:
    """No core module imports a feature or the app, no feature imports another feature or
    the app; the known exceptions listed here are the only ones."""
    edges = all_edges()
    broken = [
        f"{edge.where()}  ({why})"
        for edge in edges
        if (why := breach(edge)) and (edge.source, edge.target) not in KNOWN_EXCEPTIONS
    ]
    assert not broken, "imports that break the import rule:\n" + "\n".join(broken)


def test_every_known_exception_is_still_needed() -> None:
    """An exception that no import needs any more is removed from the list."""
    breaking = {(e.source, e.target) for e in all_edges() if breach(e)}
    stale = KNOWN_EXCEPTIONS - breaking
    assert not stale, f"no longer imported, remove from KNOWN_EXCEPTIONS: {sorted(stale)}"


def test_the_check_sees_lazy_relative_and_package_imports() -> None:
    """A function-level import, a relative import and ``from package import module`` are
    each an edge to the module they load, so none of them slips past the rule."""
    path = ROOT / "streamer" / "rollup.py"
    code = (
        "def f():\n    from reports import periods\n"
        "from .app import cli\n"
        "import collectors.engine\n"
    )
    tree = ast.parse(code)
    found = [
        target
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for target in imported(node, module_name(path), is_package=False)
    ]
    assert sorted(found) == ["collectors.engine", "reports.periods", "streamer.app.cli"]
    assert [breach(Edge("streamer.rollup", t, path, 1, "")) for t in sorted(found)] == [
        "core imports the collectors feature",
        "core imports the reports feature",
        "core imports the application",
    ]


def test_layers_are_told_apart() -> None:
    """Modules fall into the layer the architecture page names: the app under
    ``streamer/app``, notify a feature inside ``streamer``, the rest of ``streamer`` core."""
    assert [
        layer(name)
        for name in (
            "streamer.app.daemon",
            "streamer.notify.sender",
            "streamer.outbox",
            "collectors.alerts",
            "reports.periods",
            "schedules.ids",
        )
    ] == ["app", "streamer.notify", "core", "collectors", "reports", "schedules"]
    assert breach(Edge("collectors.cycle", "collectors.twitch", ROOT, 1, "")) is not None
    assert breach(Edge("collectors.registry", "collectors.twitch", ROOT, 1, "")) is None
    assert breach(Edge("streamer.notify.webhook", "collectors.http", ROOT, 1, "")) == (
        "the streamer.notify feature imports the collectors feature"
    )
