from django.db import migrations


def count_the_catalogue(apps, schema_editor):
    """Count afresh, so that the regions' coverage by objectives (practices.summary's
    "region-coverage" rows, new here) is there before the first page asks."""
    from practices import summary

    summary.rebuild(apps=apps)


class Migration(migrations.Migration):
    dependencies = [
        ("practices", "0010_recommendation_kind_stated"),
    ]

    operations = [
        migrations.RunPython(count_the_catalogue, migrations.RunPython.noop),
    ]
