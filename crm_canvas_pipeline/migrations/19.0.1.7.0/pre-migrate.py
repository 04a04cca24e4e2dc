"""19.0.1.6.0 -> 19.0.1.7.0: Forget contact is no longer a header button
(a manager's wizard in the gear menu instead) and its method is gone. The
views of the release in the database still show the button until the
upgrade rewrites them, and Odoo checks each view it rewrites together with
the others: the button is taken out of them first (in every language of
their arch), or the first rewrite fails on an action that no longer
exists. Views of older releases that the upgrade drops are covered too."""

import json

from lxml import etree

BUTTON = "action_canvas_forget_contact"


def migrate(cr, version):
    if not version:
        return
    cr.execute(
        """SELECT view.id, view.arch_db FROM ir_ui_view view
             JOIN ir_model_data data ON data.model = 'ir.ui.view' AND data.res_id = view.id
            WHERE data.module = 'crm_canvas_pipeline' AND view.arch_db::text LIKE %s""",
        ["%" + BUTTON + "%"],
    )
    for view_id, arch in cr.fetchall():
        for lang, xml in arch.items():
            root = etree.fromstring(xml.encode())
            for button in root.xpath("//button[@name=$name]", name=BUTTON):
                parent = button.getparent()
                if button.tail and button.tail.strip():
                    previous = button.getprevious()
                    if previous is not None:
                        previous.tail = (previous.tail or "") + button.tail
                    else:
                        parent.text = (parent.text or "") + button.tail
                parent.remove(button)
            arch[lang] = etree.tostring(root, encoding="unicode")
        cr.execute("UPDATE ir_ui_view SET arch_db = %s WHERE id = %s", [json.dumps(arch), view_id])
