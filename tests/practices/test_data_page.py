"""/data/: the latest bulk snapshot's files, listed and served, and nothing else."""

import hashlib
import io
import json

import pytest
from django.core.management import call_command

from practices.snapshots import LATEST, PACKAGE, snapshot_names

pytestmark = pytest.mark.django_db


@pytest.fixture
def root(tmp_path, settings):
    settings.SNAPSHOT_ROOT = tmp_path / "snapshots"
    return settings.SNAPSHOT_ROOT


@pytest.fixture
def name(root):
    """A snapshot made by the command; its name."""
    call_command("export_snapshot", stdout=io.StringIO())
    return snapshot_names(root)[-1]


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_without_a_snapshot_the_page_says_so_and_names_the_command(client, root):
    """No snapshot is not an error: the page says how one is made."""
    response = client.get("/data/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "No snapshot has been made yet." in html
    assert "python manage.py export_snapshot" in html


def test_the_page_lists_the_latest_snapshots_files_with_size_and_sha256(client, root, name):
    """Every file of the newest snapshot: a link, its size, its checksum; and the licence."""
    package = json.loads((root / name / PACKAGE).read_text())
    html = client.get("/data/").content.decode()
    assert f"Snapshot {name}" in html
    assert f'href="/data/{name}/{PACKAGE}"' in html
    for resource in package["resources"]:
        assert f'href="/data/{name}/{resource["path"]}"' in html
        assert resource["hash"].removeprefix("sha256:") in html
    assert "Frictionless" in html and 'href="https://creativecommons.org/licenses/by/4.0/"' in html


def test_the_page_shows_the_newest_of_several_snapshots(client, root, name):
    call_command("export_snapshot", stdout=io.StringIO())
    newest = snapshot_names(root)[-1]
    assert newest != name
    html = client.get("/data/").content.decode()
    assert f"Snapshot {newest}" in html and f"/data/{name}/" not in html


@pytest.mark.parametrize(
    "filename, media_type",
    [("practices.csv", "text/csv"), ("practices.jsonl", "application/x-ndjson")],
)
def test_a_listed_file_downloads_as_it_is_with_its_hash_as_etag(
    client, root, name, filename, media_type
):
    response = client.get(f"/data/{name}/{filename}")
    assert response.status_code == 200
    content = body(response)
    assert content == (root / name / filename).read_bytes()
    assert response["Content-Type"] == media_type
    assert f'attachment; filename="{filename}"' == response["Content-Disposition"]
    assert response["ETag"] == f'"{hashlib.sha256(content).hexdigest()}"'
    again = client.get(f"/data/{name}/{filename}", headers={"If-None-Match": response["ETag"]})
    assert again.status_code == 304


def test_the_datapackage_itself_downloads(client, root, name):
    response = client.get(f"/data/{name}/{PACKAGE}")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert json.loads(body(response))["version"] == name


def test_latest_redirects_to_the_newest_snapshots_file(client, root, name):
    response = client.get(f"/data/latest/{PACKAGE}")
    assert response.status_code == 302
    assert response["Location"] == f"/data/{name}/{PACKAGE}"
    assert client.get("/data/latest/nothing.csv").status_code == 404


def test_latest_without_a_snapshot_is_a_404(client, root):
    assert client.get(f"/data/latest/{PACKAGE}").status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/data/{name}/unknown.csv",
        "/data/{name}/" + LATEST,
        "/data/{name}/secret.txt",  # in the folder, but not in the package
        "/data/{name}/..",
        "/data/{name}/%2E%2E",
        "/data/{name}/..%2F..%2Fsettings.py",
        "/data/{name}/%2E%2E%2F" + LATEST,
        "/data/..%2F{name}/practices.csv",
        "/data/../practices.csv",
        "/data/{name}/practices.csv%00",
        "/data/{name}%00/practices.csv",
        "/data/not-a-snapshot/practices.csv",
        "/data/20000101T000000Z/practices.csv",
        "/data/{name}/",
    ],
)
def test_only_the_files_a_snapshot_names_are_served(client, root, name, path):
    """Traversal, NUL, unknown snapshots and files, and files it does not name: 404."""
    (root / name / "secret.txt").write_text("not for the public")
    response = client.get(path.format(name=name))
    assert response.status_code == 404


def test_about_the_footer_and_the_api_guide_link_to_the_data_page(client):
    for page in ("/about/", "/api-guide/"):
        html = client.get(page).content.decode()
        assert html.count('href="/data/"') >= 2, page  # the page's own link and the footer's
