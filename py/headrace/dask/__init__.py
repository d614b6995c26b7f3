"""Scale out on Dask distributed (the ``dask`` extra): :class:`DaskExecutor`.

A subpackage of its own, above the core: the engine knows only the
:class:`headrace.remote.Executor` protocol, and hosts pick this one when asked.
"""

from __future__ import annotations

from headrace.dask.executor import DaskExecutor

__all__ = ["DaskExecutor"]
