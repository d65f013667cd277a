"""Static sites published beside the report (the dashboard, the dbt docs): replaced whole, never half."""

from __future__ import annotations

import os
import shutil
from pathlib import Path


def swap_in(built: Path, site: Path) -> None:
    """Replace ``site`` by a copy of ``built`` with two renames (the old site lives until the second).

    The copy is staged beside ``site`` (same file system, so the renames are atomic); the stage names
    carry the pid, so two processes never share one.
    """
    staged = site.with_name(f".{site.name}.{os.getpid()}.new")
    old = site.with_name(f".{site.name}.{os.getpid()}.old")
    shutil.rmtree(staged, ignore_errors=True)
    site.parent.mkdir(parents=True, exist_ok=True)
    shutil.copytree(built, staged)
    if site.exists():
        os.replace(site, old)
    os.replace(staged, site)
    shutil.rmtree(old, ignore_errors=True)
