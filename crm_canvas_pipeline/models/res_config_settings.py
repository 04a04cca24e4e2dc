from odoo import fields, models

FORBID_SKIP_PARAM = "crm_canvas_pipeline.forbid_skip"
FORBID_BACK_PARAM = "crm_canvas_pipeline.forbid_back"
MANAGER_BYPASS_PARAM = "crm_canvas_pipeline.manager_bypass"
REQUIRE_NEXT_ACTION_PARAM = "crm_canvas_pipeline.require_next_action"
ROTTING_FROM_ACTIVITY_PARAM = "crm_canvas_pipeline.rotting_from_activity"
WON_NO_CUSTOMER_PARAM = "crm_canvas_pipeline.won_no_customer"


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
    canvas_forbid_skip = fields.Boolean(
        "Forbid skipping stages forward",
        config_parameter=FORBID_SKIP_PARAM,
        help="Records move forward one stage at a time (won excepted). Sales teams can override it.",
    )
    canvas_forbid_back = fields.Boolean(
        "Forbid moving back",
        config_parameter=FORBID_BACK_PARAM,
        help="Records never move back to an earlier stage. Sales teams can override it.",
    )
    canvas_manager_bypass = fields.Boolean(
        "Managers may bypass move rules",
        config_parameter=MANAGER_BYPASS_PARAM,
        help="Sales managers may skip stages or move back; each bypass is logged in the chatter. Required fields "
        "still apply.",
    )
    canvas_require_next_action = fields.Boolean(
        "Open opportunities need a next action",
        config_parameter=REQUIRE_NEXT_ACTION_PARAM,
        help="Completing or cancelling the last open activity of an open opportunity asks for the next one.",
    )
    canvas_rotting_from_activity = fields.Boolean(
        "Rotting counts from the last activity",
        config_parameter=ROTTING_FROM_ACTIVITY_PARAM,
        help="A done activity or a logged note resets the days an opportunity has been rotting in its stage.",
    )
    canvas_won_no_customer = fields.Boolean(
        "Won without a customer",
        config_parameter=WON_NO_CUSTOMER_PARAM,
        help="By default, winning a lead or opportunity of a canvas team links its customer (an existing partner with "
        "the same email or tax ID, else one created from its data) and marks it a customer.",
    )
