"""The URL WeCom posts contact changes to (change_contact callbacks, WXBizMsgCrypt).

Unauthenticated, so it trusts nothing before the signature: the body is capped before it is
read (rest_shim.py), the signature is checked on the ciphertext found by a strict pattern before
any XML is parsed, and only the decrypted event (which WeCom signed) is parsed, without entities.
GET answers WeCom's URL check with the decrypted echostr; POST stores the event and answers at
once (WeCom retries after 5 s); the event is applied right after the answer (a background job).
Errors are short texts, never a traceback.
"""
import logging

from odoo import SUPERUSER_ID, http
from odoo.http import request
from werkzeug.wrappers import Response

from ..models.wecom_config import CALLBACK_PATH
from ..wecom.crypto import VALIDATE_RECEIVEID_ERROR, VALIDATE_SIGNATURE_ERROR, WecomCryptoError, xml_to_dict
from .rest_shim import CALLBACK_MAX_BODY, body_too_large, original_content_type

_logger = logging.getLogger(__name__)

# WeCom posts text/xml; a missing type is tolerated, anything else is not an event
XML_TYPES = ("", "text/xml", "application/xml", "text/plain")


def _text(body, status=200):
    return Response(body, status=status, content_type="text/plain; charset=utf-8")


def _mimetype(httprequest):
    return original_content_type(httprequest).split(";")[0].strip().lower()


class WecomCallbackController(http.Controller):

    @http.route(CALLBACK_PATH, type="http", auth="public", methods=["GET", "POST"], csrf=False)
    def contact_callback(self, msg_signature=None, timestamp=None, nonce=None, echostr=None, **_ignored):
        httprequest = request.httprequest
        if body_too_large(httprequest):
            return _text("Refused: the body is larger than %s bytes." % CALLBACK_MAX_BODY, 413)
        env = request.env(user=SUPERUSER_ID)
        crypto = env["wecom.config"]._get_callback_crypto()
        if crypto is None:
            return _text("WeCom callbacks are not configured in Odoo (Settings > WeCom).", 503)
        if not (msg_signature and timestamp and nonce):
            return _text("msg_signature, timestamp and nonce are required.", 400)
        try:
            if httprequest.method == "GET":
                if not echostr:
                    return _text("echostr is required.", 400)
                return _text(crypto.verify_url(msg_signature, timestamp, nonce, echostr))
            if _mimetype(httprequest) not in XML_TYPES:
                return _text("Refused: WeCom posts events as text/xml.", 400)
            encrypt = crypto.find_encrypt(httprequest.get_data(cache=False))
            crypto.check_signature(msg_signature, timestamp, nonce, encrypt)
            event = xml_to_dict(crypto.decrypt(encrypt))
        except WecomCryptoError as error:
            _logger.warning("Refused a WeCom callback from %s: %s", httprequest.remote_addr, error)
            status = 403 if error.code in (VALIDATE_SIGNATURE_ERROR, VALIDATE_RECEIVEID_ERROR) else 400
            return _text("Refused: %s" % error, status)
        # the replay key is the signature as it should be, whatever case or padding was posted
        stored = env["wecom.callback.event"]._receive(event, crypto.signature(timestamp, nonce, encrypt))
        if stored and stored.state == "pending":
            env["wecom.callback.event"]._apply_soon()
        return _text("success")
