"""HeldDay: items a project holds per day of capture and kind, kept by triggers on both
databases, and filled from what is held already."""

from django.db import migrations, models

SQLITE = [
    """CREATE TRIGGER access_held_day_insert AFTER INSERT ON access_projectitem BEGIN
        INSERT INTO access_heldday (project_id, day, kind, n)
            SELECT new.project_id, date(i.captured_at), i.kind, 1 FROM evidence_item i
            WHERE i.id = new.item_id AND i.captured_at IS NOT NULL
        ON CONFLICT (project_id, day, kind) DO UPDATE SET n = access_heldday.n + 1; END""",
    """CREATE TRIGGER access_held_day_delete AFTER DELETE ON access_projectitem BEGIN
        UPDATE access_heldday SET n = n - 1 WHERE project_id = old.project_id
            AND (day, kind) = (SELECT date(captured_at), kind FROM evidence_item WHERE id = old.item_id); END""",
    """CREATE TRIGGER access_held_day_item AFTER UPDATE OF captured_at, kind ON evidence_item
        WHEN old.captured_at IS NOT new.captured_at OR old.kind IS NOT new.kind BEGIN
        UPDATE access_heldday SET n = n - 1 WHERE day = date(old.captured_at) AND kind = old.kind
            AND project_id IN (SELECT project_id FROM access_projectitem WHERE item_id = old.id);
        INSERT INTO access_heldday (project_id, day, kind, n)
            SELECT p.project_id, date(new.captured_at), new.kind, 1 FROM access_projectitem p
            WHERE p.item_id = new.id AND new.captured_at IS NOT NULL
        ON CONFLICT (project_id, day, kind) DO UPDATE SET n = access_heldday.n + 1; END""",
]
SQLITE_REVERSE = ["DROP TRIGGER access_held_day_item", "DROP TRIGGER access_held_day_delete",
                  "DROP TRIGGER access_held_day_insert"]

DAY = "(({t}.captured_at AT TIME ZONE 'UTC')::date)"
POSTGRES = [
    f"""CREATE FUNCTION access_held_day_link() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'INSERT' THEN
            INSERT INTO access_heldday (project_id, day, kind, n)
                SELECT NEW.project_id, {DAY.format(t="i")}, i.kind, 1 FROM evidence_item i
                WHERE i.id = NEW.item_id AND i.captured_at IS NOT NULL
            ON CONFLICT (project_id, day, kind) DO UPDATE SET n = access_heldday.n + 1;
        ELSE
            UPDATE access_heldday h SET n = h.n - 1 FROM evidence_item i
                WHERE i.id = OLD.item_id AND h.project_id = OLD.project_id AND h.day = {DAY.format(t="i")}
                AND h.kind = i.kind;
        END IF;
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER access_held_day_link AFTER INSERT OR DELETE ON access_projectitem
        FOR EACH ROW EXECUTE FUNCTION access_held_day_link()""",
    f"""CREATE FUNCTION access_held_day_item() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF OLD.captured_at IS NOT DISTINCT FROM NEW.captured_at AND OLD.kind = NEW.kind THEN
            RETURN NULL;
        END IF;
        UPDATE access_heldday h SET n = h.n - 1 FROM access_projectitem p
            WHERE p.item_id = OLD.id AND h.project_id = p.project_id AND h.day = {DAY.format(t="OLD")}
            AND h.kind = OLD.kind;
        IF NEW.captured_at IS NOT NULL THEN
            INSERT INTO access_heldday (project_id, day, kind, n)
                SELECT p.project_id, {DAY.format(t="NEW")}, NEW.kind, 1 FROM access_projectitem p
                WHERE p.item_id = NEW.id
            ON CONFLICT (project_id, day, kind) DO UPDATE SET n = access_heldday.n + 1;
        END IF;
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER access_held_day_item AFTER UPDATE OF captured_at, kind ON evidence_item
        FOR EACH ROW EXECUTE FUNCTION access_held_day_item()""",
]
POSTGRES_REVERSE = ["DROP TRIGGER access_held_day_item ON evidence_item", "DROP FUNCTION access_held_day_item()",
                    "DROP TRIGGER access_held_day_link ON access_projectitem", "DROP FUNCTION access_held_day_link()"]

FILL = {
    "sqlite": """INSERT INTO access_heldday (project_id, day, kind, n)
        SELECT p.project_id, date(i.captured_at), i.kind, count(*) FROM access_projectitem p
        JOIN evidence_item i ON i.id = p.item_id WHERE i.captured_at IS NOT NULL GROUP BY 1, 2, 3""",
    "postgresql": f"""INSERT INTO access_heldday (project_id, day, kind, n)
        SELECT p.project_id, {DAY.format(t="i")}, i.kind, count(*) FROM access_projectitem p
        JOIN evidence_item i ON i.id = p.item_id WHERE i.captured_at IS NOT NULL GROUP BY 1, 2, 3""",
}


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)
    return run


class Migration(migrations.Migration):
    dependencies = [("access", "0002_project_item_count"), ("evidence", "0004_capture_project")]

    operations = [
        migrations.CreateModel(
            name="HeldDay",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("day", models.DateField()),
                ("kind", models.CharField(max_length=16)),
                ("n", models.BigIntegerField(default=0)),
                ("project", models.ForeignKey(on_delete=models.deletion.CASCADE, related_name="+",
                                              to="access.project")),
            ],
            options={"constraints": [models.UniqueConstraint(fields=("project", "day", "kind"),
                                                             name="one_count_per_held_day")]},
        ),
        migrations.RunPython(_run({"sqlite": SQLITE, "postgresql": POSTGRES}),
                             _run({"sqlite": SQLITE_REVERSE, "postgresql": POSTGRES_REVERSE})),
        migrations.RunPython(_run({k: [v] for k, v in FILL.items()}), migrations.RunPython.noop),
    ]
