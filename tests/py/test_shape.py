"""Reading a node's sockets and ports from its code, statically."""

from __future__ import annotations

import pathlib
import textwrap

import pytest

from headrace import FlowError
from headrace.shape import Port, read_shape


def sockets(node_type: str, code: str) -> list[str]:
    return list(read_shape(node_type, textwrap.dedent(code)).sockets)  # type: ignore[arg-type]


def ports(code: str) -> dict[str, tuple[bool, str | None]]:
    """Port name -> (has a default, the default's source)."""
    shape = read_shape("script", textwrap.dedent(code))
    return {p.name: (p.has_default, p.default) for p in shape.ports}


# -- data nodes ---------------------------------------------------------------------


def test_data_assignments_are_sockets_in_order() -> None:
    assert sockets("data", "b = 1\na = 2\nc = [a, b]\n") == ["b", "a", "c"]


def test_data_tuple_unpacking_and_chained_assignment() -> None:
    code = "a, (b, *rest) = 1, (2, 3, 4)\n[c, d] = 5, 6\ne = f = 7\n"
    assert sockets("data", code) == ["a", "b", "rest", "c", "d", "e", "f"]


def test_data_annotated_assignment_needs_a_value() -> None:
    assert sockets("data", "declared: int\ngiven: int = 3\n") == ["given"]


def test_data_augmented_assignment_keeps_the_first_position() -> None:
    assert sockets("data", "total = 0\nother = 1\ntotal += 5\n") == ["total", "other"]


def test_data_names_bound_in_if_and_try_blocks() -> None:
    code = """
        import sys
        if sys.version_info >= (3, 0):
            mode = "new"
        else:
            mode = "old"
            legacy = True
        try:
            value = int("1")
        except ValueError:
            fallback = 0
    """
    assert sockets("data", code) == ["mode", "legacy", "value", "fallback"]


def test_data_try_blocks_keep_code_order() -> None:
    code = """
        try:
            a = 1
        except ValueError:
            b = 2
        else:
            c = 3
        finally:
            d = 4
    """
    assert sockets("data", code) == ["a", "b", "c", "d"]


def test_data_names_bound_in_with_blocks() -> None:
    code = """
        import contextlib
        with contextlib.suppress(KeyError):
            inside = {}["missing"]
    """
    assert sockets("data", code) == ["inside"]


def test_data_excludes_functions_classes_imports_and_lambdas() -> None:
    code = """
        import os
        import os.path as osp
        from json import dumps, loads as parse
        def helper(): return 1
        async def ahelper(): return 1
        class Thing: pass
        square = lambda x: x * x
        kept = helper()
    """
    assert sockets("data", code) == ["kept"]


def test_data_excludes_private_names() -> None:
    assert sockets("data", "_hidden = 1\n__dunder = 2\nshown = _hidden\n") == ["shown"]


def test_data_last_binding_decides_kind_first_binding_decides_order() -> None:
    code = """
        x = 1
        y = 2
        def y(): pass
        z = 3
        x = 4
    """
    assert sockets("data", code) == ["x", "z"]
    assert sockets("data", "def f(): pass\nf = 1\ng = 2\n") == ["f", "g"]


def test_data_names_inside_functions_and_classes_are_not_module_level() -> None:
    code = """
        def f():
            inner = 1
            return inner
        class C:
            attr = 2
        out = f()
    """
    assert sockets("data", code) == ["out"]


def test_data_attribute_and_item_assignments_bind_no_name() -> None:
    code = """
        d = {}
        d["k"] = 1
        import types
        ns = types.SimpleNamespace()
        ns.attr = 2
    """
    assert sockets("data", code) == ["d", "ns"]


def test_data_names_bound_in_loop_bodies_are_module_level() -> None:
    code = """
        last = None
        for v in [1, 2, 3]:
            total = v * 2
        while False:
            never = 1
    """
    assert "total" in sockets("data", code)
    assert "never" in sockets("data", code)


def test_data_node_has_no_ports() -> None:
    assert read_shape("data", "def f(x): return x\ny = 1\n").ports == ()


# -- script nodes -----------------------------------------------------------------------


def test_script_public_functions_are_sockets_in_order() -> None:
    code = """
        def b(): pass
        def a(): pass
        async def c(): pass
        def _private(): pass
        value = 3
        class K: pass
        lam = lambda: 1
    """
    assert sockets("script", code) == ["b", "a", "c"]


def test_script_params_are_ports_named_function_dot_param() -> None:
    shape = read_shape("script", "def add(x, y): return x + y\ndef neg(v): return -v\n")
    assert [p.name for p in shape.ports] == ["add.x", "add.y", "neg.v"]
    assert [p.name for p in shape.ports_of("add")] == ["add.x", "add.y"]
    assert shape.port("neg.v") == Port("neg", "v", has_default=False, default=None)
    assert shape.port("add.z") is None


def test_script_defaults_are_read_as_source_text() -> None:
    code = "def f(a, b=1, c=None, d='x', e=[1, 2], f=-1.5): pass\n"
    assert ports(code) == {
        "f.a": (False, None),
        "f.b": (True, "1"),
        "f.c": (True, "None"),
        "f.d": (True, "'x'"),
        "f.e": (True, "[1, 2]"),
        "f.f": (True, "-1.5"),
    }


def test_script_positional_only_and_keyword_only_params() -> None:
    shape = read_shape("script", "def f(a, b=2, /, c=3, *, d, e=5): pass\n")
    assert [(p.param, p.has_default, p.positional_only) for p in shape.ports] == [
        ("a", False, True),
        ("b", True, True),
        ("c", True, False),
        ("d", False, False),
        ("e", True, False),
    ]


def test_script_star_args_and_kwargs_are_not_ports() -> None:
    assert list(ports("def f(x, *args, y=1, **kwargs): pass\n")) == ["f.x", "f.y"]


def test_script_function_without_params_has_no_ports() -> None:
    shape = read_shape("script", "def source(): return 1\n")
    assert shape.sockets == ("source",)
    assert shape.ports == ()


def test_script_redefinition_replaces_the_function() -> None:
    code = """
        def f(x): pass
        def g(): pass
        def f(y, z): pass
    """
    assert sockets("script", code) == ["f", "g"]
    assert list(ports(code)) == ["f.y", "f.z"]


def test_script_rebinding_a_function_name_removes_it() -> None:
    assert sockets("script", "def f(x): pass\nf = 3\ndef g(): pass\n") == ["g"]
    assert sockets("script", "def f(x): pass\nclass f: pass\n") == []
    assert sockets("script", "def dumps(x): pass\nfrom json import dumps\n") == []


def test_script_async_def_is_a_socket_with_ports() -> None:
    assert ports("async def fetch(url, retries=3): pass\n") == {
        "fetch.url": (False, None),
        "fetch.retries": (True, "3"),
    }


def test_script_methods_and_nested_functions_are_not_sockets() -> None:
    code = """
        class C:
            def method(self, x): pass
        def outer(a):
            def inner(b): pass
            return inner
    """
    assert sockets("script", code) == ["outer"]
    assert list(ports(code)) == ["outer.a"]


def test_script_functions_defined_in_if_and_try_blocks() -> None:
    code = """
        try:
            import tomllib
            def parse(text): return tomllib.loads(text)
        except ImportError:
            def parse(text): return {}
        if True:
            def other(): pass
    """
    assert sockets("script", code) == ["parse", "other"]


def test_script_decorated_function_is_a_socket() -> None:
    code = """
        import functools
        @functools.lru_cache(maxsize=None)
        def cached(n): return n
    """
    assert list(ports(code)) == ["cached.n"]


def test_restricted_shape_drops_unexposed_functions_and_their_ports() -> None:
    shape = read_shape("script", "def a(x): pass\ndef b(y): pass\n").restricted_to(["b"])
    assert shape.sockets == ("b",)
    assert [p.name for p in shape.ports] == ["b.y"]
    assert shape.all_sockets == ("b", "error")


# -- reading never runs the code --------------------------------------------------------------


@pytest.mark.parametrize("node_type", ["data", "script"])
def test_reading_never_executes_code(node_type: str, tmp_path: pathlib.Path) -> None:
    marker = tmp_path / "executed"
    code = f"open({str(marker)!r}, 'w').write('ran')\nraise SystemExit('ran at import')\nvalue = 1\ndef f(x): pass\n"
    shape = read_shape(node_type, code)  # type: ignore[arg-type]
    assert not marker.exists()
    assert shape.sockets == (("value",) if node_type == "data" else ("f",))


def test_reading_an_infinite_loop_returns() -> None:
    assert sockets("data", "while True:\n    pass\nx = 1\n") == ["x"]


# -- the reserved error socket and bad code --------------------------------------------------------


def test_error_is_reserved_in_data_nodes() -> None:
    with pytest.raises(FlowError) as info:
        read_shape("data", "ok = 1\nerror = 2\n")
    assert str(info.value) == "code: 'error' is reserved for the node's error socket; rename a value 'error'"


def test_error_is_reserved_in_script_nodes() -> None:
    with pytest.raises(FlowError) as info:
        read_shape("script", "def error(x): pass\n")
    assert str(info.value) == "code: 'error' is reserved for the node's error socket; rename a function 'error'"


def test_private_or_non_value_error_names_are_allowed() -> None:
    assert sockets("data", "_error = 1\ndef error(): pass\nx = 1\n") == ["x"]
    assert sockets("script", "error = 1\ndef f(): pass\n") == ["f"]


def test_every_node_has_an_error_socket_last() -> None:
    assert read_shape("script", "def f(): pass\n").all_sockets == ("f", "error")
    assert read_shape("data", "").all_sockets == ("error",)


def test_syntax_error_names_the_path_and_line() -> None:
    with pytest.raises(FlowError) as info:
        read_shape("script", "def f(x):\n    return x +\n", ["nodes", 3, "code"])
    assert info.value.path == "nodes[3].code"
    assert str(info.value) == "nodes[3].code: SyntaxError at line 2: invalid syntax"


def test_errors_found_only_when_compiling_are_syntax_errors_too() -> None:
    with pytest.raises(FlowError) as info:
        read_shape("data", "x = 1\nreturn x\n")
    assert str(info.value) == "code: SyntaxError at line 2: 'return' outside function"


def test_syntax_error_carries_its_line_and_column() -> None:
    with pytest.raises(FlowError) as info:
        read_shape("script", "def f(x):\n    return x +\n")
    assert (info.value.line, info.value.column) == (2, 15)


# -- __all__ ------------------------------------------------------------------------


def test_script_all_keeps_only_the_listed_functions_and_their_ports() -> None:
    code = "__all__ = ['total']\n\ndef total(xs):\n    return clean(xs)\n\ndef clean(xs, limit=3):\n    return xs\n"
    shape = read_shape("script", code)
    assert shape.sockets == ("total",)
    assert [p.name for p in shape.ports] == ["total.xs"]


def test_all_keeps_code_order_and_reads_tuples_annotations_and_additions() -> None:
    assert sockets("script", "__all__ = ('b', 'a')\ndef a(): pass\ndef b(): pass\ndef c(): pass\n") == ["a", "b"]
    assert sockets("script", "__all__: list[str] = ['c']\ndef a(): pass\ndef c(): pass\n") == ["c"]
    assert sockets("script", "__all__ = ['a']\n__all__ += ['c']\ndef a(): pass\ndef b(): pass\ndef c(): pass\n") == [
        "a",
        "c",
    ]


def test_all_in_a_data_node_keeps_the_listed_values() -> None:
    assert sockets("data", "__all__ = ['x']\nx = 1\nscratch = 2\n") == ["x"]


def test_all_may_list_values_that_are_not_sockets() -> None:
    # A constant in a Script node is defined, just not a function: no socket, no error.
    assert sockets("script", "__all__ = ['LIMIT', 'f']\nLIMIT = 3\ndef f(): pass\n") == ["f"]


def test_empty_all_leaves_no_socket_but_error() -> None:
    assert read_shape("script", "__all__ = []\ndef f(): pass\n").all_sockets == ("error",)


def test_all_naming_an_undefined_function_is_an_error_at_its_line() -> None:
    with pytest.raises(FlowError) as info:
        read_shape("script", "def total(): pass\n__all__ = [\n    'totl',\n]\n", ["nodes", 0, "code"])
    assert str(info.value) == "nodes[0].code: __all__ lists 'totl', which the code does not define"
    assert info.value.line == 3


@pytest.mark.parametrize(
    "code", ["__all__ = names()\n", "__all__ = ['a', b]\n", "__all__ = x = ['a']\n", "__all__ *= 2\n"]
)
def test_all_that_is_not_written_out_is_an_error(code: str) -> None:
    with pytest.raises(FlowError, match="must be a list of names written out") as info:
        read_shape("script", "def a(): pass\n" + code)
    assert info.value.line == 2
