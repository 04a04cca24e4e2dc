"""Database defaults for the module's required columns on stock tables.

While `-u crm` (or any update of a module this one depends on) loads that
module, and while Odoo runs its at_install tests, the registry does not know
this module's fields yet: crm (and any module loaded before this one) inserts
leads, stages, teams and lost reasons without these columns. Odoo gives a
required field a NOT NULL column and no database default, so each such
insert would fail. The database default is the field's own default (one
definition: it is read from the field), so such a row is valid when the
module is loaded again."""

from odoo.tools import SQL


def keep_column_defaults(model, *names):
    """Give each named column (required selections) of `model`'s table its
    field's default in the database, where it is not already set: a change of the
    catalog, no row rewritten, and no lock taken when nothing changes."""
    cr = model.env.cr
    for name in names:
        field = model._fields[name]
        # Odoo keeps a constant default as a function that returns it
        value = field.default(model.browse()) if field.default else None
        if not (field.type == "selection" and field.required and field.store and isinstance(value, str)):
            raise TypeError("%s.%s: not a stored required selection with a default" % (model._name, name))
        cr.execute(
            SQL(
                """SELECT column_default IS DISTINCT FROM quote_literal(%s) || '::character varying'
                     FROM information_schema.columns WHERE table_name = %s AND column_name = %s""",
                value,
                model._table,
                name,
            )
        )
        if cr.fetchone()[0]:
            cr.execute(
                SQL(
                    "ALTER TABLE %s ALTER COLUMN %s SET DEFAULT %s",
                    SQL.identifier(model._table),
                    SQL.identifier(name),
                    value,
                )
            )
