"""The sample generator (tools/sample/, one module per source) rewrites data/sample byte for byte."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingestion.config import BUNDLED_SAMPLE_DIR
from tools.sample import common, make_sample


def test_the_generator_writes_the_bundled_sample_byte_for_byte(tmp_path, monkeypatch):
    monkeypatch.setattr(common, "OUT", tmp_path)
    monkeypatch.setattr(make_sample, "OUT", tmp_path)
    make_sample.main()
    written = {p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file()}
    bundled = {
        p.relative_to(BUNDLED_SAMPLE_DIR).as_posix() for p in BUNDLED_SAMPLE_DIR.rglob("*") if p.is_file()
    }
    assert written == bundled - {"README.md"}  # the README is written by hand
    assert len(written) > 100
    differ = [
        rel
        for rel in sorted(written)
        if (tmp_path / rel).read_bytes() != (BUNDLED_SAMPLE_DIR / rel).read_bytes()
    ]
    assert differ == [], f"make sample would change {len(differ)} file(s), e.g. {differ[:3]}"


@pytest.mark.parametrize("module", ["sec", "hkex", "prices", "fx", "fedreg"])
def test_each_source_has_its_module_and_writer(module):
    path = Path(common.__file__).with_name(f"{module}.py")
    assert path.is_file()
    assert f"def write_{module}() -> None:" in path.read_text(encoding="utf-8")
    assert any(w.__module__ == f"tools.sample.{module}" for w in make_sample.WRITERS)
