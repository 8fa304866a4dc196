"""The full-text side of the index, per database: on SQLite an FTS5 table over
`norm` (external content, kept in step by triggers); on PostgreSQL a generated column
tsv = to_tsvector('simple', norm) with a GIN index. 'simple' and unicode61 without diacritic folding do no
stemming, so both match exactly the tokens marsad.search.normalise wrote."""

from django.db import migrations

TABLE = "search_searchentry"

SQLITE = [
    f"""CREATE VIRTUAL TABLE search_fts USING fts5(norm, content='{TABLE}', content_rowid='id',
        tokenize='unicode61 remove_diacritics 0', detail='column')""",
    f"""CREATE TRIGGER search_fts_insert AFTER INSERT ON {TABLE} BEGIN
        INSERT INTO search_fts(rowid, norm) VALUES (new.id, new.norm); END""",
    f"""CREATE TRIGGER search_fts_delete AFTER DELETE ON {TABLE} BEGIN
        INSERT INTO search_fts(search_fts, rowid, norm) VALUES ('delete', old.id, old.norm); END""",
    f"""CREATE TRIGGER search_fts_update AFTER UPDATE OF norm ON {TABLE} BEGIN
        INSERT INTO search_fts(search_fts, rowid, norm) VALUES ('delete', old.id, old.norm);
        INSERT INTO search_fts(rowid, norm) VALUES (new.id, new.norm); END""",
]
SQLITE_REVERSE = ["DROP TRIGGER search_fts_update", "DROP TRIGGER search_fts_delete",
                  "DROP TRIGGER search_fts_insert", "DROP TABLE search_fts"]
# Stored, not an expression index: a search that walks the newest rows tests each row's
# tsvector, and computing it from `norm` every time costs ten times more (bench/search_index.py).
POSTGRES = [f"ALTER TABLE {TABLE} ADD COLUMN tsv tsvector GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, norm)) STORED",
            f"CREATE INDEX search_entry_tsv ON {TABLE} USING gin (tsv)"]
POSTGRES_REVERSE = ["DROP INDEX search_entry_tsv", f"ALTER TABLE {TABLE} DROP COLUMN tsv"]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)
    return run


class Migration(migrations.Migration):
    dependencies = [("search", "0001_entries")]

    operations = [
        migrations.RunPython(_run({"sqlite": SQLITE, "postgresql": POSTGRES}),
                             _run({"sqlite": SQLITE_REVERSE, "postgresql": POSTGRES_REVERSE})),
    ]
