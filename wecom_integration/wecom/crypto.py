# -*- coding: utf-8 -*-
"""WXBizMsgCrypt: callback signature, encryption and decryption (docs/WECOM_API.md §8.4).

AES-256-CBC with padding disabled and PKCS#7 to 32-byte blocks done by hand; key =
base64decode(EncodingAESKey + "="), iv = key[:16]; plaintext = random(16) || uint32_be(len(msg)) ||
msg || receive_id. Signature = sha1 of the sorted concatenation of token, timestamp, nonce and the
ciphertext. Error codes follow the official sample (ierror.py).

Pure Python (cryptography only): nothing here imports Odoo.
"""
import base64
import binascii
import hashlib
import hmac
import random
import re
import string
import struct
import time
import xml.etree.ElementTree as ET

from cryptography.hazmat.backends import default_backend
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

__all__ = [
    "WecomCryptoError", "WXBizMsgCrypt", "find_encrypt", "parse_xml", "xml_to_dict",
    "OK", "VALIDATE_SIGNATURE_ERROR", "PARSE_XML_ERROR", "COMPUTE_SIGNATURE_ERROR",
    "ILLEGAL_AES_KEY", "VALIDATE_RECEIVEID_ERROR", "ENCRYPT_AES_ERROR", "DECRYPT_AES_ERROR",
    "ILLEGAL_BUFFER", "ENCODE_BASE64_ERROR", "DECODE_BASE64_ERROR", "GEN_RETURN_XML_ERROR",
]

OK = 0
VALIDATE_SIGNATURE_ERROR = -40001
PARSE_XML_ERROR = -40002
COMPUTE_SIGNATURE_ERROR = -40003
ILLEGAL_AES_KEY = -40004
VALIDATE_RECEIVEID_ERROR = -40005
ENCRYPT_AES_ERROR = -40006
DECRYPT_AES_ERROR = -40007
ILLEGAL_BUFFER = -40008
ENCODE_BASE64_ERROR = -40009
DECODE_BASE64_ERROR = -40010
GEN_RETURN_XML_ERROR = -40011

_MESSAGES = {
    VALIDATE_SIGNATURE_ERROR: "signature mismatch",
    PARSE_XML_ERROR: "cannot parse the XML",
    COMPUTE_SIGNATURE_ERROR: "cannot compute the signature",
    ILLEGAL_AES_KEY: "invalid EncodingAESKey (must be 43 characters of letters and digits)",
    VALIDATE_RECEIVEID_ERROR: "receive id (corp id) mismatch",
    ENCRYPT_AES_ERROR: "AES encryption failed",
    DECRYPT_AES_ERROR: "AES decryption failed",
    ILLEGAL_BUFFER: "illegal buffer (bad padding or length)",
    ENCODE_BASE64_ERROR: "base64 encoding failed",
    DECODE_BASE64_ERROR: "base64 decoding failed",
    GEN_RETURN_XML_ERROR: "cannot build the reply XML",
}

BLOCK_SIZE = 32
_AES_KEY_RE = re.compile(r"^[A-Za-z0-9]{43}$")
_RANDOM_ALPHABET = string.ascii_letters + string.digits
_SYSRANDOM = random.SystemRandom()
# any markup declaration but CDATA sections and comments (DOCTYPE, ENTITY, ELEMENT, ...)
_FORBIDDEN_XML = re.compile(r"<!(?!\[CDATA\[|--)", re.I)
_XML_DECLARED_ENCODING = re.compile(r"^\s*<\?xml[^>]*encoding\s*=\s*[\"']([A-Za-z0-9._-]+)[\"']", re.I)
# the ciphertext of a callback envelope, found without parsing the unauthenticated XML
_ENCRYPT_ELEMENT = re.compile(br"<Encrypt>\s*(?:<!\[CDATA\[)?\s*([A-Za-z0-9+/=]+)\s*(?:\]\]>)?\s*</Encrypt>")
MAX_XML_BYTES = 64 * 1024


class WecomCryptoError(Exception):
    """Callback crypto failure; `code` is the official sample's code (-40001 ... -40011)."""

    def __init__(self, code, detail=None):
        self.code = code
        message = _MESSAGES.get(code, "crypto error")
        if detail:
            message = "%s: %s" % (message, detail)
        super(WecomCryptoError, self).__init__("WXBizMsgCrypt error %d: %s" % (code, message))


def _to_bytes(value):
    if isinstance(value, bytes):
        return value
    return str(value).encode("utf-8")


def _to_text(value):
    if isinstance(value, bytes):
        return value.decode("utf-8")
    return str(value)


def pkcs7_pad(data, block_size=BLOCK_SIZE):
    amount = block_size - len(data) % block_size
    return data + bytes([amount]) * amount


def pkcs7_unpad(data, block_size=BLOCK_SIZE):
    if not data:
        raise WecomCryptoError(ILLEGAL_BUFFER, "empty plaintext")
    amount = data[-1]
    if amount < 1 or amount > block_size or amount > len(data):
        raise WecomCryptoError(ILLEGAL_BUFFER, "bad padding")
    if data[-amount:] != bytes([amount]) * amount:
        raise WecomCryptoError(ILLEGAL_BUFFER, "bad padding")
    return data[:-amount]


def parse_xml(xml):
    """Parse untrusted XML safely; returns the root Element, WecomCryptoError(-40002) otherwise.

    WeCom sends UTF-8 only. Anything else is refused before parsing, so that no declared
    encoding (UTF-16, UTF-32, EBCDIC...) can hide a DOCTYPE or ENTITY declaration from the check;
    no markup declaration is accepted at all (no external or expanding entities)."""
    raw = _to_bytes(xml)
    if len(raw) > MAX_XML_BYTES:
        raise WecomCryptoError(PARSE_XML_ERROR, "larger than %s bytes" % MAX_XML_BYTES)
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise WecomCryptoError(PARSE_XML_ERROR, "not UTF-8") from exc
    if "\x00" in text:
        raise WecomCryptoError(PARSE_XML_ERROR, "NUL character")
    declared = _XML_DECLARED_ENCODING.match(text)
    if declared and declared.group(1).lower().replace("_", "-") not in ("utf-8", "utf8"):
        raise WecomCryptoError(PARSE_XML_ERROR, "declared encoding %s: only UTF-8 is accepted" % declared.group(1))
    if _FORBIDDEN_XML.search(text):
        raise WecomCryptoError(PARSE_XML_ERROR, "DOCTYPE/ENTITY declarations are not allowed")
    try:
        parser = ET.XMLParser(encoding="utf-8")  # overrides whatever the document declares
        parser.feed(text.encode("utf-8"))
        return parser.close()
    except ET.ParseError as exc:
        raise WecomCryptoError(PARSE_XML_ERROR, str(exc)) from exc


def find_encrypt(body):
    """The <Encrypt> ciphertext of a callback envelope, found by a strict pattern: the envelope is
    not parsed before its signature (which covers this value) has been checked."""
    found = _ENCRYPT_ELEMENT.findall(_to_bytes(body)[:MAX_XML_BYTES + 1])
    if len(found) != 1:
        raise WecomCryptoError(PARSE_XML_ERROR, "expected one <Encrypt> element with base64 content")
    return found[0].decode("ascii")


def xml_to_dict(xml):
    """The children of the root as a dict (text values; nested elements as dicts), e.g. for a
    decrypted change_contact event. Accepts CDATA and plain text alike."""
    root = xml if isinstance(xml, ET.Element) else parse_xml(xml)

    def convert(element):
        children = list(element)
        if not children:
            return element.text or ""
        result = {}
        for child in children:
            value = convert(child)
            if child.tag in result:
                if not isinstance(result[child.tag], list):
                    result[child.tag] = [result[child.tag]]
                result[child.tag].append(value)
            else:
                result[child.tag] = value
        return result

    converted = convert(root)
    return converted if isinstance(converted, dict) else {}


class WXBizMsgCrypt(object):
    """WeCom callback crypto for one (token, EncodingAESKey, receive id) triple.

    receive_id is the corp id for self-built apps and the contact-sync assistant.
    """

    def __init__(self, token, encoding_aes_key, receive_id):
        if not isinstance(encoding_aes_key, str) or not _AES_KEY_RE.match(encoding_aes_key):
            raise WecomCryptoError(ILLEGAL_AES_KEY)
        try:
            key = base64.b64decode(encoding_aes_key + "=")
        except (binascii.Error, ValueError) as exc:
            raise WecomCryptoError(ILLEGAL_AES_KEY) from exc
        if len(key) != 32:
            raise WecomCryptoError(ILLEGAL_AES_KEY)
        self.token = _to_text(token)
        self.receive_id = _to_text(receive_id if receive_id is not None else "")
        self._key = key
        self._iv = key[:16]

    # ------------------------------------------------------------------ signature
    def signature(self, timestamp, nonce, encrypt):
        """lowercase hex sha1 of the lexicographically sorted token, timestamp, nonce, encrypt."""
        try:
            parts = sorted([self.token, _to_text(timestamp), _to_text(nonce), _to_text(encrypt)])
            return hashlib.sha1("".join(parts).encode("utf-8")).hexdigest()
        except Exception as exc:  # pragma: no cover - defensive, mirrors the official sample
            raise WecomCryptoError(COMPUTE_SIGNATURE_ERROR, str(exc)) from exc

    def check_signature(self, msg_signature, timestamp, nonce, encrypt):
        expected = self.signature(timestamp, nonce, encrypt)
        given = _to_text(msg_signature or "").strip().lower()
        if not hmac.compare_digest(expected.encode("ascii"), given.encode("utf-8")):
            raise WecomCryptoError(VALIDATE_SIGNATURE_ERROR)

    # ------------------------------------------------------------------ AES
    def _cipher(self):
        return Cipher(algorithms.AES(self._key), modes.CBC(self._iv), backend=default_backend())

    def encrypt(self, text, random16=None):
        """Encrypt `text` (the message) for this receive id; returns base64 text."""
        if random16 is None:
            random16 = "".join(_SYSRANDOM.choice(_RANDOM_ALPHABET) for _ in range(16))
        prefix = _to_bytes(random16)
        if len(prefix) != 16:
            raise WecomCryptoError(ENCRYPT_AES_ERROR, "the random prefix must be 16 bytes")
        msg = _to_bytes(text)
        plain = prefix + struct.pack(">I", len(msg)) + msg + self.receive_id.encode("utf-8")
        try:
            encryptor = self._cipher().encryptor()
            cipher_bytes = encryptor.update(pkcs7_pad(plain)) + encryptor.finalize()
        except Exception as exc:
            raise WecomCryptoError(ENCRYPT_AES_ERROR, str(exc)) from exc
        return base64.b64encode(cipher_bytes).decode("ascii")

    def decrypt(self, encrypt):
        """Decrypt base64 `encrypt`; checks the padding, the length and the receive id."""
        try:
            cipher_bytes = base64.b64decode(_to_bytes(encrypt).strip(), validate=True)
        except (binascii.Error, ValueError) as exc:
            raise WecomCryptoError(DECODE_BASE64_ERROR, str(exc)) from exc
        if not cipher_bytes or len(cipher_bytes) % 16:
            raise WecomCryptoError(DECRYPT_AES_ERROR, "ciphertext length is not a multiple of 16")
        try:
            decryptor = self._cipher().decryptor()
            raw = decryptor.update(cipher_bytes) + decryptor.finalize()
        except Exception as exc:
            raise WecomCryptoError(DECRYPT_AES_ERROR, str(exc)) from exc
        content = pkcs7_unpad(raw)
        if len(content) < 20:
            raise WecomCryptoError(ILLEGAL_BUFFER, "plaintext too short")
        length = struct.unpack(">I", content[16:20])[0]
        if 20 + length > len(content):
            raise WecomCryptoError(ILLEGAL_BUFFER, "message length out of range")
        msg = content[20:20 + length]
        receive_id = content[20 + length:]
        if not hmac.compare_digest(receive_id, self.receive_id.encode("utf-8")):
            raise WecomCryptoError(VALIDATE_RECEIVEID_ERROR)
        try:
            return msg.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise WecomCryptoError(ILLEGAL_BUFFER, str(exc)) from exc

    # ------------------------------------------------------------------ callback helpers
    def verify_url(self, msg_signature, timestamp, nonce, echostr):
        """GET URL verification: check the signature over echostr, return the plaintext msg
        (the body to answer with)."""
        self.check_signature(msg_signature, timestamp, nonce, echostr)
        return self.decrypt(echostr)

    find_encrypt = staticmethod(find_encrypt)

    def decrypt_message(self, body_xml, msg_signature, timestamp, nonce):
        """POST event: find <Encrypt> in the envelope (without parsing it), check the signature,
        return the plaintext XML."""
        encrypt = find_encrypt(body_xml)
        self.check_signature(msg_signature, timestamp, nonce, encrypt)
        return self.decrypt(encrypt)

    def encrypt_message(self, reply_xml, nonce, timestamp=None, random16=None):
        """The passive-reply envelope (Encrypt, MsgSignature, TimeStamp, Nonce)."""
        if timestamp is None:
            timestamp = str(int(time.time()))
        timestamp = _to_text(timestamp)
        nonce = _to_text(nonce)
        encrypt = self.encrypt(reply_xml, random16=random16)
        signature = self.signature(timestamp, nonce, encrypt)
        if "]]>" in nonce or "<" in timestamp:
            raise WecomCryptoError(GEN_RETURN_XML_ERROR, "nonce/timestamp cannot go into XML")
        return (
            "<xml>\n"
            "<Encrypt><![CDATA[{encrypt}]]></Encrypt>\n"
            "<MsgSignature><![CDATA[{signature}]]></MsgSignature>\n"
            "<TimeStamp>{timestamp}</TimeStamp>\n"
            "<Nonce><![CDATA[{nonce}]]></Nonce>\n"
            "</xml>"
        ).format(encrypt=encrypt, signature=signature, timestamp=timestamp, nonce=nonce)
