"""Text the server passes on but did not write, cleaned of this machine's paths.

An engine failure or a dying process speaks in exception text and tracebacks,
which name files on the server (``/home/me/.venv/lib/python3.11/site-packages/…``,
``/usr/share/zoneinfo/Europe``): where it is installed, who runs it. A client
needs the error, not the layout of the machine, so every such message is passed
through :func:`hide_paths` before it leaves. Free of FastAPI, like
:mod:`headrace.server.runs`, which uses it too.
"""

from __future__ import annotations

import re

#: What a hidden path becomes.
HIDDEN = "<path>"

# An absolute POSIX path of two segments at least (``/usr/lib``, not a lone
# ``/`` or ``a / b``), not inside a word or a URL (``https://host/a/b`` stays:
# what precedes the first slash is ``:``); a ``file:`` URL; a Windows path.
_PATH = re.compile(
    r"file://[^\s'\"<>]*"
    r"|(?<![\w.~:/-])/[^\s'\"<>:;,()\[\]{}|]+/[^\s'\"<>:;,()\[\]{}|]*"
    r"|(?<![\w])[A-Za-z]:\\[^\s'\"<>|]*"
)


def hide_paths(text: str) -> str:
    """``text`` with every local filesystem path replaced by ``<path>``."""
    return _PATH.sub(HIDDEN, text)
