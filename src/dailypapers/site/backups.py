"""Online backups and restores of the database, for either backend.

SQLite goes through its backup API (what the sqlite3 shell's `.backup` does): a consistent copy
while the site keeps running, and restored the same way, so open connections see the change.
PostgreSQL goes through pg_dump's custom format and pg_restore in one transaction.
The search index is not backed up: it is rebuilt from the database (`dailypapers reindex`).
"""

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from django.conf import settings
from django.db import connection


class BackupError(RuntimeError):
    pass


def backup(destination: Path) -> int:
    """Write a backup to destination (atomically: a partial file never has the final name)."""
    destination = destination.resolve()
    destination.parent.mkdir(parents=True, exist_ok=True)
    partial = destination.with_name(f".{destination.name}.partial")
    for_this_database().dump(partial)
    os.replace(partial, destination)
    return destination.stat().st_size


def restore(source: Path) -> None:
    """Replace the database's contents with the backup's. The file is checked first, so a
    wrong or damaged file changes nothing."""
    source = source.resolve()
    if not source.is_file():
        raise BackupError(f"{source}: no such file")
    backend = for_this_database()
    with open(source, "rb") as handle:
        if not handle.read(16).startswith(backend.magic):
            raise BackupError(f"{source} is not {backend.description}")
    connection.close()
    backend.load(source)


class SqliteBackups:
    magic = b"SQLite format 3\x00"
    description = "an SQLite backup"

    def __init__(self):
        self.database = Path(settings.DATABASES["default"]["NAME"])

    def dump(self, target: Path) -> None:
        self._copy(self.database, target)
        self._check(target)  # prove the copy reads back whole before it takes its name

    def load(self, source: Path) -> None:
        self._check(source)
        self._copy(source, self.database)

    @staticmethod
    def _copy(source: Path, target: Path) -> None:
        with sqlite3.connect(source) as src, sqlite3.connect(target, timeout=60) as dst:
            src.backup(dst)

    @staticmethod
    def _check(path: Path) -> None:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
            verdict = db.execute("PRAGMA integrity_check").fetchone()[0]
        if verdict != "ok":
            raise BackupError(f"{path}: SQLite integrity check failed: {verdict}")


class PostgresBackups:
    magic = b"PGDMP"
    description = "a pg_dump custom-format backup"

    def dump(self, target: Path) -> None:
        _run("pg_dump", "--format=custom", "--no-owner", f"--file={target}")

    def load(self, source: Path) -> None:
        _run(
            "pg_restore",
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            str(source),
            database_flag="--dbname",
        )


BACKENDS = {"sqlite": SqliteBackups, "postgresql": PostgresBackups}


def for_this_database():
    """The one place that picks by database vendor."""
    try:
        return BACKENDS[connection.vendor]()
    except KeyError:
        raise BackupError(f"no backup support for {connection.vendor}") from None


def _tool(name: str) -> str:
    """pg_dump/pg_restore on PATH, else in the server's bin folder (pg_config --bindir)."""
    if found := shutil.which(name):
        return found
    try:
        bindir = subprocess.run(
            ["pg_config", "--bindir"], capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError) as error:
        raise BackupError(f"{name} not found: install the PostgreSQL client tools") from error
    return str(Path(bindir) / name)


def _run(tool: str, *args: str, database_flag: str = "") -> None:
    config = settings.DATABASES["default"]
    options = config.get("OPTIONS", {})
    env = {
        **os.environ,
        "PGHOST": str(options.get("host") or config.get("HOST") or ""),
        "PGPORT": str(options.get("port") or config.get("PORT") or ""),
        "PGUSER": config.get("USER") or "",
        "PGPASSWORD": config.get("PASSWORD") or "",
    }
    env = {k: v for k, v in env.items() if v}
    database = [f"{database_flag}={config['NAME']}"] if database_flag else [config["NAME"]]
    result = subprocess.run([_tool(tool), *args, *database], env=env, capture_output=True)
    if result.returncode:
        raise BackupError(f"{tool} failed: {result.stderr.decode(errors='replace').strip()}")
