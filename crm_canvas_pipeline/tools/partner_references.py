"""Which partners other documents refer to, in one statement.

Forgetting a prospect deletes the partner made of them only when nothing
else in the database refers to it: a quotation, an invoice, a meeting, a
user, a child contact, another lead. Odoo has no "used by" of its own
(``privacy_lookup`` walks the models the same way): every stored many2one
and many2many to res.partner of every table is asked at once, less the rows
the erasure itself rewrites (`ignored`).
"""

from odoo.tools import SQL

# rows that go with the partner and are no document: followers and
# notifications are deleted with it (ondelete cascade), and a partner's
# own commercial entity is itself
NO_DOCUMENT = {
    ("mail.followers", "partner_id"),
    ("mail.notification", "res_partner_id"),
    ("res.partner", "commercial_partner_id"),
    ("discuss.channel.member", "partner_id"),
    ("bus.presence", "partner_id"),
}


def referenced_partner_ids(env, partner_ids, ignored):
    """The ids among `partner_ids` that a document refers to. `ignored`:
    {model name: record ids} whose references do not count (the forgotten
    leads, their messages, the partners themselves)."""
    if not partner_ids:
        return set()
    ids = tuple(partner_ids)
    parts = []
    for model_name in env.registry:
        model = env[model_name]
        if model._abstract or model._transient or not model._auto:
            continue
        skip = tuple(ignored.get(model_name, ())) or (0,)
        for fname, field in model._fields.items():
            if (
                field.comodel_name != "res.partner"
                or not field.store
                or field.company_dependent
                or (model_name, fname) in NO_DOCUMENT
            ):
                continue
            if field.type == "many2one" and field.column_type:
                parts.append(
                    SQL(
                        "SELECT %(column)s FROM %(table)s WHERE %(column)s IN %(ids)s AND id NOT IN %(skip)s",
                        column=SQL.identifier(fname),
                        table=SQL.identifier(model._table),
                        ids=ids,
                        skip=skip,
                    )
                )
            elif field.type == "many2many" and field.relation:
                parts.append(
                    SQL(
                        """SELECT %(column2)s FROM %(relation)s
                            WHERE %(column2)s IN %(ids)s AND %(column1)s NOT IN %(skip)s""",
                        column1=SQL.identifier(field.column1),
                        column2=SQL.identifier(field.column2),
                        relation=SQL.identifier(field.relation),
                        ids=ids,
                        skip=skip,
                    )
                )
    env.flush_all()
    env.cr.execute(SQL("SELECT DISTINCT * FROM (%s) AS refs", SQL(" UNION ALL ").join(parts)))
    return {row[0] for row in env.cr.fetchall()}
