"""A node's shape — its output sockets and input ports — read from its code.

The shape is read statically, from the syntax tree, never by running the code:
opening, validating or editing a flow must not execute anything until the user
asks for a run.

* Data node: each public module-level name bound by an assignment is a socket, in
  order of first binding. Names bound by ``def``, ``class``, ``import`` or to a
  ``lambda`` are not (they are functions, classes and modules).
* Script node: each public module-level function is a socket; its parameters are
  the input ports ``<function>.<param>``. ``*args`` and ``**kwargs`` are not ports.
* ``__all__``: when the module assigns it a list (or tuple) of strings, only the names
  it lists are sockets; the others are helpers. It must be written out (read without
  running the code), and a name it lists must be defined at module level.
"""

from __future__ import annotations

import ast
import dataclasses
from collections.abc import Iterator
from typing import Literal

from headrace.errors import FlowError, PathPart

NodeType = Literal["data", "script"]
NODE_TYPES: tuple[NodeType, ...] = ("data", "script")
#: Every node has this output socket; node code cannot bind the name publicly.
ERROR_SOCKET = "error"


@dataclasses.dataclass(frozen=True)
class Port:
    """One parameter of a script function, as an input port."""

    function: str
    param: str
    has_default: bool
    #: The default's source text (``"1"``, ``"None"``), or None without one.
    default: str | None
    positional_only: bool = False
    keyword_only: bool = False

    @property
    def name(self) -> str:
        return f"{self.function}.{self.param}"


@dataclasses.dataclass(frozen=True)
class NodeShape:
    """What a node offers to edges. ``sockets`` excludes ``error``, which every
    node has; ``ports`` is empty for data nodes."""

    sockets: tuple[str, ...]
    ports: tuple[Port, ...] = ()

    @property
    def all_sockets(self) -> tuple[str, ...]:
        return (*self.sockets, ERROR_SOCKET)

    def ports_of(self, function: str) -> tuple[Port, ...]:
        return tuple(p for p in self.ports if p.function == function)

    def port(self, name: str) -> Port | None:
        return next((p for p in self.ports if p.name == name), None)

    def restricted_to(self, sockets: list[str]) -> NodeShape:
        """The shape when only ``sockets`` are exposed (the node's ``sockets``
        setting). Unexposed functions are helpers: no socket, no ports."""
        keep = [s for s in self.sockets if s in sockets]
        return NodeShape(tuple(keep), tuple(p for p in self.ports if p.function in keep))


def parse_module(code: str, path: list[PathPart]) -> ast.Module:
    """Parse node code, turning a syntax error into a FlowError at ``path``."""
    try:
        module = ast.parse(code, filename="<node>")
        # Some errors (``return`` outside a function, a bad ``nonlocal``) only
        # surface when compiling; catch them now rather than at run time.
        compile(module, "<node>", "exec", dont_inherit=True)
        return module
    except SyntaxError as exc:
        where = f" at line {exc.lineno}" if exc.lineno else ""
        raise FlowError(path, f"SyntaxError{where}: {exc.msg}", line=exc.lineno, column=exc.offset) from None
    except (ValueError, RecursionError, MemoryError) as exc:  # e.g. NUL bytes
        raise FlowError(path, f"cannot parse the code: {exc}") from None


#: Shapes read from code, by (type, code): flows repeat code (generated ones, copies of
#: a node), and parsing is most of the time a large flow takes to load. Shapes are
#: immutable; failures are not kept (their message names the path at fault).
_SHAPES: dict[tuple[str, str], NodeShape] = {}
_SHAPES_KEPT = 4096


def read_shape(node_type: NodeType, code: str, path: list[PathPart] | None = None) -> NodeShape:
    """Read a node's shape from its code. Raises FlowError at ``path`` (the
    ``code`` field of the node) for a syntax error or a reserved name."""
    key = (node_type, code)
    known = _SHAPES.get(key)
    if known is not None:
        return known
    shape = _read_shape(node_type, code, path if path is not None else ["code"])
    if len(_SHAPES) >= _SHAPES_KEPT:
        _SHAPES.pop(next(iter(_SHAPES)))  # the oldest
    _SHAPES[key] = shape
    return shape


def _read_shape(node_type: NodeType, code: str, path: list[PathPart]) -> NodeShape:
    module = parse_module(code, path)
    shape = _read_data(module) if node_type == "data" else _read_script(module)
    listed = _dunder_all(module, path)
    if listed is not None:
        shape = _honour_all(module, shape, listed, path)
    if ERROR_SOCKET in shape.sockets:
        what = "a function" if node_type == "script" else "a value"
        raise FlowError(path, f"'{ERROR_SOCKET}' is reserved for the node's error socket; rename {what} 'error'")
    return shape


def _module_level(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """Statements that run at module level, in source order, looking inside
    compound statements (a value chosen by an ``if`` or computed in a ``for`` is
    still a module-level binding). Loop targets themselves are not yielded."""
    for stmt in body:
        yield stmt
        if isinstance(stmt, ast.Try | ast.TryStar):
            yield from _module_level(stmt.body)
            for handler in stmt.handlers:
                yield from _module_level(handler.body)
            yield from _module_level(stmt.orelse)
            yield from _module_level(stmt.finalbody)
        elif isinstance(stmt, ast.If | ast.For | ast.AsyncFor | ast.While):
            yield from _module_level(stmt.body)
            yield from _module_level(stmt.orelse)
        elif isinstance(stmt, ast.With | ast.AsyncWith):
            yield from _module_level(stmt.body)
        elif isinstance(stmt, ast.Match):
            for case in stmt.cases:
                yield from _module_level(case.body)


def _target_names(target: ast.expr) -> Iterator[str]:
    if isinstance(target, ast.Name):
        yield target.id
    elif isinstance(target, ast.Tuple | ast.List):
        for element in target.elts:
            yield from _target_names(element)
    elif isinstance(target, ast.Starred):
        yield from _target_names(target.value)


def _read_data(module: ast.Module) -> NodeShape:
    # name -> is it a data value? The last binding decides; dict order keeps the
    # first binding's position, which is the order users read in the code.
    kinds: dict[str, bool] = {}
    for stmt in _module_level(module.body):
        if isinstance(stmt, ast.Assign):
            is_value = not isinstance(stmt.value, ast.Lambda)
            for target in stmt.targets:
                for name in _target_names(target):
                    kinds[name] = is_value
        elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
            for name in _target_names(stmt.target):
                kinds[name] = not isinstance(stmt.value, ast.Lambda)
        elif isinstance(stmt, ast.AugAssign):
            for name in _target_names(stmt.target):
                kinds.setdefault(name, True)
        elif isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            kinds[stmt.name] = False
        elif isinstance(stmt, ast.Import | ast.ImportFrom):
            for alias in stmt.names:
                kinds[(alias.asname or alias.name).split(".")[0]] = False
    return NodeShape(tuple(n for n, is_value in kinds.items() if is_value and _public(n)))


def _read_script(module: ast.Module) -> NodeShape:
    functions: dict[str, ast.FunctionDef | ast.AsyncFunctionDef] = {}
    for stmt in _module_level(module.body):
        if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef) and _public(stmt.name):
            functions[stmt.name] = stmt  # a redefinition replaces the function
        else:
            # Rebinding a function's name to something else removes the function.
            for name in _bound_names(stmt):
                functions.pop(name, None)
    ports: list[Port] = []
    for name, func in functions.items():
        ports.extend(_ports_of(name, func.args))
    return NodeShape(tuple(functions), tuple(ports))


def _bound_names(stmt: ast.stmt) -> list[str]:
    """The names a statement binds at module level (not inside a block)."""
    if isinstance(stmt, ast.ClassDef):
        return [stmt.name]
    if isinstance(stmt, ast.Assign):
        return [n for t in stmt.targets for n in _target_names(t)]
    if isinstance(stmt, ast.AnnAssign | ast.AugAssign) and (not isinstance(stmt, ast.AnnAssign) or stmt.value):
        return list(_target_names(stmt.target))
    if isinstance(stmt, ast.Import | ast.ImportFrom):
        return [(a.asname or a.name).split(".")[0] for a in stmt.names]
    return []


def _ports_of(function: str, args: ast.arguments) -> Iterator[Port]:
    positional = [*args.posonlyargs, *args.args]
    # Defaults belong to the last positional parameters.
    padded: list[ast.expr | None] = [None] * (len(positional) - len(args.defaults))
    padded.extend(args.defaults)
    for index, (arg, default) in enumerate(zip(positional, padded, strict=True)):
        yield _port(function, arg, default, positional_only=index < len(args.posonlyargs))
    for arg, kw_default in zip(args.kwonlyargs, args.kw_defaults, strict=True):
        yield _port(function, arg, kw_default, positional_only=False, keyword_only=True)


def _port(
    function: str, arg: ast.arg, default: ast.expr | None, *, positional_only: bool, keyword_only: bool = False
) -> Port:
    return Port(
        function=function,
        param=arg.arg,
        has_default=default is not None,
        default=ast.unparse(default) if default is not None else None,
        positional_only=positional_only,
        keyword_only=keyword_only,
    )


def _dunder_all(module: ast.Module, path: list[PathPart]) -> list[tuple[str, int]] | None:
    """The names ``__all__`` lists (with their line), or None when the module does not
    bind it. ``__all__ = [...]`` (or a tuple, annotated or not) and ``__all__ += [...]``
    are read; anything else is a FlowError, because it would need running the code."""
    listed: list[tuple[str, int]] | None = None
    for stmt in _module_level(module.body):
        if isinstance(stmt, ast.Assign):
            targets = [n for t in stmt.targets for n in _target_names(t)]
            value: ast.expr | None = stmt.value
            augmented = False
        elif isinstance(stmt, ast.AnnAssign | ast.AugAssign):
            targets = list(_target_names(stmt.target))
            value = stmt.value
            augmented = isinstance(stmt, ast.AugAssign)
            if isinstance(stmt, ast.AugAssign) and not isinstance(stmt.op, ast.Add):
                value = None
        else:
            continue
        if "__all__" not in targets:
            continue
        line = stmt.lineno
        if (
            len(targets) != 1
            or not isinstance(value, ast.List | ast.Tuple)
            or not all(isinstance(e, ast.Constant) and isinstance(e.value, str) for e in value.elts)
        ):
            raise FlowError(
                path,
                f"__all__ at line {line} must be a list of names written out, like __all__ = ['total']"
                " (it is read without running the code)",
                line=line,
                column=stmt.col_offset + 1,
            )
        names = [(e.value, e.lineno) for e in value.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)]
        listed = [*(listed or []), *names] if augmented else names
    return listed


def _honour_all(module: ast.Module, shape: NodeShape, listed: list[tuple[str, int]], path: list[PathPart]) -> NodeShape:
    """Keep the sockets ``__all__`` lists (in code order); a listed name that the code
    never defines is a typo worth saying so (``from m import *`` would fail on it)."""
    defined: set[str] = set()
    for stmt in _module_level(module.body):
        if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef):
            defined.add(stmt.name)
        defined.update(_bound_names(stmt))
        if isinstance(stmt, ast.For | ast.AsyncFor):
            defined.update(_target_names(stmt.target))
        elif isinstance(stmt, ast.With | ast.AsyncWith):
            defined.update(n for i in stmt.items if i.optional_vars for n in _target_names(i.optional_vars))
    for name, line in listed:
        if name not in defined:
            raise FlowError(path, f"__all__ lists {name!r}, which the code does not define", line=line)
    keep = {name for name, _ in listed}
    sockets = tuple(s for s in shape.sockets if s in keep)
    return NodeShape(sockets, tuple(p for p in shape.ports if p.function in keep))


def _public(name: str) -> bool:
    return not name.startswith("_")
