from odoo.addons.mass_mailing.controllers.main import MassMailController


class CanvasMassMailController(MassMailController):
    def _mailing_unsubscribe_from_document(self, mailing, document_id, email, hash_token):
        # the token was checked by the route: this is the recipient's own request
        response = super()._mailing_unsubscribe_from_document(mailing, document_id, email, hash_token)
        mailing._canvas_unsubscribed(document_id)
        return response
