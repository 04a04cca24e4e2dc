"""Values of the module's own fields, whoever sends them (form, import,
JSON-RPC): a clear error in the user's language for a wrong type, an unknown
choice, a date that is no date or a record that does not exist, instead of a
database error or a crash further on. Each concern checks the fields it reads
before it reads them."""

from collections import defaultdict
from datetime import date

from odoo import Command, fields
from odoo.exceptions import ValidationError


def check_input(model, fnames, vals_list, read_later=frozenset(), defaults=False):
    """Check the values of `fnames` in `vals_list` for `model`, and with
    `defaults` (a create) the ``default_*`` values of the context for them,
    which a client sends as it likes. Records are checked in one query per
    comodel, except those of the fields in `read_later`, which the caller
    reads before writing anything (a missing one raises MissingError there,
    at no extra query)."""
    if defaults:
        context = model.env.context
        given = {fname: context["default_" + fname] for fname in fnames if "default_" + fname in context}
        vals_list = [*vals_list, given] if given else vals_list
    wanted = defaultdict(set)
    for vals in vals_list:
        for fname in fnames.intersection(vals):
            field, value = model._fields[fname], vals[fname]
            if value is False or value is None:
                if field.required:
                    _raise_invalid(model, field, value)
                continue
            valid = True
            if field.type == "selection":
                valid = isinstance(value, str) and value in dict(field._description_selection(model.env))
            elif field.type == "date":
                try:
                    valid = isinstance(value, (str, date)) and bool(fields.Date.to_date(value))
                except (ValueError, TypeError):
                    valid = False
            elif field.type in ("char", "html", "text"):
                valid = isinstance(value, str) and "\x00" not in value
            elif field.type == "many2one":
                valid = type(value) is int and 0 < value < 2**31
                if valid:
                    wanted[field].add(value)
            if not valid:
                _raise_invalid(model, field, value)
    for field, ids in wanted.items():
        if field.name in read_later:
            continue
        comodel = model.env[field.comodel_name].sudo().with_context(active_test=False)
        missing = ids - _existing_ids(comodel, ids)
        if missing:
            _raise_invalid(model, field, min(missing))


def _existing_ids(comodel, ids):
    """Which of `ids` exist. Records already read in this transaction do;
    the others are read in one query, with the fields a read prefetches: the
    caller, and stock after it, read them next (from the cache then), so
    the check costs no query of its own."""
    fnames = [
        name for name, field in comodel._fields.items() if field.store and field.column_type and field.prefetch is True
    ]
    unread = set(comodel._fields[fnames[0]]._cache_missing_ids(comodel.browse(ids)))
    if not unread:
        return set(ids)
    return (set(ids) - unread) | set(comodel.search_fetch([("id", "in", list(unread))], fnames, order="id").ids)


def is_set(value):
    """Whether a value being written fills a field (x2many commands included)."""
    if isinstance(value, (list, tuple)) and value and isinstance(value[0], (list, tuple)):
        ids = set()
        for command in value:
            if command[0] == Command.SET:
                ids = set(command[2])
            elif command[0] in (Command.CREATE, Command.LINK):
                ids.add(command[1] or object())
            elif command[0] == Command.CLEAR:
                ids = set()
            elif command[0] in (Command.DELETE, Command.UNLINK):
                ids.discard(command[1])
        return bool(ids)
    return bool(value)


def _raise_invalid(model, field, value):
    shown = repr(value)
    raise ValidationError(
        model.env._(
            "“%(value)s” is not a valid value for %(field)s.",
            value=shown if len(shown) <= 40 else shown[:37] + "...",
            field=field._description_string(model.env),
        )
    )
