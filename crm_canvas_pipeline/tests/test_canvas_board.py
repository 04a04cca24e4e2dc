from odoo.exceptions import UserError, ValidationError
from odoo.tests import Form, HttpCase, tagged, users

from .common import CanvasCommon


@tagged("post_install", "-at_install")
class TestCanvasStages(CanvasCommon):
    """Initiative stages: data, assignment, the kind constraint."""

    def test_initiative_stages_come_first_and_are_leads(self):
        stages = self.stage_lead_new | self.stage_lead_contacted | self.stage_lead_qualified
        self.assertEqual(set(stages.mapped("stage_kind")), {"lead"})
        self.assertEqual(stages.sorted().mapped("name"), ["New initiative", "Contacted", "Qualified initiative"])
        self.assertFalse(stages.team_ids, "initiative stages are shared by every team")
        # a stage created without saying its kind is a pipeline stage, as before
        self.assertEqual(self.env["crm.stage"].create({"name": "Plain"}).stage_kind, "opportunity")

    @users("canvas_rep")
    def test_new_lead_lands_in_first_initiative_stage(self):
        lead = self.env["crm.lead"].create({"name": "Prospect", "team_id": self.team_a.id})
        self.assertEqual(lead.type, "lead")
        self.assertEqual(lead.stage_id, self.stage_lead_new)

    @users("canvas_rep")
    def test_new_opportunity_lands_in_first_pipeline_stage(self):
        opportunity = self.env["crm.lead"].create({"name": "Deal", "type": "opportunity", "team_id": self.team_a.id})
        self.assertEqual(opportunity.stage_id, self.stage_opp_first)

    def test_initiative_stage_per_team(self):
        stage_b = self.env["crm.stage"].create(
            {"name": "Team B triage", "stage_kind": "lead", "sequence": -40, "team_ids": [(4, self.team_b.id)]}
        )
        leads = self.env["crm.lead"].create(
            [
                {"name": "For B", "type": "lead", "team_id": self.team_b.id},
                {"name": "For A", "type": "lead", "team_id": self.team_a.id},
                {"name": "For B too", "type": "lead", "team_id": self.team_b.id},
            ]
        )
        self.assertEqual(leads.mapped("stage_id"), stage_b | self.stage_lead_new)
        self.assertEqual(leads[0].stage_id, stage_b)
        self.assertEqual(leads[1].stage_id, self.stage_lead_new)
        self.assertEqual(leads[2].stage_id, stage_b)

    @users("canvas_rep")
    def test_opportunity_cannot_go_back_to_initiative_stage(self):
        opportunity = self.env["crm.lead"].create(
            {"name": "Deal back", "type": "opportunity", "team_id": self.team_a.id}
        )
        with self.assertRaisesRegex(UserError, "Deal back"):
            opportunity.write({"stage_id": self.stage_lead_contacted.id})
        self.assertEqual(opportunity.stage_id, self.stage_opp_first)

    def test_constraint_both_ways(self):
        Lead = self.env["crm.lead"]
        with self.assertRaisesRegex(ValidationError, "is an opportunity"):
            Lead.create(
                {
                    "name": "Opp in lead stage",
                    "type": "opportunity",
                    "team_id": self.team_a.id,
                    "stage_id": self.stage_lead_new.id,
                }
            )
        lead = Lead.create({"name": "Lead", "type": "lead", "team_id": self.team_a.id})
        # saying explicitly that it stays a lead while moving into the pipeline is refused
        with self.assertRaisesRegex(ValidationError, "is an initiative"):
            lead.write({"type": "lead", "stage_id": self.stage_opp_first.id})
        lead.invalidate_recordset()
        self.assertEqual(lead.stage_id, self.stage_lead_new)

    def test_initiative_stage_cannot_be_won(self):
        with self.assertRaises(ValidationError):
            self.stage_lead_new.is_won = True
        with self.assertRaises(ValidationError):
            self.stage_won.stage_kind = "lead"

    def test_stage_kind_change_refused_while_used(self):
        self._leads(1)
        with self.assertRaisesRegex(ValidationError, "New initiative"):
            self.stage_lead_new.stage_kind = "opportunity"
        self.assertEqual(self.stage_lead_new.stage_kind, "lead")
        empty = self.env["crm.stage"].create({"name": "Empty", "stage_kind": "opportunity"})
        empty.stage_kind = "lead"
        self.assertEqual(empty.stage_kind, "lead")

    def test_team_without_initiative_stages_keeps_stock_behaviour(self):
        classic = self.env["crm.team"].create({"name": "Classic team", "use_leads": True})
        self.assertFalse(classic.use_initiative_stages, "new teams opt in explicitly")
        lead = self.env["crm.lead"].create({"name": "Classic lead", "type": "lead", "team_id": classic.id})
        self.assertEqual(lead.stage_id, self.stage_opp_first, "stock gives leads a pipeline stage")
        lead.stage_id = self.stage_opp_proposal
        self.assertEqual(lead.type, "lead", "moving does not convert outside the canvas")
        self.assertFalse(lead.partner_id)
        self.assertFalse(lead.date_conversion)
        with self.assertRaisesRegex(ValidationError, "does not use initiative stages"):
            lead.stage_id = self.stage_lead_new
        # the same lead joins a canvas team: it moves to that team's initiative stage
        lead.team_id = self.team_a
        self.assertEqual(lead.stage_id, self.stage_lead_new)

    def test_stage_picker_domain_follows_kind(self):
        lead = self._leads(1)
        form = Form(lead)
        stage_domain = self.env["crm.stage"].search(
            [("stage_kind", "=", "lead"), "|", ("team_ids", "=", False), ("team_ids", "in", self.team_a.id)]
        )
        self.assertIn(self.stage_lead_contacted, stage_domain)
        form.stage_id = self.stage_lead_contacted
        form.save()
        self.assertEqual(lead.stage_id, self.stage_lead_contacted)


@tagged("post_install", "-at_install")
class TestCanvasPromotion(CanvasCommon):
    """Moving an initiative into a pipeline stage converts it."""

    @users("canvas_rep")
    def test_move_converts_and_creates_customer(self):
        lead = self._leads(1, stage_id=self.stage_lead_contacted.id).with_env(self.env)
        self.assertEqual(lead.stage_id, self.stage_lead_contacted)
        lead.write({"stage_id": self.stage_opp_proposal.id})
        self.assertEqual(lead.type, "opportunity")
        self.assertEqual(lead.stage_id, self.stage_opp_proposal)
        self.assertTrue(lead.date_conversion)
        contact = lead.partner_id
        self.assertEqual(contact.name, "Contact 0")
        self.assertEqual(contact.email, "contact0@canvas.example.com")
        self.assertFalse(contact.is_company)
        self.assertEqual(contact.parent_id.name, "Company 0")
        self.assertTrue(contact.parent_id.is_company)
        self.assertIn("Converted to opportunity", lead.message_ids[0].body)
        self.assertIn("Canvas proposal", lead.message_ids[0].body)

    def test_move_links_existing_partner_by_email(self):
        partner = self.env["res.partner"].create({"name": "Known", "email": "Contact0@Canvas.example.com"})
        lead = self._leads(1)
        partners_before = self.env["res.partner"].search_count([])
        lead.stage_id = self.stage_opp_first
        self.assertEqual(lead.partner_id, partner)
        self.assertEqual(self.env["res.partner"].search_count([]), partners_before)

    def test_move_keeps_linked_partner(self):
        partner = self.env["res.partner"].create({"name": "Linked"})
        lead = self._leads(1, partner_id=partner.id)
        lead.stage_id = self.stage_opp_first
        self.assertEqual(lead.partner_id, partner)

    def test_move_without_contact_data_creates_contact_from_lead_name(self):
        lead = self.env["crm.lead"].create({"name": "Bare initiative", "type": "lead", "team_id": self.team_a.id})
        lead.stage_id = self.stage_opp_first
        self.assertEqual(lead.partner_id.name, "Bare initiative")

    def test_move_between_initiative_stages_keeps_lead(self):
        lead = self._leads(1)
        lead.stage_id = self.stage_lead_qualified
        self.assertEqual(lead.type, "lead")
        self.assertFalse(lead.partner_id)
        self.assertFalse(lead.date_conversion)

    def test_mixed_batch_moves_opportunities_and_converts_leads(self):
        leads = self._leads(2)
        opportunity = self.env["crm.lead"].create(
            {"name": "Already opp", "type": "opportunity", "team_id": self.team_b.id}
        )
        (leads | opportunity).write({"stage_id": self.stage_opp_proposal.id})
        self.assertEqual(set((leads | opportunity).mapped("type")), {"opportunity"})
        self.assertEqual((leads | opportunity).stage_id, self.stage_opp_proposal)
        self.assertFalse(opportunity.date_conversion)
        self.assertCanvasInvariants()

    def test_import_into_pipeline_stage_converts(self):
        result = self.env["crm.lead"].load(
            ["name", "type", "stage_id", "contact_name", "team_id"],
            [["Imported initiative", "lead", "Canvas proposal", "Imported Contact", "Canvas Team A"]],
        )
        self.assertFalse(result["messages"], result["messages"])
        lead = self.env["crm.lead"].browse(result["ids"])
        self.assertEqual(lead.type, "opportunity")
        self.assertEqual(lead.stage_id, self.stage_opp_proposal)
        self.assertEqual(lead.partner_id.name, "Imported Contact")
        self.assertCanvasInvariants()

    def test_quick_create_in_pipeline_column_is_an_opportunity(self):
        lead = (
            self.env["crm.lead"]
            .with_context(default_type="lead", default_stage_id=self.stage_opp_first.id, default_team_id=self.team_a.id)
            .create({"name": "Quick"})
        )
        self.assertEqual(lead.type, "opportunity")
        self.assertEqual(lead.stage_id, self.stage_opp_first)

    def test_mark_won_converts_lead(self):
        lead = self._leads(1)
        lead.action_set_won()
        self.assertEqual(lead.type, "opportunity")
        self.assertTrue(lead.stage_id.is_won)
        self.assertTrue(lead.partner_id)

    def test_batch_promotion_of_500(self):
        leads = self._leads(500)
        leads.write({"stage_id": self.stage_opp_first.id})
        self.assertEqual(set(leads.mapped("type")), {"opportunity"})
        self.assertEqual(len(leads.partner_id), 500)
        self.assertEqual(len(leads.partner_id.parent_id), 500)
        self.assertTrue(all(leads.mapped("date_conversion")))
        self.assertCanvasInvariants()

    def _fresh_leads(self, count, **values):
        """New initiatives whose emails match no partner yet."""
        self._batch = getattr(self, "_batch", 0) + 1
        leads = self._leads(count, email_prefix="batch%s-" % self._batch, **values).with_env(self.env)
        self.env.flush_all()
        self.env.invalidate_all()
        return leads

    @users("canvas_rep")
    def test_batch_promotion_query_count_does_not_grow(self):
        """Without field tracking, promoting 30 initiatives (customers created
        included) costs the queries that promoting 3 does."""
        self.env = self.env(context=dict(self.env.context, tracking_disable=False, mail_notrack=True))
        stage = self.stage_opp_first
        self._fresh_leads(3).write({"stage_id": stage.id})  # warm the caches
        few = self._fresh_leads(3)
        small = self._queries(lambda: few.write({"stage_id": stage.id}))
        leads = self._fresh_leads(30)
        # at most one more: the salesperson's record may or may not be in cache
        # already; a query per lead would add 27 or more
        with self.assertQueryCount(canvas_rep=small + 1):
            leads.write({"stage_id": stage.id})
        self.assertEqual(set(leads.mapped("type")), {"opportunity"})
        self.assertEqual(len(leads.partner_id), 30)

    @users("canvas_rep")
    def test_promotion_costs_a_constant_over_a_stock_move(self):
        """With tracking on (as in the kanban), stock itself spends queries
        per record on a stage move; promoting costs a constant on top."""
        self.env = self.env(context=dict(self.env.context, tracking_disable=False))
        extra = {}
        for count in (3, 3, 30):  # the first round warms the caches
            leads = self._fresh_leads(count)
            opportunities = self._fresh_leads(count, type="opportunity", stage_id=self.stage_opp_proposal.id)
            promote = self._queries(lambda leads=leads: leads.write({"stage_id": self.stage_opp_first.id}))
            move = self._queries(lambda opps=opportunities: opps.write({"stage_id": self.stage_opp_first.id}))
            extra[count] = promote - move
        self.assertLessEqual(extra[30] - extra[3], 1, "promotion overhead grows with the batch: %s" % extra)


@tagged("post_install", "-at_install")
class TestCanvasStockConversion(CanvasCommon):
    """The stock Convert to Opportunity wizard still works from an initiative stage."""

    @users("canvas_rep")
    def test_stock_wizard_lands_in_first_pipeline_stage(self):
        lead = self._leads(1, stage_id=self.stage_lead_qualified.id).with_env(self.env)
        wizard = Form(
            self.env["crm.lead2opportunity.partner"].with_context(
                active_model="crm.lead", active_id=lead.id, active_ids=lead.ids
            )
        )
        wizard.save().action_apply()
        self.assertEqual(lead.type, "opportunity")
        self.assertEqual(lead.stage_id, self.stage_opp_first)
        self.assertEqual(lead.partner_id.name, "Contact 0")

    def test_convert_opportunity_from_initiative_stage(self):
        lead = self._leads(1, stage_id=self.stage_lead_contacted.id)
        lead.convert_opportunity(self.env["res.partner"])
        self.assertEqual(lead.stage_id, self.stage_opp_first)

    def test_conversion_logs_the_stage_change_without_notifying(self):
        """Stock logs a conversion; leaving the initiative stage is part of
        it: no "Stage Changed" notification to followers. A move between
        pipeline stages still notifies, as in stock."""
        self.env = self.env(context=dict(self.env.context, tracking_disable=False))
        stage_changed = self.env.ref("crm.mt_lead_stage")
        lead = self._leads(1, stage_id=self.stage_lead_contacted.id).with_env(self.env)
        lead.convert_opportunity(self.env["res.partner"])
        self.env.flush_all()
        self.env.cr.flush()
        self.assertEqual(lead.stage_id, self.stage_opp_first)
        self.assertNotIn(stage_changed, lead.message_ids.subtype_id)
        lead.write({"stage_id": self.stage_opp_proposal.id})
        self.env.flush_all()
        self.env.cr.flush()
        lead.invalidate_recordset(["message_ids"])
        self.assertIn(stage_changed, lead.message_ids.subtype_id)


@tagged("post_install", "-at_install")
class TestCanvasColumns(CanvasCommon):
    """Kanban columns (group expansion) per view and per user."""

    def _columns(self, user, domain, **context):
        groups = (
            self.env["crm.lead"]
            .with_user(user)
            .with_context(read_group_expand=True, **context)
            .web_read_group(domain, ["stage_id"], ["__count"], unfold_read_specification={"name": {}})["groups"]
        )
        return self.env["crm.stage"].browse([group["stage_id"][0] for group in groups if group["stage_id"]])

    def test_leads_kanban_shows_initiative_stages_only(self):
        columns = self._columns(self.user_rep, [("type", "=", "lead")])
        self.assertEqual(set(columns.mapped("stage_kind")), {"lead"})
        self.assertIn(self.stage_lead_contacted, columns)

    def test_pipeline_never_shows_initiative_stages(self):
        self._leads(2)
        columns = self._columns(self.user_rep, [("type", "=", "opportunity")])
        self.assertIn(self.stage_opp_first, columns)
        self.assertNotIn("lead", columns.mapped("stage_kind"))

    def test_canvas_shows_initiatives_then_pipeline_then_won(self):
        action = self.env["crm.lead"].with_user(self.user_rep).action_open_canvas()
        self.assertFalse(action.get("domain"))
        columns = self._columns(self.user_rep, [], show_user_team_stages=True)
        kinds = columns.mapped("stage_kind")
        self.assertEqual(kinds, sorted(kinds), "initiative columns come first")
        self.assertIn(self.stage_lead_new, columns)
        self.assertIn(self.stage_opp_proposal, columns)
        self.assertEqual(columns.filtered("is_won")[-1:], columns[-1:], "won comes last")

    def test_canvas_columns_per_team(self):
        stage_b = self.env["crm.stage"].create(
            {"name": "Team B triage", "stage_kind": "lead", "team_ids": [(4, self.team_b.id)]}
        )
        self.assertNotIn(stage_b, self._columns(self.user_rep, [], show_user_team_stages=True))
        self.assertIn(stage_b, self._columns(self.user_rep_all, [], show_user_team_stages=True))

    def test_leads_menu_opens_kanban_grouped_by_stage(self):
        action = self.env["ir.actions.act_window"]._for_xml_id("crm.crm_lead_all_leads")
        self.assertEqual(action["views"][0][1], "kanban")
        arch = self.env["crm.lead"].get_view(action["views"][0][0], "kanban")["arch"]
        self.assertIn('default_group_by="stage_id"', arch)
        for view_type in ("list", "calendar", "pivot", "graph"):
            self.assertIn(view_type, [view[1] for view in action["views"]])

    def test_leads_feature_off_hides_initiative_columns(self):
        self._leads(1)
        self.env.ref("base.group_user")._remove_group(self.env.ref("crm.group_use_lead"))
        self.assertFalse(self.user_rep.has_group("crm.group_use_lead"))
        action = self.env["crm.lead"].with_user(self.user_rep).action_open_canvas()
        columns = self._columns(self.user_rep, action["domain"], show_user_team_stages=True)
        self.assertTrue(columns)
        self.assertNotIn("lead", columns.mapped("stage_kind"))
        # nothing was deleted: the stages and the lead are still there
        self.assertTrue(self.stage_lead_new.exists())
        self.assertEqual(self.env["crm.lead"].search_count([("stage_id", "=", self.stage_lead_new.id)]), 1)


@tagged("post_install", "-at_install")
class TestCanvasTour(HttpCase, CanvasCommon):
    def test_drag_initiative_into_pipeline(self):
        self.stage_opp_first.name = "Tour intake"
        lead = self.env["crm.lead"].create(
            {
                "name": "Tour initiative",
                "type": "lead",
                "team_id": self.team_a.id,
                "user_id": self.user_rep.id,
                "stage_id": self.stage_lead_contacted.id,
                "contact_name": "Tour Contact",
            }
        )
        self.start_tour("/odoo", "crm_canvas_drag_promote", login="canvas_rep")
        self.assertEqual(lead.type, "opportunity")
        self.assertEqual(lead.stage_id, self.stage_opp_first)
        self.assertEqual(lead.partner_id.name, "Tour Contact")


@tagged("post_install", "-at_install")
class TestCanvasSpanish(CanvasCommon):
    """A Spanish-speaking rep sees the stages and the errors in Spanish."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("es_ES")
        cls.env["ir.module.module"]._load_module_terms(["crm_canvas_pipeline"], ["es_ES"], overwrite=True)
        cls.user_rep.lang = "es_ES"

    @users("canvas_rep")
    def test_stages_and_errors_in_spanish(self):
        env = self.env(context=dict(self.env.context, lang="es_ES"))
        stages = (self.stage_lead_new | self.stage_lead_contacted | self.stage_lead_qualified).with_env(env)
        self.assertEqual(stages.mapped("name"), ["Nueva iniciativa", "Contactada", "Iniciativa calificada"])
        opportunity = env["crm.lead"].create({"name": "Trato", "type": "opportunity", "team_id": self.team_a.id})
        with self.assertRaisesRegex(UserError, "Una oportunidad no puede volver a la etapa de iniciativa «Contactada»"):
            opportunity.write({"stage_id": self.stage_lead_contacted.id})
