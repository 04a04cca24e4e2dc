"""The key screens in Spanish: a Spanish-speaking user sees the module's
menus, the default stages, the Canvas, the lead form's losses, the loss
wizard, the stage form's rules, the lost archive and the reports with
Spanish labels, in the glossary's words (the .po files only prove the terms exist;
this proves the screens use them).

Runs odoo-bin shell on the database `make test` installed (CANVAS_TEST_DB):
activates Spanish, loads the module's terms, reads the views as Odoo sends
them to the browser, and rolls everything back.
"""

import json
import os
import subprocess
import sys

import pytest

ODOO_SRC = os.environ.get("ODOO_SRC", "/opt/odoo/19.0")
ODOO_CONF = os.environ.get("ODOO_CONF")
TEST_DB = os.environ.get("CANVAS_TEST_DB")

READ_SCREENS = r"""
import json
env["res.lang"]._activate_lang("es_ES")
env["ir.module.module"]._load_module_terms(["crm_canvas_pipeline"], ["es_ES"], overwrite=True)
es = env(context=dict(env.context, lang="es_ES"))

# a view's arch and the labels of the fields it shows, as the browser gets them
def arch(model, view_type, view=False):
    view_id = es.ref(view).id if view else False
    result = es[model].get_views([(view_id, view_type)])
    labels = [f.get("string", "") for f in result["models"][model]["fields"].values()]
    return result["views"][view_type]["arch"] + "\n" + "\n".join(labels)

screens = {
    "menus": " | ".join(es.ref("crm_canvas_pipeline." + xmlid).name for xmlid in (
        "crm_lead_menu_canvas", "crm_lead_loss_menu_archive", "crm_lead_menu_retarget_pool", "crm_stage_menu_config",
        "crm_lead_stage_report_menu_funnel", "crm_lead_stage_report_menu_outcome")),
    "default stages": " | ".join(es.ref("crm_canvas_pipeline." + xmlid).name for xmlid in (
        "stage_initiative_new", "stage_initiative_contacted", "stage_initiative_qualified")),
    "loss wizard": arch("crm.lead.lost", "form"),
    "reports": arch("crm.lead.stage.report", "pivot", "crm_canvas_pipeline.crm_lead_stage_report_view_pivot_outcome"),
    "canvas": arch("crm.lead", "kanban", "crm_canvas_pipeline.crm_lead_view_kanban_canvas")
        + arch("crm.lead", "search", "crm_canvas_pipeline.crm_lead_view_search_canvas"),
    "lead form": arch("crm.lead", "form"),
    "stage form": arch("crm.stage", "form"),
    "lost archive": arch("crm.lead.loss", "list"),
}
print("SCREENS=" + json.dumps(screens))
env.cr.rollback()
"""

# What each screen must show in Spanish, and the English it replaces: the
# glossary's words (README, Vocabulary): stock's Ganado, Perdido, Pipeline,
# Lead; the seed's Iniciativa for the initiative stages and cards.
EXPECTED = {
    "menus": [
        ("Bolsa de recontacto", "Re-target pool"),
        ("Flujo del pipeline", "Pipeline flow"),
        ("Ganados y perdidos", "Won and lost"),
    ],
    "default stages": [("Nueva iniciativa", "New initiative"), ("Iniciativa calificada", "Qualified")],
    "canvas": [("Iniciativa", ">Initiative<"), ("Mis equipos", "My Teams"), ('title="Ganado"', 'title="Won"')],
    "lead form": [
        ("Pérdidas", '"Losses"'),
        ("Permitir contactar de nuevo", "Allow contact again"),
        ("Requisitos de la etapa", "Stage requirements"),
    ],
    "loss wizard": [("Política de contacto", "Contact policy")],
    "stage form": [("Reglas", '"Rules"'), ("Lo que un comercial debe saber", "What a salesperson must know")],
    "lost archive": [("Perdido el", "Lost on"), ("Etapa al perderse", "Stage at loss")],
    "reports": [("Valor perdido", "Lost value"), ("Valor ganado", "Won value")],
}


@pytest.fixture(scope="module")
def screens():
    if not (ODOO_CONF and TEST_DB):
        pytest.fail("ODOO_CONF / CANVAS_TEST_DB are not set: run this through `make test`")
    cmd = [sys.executable, os.path.join(ODOO_SRC, "odoo-bin"), "shell", "-c", ODOO_CONF, "-d", TEST_DB]
    cmd += ["--no-http", "--log-level=warn"]
    proc = subprocess.run(cmd, input=READ_SCREENS, capture_output=True, text=True, timeout=600, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    lines = [line for line in proc.stdout.splitlines() if line.startswith("SCREENS=")]
    assert lines, proc.stdout[-2000:] + proc.stderr[-3000:]
    return json.loads(lines[0].split("=", 1)[1])


@pytest.mark.parametrize("screen", sorted(EXPECTED))
def test_screen_is_in_spanish(screens, screen):
    text = screens[screen]
    for spanish, english in EXPECTED[screen]:
        assert spanish in text, "%s: %r is not shown in Spanish" % (screen, english)
        assert english not in text, "%s: %r is still in English" % (screen, english)
