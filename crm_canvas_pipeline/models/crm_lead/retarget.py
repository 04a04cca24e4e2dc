"""Re-targeting: a lost prospect brought back, by the Reactivate wizard or
by their reply to a campaign (crm_canvas_pipeline_mass_mailing). One path
for both: whoever opted out is refused (opt_out.py), the loss rows stay and
are stamped restored (lost_archive.py), the lead gets its salesperson and a
next action, and its chatter says what brought it back."""

from odoo import fields, models

from ...tools import system


class CrmLead(models.Model):
    _inherit = "crm.lead"

    def _canvas_reactivate(self, stage=None, user=None, activity=None, note=None):
        """Restore the lost leads of `self` (into `stage`, a stage or a
        function of the lead, else each into its stage at loss), assign
        `user` (else each keeps its own) and plan `activity`
        ({activity_type_id, date_deadline, summary}) for each, in one write
        per stage and one activity create for the batch; `note` (HTML) goes
        in their chatter. The activities come first: a stage that asks for a
        next action finds it."""
        self._canvas_check_contactable()
        if activity and activity.get("activity_type_id"):
            model_id = self.env["ir.model"]._get_id("crm.lead")
            system.own(self.env["mail.activity"]).create(
                [
                    {
                        "res_model_id": model_id,
                        "res_id": lead.id,
                        "activity_type_id": activity["activity_type_id"],
                        "date_deadline": activity.get("date_deadline") or fields.Date.context_today(self),
                        "summary": activity.get("summary") or False,
                        "user_id": (user or lead.user_id or self.env.user).id,
                    }
                    for lead in self
                ]
            )
        self.action_restore()
        # a re-target that is due keeps no one away: clearing it is no
        # loosening (one not yet due is, see the contact policy's rule)
        values = {"contact_policy": "allowed", "retarget_date": False}
        if user:
            values["user_id"] = user.id
        if not stage:
            self.write(values)
        else:
            for target, leads in self.grouped(stage if callable(stage) else lambda lead: stage).items():
                leads.write(dict(values, stage_id=target.id, **leads._canvas_type_for(target)))
        if note:
            system.log(self, dict.fromkeys(self.ids, note))

    def _canvas_type_for(self, stage):
        """A lost opportunity brought back into an initiative stage starts
        again as an initiative."""
        return {"type": "lead"} if stage.stage_kind == "lead" else {}

    def _canvas_comeback_stage(self):
        """Where a prospect who answers a campaign comes back: the first
        initiative stage of its team (the first pipeline stage for a team
        without initiative stages)."""
        self.ensure_one()
        kind = "lead" if self.team_id.use_initiative_stages else "opportunity"
        return self._stage_find(domain=[("fold", "=", False), ("stage_kind", "=", kind)])
