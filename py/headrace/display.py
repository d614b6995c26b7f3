"""Rich views of a value, by the display protocol Python users know from IPython and
Jupyter: an object with ``_repr_html_``, ``_repr_markdown_``, ``_repr_svg_``,
``_repr_png_``, ``_repr_jpeg_``, ``_repr_json_`` (or ``_repr_mimebundle_``) is shown that
way — a pandas DataFrame as its table — matplotlib figures and axes as PNG images (as
IPython's own formatter shows them), and bytes that are a PNG, JPEG, GIF or SVG file
as that image.

The result is a MIME bundle, ``{mime type: text}`` (images base64), built only when the
studio asks for a value (``values`` command), never while a run emits: the ``_repr_*_``
methods are node code and may be slow. A method that raises, returns the wrong type or
returns too much is left out of the bundle; the value still has its JSON or repr. What
the studio does with HTML is its business (a sandboxed frame of an origin of its own).
"""

from __future__ import annotations

import base64
import io
import json
from typing import Any

#: The representations looked for, best first (the studio shows the first it can).
MIME_METHODS: tuple[tuple[str, str], ...] = (
    ("text/html", "_repr_html_"),
    ("text/markdown", "_repr_markdown_"),
    ("image/svg+xml", "_repr_svg_"),
    ("image/png", "_repr_png_"),
    ("image/jpeg", "_repr_jpeg_"),
    ("application/json", "_repr_json_"),
)
MIME_TYPES = frozenset(mime for mime, _ in MIME_METHODS) | {"image/gif"}
_BINARY = frozenset({"image/png", "image/jpeg", "image/gif"})

#: A representation longer than this (characters, after base64) is left out: a value's
#: view is read on demand and sent whole, and a browser frame of 10 MB of HTML is not a
#: view anyone can use.
MAX_CHARS = 4_000_000

_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)


#: Types shown by a formatter of ours rather than by methods of their own, found by
#: name (so that nothing is imported here): matplotlib's figures and axes, which IPython
#: shows through a formatter it registers, not through ``_repr_png_``.
_MATPLOTLIB = frozenset({"matplotlib.figure.Figure", "matplotlib.figure.SubFigure", "matplotlib.axes._axes.Axes",
                         "matplotlib.axes._base._AxesBase"})  # fmt: skip


def mime_bundle(value: Any) -> dict[str, str] | None:
    """The value's rich views as ``{mime type: text}``, or None when it has none."""
    if isinstance(value, bytes | bytearray | memoryview):
        return _image_bytes(bytes(value))
    if isinstance(value, type) or type(value).__module__ == "builtins":
        # Classes have the methods unbound; builtins have none of them.
        return None
    if any(f"{t.__module__}.{t.__qualname__}" in _MATPLOTLIB for t in type(value).__mro__):
        return _figure(value)
    bundle: dict[str, str] = {}
    _from_mimebundle(value, bundle)
    for mime, method in MIME_METHODS:
        if mime not in bundle:
            text = _call(value, method)
            if text is not None:
                _add(bundle, mime, text)
    return bundle or None


def _figure(value: Any) -> dict[str, str] | None:
    """A matplotlib figure (or the figure of an axes) as a PNG, as IPython shows it."""
    try:
        figure = value.get_figure() if hasattr(value, "get_figure") and not hasattr(value, "savefig") else value
        out = io.BytesIO()
        figure.savefig(out, format="png", bbox_inches="tight")
    except KeyboardInterrupt:
        raise
    except BaseException:  # a figure that cannot draw itself: no view
        return None
    bundle: dict[str, str] = {}
    _add(bundle, "image/png", out.getvalue())
    return bundle or None


def _image_bytes(data: bytes) -> dict[str, str] | None:
    for magic, mime in _MAGIC:
        if data.startswith(magic):
            bundle: dict[str, str] = {}
            _add(bundle, mime, data)
            return bundle or None
    head = data[:512].lstrip().lower()
    if head.startswith(b"<svg") or (head.startswith(b"<?xml") and b"<svg" in head):
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            return None
        return {"image/svg+xml": text} if len(text) <= MAX_CHARS else None
    return None


def _call(value: Any, method: str) -> Any:
    try:
        fn = getattr(value, method, None)
        if not callable(fn):
            return None
        out = fn()
    except KeyboardInterrupt:
        raise
    except BaseException:  # node code's method, failing however it likes: no view
        return None
    # IPython allows (data, metadata).
    if isinstance(out, tuple) and len(out) == 2:
        out = out[0]
    return out


def _from_mimebundle(value: Any, bundle: dict[str, str]) -> None:
    out = _call(value, "_repr_mimebundle_")
    if not isinstance(out, dict):
        return
    for mime, data in out.items():
        if mime in MIME_TYPES:
            _add(bundle, mime, data)


def _add(bundle: dict[str, str], mime: str, data: Any) -> None:
    """Put ``data`` under ``mime`` if it is of the kind that type carries and not too big."""
    text: str | None = None
    if mime == "application/json":
        try:
            text = json.dumps(data, allow_nan=False)
        except (TypeError, ValueError, RecursionError):
            return
    elif mime in _BINARY:
        if isinstance(data, bytes | bytearray):
            text = base64.b64encode(bytes(data)).decode("ascii")
        elif isinstance(data, str):  # already base64, as IPython allows
            text = data.strip()
    elif isinstance(data, str):
        text = data
    if text is not None and len(text) <= MAX_CHARS:
        bundle[mime] = text
