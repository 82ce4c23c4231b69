"""export_snapshot: the published catalogue as a Frictionless Data Package (api.snapshots)."""

import time
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from api.snapshots import snapshot_export


class Command(BaseCommand):
    help = (
        "Write the whole published catalogue (the four kinds of record, the reference "
        "tables and the records' links) as CSV and JSON Lines, with a datapackage.json "
        "describing every file (schema, keys, licence, size, sha256), into a new folder "
        "of the snapshot root, and point LATEST at it. The /data/ page serves the latest."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--output",
            type=Path,
            metavar="DIR",
            help="The snapshot root to write in (default: settings.SNAPSHOT_ROOT, "
            "DJANGO_SNAPSHOT_ROOT).",
        )
        parser.add_argument(
            "--keep",
            type=int,
            metavar="N",
            help="Then delete all but the newest N snapshots (1 or more).",
        )
        parser.add_argument(
            "--base-url",
            default="",
            metavar="URL",
            help="The site's address, such as https://catalogue.example.org, before every "
            "url in the data (default: paths from the site's root).",
        )

    def handle(self, *args, output, keep, base_url, **options):
        root = output or Path(settings.SNAPSHOT_ROOT)
        if keep is not None and keep < 1:
            raise CommandError(f"--keep must be 1 or more, not {keep}.")
        base = site_address(base_url)
        if root.exists() and not root.is_dir():
            raise CommandError(f"--output {root} is not a folder.")
        try:
            root.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise CommandError(f"Cannot make the snapshot folder {root}: {error}.") from None
        started = time.monotonic()
        try:
            name, package, pruned = snapshot_export(root=root, base=base, keep=keep)
        except OSError as error:
            raise CommandError(f"Cannot write the snapshot in {root}: {error}.") from None
        for resource in package["resources"]:
            self.stdout.write(
                f"{resource['path']}: {resource['rows']} rows, {resource['bytes']:,} bytes"
            )
        size = sum(resource["bytes"] for resource in package["resources"])
        self.stdout.write(
            f"Wrote snapshot {name} ({len(package['resources'])} files, {size:,} bytes) to "
            f"{root / name} in {time.monotonic() - started:.1f} s; LATEST names it."
        )
        if pruned:
            self.stdout.write(f"Deleted {len(pruned)} older snapshots: {', '.join(pruned)}.")


def site_address(url: str) -> str:
    """`url` as the prefix of the data's urls: scheme and host, no path; "" stays ""."""
    if not url:
        return ""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise CommandError(f"--base-url must be http:// or https:// and a host, not {url!r}.")
    if parts.path.strip("/") or parts.query or parts.fragment:
        raise CommandError(f"--base-url must be the site's address alone, not {url!r}.")
    return f"{parts.scheme}://{parts.netloc}"
