"""WeChat's message encryption (消息加解密, 安全模式 and 兼容模式), the scheme of WeChat's WXBizMsgCrypt.

AESKey = base64(EncodingAESKey + "="), 32 bytes; AES-256-CBC with the first
16 bytes of the key as IV. The plaintext is 16 random bytes, the message
length (4 bytes, big-endian), the message XML and the AppID, padded PKCS#7
style to a multiple of **32** bytes (WeChat's block size, not AES's 16: pad
values run 1..32). Every field is checked on the way in; a ciphertext that
does not fit exactly is refused, never repaired.
"""

import base64
import binascii
import re
import secrets
import struct

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

BLOCK = 32
_ENCODING_AES_KEY = re.compile(r"[A-Za-z0-9+/]{43}")


class Undecryptable(ValueError):
    """The Encrypt element is not a message for this account (the reason is for the log only)."""


def aes_key(encoding_aes_key: str) -> bytes:
    """The 32-byte AES key of a 43-character EncodingAESKey; ValueError when it is not one."""
    if len(encoding_aes_key) != 43:
        raise ValueError(f"must be 43 characters, not {len(encoding_aes_key)}: the 公众号's EncodingAESKey as shown")
    if not _ENCODING_AES_KEY.fullmatch(encoding_aes_key):
        raise ValueError("may contain only A-Z a-z 0-9 + / (the 43 characters of the 公众号's EncodingAESKey)")
    return base64.b64decode(encoding_aes_key + "=")


def _cipher(key: bytes) -> Cipher:
    return Cipher(algorithms.AES(key), modes.CBC(key[:16]))


def encrypt(message: str, key: bytes, app_id: str, random: bytes | None = None) -> str:
    """The base64 ciphertext of message (an XML text) for the Encrypt element."""
    random = secrets.token_bytes(16) if random is None else random
    body = message.encode()
    plain = random + struct.pack(">I", len(body)) + body + app_id.encode()
    pad = BLOCK - len(plain) % BLOCK  # 1..32: an aligned plaintext gets a whole block of padding
    encryptor = _cipher(key).encryptor()
    return base64.b64encode(encryptor.update(plain + bytes([pad]) * pad) + encryptor.finalize()).decode()


def decrypt(encrypted: str, key: bytes, app_id: str) -> bytes:
    """The message (XML bytes) inside an Encrypt element addressed to app_id."""
    try:
        data = base64.b64decode(encrypted, validate=True)
    except (binascii.Error, ValueError):
        raise Undecryptable("not base64") from None
    if not data or len(data) % 16:
        raise Undecryptable("not whole AES blocks")
    decryptor = _cipher(key).decryptor()
    plain = decryptor.update(data) + decryptor.finalize()
    pad = plain[-1]
    if not 1 <= pad <= BLOCK or plain[-pad:] != bytes([pad]) * pad:
        raise Undecryptable("bad padding")
    content = plain[16:-pad]
    if len(content) < 4:
        raise Undecryptable("no length field")
    (length,) = struct.unpack(">I", content[:4])
    if length > len(content) - 4:
        raise Undecryptable("length field beyond the data")
    if content[4 + length:] != app_id.encode():
        raise Undecryptable("another AppID")
    return content[4:4 + length]
