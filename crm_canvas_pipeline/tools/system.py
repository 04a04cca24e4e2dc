"""What the module writes on its own account, whoever's request it serves.

A JSON-RPC client sends the context it likes: its ``default_*`` values are
the defaults of the record it asked for, never of the loss and history rows,
blacklist entries, activities, customers and chatter lines the module writes
itself (a ``default_date_out`` would close a new stay, a ``default_active``
archive a blacklist entry). And its ``tz`` is how the user wants dates
shown, not what "today" is for a rule: rules read the user's own timezone.
"""

from odoo import fields
from odoo.tools.misc import clean_context


def own(model):
    """`model` (a model or records) with none of the client's defaults."""
    return model.with_env(model.env(context=clean_context(model.env.context)))


def log(records, bodies):
    """Log {record id: body} in the chatter of `records`, one query for
    the batch (mail.thread's _message_log_batch)."""
    if bodies:
        own(records.browse(list(bodies)))._message_log_batch(bodies=bodies)


def user_today(env):
    """Today for the user, in their own timezone whatever the context says."""
    user = env.user
    return fields.Date.context_today(user.with_context(tz=user.tz))
