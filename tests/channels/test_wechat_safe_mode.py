"""WeChat 安全模式 and 兼容模式: AES message encryption, msg_signature, encrypted passive replies.

The test builds its own ciphertexts with `cryptography` primitives, written out
plainly below from WeChat's description (random(16) + length(4, big-endian) +
msg + AppID, PKCS#7 to 32 bytes, AES-256-CBC, IV = key[:16]), and checks its
own msg_signature with hashlib: Rexian's crypto and signature code are only
ever the thing under test.
"""

import base64
import hashlib
import struct
import time
import xml.etree.ElementTree as ET

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from rexian.channels import gateways, outbox
from rexian.channels.models import Message
from rexian.channels.wechat import crypto
from rexian.channels.wechat.signature import sign
from rexian.orders.models import WorkOrder
from tests.channels.test_wechat import ACCOUNT, BILLION_LAUGHS, OPENID, TOKEN, reply_of, text, xml_message

ENCODING_AES_KEY = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
KEY = base64.b64decode(ENCODING_AES_KEY + "=")
APP_ID = "wx5823bf96d3bd56c7"
RANDOM = b"0123456789abcdef"
NONCE = "1405216781"


# ---------------------------------------------------------------- the test's own implementation of the scheme


def frame(message: bytes, app_id: str = APP_ID, length: int | None = None) -> bytes:
    """random(16) + length (4 bytes, big-endian) + message + AppID, before padding."""
    return RANDOM + struct.pack(">I", len(message) if length is None else length) + message + app_id.encode()


def pad32(data: bytes) -> bytes:
    n = 32 - len(data) % 32
    return data + bytes([n]) * n


def aes_encrypt(plain: bytes) -> str:
    encryptor = Cipher(algorithms.AES(KEY), modes.CBC(KEY[:16])).encryptor()
    return base64.b64encode(encryptor.update(plain) + encryptor.finalize()).decode()


def aes_decrypt(encrypted: str) -> bytes:
    decryptor = Cipher(algorithms.AES(KEY), modes.CBC(KEY[:16])).decryptor()
    return decryptor.update(base64.b64decode(encrypted)) + decryptor.finalize()


def seal(message: bytes, **frame_args) -> str:
    return aes_encrypt(pad32(frame(message, **frame_args)))


def unseal(encrypted: str) -> tuple[bytes, bytes, bytes]:
    """(message, AppID, padding) read back with the test's own code."""
    plain = aes_decrypt(encrypted)
    padding = plain[-plain[-1]:]
    (length,) = struct.unpack(">I", plain[16:20])
    return plain[20:20 + length], plain[20 + length:-len(padding)], padding


def msg_signature(timestamp: str, nonce: str, encrypted: str, token: str = TOKEN) -> str:
    return hashlib.sha1("".join(sorted([token, timestamp, nonce, encrypted])).encode()).hexdigest()


# ---------------------------------------------------------------- known answers


# From WeChat's own Python sample for WXBizMsgCrypt (Sample.py, "测试解密接口").
SAMPLE_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
SAMPLE_APP_ID = "wx2c2769f8efd9abc2"
SAMPLE_ENCRYPT = (
    "hyzAe4OzmOMbd6TvGdIOO6uBmdJoD0Fk53REIHvxYtJlE2B655HuD0m8KUePWB3+LrPXo87wzQ1QLvbeUgmBM4x6F8PGHQHFVAFmOD2LdJF9Fr"
    "XpbUAh0B5GIItb52sn896wVsMSHGuPE328HnRGBcrS7C41IzDWyWNlZkyyXwon8T332jisa+h6tEDYsVticbSnyU8dKOIbgU6ux5VTjg3yt+WG"
    "zjlpKn6NPhRjpA912xMezR4kw6KWwMrCVKSVCZciVGCgavjIQ6X8tCOp3yZbGpy0VxpAe+77TszTfRd5RJSVO/HTnifJpXgCSUdUue1v6h0EIB"
    "YYI1BD1DlD+C0CR8e6OewpusjZ4uBl9FyJvnhvQl+q5rv1ixrcpCumEPo5MJSgM9ehVsNPfUM669WuMyVWQLCzpu9GhglF2PE="
)
SAMPLE_XML = (
    b"<xml><ToUserName><![CDATA[gh_10f6c3c3ac5a]]></ToUserName>\n"
    b"<FromUserName><![CDATA[oyORnuP8q7ou2gfYjqLzSIWZf0rs]]></FromUserName>\n"
    b"<CreateTime>1409735668</CreateTime>\n<MsgType><![CDATA[text]]></MsgType>\n"
    b"<Content><![CDATA[abcdteT]]></Content>\n<MsgId>6054768590064713728</MsgId>\n</xml>"
)


def test_it_reads_the_vector_of_wechats_own_sample_code():
    assert crypto.decrypt(SAMPLE_ENCRYPT, crypto.aes_key(SAMPLE_KEY), SAMPLE_APP_ID) == SAMPLE_XML
    assert sign("spamtest", "1409735669", "1320562132", SAMPLE_ENCRYPT) == "5d197aaffba7e9b25a30732f161a50dee96bd5fa"
    with pytest.raises(crypto.Undecryptable):
        crypto.decrypt(SAMPLE_ENCRYPT, crypto.aes_key(SAMPLE_KEY), APP_ID)


def test_the_aes_key_is_the_base64_of_the_encoding_aes_key():
    assert crypto.aes_key(ENCODING_AES_KEY) == KEY and len(KEY) == 32


@pytest.mark.parametrize("size", range(0, 70))
def test_encrypt_and_decrypt_match_the_scheme_for_every_pad_length(size):
    message = b"<xml>" + b"x" * size + b"</xml>"
    pad = 32 - len(frame(message)) % 32
    # Rexian's output with the same random prefix is byte for byte the test's own encryption ...
    assert crypto.encrypt(message.decode(), KEY, APP_ID, random=RANDOM) == seal(message)
    # ... and Rexian reads what the test encrypted.
    assert crypto.decrypt(seal(message), KEY, APP_ID) == message
    assert unseal(seal(message))[2] == bytes([pad]) * pad


def test_an_aligned_message_gets_a_whole_block_of_32_pad_bytes():
    message = b"<xml><Content>" + b"a" * 28 + b"</Content></xml>"  # 16 + 4 + 58 + 18 = 96 bytes, 3 × 32
    assert len(frame(message)) % 32 == 0
    encrypted = crypto.encrypt(message.decode(), KEY, APP_ID)  # a fresh random prefix
    assert len(base64.b64decode(encrypted)) == len(frame(message)) + 32
    assert unseal(encrypted) == (message, APP_ID.encode(), b"\x20" * 32)
    assert crypto.decrypt(seal(message), KEY, APP_ID) == message
    assert aes_decrypt(encrypted)[:16] != RANDOM  # the prefix is random, not the test's constant


def test_unicode_is_encrypted_as_utf8_and_its_byte_length_is_counted():
    message = "<xml><Content>幸福路路灯不亮</Content></xml>"
    assert unseal(crypto.encrypt(message, KEY, APP_ID))[0] == message.encode()


@pytest.mark.parametrize(
    "plain, reason",
    [
        (pad32(frame(b"<xml/>", length=1000)), "length field beyond the data"),
        (pad32(frame(b"<xml/>", length=5)), "another AppID"),
        (pad32(frame(b"<xml/>", app_id="wx0000000000000000")), "another AppID"),
        (pad32(RANDOM + b"\x00\x00"), "no length field"),
        (frame(b"<xml/>") + bytes([36]) * 36, "bad padding"),  # 44 + 36 bytes: whole blocks, consistent, over 32
        (frame(b"<xml/>") + bytes(4), "bad padding"),
        (frame(b"<xml/>") + bytes([9]) * 4, "bad padding"),
    ],
    ids=["length-past-the-end", "length-short", "appid", "no-length-field", "pad-over-32", "pad-zero", "pad-short"],
)
def test_decrypt_checks_every_field_strictly(plain, reason):
    with pytest.raises(crypto.Undecryptable, match=reason):
        crypto.decrypt(aes_encrypt(plain), KEY, APP_ID)


# ---------------------------------------------------------------- the callback in safe mode


@pytest.fixture
def safe_settings(settings):
    settings.REXIAN_WECHAT = {"TOKEN": TOKEN, "APP_ID": APP_ID, "APP_SECRET": "s3cret",
                              "ENCODING_AES_KEY": ENCODING_AES_KEY}
    return settings.REXIAN_WECHAT


def safe_callback(client, message: bytes | None = None, encrypted: str | None = None, signature: str | None = None,
                  compatible: bool = False, encrypt_type: str | None = "aes", timestamp: str | None = None):
    """POST as WeChat does in 安全模式 (only ToUserName and Encrypt) or 兼容模式 (the plaintext fields too)."""
    encrypted = seal(message) if encrypted is None else encrypted
    timestamp = timestamp or str(int(time.time()))
    params = {"signature": sign(TOKEN, timestamp, NONCE), "timestamp": timestamp, "nonce": NONCE, "openid": OPENID,
              "msg_signature": signature or msg_signature(timestamp, NONCE, encrypted)}
    if encrypt_type:
        params["encrypt_type"] = encrypt_type
    envelope = f"<Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>".encode()
    if compatible:
        body = xml_message(MsgType="text", Content="明文副本", MsgId="99").replace(b"</xml>", envelope)
    else:
        body = f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName>".encode() + envelope
    query = "&".join(f"{key}={value}" for key, value in params.items())
    return client.post(f"/channels/wechat/callback?{query}", data=body, content_type="text/xml")


def open_reply(response) -> dict:
    """Check the envelope and its MsgSignature, decrypt, and return the inner reply's fields."""
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/xml; charset=utf-8"
    envelope = {child.tag: child.text for child in ET.fromstring(response.content)}
    assert set(envelope) == {"Encrypt", "MsgSignature", "TimeStamp", "Nonce"}
    assert envelope["MsgSignature"] == msg_signature(envelope["TimeStamp"], envelope["Nonce"], envelope["Encrypt"])
    assert abs(int(envelope["TimeStamp"]) - time.time()) < 60
    inner, app_id, padding = unseal(envelope["Encrypt"])
    assert app_id == APP_ID.encode() and padding == bytes([len(padding)]) * len(padding) and len(padding) <= 32
    return {child.tag: child.text for child in ET.fromstring(inner)}


def test_an_encrypted_text_makes_one_order_and_an_encrypted_reply_with_the_tracking_code(client, db, safe_settings):
    message = text()
    reply = open_reply(safe_callback(client, message))
    order = WorkOrder.objects.get()
    assert (order.channel, order.content) == ("wechat", "幸福路路灯不亮，已经一周了")
    assert (reply["ToUserName"], reply["FromUserName"], reply["MsgType"]) == (OPENID, ACCOUNT, "text")
    assert reply["Content"] == (
        f"您的诉求已受理，工单号 {order.number}，查询码 {order.tracking.code}。"
        "办理结果将通过本公众号答复，也可凭查询码和手机号在网站查询。"
    )
    # WeChat's retry of the same MsgId: no second order, the same words, again encrypted.
    assert open_reply(safe_callback(client, message))["Content"] == reply["Content"]
    assert WorkOrder.objects.count() == 1 and Message.objects.count() == 2
    assert Message.objects.get(direction="in").external_id == "msg:23000001"


def test_success_stays_plain_text_in_safe_mode(client, db, safe_settings):
    response = safe_callback(client, xml_message(MsgType="event", Event="unsubscribe"))
    assert response.status_code == 200 and response.content == b"success"
    assert Message.objects.filter(external_id__startswith="event:").count() == 1


def test_compatible_mode_is_handled_as_encrypted(client, db, safe_settings):
    reply = open_reply(safe_callback(client, text(), compatible=True))
    order = WorkOrder.objects.get()
    assert order.content == "幸福路路灯不亮，已经一周了"  # the encrypted copy, not the plaintext one
    assert order.tracking.code in reply["Content"]
    assert Message.objects.get(direction="in").external_id == "msg:23000001"


def test_compatible_mode_without_encrypt_type_still_needs_the_msg_signature(client, db, safe_settings):
    response = safe_callback(client, text(), compatible=True, encrypt_type=None, signature="0" * 40)
    assert response.status_code == 403 and response.content == b"bad msg_signature"
    assert open_reply(safe_callback(client, text(), compatible=True, encrypt_type=None))
    assert WorkOrder.objects.count() == 1


def test_plaintext_requests_are_still_accepted_when_a_key_is_set(client, db, safe_settings):
    timestamp = str(int(time.time()))
    query = f"?signature={sign(TOKEN, timestamp, NONCE)}&timestamp={timestamp}&nonce={NONCE}&encrypt_type=raw"
    response = client.post("/channels/wechat/callback" + query, data=text(), content_type="text/xml")
    assert WorkOrder.objects.get().tracking.code in reply_of(response)["Content"]


def test_the_handshake_in_safe_mode_echoes_echostr_in_clear(client, db, safe_settings):
    timestamp = str(int(time.time()))
    query = f"?signature={sign(TOKEN, timestamp, NONCE)}&timestamp={timestamp}&nonce={NONCE}&echostr=58373977"
    response = client.get("/channels/wechat/callback" + query)
    assert response.status_code == 200 and response.content == b"58373977"


# ---------------------------------------------------------------- refusals: nothing is stored


def flip(encrypted: str, index: int) -> str:
    data = bytearray(base64.b64decode(encrypted))
    data[index] ^= 0x01
    return base64.b64encode(bytes(data)).decode()


def raw(encrypted: str, cut: slice) -> str:
    return base64.b64encode(base64.b64decode(encrypted)[cut]).decode()


def assert_nothing_stored():
    assert Message.objects.count() == 0 and WorkOrder.objects.count() == 0


def test_a_wrong_or_missing_msg_signature_is_refused(client, db, safe_settings):
    timestamp, encrypted = str(int(time.time())), seal(text())
    assert safe_callback(client, encrypted=encrypted, signature="0" * 40).status_code == 403
    guessed = msg_signature(timestamp, NONCE, encrypted, token="guess")
    assert safe_callback(client, encrypted=encrypted, signature=guessed, timestamp=timestamp).status_code == 403
    plain_signature = sign(TOKEN, timestamp, NONCE)  # the plaintext-mode signature does not cover Encrypt
    response = safe_callback(client, encrypted=encrypted, signature=plain_signature, timestamp=timestamp)
    assert response.status_code == 403
    query = f"?signature={plain_signature}&timestamp={timestamp}&nonce={NONCE}&encrypt_type=aes"
    body = f"<xml><Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>"
    assert client.post("/channels/wechat/callback" + query, data=body, content_type="text/xml").status_code == 403
    assert safe_callback(client, encrypted=encrypted, timestamp=str(int(time.time()) - 400)).status_code == 403
    assert_nothing_stored()
    assert open_reply(safe_callback(client, encrypted=encrypted, timestamp=timestamp))  # signed right: accepted


def test_a_ciphertext_changed_after_signing_is_refused(client, db, safe_settings):
    timestamp, original = str(int(time.time())), seal(text())
    signature = msg_signature(timestamp, NONCE, original)
    response = safe_callback(client, encrypted=flip(original, 40), signature=signature, timestamp=timestamp)
    assert response.status_code == 403 and response.content == b"bad msg_signature"
    assert_nothing_stored()


@pytest.mark.parametrize(
    "tamper",
    [
        lambda encrypted: flip(encrypted, 0),  # the first block: flips the top byte of the length field
        lambda encrypted: flip(encrypted, len(base64.b64decode(encrypted)) - 17),  # flips the last pad byte
        lambda encrypted: flip(encrypted, len(base64.b64decode(encrypted)) - 1),  # garbles the last block
        lambda encrypted: raw(encrypted, slice(None, -16)),  # the last block dropped
        lambda encrypted: raw(encrypted, slice(None, -1)),  # not whole AES blocks
        lambda encrypted: raw(encrypted, slice(16, None)),  # the first block dropped
        lambda encrypted: "!!" + encrypted[2:],  # not base64
    ],
    ids=["length-field", "pad-byte", "last-block", "dropped-block", "partial-block", "shifted", "not-base64"],
)
def test_a_tampered_ciphertext_is_refused_even_when_signed(client, db, safe_settings, tamper):
    response = safe_callback(client, encrypted=tamper(seal(text())))
    assert response.status_code == 400 and response.content == b"message cannot be decrypted"
    assert_nothing_stored()


def test_a_message_for_another_appid_is_refused(client, db, safe_settings):
    response = safe_callback(client, encrypted=seal(text(), app_id="wx0000000000000000"))
    assert response.status_code == 400
    assert safe_callback(client, encrypted=seal(text(), app_id="")).status_code == 400
    assert_nothing_stored()


@pytest.mark.parametrize(
    "padding",
    [
        bytes(16),  # pad value 0
        bytes([48]) * 48,  # consistent, but longer than WeChat's block of 32
        b"\xaa" * 15 + bytes([16]),  # the last byte right, the others not
        bytes([20]) * 16,  # claims 20 bytes of padding, only 16 are
    ],
    ids=["zero", "over-32", "inconsistent", "claims-too-much"],
)
def test_bad_padding_is_refused(client, db, safe_settings, padding):
    message = text() + b" " * ((16 - len(frame(text()))) % 32)  # leaves 16 bytes to the next 32-byte block
    plain = frame(message)
    assert len(plain) % 32 == 16
    response = safe_callback(client, encrypted=aes_encrypt(plain + padding))
    assert response.status_code == 400 and response.content == b"message cannot be decrypted"
    assert_nothing_stored()
    assert open_reply(safe_callback(client, encrypted=aes_encrypt(plain + bytes([16]) * 16)))  # padded right
    assert WorkOrder.objects.count() == 1


@pytest.mark.parametrize(
    "plain",
    [
        pad32(frame(text(), length=len(text()) + 1000)),  # the length field points past the data
        pad32(frame(text(), length=0xFFFFFFFF)),
        pad32(frame(text(), length=len(text()) - 1)),  # one byte short: the AppID no longer matches
        pad32(RANDOM + b"\x00\x00"),  # too short to hold the length field
        pad32(RANDOM),
    ],
    ids=["past-the-end", "huge", "short", "truncated-field", "no-field"],
)
def test_an_inconsistent_length_field_is_refused(client, db, safe_settings, plain):
    response = safe_callback(client, encrypted=aes_encrypt(plain))
    assert response.status_code == 400
    assert_nothing_stored()


def test_decrypted_xml_goes_through_the_same_hardened_parser(client, db, safe_settings):
    response = safe_callback(client, BILLION_LAUGHS)
    assert response.status_code == 400 and b"DOCTYPE" in response.content
    assert safe_callback(client, "<xml>你好</xml>".encode("gbk")).status_code == 400
    assert safe_callback(client, text().replace(OPENID.encode(), b"../../etc")).status_code == 400
    assert safe_callback(client, encrypted="").content == b"<Encrypt> is required"
    assert_nothing_stored()


def test_an_encrypted_request_without_a_key_answers_501_naming_the_setting(client, db, settings):
    settings.REXIAN_WECHAT = {"TOKEN": TOKEN, "APP_ID": APP_ID}
    response = safe_callback(client, text())
    assert response.status_code == 501
    assert b"REXIAN_WECHAT_ENCODING_AES_KEY" in response.content and "明文模式".encode() in response.content
    assert safe_callback(client, text(), compatible=True, encrypt_type=None).status_code == 501
    assert_nothing_stored()


@pytest.mark.parametrize(
    "key, app_id, expected",
    [
        (ENCODING_AES_KEY[:-1], APP_ID, "must be 43 characters, not 42"),
        (ENCODING_AES_KEY + "=", APP_ID, "must be 43 characters, not 44"),
        (ENCODING_AES_KEY[:-1] + "-", APP_ID, "may contain only A-Z a-z 0-9 + /"),
        (ENCODING_AES_KEY, "", "needs REXIAN_WECHAT_APP_ID"),
    ],
    ids=["short", "padded", "url-safe-alphabet", "no-appid"],
)
def test_a_malformed_encoding_aes_key_is_a_start_up_check_error_and_breaks_nothing_else(
    client, db, settings, key, app_id, expected
):
    settings.REXIAN_WECHAT = {"TOKEN": TOKEN, "APP_ID": app_id, "APP_SECRET": "s" if app_id else "",
                              "ENCODING_AES_KEY": key}
    settings.REXIAN_SMS = {**settings.REXIAN_SMS, "GATEWAY_URL": "http://127.0.0.1:9/sms"}
    [error] = [e for e in gateways.check_channel_settings() if "REXIAN_WECHAT_ENCODING_AES_KEY" in e.msg]
    assert expected in error.msg and key not in error.msg  # `rexian serve` (migrate) stops on it
    try:
        assert "sms" in gateways.configure()  # the other channels still send
    finally:
        outbox.GATEWAYS.pop("sms", None)
        outbox.GATEWAYS.pop("wechat", None)
    response = safe_callback(client, text())  # a clear 503, not a 500 with a traceback
    assert response.status_code == 503 and response.content == b"WeChat channel is misconfigured"
    assert_nothing_stored()
