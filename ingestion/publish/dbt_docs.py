"""The dbt docs site (every model, column, test and the lineage graph) published beside the report.

``generate_dbt_docs(serving_db, out_dir)`` runs ``dbt docs generate`` in a subprocess against the
*published serving file*, attached read-only: the catalog step queries the database for every
relation's columns and types, and on the working file it would need the file lock the run holds
(a read-write open also fails while a BI tool reads the file). The serving copy holds the same
relations, so the catalog is the one analysts query. It writes to a private target folder (the
manifest Dagster runs from stays untouched) and copies the site to ``out_dir``
($AIGAP_HOME/reports/dbt-docs): ``index.html`` (served over HTTP: ``python -m http.server``) and
``static_index.html`` (one file with everything embedded, opens from disk).

The site's manifest is the one the run was built from (``dbt_project/target/manifest.json``, made by
``make manifest``), handed to ``dbt docs generate --no-compile``: compiling every node again is half
of dbt's time here (about 35 s against 14 s on two cores) and adds nothing the site shows but the
rendered SQL, which the build's own logs keep. Without that manifest, dbt compiles as usual.

``python -m ingestion.publish.dbt_docs`` does the same from the command line. Orchestration calls the
function after the serving file is published, with ``from_build``: inside the run that holds the
warehouse, the catalog is read from the working file it has just published, under the build's own
profile, so dbt reuses the build's parse of the project (``Settings.dbt_parse_state``) instead of
parsing it again (9 s against 16 s on two cores).
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import orjson

from ingestion.config import Settings, load_settings
from ingestion.landing import sha256_hex
from ingestion.publish.sites import swap_in

log = logging.getLogger(__name__)

DBT_PROJECT_DIR = Path(__file__).resolve().parents[2] / "dbt_project"
PARSED_MANIFEST = DBT_PROJECT_DIR / "target" / "manifest.json"  # `make manifest`'s
SITE_FILES = ("index.html", "static_index.html", "manifest.json", "catalog.json")

# A profile that opens nothing for writing: an in-memory database with the serving file attached
# read-only under the name the models were built in (the working file's name, "aigap").
_PROFILE = """\
aigap:
  target: serving
  outputs:
    serving:
      type: duckdb
      path: ":memory:"
      database: {alias}
      schema: main
      threads: 1
      attach:
        - path: "{path}"
          alias: {alias}
          read_only: true
"""


@dataclass
class DocsReport:
    out_dir: Path
    models: int
    catalog_nodes: int
    seconds: float


class DbtDocsError(RuntimeError):
    """dbt docs generate failed; the message holds the end of dbt's output."""


def _dbt_executable() -> str:
    candidate = Path(sys.executable).with_name("dbt")
    return str(candidate) if candidate.exists() else "dbt"


def generate_dbt_docs(
    serving_db: Path,
    out_dir: Path,
    database_alias: str = "aigap",
    manifest_path: Path | None = PARSED_MANIFEST,
    from_build: Settings | None = None,
) -> DocsReport:
    """Generate the dbt docs site from the serving file (read-only) and publish it in ``out_dir``.

    ``manifest_path``: the project's parsed manifest, used as it is (no compile step); None or a
    missing file: dbt parses and compiles the project itself. ``from_build``: the settings of the run
    that holds the warehouse and has just published ``serving_db``: the catalog is read from its
    working file with the build's profile and parse (only a run holding the warehouse may do this).
    """
    if not serving_db.is_file():
        raise DbtDocsError(f"no serving file at {serving_db}: publish the warehouse first")
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="aigap-dbt-docs-") as tmp:
        work = Path(tmp)
        target = work / "target"
        target.mkdir()
        env = dict(os.environ)
        env["DBT_SEND_ANONYMOUS_USAGE_STATS"] = "false"
        if from_build is not None:
            profile_args = ["--profiles-dir", str(DBT_PROJECT_DIR), *from_build.dbt_vars()]
            if from_build.dbt_parse_state.is_file():
                shutil.copyfile(from_build.dbt_parse_state, target / from_build.dbt_parse_state.name)
        else:
            (work / "profiles.yml").write_text(_PROFILE.format(path=serving_db, alias=database_alias))
            profile_args = ["--profiles-dir", str(work)]
        reuse = manifest_path is not None and manifest_path.is_file()
        if reuse:
            shutil.copyfile(manifest_path, target / "manifest.json")
        cmd = [
            _dbt_executable(),
            "docs",
            "generate",
            "--static",
            *(["--no-compile"] if reuse else []),
            "--project-dir",
            str(DBT_PROJECT_DIR),
            *profile_args,
            "--target-path",
            str(target),
            "--log-path",
            str(work / "logs"),
        ]
        proc = subprocess.run(cmd, cwd=DBT_PROJECT_DIR, env=env, capture_output=True, text=True)
        if proc.returncode != 0:
            raise DbtDocsError(
                f"dbt docs generate failed (exit {proc.returncode}) on {serving_db}:\n{proc.stdout[-4000:]}"
                f"{proc.stderr[-2000:]}"
            )
        manifest = orjson.loads((target / "manifest.json").read_bytes())
        catalog = orjson.loads((target / "catalog.json").read_bytes())
        site = work / "site"
        site.mkdir()
        for name in SITE_FILES:
            shutil.copyfile(target / name, site / name)
        swap_in(site, out_dir)
    models = sum(1 for n in manifest["nodes"].values() if n["resource_type"] == "model")
    report = DocsReport(out_dir, models, len(catalog["nodes"]), time.monotonic() - started)
    log.info(
        "dbt docs: %d models, %d relations in the catalog, in %s (%.1fs)",
        report.models,
        report.catalog_nodes,
        out_dir,
        report.seconds,
    )
    return report


STAMP = ".project.sha256"  # in the site folder: the dbt project the site was generated from


def project_fingerprint(manifest_path: Path) -> str:
    """SHA-256 of the manifest the run built from: every model, column and description is in it."""
    return sha256_hex(manifest_path.read_bytes())


def refresh_dbt_docs(
    serving_db: Path, out_dir: Path, manifest_path: Path, from_build: Settings | None = None
) -> DocsReport | None:
    """Regenerate the site only when the dbt project changed since it was last generated (None: unchanged).

    The site documents models, columns and their types, which change only with the project, so a
    run that loaded new data does not pay dbt's start-up again for the same pages.
    """
    fingerprint = project_fingerprint(manifest_path)
    stamp = out_dir / STAMP
    if (out_dir / "static_index.html").is_file() and stamp.is_file() and stamp.read_text() == fingerprint:
        log.info("dbt docs: the dbt project has not changed since %s was generated", out_dir)
        return None
    report = generate_dbt_docs(serving_db, out_dir, manifest_path=manifest_path, from_build=from_build)
    stamp.write_text(fingerprint)
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, help="serving file (default: $AIGAP_HOME/serving/aigap.duckdb)")
    parser.add_argument("--out", type=Path, help="site folder (default: $AIGAP_HOME/reports/dbt-docs)")
    args = parser.parse_args(argv)
    settings = load_settings()
    try:
        report = generate_dbt_docs(
            args.db or settings.serving_db_path, args.out or settings.reports_dir / "dbt-docs"
        )
    except DbtDocsError as exc:
        print(exc, file=sys.stderr)
        return 1
    print(f"dbt docs: {report.models} models in {report.out_dir}/static_index.html ({report.seconds:.1f}s)")
    return 0


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    sys.exit(main())
