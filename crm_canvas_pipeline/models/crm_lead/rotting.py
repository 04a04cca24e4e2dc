"""Rotting from the last touch (a setting): a done activity or a logged note
since the stage's limit keeps an opportunity fresh, as stock's rotting only
counts from the last stage change."""

from datetime import timedelta

from odoo import models
from odoo.fields import Domain
from odoo.tools import SQL, str2bool

from ..res_config_settings import ROTTING_FROM_ACTIVITY_PARAM


class CrmLead(models.Model):
    _inherit = "crm.lead"

    def _canvas_rotting_from_activity(self):
        return str2bool(self.env["ir.config_parameter"].sudo().get_param(ROTTING_FROM_ACTIVITY_PARAM, "False"))

    def _canvas_touch_dates(self):
        """{lead id: date of its last done activity or logged note}, one query."""
        if not self.ids:
            return {}
        note = self.env["ir.model.data"]._xmlid_to_res_id("mail.mt_note")
        self.env["mail.message"].flush_model(["model", "res_id", "date", "mail_activity_type_id", "subtype_id"])
        self.env.cr.execute(
            SQL(
                """SELECT res_id, MAX(date) FROM mail_message
                    WHERE model = 'crm.lead' AND res_id = ANY(%(ids)s)
                      AND (mail_activity_type_id IS NOT NULL OR (message_type = 'comment' AND subtype_id = %(note)s))
                 GROUP BY res_id""",
                ids=list(self.ids),
                note=note,
            )
        )
        return dict(self.env.cr.fetchall())

    def _compute_rotting(self):
        super()._compute_rotting()
        if not self._canvas_rotting_from_activity():
            return
        rotting = self.filtered("is_rotting")
        touches = rotting.filtered("id")._canvas_touch_dates()
        now = self.env.cr.now()
        for lead in rotting:
            touch = touches.get(lead.id)
            if not touch or not lead.date_last_stage_update or touch <= lead.date_last_stage_update:
                continue
            if touch + timedelta(days=lead.stage_id.rotting_threshold_days) >= now:
                lead.is_rotting = False
                lead.rotting_days = 0
            else:
                lead.rotting_days = (now - touch).days

    def _search_is_rotting(self, operator, value):
        domain = super()._search_is_rotting(operator, value)
        if not self._canvas_rotting_from_activity():
            return domain
        # a done activity or a note since the stage's limit un-rots the lead
        self.env["crm.stage"].flush_model(["rotting_threshold_days"])
        self.flush_model(["stage_id", "date_last_stage_update"])
        note = self.env["ir.model.data"]._xmlid_to_res_id("mail.mt_note")
        touched = SQL(
            """SELECT lead.id FROM crm_lead lead
                 JOIN crm_stage stage ON stage.id = lead.stage_id
                WHERE stage.rotting_threshold_days > 0 AND EXISTS (
                    SELECT 1 FROM mail_message msg
                     WHERE msg.model = 'crm.lead' AND msg.res_id = lead.id
                       AND (msg.mail_activity_type_id IS NOT NULL
                            OR (msg.message_type = 'comment' AND msg.subtype_id = %(note)s))
                       AND msg.date + stage.rotting_threshold_days * interval '1 day' >= %(now)s)""",
            note=note,
            now=self.env.cr.now(),
        )
        fresh = Domain("id", "in", touched)
        # the ORM hands boolean searches over as "in [True]" / "not in [True]"
        return Domain(domain) & ~fresh if operator == "in" else Domain(domain) | fresh
