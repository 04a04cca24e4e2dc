"""The next action's state (overdue, today, planned, none), from its date
against today in the user's timezone, wherever it is read: one definition
that the field computes and that its search and the Canvas' progress bars (a
grouping) use. The cards draw it in the browser from the same rule
(static/src/card/card_rules.js; test_card_rules proves both agree)."""

from odoo import api, fields, models
from odoo.fields import Domain
from odoo.tools import SQL


class CrmLead(models.Model):
    _inherit = "crm.lead"

    next_action_state = fields.Selection(
        [("overdue", "Overdue"), ("today", "Today"), ("planned", "Planned"), ("none", "No next action")],
        "Next action state",
        compute="_compute_next_action_state",
        search="_search_next_action_state",
    )

    def _canvas_next_action_domains(self):
        """{state: domain}: the state of a next action, from its date
        against today in the user's timezone."""
        today = fields.Date.context_today(self)
        return {
            "none": Domain("next_action_date", "=", False),
            "overdue": Domain("next_action_date", "<", today),
            "today": Domain("next_action_date", "=", today),
            "planned": Domain("next_action_date", ">", today),
        }

    @api.depends("next_action_date")
    @api.depends_context("tz")
    def _compute_next_action_state(self):
        for state, domain in self._canvas_next_action_domains().items():
            self.filtered_domain(domain).next_action_state = state

    def _search_next_action_state(self, operator, value):
        if operator not in ("in", "not in"):
            return NotImplemented
        domains = self._canvas_next_action_domains()
        domain = Domain.OR(domains[state] for state in value if state in domains)
        return ~domain if operator == "not in" else domain

    def _read_group_groupby(self, alias, groupby_spec, query):
        """Group by the next action's state (the Canvas progress bars) from
        the stored next-action date: a CASE on a column of the lead, where
        stock's activity_state joins an aggregate over every open activity
        of every lead."""
        if groupby_spec != "next_action_state":
            return super()._read_group_groupby(alias, groupby_spec, query)
        self._check_field_access(self._fields["next_action_state"], "read")
        cases = [
            SQL("WHEN %s THEN %s", domain.optimize_full(self)._to_sql(self, alias, query), state)
            for state, domain in self._canvas_next_action_domains().items()
        ]
        return SQL("CASE %s END", SQL(" ").join(cases))
