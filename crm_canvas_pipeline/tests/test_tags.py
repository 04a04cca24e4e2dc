from odoo.tests import Form, tagged, users

from .common import CanvasCommon


@tagged("post_install", "-at_install")
class TestTags(CanvasCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Tag = cls.env["crm.tag"]
        cls.tag_hot = Tag.create({"name": "Canvas hot", "color": 1})
        cls.tag_fair = Tag.create({"name": "Canvas fair 2025", "color": 2})
        cls.tag_vip = Tag.create({"name": "Canvas VIP", "color": 3})

    @users("canvas_rep")
    def test_archived_tag_stays_on_leads_but_leaves_pickers(self):
        lead = self._leads(1, tag_ids=[(6, 0, (self.tag_hot | self.tag_fair).ids)]).with_env(self.env)
        self.tag_fair.sudo().action_archive()
        lead.invalidate_recordset()
        self.assertEqual(lead.tag_ids, self.tag_hot | self.tag_fair)
        self.assertEqual(lead.read(["tag_ids"])[0]["tag_ids"], sorted((self.tag_hot | self.tag_fair).ids))
        Tag = self.env["crm.tag"].with_context(active_test=False)  # as the lead's field passes it on
        offered = [tag_id for tag_id, _name in Tag.name_search("Canvas")]
        self.assertIn(self.tag_hot.id, offered)
        self.assertNotIn(self.tag_fair.id, offered)
        # editing the lead's other tags keeps the archived one
        with Form(lead) as form:
            form.tag_ids.add(self.tag_vip)
        self.assertEqual(lead.tag_ids, self.tag_hot | self.tag_fair | self.tag_vip)
        # and the lead is still found by its archived tag
        self.assertIn(lead, self.env["crm.lead"].search([("tag_ids", "in", self.tag_fair.ids)]))

    @users("canvas_rep")
    def test_add_and_remove_tags_leave_the_others(self):
        first = self._leads(1, tag_ids=[(6, 0, self.tag_hot.ids)], email_prefix="first")
        second = self._leads(1, tag_ids=[(6, 0, self.tag_vip.ids)], email_prefix="second")
        leads = (first | second).with_env(self.env)
        wizard = (
            self.env["crm.lead.tag.update"]
            .with_context(active_model="crm.lead", active_ids=leads.ids, default_mode="add")
            .create({"tag_ids": [(6, 0, self.tag_fair.ids)]})
        )
        self.assertEqual(wizard.lead_ids, leads)
        wizard.action_apply()
        self.assertEqual(first.tag_ids, self.tag_hot | self.tag_fair)
        self.assertEqual(second.tag_ids, self.tag_vip | self.tag_fair)
        self.env["crm.lead.tag.update"].with_context(active_model="crm.lead", active_ids=leads.ids).create(
            {"mode": "remove", "tag_ids": [(6, 0, (self.tag_hot | self.tag_fair).ids)]}
        ).action_apply()
        self.assertFalse(first.tag_ids)
        self.assertEqual(second.tag_ids, self.tag_vip)

    def test_tag_actions_are_offered_on_selected_leads(self):
        bindings = self.env["ir.actions.actions"].get_bindings("crm.lead")["action"]
        offered = {action["id"] for action in bindings}
        self.assertIn(self.env.ref("crm_canvas_pipeline.crm_lead_tag_update_action_add").id, offered)
        self.assertIn(self.env.ref("crm_canvas_pipeline.crm_lead_tag_update_action_remove").id, offered)

    def test_boards_show_tags_next_action_and_a_tag_panel(self):
        """The cards of the pipeline, the leads kanban and the Canvas carry
        tags with their colours and the next action; the Canvas and the
        leads kanban have a tag panel."""
        Lead = self.env["crm.lead"].with_user(self.user_rep)
        for view in (
            "crm.crm_case_kanban_view_leads",
            "crm.view_crm_lead_kanban",
            "crm_canvas_pipeline.crm_lead_view_kanban_canvas",
        ):
            arch = Lead.get_view(self.env.ref(view).id, "kanban")["arch"]
            self.assertIn('name="tag_ids"', arch, view)
            self.assertIn("color_field", arch, view)
            self.assertIn('widget="canvas_next_action"', arch, view)
            self.assertIn("action_canvas_schedule_call", arch, view)
        for view in (
            "crm.view_crm_case_leads_filter",
            "crm.view_crm_case_opportunities_filter",
            "crm_canvas_pipeline.crm_lead_view_search_canvas",
        ):
            arch = Lead.get_view(self.env.ref(view).id, "search")["arch"]
            self.assertIn('name="canvas_no_next_action"', arch, view)
            # the tag panel on the Canvas and the leads kanban; stock's pipeline stays as it was
            self.assertEqual("<searchpanel" in arch, view != "crm.view_crm_case_opportunities_filter", view)
