from odoo import fields, models

from ..tools import system


class CrmLeadReactivate(models.TransientModel):
    _name = "crm.lead.reactivate"
    _inherit = ["crm.canvas.lead.selection"]
    _description = "Reactivate lost leads"

    lead_ids = fields.Many2many("crm.lead", string="Leads", context={"active_test": False}, required=True)
    stage_id = fields.Many2one(
        "crm.stage", help="Where the leads go back to; empty: each one returns to its stage at loss."
    )
    user_id = fields.Many2one("res.users", "Salesperson", domain=[("share", "=", False)])
    activity_type_id = fields.Many2one(
        "mail.activity.type", "Next action", domain=[("res_model", "in", [False, "crm.lead"])]
    )
    activity_date = fields.Date("Due on", default=fields.Date.context_today)
    activity_summary = fields.Char("Summary")

    def action_reactivate(self):
        """Bring lost leads of the re-target pool back: restore them (into
        the chosen stage), assign a salesperson, plan a first next action."""
        self.ensure_one()
        # whoever opted out, on this lead or anywhere else (models/crm_lead/opt_out.py)
        self.lead_ids._canvas_check_contactable()
        leads = self.lead_ids
        leads.action_restore()
        # a re-target that is due keeps no one away: clearing it is no
        # loosening (one not yet due is, see the contact policy's rule)
        values = {"contact_policy": "allowed", "retarget_date": False}
        if self.user_id:
            values["user_id"] = self.user_id.id
        if self.stage_id:
            values["stage_id"] = self.stage_id.id
        leads.write(values)
        if self.activity_type_id:
            # one create for the whole selection
            model_id = self.env["ir.model"]._get_id("crm.lead")
            system.own(self.env["mail.activity"]).create(
                [
                    {
                        "res_model_id": model_id,
                        "res_id": lead.id,
                        "activity_type_id": self.activity_type_id.id,
                        "date_deadline": self.activity_date or fields.Date.context_today(self),
                        "summary": self.activity_summary,
                        "user_id": (self.user_id or lead.user_id or self.env.user).id,
                    }
                    for lead in leads
                ]
            )
        return {"type": "ir.actions.act_window_close"}
