"""The benchmark database of each engine: made afresh, analysed, asked, written to.

`Postgres` is the database `gfmd_bench` at 127.0.0.1:5432 (user postgres, trust
authentication); `Sqlite` is one file (`/var/tmp/gfmd_bench.sqlite3` by default). Both
take SQL written for psycopg (`%s` placeholders, `%%` for a literal percent sign).
What only a server has (its backends' CPU, queries still running) is nothing on SQLite,
whose queries run inside the gunicorn worker.
"""

import contextlib
import sqlite3
from pathlib import Path

import psycopg

from bench.runner.cpu import children, cpu_ticks

PG_SERVER = "postgres://postgres@127.0.0.1:5432"
PG_NAME = "gfmd_bench"
SQLITE_FILE = Path("/var/tmp/gfmd_bench.sqlite3")

# What an editor's save does to the caches: a new catalogue generation.
BUMP_GENERATION = (
    "INSERT INTO practices_cataloguestate (id, generation) VALUES (1, 1) "
    "ON CONFLICT (id) DO UPDATE SET generation = practices_cataloguestate.generation + 1"
)


class Postgres:
    name, label = "postgresql", "PostgreSQL"

    def __init__(self):
        self.url = f"{PG_SERVER}/{PG_NAME}"

    def create(self) -> None:
        with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {PG_NAME} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {PG_NAME}")

    def drop(self) -> None:
        with (
            contextlib.suppress(psycopg.Error),
            psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn,
        ):
            conn.execute(f"DROP DATABASE IF EXISTS {PG_NAME} WITH (FORCE)")

    def analyze(self) -> None:
        """VACUUM ANALYZE, as autovacuum would soon after a bulk load: the statistics, and
        the visibility map that lets the link tables answer from their indexes alone."""
        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute("VACUUM ANALYZE")

    @contextlib.contextmanager
    def asking(self):
        """A function running one query and returning its first row."""
        with psycopg.connect(self.url, autocommit=True) as conn:
            yield lambda sql, *params: conn.execute(sql, params).fetchone()

    def version(self) -> str:
        with self.asking() as one:
            return one("SHOW server_version")[0]

    def size_mb(self) -> float:
        with self.asking() as one:
            return round(one("SELECT pg_database_size(%s)", PG_NAME)[0] / 1024 / 1024, 1)

    def bump_generation(self) -> bool:
        """A new catalogue generation; False when the app keeps none."""
        try:
            with psycopg.connect(self.url, autocommit=True, connect_timeout=5) as conn:
                conn.execute(BUMP_GENERATION)
        except psycopg.errors.UndefinedTable:
            return False
        return True

    def active_queries(self) -> int:
        """Queries the app's connections are running now."""
        try:
            with psycopg.connect(self.url, autocommit=True, connect_timeout=3) as conn:
                return conn.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = %s "
                    "AND state = 'active' AND pid <> pg_backend_pid()",
                    [PG_NAME],
                ).fetchone()[0]
        except psycopg.Error:
            return 0

    def backend_pids(self) -> list[int]:
        """Server processes of the connections to gfmd_bench (the workers' persistent ones)."""
        try:
            with psycopg.connect(self.url, autocommit=True, connect_timeout=3) as conn:
                rows = conn.execute(
                    "SELECT pid FROM pg_stat_activity WHERE datname = %s "
                    "AND pid <> pg_backend_pid()",
                    [PG_NAME],
                ).fetchall()
        except psycopg.Error:
            return []
        return [row[0] for row in rows]

    def server_ticks(self) -> int:
        """All of PostgreSQL's CPU, in ticks: the postmaster, its live children, and the
        children it has reaped (parallel workers, ended backends), whatever their database."""
        total = 0
        for pid_file in sorted(Path("/var/run/postgresql").glob("*.pid")):
            with contextlib.suppress(OSError, ValueError, IndexError):
                pid = int(pid_file.read_text().split()[0])
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                total += sum(int(x) for x in fields[11:15])  # utime stime cutime cstime
                total += cpu_ticks(children(pid))
        return total


class Sqlite:
    name, label = "sqlite", "SQLite"

    def __init__(self, path: Path = SQLITE_FILE):
        self.path = Path(path).resolve()
        self.url = f"sqlite:///{self.path}"  # an absolute path: sqlite:////var/tmp/...

    def files(self) -> list[Path]:
        return [self.path.with_name(self.path.name + s) for s in ("", "-wal", "-shm", "-journal")]

    def create(self) -> None:
        self.drop()
        self.path.parent.mkdir(parents=True, exist_ok=True)

    def drop(self) -> None:
        for path in self.files():
            path.unlink(missing_ok=True)

    def analyze(self) -> None:
        """ANALYZE, then PRAGMA optimize, as a deployment would after a bulk load."""
        with contextlib.closing(sqlite3.connect(self.path, timeout=30)) as conn:
            conn.execute("ANALYZE")
            conn.execute("PRAGMA optimize")
            conn.commit()

    @contextlib.contextmanager
    def asking(self):
        """A function running one query and returning its first row."""
        with contextlib.closing(sqlite3.connect(self.path, timeout=30)) as conn:

            def one(sql, *params):
                sql = sql.replace("%s", "?").replace("%%", "%")
                return conn.execute(sql, params).fetchone()

            yield one

    def version(self) -> str:
        return sqlite3.sqlite_version

    def size_mb(self) -> float:
        total = sum(path.stat().st_size for path in self.files() if path.exists())
        return round(total / 1024 / 1024, 1)

    def bump_generation(self) -> bool:
        """A new catalogue generation, written as the app's own write would be; False when
        the app keeps none."""
        with contextlib.closing(sqlite3.connect(self.path, timeout=5)) as conn:
            try:
                conn.execute(BUMP_GENERATION)
            except sqlite3.OperationalError as error:
                if "no such table" in str(error):
                    return False
                raise
            conn.commit()
        return True

    def active_queries(self) -> int:
        return 0  # they run in the worker, whose CPU is watched

    def backend_pids(self) -> list[int]:
        return []

    def server_ticks(self) -> int:
        return 0


def database_for(name: str, sqlite_file: Path | None = None):
    if name == "sqlite":
        return Sqlite(sqlite_file or SQLITE_FILE)
    return Postgres()
