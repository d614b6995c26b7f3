"""Cron expressions: reading them and computing their next fire times.

Parsing and time arithmetic are cronsim's (a maintained, dependency-free library
that gets daylight-saving changes right); this module adds what users of other cron
tools expect and cronsim leaves out: the ``@hourly``-style aliases, and rejecting
steps that cannot mean anything (``*/61`` in the minute field), which cronsim
silently reads as ``0``. Five fields, or six with a leading seconds field (as
croner, Quartz and Node-RED read them).
"""

from __future__ import annotations

import datetime as dt
import os
import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cronsim import CronSim, CronSimError

ALIASES = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}
# (name, largest meaningful step) per field, for 6-field expressions.
_FIELDS = (("second", 59), ("minute", 59), ("hour", 23), ("day-of-month", 30), ("month", 11), ("day-of-week", 6))
_STEP = re.compile(r"/(\d+)$")
# Far enough in the future for any valid expression to have matched (29 Feb on a
# Monday recurs within 28 years; cronsim gives up on impossible dates itself).
_EPOCH = dt.datetime(2001, 1, 1, tzinfo=dt.UTC)


class CronError(ValueError):
    """An expression that cannot be a schedule; the message says why."""


class Cron:
    """A parsed cron expression. ``expression`` is as the user wrote it."""

    def __init__(self, expression: str) -> None:
        self.expression = expression
        text = " ".join(expression.split())
        self.normalized = ALIASES.get(text.lower(), text)
        if self.normalized.startswith("@"):
            raise CronError(f"unknown alias {text!r} (aliases: {', '.join(ALIASES)})")
        fields = self.normalized.split(" ")
        if len(fields) not in (5, 6):
            raise CronError(
                f"expected 5 fields (minute hour day month weekday) or 6 with seconds first, got {len(fields)}"
            )
        self.has_seconds = len(fields) == 6
        _check_steps(fields if self.has_seconds else ["0", *fields])
        try:
            next(CronSim(self.normalized, _EPOCH))
        except CronSimError as exc:
            raise CronError(str(exc)) from None
        except StopIteration:
            raise CronError("it never matches a date") from None

    def next_after(self, moment: dt.datetime) -> dt.datetime:
        """The first fire time strictly after ``moment`` (an aware datetime, in the
        zone the expression is read in)."""
        return next(CronSim(self.normalized, moment))

    def next_times(self, moment: dt.datetime, count: int) -> list[dt.datetime]:
        it = CronSim(self.normalized, moment)
        return [next(it) for _ in range(count)]

    def explain(self) -> str:
        """The expression in plain words: "At 09:00 on Monday through Friday"."""
        return CronSim(self.normalized, _EPOCH).explain()


def _check_steps(fields: list[str]) -> None:
    for (name, largest), field in zip(_FIELDS, fields, strict=True):
        for term in field.split(","):
            match = _STEP.search(term)
            if match and not 1 <= int(match.group(1)) <= largest:
                raise CronError(f"step {match.group(1)} is out of range for the {name} field (1-{largest})")


def zone(name: str) -> dt.tzinfo:
    """The IANA zone ``name``; raises CronError naming it when it is unknown."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        # OSError: a folder of the zone database ("Europe"), a name too long for a file
        shown = name if len(name) <= 80 else f"{name[:77]}..."
        raise CronError(f"unknown time zone {shown!r} (expected an IANA name such as 'Europe/Paris')") from None


def zone_data_available() -> bool:
    """Whether zone data can be read here. Always in CPython with tzdata; in
    Pyodide only once the tzdata wheel is loaded (the studio loads it on first
    need, to keep it out of every boot)."""
    try:
        ZoneInfo("UTC")
    except ZoneInfoNotFoundError:
        return False
    return True


def local_zone() -> dt.tzinfo:
    """This machine's zone: ``$TZ`` if it names one, else /etc/localtime, else UTC.
    (The studio passes the browser's zone explicitly.)"""
    name = os.environ.get("TZ", "").lstrip(":")
    if name:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    target = os.path.realpath("/etc/localtime")
    if "/zoneinfo/" in target:  # usually a link into the zone database: use its name
        try:
            return ZoneInfo(target.split("/zoneinfo/", 1)[1])
        except (ZoneInfoNotFoundError, ValueError):
            pass
    try:
        with open("/etc/localtime", "rb") as file:
            return ZoneInfo.from_file(file, key="localtime")
    except (OSError, ValueError):
        return dt.UTC
