"""The layering of docs/architecture.md, enforced: every import goes down, never up or sideways.

LAYERS below is the one list of the order; docs/architecture.md must say the same.
"""

import ast
import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "dailypapers"
ARCHITECTURE_DOC = PACKAGE.parent.parent / "docs" / "architecture.md"

# Lowest first. An app may import its own modules, `core` and the apps of lower layers; apps
# on one line are peers and import neither each other nor anything above. Names of apps that
# do not exist yet hold their place for the features that will bring them.
LAYERS = [
    ["core"],
    ["papers"],
    ["accounts"],
    ["links", "people"],
    ["feed"],
    ["search", "thumbnails", "summaries"],
    ["library"],
    ["recommend"],
    ["notifications"],
    ["api", "digests"],
    ["site"],
]
LAYER_OF = {app: level for level, apps in enumerate(LAYERS) for app in apps}
# Modules of the project itself, outside every app: they wire the apps together.
PROJECT_MODULES = {"__init__", "settings", "wsgi", "cli"}


def _modules():
    """(dotted name, app, path) of every module in the package."""
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE).with_suffix("").parts
        app = parts[0] if len(parts) > 1 else None
        if app is None and parts[0] not in PROJECT_MODULES:
            raise AssertionError(f"{path.name} sits outside every app: give it one")
        yield ".".join(("dailypapers", *parts)), app, path


def _imported(module: str, path: Path, tree: ast.AST):
    """(line, dotted name) of every import in the module, relative ones resolved."""
    package = module.split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            yield node.lineno, target
            for alias in node.names:  # `from .. import search` imports an app
                yield node.lineno, f"{target}.{alias.name}"


def _app_of(target: str) -> str | None:
    parts = target.split(".")
    if parts[0] != "dailypapers" or len(parts) < 2 or parts[1] in PROJECT_MODULES:
        return None
    return parts[1] if (PACKAGE / parts[1]).is_dir() else None


def app_imports() -> dict[str, dict[str, list[str]]]:
    """app -> imported app -> the places ("path:line") that import it."""
    graph: dict[str, dict[str, list[str]]] = {}
    for module, app, path in _modules():
        tree = ast.parse(path.read_text(), str(path))
        for line, target in _imported(module, path, tree):
            other = _app_of(target)
            if app and other and other != app:
                where = f"{path.relative_to(PACKAGE)}:{line}"
                places = graph.setdefault(app, {}).setdefault(other, [])
                if where not in places:
                    places.append(where)
    return graph


def test_every_app_has_a_layer():
    apps = {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert apps - set(LAYER_OF) == set(), "add the new app to LAYERS and docs/architecture.md"


def test_imports_only_go_down():
    wrong = [
        f"{place}: {app} imports {other}"
        f" ({'a peer' if LAYER_OF[other] == LAYER_OF[app] else 'a higher layer'})"
        for app, targets in app_imports().items()
        for other, places in targets.items()
        if LAYER_OF[other] >= LAYER_OF[app]
        for place in places
    ]
    assert wrong == []


def test_no_import_cycles_between_apps():
    graph = {app: set(targets) for app, targets in app_imports().items()}

    def visit(app, trail):
        if app in trail:
            raise AssertionError("import cycle: " + " -> ".join([*trail, app]))
        for other in sorted(graph.get(app, ())):
            visit(other, [*trail, app])

    for app in sorted(graph):
        visit(app, [])


def test_the_checks_catch_an_upward_import(tmp_path):
    """The AST reading resolves relative imports, so a violation cannot hide behind dots."""
    source = "from ..search.service import similar_papers\nfrom .. import digests\n"
    path = tmp_path / "views.py"
    path.write_text(source)
    found = [target for _, target in _imported("dailypapers.feed.views", path, ast.parse(source))]
    assert {_app_of(t) for t in found} == {"search", "digests", None}


def documented_layers() -> list[list[str]]:
    """The numbered list under '## Layers' in docs/architecture.md: the backticked names that
    start each item, one group per item."""
    text = ARCHITECTURE_DOC.read_text()
    section = text.split("\n## Layers", 1)[1].split("\n## ", 1)[0]
    groups = []
    for line in section.splitlines():
        if item := re.match(r"\d+\.\s+((?:`\w+`(?:,\s*|\s+and\s+)?)+)", line):
            groups.append(re.findall(r"`(\w+)`", item.group(1)))
    return groups


def test_docs_list_the_same_layers():
    assert documented_layers() == LAYERS
