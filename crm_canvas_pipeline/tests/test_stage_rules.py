from unittest.mock import patch

from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged, users

from .common import CanvasCommon


@tagged("post_install", "-at_install")
class TestStageRules(CanvasCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        fields = cls.env["ir.model.fields"]
        cls.field_revenue = fields._get("crm.lead", "expected_revenue")
        cls.field_email = fields._get("crm.lead", "email_from")
        cls.field_tags = fields._get("crm.lead", "tag_ids")
        # "Proposition needs expected revenue, email and a next action"
        cls.stage_opp_proposal.write(
            {
                "sequence": -3,  # right after the first pipeline stage
                "required_field_ids": [(6, 0, (cls.field_revenue | cls.field_email).ids)],
                "requires_next_action": True,
                "requirements": "Send the offer within two days",
            }
        )
        cls.params = cls.env["ir.config_parameter"]

    def _opportunities(self, count, **values):
        return self.env["crm.lead"].create(
            [
                {
                    "name": "Deal %s" % index,
                    "type": "opportunity",
                    "team_id": self.team_a.id,
                    "user_id": self.user_rep.id,
                    "stage_id": self.stage_opp_first.id,
                    **values,
                }
                for index in range(count)
            ]
        )

    def test_a_sales_manager_configures_rules(self):
        """A sales manager without the Administration rights opens a stage
        with required fields, picks another field and saves (the form reads
        the fields' names)."""
        manager = self.user_manager
        self.assertFalse(manager.has_group("base.group_erp_manager"))
        with Form(self.stage_opp_proposal.with_user(manager), view="crm.crm_stage_form") as form:
            self.assertEqual(len(form.required_field_ids), 2)
            form.required_field_ids.add(self.field_tags)
        self.assertIn(self.field_tags, self.stage_opp_proposal.required_field_ids)
        names = self.stage_opp_proposal.with_user(manager).read(["required_field_ids"])[0]["required_field_ids"]
        self.assertEqual(len(names), 3)
        self.assertTrue(self.field_tags.with_user(manager).display_name)

    def test_new_stage_form_opens_without_the_won_warning(self):
        """The form of a new stage does not greet the sales manager with the
        warning about changing "Is Won Stage" (found by the manager's tour);
        ticking it on a stage in use still warns."""
        spec = {"name": {}, "stage_kind": {}, "is_won": {}}
        result = self.env["crm.stage"].with_user(self.user_manager).onchange({}, [], spec)
        self.assertNotIn("warning", result)
        stage = self.stage_opp_proposal.with_user(self.user_manager)
        result = stage.onchange({"is_won": True}, ["is_won"], spec)
        self.assertIn("Is Won Stage", result["warning"]["message"])

    def test_defaults_change_nothing(self):
        for name in ("forbid_skip", "forbid_back", "manager_bypass"):
            self.assertFalse(self.params.get_param("crm_canvas_pipeline.%s" % name))
        stage = self.env["crm.stage"].create({"name": "Fresh"})
        self.assertFalse(stage.required_field_ids or stage.requires_next_action)
        deal = self._opportunities(1)
        deal.stage_id = self.stage_won
        self.assertEqual(deal.stage_id, self.stage_won)

    @users("canvas_rep")
    def test_required_fields_and_next_action_named_in_error(self):
        deal = self._opportunities(1).with_env(self.env)
        with self.assertRaises(UserError) as error:
            deal.write({"stage_id": self.stage_opp_proposal.id})
        message = str(error.exception)
        for expected in ("Deal 0", "Expected Revenue", "Email", "a next action", "Canvas proposal"):
            self.assertIn(expected, message)
        self.assertEqual(deal.stage_id, self.stage_opp_first)
        # values written with the move count; the activity makes the next action
        deal.activity_schedule("mail.mail_activity_data_call", summary="Send offer")
        deal.write({"stage_id": self.stage_opp_proposal.id, "expected_revenue": 5000, "email_from": "a@b.example.com"})
        self.assertEqual(deal.stage_id, self.stage_opp_proposal)

    def test_guidance_and_next_stage_needs_on_the_form(self):
        deal = self._opportunities(1)
        self.assertIn("To move to Canvas proposal", deal.canvas_next_stage_needs)
        self.assertIn("Expected Revenue", deal.canvas_next_stage_needs)
        deal.activity_schedule("mail.mail_activity_data_call")
        deal.write({"expected_revenue": 10, "email_from": "x@y.example.com", "stage_id": self.stage_opp_proposal.id})
        self.assertIn("Send the offer", deal.canvas_stage_guidance)
        self.assertFalse(deal.canvas_next_stage_needs)

    def test_create_in_stage_with_rules(self):
        with self.assertRaisesRegex(UserError, "Expected Revenue"):
            self._opportunities(1, stage_id=self.stage_opp_proposal.id)
        deal = self._opportunities(
            1,
            stage_id=self.stage_opp_proposal.id,
            expected_revenue=100,
            email_from="c@d.example.com",
            activity_ids=[
                (
                    0,
                    0,
                    {
                        "activity_type_id": self.env.ref("mail.mail_activity_data_call").id,
                        "res_model_id": self.env["ir.model"]._get_id("crm.lead"),
                    },
                )
            ],
        )
        self.assertEqual(deal.stage_id, self.stage_opp_proposal)

    def test_import_checks_rules(self):
        result = self.env["crm.lead"].load(
            ["name", "type", "team_id", "stage_id"],
            [["Imported deal", "opportunity", "Canvas Team A", "Canvas proposal"]],
        )
        self.assertFalse(result["ids"])
        self.assertIn("Expected Revenue", str(result["messages"]))

    def test_batch_write_of_1000_with_3_failing_writes_nothing(self):
        self.stage_opp_proposal.write(
            {"requires_next_action": False, "required_field_ids": [(6, 0, self.field_revenue.ids)]}
        )
        deals = self._opportunities(1000, expected_revenue=1)
        failing = deals[10] | deals[500] | deals[999]
        failing.write({"expected_revenue": 0})
        with self.assertRaises(UserError) as error:
            deals.write({"stage_id": self.stage_opp_proposal.id})
        message = str(error.exception)
        for deal in failing:
            self.assertIn(deal.name, message)
        self.assertEqual(message.count("- Deal"), 3)
        self.assertEqual(set(deals.mapped("stage_id")), {self.stage_opp_first})

    def test_stage_write_queries_do_not_grow_with_rules_on(self):
        self.stage_opp_proposal.write({"requires_next_action": False})
        self.params.set_param("crm_canvas_pipeline.forbid_back", "True")
        counts = {}
        for count in (10, 10, 100):  # the first round warms the caches
            deals = self._opportunities(count, expected_revenue=1, email_from="q@q.example.com")
            self.env.flush_all()
            self.env.invalidate_all()
            with patch("random.random", lambda: 1):
                start = self.env.cr.sql_log_count
                deals.with_context(mail_notrack=True).write({"stage_id": self.stage_opp_proposal.id})
                self.env.flush_all()
                counts[count] = self.env.cr.sql_log_count - start
        self.assertLessEqual(counts[100], counts[10] + 1, counts)

    def test_skip_forward_forbidden_but_won_allowed(self):
        self.params.set_param("crm_canvas_pipeline.forbid_skip", "True")
        middle = self.env["crm.stage"].create({"name": "Canvas middle", "sequence": -4})
        deal = self._opportunities(1)
        with self.assertRaisesRegex(UserError, "skip stages"):
            deal.stage_id = self.stage_opp_proposal
        deal.stage_id = middle
        self.assertEqual(deal.stage_id, middle)
        deal.stage_id = self.stage_won  # winning is never a skip
        self.assertEqual(deal.stage_id, self.stage_won)

    def test_board_order_follows_the_managers_edits(self):
        """The move rules and the form read each team's stage order from a
        cache: every edit of a stage that changes a board (a new stage, a
        sequence, a team, a kind, an archive, a deletion, a next action
        required) shows at once, as a fresh search of the stages has it."""
        Stage = self.env["crm.stage"].with_user(self.user_manager)

        def fresh(team):
            domain = ["|", ("team_ids", "=", False), ("team_ids", "in", team.ids)]
            if not team.use_initiative_stages:
                domain.append(("stage_kind", "=", "opportunity"))
            stages = self.env["crm.stage"].search(domain)
            return stages.sorted(lambda stage: (stage.stage_kind != "lead", stage.sequence, stage.id)).ids

        Lead = self.env["crm.lead"]
        for team in (self.team_a, self.team_b):
            self.assertEqual(Lead._canvas_stage_order(team), fresh(team))
        added = Stage.create({"name": "Canvas late", "sequence": 70})
        edits = [
            {"sequence": -10},
            {"team_ids": [(6, 0, self.team_b.ids)]},
            {"stage_kind": "lead", "team_ids": [(5, 0, 0)]},
            {"active": False},
        ]
        for values in edits:
            added.write(values)
            for team in (self.team_a, self.team_b):
                self.assertEqual(Lead._canvas_stage_order(team), fresh(team), values)
        self.team_b.use_initiative_stages = not self.team_b.use_initiative_stages
        self.assertEqual(Lead._canvas_stage_order(self.team_b), fresh(self.team_b))
        added.unlink()
        self.assertNotIn(added.id, Lead._canvas_stage_order(self.team_a))
        # a next action required by the stage after the opportunity's
        deal = self._opportunities(1)
        for required in (False, True):
            self.stage_opp_proposal.with_user(self.user_manager).requires_next_action = required
            deal.invalidate_recordset(["canvas_next_stage_needs"])
            self.assertEqual("a next action" in deal.canvas_next_stage_needs, required)

    def test_move_back_forbidden_and_team_override(self):
        self.params.set_param("crm_canvas_pipeline.forbid_back", "True")
        self.stage_opp_proposal.write({"required_field_ids": [(5, 0, 0)], "requires_next_action": False})
        deal = self._opportunities(1, stage_id=self.stage_opp_proposal.id)
        with self.assertRaisesRegex(UserError, "move back"):
            deal.stage_id = self.stage_opp_first
        self.team_a.canvas_forbid_back = "allow"
        deal.stage_id = self.stage_opp_first
        self.assertEqual(deal.stage_id, self.stage_opp_first)

    def test_manager_bypass_is_logged_and_rep_cannot(self):
        self.params.set_param("crm_canvas_pipeline.forbid_back", "True")
        self.params.set_param("crm_canvas_pipeline.manager_bypass", "True")
        self.stage_opp_proposal.write({"required_field_ids": [(5, 0, 0)], "requires_next_action": False})
        deal = self._opportunities(1, stage_id=self.stage_opp_proposal.id)
        with self.assertRaisesRegex(UserError, "move back"):
            deal.with_user(self.user_rep).stage_id = self.stage_opp_first
        deal.with_user(self.user_manager).stage_id = self.stage_opp_first
        self.assertEqual(deal.stage_id, self.stage_opp_first)
        self.assertIn("bypass", deal.message_ids[0].body)
        # required fields are never bypassed
        self.stage_opp_proposal.required_field_ids = self.field_tags
        with self.assertRaisesRegex(UserError, "Tags"):
            deal.with_user(self.user_manager).stage_id = self.stage_opp_proposal

    def test_error_in_spanish(self):
        self.env["res.lang"]._activate_lang("es_ES")
        self.env["ir.module.module"]._load_module_terms(["crm_canvas_pipeline", "crm"], ["es_ES"], overwrite=True)
        deal = self._opportunities(1).with_context(lang="es_ES")
        with self.assertRaises(UserError) as error:
            deal.write({"stage_id": self.stage_opp_proposal.id})
        message = str(error.exception)
        self.assertIn("no pueden pasar a la etapa", message)
        self.assertIn("una próxima acción", message)

    def test_stage_in_use_cannot_be_deleted_but_archived(self):
        self._opportunities(1)
        with self.assertRaisesRegex(UserError, "Archive it"):
            self.stage_opp_first.unlink()
        self.stage_opp_first.action_archive()
        self.assertFalse(self.stage_opp_first.active)
        empty = self.env["crm.stage"].create({"name": "Unused"})
        empty.unlink()
        self.assertFalse(empty.exists())

    def test_archived_stages_are_hidden_as_soon_as_archived(self):
        # searches skip the archive filter while no stage is archived: the
        # moment one is, it must be hidden again, and shown once restored
        Stage = self.env["crm.stage"]
        archived = Stage.search([("active", "=", False)])
        archived.action_unarchive()
        self.assertNotIn('"active"', Stage._search([("id", "=", self.stage_opp_first.id)]).where_clause.code)

        self.stage_opp_first.action_archive()
        self.assertFalse(Stage.search([("id", "=", self.stage_opp_first.id)]))
        self.assertNotIn(self.stage_opp_first, Stage.search([]))
        self.assertIn('"active"', Stage._search([]).where_clause.code)
        self.assertEqual(
            Stage.with_context(active_test=False).search([("id", "=", self.stage_opp_first.id)]), self.stage_opp_first
        )

        self.stage_opp_first.action_unarchive()
        self.assertEqual(Stage.search([("id", "=", self.stage_opp_first.id)]), self.stage_opp_first)

        hidden = Stage.create({"name": "Hidden from the start", "active": False})
        self.assertFalse(Stage.search([("id", "=", hidden.id)]))
        self.assertFalse(Stage.search([("name", "=", "Hidden from the start")]))

    def test_salesman_cannot_configure_rules(self):
        with self.assertRaises(AccessError):
            self.stage_opp_first.with_user(self.user_rep).write({"requires_next_action": True})
