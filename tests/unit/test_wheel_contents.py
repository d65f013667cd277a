"""The wheel ships the runtime packages only: the sample (data/) and its generator (tools/) stay out.

Nothing is built here: the wheel's contents follow from pyproject's hatch settings, which are read.
"""

from __future__ import annotations

import tomllib

from ingestion.config import REPO_ROOT

HATCH_WHEEL = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["hatch"][
    "build"
]["targets"]["wheel"]


def _top(path: str) -> str:
    return path.strip("/").split("/")[0]


def test_the_wheel_ships_neither_tools_nor_data():
    packages = HATCH_WHEEL["packages"]
    assert packages, "pyproject names no wheel packages: hatch would guess them"
    assert {_top(p) for p in packages}.isdisjoint({"tools", "data"})
    # nor does any other wheel setting pull their files in
    for setting in ("include", "only-include", "force-include", "shared-data", "sources"):
        value = HATCH_WHEEL.get(setting, [])
        paths = list(value) + (list(value.values()) if isinstance(value, dict) else [])
        assert {_top(str(p)) for p in paths}.isdisjoint({"tools", "data"}), setting
    # they exist, outside the shipped packages
    assert (REPO_ROOT / "tools" / "sample" / "make_sample.py").is_file()
    assert (REPO_ROOT / "data" / "sample" / "README.md").is_file()


def test_no_shipped_package_holds_a_sample_folder():
    assert not (REPO_ROOT / "ingestion" / "sample").exists()
    for package in HATCH_WHEEL["packages"]:
        found = [p.relative_to(REPO_ROOT) for p in (REPO_ROOT / package).rglob("sample") if p.is_dir()]
        assert found == [], f"{package} ships a sample folder: {found}"
