"""Paths, time limits and the log line every part of the benchmark shares."""

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / "bench"
BIN = Path(sys.executable).parent
HOST = "127.0.0.1"
WRK_TIMEOUT = "30s"  # a slow page is measured, not dropped at wrk's default 2 s
DRAIN_LIMIT = 180.0  # seconds to wait for the server to finish what a run left queued
READY_LIMIT = 90.0
EXPORT_LIMIT = 900.0
COLD_LIMIT = 60.0  # seconds of cold samples per endpoint, at most
EXPORT_RETRY_TIMEOUT = 900  # gunicorn --timeout for a second export when the first is cut


class BenchError(RuntimeError):
    """A failure that ends the run: the message says what and where to look."""


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)
