"""The app served as in production, for the tests that need a real server: gunicorn in
a process of its own, with the environment given (tests/browser, tests/gfmd)."""

import contextlib
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def manage(env: dict, *args: str) -> str:
    """Run a management command with `env`; its output, or a failure naming its error."""
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, f"manage.py {' '.join(args)}: {result.stderr}"
    return result.stdout


@contextlib.contextmanager
def gunicorn(env: dict, *, workers: int = 1, log: Path | None = None):
    """gunicorn on a free port of 127.0.0.1 until the block ends; yields its URL once it
    answers (30 s at the most). Its output goes to `log`, or nowhere."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    command = [str(BIN / "gunicorn"), "gfmd.wsgi", "--workers", str(workers)]
    output = log.open("wb") if log else subprocess.DEVNULL
    try:
        process = subprocess.Popen(
            [*command, "--bind", f"127.0.0.1:{port}"],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    finally:
        if log:
            output.close()  # the child keeps its own copy of the file
    try:
        wait_for(url, process, log)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def wait_for(url: str, process: subprocess.Popen, log: Path | None) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(url + "/robots.txt", timeout=2)
            return
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                said = log.read_text() if log else ""
                raise RuntimeError(f"gunicorn did not start. {said}") from None
            time.sleep(0.2)
