"""Writing new values of a few fields to many rows at once, faster than Django's `bulk_update`.

`bulk_update` sends one UPDATE per batch with a `CASE WHEN pk = … THEN …` per field and per row, which
PostgreSQL evaluates row by row against every branch: its cost grows with the square of the batch
(storing 20,000 CLV predictions took 75 s in batches of 100, bench/RESULTS.md). On PostgreSQL
`rows_update` sends instead one `UPDATE … FROM (VALUES …)` per batch: a join of the table with the new
values, linear in the batch. It uses only documented APIs: `connection.cursor()` with parameters, the
model's `_meta` (Django's Options API: `db_table`, `Field.column`), `Field.db_type()` for the casts,
`Field.get_db_prep_save()` for the values and `connection.ops.quote_name` for the names. Other
databases keep `bulk_update`.
"""

from collections.abc import Sequence

from django.db import connections, router

VALUES_BATCH_SIZE = 2000  # 8 columns × 2,000 rows = 16,000 parameters, well under PostgreSQL's 65,535
FALLBACK_BATCH_SIZE = 100  # bulk_update's CASE grows with the square of the batch: keep it small


def rows_update(model, objs: Sequence, fields: Sequence[str], *, using: str | None = None) -> None:
    """Save `fields` of the model instances `objs` (which have primary keys), like
    `model.objects.bulk_update(objs, fields)`; one `UPDATE … FROM (VALUES …)` per batch on PostgreSQL.
    Sends no signals and calls no `save()`, like bulk_update. Run it inside a transaction when the rows
    must change together."""
    using = using or router.db_for_write(model)
    if connections[using].vendor == "postgresql":
        update_from_values(model, objs, fields, using=using)
    else:
        model._default_manager.db_manager(using).bulk_update(objs, fields, batch_size=FALLBACK_BATCH_SIZE)


def update_from_values(
    model, objs: Sequence, fields: Sequence[str], *, using: str, batch_size: int = VALUES_BATCH_SIZE
) -> None:
    """PostgreSQL: `UPDATE table AS t SET col = v.col, … FROM (VALUES (%s::type, …), …) AS v (pk, col, …)
    WHERE t.pk = v.pk`, one statement per `batch_size` rows. Each value is cast to its column's type, so
    a column whose values in a batch are all NULL still has the column's type."""
    connection = connections[using]
    quote = connection.ops.quote_name
    meta = model._meta
    pk = meta.pk
    targets = [meta.get_field(name) for name in fields]
    if any(not field.concrete or field.many_to_many or field.primary_key for field in targets):
        raise ValueError("rows_update writes concrete, non-primary-key fields only")
    columns = [pk, *targets]
    names = ", ".join(quote(field.column) for field in columns)
    row = "(" + ", ".join(f"%s::{field.db_type(connection)}" for field in columns) + ")"
    assignments = ", ".join(f"{quote(field.column)} = v.{quote(field.column)}" for field in targets)
    table = quote(meta.db_table)
    with connection.cursor() as cursor:
        for start in range(0, len(objs), batch_size):
            batch = objs[start : start + batch_size]
            params = []
            for obj in batch:
                if obj.pk is None:
                    raise ValueError("rows_update needs saved instances (with a primary key)")
                params.extend(
                    field.get_db_prep_save(getattr(obj, field.attname), connection) for field in columns
                )
            values = ", ".join([row] * len(batch))
            # Names from the model, quoted by the backend; every value is a parameter.
            sql = f"UPDATE {table} AS t SET {assignments} FROM (VALUES {values}) AS v ({names}) "  # noqa: S608
            cursor.execute(sql + f"WHERE t.{quote(pk.column)} = v.{quote(pk.column)}", params)
