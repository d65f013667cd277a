"""The non-public members of dagster-dbt that aigap reaches, held to the minor they were checked against.

No public setting does what these do (dagster-dbt 0.29 has no option to skip its ``dbt --version``
subprocess, nor a public way to map a dbt test to its asset check or to choose which tests become checks),
so pyproject.toml pins dagster-dbt to one minor and these tests fail when an upgrade moves, renames or
re-signs one of them, or stops using it the way the override relies on. Then: look for a public way, or
check the new shape and move the pin.

- ``DbtCliResource._cli_version`` (orchestration/resources.py ``AigapDbtCli``): a cached property that
  runs ``dbt --version`` in a subprocess; ``cli()`` reads it before every invocation.
- ``DagsterDbtTranslator.get_asset_check_spec`` (orchestration/assets/dbt.py ``AigapDbtTranslator``):
  not marked public; dagster-dbt calls it with keywords when it builds the checks.
- ``dagster_dbt.asset_utils.get_asset_check_key_for_test`` (orchestration/assets/dbt.py
  ``_dagster_events``): not exported; aigap calls it positionally.
"""

from __future__ import annotations

import importlib.metadata
import inspect
import re
import tomllib
from functools import cached_property
from pathlib import Path

import dagster_dbt.asset_utils
from dagster_dbt import DagsterDbtTranslator, DbtCliResource
from packaging.requirements import Requirement
from packaging.version import Version

from orchestration.assets.dbt import AigapDbtTranslator
from orchestration.resources import AigapDbtCli

REPO_ROOT = Path(__file__).resolve().parents[2]


def params(fn) -> list[str]:
    return list(inspect.signature(fn).parameters)


def test_dagster_dbt_is_pinned_to_one_minor_and_the_installed_one_is_in_it() -> None:
    deps = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    (req,) = [Requirement(d) for d in deps if Requirement(d).name == "dagster-dbt"]
    installed = Version(importlib.metadata.version("dagster-dbt"))
    assert installed in req.specifier, f"dagster-dbt {installed} is outside pyproject's {req.specifier}"
    upper = [s for s in req.specifier if s.operator == "<"]
    assert upper, f"dagster-dbt {req.specifier} has no upper bound"
    (bound,) = upper
    assert Version(bound.version) == Version(f"{installed.major}.{installed.minor + 1}"), (
        f"dagster-dbt {req.specifier}: the pin must end at the next minor of the checked {installed}"
    )


def test_cli_version_is_still_a_cached_property_that_cli_reads() -> None:
    upstream = DbtCliResource.__dict__.get("_cli_version")
    assert isinstance(upstream, cached_property), "DbtCliResource._cli_version is gone or no longer cached"
    assert params(upstream.func) == ["self"]
    assert "--version" in inspect.getsource(upstream.func)  # the subprocess the override saves
    assert "self._cli_version" in inspect.getsource(DbtCliResource.cli)  # ... ahead of every invocation
    ours = AigapDbtCli.__dict__["_cli_version"]
    assert isinstance(ours, cached_property) and params(ours.func) == ["self"]


def test_get_asset_check_spec_keeps_the_signature_the_translator_overrides() -> None:
    upstream = DagsterDbtTranslator.get_asset_check_spec
    expected = ["self", "asset_spec", "manifest", "unique_id", "project"]
    assert params(upstream) == expected
    assert params(AigapDbtTranslator.get_asset_check_spec) == expected
    # dagster-dbt calls it with these keywords when it builds the asset checks of the dbt assets
    source = inspect.getsource(dagster_dbt.asset_utils)
    assert re.search(r"\.get_asset_check_spec\(\s*asset_spec=\w+,\s*manifest=\w+,\s*unique_id=", source)


def test_get_asset_check_key_for_test_keeps_its_place_and_signature() -> None:
    fn = getattr(dagster_dbt.asset_utils, "get_asset_check_key_for_test", None)
    assert fn is not None, "dagster_dbt.asset_utils.get_asset_check_key_for_test is gone"
    assert params(fn) == ["manifest", "dagster_dbt_translator", "test_unique_id", "project"]
