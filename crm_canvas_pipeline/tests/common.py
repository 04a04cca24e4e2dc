from odoo.addons.mail.tests.common import mail_new_test_user
from odoo.tests import TransactionCase


class CanvasCommon(TransactionCase):
    """Users and teams every test of the module works with.

    - ``user_rep``: salesman who sees their own documents (team A)
    - ``user_rep_all``: salesman who sees all leads (team B)
    - ``user_manager``: sales manager (team A)
    - ``user_internal``: internal user without sales rights
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.company = cls.env.ref("base.main_company")
        cls.user_rep = mail_new_test_user(
            cls.env,
            login="canvas_rep",
            name="Rosa Rep",
            email="rosa.rep@example.com",
            groups="sales_team.group_sale_salesman",
        )
        cls.user_rep_all = mail_new_test_user(
            cls.env,
            login="canvas_rep_all",
            name="Alba All-leads",
            email="alba.all@example.com",
            groups="sales_team.group_sale_salesman_all_leads",
        )
        cls.user_manager = mail_new_test_user(
            cls.env,
            login="canvas_manager",
            name="Marta Manager",
            email="marta.manager@example.com",
            groups="sales_team.group_sale_manager",
        )
        cls.user_internal = mail_new_test_user(
            cls.env,
            login="canvas_internal",
            name="Iker Internal",
            email="iker.internal@example.com",
            groups="base.group_user",
        )
        cls.team_a = cls.env["crm.team"].create(
            {
                "name": "Canvas Team A",
                "use_leads": True,
                "use_opportunities": True,
                "user_id": cls.user_manager.id,
                "member_ids": [(6, 0, (cls.user_rep | cls.user_manager).ids)],
            }
        )
        cls.team_b = cls.env["crm.team"].create(
            {
                "name": "Canvas Team B",
                "use_leads": True,
                "use_opportunities": True,
                "member_ids": [(6, 0, cls.user_rep_all.ids)],
            }
        )
