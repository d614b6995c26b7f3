"""Loading flow files: valid ones round-trip, invalid ones give one FlowError that
names the JSON path and the problem."""

from __future__ import annotations

import functools
import json
import pathlib
import re
from typing import Any

import pytest
from conftest import FIXTURE_FLOWS, QUICK_TEMPLATES, SCHEMA, TEMPLATE_FLOWS, data, edge, flow_doc, script
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from headrace import Flow, FlowError
from headrace.errors import format_path
from headrace.load import FLOW_KEYS, parse_json, validate
from headrace.shape import NodeShape, read_shape

INVALID = FIXTURE_FLOWS / "invalid"
VALID = FIXTURE_FLOWS / "valid"

# Every invalid fixture and the exact message it must give. A value that is a
# compiled pattern must match the whole message (for text that comes from a
# dependency and may change with its version).
INVALID_MESSAGES: dict[str, str | re.Pattern[str]] = {
    # the document
    "not-json.json": "$: not valid JSON: Expecting value (line 2, column 13)",
    "empty-file.json": "$: not valid JSON: Expecting value (line 1, column 1)",
    "string-document.json": "$: not valid JSON: Expecting value (line 1, column 1)",
    "nan-constant.json": "$: not valid JSON: NaN is not valid JSON",
    "not-an-object.json": "$: expected a flow object, got a list",
    "missing-version.json": 'headrace: missing: this is not a headrace flow file (expected "headrace": 1)',
    "version-newer.json": "headrace: format version 2 is newer than this headrace reads (up to 1); upgrade headrace",
    "version-zero.json": "headrace: unknown format version 0 (versions start at 1)",
    "version-string.json": 'headrace: expected the format version as a whole number, got "1"',
    "version-float.json": "headrace: expected the format version as a whole number, got 1.5",
    "missing-name.json": "name: missing",
    "name-not-string.json": "name: expected a string, got a number",
    "description-not-string.json": "description: expected a string, got a list",
    "unknown-top-key.json": "layout: unknown key (expected one of: headrace, name, description, requirements, "
    "timezone, misfire, time_limit, queue_limit, nodes, edges, ui)",
    "missing-nodes.json": "nodes: missing",
    "nodes-not-list.json": "nodes: expected a list of nodes, got an object",
    "missing-edges.json": "edges: missing",
    "edges-not-list.json": "edges: expected a list of edges, got an object",
    "ui-not-object.json": "ui: expected an object, got a list",
    "requirements-not-list.json": "requirements: expected a list of requirement strings, got a string",
    "requirements-not-string.json": 'requirements[0]: expected a requirement string such as "cronsim>=2.6", '
    "got an object",
    "requirements-bad-string.json": re.compile(
        r"requirements\[1\]: not a valid requirement 'not a requirement!': .+", re.DOTALL
    ),
    # nodes
    "node-not-object.json": "nodes[1]: expected a node object, got a string",
    "node-unknown-key.json": "nodes[0].color: unknown key (expected one of: id, type, name, description, code, "
    "sockets, schedule, ports, time_limit, pinned)",
    "node-missing-id.json": "nodes[0].id: missing",
    "node-empty-id.json": "nodes[0].id: must not be empty",
    "node-id-not-string.json": "nodes[0].id: expected a string, got a number",
    "duplicate-node-ids.json": "nodes[2].id: duplicate id 'd1' (also nodes[0])",
    "node-missing-type.json": "nodes[0].type: missing (expected 'data' or 'script')",
    "node-unknown-type.json": "nodes[0].type: unknown node type \"python\" (expected 'data' or 'script')",
    "node-missing-name.json": "nodes[0].name: missing",
    "node-missing-code.json": "nodes[0].code: missing",
    "node-code-not-string.json": "nodes[0].code: expected a string, got a list",
    "code-syntax-error.json": "nodes[1].code: SyntaxError at line 2: invalid syntax",
    "code-all-not-written-out.json": "nodes[0].code: __all__ at line 1 must be a list of names written out, "
    "like __all__ = ['total'] (it is read without running the code)",
    "code-all-names-nothing.json": "nodes[0].code: __all__ lists 'totl', which the code does not define",
    "code-return-outside-function.json": "nodes[0].code: SyntaxError at line 2: 'return' outside function",
    "code-reserved-error-data.json": "nodes[0].code: 'error' is reserved for the node's error socket; "
    "rename a value 'error'",
    "code-reserved-error-script.json": "nodes[0].code: 'error' is reserved for the node's error socket; "
    "rename a function 'error'",
    "sockets-not-list.json": "nodes[0].sockets: expected a list of socket names, got a string",
    "sockets-unknown-socket.json": "nodes[0].sockets[1]: the code has no socket 'z' (sockets: x, y)",
    "ports-not-object.json": "nodes[0].ports: expected an object of port settings, got a list",
    "ports-unknown-port.json": "nodes[0].ports[\"add.z\"]: the code has no port 'add.z' (ports: add.x, add.y)",
    "ports-setting-unknown-key.json": 'nodes[0].ports["add.x"].queue: unknown key (expected one of: sticky)',
    "ports-sticky-not-bool.json": 'nodes[0].ports["add.x"].sticky: expected true or false, got a string',
    "schedule-unknown-socket.json": "nodes[0].schedule.tock: the code has no socket 'tock' (sockets: tick)",
    "schedule-not-string.json": "nodes[0].schedule.tick: expected a cron expression string, "
    'or {"cron": ..., "enabled": ...}, got a number',
    # edges
    "edge-not-object.json": "edges[0]: expected an edge object, got a list",
    "edge-unknown-key.json": "edges[0].label: unknown key (expected one of: id, from, to)",
    "edge-missing-from.json": 'edges[0].from: missing (expected {"node": ..., "socket": ...})',
    "edge-to-not-object.json": 'edges[0].to: expected an object {"node": ..., "port": ...}, got a string',
    "edge-from-missing-socket.json": "edges[0].from.socket: missing",
    "edge-id-not-string.json": "edges[0].id: expected a string, got a number",
    "edge-from-unknown-node.json": "edges[0].from.node: no node 'd9' (nodes: d1, s1)",
    "edge-from-unknown-socket.json": "edges[0].from.socket: node 'd1' has no socket 'y' (sockets: x, error)",
    "edge-from-hidden-socket.json": "edges[0].from.socket: node 'd1' has no socket 'y' (sockets: x, error)",
    "edge-to-unknown-node.json": "edges[0].to.node: no node 's9' (nodes: d1, s1)",
    "edge-to-data-node.json": "edges[0].to.node: node 'd2' is a data node: it has no input ports",
    "edge-to-unknown-port.json": "edges[0].to.port: node 's1' has no port 'add.z' (ports: add.x, add.y)",
    "edge-duplicate-id.json": "edges[1].id: duplicate id 'e1' (also edges[0])",
    "edge-duplicate-wire.json": "edges[2]: the same wire as edges[0]",
}

#: A message starts with a JSON path: ``$``, or a key, then ``.key``, ``[0]`` or ``["key"]`` parts.
_PART = r'(\[\d+\]|\["(?:[^"\\]|\\.)*"\])'
PATH_PREFIX = re.compile(rf"^(\$|([A-Za-z_]\w*|{_PART})(\.[A-Za-z_]\w*|{_PART})*): ")


def _template_files() -> list[pathlib.Path]:
    return sorted(TEMPLATE_FLOWS.glob("*.json"))


def _valid_files() -> list[pathlib.Path]:
    return sorted(VALID.glob("*.json")) + _template_files()


def _ids(paths: list[pathlib.Path]) -> list[str]:
    return [f"{p.parent.name}/{p.name}" for p in paths]


def _load_error(source: Any) -> FlowError:
    with pytest.raises(FlowError) as info:
        Flow.load(source)
    return info.value


# -- invalid files ---------------------------------------------------------------------


def test_every_invalid_fixture_has_an_expected_message() -> None:
    files = {p.name for p in INVALID.glob("*.json")}
    assert files == set(INVALID_MESSAGES)
    assert len(files) >= 30


@pytest.mark.parametrize("name", sorted(INVALID_MESSAGES))
def test_invalid_file_gives_its_exact_message(name: str) -> None:
    expected = INVALID_MESSAGES[name]
    error = _load_error(INVALID / name)
    if isinstance(expected, re.Pattern):
        assert expected.fullmatch(str(error)), str(error)
    else:
        assert str(error) == expected


@pytest.mark.parametrize("name", sorted(INVALID_MESSAGES))
def test_every_message_starts_with_its_json_path(name: str) -> None:
    error = _load_error(INVALID / name)
    match = PATH_PREFIX.match(str(error))
    assert match, str(error)
    assert match.group(1) == error.path
    assert error.problem and str(error) == f"{error.path}: {error.problem}"


# A string that does not look like JSON is taken as a path, so these two are left out.
@pytest.mark.parametrize("name", sorted(set(INVALID_MESSAGES) - {"empty-file.json", "string-document.json"}))
def test_invalid_text_given_as_a_string_gives_the_same_message(name: str) -> None:
    text = (INVALID / name).read_text(encoding="utf-8")
    assert str(_load_error(text)) == str(_load_error(INVALID / name))


def test_missing_file() -> None:
    missing = INVALID / "no-such-file.json"
    assert str(_load_error(missing)) == f"$: no such file: {missing}"
    assert str(_load_error(str(missing))) == f"$: no such file: {missing}"


def test_directory_is_not_a_flow_file() -> None:
    error = _load_error(INVALID)
    assert str(error).startswith(f"$: cannot read {INVALID}: ")


def test_file_that_is_not_utf8(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "latin1.json"
    path.write_bytes(b'{"headrace": 1, "name": "caf\xe9", "nodes": [], "edges": []}')
    assert str(_load_error(path)).startswith(f"$: cannot read {path}: ")


def test_deeply_nested_json_is_a_flow_error() -> None:
    text = '{"headrace": 1, "name": "deep", "nodes": [], "edges": [], "ui": ' + "[" * 100_000 + "]" * 100_000 + "}"
    error = _load_error(text)
    assert error.path == "$"
    assert error.problem.startswith("not valid JSON")


def test_first_problem_in_file_order_is_reported() -> None:
    doc = flow_doc([data("d", "x = 1"), data("d", "return 1")], extra=1)
    assert str(_load_error(doc)).startswith("extra: unknown key")
    del doc["extra"]
    assert str(_load_error(doc)) == "nodes[1].code: SyntaxError at line 1: 'return' outside function"


def test_path_of_keys_that_are_not_identifiers_is_quoted() -> None:
    assert format_path(["nodes", 0, "ports", "add.x", "sticky"]) == 'nodes[0].ports["add.x"].sticky'
    assert format_path(["ui", 'a"b\\c']) == 'ui["a\\"b\\\\c"]'
    assert format_path([]) == "$"
    assert format_path([3]) == "[3]"


def test_flow_error_carries_path_and_problem() -> None:
    error = _load_error(INVALID / "edge-to-unknown-port.json")
    assert error.path == "edges[0].to.port"
    assert str(_load_error(flow_doc([], **{"": 1}))).startswith('[""]: unknown key')
    assert error.problem == "node 's1' has no port 'add.z' (ports: add.x, add.y)"


# -- round trip ------------------------------------------------------------------------------


@pytest.mark.parametrize("path", _valid_files(), ids=_ids(_valid_files()))
def test_round_trip_of_valid_files(path: pathlib.Path) -> None:
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert Flow.load(doc).to_json() == doc


@pytest.mark.parametrize("path", _valid_files(), ids=_ids(_valid_files()))
def test_export_keeps_the_key_order_of_well_formed_files(path: pathlib.Path) -> None:
    # Files written by headrace are diffable: a load and an export change nothing,
    # down to the text.
    text = path.read_text(encoding="utf-8")
    exported = json.dumps(Flow.load(text).to_json(), indent=2, ensure_ascii=False) + "\n"
    assert exported == text


def test_there_are_template_flows_to_test() -> None:
    names = {p.stem for p in _template_files()}
    assert {"hello", "join", "fan-out", "generator", "error-routing"} <= names


@pytest.mark.parametrize("path", QUICK_TEMPLATES, ids=_ids(QUICK_TEMPLATES))
def test_template_flows_run_without_unrouted_errors(path: pathlib.Path) -> None:
    result = Flow.load(path).run_sync()
    assert result.emits
    assert result.unrouted_errors == []


def test_load_from_dict_json_string_bytes_and_path() -> None:
    path = VALID / "full.json"
    text = path.read_text(encoding="utf-8")
    doc = json.loads(text)
    for source in (doc, text, text.encode("utf-8"), path, str(path), "  \n" + text):
        assert Flow.load(source).to_json() == doc


def test_loads_takes_text_as_json_never_as_a_path() -> None:
    path = VALID / "full.json"
    text = path.read_text(encoding="utf-8")
    assert Flow.loads(text).to_json() == json.loads(text)
    assert Flow.loads(text.encode("utf-8")).to_json() == json.loads(text)
    # What a web server may answer instead of a flow: never read as a file name.
    for answer in ("", "<!doctype html><p>Not found</p>", str(path)):
        with pytest.raises(FlowError) as caught:
            Flow.loads(answer)
        assert caught.value.path == "$"
        assert "no such file" not in str(caught.value)


def test_load_does_not_change_the_given_dict() -> None:
    doc = json.loads((VALID / "full.json").read_text(encoding="utf-8"))
    before = json.dumps(doc)
    Flow.load(doc).to_json()
    assert json.dumps(doc) == before


def test_exported_document_is_independent_of_the_flow() -> None:
    flow = Flow.load(flow_doc([], ui={"viewport": {"zoom": 1}}))
    exported = flow.to_json()
    exported["ui"]["viewport"]["zoom"] = 2
    assert flow.to_json()["ui"] == {"viewport": {"zoom": 1}}


def test_round_trip_of_an_empty_port_setting() -> None:
    doc = flow_doc([script("s", "def f(x):\n    return x\n", ports={"f.x": {}})])
    assert Flow.load(doc).to_json() == doc


def test_optional_fields_left_out_stay_out() -> None:
    doc = flow_doc([data("d", "x = 1"), script("s", "def f(x):\n    return x\n")], [edge("d.x", "s.f.x")])
    exported = Flow.load(doc).to_json()
    assert exported == doc
    assert "ui" not in exported and "description" not in exported and "requirements" not in exported
    assert "id" not in exported["edges"][0]


def test_loaded_flow_knows_its_name_and_shapes() -> None:
    flow = Flow.load(VALID / "full.json")
    assert flow.name == "Every field"
    numbers = flow.spec.node("numbers")
    assert numbers.shape.sockets == ("values", "factor")  # `unused` is not exposed
    scale = flow.spec.node("scale")
    assert [p.name for p in scale.shape.ports] == ["scale.v", "scale.factor", "scale.offset"]
    assert scale.is_sticky(scale.shape.ports[1])
    assert not scale.is_sticky(scale.shape.ports[2])


# -- generated valid flows --------------------------------------------------------------------------------

DATA_CODES = ["x = 1\n", "x = 1\ny = [1, 2]\n", "a, b = 1, 2\n_c = 3\n", "import math\nr = math.pi\n"]
SCRIPT_CODES = [
    "def f(x):\n    return x\n",
    "def add(x, y=0):\n    return x + y\n\n\ndef neg(v):\n    return -v\n",
    "async def g(a, /, b, *, c=1):\n    return a\n",
    "def gen():\n    yield 1\n",
]
JSON_SCALARS = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text()
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3),
    max_leaves=8,
)
# Names and ids a valid flow can hold: no control characters, no lone surrogates.
PLAIN = st.characters(blacklist_categories=("Cs", "Cc"))
TEXT = st.text(PLAIN, max_size=12)
TIME_LIMITS = st.integers(1, 3600) | st.floats(min_value=1e-3, max_value=1e6)
IDS = st.text(PLAIN, min_size=1, max_size=8).filter(lambda s: s.strip() != "")


@functools.cache
def _shape(kind: str, code: str) -> NodeShape:
    return read_shape(kind, code)  # type: ignore[arg-type]


def _exposed(node: dict[str, Any]) -> NodeShape:
    shape = _shape(node["type"], node["code"])
    return shape.restricted_to(node["sockets"]) if "sockets" in node else shape


@st.composite
def valid_flows(draw: st.DrawFn) -> dict[str, Any]:
    """A valid format-1 document using every optional field now and then."""
    ids = draw(st.lists(IDS, min_size=0, max_size=5, unique=True))
    nodes: list[dict[str, Any]] = []
    for node_id in ids:
        kind = draw(st.sampled_from(["data", "script"]))
        code = draw(st.sampled_from(DATA_CODES if kind == "data" else SCRIPT_CODES))
        node: dict[str, Any] = {"id": node_id, "type": kind, "name": draw(TEXT), "code": code}
        if draw(st.booleans()):
            node["description"] = draw(TEXT)
        shape = _shape(kind, code)
        if draw(st.booleans()):
            node["sockets"] = draw(st.lists(st.sampled_from(shape.sockets), unique=True)) if shape.sockets else []
            shape = shape.restricted_to(node["sockets"])
        # Only sources can be scheduled: data sockets, and functions without ports.
        schedulable = [s for s in shape.sockets if kind == "data" or not shape.ports_of(s)]
        if schedulable and draw(st.booleans()):
            chosen = draw(st.lists(st.sampled_from(schedulable), unique=True))
            node["schedule"] = {s: draw(st.sampled_from(["* * * * *", "0 9 * * 1-5"])) for s in chosen}
        if shape.ports and draw(st.booleans()):
            chosen = draw(st.lists(st.sampled_from([p.name for p in shape.ports]), unique=True))
            node["ports"] = {p: {"sticky": draw(st.booleans())} for p in chosen}
        if draw(st.booleans()):
            node["time_limit"] = draw(TIME_LIMITS)
        nodes.append(node)
    shapes = [(n["id"], _exposed(n)) for n in nodes]
    outs = [(node_id, s) for node_id, shape in shapes for s in shape.all_sockets]
    ins = [(node_id, p.name) for node_id, shape in shapes for p in shape.ports]
    edges: list[dict[str, Any]] = []
    if outs and ins:
        wires = draw(st.lists(st.tuples(st.sampled_from(outs), st.sampled_from(ins)), unique=True, max_size=6))
        edge_ids = draw(st.lists(IDS, min_size=len(wires), max_size=len(wires), unique=True))
        for (src, dst), edge_id in zip(wires, edge_ids, strict=True):
            e: dict[str, Any] = {"from": {"node": src[0], "socket": src[1]}, "to": {"node": dst[0], "port": dst[1]}}
            if draw(st.booleans()):
                e = {"id": edge_id, **e}
            edges.append(e)
    doc: dict[str, Any] = {"headrace": 1, "name": draw(TEXT)}
    if draw(st.booleans()):
        doc["description"] = draw(TEXT)
    if draw(st.booleans()):
        doc["requirements"] = draw(st.lists(st.sampled_from(["packaging", "numpy>=1.26", "attrs==23.*"])))
    if draw(st.booleans()):
        doc["time_limit"] = draw(TIME_LIMITS)
    if draw(st.booleans()):
        doc["queue_limit"] = draw(st.integers(1, 10**9))
    doc["nodes"] = nodes
    doc["edges"] = edges
    if draw(st.booleans()):
        doc["ui"] = draw(st.dictionaries(st.text(max_size=6), JSON_VALUES, max_size=4))
    return doc


@given(valid_flows())
def test_round_trip_of_generated_flows(doc: dict[str, Any]) -> None:
    assert Flow.load(doc).to_json() == doc
    assert Flow.load(json.dumps(doc)).to_json() == doc


# -- generated invalid flows: always one FlowError, never another exception -------------------------


def _mutate(doc: Any, draw: st.DrawFn) -> Any:
    """Replace, drop or add something at a random place in a JSON document."""
    if isinstance(doc, dict) and doc and draw(st.booleans()):
        key = draw(st.sampled_from(sorted(doc)))
        action = draw(st.sampled_from(["into", "replace", "drop"]))
        copy = dict(doc)
        if action == "into":
            copy[key] = _mutate(doc[key], draw)
        elif action == "replace":
            copy[key] = draw(JSON_VALUES)
        else:
            del copy[key]
        return copy
    if isinstance(doc, list) and doc and draw(st.booleans()):
        index = draw(st.integers(0, len(doc) - 1))
        copy = list(doc)
        copy[index] = _mutate(doc[index], draw)
        return copy
    if isinstance(doc, dict) and draw(st.booleans()):
        return {**doc, draw(st.text(max_size=6)): draw(JSON_VALUES)}
    if isinstance(doc, str) and draw(st.booleans()):
        # What careless input holds: half an emoji (a lone surrogate), a NUL, a control
        # character a terminal would act on.
        at = draw(st.integers(0, len(doc)))
        odd = draw(st.sampled_from(["\ud800", "\udc80", "\x00", "\x1b[2J", "\x07", "\n", "\u2028"]))
        return doc[:at] + odd + doc[at:]
    return draw(JSON_VALUES)


@st.composite
def mutated_flows(draw: st.DrawFn) -> Any:
    """A valid flow with one to three mutations stacked."""
    doc = draw(valid_flows())
    for _ in range(draw(st.integers(1, 3))):
        doc = _mutate(doc, draw)
    return doc


@st.composite
def mutated_texts(draw: st.DrawFn) -> str:
    """A valid flow's JSON text with characters cut, inserted or replaced: what a
    half-saved file, a bad merge or a hand edit leaves."""
    text = json.dumps(draw(valid_flows()), ensure_ascii=draw(st.booleans()))
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(text)))
        action = draw(st.sampled_from(["cut", "insert", "replace"]))
        if action == "cut":
            text = text[:at] + text[at + draw(st.integers(1, 20)) :]
        elif action == "insert":
            text = (
                text[:at]
                + draw(st.text(st.sampled_from('{}[]",:0123456789.-+eEtrufalsn \\x\u00e9'), max_size=8))
                + text[at:]
            )
        else:
            text = text[:at] + draw(st.characters()) + text[at + 1 :]
    if draw(st.booleans()):
        # A key given twice in an object (a bad merge): JSON parsers keep the last silently.
        at = text.find('"', draw(st.integers(0, max(0, len(text) - 1))))
        end = text.find('": ', at + 1) if at >= 0 else -1
        if at >= 0 and end > at and "{" in text[:at]:
            key = text[at : end + 3]
            text = text[:at] + key + "1, " + text[at:]
    return text


_PATH_TOKEN = re.compile(r'(?:^|\.)([A-Za-z_]\w*)|\[(\d+)\]|\["((?:[^"\\]|\\.)*)"\]')


def _path_parts(path: str) -> list[str | int]:
    """``edges[0].to["a.b"]`` as ``["edges", 0, "to", "a.b"]`` (the inverse of format_path)."""
    if path == "$":
        return []
    parts: list[str | int] = []
    position = 0
    for match in _PATH_TOKEN.finditer(path):
        assert match.start() == position, f"unparsable path {path!r}"
        name, index, quoted = match.groups()
        parts.append(
            name
            if name is not None
            else int(index)
            if index is not None
            # Messages show control characters as escapes (\x1b, \ud800): read them back.
            else quoted.encode("latin-1", "backslashreplace").decode("unicode_escape")
        )
        position = match.end()
    assert position == len(path), f"unparsable path {path!r}"
    return parts


def check_flow_error_points_into(doc: Any, error: FlowError) -> None:
    """The message starts with a JSON path, and the path leads into ``doc``: every
    part but the last exists, and the last does too unless it is reported missing."""
    assert PATH_PREFIX.match(str(error)), str(error)
    assert str(error) == f"{error.path}: {error.problem}"
    parts = _path_parts(error.path)
    assert format_path(parts) == error.path
    here = doc
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        exists = (isinstance(here, dict) and isinstance(part, str) and part in here) or (
            isinstance(here, list) and isinstance(part, int) and part < len(here)
        )
        if last and not exists:
            assert error.problem.startswith("missing"), (error.path, error.problem)
            return
        assert exists, f"{error.path}: {part!r} is not in the document"
        here = here[part]


def load_mutated(doc: Any) -> None:
    """Load a mutated document: it loads, or gives one FlowError pointing into it
    (anything else — KeyError, TypeError, RecursionError — fails the test)."""
    # Flow.load takes a dict, or JSON text: a document that is not an object goes as text.
    try:
        Flow.load(doc if isinstance(doc, dict) else json.dumps(doc))
    except FlowError as error:
        check_flow_error_points_into(doc, error)


def validate_text(text: str) -> None:
    """Validate JSON text as the bridge does (never taken as a file path)."""
    try:
        validate(parse_json(text, "$"))
    except FlowError as error:
        assert PATH_PREFIX.match(str(error)), str(error)
        try:
            doc = json.loads(text)
        except ValueError:
            assert error.path == "$", str(error)
            return
        check_flow_error_points_into(doc, error)


@given(mutated_flows())
def test_any_document_loads_or_gives_one_flow_error(doc: Any) -> None:
    load_mutated(doc)


@given(mutated_texts())
def test_any_mangled_text_validates_or_gives_one_flow_error(text: str) -> None:
    validate_text(text)


@given(st.one_of(JSON_VALUES, st.dictionaries(st.sampled_from(FLOW_KEYS), JSON_VALUES, max_size=8)))
def test_any_json_value_validates_or_gives_one_flow_error(doc: Any) -> None:
    load_mutated(doc)


#: ``pytest -m long``: the same properties, with thousands of examples each.
LONG_EXAMPLES = 5000


@pytest.mark.long
@settings(max_examples=LONG_EXAMPLES, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_flows())
def test_long_any_document_loads_or_gives_one_flow_error(doc: Any) -> None:
    load_mutated(doc)


@pytest.mark.long
@settings(max_examples=LONG_EXAMPLES, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_texts())
def test_long_any_mangled_text_validates_or_gives_one_flow_error(text: str) -> None:
    validate_text(text)


def test_path_with_a_nul_byte_is_a_flow_error() -> None:
    assert _load_error("flow\x00.json").path == "$"


# -- the JSON Schema ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def schema_validator() -> Any:
    jsonschema = pytest.importorskip("jsonschema")
    if not SCHEMA.exists():
        pytest.skip(f"{SCHEMA.name} does not exist yet")
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


@pytest.mark.parametrize("path", _valid_files(), ids=_ids(_valid_files()))
def test_valid_files_match_the_schema(schema_validator: Any, path: pathlib.Path) -> None:
    errors = [e.message for e in schema_validator.iter_errors(json.loads(path.read_text(encoding="utf-8")))]
    assert errors == []


@given(valid_flows())
def test_generated_flows_match_the_schema(schema_validator: Any, doc: dict[str, Any]) -> None:
    assert [e.message for e in schema_validator.iter_errors(doc)] == []


#: Invalid fixtures whose fault is one of structure, so the schema (and the studio
#: that checks with it) must reject them too.
SCHEMA_REJECTS = sorted(
    name
    for name in INVALID_MESSAGES
    if name.startswith(
        ("missing-", "version-", "node-", "nodes-", "edges-", "ui-", "unknown-", "ports-s", "schedule-n")
    )
    or name
    in {
        "not-an-object.json",
        "name-not-string.json",
        "description-not-string.json",
        "requirements-not-list.json",
        "requirements-not-string.json",
        "sockets-not-list.json",
        "ports-not-object.json",
        "edge-not-object.json",
        "edge-unknown-key.json",
        "edge-missing-from.json",
        "edge-to-not-object.json",
        "edge-from-missing-socket.json",
        "edge-id-not-string.json",
    }
)


@pytest.mark.parametrize("name", SCHEMA_REJECTS)
def test_schema_rejects_what_the_loader_rejects_for_structure(schema_validator: Any, name: str) -> None:
    doc = json.loads((INVALID / name).read_text(encoding="utf-8"))
    assert not schema_validator.is_valid(doc)
