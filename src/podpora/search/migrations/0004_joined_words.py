"""Hyphenated words are indexed joined too ("Wi-Fi" → "wifi", "e-mail" →
"email"), so either spelling finds them; existing documents are rebuilt.

PostgreSQL: the generated vectors are re-created over
``podpora_index_text(column)`` (the text plus its joined words), which
recomputes them for every row. SQLite: the FTS5 rows are rewritten from the
documents with ``core.text.index_text``, and an ``fts5vocab`` table over
them lists the indexed words for the typo fallback.
"""

from django.db import migrations

from podpora.core.text import index_text

_VECTORS = """
  ADD COLUMN public_vector tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('podpora_search'::regconfig, {f}(title)), 'A')
    || setweight(to_tsvector('podpora_search'::regconfig, {f}(people)), 'B')
    || setweight(to_tsvector('podpora_search'::regconfig, {f}(public_text)), 'D')
  ) STORED,
  ADD COLUMN all_vector tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('podpora_search'::regconfig, {f}(title)), 'A')
    || setweight(to_tsvector('podpora_search'::regconfig, {f}(people)), 'B')
    || setweight(to_tsvector('podpora_search'::regconfig, {f}(tags)), 'B')
    || setweight(to_tsvector('podpora_search'::regconfig, {f}(public_text)), 'D')
    || setweight(to_tsvector('podpora_search'::regconfig, {f}(internal_text)), 'D')
  ) STORED,
  ADD COLUMN title_vector tsvector GENERATED ALWAYS AS (
    to_tsvector('podpora_search'::regconfig, {f}(title))
  ) STORED"""

_INDEXES = [
    "CREATE INDEX search_doc_public_vector ON search_searchdocument USING gin (public_vector)",
    "CREATE INDEX search_doc_all_vector ON search_searchdocument USING gin (all_vector)",
    "CREATE INDEX search_doc_title_vector ON search_searchdocument USING gin (title_vector)",
]

_DROP = """ALTER TABLE search_searchdocument
  DROP COLUMN public_vector, DROP COLUMN all_vector, DROP COLUMN title_vector"""


def _rebuild_vectors(function: str) -> list[str]:
    # Dropping the columns drops their indexes; adding them computes every row.
    return [
        _DROP,
        "ALTER TABLE search_searchdocument" + _VECTORS.format(f=function),
        *_INDEXES,
    ]


POSTGRES = [
    # The text, then its hyphenated words without hyphens (as
    # core.text.index_text does for SQLite).
    r"""CREATE OR REPLACE FUNCTION podpora_index_text(text) RETURNS text
       LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
       AS $$ SELECT $1 || coalesce(E'\n' || (
         SELECT string_agg(replace(m[1], '-', ''), ' ')
         FROM regexp_matches($1, '([[:alnum:]]+(-[[:alnum:]]+)+)', 'g') AS m
       ), '') $$""",
    *_rebuild_vectors("podpora_index_text"),
]
POSTGRES_REVERSE = [
    *_rebuild_vectors(""),
    "DROP FUNCTION IF EXISTS podpora_index_text(text)",
]

_COLUMNS = ("title", "people", "tags", "public_text", "internal_text")
BATCH = 500


def _rebuild_fts(schema_editor) -> None:
    with schema_editor.connection.cursor() as cursor:
        # The index's own word list, where typos are looked up.
        cursor.execute(
            "CREATE VIRTUAL TABLE IF NOT EXISTS search_fts_vocab"
            " USING fts5vocab(search_fts, 'row')"
        )
        cursor.execute("DELETE FROM search_fts")
        last = 0
        while True:
            cursor.execute(
                f"SELECT ticket_id, {', '.join(_COLUMNS)} FROM search_searchdocument"  # noqa: S608
                " WHERE ticket_id > %s ORDER BY ticket_id LIMIT %s",
                [last, BATCH],
            )
            rows = cursor.fetchall()
            if not rows:
                return
            cursor.executemany(
                f"INSERT INTO search_fts (rowid, {', '.join(_COLUMNS)})"  # noqa: S608
                " VALUES (%s, %s, %s, %s, %s, %s)",
                [(row[0], *(index_text(v or "") for v in row[1:])) for row in rows],
            )
            last = rows[-1][0]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in POSTGRES:
            schema_editor.execute(sql)
    elif schema_editor.connection.vendor == "sqlite":
        _rebuild_fts(schema_editor)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in POSTGRES_REVERSE:
            schema_editor.execute(sql)
    elif schema_editor.connection.vendor == "sqlite":
        schema_editor.execute("DROP TABLE IF EXISTS search_fts_vocab")


class Migration(migrations.Migration):
    dependencies = [("search", "0003_title_vector")]

    operations = [migrations.RunPython(forwards, backwards)]
