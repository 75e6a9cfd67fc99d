"""Areas do not import each other in a circle: the import graph of src/livestall, read with `ast`."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import livestall

ROOT = Path(livestall.__file__).parent
# Shared by every area and importing none: like the top-level modules (db.py, money.py, errors.py), not an area.
SHARED_PACKAGES = frozenset({"events"})


def area_of(parts: tuple[str, ...]) -> str | None:
    """The area of a module given as its path parts under src/livestall: the first folder, if it is an area."""
    if len(parts) < 2 or parts[0] in SHARED_PACKAGES or not (ROOT / parts[0]).is_dir():
        return None
    return parts[0]


def imported_modules(path: Path, package: tuple[str, ...]) -> set[tuple[str, ...]]:
    """Every livestall module `path` imports, anywhere in it (in functions and TYPE_CHECKING blocks too)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name.split(".") for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = ["livestall", *package[:len(package) - node.level + 1]] if node.level else []
            module = base + (node.module.split(".") if node.module else [])
            names = [module] + [module + [alias.name] for alias in node.names]  # `from pkg import module`
        else:
            continue
        found.update(tuple(name[1:]) for name in names if name[0] == "livestall" and len(name) > 1)
    return found


def area_edges() -> dict[tuple[str, str], set[str]]:
    """(importing area, imported area) → the files of the first that import the second."""
    edges: dict[tuple[str, str], set[str]] = defaultdict(set)
    for path in sorted(ROOT.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        area = area_of(parts)
        if area is None:
            continue
        for module in imported_modules(path, parts[:-1]):
            other = module[0]  # `from livestall import media` imports the area as much as `livestall.media.x` does
            if other != area and other not in SHARED_PACKAGES and (ROOT / other).is_dir():
                edges[(area, other)].add(str(path.relative_to(ROOT)))
    return edges


def test_the_graph_is_read():
    """The reader sees the imports it must see (a broken reader would find no cycle anywhere)."""
    edges = area_edges()
    assert ("orders", "ledger") in edges and ("web", "shows") in edges
    assert "orders/service.py" in edges[("orders", "ledger")]


def test_no_two_areas_import_each_other():
    """An area never imports an area that imports it back."""
    edges = area_edges()
    pairs = sorted((a, b) for a, b in edges if a < b and (b, a) in edges)
    problems = [f"{a} <-> {b}: {a} imports {b} in {', '.join(sorted(edges[(a, b)]))}; "
                f"{b} imports {a} in {', '.join(sorted(edges[(b, a)]))}" for a, b in pairs]
    assert not problems, "areas import each other:\n" + "\n".join(problems)


def test_shared_packages_import_no_area():
    """What is left out of the graph as shared (the event registry) depends on no area, so no cycle hides in it."""
    found = {}
    for package in SHARED_PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            areas = {m[0] for m in imported_modules(path, parts[:-1])
                     if (ROOT / m[0]).is_dir() and m[0] not in SHARED_PACKAGES}
            if areas:
                found[str(path.relative_to(ROOT))] = sorted(areas)
    assert not found, f"shared modules import areas: {found}"
