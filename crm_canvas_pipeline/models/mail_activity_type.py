from odoo import api, models, tools


class MailActivityType(models.Model):
    _inherit = "mail.activity.type"

    @api.model
    @tools.ormcache()
    def _canvas_icons(self):
        """{type id: icon}: each card with a next action shows its type's
        icon, read for every card of every board. Types are few and their
        icons change rarely: read once per cache, cleared by those edits."""
        self.flush_model(["icon"])
        self.env.cr.execute("SELECT id, icon FROM mail_activity_type WHERE icon IS NOT NULL")
        return dict(self.env.cr.fetchall())

    @api.model_create_multi
    def create(self, vals_list):
        types = super().create(vals_list)
        if any(vals.get("icon") for vals in vals_list):
            self.env.registry.clear_cache()
        return types

    def write(self, vals):
        result = super().write(vals)
        if "icon" in vals:
            self.env.registry.clear_cache()
        return result
