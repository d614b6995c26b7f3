"""What node code prints reaches its own node's console: stdout and stderr apart
and in order, per node, per concurrent run, from threads a whole line at a time,
and passing through untouched when no node code is running."""

from __future__ import annotations

import asyncio
import contextlib
import io
import sys
import threading
import types
from collections.abc import Callable, Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from headrace import capture
from headrace.capture import Sink, Stream


class Console:
    """A sink's handler: what it was given, chunk by chunk."""

    def __init__(self) -> None:
        self.chunks: list[tuple[Stream, str]] = []

    def __call__(self, stream: Stream, text: str) -> None:
        self.chunks.append((stream, text))

    def text(self, stream: Stream = "stdout") -> str:
        return "".join(t for s, t in self.chunks if s == stream)


@contextlib.contextmanager
def routed() -> Iterator[tuple[io.StringIO, io.StringIO]]:
    """sys.stdout and sys.stderr wrapped in routers over two buffers. Inside the test
    itself: pytest puts its own streams back between a fixture and the test."""
    saved = sys.stdout, sys.stderr
    out, err = io.StringIO(), io.StringIO()
    sys.stdout, sys.stderr = out, err
    capture.install()
    try:
        yield out, err
    finally:
        sys.stdout, sys.stderr = saved


def test_a_sink_keeps_stdout_and_stderr_apart_and_in_order() -> None:
    console = Console()
    sink = Sink(console)
    for stream, text in [("stdout", "a"), ("stdout", "b"), ("stderr", "c"), ("stdout", "d")]:
        sink.write(stream, text)  # type: ignore[arg-type]
    sink.flush()
    assert console.chunks == [("stdout", "ab"), ("stderr", "c"), ("stdout", "d")]


WRITES = st.lists(st.tuples(st.sampled_from(["stdout", "stderr"]), st.text(min_size=1, max_size=20)), max_size=30)


@given(writes=WRITES)
def test_a_sink_loses_and_reorders_nothing(writes: list[tuple[Stream, str]]) -> None:
    console = Console()
    sink = Sink(console)
    for stream, text in writes:
        sink.write(stream, text)
    sink.flush()
    assert "".join(t for _, t in console.chunks) == "".join(t for _, t in writes)
    for stream in ("stdout", "stderr"):
        assert console.text(stream) == "".join(t for s, t in writes if s == stream)  # type: ignore[arg-type]
    assert all(a[0] != b[0] for a, b in zip(console.chunks, console.chunks[1:], strict=False))


def test_a_flood_of_text_is_flushed_before_the_call_ends() -> None:
    console = Console()
    sink = Sink(console)
    sink.write("stdout", "x" * capture.FLUSH_AT)
    assert console.text() == "x" * capture.FLUSH_AT and not sink.chunks


def test_without_node_code_writes_pass_through() -> None:
    with routed() as (out, err):
        print("host")
        print("trouble", file=sys.stderr)
        assert out.getvalue() == "host\n" and err.getvalue() == "trouble\n"
        assert not capture.node_code_running()


def test_the_node_a_run_is_calling_gets_its_output() -> None:
    with routed() as (out, _err):
        console = Console()
        capture.ACTIVE.sink = Sink(console)
        try:
            assert capture.node_code_running()
            print("from the node")
            print("oops", file=sys.stderr)
            capture.ACTIVE.sink.flush()
        finally:
            capture.ACTIVE.sink = None
        assert console.chunks == [("stdout", "from the node\n"), ("stderr", "oops\n")]
        assert out.getvalue() == ""


def test_host_code_inside_node_code_prints_to_the_host() -> None:
    with routed() as (out, _err):
        console = Console()
        capture.ACTIVE.sink = Sink(console)
        try:
            with capture.host_code():
                print("the host's")
            print("the node's")
            capture.ACTIVE.sink.flush()
        finally:
            capture.ACTIVE.sink = None
        assert out.getvalue() == "the host's\n" and console.text() == "the node's\n"


async def test_concurrent_runs_never_see_each_others_output() -> None:
    with routed() as (out, _err):
        consoles = {name: Console() for name in ("a", "b")}

        async def node(name: str) -> None:
            sink = Sink(consoles[name])
            capture.current_sink.set(sink)  # this task's context only
            for i in range(5):
                print(f"{name}{i}")
                await asyncio.sleep(0)
            sink.flush()

        await asyncio.gather(node("a"), node("b"))
        assert consoles["a"].text() == "".join(f"a{i}\n" for i in range(5))
        assert consoles["b"].text() == "".join(f"b{i}\n" for i in range(5))
        assert out.getvalue() == ""


def test_code_of_a_registered_module_prints_to_its_node() -> None:
    """Node code called from anywhere (a callback, a library) is found by its module."""
    with routed() as (out, _err):
        console = Console()
        sink = Sink(console)
        module = types.ModuleType("__headrace_test_node")
        exec("def shout():\n    print('found on the stack')\n", module.__dict__)
        capture.register(module.__name__, sink)
        try:
            module.shout()
            sink.flush()
        finally:
            capture.unregister(module.__name__)
        module.shout()
        assert console.text() == "found on the stack\n"
        assert out.getvalue() == "found on the stack\n"  # once unregistered, the host's again


def test_a_thread_node_code_starts_prints_whole_lines_to_the_node() -> None:
    console = Console()
    sink = Sink(console)
    deferred: list[Callable[[], None]] = []
    sink.defer = deferred.append  # the run's loop: call_soon_threadsafe

    def worker() -> None:
        sink.write("stdout", "hel")
        sink.write("stdout", "lo\n")
        sink.write("stdout", "unfinished")

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join()
    assert console.chunks == []  # nothing is written from the other thread itself
    for callback in deferred:
        callback()
    assert console.text() == "hello\nunfinished"  # the thread ended: its last line goes too


def test_a_router_refuses_bytes_as_a_stream_does() -> None:
    with routed():
        capture.ACTIVE.sink = Sink(Console())
        try:
            with pytest.raises(TypeError, match="must be str, not bytes"):
                sys.stdout.write(b"raw")  # type: ignore[arg-type]
        finally:
            capture.ACTIVE.sink = None
