"""A throwaway PostgreSQL server for the lake-mode tests: Debian's ``postgresql`` binaries, a cluster
under a temporary folder, listening on a free port of 127.0.0.1 only, run as an unprivileged user.

PostgreSQL refuses to run as root, and the tests run as root on the CI machines: the cluster's folder
is handed to ``nobody`` (or the user named by ``AIGAP_TEST_PG_USER``) and initdb, the server and pg_ctl
run as that user. ``make test`` installs the package when it is missing; :func:`find_bin_dir` says so
when it is not there.

``python -m tests.support.postgres_server`` starts one and prints its conninfo until Ctrl-C (for trying
lake mode by hand).
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

SUPERUSER = "aigap"
PASSWORD = "lake-test-secret-7f3a"  # a test cluster's password; the tests check it never shows up


def find_bin_dir() -> Path | None:
    """The newest /usr/lib/postgresql/<major>/bin holding initdb and pg_ctl, else None."""
    found = []
    for bin_dir in Path("/usr/lib/postgresql").glob("*/bin"):
        if (bin_dir / "initdb").is_file() and (bin_dir / "pg_ctl").is_file():
            with contextlib.suppress(ValueError):
                found.append((int(bin_dir.parent.name), bin_dir))
    return max(found)[1] if found else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class PostgresServer:
    root: Path
    port: int
    bin_dir: Path
    user: str

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    def conninfo(self, dbname: str = "postgres", password: str | None = PASSWORD) -> str:
        parts = [f"host=127.0.0.1 port={self.port} user={SUPERUSER} dbname={dbname}"]
        if password is not None:
            parts.append(f"password={password}")
        return " ".join(parts)

    def _as_user(self, args: list[str], **kwargs) -> subprocess.CompletedProcess:
        entry = pwd.getpwnam(self.user)
        run_as = (
            {} if os.geteuid() != 0 else {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": []}
        )
        return subprocess.run(
            args, check=True, capture_output=True, text=True, cwd=self.root, **run_as, **kwargs
        )

    def execute(self, sql: str, dbname: str = "postgres") -> list[tuple]:
        """Run one statement as the superuser (autocommit); its rows, if any."""
        import psycopg2

        con = psycopg2.connect(self.conninfo(dbname))
        try:
            con.autocommit = True
            with con.cursor() as cur:
                cur.execute(sql)
                return cur.fetchall() if cur.description else []
        finally:
            con.close()

    def create_database(self, name: str) -> str:
        """A new database on this server; its conninfo (password included)."""
        self.execute(f'CREATE DATABASE "{name}"')
        return self.conninfo(name)

    def start(self) -> PostgresServer:
        pwfile = self.root / "pwfile"
        pwfile.write_text(PASSWORD + "\n")
        entry = pwd.getpwnam(self.user)
        os.chown(self.root, entry.pw_uid, entry.pw_gid)
        os.chown(pwfile, entry.pw_uid, entry.pw_gid)
        self._as_user(
            [str(self.bin_dir / "initdb"), "-D", str(self.data_dir), "-U", SUPERUSER, "--pwfile", str(pwfile),
             "--auth=scram-sha-256", "--encoding=UTF8", "--no-locale", "--no-sync"]
        )  # fmt: skip
        pwfile.unlink()
        options = (
            f"-c listen_addresses=127.0.0.1 -c port={self.port} -c unix_socket_directories={self.root} "
            "-c fsync=off -c max_connections=100 -c shared_buffers=32MB"
        )
        self._as_user(
            [str(self.bin_dir / "pg_ctl"), "-D", str(self.data_dir), "-l", str(self.root / "server.log"),
             "-o", options, "-w", "-t", "60", "start"]
        )  # fmt: skip
        return self

    def stop(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError, FileNotFoundError):
            self._as_user(
                [str(self.bin_dir / "pg_ctl"), "-D", str(self.data_dir), "-m", "immediate", "-w", "stop"]
            )

    def log(self) -> str:
        path = self.root / "server.log"
        return path.read_text(errors="replace") if path.exists() else ""


def _unprivileged_user() -> str:
    name = os.environ.get("AIGAP_TEST_PG_USER", "nobody")
    pwd.getpwnam(name)  # KeyError: the user does not exist
    return name


@contextlib.contextmanager
def postgres_server() -> Iterator[PostgresServer]:
    """A started server, stopped and deleted on exit. Raises RuntimeError naming what is missing."""
    bin_dir = find_bin_dir()
    if bin_dir is None:
        raise RuntimeError(
            "no PostgreSQL server binaries under /usr/lib/postgresql/*/bin (Debian package `postgresql`; "
            "`make test` installs it)"
        )
    root = Path(tempfile.mkdtemp(prefix="aigap-pg-"))
    os.chmod(root, 0o700)
    server = PostgresServer(root, free_port(), bin_dir, _unprivileged_user())
    try:
        server.start()
        yield server
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    with postgres_server() as pg:
        print(pg.conninfo(), flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            sys.exit(0)
