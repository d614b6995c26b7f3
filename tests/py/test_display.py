"""Rich views of values (headrace.display): the display protocol of IPython and
Jupyter, and image bytes, as MIME bundles the studio shows — read on demand through
the bridge's ``values`` command, never breaking it whatever the node's methods do."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from conftest import data, flow_doc
from hypothesis import given
from hypothesis import strategies as st
from test_bridge import Host

from headrace.display import MAX_CHARS, mime_bundle

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(20)
JPEG = b"\xff\xd8\xff\xe0" + bytes(16)
SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>'


class Frame:
    """Shaped like a pandas DataFrame as far as display goes."""

    def _repr_html_(self) -> str:
        return "<table><tr><td>1</td></tr></table>"

    def _repr_markdown_(self) -> str:
        return "| a |\n|---|\n| 1 |"


class Figure:
    """Shaped like a matplotlib figure: a PNG, and an SVG."""

    def _repr_png_(self) -> bytes:
        return PNG

    def _repr_svg_(self) -> str:
        return SVG


def test_html_and_markdown_of_a_table_like_object() -> None:
    assert mime_bundle(Frame()) == {
        "text/html": "<table><tr><td>1</td></tr></table>",
        "text/markdown": "| a |\n|---|\n| 1 |",
    }


def test_a_figure_gives_its_images_base64() -> None:
    bundle = mime_bundle(Figure())
    assert bundle is not None
    assert base64.b64decode(bundle["image/png"]) == PNG
    assert bundle["image/svg+xml"] == SVG


@pytest.mark.parametrize(
    ("data", "mime"),
    [(PNG, "image/png"), (JPEG, "image/jpeg"), (b"GIF89a" + bytes(10), "image/gif")],
)
def test_image_bytes_are_that_image(data: bytes, mime: str) -> None:
    assert mime_bundle(data) == {mime: base64.b64encode(data).decode()}
    assert mime_bundle(bytearray(data)) == {mime: base64.b64encode(data).decode()}


def test_svg_bytes_are_an_svg_image() -> None:
    assert mime_bundle(SVG.encode()) == {"image/svg+xml": SVG}
    assert mime_bundle(b'<?xml version="1.0"?>\n' + SVG.encode()) is not None
    assert mime_bundle(b"<?xml version='1.0'?><feed/>") is None


def test_json_and_mimebundle_and_the_ipython_tuple() -> None:
    class Both:
        def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
            return {"text/html": "<b>b</b>", "application/x-unknown": "x", "text/plain": "b"}

        def _repr_json_(self) -> tuple[dict[str, int], dict[str, Any]]:
            return {"a": 1}, {"expanded": True}

    assert mime_bundle(Both()) == {"text/html": "<b>b</b>", "application/json": '{"a": 1}'}


@pytest.mark.parametrize(
    "value",
    [1, "text", [1, 2], {"_repr_html_": "x"}, None, b"plain bytes", Frame, int],
    ids=["int", "str", "list", "dict", "none", "bytes", "class", "builtin class"],
)
def test_plain_values_and_classes_have_no_view(value: Any) -> None:
    assert mime_bundle(value) is None


def test_a_view_too_big_is_left_out() -> None:
    class Huge:
        def _repr_html_(self) -> str:
            return "x" * (MAX_CHARS + 1)

        def _repr_markdown_(self) -> str:
            return "small"

    assert mime_bundle(Huge()) == {"text/markdown": "small"}


class Hostile:
    """Display methods that fail, or return what their type cannot carry."""

    def __init__(self, outcome: Any) -> None:
        self.outcome = outcome

    def _result(self) -> Any:
        if isinstance(self.outcome, BaseException):
            raise self.outcome
        return self.outcome

    _repr_html_ = _repr_markdown_ = _repr_svg_ = _repr_png_ = _repr_jpeg_ = _repr_json_ = _result
    _repr_mimebundle_ = _result


@given(
    st.one_of(
        st.sampled_from([ValueError("x"), SystemExit(1), RecursionError(), GeneratorExit(), MemoryError()]),
        st.integers(),
        st.none(),
        st.lists(st.integers(), max_size=3),
        st.dictionaries(st.text(max_size=5), st.integers() | st.floats(), max_size=3),
        st.binary(max_size=20),
        st.text(max_size=20),
    )
)
def test_whatever_the_methods_do_the_bundle_is_text_of_known_types(outcome: Any) -> None:
    bundle = mime_bundle(Hostile(outcome))
    if bundle is not None:
        assert bundle and all(isinstance(k, str) and isinstance(v, str) for k, v in bundle.items())
        assert set(bundle) <= {"text/html", "text/markdown", "image/svg+xml", "image/png", "image/jpeg",
                               "image/gif", "application/json"}  # fmt: skip
        for text in bundle.values():
            json.dumps(text)


@given(st.binary(max_size=64))
def test_any_bytes_give_an_image_or_nothing(blob: bytes) -> None:
    bundle = mime_bundle(blob)
    assert bundle is None or len(bundle) == 1


async def test_the_values_command_carries_the_views() -> None:
    code = (
        "class Frame:\n"
        "    def _repr_html_(self):\n"
        "        return '<table><tr><td>42</td></tr></table>'\n"
        "    def __repr__(self):\n"
        "        return 'Frame()'\n"
        "frame = Frame()\n"
        "png = " + repr(PNG) + "\n"
        "number = 7\n"
    )
    host = Host()
    try:
        run = (await host.ok({"cmd": "run", "flow": flow_doc([data("d", code)], [], name="views")}))["run"]
        await host.until("run_idle", run)

        async def first(socket: str) -> dict[str, Any]:
            page = await host.ok({"cmd": "values", "run": run, "node": "d", "socket": socket})
            kept: dict[str, Any] = page["values"][0]
            return kept

        assert await first("frame") == {
            "index": 0,
            "value": "Frame()",
            "repr": True,
            "display": {"text/html": "<table><tr><td>42</td></tr></table>"},
        }
        assert (await first("png"))["display"] == {"image/png": base64.b64encode(PNG).decode()}
        assert await first("number") == {"index": 0, "value": 7, "repr": False, "display": None}
    finally:
        await host.bridge.close()


def _matplotlib_like(qualname: str, module: str) -> type:
    """A stand-in with matplotlib's names and the part of its interface display uses
    (matplotlib is not installed here)."""

    class Fake:
        def savefig(self, out: Any, format: str, bbox_inches: str) -> None:
            assert format == "png" and bbox_inches == "tight"
            out.write(PNG)

        def get_figure(self) -> Any:
            return self

    Fake.__qualname__, Fake.__module__ = qualname, module
    return Fake


def test_matplotlib_figures_and_axes_are_png_images() -> None:
    figure = _matplotlib_like("Figure", "matplotlib.figure")()
    assert mime_bundle(figure) == {"image/png": base64.b64encode(PNG).decode()}

    class Axes:  # drawn through its figure
        def get_figure(self) -> Any:
            return figure

    Axes.__qualname__, Axes.__module__ = "Axes", "matplotlib.axes._axes"
    assert mime_bundle(Axes()) == {"image/png": base64.b64encode(PNG).decode()}

    class Broken(_matplotlib_like("Figure", "matplotlib.figure")):  # type: ignore[misc]
        def savefig(self, *args: Any, **kwargs: Any) -> None:
            raise RuntimeError("no backend")

    assert mime_bundle(Broken()) is None
