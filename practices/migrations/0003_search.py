"""Install each database's full-text engine for the four record tables (see practices.search)."""

from django.db import migrations

from practices import search

TABLES = [
    "practices_practice",
    "practices_challenge",
    "practices_opportunity",
    "practices_recommendation",
]


def run(schema_editor, builder_name):
    vendor = schema_editor.connection.vendor
    if vendor not in ("postgresql", "sqlite"):
        return
    builder = getattr(search, f"{vendor}_{builder_name}")
    for table in TABLES:
        for statement in builder(table):
            schema_editor.execute(statement)


def install(apps, schema_editor):
    run(schema_editor, "install_sql")


def uninstall(apps, schema_editor):
    run(schema_editor, "uninstall_sql")


class Migration(migrations.Migration):
    dependencies = [("practices", "0002_record_search_vector_source_year")]

    operations = [migrations.RunPython(install, uninstall)]
