"""The URLs WeCom posts encrypted events to (WXBizMsgCrypt): contact changes (通讯录同步's
change_contact callbacks) and the app's own callback (接收消息服务器: card clicks).

Both are unauthenticated, so ``receive_callback`` (the one implementation of both) trusts nothing
before the signature: the body is capped before it is read (rest_shim.py), the signature is checked
on the ciphertext found by a strict pattern before any XML is parsed, the decrypted event must be
for this corp (ReceiveId), and only the decrypted event (which WeCom signed) is parsed, without
entities. GET answers WeCom's URL check with the decrypted echostr; POST stores the event once
(the replay key is the signature recomputed from the ciphertext) and answers at once (WeCom retries
after 5 s); the event is applied right after the answer (a background job). Errors are short
texts, never a traceback.
"""
import logging

from odoo import SUPERUSER_ID, http
from odoo.http import request
from werkzeug.wrappers import Response

from ..models.wecom_config import APP_CALLBACK_PATH, CALLBACK_PATH
from ..wecom.crypto import VALIDATE_RECEIVEID_ERROR, VALIDATE_SIGNATURE_ERROR, WecomCryptoError, xml_to_dict
from .rest_shim import CALLBACK_MAX_BODY, body_too_large, original_content_type

_logger = logging.getLogger(__name__)

# WeCom posts text/xml; a missing type is tolerated, anything else is not an event
XML_TYPES = ("", "text/xml", "application/xml", "text/plain")


def _text(body, status=200):
    return Response(body, status=status, content_type="text/plain; charset=utf-8")


def _mimetype(httprequest):
    return original_content_type(httprequest).split(";")[0].strip().lower()


def receive_callback(crypto_of, model, params, not_configured):
    """Answer one WeCom callback request (GET: the URL check, POST: an event).

    ``crypto_of(config)``: the callback's WXBizMsgCrypt from wecom.config, or None when it is not
    configured (answered 503 with ``not_configured``); ``model``: the model whose
    ``_receive(event, delivery_key)`` stores a decrypted event once (returning the new record, or
    an empty one for a repeat) and whose ``_apply_soon()`` queues its background job.
    """
    httprequest = request.httprequest
    if body_too_large(httprequest):
        return _text("Refused: the body is larger than %s bytes." % CALLBACK_MAX_BODY, 413)
    env = request.env(user=SUPERUSER_ID)
    crypto = crypto_of(env["wecom.config"])
    if crypto is None:
        return _text(not_configured, 503)
    msg_signature, timestamp, nonce = (params.get(name) for name in ("msg_signature", "timestamp", "nonce"))
    if not (msg_signature and timestamp and nonce):
        return _text("msg_signature, timestamp and nonce are required.", 400)
    try:
        if httprequest.method == "GET":
            if not params.get("echostr"):
                return _text("echostr is required.", 400)
            return _text(crypto.verify_url(msg_signature, timestamp, nonce, params["echostr"]))
        if _mimetype(httprequest) not in XML_TYPES:
            return _text("Refused: WeCom posts events as text/xml.", 400)
        encrypt = crypto.find_encrypt(httprequest.get_data(cache=False))
        crypto.check_signature(msg_signature, timestamp, nonce, encrypt)
        event = xml_to_dict(crypto.decrypt(encrypt))
    except WecomCryptoError as error:
        _logger.warning("Refused a WeCom callback from %s on %s: %s", httprequest.remote_addr,
                        httprequest.path, error)
        status = 403 if error.code in (VALIDATE_SIGNATURE_ERROR, VALIDATE_RECEIVEID_ERROR) else 400
        return _text("Refused: %s" % error, status)
    # the replay key is the signature as it should be, whatever case or padding was posted
    stored = env[model]._receive(event, crypto.signature(timestamp, nonce, encrypt))
    if stored and stored.state == "pending":
        env[model]._apply_soon()
    return _text("success")


class WecomCallbackController(http.Controller):

    @http.route(CALLBACK_PATH, type="http", auth="public", methods=["GET", "POST"], csrf=False)
    def contact_callback(self, **params):
        return receive_callback(lambda config: config._get_callback_crypto(), "wecom.callback.event", params,
                                "WeCom callbacks are not configured in Odoo (Settings > WeCom).")

    @http.route(APP_CALLBACK_PATH, type="http", auth="public", methods=["GET", "POST"], csrf=False)
    def app_callback(self, **params):
        return receive_callback(lambda config: config._get_app_callback_crypto(), "wecom.app.event", params,
                                "The WeCom app callback is not configured in Odoo (Settings > WeCom).")
