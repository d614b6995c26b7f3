"""A flow's requirements: which are missing here, and what the user is told."""

from __future__ import annotations

import pytest

from headrace import RequirementError
from headrace.requirements import check, install, missing


def test_installed_requirements_are_not_missing() -> None:
    assert missing(["packaging", "packaging>=1", "PACKAGING"]) == []


def test_absent_or_too_old_requirements_are_missing() -> None:
    wanted = ["surely-not-installed-headrace-test-pkg", "packaging<1", "packaging>=1"]
    assert missing(wanted) == wanted[:2]


def test_requirements_for_another_platform_are_never_missing() -> None:
    assert missing(["surely-not-installed-headrace-test-pkg; python_version < '3.0'"]) == []


def test_check_names_what_is_missing_and_how_to_install_it() -> None:
    with pytest.raises(RequirementError) as info:
        check(["packaging", "surely-not-installed-headrace-test-pkg>=2"])
    assert info.value.requirements == ["surely-not-installed-headrace-test-pkg>=2"]
    assert str(info.value) == (
        "this flow needs packages that are not installed here: surely-not-installed-headrace-test-pkg>=2 "
        "(install them with: pip install 'surely-not-installed-headrace-test-pkg>=2')"
    )


async def test_install_of_installed_requirements_installs_nothing() -> None:
    assert await install(["packaging"]) == []


async def test_install_in_cpython_only_checks() -> None:
    with pytest.raises(RequirementError) as info:
        await install(["surely-not-installed-headrace-test-pkg"])
    assert info.value.requirements == ["surely-not-installed-headrace-test-pkg"]
