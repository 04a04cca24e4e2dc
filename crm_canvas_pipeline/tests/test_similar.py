"""Duplicates caught at promotion: an initiative that matches an open
opportunity or a customer says so on its card before the move; promoting it
still makes an opportunity, links the existing customer (never a second
partner for one email or tax ID, ``ESB12345678`` being ``B12345678``) and
names the similar records in its chatter, with links. One query for a batch."""

from odoo.tests import tagged
from odoo.tools import SQL

from ..models.crm_lead.customer import normalize_vat, vat_sql
from .common import CanvasCommon


@tagged("post_install", "-at_install")
class TestSimilar(CanvasCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Lead = cls.env["crm.lead"]
        cls.open_deal = Lead.create(
            {
                "name": "Sofás para recepción",
                "type": "opportunity",
                "team_id": cls.team_a.id,
                "stage_id": cls.stage_opp_first.id,
                "email_from": "compras@muebles-cierzo.example.com",
                "phone": "+34 976 000 111",
            }
        )
        cls.customer = cls.env["res.partner"].create(
            {
                "name": "Hoteles Moncayo SA",
                "is_company": True,
                "email": "reservas@moncayo.example.com",
                "vat": "ESA50000001",
                "customer_rank": 1,
            }
        )

    def _initiative(self, **values):
        return self.env["crm.lead"].create(
            {
                "name": "Nueva iniciativa",
                "type": "lead",
                "team_id": self.team_a.id,
                "user_id": self.user_rep.id,
                **values,
            }
        )

    def test_tax_ids_compare_without_country_code_and_sql_agrees(self):
        countries = self.env["crm.lead"]._canvas_country_codes()
        samples = [
            "ESB12345678",
            "B12345678",
            "es b-1234.5678",
            "DE 123 456 789",
            "123456789",
            "EL123456789",
            "X1234567L",
            "ES",
            "",
            "B1",
        ]
        for vat in samples:
            [(in_sql,)] = self.env.execute_query(SQL("SELECT %s", vat_sql(SQL("%s", vat), countries)))
            self.assertEqual(in_sql, normalize_vat(vat, countries), vat)
        self.assertEqual(normalize_vat("ESB12345678", countries), normalize_vat("B-1234 5678", countries))

    def test_promotion_links_the_company_with_the_tax_id_written_otherwise(self):
        partners = self.env["res.partner"].search_count([])
        initiative = self._initiative(partner_name="Moncayo hoteles", contact_name="Ana", customer_vat="A-5000 0001")
        initiative.write({"stage_id": self.stage_opp_first.id})
        self.assertEqual(initiative.type, "opportunity")
        self.assertEqual(initiative.partner_id.commercial_partner_id, self.customer)
        # the contact is made under the existing company; no second company
        self.assertEqual(
            self.env["res.partner"].search_count(
                [
                    ("is_company", "=", True),
                    ("vat", "!=", False),
                    ("id", "!=", self.customer.id),
                    ("name", "ilike", "moncayo"),
                ]
            ),
            0,
        )
        self.assertLessEqual(self.env["res.partner"].search_count([]) - partners, 1)

    def test_card_hint_then_notice_at_promotion(self):
        twin = self._initiative(email_from="Compras <compras@muebles-cierzo.example.com>")
        by_phone = self._initiative(email_from="otra@persona.example.com", phone="+34976000222")
        returning = self._initiative(email_from="reservas@moncayo.example.com", partner_name="Hoteles Moncayo SA")
        alone = self._initiative(email_from="nadie@solo.example.com")
        leads = twin | by_phone | returning | alone
        # each its own similar record: the notices must not read them lead by lead
        other_deal = self.open_deal.copy(
            {"name": "Otra oportunidad", "email_from": "tercera@persona.example.com", "phone": "+34 976 000 222"}
        )
        self.assertEqual([lead.canvas_similar_count for lead in leads], [1, 1, 1, 0])
        # a batch costs one query, whatever its size
        more = self.env["crm.lead"].create(
            [
                {
                    "name": "Lote %s" % i,
                    "type": "lead",
                    "team_id": self.team_a.id,
                    "email_from": "compras@muebles-cierzo.example.com",
                }
                for i in range(20)
            ]
        )
        for batch in (leads, leads | more):
            batch.invalidate_recordset(["canvas_similar_count"])
            self.assertEqual(self._queries(lambda batch=batch: batch.mapped("canvas_similar_count")), 1)

        # the notices read the names of every similar record at once
        similar = leads._canvas_similar()
        self.env.invalidate_all()
        self.assertEqual(self._queries(lambda: leads._canvas_similar_notices(similar)), 2)

        partners = self.env["res.partner"].search_count([("email_normalized", "=", "reservas@moncayo.example.com")])
        leads.write({"stage_id": self.stage_opp_first.id})
        self.assertEqual(set(leads.mapped("type")), {"opportunity"})
        for lead, similar in ((twin, self.open_deal), (by_phone, other_deal), (returning, self.customer)):
            line = lead.message_ids.filtered(lambda msg: "Converted to opportunity" in (msg.body or ""))
            self.assertEqual(len(line), 1)
            self.assertIn("Similar records", line.body)
            self.assertIn('data-oe-id="%s"' % similar.id, line.body, lead.name)
        line = alone.message_ids.filtered(lambda msg: "Converted to opportunity" in (msg.body or ""))
        self.assertEqual(len(line), 1)
        self.assertNotIn("Similar records", line.body)
        # the returning customer is linked, not made again
        self.assertEqual(returning.partner_id.commercial_partner_id, self.customer)
        self.assertEqual(
            self.env["res.partner"].search_count([("email_normalized", "=", "reservas@moncayo.example.com")]), partners
        )
        # an opportunity's card no longer asks: it was promoted
        self.assertEqual(twin.canvas_similar_count, 0)
