"""A title-only tsvector: the planner's statistics for "is this word in a
subject" come from the subjects, so rare subject words use the index."""

from django.db import migrations

POSTGRES = [
    """ALTER TABLE search_searchdocument
         ADD COLUMN title_vector tsvector GENERATED ALWAYS AS (
           to_tsvector('podpora_search'::regconfig, title)
         ) STORED""",
    "CREATE INDEX search_doc_title_vector ON search_searchdocument USING gin (title_vector)",
]
POSTGRES_REVERSE = [
    "ALTER TABLE search_searchdocument DROP COLUMN IF EXISTS title_vector",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for sql in statements:
                schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("search", "0002_engine_indexes")]

    operations = [migrations.RunPython(_run(POSTGRES), _run(POSTGRES_REVERSE))]
