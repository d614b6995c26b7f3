"""headrace: a Python dataflow engine — the same code in CPython and in Pyodide.

>>> from headrace import Flow
>>> result = Flow.load("flow.json").run_sync()  # doctest: +SKIP
"""

from headrace.errors import FlowError, HeadraceError, RequirementError, RunError
from headrace.flow import Flow, RunResult
from headrace.run import Run

__version__ = "0.1.0"

__all__ = ["Flow", "FlowError", "HeadraceError", "RequirementError", "Run", "RunError", "RunResult", "__version__"]
