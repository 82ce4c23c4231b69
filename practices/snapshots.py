"""Bulk snapshots of the published catalogue: where they are kept, and how they are read.

settings.SNAPSHOT_ROOT holds one folder per snapshot, named by the UTC time it was made
(`20261203T101500Z`, then `-2`, `-3`... for more in the same second), each holding its
data files and the `datapackage.json` that describes them (api.snapshots writes them),
and a file `LATEST` naming the newest. A snapshot is written into a hidden folder
(`.tmp-<name>`, whose making claims the name) and renamed into place whole, then
`LATEST` is replaced in one rename, so that a reader never sees half a snapshot.

The /data/ page lists the latest snapshot's files and serves them: a file is served only
when the snapshot's datapackage.json names it, so no other path under the root can be
asked for.
"""

import datetime
import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

PACKAGE = "datapackage.json"
LATEST = "LATEST"
NAME = re.compile(r"(\d{8}T\d{6}Z)(?:-(\d{1,4}))?")  # fullmatch() only
TEMPORARY = ".tmp-"


@dataclass(frozen=True)
class Snapshot:
    """A snapshot as /data/ shows it: its name, folder and datapackage.json."""

    name: str
    folder: Path
    package: dict

    @property
    def resources(self) -> list[dict]:
        return [r for r in self.package.get("resources", []) if isinstance(r, dict)]

    @property
    def created(self) -> datetime.datetime | None:
        try:
            return datetime.datetime.fromisoformat(self.package["created"])
        except (KeyError, TypeError, ValueError):
            return None

    def file(self, filename: str) -> Path | None:
        """The file `filename`, when it is its datapackage.json or a resource's path: any
        other name (a `..`, a path, a file put there by hand) is None."""
        if "/" in filename or "\\" in filename or filename.startswith("."):
            return None  # a plain name in the snapshot's folder, whatever the package says
        if filename != PACKAGE and all(r.get("path") != filename for r in self.resources):
            return None
        path = self.folder / filename
        return path if path.is_file() else None

    def media_type(self, filename: str) -> str:
        """The file's media type as its resource states it (JSON for datapackage.json)."""
        for resource in self.resources:
            if resource.get("path") == filename and resource.get("mediatype"):
                return str(resource["mediatype"])
        return "application/json"

    def sha256(self, filename: str) -> str:
        """The file's sha256 (hex) as its resource states it; "" when it states none."""
        for resource in self.resources:
            if resource.get("path") == filename:
                return str(resource.get("hash", "")).removeprefix("sha256:")
        return ""


def snapshot_root() -> Path:
    return Path(settings.SNAPSHOT_ROOT)


def order(name: str) -> tuple[str, int]:
    """A name's place among the others: by time, then by its number in that second."""
    match = NAME.fullmatch(name)
    return (match[1], int(match[2] or 1)) if match else ("", 0)


def snapshot_names(root: Path | None = None) -> list[str]:
    """The snapshots under `root`, oldest first."""
    root = snapshot_root() if root is None else root
    if not root.is_dir():
        return []
    names = [p.name for p in root.iterdir() if NAME.fullmatch(p.name) and (p / PACKAGE).is_file()]
    return sorted(names, key=order)


def latest_name(root: Path | None = None) -> str | None:
    """The snapshot `LATEST` names; the newest folder if it names none that exists."""
    root = snapshot_root() if root is None else root
    try:
        name = (root / LATEST).read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        name = ""
    if NAME.fullmatch(name) and (root / name / PACKAGE).is_file():
        return name
    names = snapshot_names(root)
    return names[-1] if names else None


def read_snapshot(name: str, root: Path | None = None) -> Snapshot | None:
    """Snapshot `name`, or None when there is no such snapshot (or its name is no name)."""
    root = snapshot_root() if root is None else root
    if not NAME.fullmatch(name):
        return None
    try:
        package = json.loads((root / name / PACKAGE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(package, dict):
        return None
    return Snapshot(name=name, folder=root / name, package=package)


def latest_snapshot() -> Snapshot | None:
    name = latest_name()
    return read_snapshot(name) if name else None


# Writing.


def snapshot_publish(*, root: Path, write: Callable[[Path, str], None], now=None) -> str:
    """A new snapshot under `root`, named by the time `now`: `write(folder, name)` fills a
    hidden folder, which is then renamed into place and named in LATEST. Nothing is left
    behind when `write` fails."""
    now = now or datetime.datetime.now(datetime.UTC)
    root.mkdir(parents=True, exist_ok=True)
    name, folder = reserve(root, now.strftime("%Y%m%dT%H%M%SZ"))
    try:
        write(folder, name)
        folder.rename(root / name)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    point_latest(root, name)
    return name


def reserve(root: Path, stamp: str) -> tuple[str, Path]:
    """The first free name of `stamp` (stamp, stamp-2, ...) and its hidden folder, made
    here: making it is the claim, so two runs in one second never take the same name."""
    for number in range(1, 10000):
        name = stamp if number == 1 else f"{stamp}-{number}"
        folder = root / f"{TEMPORARY}{name}"
        if (root / name).exists():
            continue
        try:
            folder.mkdir(mode=0o755)
        except FileExistsError:
            continue
        if (root / name).exists():  # finished between the two looks
            folder.rmdir()
            continue
        return name, folder
    raise FileExistsError(f"No free snapshot name for {stamp} under {root}.")


def point_latest(root: Path, name: str) -> None:
    """Name `name` in LATEST, replaced in one rename."""
    descriptor, temporary = tempfile.mkstemp(prefix=TEMPORARY, dir=root)
    with os.fdopen(descriptor, "w", encoding="utf-8") as stream:
        stream.write(name + "\n")
    os.chmod(temporary, 0o644)
    os.replace(temporary, root / LATEST)


def snapshot_prune(*, root: Path, keep: int) -> list[str]:
    """Delete all but the newest `keep` snapshots (never the one LATEST names), and the
    hidden folders of runs that died a day ago or more; return the snapshots deleted."""
    names = snapshot_names(root)
    current = latest_name(root)
    doomed = [name for name in names[: max(len(names) - keep, 0)] if name != current]
    for name in doomed:
        shutil.rmtree(root / name)
    day_ago = datetime.datetime.now().timestamp() - 24 * 60 * 60
    for stale in root.glob(f"{TEMPORARY}*"):
        if stale.is_dir() and stale.stat().st_mtime < day_ago:
            shutil.rmtree(stale, ignore_errors=True)
    return doomed
