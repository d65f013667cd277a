"""The gap report (PNG charts + one HTML page): ``python -m ingestion.publish.report``.

``model`` (specs, rows, results), ``charts`` (drawing), ``specs`` (the charts and the dbt models of
``report`` they read), ``page`` (HTML), ``build`` (files, redraw-on-change, the command line).
"""

from ingestion.publish.report.build import build_report, main
from ingestion.publish.report.charts import draw_chart
from ingestion.publish.report.model import (
    ChartResult,
    ChartSpec,
    Query,
    ReportError,
    ReportResult,
    Rows,
    fetch,
)
from ingestion.publish.report.specs import CHARTS

__all__ = [
    "CHARTS",
    "ChartResult",
    "ChartSpec",
    "Query",
    "ReportError",
    "ReportResult",
    "Rows",
    "build_report",
    "draw_chart",
    "fetch",
    "main",
]
