"""The HTML page: every chart with its caption, and a SAMPLE DATA banner when any chart is sample."""

from __future__ import annotations

import html
from datetime import datetime

from ingestion.publish.report.model import SAMPLE_EXPLANATION, SAMPLE_STAMP, ReportResult

_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; max-width: 1200px; margin: 2em auto;
       padding: 0 1em; color: #222; }
h1 { margin-bottom: 0.2em; }
.meta { color: #666; font-size: 0.9em; }
.sample { background: #fdecea; border: 2px solid #d62728; color: #a01c1c; padding: 0.6em 1em;
          font-weight: bold; margin: 1em 0; }
.note { background: #f4f4f4; border-left: 4px solid #999; padding: 0.6em 1em; }
figure { margin: 0; }
img { max-width: 100%; border: 1px solid #ddd; }
.caption { color: #444; font-size: 0.92em; }
section { margin: 2.2em 0; }
"""


def render_html(result: ReportResult, generated_at: datetime) -> str:
    esc = html.escape
    any_sample = any(c.is_sample for c in result.charts if c.status != "skipped")
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        "<title>aigap: the US/CN generative-AI capital gap</title>",
        f"<style>{_CSS}</style></head><body>",
        "<h1>aigap: the US/CN generative-AI capital gap</h1>",
        f'<p class="meta">Generated {esc(generated_at.isoformat(timespec="seconds"))} from '
        f"<code>{esc(str(result.db_path))}</code> (opened read-only). Metric definitions: docs/metrics.md.</p>",
    ]
    if any_sample:
        parts.append(
            f'<div class="sample">{SAMPLE_STAMP}: charts stamped so are drawn from {SAMPLE_EXPLANATION}. '
            "Set AIGAP_SOURCE=live for real figures.</div>"
        )
    parts.append("<ul>")
    for chart in result.charts:
        suffix = (
            " (not drawn)" if chart.status == "skipped" else (" (sample data)" if chart.is_sample else "")
        )
        parts.append(f'<li><a href="#{esc(chart.name)}">{esc(chart.title)}</a>{esc(suffix)}</li>')
    parts.append("</ul>")
    for chart in result.charts:
        parts.append(f'<section id="{esc(chart.name)}"><h2>{esc(chart.title)}</h2>')
        if chart.status == "skipped" or chart.png is None:
            parts.append(f'<p class="note">Not drawn: {esc(chart.note)}</p>')
        else:
            version = (chart.fingerprint or "")[:12]
            parts.append(
                f'<figure><img src="{esc(chart.png.name)}?v={version}" alt="{esc(chart.title)}">'
                f'<figcaption class="caption">{esc(chart.caption)}'
                f"{' <strong>' + SAMPLE_STAMP + '.</strong>' if chart.is_sample else ''}"
                "</figcaption></figure>"
            )
        parts.append("</section>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
