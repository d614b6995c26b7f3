"""A flow's requirements: which are missing here, and what the user is told."""

from __future__ import annotations

import pytest

from headrace import RequirementError
from headrace.requirements import check, classify, install, missing, unavailable_from_distribution


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


# micropip's own texts, verbatim (micropip 0.11.1, the version Pyodide 314's lock pins:
# package_index.query_package, transaction.find_wheel and check_version_satisfied,
# wheelinfo._fetch_bytes, package_manager.install).
NOT_IN_ANY_INDEX = (
    "Can't fetch metadata for 'nosuchpkg'. Please make sure you have entered a correct package name "
    "and correctly specified index_urls (if you changed them)."
)
NO_PURE_WHEEL = (
    "Can't find a pure Python 3 wheel for 'numpy'.\n"
    "See: https://pyodide.org/en/stable/usage/faq.html#why-can-t-micropip-find-a-pure-python-wheel-for-a-package\n"
    "You can use `await micropip.install(..., keep_going=True)` to get a list of all packages with missing wheels."
)
ALREADY_INSTALLED = (
    "Requested 'packaging<20', but packaging==25.0 is already installed. If you want to reinstall the "
    "package with a different version, use micropip.install(..., reinstall=True) to force reinstall, "
    "or micropip.uninstall(...) to uninstall the package first."
)
WHEEL_UNREACHABLE = (
    "Can't fetch wheel from 'http://127.0.0.1:9/humanize-4.0-py3-none-any.whl'. One common reason for this "
    "is when the server blocks Cross-Origin Resource Sharing (CORS). Check if the server is sending the "
    "correct 'Access-Control-Allow-Origin' header."
)
WRONG_PLATFORM = (
    "Wheel platform 'manylinux_2_17_x86_64' is not compatible with Pyodide's platform 'emscripten_5_0_3_wasm32'"
)
WHEELHOUSE = "http://127.0.0.1:5173/wheels/simple/{package_name}/index.html"
PYPI = "https://pypi.org/simple"


def test_a_name_no_reachable_index_knows_is_not_found() -> None:
    problem = classify("nosuchpkg", NOT_IN_ANY_INDEX, index_urls=[WHEELHOUSE])
    assert problem.kind == "not_found"
    assert problem.message.startswith(f"No package named nosuchpkg in {WHEELHOUSE}.")
    assert "Check its spelling" in problem.message


def test_a_lookup_with_an_index_down_is_offline_and_says_which() -> None:
    problem = classify("humanize>=4", NOT_IN_ANY_INDEX, index_urls=[WHEELHOUSE, PYPI], unreachable=[PYPI])
    assert problem.kind == "offline"
    assert f"{PYPI} cannot be reached (offline?), and {WHEELHOUSE} does not have it" in problem.message
    assert "Check the connection" in problem.message


def test_only_compiled_wheels_is_not_for_the_browser() -> None:
    problem = classify("numpy", NO_PURE_WHEEL, index_urls=[PYPI], package_base_url="https://cdn.example/full/")
    assert problem.kind == "not_for_browser"
    assert "numpy is not available for the browser here" in problem.message
    assert "Pyodide's distribution (at https://cdn.example/full/) does not include it" in problem.message
    assert "keep_going" not in problem.message  # micropip's advice is for programmers
    assert classify("x", WRONG_PLATFORM).kind == "not_for_browser"


def test_a_version_already_installed_is_a_conflict() -> None:
    problem = classify("packaging<20", ALREADY_INSTALLED)
    assert problem.kind == "conflict"
    assert "packaging<20 conflicts with packaging==25.0, which is already installed here" in problem.message
    assert "reinstall=True" not in problem.message


def test_a_wheel_that_cannot_be_downloaded_is_offline() -> None:
    assert classify("humanize", WHEEL_UNREACHABLE).kind == "offline"
    assert classify("humanize", "OSError: Failed to fetch").kind == "offline"


def test_anything_else_keeps_micropip_text() -> None:
    problem = classify("humanize", "Invalid checksum: expected aa, got bb")
    assert problem.kind == "other"
    assert problem.message == "Could not install humanize: Invalid checksum: expected aa, got bb."


def test_a_distribution_package_that_did_not_load_names_the_base_url() -> None:
    missing_file = unavailable_from_distribution("numpy", "https://mirror.example/full/", reachable=True)
    assert missing_file.kind == "not_for_browser"
    assert missing_file.message.startswith(
        "numpy is not available for the browser here: it is one of Pyodide's packages, "
        "but https://mirror.example/full/ does not serve its file."
    )
    down = unavailable_from_distribution("numpy", "https://cdn.example/full/", reachable=False)
    assert down.kind == "offline"
    assert "could not be loaded from https://cdn.example/full/, which cannot be reached (offline?)" in down.message
