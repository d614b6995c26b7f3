"""Command-line options that ``headrace run`` and ``headrace serve`` share.

Both hosts parse their own arguments; what they have in common lives here, below
them both, so that neither has to import the other for it.
"""

from __future__ import annotations

import argparse

from headrace.units import parse_duration, parse_size


def add_executor_options(parser: argparse.ArgumentParser) -> None:
    """``--executor``, ``--scheduler`` and ``--spread``, for ``run`` and ``serve`` alike."""
    parser.add_argument(
        "--executor",
        choices=("local", "dask"),
        default="local",
        help="where script calls run: here (default), or on a Dask distributed cluster",
    )
    parser.add_argument("--scheduler", metavar="ADDRESS", help="the Dask scheduler, e.g. tcp://127.0.0.1:8786")
    parser.add_argument(
        "--spread",
        action="store_true",
        help="with dask: let any worker take any call (by default a node's calls stay on one worker, "
        "so its module state behaves as in-process)",
    )


def duration(text: str) -> float:
    """An argparse ``type``: ``30s``, ``5m``, ``1.5h``, ``250ms`` or plain seconds (``0``: none)."""
    try:
        return parse_duration(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def positive_duration(text: str) -> float:
    """:func:`duration`, where ``0`` would mean nothing happens at all."""
    seconds = duration(text)
    if not seconds > 0:
        raise argparse.ArgumentTypeError(f"the duration must be positive: {text!r}")
    return seconds


def size(text: str) -> int:
    """An argparse ``type``: ``2MiB``, ``512k``, ``4G`` or plain bytes (``0``: none)."""
    try:
        return parse_size(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
