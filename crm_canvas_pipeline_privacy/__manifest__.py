{
    "name": "CRM Canvas Pipeline - Privacy Lookup",
    "version": "19.0.1.0.0",
    "category": "Hidden",
    "summary": "Privacy Lookup finds the loss and stage-history rows of a prospect, and forgets instead of deleting",
    "author": "crm_canvas_pipeline developers",
    "website": "https://github.com/crm-canvas-pipeline/crm_canvas_pipeline",
    "license": "LGPL-3",
    "depends": ["crm_canvas_pipeline", "privacy_lookup"],
    "auto_install": True,
    "installable": True,
}
