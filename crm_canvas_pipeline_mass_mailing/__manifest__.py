{
    "name": "CRM Canvas Pipeline - Re-target campaigns",
    "version": "19.0.1.0.0",
    "category": "Hidden",
    "summary": "Send a mass mailing to the re-target pool; a reply brings the prospect back; results per reason",
    "author": "crm_canvas_pipeline developers",
    "website": "https://github.com/crm-canvas-pipeline/crm_canvas_pipeline",
    "license": "LGPL-3",
    "depends": ["crm_canvas_pipeline", "mass_mailing_crm"],
    "data": [
        "security/ir.model.access.csv",
        "wizard/crm_lead_retarget_campaign_views.xml",
        "views/crm_lead_retarget_views.xml",
        "views/mailing_mailing_views.xml",
        "report/crm_lead_retarget_report_views.xml",
    ],
    "assets": {
        "web.assets_tests": [
            "crm_canvas_pipeline_mass_mailing/static/tests/tours/**/*",
        ],
    },
    "auto_install": True,
    "installable": True,
}
