"""The URL WeCom posts contact changes to (change_contact callbacks, WXBizMsgCrypt).

GET answers WeCom's URL check with the decrypted echostr; POST verifies, decrypts, stores the
event and answers at once (WeCom retries after 5 s); the event is applied right after.
"""
import logging

from odoo import SUPERUSER_ID, http
from odoo.http import request
from werkzeug.wrappers import Response

from ..models.wecom_config import CALLBACK_PATH
from ..wecom.crypto import VALIDATE_RECEIVEID_ERROR, VALIDATE_SIGNATURE_ERROR, WecomCryptoError, xml_to_dict

_logger = logging.getLogger(__name__)


def _text(body, status=200):
    return Response(body, status=status, content_type="text/plain; charset=utf-8")


class WecomCallbackController(http.Controller):

    @http.route(CALLBACK_PATH, type="http", auth="public", methods=["GET", "POST"], csrf=False)
    def contact_callback(self, msg_signature=None, timestamp=None, nonce=None, echostr=None, **_ignored):
        env = request.env(user=SUPERUSER_ID)
        crypto = env["wecom.config"].get_callback_crypto()
        if crypto is None:
            return _text("WeCom callbacks are not configured in Odoo (Settings > WeCom).", 503)
        if not (msg_signature and timestamp and nonce):
            return _text("msg_signature, timestamp and nonce are required.", 400)
        try:
            if request.httprequest.method == "GET":
                if not echostr:
                    return _text("echostr is required.", 400)
                return _text(crypto.verify_url(msg_signature, timestamp, nonce, echostr))
            plain = crypto.decrypt_message(request.httprequest.get_data(), msg_signature, timestamp, nonce)
            event = xml_to_dict(plain)
        except WecomCryptoError as error:
            _logger.warning("Refused a WeCom callback from %s: %s", request.httprequest.remote_addr, error)
            status = 403 if error.code in (VALIDATE_SIGNATURE_ERROR, VALIDATE_RECEIVEID_ERROR) else 400
            return _text("Refused: %s" % error, status)
        stored = env["wecom.callback.event"].receive(event, msg_signature)
        if stored and stored.state == "pending":
            env["wecom.callback.event"].apply_soon()
        return _text("success")
