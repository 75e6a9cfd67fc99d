"""The event registry: every type published is declared once, the guides' event tables match it, and
an undeclared type fails where it is made when events are checked."""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
import typing
from pathlib import Path

import pytest
from pydantic import BaseModel

from livestall.events.catalog import PRIVATE_FRAMES, ROOM_EVENTS, WEBHOOK_EVENTS
from livestall.events.registry import Payload, UndeclaredEvent

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "livestall"
DOCS = ROOT / "docs"
EVERY = (ROOM_EVENTS, PRIVATE_FRAMES, WEBHOOK_EVENTS)

# Which table documents which declarations: (guide, the heading the table sits under) -> kinds of event type.
TABLES = {
    ("protocol.md", "Events in batches"): ("room",),
    ("protocol.md", "Private frames"): ("frame",),
    ("protocol.md", "Events routed to single viewers"): ("routed",),
    ("notifications.md", "Events"): ("webhook",),
}


# -- the declarations ---------------------------------------------------------------------------


def test_each_type_is_declared_once_with_a_schema_and_a_line_on_when():
    for registry in EVERY:
        assert len(registry) > 0
        for declared in registry:
            assert issubclass(declared.schema, Payload), declared.name
            assert declared.when.strip() and "\n" not in declared.when, declared.name
            assert re.fullmatch(r"[a-z_]+(\.[a-z_]+)*", declared.name), declared.name
    assert not ROOM_EVENTS.names & PRIVATE_FRAMES.names  # a frame type never doubles as a room event


def test_a_payload_that_breaks_its_schema_is_refused():
    ROOM_EVENTS.check("likes", {"total": 3})
    for data in ({"total": "3"}, {"total": 3, "extra": 1}, {}):
        with pytest.raises(UndeclaredEvent, match="likes"):
            ROOM_EVENTS.check("likes", data)
    with pytest.raises(UndeclaredEvent, match="chat.mesage"):
        ROOM_EVENTS.check("chat.mesage")
    with pytest.raises(UndeclaredEvent, match="at"):
        ROOM_EVENTS.check("show.live", {"status": "live", "at": "yesterday"})


def test_webhook_endpoints_may_ask_for_exactly_the_declared_webhook_events():
    from livestall.webhooks.schemas import EventName

    assert set(typing.get_args(EventName)) == WEBHOOK_EVENTS.names


def test_an_undeclared_type_fails_where_it_is_made_when_events_are_checked():
    script = ("from livestall.events import Event\n"
              "Event(1, 'likes', {'total': 2})\n"
              "for bad in (('chat.mesage', {}), ('likes', {'total': 'two'})):\n"
              "    try:\n"
              "        Event(1, *bad)\n"
              "    except ValueError as exc:\n"
              "        print('refused', type(exc).__name__)\n")
    strict = subprocess.run([sys.executable, "-c", script], env={**os.environ, "LIVESTALL_STRICT_EVENTS": "1"},
                            capture_output=True, text=True, timeout=60)
    assert strict.stdout.split("\n")[:2] == ["refused UndeclaredEvent"] * 2, strict.stderr
    # Unchecked (production), an Event is its three fields: nothing is looked up per chat message.
    loose = subprocess.run([sys.executable, "-c", script], env={**os.environ, "LIVESTALL_STRICT_EVENTS": ""},
                           capture_output=True, text=True, timeout=60)
    assert loose.returncode == 0 and loose.stdout == "", loose.stderr


# -- what the code publishes ----------------------------------------------------------------------


def _constants() -> dict[str, set[str]]:
    """Module-level string constants of the package, by name (e.g. PLACES_EVENT)."""
    found: dict[str, set[str]] = {}
    for path in SRC.rglob("*.py"):
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) and \
                    isinstance(node.value.value, str):
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        found.setdefault(target.id, set()).add(node.value.value)
    return found


def _published() -> list[tuple[str, str, str]]:
    """(where, kind, type or f-string prefix + '*') for every event or private frame the code makes."""
    constants = _constants()
    found = []
    for path in SRC.rglob("*.py"):
        if path.is_relative_to(SRC / "events"):
            continue
        tree = ast.parse(path.read_text())
        # A type handed in by the caller (the caller's literal is scanned), or rebuilt by the transport from
        # an event that was checked where it was made, is passed through, not made here.
        passed = {a.arg for f in ast.walk(tree) if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))
                  for a in (*f.args.args, *f.args.kwonlyargs)}
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            # Event(show_id, type, data); ctx.publish(type, data); send_to_user(show_id, user_id, type, ...)
            slot = {"Event": (1, "room"), "publish": (0, "room"), "send_to_user": (2, "frame")}.get(name)
            if slot is None or len(node.args) <= slot[0]:
                continue
            arg, where = node.args[slot[0]], f"{path.relative_to(SRC)}:{node.lineno}"
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                found.append((where, slot[1], arg.value))
            elif isinstance(arg, ast.JoinedStr) and isinstance(arg.values[0], ast.Constant):
                found.append((where, slot[1], arg.values[0].value + "*"))
            elif isinstance(arg, ast.Name) and arg.id in constants:
                found.extend((where, slot[1], value) for value in constants[arg.id])
            elif isinstance(arg, ast.Name) and arg.id in passed or path.is_relative_to(SRC / "realtime"):
                continue
            elif name == "Event":  # a type the scan cannot read: name it with a constant or a literal
                found.append((where, "room", f"<{ast.unparse(arg)}>"))
    return found


def test_every_type_the_code_publishes_is_declared():
    published = _published()
    kinds = {kind for _, kind, _ in published}
    assert kinds == {"room", "frame"} and len(published) > 20  # the scan does find what it looks for
    registries = {"room": ROOM_EVENTS, "frame": PRIVATE_FRAMES}
    undeclared = []
    for where, kind, type_ in published:
        names = registries[kind].names
        known = any(n.startswith(type_[:-1]) for n in names) if type_.endswith("*") else type_ in names
        if not known:
            undeclared.append(f"{where}: {kind} {type_}")
    assert undeclared == []


def test_the_realtime_layer_moves_events_without_knowing_their_schemas():
    for path in (SRC / "realtime").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("livestall.events"):
                assert node.module == "livestall.events", f"{path.name} imports {node.module}"
    loaded = subprocess.run([sys.executable, "-c", "import sys, livestall.realtime; "
                             "print(sorted(m for m in sys.modules if m.startswith('livestall.events.')))"],
                            env={**os.environ, "LIVESTALL_STRICT_EVENTS": ""}, capture_output=True, text=True,
                            timeout=60)
    assert loaded.stdout.strip() == "[]", loaded.stderr


# -- the guides -------------------------------------------------------------------------------------


def _cells(line: str) -> list[str]:
    """A Markdown table row's cells; `\\|` inside a cell is a literal bar."""
    cells = re.split(r"(?<!\\)\|", line.strip().strip("|"))
    return [c.strip().replace("\\|", "|") for c in cells]


def _tables(guide: str) -> dict[str, list[tuple[str, str]]]:
    """The event table under each heading of a guide (first column `type` or `event`): (types, data) rows."""
    found: dict[str, list[tuple[str, str]]] = {}
    heading, data = "", None
    for line in (DOCS / guide).read_text().splitlines():
        if line.startswith("#"):
            heading, data = line.lstrip("#").strip(), None
        elif not line.startswith("|"):
            data = None
        elif data is None:  # a table's header: is it an event table, and which column holds the fields?
            cells = _cells(line)
            columns = [i for i, c in enumerate(cells) if c in ("data", "fields")]
            data = columns[0] if cells[0] in ("type", "event") and columns else -1
        elif data >= 0 and not set(line) <= set("|-: "):
            cells = _cells(line)
            found.setdefault(heading, []).append((cells[0], cells[data]))
    return found


def _documented(cell: str) -> dict[str, tuple[bool, set[str] | None]]:
    """Fields named in a data cell: each `name`, `name?` (may be absent) or `name: {a, b}` (its nested fields)."""
    fields = {}
    for token in re.findall(r"`([^`]+)`", cell):
        name, _, rest = token.partition(":")
        inner = re.search(r"\{([^}]*)\}", rest)
        nested = {part.strip().rstrip("?") for part in inner.group(1).split(",")} if inner else None
        fields[name.strip().rstrip("?")] = (name.strip().endswith("?"), nested)
    return fields


def _model_of(annotation) -> type[BaseModel] | None:
    """The model a field holds, through `X | None`, `list[X]` and `dict[str, X]`."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        model = _model_of(arg)
        if model is not None:
            return model
    return None


def _mismatches(declared, documented: dict[str, tuple[bool, set[str] | None]]) -> list[str]:
    problems = []
    schema = declared.schema.model_fields
    if set(documented) != set(schema):
        problems.append(f"{declared.name}: documented {sorted(documented)}, declared {sorted(schema)}")
        return problems
    for name, (optional, nested) in documented.items():
        if optional != (not schema[name].is_required()):
            problems.append(f"{declared.name}.{name}: write `{name}?` exactly when the field may be absent")
        model = _model_of(schema[name].annotation)
        if nested is not None and (model is None or nested != set(model.model_fields)):
            fields = sorted(model.model_fields) if model else "no nested fields"
            problems.append(f"{declared.name}.{name}: documented {sorted(nested)}, declared {fields}")
    return problems


@pytest.mark.parametrize("guide, heading", list(TABLES))
def test_the_guides_document_every_declared_type_with_its_fields(guide, heading):
    rows = _tables(guide).get(heading)
    assert rows, f"docs/{guide}: no event table under '{heading}'"
    kinds = TABLES[(guide, heading)]
    declared = {d.name: d for registry in EVERY for d in registry if d.kind in kinds}
    documented, problems = set(), []
    for types, data in rows:
        names = re.findall(r"`([^`]+)`", types)
        documented.update(names)
        for name in names:
            if name not in declared:
                problems.append(f"{name}: documented, not declared")
            else:
                problems += _mismatches(declared[name], _documented(data))
    problems += [f"{name}: declared, not documented" for name in sorted(set(declared) - documented)]
    assert problems == [], f"docs/{guide} '{heading}' and livestall.events disagree:\n" + "\n".join(problems)


def test_event_names_in_other_guides_tables_are_declared():
    every = {d.name for registry in EVERY for d in registry}
    for path in DOCS.glob("*.md"):
        for heading, rows in _tables(path.name).items():
            if (path.name, heading) in TABLES or "events" not in heading.lower():
                continue
            for types, _ in rows:
                for name in re.findall(r"`([^`]+)`", types):
                    assert name in every, f"docs/{path.name} '{heading}': {name} is not declared"
