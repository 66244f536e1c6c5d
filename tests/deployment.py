"""A dailypapers install of its own, driven from outside as an operator would drive it.

Each Deployment has its own home folder and a fresh database on the backend under test: a
SQLite file, or, when DATABASE_URL names a PostgreSQL server, a new database on that server.
Commands run as subprocesses and the site runs under gunicorn (`dailypapers serve --prod`).
"""

import os
import sqlite3
import subprocess
import sys
import tempfile
import uuid
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import dj_database_url

from dailypapers.site.serving import start_server, stop_server

SERVER_URL = os.environ.get("DATABASE_URL", "")
ON_POSTGRES = SERVER_URL.startswith(("postgres://", "postgresql://"))


def _connect(url: str, dbname: str | None = None, **options):
    """psycopg connection from a DATABASE_URL (host and port may sit in its query string)."""
    import psycopg

    config = dj_database_url.parse(url)
    params = {
        "dbname": dbname or config["NAME"],
        "user": config["USER"],
        "password": config["PASSWORD"],
        "host": config["HOST"],
        "port": config["PORT"],
        **config.get("OPTIONS", {}),
    }
    return psycopg.connect(**{k: v for k, v in params.items() if v not in ("", None)}, **options)


def _admin_connection():
    return _connect(SERVER_URL, dbname="postgres", autocommit=True)


class Deployment:
    def __init__(self, home: Path, database_url: str = ""):
        self.home = home
        self.database_url = database_url
        self.servers: list[subprocess.Popen] = []

    @classmethod
    def create(cls, home: Path) -> "Deployment":
        home.mkdir(parents=True, exist_ok=True)
        if not ON_POSTGRES:
            return cls(home)
        name = f"dp_{uuid.uuid4().hex[:12]}"
        with _admin_connection() as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        parts = urlsplit(SERVER_URL)
        return cls(home, urlunsplit(parts._replace(path=f"/{name}")))

    def destroy(self) -> None:
        for server in self.servers:
            stop_server(server)
        if self.database_url:
            name = urlsplit(self.database_url).path.lstrip("/")
            with _admin_connection() as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def env(self, **extra: str) -> dict[str, str]:
        env = {**os.environ, "DAILYPAPERS_HOME": str(self.home), **extra}
        env.pop("DATABASE_URL", None)
        if self.database_url:
            env["DATABASE_URL"] = self.database_url
        return env

    def cli(self, *args: str, env: dict | None = None, **popen):
        """Run `dailypapers ARGS` to completion (raising on failure), or start it with popen."""
        command = [sys.executable, "-m", "dailypapers.cli", *args]
        environment = self.env(**(env or {}))
        if popen:
            return subprocess.Popen(command, env=environment, **popen)
        result = subprocess.run(command, env=environment, capture_output=True, text=True)
        if result.returncode:
            raise AssertionError(f"dailypapers {' '.join(args)} failed:\n{result.stderr}")
        return result

    def python(self, code: str, env: dict | None = None) -> str:
        """Run Django code in this deployment; returns what it printed."""
        setup = "import django\ndjango.setup()\n"
        result = subprocess.run(
            [sys.executable, "-c", setup + code],
            env=self.env(DJANGO_SETTINGS_MODULE="dailypapers.settings", **(env or {})),
            capture_output=True,
            text=True,
        )
        if result.returncode:
            raise AssertionError(f"python failed:\n{result.stderr}")
        return result.stdout

    def _database(self):
        """A connection that commits when its `with` block ends."""
        if self.database_url:
            return _connect(self.database_url)
        return sqlite3.connect(self.home / "dailypapers.sqlite3", timeout=30)

    def sql(self, query: str) -> list[tuple]:
        """Rows of one read-only query, straight from the database."""
        with self._database() as db:
            return db.execute(query).fetchall()

    def sql_write(self, statement: str) -> None:
        with self._database() as db:
            db.execute(statement)

    @contextmanager
    def serve(self, workers: int = 4, **env: str):
        """`dailypapers serve --prod` on a free port; yields its base URL once it answers."""
        with tempfile.TemporaryFile(dir=self.home) as log:
            try:
                server, base = start_server(
                    self.env(**env), workers=workers, ready_path="/about", log=log
                )
            except RuntimeError as error:
                log.seek(0)
                raise AssertionError(f"{error}:\n{log.read().decode()}") from error
            self.servers.append(server)
            try:
                yield base
            finally:
                stop_server(server)
