"""``has_element``: does a JSON array column contain this string? Portable across databases.

Django's ``contains`` on JSONField is not available on SQLite; capabilities are filtered in the
public finder and in the qualifying-centre rule on both databases, so this lookup speaks each
database's own JSON dialect.
"""

from django.db.models import JSONField, Lookup


@JSONField.register_lookup
class HasElement(Lookup):
    lookup_name = "has_element"
    prepare_rhs = False

    def as_sql(self, compiler, connection):  # noqa: ANN001, ANN201
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return (
            f"EXISTS (SELECT 1 FROM json_each({lhs}) WHERE json_each.value = %s)",  # noqa: S608 — lhs is a column
            [*lhs_params, self.rhs],
        )

    def as_postgresql(self, compiler, connection):  # noqa: ANN001, ANN201
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return f"{lhs} @> jsonb_build_array(%s::text)", [*lhs_params, self.rhs]
