"""19.0.1.7.0 -> 19.0.1.8.0.

The third default initiative stage was called *Qualified*, as one of stock's
pipeline stages: the Canvas showed two columns of one name. It is renamed
*Qualified initiative* (*Iniciativa calificada*) where nobody renamed it
(the stage is noupdate data: the upgrade would not touch it).

A stage has one text of what a rep must know
and do, stock's *Requirements* (the column's tooltip, and now the box on the
record's form); the module's *Guidance* is gone. Its text, as plain text, is
kept in the requirements: alone where they were empty, after them otherwise.
The guidance column is still there when this runs (Odoo drops a removed
field's column once every module is loaded)."""

from odoo.tools import html2plaintext


def migrate(cr, version):
    if not version:
        return
    _rename_qualified(cr)
    _guidance_into_requirements(cr)


def _rename_qualified(cr):
    cr.execute(
        """UPDATE crm_stage
              SET name = name || jsonb_build_object('en_US', 'Qualified initiative')
                   || CASE WHEN name ? 'es_ES' THEN jsonb_build_object('es_ES', 'Iniciativa calificada')
                           ELSE '{}'::jsonb END
            WHERE name->>'en_US' = 'Qualified'
              AND id = (SELECT res_id FROM ir_model_data
                         WHERE module = 'crm_canvas_pipeline' AND name = 'stage_initiative_qualified')"""
    )


def _guidance_into_requirements(cr):
    cr.execute(
        """SELECT 1 FROM information_schema.columns
            WHERE table_name = 'crm_stage' AND column_name = 'guidance'"""
    )
    if not cr.fetchone():
        return
    cr.execute(
        """SELECT id, requirements, COALESCE(guidance->>'en_US', (SELECT value FROM jsonb_each_text(guidance) LIMIT 1))
             FROM crm_stage WHERE guidance IS NOT NULL"""
    )
    for stage_id, requirements, guidance in cr.fetchall():
        text = html2plaintext(guidance or "").strip()
        if not text or text in (requirements or ""):
            continue
        merged = "%s\n\n%s" % (requirements.strip(), text) if (requirements or "").strip() else text
        cr.execute("UPDATE crm_stage SET requirements = %s WHERE id = %s", [merged, stage_id])
