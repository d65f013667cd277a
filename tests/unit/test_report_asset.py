"""The Dagster asset reports/html: materialized against a tiny serving file in a temporary AIGAP_HOME."""

import base64
from pathlib import Path

import dagster as dg

from ingestion.publish.report import CHARTS
from ingestion.publish.report.model import SAMPLE_STAMP
from orchestration.assets import report as report_asset
from orchestration.resources import AigapSettings
from tests.unit.test_report import SAMPLE_CHARTS, make_warehouse


def test_report_asset_depends_on_serving_and_shows_every_chart(tmp_path: Path):
    resource = AigapSettings(home=str(tmp_path))
    settings = resource.get()
    settings.serving_dir.mkdir(parents=True)
    make_warehouse(settings.serving_db_path)

    assert report_asset.report_html.key == dg.AssetKey(["reports", "html"])
    deps = report_asset.report_html.asset_deps[report_asset.report_html.key]
    assert deps == {dg.AssetKey(["serving", "aigap"])}

    result = dg.materialize(
        [report_asset.report_html], instance=dg.DagsterInstance.ephemeral(), resources={"settings": resource}
    )
    assert result.success
    (event,) = result.get_asset_materialization_events()
    metadata = event.materialization.metadata

    assert metadata["path"].value == str(tmp_path / "reports" / "index.html")
    assert (tmp_path / "reports" / "index.html").stat().st_size > 0
    assert metadata["charts_drawn"].value == len(CHARTS)
    assert metadata["charts_skipped"].value == 0
    for spec in CHARTS:
        md = metadata[f"chart_{spec.name}"].value
        assert (SAMPLE_STAMP in md) == (spec.name in SAMPLE_CHARTS), spec.name
        encoded = md.split("data:image/png;base64,", 1)[1].rstrip(")")
        assert base64.b64decode(encoded) == (tmp_path / "reports" / f"{spec.name}.png").read_bytes()
