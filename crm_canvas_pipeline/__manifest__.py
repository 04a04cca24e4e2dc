{
    "name": "CRM Canvas Pipeline",
    "version": "19.0.1.0.0",
    "category": "Sales/CRM",
    "summary": "Run the commercial pipeline as one canvas: initiatives, opportunities, won and lost",
    "author": "crm_canvas_pipeline developers",
    "maintainers": [],
    "website": "https://github.com/crm-canvas-pipeline/crm_canvas_pipeline",
    "license": "LGPL-3",
    "development_status": "Alpha",
    "depends": ["crm"],
    "data": [
        "data/crm_stage_data.xml",
        "views/crm_stage_views.xml",
        "views/crm_team_views.xml",
        "views/crm_lead_views.xml",
        "views/crm_canvas_pipeline_menus.xml",
    ],
    "assets": {
        "web.assets_tests": [
            "crm_canvas_pipeline/static/tests/tours/**/*",
        ],
    },
    "post_init_hook": "post_init_hook",
    "uninstall_hook": "uninstall_hook",
    "installable": True,
    "application": False,
}
