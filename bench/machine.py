"""The machine a benchmark ran on: CPU, cores, memory, OS, and the versions of every
runtime in the comparison (read from the installed files, never from the network)."""

from __future__ import annotations

import json
import os
import platform
import subprocess
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
NODE_RED_PACKAGE = REPO / "bench" / "node_modules" / "node-red" / "package.json"
PYODIDE_PACKAGE = REPO / "dist" / "pyodide" / "package.json"


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _ram_gib() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024**2, 1)
    except OSError:
        pass
    return None


def _os() -> str:
    try:
        for line in Path("/etc/os-release").read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                return f"{line.split('=', 1)[1].strip(chr(34))}, Linux {platform.release()}"
    except OSError:
        pass
    return platform.platform()


def _command_version(*command: str) -> str | None:
    try:
        out = subprocess.run(command, capture_output=True, text=True, timeout=30, check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return out.strip() or None


def _package_version(path: Path) -> str | None:
    try:
        return str(json.loads(path.read_text())["version"])
    except (OSError, KeyError, ValueError):
        return None


def describe(chromium: str) -> dict[str, Any]:
    return {
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "ram_gib": _ram_gib(),
        "os": _os(),
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "node": _command_version("node", "--version"),
        "chromium": _command_version(chromium, "--version"),
        "pyodide": _package_version(PYODIDE_PACKAGE),
        "node_red": _package_version(NODE_RED_PACKAGE),
    }


def one_line(machine: dict[str, Any]) -> str:
    return (
        f"{machine['cpu']}, {machine['cores']} cores, {machine['ram_gib']} GiB RAM, {machine['os']}; "
        f"{machine['python']}, Node.js {machine['node']}, {machine['chromium']}, "
        f"Pyodide {machine['pyodide']}, Node-RED {machine['node_red']}"
    )
