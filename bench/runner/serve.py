"""gunicorn serving the app as in production, and one request to it.

`app_env` is production settings on the benchmark database (DEBUG off, a random secret
key, DJANGO_BENCH_FLOOR=1 for the floors, REDIS_URL with `--redis`), nothing inherited
from the caller's Django variables. `Server` starts gunicorn's sync workers on a free port
of 127.0.0.1, pinned to the profile's CPUs, waits until they have booted and, between
runs, until they are idle.
"""

import os
import secrets
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

from bench.runner.common import BIN, DRAIN_LIMIT, HOST, READY_LIMIT, ROOT, BenchError, log
from bench.runner.cpu import children, cpu_ticks
from bench.runner.profiles import pinned


def app_env(database_url: str, static_root: Path, api_rate: str, redis_url: str | None):
    """Production settings on the benchmark database."""
    base = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_URL", "REDIS_URL"))
    }
    env = {
        **base,
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "gfmd.settings",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "bench-" + secrets.token_urlsafe(48),
        "DJANGO_ALLOWED_HOSTS": HOST,
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_STATIC_ROOT": str(static_root),
        "DJANGO_BENCH_FLOOR": "1",
        "API_ANONYMOUS_RATE": api_rate,
        "PYTHONUNBUFFERED": "1",
    }
    if redis_url:
        env["REDIS_URL"] = redis_url
    return env


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


class Server:
    """gunicorn serving gfmd.wsgi on a free port of 127.0.0.1, its log in `folder`."""

    def __init__(self, env, database, workers: int, folder: Path, timeout: int, cpus=None):
        self.env, self.database, self.workers = env, database, workers
        self.folder, self.timeout, self.cpus = folder, timeout, cpus
        self.port = free_port()
        self.process = None
        self.log_path = folder / "gunicorn.log"
        self.starts = 0

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def command(self) -> list[str]:
        gunicorn = [
            str(BIN / "gunicorn"),
            "gfmd.wsgi",
            "--bind",
            f"{HOST}:{self.port}",
            "--workers",
            str(self.workers),
            "--worker-class",
            "sync",
            "--max-requests",
            "0",
            "--timeout",
            str(self.timeout),
        ]
        return pinned(gunicorn, self.cpus)

    def start(self) -> None:
        self.starts += 1
        where = f", on CPU {self.cpus}" if self.cpus else ""
        log(
            f"starting gunicorn ({self.workers} sync workers, timeout {self.timeout}s{where}) "
            f"at {self.url}"
        )
        # gunicorn's own log and the app's (Django logs to stderr) go to one file.
        with self.log_path.open("ab") as output:
            self.process = subprocess.Popen(
                self.command(),
                cwd=ROOT,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=output,
                start_new_session=True,
            )
        deadline = time.monotonic() + READY_LIMIT
        while len(self.worker_pids()) < self.workers:
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise BenchError(f"gunicorn did not start; see {self.log_path}")
            time.sleep(0.1)
        # Each worker has booted when its CPU time stops growing (the app is loaded).
        self.wait_idle(check_db=False)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            self.process = None
            return
        log("stopping gunicorn")
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None

    def restart(self) -> None:
        self.stop()
        self.port = free_port()
        self.start()

    def worker_pids(self) -> list[int]:
        if self.process is None:
            return []
        return children(self.process.pid)

    def wait_idle(self, check_db: bool = True, limit: float = DRAIN_LIMIT) -> float:
        """Wait until the workers use no CPU and the database runs none of their queries, so
        that requests a run left queued or abandoned do not spill into the next one."""
        started = time.monotonic()
        quiet = 0
        last = cpu_ticks(self.worker_pids())
        while time.monotonic() - started < limit:
            time.sleep(0.25)
            now = cpu_ticks(self.worker_pids())
            busy = now - last > 1 or (check_db and self.database.active_queries() > 0)
            last = now
            quiet = 0 if busy else quiet + 1
            if quiet >= 2:
                return round(time.monotonic() - started, 2)
        log(f"warning: the server was still busy after {limit:.0f}s")
        return round(time.monotonic() - started, 2)


def fetch(url: str, timeout: float = 60) -> dict:
    """One GET: status, bytes, seconds, content type; errors as status 0."""
    started = time.monotonic()
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            body = response.read()
            status, ctype = response.status, response.headers.get("Content-Type", "")
    except urllib.error.HTTPError as error:
        body, status, ctype = error.read(), error.code, error.headers.get("Content-Type", "")
    except OSError as error:
        return {"status": 0, "error": str(error), "seconds": time.monotonic() - started}
    return {
        "status": status,
        "bytes": len(body),
        "seconds": round(time.monotonic() - started, 5),
        "content_type": ctype,
        "body": body,
    }


def redis_cache(url: str) -> int | None:
    """Empty the Redis database the app will cache in (`--redis`); the server's pid, so
    that its CPU is told apart from other processes'."""
    try:
        import redis
    except ImportError as error:
        raise BenchError(
            "--redis needs the redis package in .venv (.venv/bin/pip install redis)"
        ) from error
    try:
        client = redis.Redis.from_url(url, socket_timeout=5)
        client.flushdb()
        pid = client.info("server").get("process_id")
    except redis.RedisError as error:
        raise BenchError(f"Redis at {url} did not answer: {error}") from error
    log(f"emptied the Redis database {url}")
    return pid if Path(f"/proc/{pid}").exists() else None
