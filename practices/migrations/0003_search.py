"""Install each database's full-text engine for the four record tables (see practices.search)."""

from django.db import migrations


def install(apps, schema_editor):
    from practices import search

    search.install(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("practices", "0002_record_search_vector_source_year")]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
