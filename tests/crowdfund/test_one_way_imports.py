"""Crowdfund and stories import one way: no module imports, even inside a function, a
module that imports it back (directly or around a longer circle).

Read from the source with `ast`, as written: a circle hidden in a function body counts.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def modules_of(app: str, root: Path = ROOT) -> dict[str, Path]:
    found = {}
    for path in sorted((root / app).rglob("*.py")):
        parts = path.relative_to(root).with_suffix("").parts
        if "migrations" in parts:
            continue
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def imports_of(name: str, path: Path, known: dict) -> set[str]:
    """The app's modules this one imports, wherever the import statement stands."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    targets = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            targets.add(base)
            targets.update(f"{base}.{alias.name}" for alias in node.names)
    return {target for target in targets if target in known and target != name}


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan's algorithm)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in graph[node]:
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in graph:
        if node not in index:
            visit(node)
    return found


@pytest.mark.parametrize("app", ["crowdfund", "stories"])
def test_the_app_has_no_import_circle(app):
    known = modules_of(app)
    graph = {name: imports_of(name, path, known) for name, path in known.items()}
    assert circles(graph) == []


def test_the_check_sees_a_circle_hidden_in_a_function(tmp_path):
    app = tmp_path / "demoapp"
    app.mkdir()
    (app / "__init__.py").write_text("")
    (app / "models.py").write_text("def page():\n    from demoapp.views import show\n")
    (app / "views.py").write_text("from demoapp import models\n")
    (app / "law.py").write_text("RULE = 1\n")
    known = modules_of("demoapp", tmp_path)
    graph = {name: imports_of(name, path, known) for name, path in known.items()}
    assert circles(graph) == [["demoapp.models", "demoapp.views"]]


def test_the_model_modules_import_no_views():
    for app in ("crowdfund", "stories"):
        known = modules_of(app)
        assert f"{app}.views" not in imports_of(f"{app}.models", known[f"{app}.models"], known)
