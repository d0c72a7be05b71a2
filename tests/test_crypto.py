# -*- coding: utf-8 -*-
"""WXBizMsgCrypt (wecom/crypto.py) against the vectors of docs/WECOM_API.md §8.4 and against wechatpy
1.8.18 (wechatpy.enterprise.crypto) as an independent peer."""
import base64
import struct
import xml.etree.ElementTree as ET

import pytest

from wecom.crypto import (
    DECODE_BASE64_ERROR,
    ILLEGAL_AES_KEY,
    PARSE_XML_ERROR,
    VALIDATE_RECEIVEID_ERROR,
    VALIDATE_SIGNATURE_ERROR,
    WecomCryptoError,
    WXBizMsgCrypt,
    xml_to_dict,
)

from wxbiz_vectors import (
    AES_KEY, AES_KEY2, CORP_ID, CORP_ID2, POST_BODY, POST_ENCRYPT, POST_NONCE, POST_SIGNATURE, POST_TIMESTAMP,
    REPLY_ENVELOPE, REPLY_XML, TOKEN, TOKEN2, URL_ECHOSTR, URL_NONCE, URL_SIGNATURE, URL_TIMESTAMP,
)


@pytest.fixture
def crypt():
    return WXBizMsgCrypt(TOKEN, AES_KEY, CORP_ID)


# ------------------------------------------------------------------------------- vectors
def test_url_verification_vector_1(crypt):
    assert crypt.signature(URL_TIMESTAMP, URL_NONCE, URL_ECHOSTR) == URL_SIGNATURE
    assert crypt.verify_url(URL_SIGNATURE, URL_TIMESTAMP, URL_NONCE,
                            URL_ECHOSTR) == "5927782489442352469"


def test_url_verification_vector_2():
    crypt = WXBizMsgCrypt(TOKEN2, AES_KEY2, CORP_ID2)
    echostr = ("P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZ"
               "XvnaqQ==")
    assert crypt.verify_url("5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3", "1409659589",
                            "263014780", echostr) == "1616140317555161061"


def test_post_decrypt_vector(crypt):
    plain = crypt.decrypt_message(POST_BODY % POST_ENCRYPT, POST_SIGNATURE, POST_TIMESTAMP,
                                  POST_NONCE)
    event = xml_to_dict(plain)
    assert event["Content"] == "test"
    assert event["FromUserName"] == "messense"
    # bytes body works too
    assert crypt.decrypt_message((POST_BODY % POST_ENCRYPT).encode("utf-8"), POST_SIGNATURE,
                                 POST_TIMESTAMP, POST_NONCE) == plain


def test_encrypt_vector_is_byte_exact(crypt):
    envelope = crypt.encrypt_message(REPLY_XML, POST_NONCE, POST_TIMESTAMP,
                                     random16="1234567890123456")
    assert envelope == REPLY_ENVELOPE
    root = ET.fromstring(envelope)
    assert crypt.signature(POST_TIMESTAMP, POST_NONCE,
                           root.find("Encrypt").text) == root.find("MsgSignature").text


# ------------------------------------------------------------------------------- round trips
@pytest.mark.parametrize("text", [
    "", "a", "x" * 11, "x" * 12, "x" * 43, "x" * 44, "中文消息 with ascii", "<xml>" + "字" * 700 + "</xml>",
])
def test_round_trip_all_padding_lengths(crypt, text):
    encrypted = crypt.encrypt(text)
    assert len(base64.b64decode(encrypted)) % 32 == 0
    assert crypt.decrypt(encrypted) == text


def test_full_block_padding_is_added_when_aligned(crypt):
    # 16 random + 4 length + msg + 18-byte corp id: msg of 26 bytes -> 64 bytes, needs a full block
    encrypted = crypt.encrypt("m" * 26, random16=b"0123456789abcdef")
    assert len(base64.b64decode(encrypted)) == 96
    assert crypt.decrypt(encrypted) == "m" * 26


def test_encrypt_message_round_trip(crypt):
    envelope = crypt.encrypt_message("<xml><Content><![CDATA[你好]]></Content></xml>", "42", "1700000000")
    root = ET.fromstring(envelope)
    plain = crypt.decrypt_message(envelope, root.find("MsgSignature").text, "1700000000", "42")
    assert plain == "<xml><Content><![CDATA[你好]]></Content></xml>"


def test_random_prefix_differs(crypt):
    assert crypt.encrypt("same") != crypt.encrypt("same")


# ------------------------------------------------------------------------------- failures
def test_wrong_signature(crypt):
    with pytest.raises(WecomCryptoError) as info:
        crypt.verify_url(URL_SIGNATURE, URL_TIMESTAMP, "437374424", URL_ECHOSTR)
    assert info.value.code == VALIDATE_SIGNATURE_ERROR
    with pytest.raises(WecomCryptoError) as info:
        crypt.decrypt_message(POST_BODY % POST_ENCRYPT, "0" * 40, POST_TIMESTAMP, POST_NONCE)
    assert info.value.code == VALIDATE_SIGNATURE_ERROR


def test_wrong_token_fails_signature():
    other = WXBizMsgCrypt("654321", AES_KEY, CORP_ID)
    with pytest.raises(WecomCryptoError) as info:
        other.verify_url(URL_SIGNATURE, URL_TIMESTAMP, URL_NONCE, URL_ECHOSTR)
    assert info.value.code == VALIDATE_SIGNATURE_ERROR


def test_wrong_receive_id(crypt):
    other = WXBizMsgCrypt(TOKEN, AES_KEY, "wwsomeothercorp")
    with pytest.raises(WecomCryptoError) as info:
        other.verify_url(URL_SIGNATURE, URL_TIMESTAMP, URL_NONCE, URL_ECHOSTR)
    assert info.value.code == VALIDATE_RECEIVEID_ERROR
    # a prefix of the right id is not accepted either
    short = WXBizMsgCrypt(TOKEN, AES_KEY, CORP_ID[:-1])
    with pytest.raises(WecomCryptoError) as info:
        short.decrypt(crypt.encrypt("hello"))
    assert info.value.code == VALIDATE_RECEIVEID_ERROR


@pytest.mark.parametrize("key", [
    "", "short", AES_KEY[:-1], AES_KEY + "A", AES_KEY[:-1] + "=", AES_KEY[:-1] + "+", None, 12345,
])
def test_bad_key(key):
    with pytest.raises(WecomCryptoError) as info:
        WXBizMsgCrypt(TOKEN, key, CORP_ID)
    assert info.value.code == ILLEGAL_AES_KEY


def test_tampered_ciphertext(crypt):
    raw = bytearray(base64.b64decode(POST_ENCRYPT))
    raw[-1] ^= 0x01                  # last block garbles the padding / receive id
    tampered = base64.b64encode(bytes(raw)).decode()
    with pytest.raises(WecomCryptoError) as info:
        crypt.decrypt(tampered)
    assert info.value.code in (-40005, -40007, -40008)
    # through the callback path the signature catches any change
    signature = crypt.signature(POST_TIMESTAMP, POST_NONCE, POST_ENCRYPT)
    raw = bytearray(base64.b64decode(POST_ENCRYPT))
    raw[0] ^= 0x01
    tampered = base64.b64encode(bytes(raw)).decode()
    with pytest.raises(WecomCryptoError) as info:
        crypt.decrypt_message(POST_BODY % tampered, signature, POST_TIMESTAMP, POST_NONCE)
    assert info.value.code == VALIDATE_SIGNATURE_ERROR


def test_tampered_length_field_is_rejected(crypt):
    # craft a plaintext whose length field points past the end
    from cryptography.hazmat.backends import default_backend
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
    key = base64.b64decode(AES_KEY + "=")
    plain = b"0" * 16 + struct.pack(">I", 1000) + b"hi" + CORP_ID.encode()
    pad = 32 - len(plain) % 32
    plain += bytes([pad]) * pad
    enc = Cipher(algorithms.AES(key), modes.CBC(key[:16]), backend=default_backend()).encryptor()
    token = base64.b64encode(enc.update(plain) + enc.finalize()).decode()
    with pytest.raises(WecomCryptoError) as info:
        crypt.decrypt(token)
    assert info.value.code == -40008


def test_bad_base64_and_bad_length(crypt):
    with pytest.raises(WecomCryptoError) as info:
        crypt.decrypt("not base64 !!!")
    assert info.value.code == DECODE_BASE64_ERROR
    with pytest.raises(WecomCryptoError) as info:
        crypt.decrypt(base64.b64encode(b"x" * 20).decode())
    assert info.value.code == -40007


def test_xml_without_encrypt_or_with_doctype(crypt):
    with pytest.raises(WecomCryptoError) as info:
        crypt.decrypt_message("<xml><ToUserName>x</ToUserName></xml>", "a", "1", "2")
    assert info.value.code == PARSE_XML_ERROR
    with pytest.raises(WecomCryptoError) as info:
        crypt.decrypt_message("<xml><Encrypt>", "a", "1", "2")
    assert info.value.code == PARSE_XML_ERROR
    evil = ('<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
            "<xml><Encrypt>&xxe;</Encrypt></xml>")
    with pytest.raises(WecomCryptoError) as info:
        crypt.decrypt_message(evil, "a", "1", "2")
    assert info.value.code == PARSE_XML_ERROR
    bomb = ('<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>'
            "<xml><Encrypt>&lol2;</Encrypt></xml>")
    with pytest.raises(WecomCryptoError):
        crypt.decrypt_message(bomb, "a", "1", "2")


def test_xml_to_dict_accepts_cdata_and_plain_and_nested():
    event = xml_to_dict(
        "<xml><ToUserName><![CDATA[ww1]]></ToUserName><ChangeType>create_user</ChangeType>"
        "<CreateTime>1403610513</CreateTime><BatchJob><JobId><![CDATA[j1]]></JobId></BatchJob>"
        "</xml>")
    assert event == {"ToUserName": "ww1", "ChangeType": "create_user", "CreateTime": "1403610513",
                     "BatchJob": {"JobId": "j1"}}


# ------------------------------------------------------------------------------- wechatpy interop
def _wechatpy():
    crypto_mod = pytest.importorskip("wechatpy.enterprise.crypto")
    return crypto_mod


def test_wechatpy_encrypts_we_decrypt(crypt):
    peer_mod = _wechatpy()
    peer = peer_mod.WeChatCrypto(TOKEN, AES_KEY, CORP_ID)
    msg = "<xml><Content><![CDATA[来自 wechatpy 的消息]]></Content></xml>"
    envelope = peer.encrypt_message(msg, "98765", "1700000001")
    root = ET.fromstring(envelope)
    assert crypt.decrypt_message(envelope, root.find("MsgSignature").text, "1700000001",
                                 "98765") == msg


def test_we_encrypt_wechatpy_decrypts(crypt):
    peer_mod = _wechatpy()
    peer = peer_mod.WeChatCrypto(TOKEN, AES_KEY, CORP_ID)
    msg = "<xml><Content><![CDATA[来自 wecom 的消息 " + "长" * 100 + "]]></Content></xml>"
    envelope = crypt.encrypt_message(msg, "12345", "1700000002")
    root = ET.fromstring(envelope)
    assert peer.decrypt_message(envelope, root.find("MsgSignature").text, "1700000002",
                                "12345") == msg
    # URL verification in wechatpy's terms: check_signature(signature, ts, nonce, echostr)
    echostr = crypt.encrypt("1234567890123456789")
    signature = crypt.signature("1700000003", "777", echostr)
    assert peer.check_signature(signature, "1700000003", "777", echostr) == "1234567890123456789"


def test_same_random_gives_same_bytes_as_wechatpy(crypt):
    peer_mod = _wechatpy()

    class FixedPrp(peer_mod.PrpCrypto):
        def get_random_string(self):
            return "abcdefghijklmnop"

    for msg in ("", "x", "中" * 37, "y" * 100):
        theirs = FixedPrp(base64.b64decode(AES_KEY + "=")).encrypt(msg, CORP_ID)
        theirs = theirs.decode() if isinstance(theirs, bytes) else theirs
        assert crypt.encrypt(msg, random16="abcdefghijklmnop") == theirs
