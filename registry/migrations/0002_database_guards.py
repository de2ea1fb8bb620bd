"""Rules Django's constraint API cannot express portably, written in each database's SQL.

* capabilities stay inside the fixed vocabulary (PostgreSQL: a CHECK on the jsonb array;
  SQLite: triggers over json_each);
* a stock level's brand matches its depot's and its part's (PostgreSQL: composite foreign
  keys against the parents' unique (brand_id, id); SQLite: triggers);
* the audit trail is append-only (both: triggers refusing UPDATE and DELETE).
"""

from django.db import migrations

from registry.vocabulary import Capability

_VOCAB = ", ".join(f"'{c}'" for c in Capability.values)
_VOCAB_JSON = "[" + ", ".join(f'"{c}"' for c in Capability.values) + "]"

POSTGRESQL = [
    f"""ALTER TABLE registry_servicecentre ADD CONSTRAINT centre_capabilities_vocabulary
        CHECK (jsonb_typeof(capabilities) = 'array' AND capabilities <@ '{_VOCAB_JSON}'::jsonb)""",
    """ALTER TABLE registry_stocklevel ADD CONSTRAINT stock_depot_same_brand
        FOREIGN KEY (brand_id, depot_id) REFERENCES registry_partsdepot (brand_id, id)
        ON DELETE CASCADE DEFERRABLE INITIALLY IMMEDIATE""",
    """ALTER TABLE registry_stocklevel ADD CONSTRAINT stock_part_same_brand
        FOREIGN KEY (brand_id, part_id) REFERENCES registry_part (brand_id, id)
        DEFERRABLE INITIALLY IMMEDIATE""",
    """CREATE FUNCTION registry_audit_append_only() RETURNS trigger AS $$
        BEGIN RAISE EXCEPTION 'The audit trail is append-only.'; END; $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON registry_auditentry
        FOR EACH ROW EXECUTE FUNCTION registry_audit_append_only()""",
]

POSTGRESQL_REVERSE = [
    "DROP TRIGGER IF EXISTS audit_append_only ON registry_auditentry",
    "DROP FUNCTION IF EXISTS registry_audit_append_only()",
    "ALTER TABLE registry_stocklevel DROP CONSTRAINT IF EXISTS stock_part_same_brand",
    "ALTER TABLE registry_stocklevel DROP CONSTRAINT IF EXISTS stock_depot_same_brand",
    "ALTER TABLE registry_servicecentre DROP CONSTRAINT IF EXISTS centre_capabilities_vocabulary",
]

_CAPABILITY_CHECK = f"""
    WHEN json_type(NEW.capabilities) IS NOT 'array'
      OR EXISTS (SELECT 1 FROM json_each(NEW.capabilities) WHERE value NOT IN ({_VOCAB}))
    BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: centre_capabilities_vocabulary'); END"""

_STOCK_CHECK = """
    WHEN NEW.brand_id IS NOT (SELECT brand_id FROM registry_partsdepot WHERE id = NEW.depot_id)
      OR NEW.brand_id IS NOT (SELECT brand_id FROM registry_part WHERE id = NEW.part_id)
    BEGIN SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: stock level brand differs from its depot or part'); END"""

SQLITE = [
    f"CREATE TRIGGER centre_capabilities_insert BEFORE INSERT ON registry_servicecentre {_CAPABILITY_CHECK}",
    f"CREATE TRIGGER centre_capabilities_update BEFORE UPDATE ON registry_servicecentre {_CAPABILITY_CHECK}",
    f"CREATE TRIGGER stock_same_brand_insert BEFORE INSERT ON registry_stocklevel {_STOCK_CHECK}",
    f"CREATE TRIGGER stock_same_brand_update BEFORE UPDATE ON registry_stocklevel {_STOCK_CHECK}",
    """CREATE TRIGGER audit_no_update BEFORE UPDATE ON registry_auditentry
        BEGIN SELECT RAISE(ABORT, 'The audit trail is append-only.'); END""",
    """CREATE TRIGGER audit_no_delete BEFORE DELETE ON registry_auditentry
        BEGIN SELECT RAISE(ABORT, 'The audit trail is append-only.'); END""",
]

SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS audit_no_delete",
    "DROP TRIGGER IF EXISTS audit_no_update",
    "DROP TRIGGER IF EXISTS stock_same_brand_update",
    "DROP TRIGGER IF EXISTS stock_same_brand_insert",
    "DROP TRIGGER IF EXISTS centre_capabilities_update",
    "DROP TRIGGER IF EXISTS centre_capabilities_insert",
]


def _run(statements_by_vendor):  # noqa: ANN001, ANN202
    def run(apps, schema_editor):  # noqa: ANN001, ANN202
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("registry", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": POSTGRESQL, "sqlite": SQLITE}),
            _run({"postgresql": POSTGRESQL_REVERSE, "sqlite": SQLITE_REVERSE}),
        ),
    ]
