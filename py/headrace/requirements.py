"""A flow's ``requirements``: which are missing here, and installing them.

In Pyodide they are installed with micropip (from the wheelhouse the studio serves
beside the app, or an index). In CPython they are only checked: installing
packages on a machine, above all a shared server, is its operator's decision.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import shlex
from collections.abc import Sequence

from packaging.requirements import Requirement

from headrace._platform import IN_PYODIDE
from headrace.errors import RequirementError


def missing(requirements: Sequence[str]) -> list[str]:
    """The requirements not satisfied by what is installed here (those whose
    environment marker excludes this platform are never missing)."""
    out = []
    for text in requirements:
        requirement = Requirement(text)
        if requirement.marker is not None and not requirement.marker.evaluate():
            continue
        try:
            version = importlib.metadata.version(requirement.name)
        except importlib.metadata.PackageNotFoundError:
            out.append(text)
            continue
        if requirement.specifier and not requirement.specifier.contains(version, prereleases=True):
            out.append(text)
    return out


def check(requirements: Sequence[str]) -> None:
    """Raise RequirementError listing what is missing, with the command to fix it."""
    absent = missing(requirements)
    if absent:
        # Quoted for a POSIX shell: the names come from the flow file, and a hint a user
        # pastes must not run what the file smuggled in (`$(...)` in a requirement).
        quoted = " ".join(shlex.quote(r) for r in absent)
        raise RequirementError(
            f"this flow needs packages that are not installed here: {', '.join(absent)} "
            f"(install them with: pip install {quoted})",
            absent,
        )


async def install(requirements: Sequence[str], index_urls: Sequence[str] | None = None) -> list[str]:
    """Make the requirements importable; return the ones that were missing."""
    absent = missing(requirements)
    if not absent:
        return []
    if not IN_PYODIDE:
        check(absent)
    micropip = importlib.import_module("micropip")  # only exists inside Pyodide
    for text in absent:  # one by one, so a failure names its requirement
        try:
            if index_urls:
                await micropip.install(text, index_urls=list(index_urls))
            else:
                await micropip.install(text)
        except Exception as exc:
            raise RequirementError(f"cannot install {text!r}: {exc}", [text]) from None
    importlib.invalidate_caches()
    return absent
