from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    canvas_loss_reason_optional = fields.Boolean(
        "Losing without a reason",
        config_parameter="crm_canvas_pipeline.loss_reason_optional",
        help="Let salespeople mark leads lost without choosing a reason.",
    )
    canvas_loss_keep_activities = fields.Boolean(
        "Keep activities of lost leads",
        config_parameter="crm_canvas_pipeline.loss_keep_activities",
        help="By default, marking a lead lost cancels its open activities.",
    )
