# -*- coding: utf-8 -*-
"""WXBizMsgCrypt from WeCom's side (WECOM_API §8.4): encrypt and sign what the emulator sends.

Written here rather than imported from the addon: the emulator must not import
wecom_integration (it would import Odoo), and an independent implementation is what lets the
two check each other. AES-256-CBC, IV = key[:16], PKCS#7 padding to 32 bytes (not AES's 16, so
the padding is done by hand and the cipher runs without padding).
"""
import base64
import binascii
import hashlib
import random
import re
import string
import struct

from cryptography.hazmat.backends import default_backend
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

KEY_RE = re.compile(r"^[A-Za-z0-9]{43}$")
BLOCK = 32
_ALNUM = string.ascii_letters + string.digits
_rng = random.SystemRandom()


class MsgCryptError(ValueError):
    """A bad key, or a message that does not decrypt (the emulator only decrypts in tests)."""


def check_aes_key(encoding_aes_key):
    if not isinstance(encoding_aes_key, str) or not KEY_RE.match(encoding_aes_key):
        raise MsgCryptError("EncodingAESKey must be exactly 43 characters of [a-zA-Z0-9]")
    return base64.b64decode(encoding_aes_key + "=")


def signature(token, timestamp, nonce, encrypt):
    """msg_signature: SHA1 over the four strings sorted and concatenated, lowercase hex."""
    parts = sorted([str(token), str(timestamp), str(nonce), str(encrypt)])
    return hashlib.sha1("".join(parts).encode("utf-8")).hexdigest()


def random_text(size=16):
    return "".join(_rng.choice(_ALNUM) for _ in range(size))


def pkcs7_pad(data, block=BLOCK):
    pad = block - len(data) % block   # 1..32: a full block when already aligned
    return data + bytes([pad]) * pad


def pkcs7_unpad(data, block=BLOCK):
    pad = data[-1] if data else 0
    if not 1 <= pad <= block:
        raise MsgCryptError("bad padding")
    return data[:-pad]


def cbc_encrypt(key, data):
    """AES-256-CBC of data PKCS#7-padded to 32 bytes, IV = key[:16] (also the export files)."""
    cipher = Cipher(algorithms.AES(key), modes.CBC(key[:16]), backend=default_backend())
    encryptor = cipher.encryptor()
    return encryptor.update(pkcs7_pad(data)) + encryptor.finalize()


def frame(msg, receive_id, random16=None):
    """random16 || len(msg) big-endian || msg || receive id (msg and receive_id: bytes, str)."""
    prefix = random16 if random16 is not None else random_text(16)
    if isinstance(prefix, str):
        prefix = prefix.encode("ascii")
    return prefix + struct.pack(">I", len(msg)) + msg + receive_id.encode("utf-8")


class MsgCrypt(object):
    """One callback's crypto: (Token, EncodingAESKey, receive id = the corpid)."""

    def __init__(self, token, encoding_aes_key, receive_id):
        self.token = token
        self.key = check_aes_key(encoding_aes_key)
        self.receive_id = receive_id

    def _cipher(self):
        return Cipher(algorithms.AES(self.key), modes.CBC(self.key[:16]), backend=default_backend())

    def encrypt(self, text, random16=None):
        """Base64 of AES(random16 || len(msg) big-endian || msg || receive id)."""
        raw = cbc_encrypt(self.key, frame(text.encode("utf-8"), self.receive_id, random16))
        return base64.b64encode(raw).decode("ascii")

    def decrypt(self, encrypted):
        try:
            raw = base64.b64decode(encrypted)
        except (binascii.Error, ValueError):
            raise MsgCryptError("not base64")
        if not raw or len(raw) % 16:
            raise MsgCryptError("ciphertext length is not a multiple of the AES block")
        decryptor = self._cipher().decryptor()
        content = pkcs7_unpad(decryptor.update(raw) + decryptor.finalize())[16:]
        if len(content) < 4:
            raise MsgCryptError("message too short")
        size = struct.unpack(">I", content[:4])[0]
        msg, rid = content[4:4 + size], content[4 + size:]
        if rid.decode("utf-8", "replace") != self.receive_id:
            raise MsgCryptError("receive id mismatch (-40005)")
        return msg.decode("utf-8")

    def sign(self, timestamp, nonce, encrypt):
        return signature(self.token, timestamp, nonce, encrypt)
