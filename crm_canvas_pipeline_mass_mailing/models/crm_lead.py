from odoo import fields, models


class CrmLead(models.Model):
    _inherit = "crm.lead"

    canvas_retarget_ids = fields.One2many("crm.lead.retarget", "lead_id", "Re-target campaigns", readonly=True)

    def _merge_dependences(self, opportunities):
        result = super()._merge_dependences(opportunities)
        rows = opportunities.sudo().canvas_retarget_ids
        if rows:
            # history: the campaigns that addressed a duplicate follow it
            rows.write({"lead_id": self.id})
        return result

    def _mailing_get_opt_out_list_sms(self, mailing):
        """The leads a mass SMS leaves out (mass_mailing_sms asks, when
        installed): as for emails (mail_compose_message.py)."""
        parent = getattr(super(), "_mailing_get_opt_out_list_sms", None)
        opt_out = list(parent(mailing)) if parent else []
        reasons = mailing._canvas_excluded_reasons()
        left_out = self.with_context(active_test=False).search([("retarget_exclusion", "in", reasons)])
        return opt_out + left_out.ids
