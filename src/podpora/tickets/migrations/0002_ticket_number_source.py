from django.db import migrations

from podpora.tickets.numbering import create_number_source, drop_number_source


def forwards(apps, schema_editor):
    create_number_source(schema_editor)


def backwards(apps, schema_editor):
    drop_number_source(schema_editor)


class Migration(migrations.Migration):
    dependencies = [("tickets", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
