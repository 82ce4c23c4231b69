"""What was measured on what: the machine, the software versions, the app's source.

The app changes between runs; `code_fingerprint` (a digest of its source and templates,
and its latest migration) tells two runs of different code apart.
"""

import contextlib
import hashlib
import os
import platform
import subprocess
import sys
from pathlib import Path

from bench.runner.common import ROOT


def loadavg() -> str:
    with contextlib.suppress(OSError):
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    return "?"


def machine_info() -> dict:
    cpu = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory = 0
    with contextlib.suppress(OSError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory = int(line.split()[1])
    nproc = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
    wrk_version = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout
    return {
        "nproc": int(nproc) if nproc.isdigit() else os.cpu_count(),
        "memory_gb": round(memory / 1024 / 1024, 1),
        "cpu": cpu,
        "kernel": platform.release(),
        "python": platform.python_version(),
        "wrk": wrk_version.splitlines()[0] if wrk_version else "",
    }


def code_fingerprint() -> dict:
    """A digest of the app's source and templates, and its latest migration."""
    digest = hashlib.sha256()
    files = 0
    for folder in ("api", "practices", "gfmd", "templates"):
        for path in sorted((ROOT / folder).rglob("*")):
            if (
                path.is_file()
                and path.suffix in (".py", ".html")
                and "__pycache__" not in str(path)
            ):
                digest.update(str(path.relative_to(ROOT)).encode())
                digest.update(path.read_bytes())
                files += 1
    migrations = sorted(p.stem for p in (ROOT / "practices" / "migrations").glob("0*.py"))
    return {
        "source_sha256": digest.hexdigest()[:16],
        "files": files,
        "latest_migration": migrations[-1] if migrations else None,
    }


VERSIONS = """
import importlib
for name, module in (("django", "django"), ("gunicorn", "gunicorn"),
                     ("djangorestframework", "rest_framework"), ("psycopg", "psycopg"),
                     ("redis", "redis")):
    try:
        m = importlib.import_module(module)
    except ImportError:
        continue
    print(name, m.get_version() if name == "django" else m.__version__)
"""


def versions() -> dict:
    """Versions of the app's main packages, as the app's Python imports them."""
    result = subprocess.run(
        [sys.executable, "-c", VERSIONS], capture_output=True, text=True, cwd=ROOT
    )
    return dict(line.split(" ", 1) for line in result.stdout.splitlines() if " " in line)
