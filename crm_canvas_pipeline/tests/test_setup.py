import psycopg2.errors

from odoo.exceptions import AccessError
from odoo.tests import tagged, users
from odoo.tools import SQL, mute_logger
from odoo.tools.sql import drop_not_null, set_not_null

from .common import CanvasCommon


@tagged("post_install", "-at_install")
class TestSetup(CanvasCommon):
    """What installing the module changes for each role."""

    def _visible_menus(self, user):
        return self.env["ir.ui.menu"].with_user(user)._visible_menu_ids()

    def test_leads_feature_active_for_internal_users(self):
        group_use_lead = self.env.ref("crm.group_use_lead")
        self.assertIn(group_use_lead, self.env.ref("base.group_user").all_implied_ids)
        # a user created after install gets it through the internal group
        for user in (self.user_internal, self.user_rep, self.user_manager):
            self.assertTrue(user.has_group("crm.group_use_lead"), user.login)
        portal = self.env["res.users"].create(
            {
                "name": "Paula Portal",
                "login": "canvas_portal",
                "group_ids": [(6, 0, [self.env.ref("base.group_portal").id])],
            }
        )
        self.assertFalse(portal.has_group("crm.group_use_lead"))

    def test_existing_teams_use_initiative_stages(self):
        # teams that existed at install work the canvas way
        self.assertTrue(self.env.ref("sales_team.team_sales_department").use_initiative_stages)

    @users("canvas_rep")
    def test_new_lead_of_rep_is_a_lead(self):
        lead = self.env["crm.lead"].create({"name": "Iniciativa de prueba"})
        self.assertEqual(lead.type, "lead")

    def test_stages_menu_visible_to_manager_without_debug(self):
        menu = self.env.ref("crm_canvas_pipeline.crm_stage_menu_config")
        self.assertEqual(menu.action, self.env.ref("crm.crm_stage_action"))
        self.assertIn(menu.id, self._visible_menus(self.user_manager))
        # stock's own entry stays debug-only
        stock_menu = self.env.ref("crm.menu_crm_lead_stage_act")
        self.assertNotIn(stock_menu.id, self._visible_menus(self.user_manager))

    def test_stages_menu_hidden_from_salesmen(self):
        menu = self.env.ref("crm_canvas_pipeline.crm_stage_menu_config")
        for user in (self.user_rep, self.user_rep_all, self.user_internal):
            self.assertNotIn(menu.id, self._visible_menus(user), user.login)

    def test_salesman_cannot_write_or_create_stages(self):
        stage = self.env["crm.stage"].create({"name": "Canvas stage"})
        for user in (self.user_rep, self.user_rep_all):
            # reading is allowed: the kanban needs the column names
            self.assertEqual(stage.with_user(user).name, "Canvas stage")
            with self.assertRaises(AccessError):
                stage.with_user(user).write({"name": "Renamed by a rep"})
            with self.assertRaises(AccessError):
                self.env["crm.stage"].with_user(user).create({"name": "Rep stage"})
            with self.assertRaises(AccessError):
                stage.with_user(user).unlink()
        self.assertEqual(stage.name, "Canvas stage")

    @users("canvas_manager")
    def test_manager_configures_stages(self):
        stage = self.env["crm.stage"].create({"name": "Manager stage"})
        stage.write({"name": "Propuesta enviada"})
        self.assertEqual(stage.name, "Propuesta enviada")

    def test_concerns_wrap_each_other_in_the_documented_order(self):
        """models/crm_lead/__init__.py says in which order the concerns'
        overrides wrap each other (outermost first below); the class Odoo
        builds has them so."""
        package = "odoo.addons.crm_canvas_pipeline.models.crm_lead."
        concerns = [
            cls.__module__.removeprefix(package)
            for cls in type(self.env["crm.lead"]).__mro__
            if cls.__module__.startswith(package)
        ]
        self.assertEqual(
            concerns,
            [
                "stage_kind",
                "stage_rules",
                "stage_history",
                "lost_archive",
                "privacy",
                "retarget",
                "opt_out",
                "contact_policy",
                "rotting",
                "next_action_state",
                "next_action",
                "customer",
                "tags",
                "promotion",
                "similar",
            ],
        )

    def test_install_leaves_the_leads_table_as_stock_has_it(self):
        """The install administers no stock table: crm_lead keeps
        PostgreSQL's storage parameters (no fillfactor of the module's)."""
        self.env.cr.execute("SELECT reloptions FROM pg_class WHERE oid = 'crm_lead'::regclass")
        self.assertFalse(self.env.cr.fetchone()[0])

    def test_upgrading_crm_does_not_scan_the_leads(self):
        """`-u crm` loads crm's models before this module's: Odoo drops the
        NOT NULL of the contact policy, then sets it again once the module
        loads. PostgreSQL must not scan every lead to check it: a CHECK
        constraint already proves that no lead is without a policy."""
        lead = self._leads(1)
        self.env.flush_all()
        cr = self.env.cr
        notices = cr._cnx.notices
        with cr.savepoint(flush=False):
            drop_not_null(cr, "crm_lead", "contact_policy")
            # in between, as while crm loads, a lead still cannot lose it
            with self.assertRaises(psycopg2.errors.CheckViolation), mute_logger("odoo.sql_db"), cr.savepoint():
                cr.execute("UPDATE crm_lead SET contact_policy = NULL WHERE id = %s", [lead.id])
            cr.execute("SET LOCAL client_min_messages = debug1")
            del notices[:]
            set_not_null(cr, "crm_lead", "contact_policy")
            cr.execute("SET LOCAL client_min_messages TO DEFAULT")
        proofs = [notice for notice in notices if '"crm_lead.contact_policy" are sufficient' in notice]
        self.assertTrue(proofs, "SET NOT NULL scanned crm_lead: %s" % notices)

    def test_a_registry_without_the_module_still_creates_records(self):
        """While `-u crm` loads crm before this module (and while Odoo runs
        crm's at_install tests), crm's registry inserts leads, stages, teams
        and lost reasons without this module's columns, for leads even after
        Odoo dropped the NOT NULL: the database gives them the fields'
        defaults, and they are valid when the module is loaded again."""
        cr = self.env.cr
        # the columns of crm's own required fields, as crm's registry inserts them
        inserts = {
            "crm_lead": ("INSERT INTO crm_lead (name, type) VALUES ('By crm alone', 'lead')", {"contact_policy"}),
            "crm_stage": ('INSERT INTO crm_stage (name) VALUES (\'{"en_US": "By crm alone"}\')', {"stage_kind"}),
            "crm_team": (
                "INSERT INTO crm_team (name, alias_id)"
                ' SELECT \'{"en_US": "By crm alone"}\', alias_id FROM crm_team LIMIT 1',
                {"canvas_forbid_skip", "canvas_forbid_back"},
            ),
            "crm_lost_reason": (
                'INSERT INTO crm_lost_reason (name) VALUES (\'{"en_US": "By crm alone"}\')',
                {"contact_policy"},
            ),
        }
        models = {"crm_lead": "crm.lead", "crm_stage": "crm.stage", "crm_team": "crm.team"}
        models["crm_lost_reason"] = "crm.lost.reason"
        for table, (insert, columns) in inserts.items():
            Model = self.env[models[table]]
            # every required field this module adds to the stock table is covered
            ours = {
                name
                for name, field in Model._fields.items()
                if field.required and field.store and "crm_canvas_pipeline" in str(field._module)
            }
            self.assertEqual(ours, columns, table)
            with self.subTest(table=table), cr.savepoint(flush=False):
                if table == "crm_lead":
                    drop_not_null(cr, table, "contact_policy")
                cr.execute(insert + " RETURNING id")
                row_id = cr.fetchone()[0]
                for column in columns:
                    cr.execute(
                        SQL("SELECT %s FROM %s WHERE id = %s", SQL.identifier(column), SQL.identifier(table), row_id)
                    )
                    self.assertEqual(cr.fetchone()[0], Model._fields[column].default(Model), (table, column))
                if table == "crm_lead":
                    set_not_null(cr, table, "contact_policy")
        self.env.invalidate_all()

    def test_policy_indexes_hold_only_the_restricted_leads(self):
        """Nearly every lead is "allowed", with no re-target date: the two
        indexes leave those out (such a lead, converted or moved, adds no
        entry to them), and the searches of the *Do not contact* and
        *Re-target due* filters can still use them."""
        cr = self.env.cr
        cr.execute(
            """SELECT indexrelid::regclass::text, pg_get_expr(indpred, indrelid) FROM pg_index
                WHERE indrelid = 'crm_lead'::regclass
                  AND indkey::text IN (SELECT attnum::text FROM pg_attribute
                                        WHERE attrelid = 'crm_lead'::regclass
                                          AND attname IN ('contact_policy', 'retarget_date'))"""
        )
        predicates = dict(cr.fetchall())
        self.assertEqual(
            predicates,
            {
                "crm_lead_contact_policy_restricted_index": "((contact_policy)::text <> 'allowed'::text)",
                "crm_lead__retarget_date_index": "(retarget_date IS NOT NULL)",
            },
        )
        # as the re-target pool searches: lost leads are archived
        Lead = self.env["crm.lead"].with_context(active_test=False)
        for domain, index in (
            ([("contact_policy", "=", "do_not_contact")], "crm_lead_contact_policy_restricted_index"),
            ([("retarget_date", "<=", "2026-01-01")], "crm_lead__retarget_date_index"),
        ):
            query = Lead._search(domain)
            with cr.savepoint(flush=False):
                cr.execute("SET LOCAL enable_seqscan = off")
                cr.execute(SQL("EXPLAIN %s", query.select()))
                plan = "\n".join(row[0] for row in cr.fetchall())
            self.assertIn(index, plan, domain)
