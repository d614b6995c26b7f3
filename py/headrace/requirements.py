"""A flow's ``requirements``: which are missing here, and installing them.

In Pyodide they are installed with micropip: from the wheelhouse the studio serves
beside the app or an index, and Pyodide's own packages (its lock file's) from the
package base URL the worker booted with. A failure is said plainly, once, by kind
(classify). In CPython they are only checked: installing packages on a machine,
above all a shared server, is its operator's decision.
"""

from __future__ import annotations

import dataclasses
import importlib
import importlib.metadata
import shlex
from collections.abc import Sequence

from packaging.requirements import InvalidRequirement, Requirement

from headrace._platform import IN_PYODIDE
from headrace.errors import RequirementError, RequirementProblem


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


#: What the user can do, per problem (the message's second sentence).
_WHAT_TO_DO: dict[RequirementProblem, str] = {
    "offline": "Check the connection (or the package base URL under Run target) and run again; "
    "packages served with the studio install offline.",
    "not_found": "Check its spelling in Flow settings → Requirements, or remove it.",
    "not_for_browser": "Remove it from Flow settings → Requirements, or run the flow on a backend "
    "(Run target → On backend), where it can be pip-installed.",
    "conflict": "Loosen the version in Flow settings → Requirements, or reload the page "
    "for a fresh Python if another flow installed the other version.",
    "other": "",
}


@dataclasses.dataclass(frozen=True)
class Problem:
    """Why one requirement could not be installed, said plainly."""

    kind: RequirementProblem
    message: str


def _name(requirement: str) -> str:
    try:
        return Requirement(requirement).name
    except InvalidRequirement:
        return requirement


def _where(urls: Sequence[str]) -> str:
    return ", ".join(urls) if urls else "the package index"


def classify(
    requirement: str,
    error: str,
    *,
    index_urls: Sequence[str] = (),
    unreachable: Sequence[str] = (),
    package_base_url: str | None = None,
) -> Problem:
    """Say why micropip could not install ``requirement``, from its error text.

    micropip (0.11) raises a ValueError with one of a few texts: "Can't fetch metadata
    for 'x'" when no index knows the name — also when an index could not be reached
    at all, which it swallows, so ``unreachable`` lists the indexes a probe found down;
    "Can't find a pure Python 3 wheel" when there are only compiled wheels; "Requested
    'x', but x==v is already installed" for a conflict; "Can't fetch wheel from ..."
    (or an OSError from the fetch) when a download failed.
    """
    name = _name(requirement)
    reachable = [u for u in index_urls if u not in unreachable]
    if "Can't fetch metadata for" in error:
        if unreachable:
            kind: RequirementProblem = "offline"
            text = f"Could not look up {name}: {_where(unreachable)} cannot be reached (offline?)"
            if reachable:
                text += f", and {_where(reachable)} does not have it"
        else:
            kind, text = "not_found", f"No package named {name} in {_where(index_urls)}"
    elif (
        "Can't find a pure Python 3 wheel" in error
        or "is not compatible with Pyodide" in error
        or ("Wheel was built with" in error)
    ):
        kind = "not_for_browser"
        where = f" (at {package_base_url})" if package_base_url else ""
        text = (
            f"{name} is not available for the browser here: it has no pure-Python wheel, "
            f"and Pyodide's distribution{where} does not include it"
        )
    elif "is already installed" in error and error.startswith("Requested"):
        kind = "conflict"
        installed = error.split("but ", 1)[1].split(" is already installed", 1)[0] if "but " in error else name
        text = f"{requirement} conflicts with {installed}, which is already installed here"
    elif "Can't fetch wheel from" in error or _is_network_error(error):
        kind, text = "offline", f"Could not download {name}: the server cannot be reached (offline?)"
    else:
        kind, text = "other", f"Could not install {requirement}: {error.strip()}"
    hint = _WHAT_TO_DO[kind]
    return Problem(kind, f"{text}.{' ' + hint if hint else ''}")


def _is_network_error(error: str) -> bool:
    lowered = error.lower()
    return any(t in lowered for t in ("failed to fetch", "networkerror", "network error", "load failed"))


def unavailable_from_distribution(requirement: str, package_base_url: str | None, *, reachable: bool) -> Problem:
    """A requirement micropip took from Pyodide's lock file but which did not load:
    ``pyodide.loadPackage`` reports a failed download on the console and returns, so
    micropip says nothing; what is still missing afterwards is this case. ``reachable``:
    whether the package base answers at all (then it lacks the file: the package is not
    available for the browser here; else we are offline, or the base is down)."""
    name = _name(requirement)
    where = package_base_url or "Pyodide's package base URL"
    if reachable:
        return Problem(
            "not_for_browser",
            f"{name} is not available for the browser here: it is one of Pyodide's packages, but "
            f"{where} does not serve its file. Set the package base URL under Run target to a "
            "complete copy of Pyodide's distribution (empty: the CDN), or run the flow on a backend.",
        )
    return Problem(
        "offline",
        f"{name} is one of Pyodide's packages, but it could not be loaded from {where}, "
        f"which cannot be reached (offline?). {_WHAT_TO_DO['offline']}",
    )


async def _answers(url: str) -> bool:
    """Whether ``url`` can be fetched at all: any HTTP status, 404 included, is an
    answer (the server is up); a fetch that raises is a server down, or no network."""
    pyfetch = importlib.import_module("pyodide.http").pyfetch  # only exists inside Pyodide
    try:
        await pyfetch(url, method="HEAD")
    except Exception:
        return False
    return True


async def _unreachable(index_urls: Sequence[str], name: str) -> list[str]:
    """The indexes whose page for ``name`` cannot be fetched at all."""
    down = []
    for url in index_urls:
        page = url.format(package_name=name) if "{package_name}" in url else f"{url.rstrip('/')}/{name}/"
        if not await _answers(page):
            down.append(url)
    return down


async def install(
    requirements: Sequence[str],
    index_urls: Sequence[str] | None = None,
    *,
    package_base_url: str | None = None,
) -> list[str]:
    """Make the requirements importable; return the ones that were missing.

    Raises:
        RequirementError: naming the first requirement that could not be installed,
            with a plain message and its ``problem`` (see classify).
    """
    absent = missing(requirements)
    if not absent:
        return []
    if not IN_PYODIDE:
        check(absent)
    micropip = importlib.import_module("micropip")  # only exists inside Pyodide
    urls = list(index_urls or [])
    for text in absent:  # one by one, so a failure names its requirement
        try:
            if urls:
                await micropip.install(text, index_urls=urls)
            else:
                await micropip.install(text)
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}" if isinstance(exc, OSError) else str(exc)
            down = await _unreachable(urls, _name(text)) if "Can't fetch metadata for" in error else []
            problem = classify(text, error, index_urls=urls, unreachable=down, package_base_url=package_base_url)
            raise RequirementError(problem.message, [text], problem.kind) from None
        importlib.invalidate_caches()
        if missing([text]):
            up = bool(package_base_url) and await _answers(f"{package_base_url}pyodide-lock.json")
            problem = unavailable_from_distribution(text, package_base_url, reachable=up)
            raise RequirementError(problem.message, [text], problem.kind)
    return absent
