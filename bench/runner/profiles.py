"""What differs between the PostgreSQL run and the SQLite run, in one place.

PostgreSQL: 100,000 practices, 2 sync workers, the busy row at 16 connections (`-t2
-c16`), nothing pinned. SQLite (the README's default database): 20,000 practices, 1 sync
worker pinned to CPU 0 and wrk to CPU 1 (`taskset`), the busy row at 4 connections (`-t1
-c4`), as the issue measured it. Each writes its own files, so that one run does not
overwrite the other's; `--redis` adds `-redis` to their names.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Profile:
    database: str  # "postgresql" or "sqlite"
    label: str
    practices: int  # N by default
    workers: int  # gunicorn sync workers by default
    threads: int  # wrk threads of the busy row
    connections: int  # wrk connections of the busy row
    server_cpus: str | None  # taskset's CPU list for gunicorn; None: not pinned
    wrk_cpus: str | None
    suffix: str  # of the results' file names

    @property
    def busy(self) -> str:
        """The busy row's key in results.json and its label: c16, c4."""
        return f"c{self.connections}"

    def files(self, redis: bool) -> tuple[str, str]:
        suffix = self.suffix + ("-redis" if redis else "")
        return f"RESULTS{suffix}.md", f"results{suffix}.json"


PROFILES = {
    "postgresql": Profile(
        database="postgresql",
        label="PostgreSQL",
        practices=100_000,
        workers=2,
        threads=2,
        connections=16,
        server_cpus=None,
        wrk_cpus=None,
        suffix="",
    ),
    "sqlite": Profile(
        database="sqlite",
        label="SQLite",
        practices=20_000,
        workers=1,
        threads=1,
        connections=4,
        server_cpus="0",
        wrk_cpus="1",
        suffix="-sqlite",
    ),
}


def pinned(command: list[str], cpus: str | None) -> list[str]:
    """The command run on the given CPUs (taskset execs it: the pid stays the command's)."""
    return ["taskset", "-c", cpus, *command] if cpus else command
