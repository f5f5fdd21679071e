"""The engine-specific half of the index (see docs/search.md)."""

from django.db import migrations

POSTGRES = [
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    # unaccent() is STABLE (its dictionary could change); indexes need an
    # IMMUTABLE function, and ours always names the same dictionary.
    """CREATE OR REPLACE FUNCTION podpora_unaccent(text) RETURNS text
       LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
       AS $$ SELECT public.unaccent('public.unaccent'::regdictionary, $1) $$""",
    # "simple" (no language stemming: Polish and Czech inflection is handled
    # by prefix queries) with accents folded by unaccent.
    """DO $$ BEGIN
         IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = 'podpora_search') THEN
           CREATE TEXT SEARCH CONFIGURATION podpora_search (COPY = simple);
           ALTER TEXT SEARCH CONFIGURATION podpora_search
             ALTER MAPPING FOR hword, hword_part, word WITH unaccent, simple;
         END IF;
       END $$""",
    """ALTER TABLE search_searchdocument
         ADD COLUMN public_vector tsvector GENERATED ALWAYS AS (
           setweight(to_tsvector('podpora_search'::regconfig, title), 'A')
           || setweight(to_tsvector('podpora_search'::regconfig, people), 'B')
           || setweight(to_tsvector('podpora_search'::regconfig, public_text), 'D')
         ) STORED,
         ADD COLUMN all_vector tsvector GENERATED ALWAYS AS (
           setweight(to_tsvector('podpora_search'::regconfig, title), 'A')
           || setweight(to_tsvector('podpora_search'::regconfig, people), 'B')
           || setweight(to_tsvector('podpora_search'::regconfig, tags), 'B')
           || setweight(to_tsvector('podpora_search'::regconfig, public_text), 'D')
           || setweight(to_tsvector('podpora_search'::regconfig, internal_text), 'D')
         ) STORED""",
    "CREATE INDEX search_doc_public_vector ON search_searchdocument USING gin (public_vector)",
    "CREATE INDEX search_doc_all_vector ON search_searchdocument USING gin (all_vector)",
    """CREATE INDEX search_doc_title_trgm ON search_searchdocument
         USING gin (podpora_unaccent(lower(title)) gin_trgm_ops)""",
]

POSTGRES_REVERSE = [
    "DROP INDEX IF EXISTS search_doc_title_trgm",
    "ALTER TABLE search_searchdocument DROP COLUMN IF EXISTS all_vector",
    "ALTER TABLE search_searchdocument DROP COLUMN IF EXISTS public_vector",
    "DROP TEXT SEARCH CONFIGURATION IF EXISTS podpora_search",
    "DROP FUNCTION IF EXISTS podpora_unaccent(text)",
]

SQLITE = [
    # Rowid = ticket id. Text is folded to ASCII before it is written (the
    # tokenizer's remove_diacritics does not fold "ł"), and prefix indexes make
    # the "faktu*" queries that catch Polish and Czech endings fast.
    """CREATE VIRTUAL TABLE IF NOT EXISTS search_fts USING fts5(
         title, people, tags, public_text, internal_text,
         tokenize = "unicode61 remove_diacritics 2",
         prefix = '2 3 4 5 6'
       )""",
]

SQLITE_REVERSE = ["DROP TABLE IF EXISTS search_fts"]


def _run(statements: dict[str, list[str]]):
    def run(apps, schema_editor):
        for sql in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("search", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": POSTGRES, "sqlite": SQLITE}),
            _run({"postgresql": POSTGRES_REVERSE, "sqlite": SQLITE_REVERSE}),
        )
    ]
