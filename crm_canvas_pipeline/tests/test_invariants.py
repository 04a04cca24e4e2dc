from contextlib import closing

from odoo.addons.mail.tests.common import mail_new_test_user
from odoo.fields import Command
from odoo.tests import tagged
from odoo.tools import SQL

from ..models.crm_lead import contact_policy
from . import invariants
from .common import CanvasCommon


@tagged("post_install", "-at_install")
class TestInvariants(CanvasCommon):
    """The invariants of invariants.py, which assertCanvasInvariants and the
    load run check: they hold after the module's own writes, and each one
    reports a lead broken behind the ORM's back (so a check that can never
    fail shows up here)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.lead, cls.planned, cls.unwilling, cls.lifted = cls._leads(4, email_prefix="invariant")
        for index, lead in enumerate(cls.lead | cls.planned | cls.unwilling | cls.lifted):
            lead.phone = "+34 600 000 %03d" % index
        cls.lead.stage_id = cls.stage_lead_contacted  # two stays
        cls.planned.activity_schedule("mail.mail_activity_data_call", summary="Call back")
        lost = cls.env["crm.lead.lost"].create(
            {
                "lead_ids": (cls.unwilling | cls.lifted).ids,
                "lost_reason_id": cls.env.ref("crm_canvas_pipeline.lost_reason_do_not_contact").id,
                "lost_feedback": "<p>Asked not to be called again</p>",
            }
        )
        lost.action_lost_reason_apply()
        cls.lifted.with_user(cls.user_manager).action_canvas_allow_contact()

    def _breaks(self):
        """{invariant: [(what, the lead it breaks, the SQL that breaks it)]}"""
        lead, planned, unwilling, lifted = self.lead, self.planned, self.unwilling, self.lifted
        lift_line = SQL(
            "SELECT id FROM mail_message WHERE model = 'crm.lead' AND res_id = %s AND strpos(body, %s) > 0",
            lifted.id,
            invariants.ALLOWED_MARK,
        )
        return {
            "lost_lead_has_a_loss_row": [
                ("loss row deleted", unwilling, SQL("DELETE FROM crm_lead_loss WHERE lead_id = %s", unwilling.id)),
                ("lost behind the ORM", lead, SQL("UPDATE crm_lead SET won_status = 'lost' WHERE id = %s", lead.id)),
            ],
            "no_lead_in_a_stage_of_the_wrong_kind": [
                (
                    "initiative in a pipeline stage",
                    lead,
                    SQL("UPDATE crm_lead SET stage_id = %s WHERE id = %s", self.stage_opp_first.id, lead.id),
                ),
                (
                    "opportunity in an initiative stage",
                    lead,
                    SQL("UPDATE crm_lead SET type = 'opportunity' WHERE id = %s", lead.id),
                ),
                ("initiative of no team", lead, SQL("UPDATE crm_lead SET team_id = NULL WHERE id = %s", lead.id)),
                (
                    "initiative of a team without initiative stages",
                    lead,
                    SQL("UPDATE crm_team SET use_initiative_stages = FALSE WHERE id = %s", self.team_a.id),
                ),
            ],
            "next_action_mirrors_earliest_open_activity": [
                (
                    "summary edited",
                    planned,
                    SQL("UPDATE crm_lead SET next_action_summary = 'forged' WHERE id = %s", planned.id),
                ),
                (
                    "activity moved",
                    planned,
                    SQL(
                        "UPDATE mail_activity SET date_deadline = date_deadline + 1 WHERE res_model = 'crm.lead' "
                        "AND res_id = %s",
                        planned.id,
                    ),
                ),
                (
                    "next action without an activity",
                    lead,
                    SQL("UPDATE crm_lead SET next_action_date = CURRENT_DATE WHERE id = %s", lead.id),
                ),
            ],
            "do_not_contact_lead_has_no_open_activity": [
                (
                    "activity moved onto it",
                    unwilling,
                    SQL(
                        "UPDATE mail_activity SET res_id = %s WHERE res_model = 'crm.lead' AND res_id = %s",
                        unwilling.id,
                        planned.id,
                    ),
                ),
            ],
            "do_not_contact_on_the_blacklists": [
                (
                    "email off the blacklist",
                    unwilling,
                    SQL("UPDATE mail_blacklist SET active = FALSE WHERE email = %s", unwilling.email_normalized),
                ),
                (
                    "phone off the blacklist",
                    unwilling,
                    SQL("DELETE FROM phone_blacklist WHERE number = %s", unwilling.phone_sanitized),
                ),
            ],
            "contact_allowed_again_only_by_a_sales_manager": [
                (
                    "lifted by a rep",
                    lifted,
                    SQL(
                        "UPDATE mail_message SET author_id = %s WHERE id IN (%s)",
                        self.user_rep.partner_id.id,
                        lift_line,
                    ),
                ),
                (
                    # membership is read as it is now: there is no history of it
                    "the manager no longer one",
                    lifted,
                    SQL("DELETE FROM res_groups_users_rel WHERE uid = %s", self.user_manager.id),
                ),
            ],
            "do_not_contact_lifted_after_it_was_asked": [
                (
                    "lifted without its line",
                    unwilling,
                    SQL("UPDATE crm_lead SET contact_policy = 'allowed' WHERE id = %s", unwilling.id),
                ),
                ("line deleted", lifted, SQL("DELETE FROM mail_message WHERE id IN (%s)", lift_line)),
                (
                    "recorded again after the lift",
                    lifted,
                    # the record and the lift swap places
                    SQL(
                        """UPDATE mail_message m SET body = other.body FROM mail_message other
                            WHERE m.model = 'crm.lead' AND m.res_id = %s AND other.model = m.model
                              AND other.res_id = m.res_id AND other.id <> m.id
                              AND (strpos(m.body, %s) > 0 OR strpos(m.body, %s) > 0)
                              AND (strpos(other.body, %s) > 0 OR strpos(other.body, %s) > 0)""",
                        lifted.id,
                        *(invariants.DNC_MARK, invariants.ALLOWED_MARK) * 2,
                    ),
                ),
                (
                    "lifted before the loss",
                    lifted,
                    SQL(
                        "UPDATE mail_message SET date = date - interval '1 day' WHERE id IN (%s)",
                        lift_line,
                    ),
                ),
            ],
            "every_staged_lead_has_stage_history": [
                ("history deleted", lead, SQL("DELETE FROM crm_lead_stage_history WHERE lead_id = %s", lead.id)),
            ],
            "last_stay_is_open_and_in_the_current_stage": [
                (
                    "current stay closed",
                    lead,
                    SQL(
                        "UPDATE crm_lead_stage_history SET date_out = date_in WHERE lead_id = %s AND date_out IS NULL",
                        lead.id,
                    ),
                ),
                (
                    "current stay elsewhere",
                    lead,
                    SQL(
                        "UPDATE crm_lead_stage_history SET stage_id = %s WHERE lead_id = %s AND date_out IS NULL",
                        self.stage_lead_qualified.id,
                        lead.id,
                    ),
                ),
            ],
            "stays_follow_each_other": [
                (
                    "two open stays",
                    lead,
                    SQL("UPDATE crm_lead_stage_history SET date_out = NULL WHERE lead_id = %s", lead.id),
                ),
                (
                    "a stay left after the next began",
                    lead,
                    SQL(
                        "UPDATE crm_lead_stage_history SET date_out = date_out + interval '1 day' "
                        "WHERE lead_id = %s AND date_out IS NOT NULL",
                        lead.id,
                    ),
                ),
            ],
        }

    def test_the_module_keeps_them(self):
        self.assertEqual(self.lifted.contact_policy, "allowed")
        self.assertEqual(self.unwilling.contact_policy, "do_not_contact")
        self.assertTrue(self.planned.next_action_date)
        self.assertEqual(len(self.lead.stage_history_ids), 2)
        self.env.flush_all()
        self.assertFalse({name: ids for name, ids in invariants.violations(self.env.cr).items() if ids})
        self.assertCanvasInvariants()

    def test_a_manager_through_an_implied_group_may_lift(self):
        """Odoo 19 stores a user's explicit groups only: the check follows
        the groups that imply the sales managers' one."""
        managers = self.env.ref("sales_team.group_sale_manager")
        directors = self.env["res.groups"].create({"name": "Directors", "implied_ids": [Command.link(managers.id)]})
        director = mail_new_test_user(self.env, login="canvas_director", groups="base.group_user")
        director.group_ids = [Command.link(directors.id)]
        self.assertTrue(director.has_group("sales_team.group_sale_manager"))
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "UPDATE mail_message SET author_id = %s WHERE model = 'crm.lead' AND res_id = %s "
                "AND strpos(body, %s) > 0",
                director.partner_id.id,
                self.lifted.id,
                invariants.ALLOWED_MARK,
            )
        )
        self.assertEqual(self.env.cr.rowcount, 1)
        self.assertCanvasInvariants()

    def test_marks_are_the_module_own(self):
        self.assertEqual(invariants.DNC_MARK, contact_policy.DNC_MARK)
        self.assertEqual(invariants.ALLOWED_MARK, contact_policy.ALLOWED_MARK)

    def test_each_invariant_reports_a_lead_broken_in_sql(self):
        breaks = self._breaks()
        self.assertEqual(set(breaks), set(invariants.INVARIANTS), "every invariant has a way to break it here")
        for name, cases in breaks.items():
            for what, lead, query in cases:
                with self.subTest(invariant=name, case=what), closing(self.env.cr.savepoint()):
                    self.env.cr.execute(query)
                    self.assertIn(lead.id, invariants.violations(self.env.cr)[name])
                    with self.assertRaises(AssertionError) as caught:
                        self.assertCanvasInvariants()
                    self.assertIn(name, str(caught.exception))
                    self.assertIn(str(lead.id), str(caught.exception))
                self.env.invalidate_all()
        # every break was rolled back
        self.assertCanvasInvariants()
