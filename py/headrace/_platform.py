"""The one place that knows which platform the engine runs on.

Everything else asks this module instead of probing ``sys`` itself, so the
difference between CPython and Pyodide stays in one file.
"""

from __future__ import annotations

import sys

#: True inside Pyodide (CPython compiled to WebAssembly, in a browser or Node).
IN_PYODIDE: bool = sys.platform == "emscripten"
