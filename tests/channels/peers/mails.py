"""Citizens' mails as mail clients really send them: UTF-8, GBK labelled gb2312, HTML-only, with attachments."""

import base64
from email.message import EmailMessage
from email.utils import formatdate


def plain(subject="小区门口路灯不亮", body="幸福路12号门口的路灯坏了一周，晚上很黑。", sender="张三 <zhangsan@example.com>",
          message_id="<m1@example.com>", attachments=(), **headers) -> bytes:
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = "12345@hotline.example.cn"
    mail["Subject"] = subject
    mail["Date"] = formatdate(localtime=True)
    if message_id:
        mail["Message-ID"] = message_id
    for name, value in headers.items():
        mail[name.replace("_", "-")] = value
    mail.set_content(body)
    for filename, content_type, data in attachments:
        maintype, subtype = content_type.split("/")
        mail.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return bytes(mail)


def gbk(subject: str, body: str, sender="lisi@example.com", message_id="<gbk1@example.com>") -> bytes:
    """What older Chinese clients send: GBK bytes labelled gb2312, subject as an RFC 2047 word."""
    encoded_subject = base64.b64encode(subject.encode("gbk")).decode()
    encoded_body = base64.encodebytes(body.encode("gbk")).decode()
    return (
        f"From: =?gb2312?B?{base64.b64encode('李四'.encode('gbk')).decode()}?= <{sender}>\r\n"
        f"To: 12345@hotline.example.cn\r\nSubject: =?gb2312?B?{encoded_subject}?=\r\n"
        f"Message-ID: {message_id}\r\nDate: {formatdate(localtime=True)}\r\nMIME-Version: 1.0\r\n"
        'Content-Type: text/plain; charset="gb2312"\r\nContent-Transfer-Encoding: base64\r\n\r\n'
        f"{encoded_body}"
    ).encode("ascii")


def raw_8bit_gbk(subject: str, body: str, message_id="<raw1@example.com>") -> bytes:
    """Headers and body as raw GBK bytes, no charset anywhere (it happens)."""
    return (
        b"From: wangwu@example.com\r\nTo: 12345@hotline.example.cn\r\nSubject: " + subject.encode("gbk")
        + f"\r\nMessage-ID: {message_id}\r\nMIME-Version: 1.0\r\nContent-Type: text/plain\r\n"
          "Content-Transfer-Encoding: 8bit\r\n\r\n".encode()
        + body.encode("gbk") + b"\r\n"
    )


def html_only(body_html: str, message_id="<html1@example.com>") -> bytes:
    mail = EmailMessage()
    mail["From"] = "zhaoliu@example.com"
    mail["To"] = "12345@hotline.example.cn"
    mail["Subject"] = "噪音扰民"
    mail["Message-ID"] = message_id
    mail.set_content(body_html, subtype="html")
    return bytes(mail)


def bounce(original_message_id: str, recipient="nobody@example.com") -> bytes:
    return (
        "From: Mail Delivery System <MAILER-DAEMON@mx.example.cn>\r\nTo: 12345@hotline.example.cn\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\nMessage-ID: <bounce1@mx.example.cn>\r\n"
        "Auto-Submitted: auto-replied\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n\r\n'
        "--B\r\nContent-Type: text/plain\r\n\r\nThis is the mail system. Your message could not be delivered.\r\n"
        "--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.cn\r\n\r\n"
        f"Final-Recipient: rfc822; {recipient}\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        "Diagnostic-Code: smtp; 550 5.1.1 user unknown\r\n\r\n"
        "--B\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        f"From: 12345@hotline.example.cn\r\nTo: {recipient}\r\nMessage-ID: {original_message_id}\r\n"
        "Subject: test\r\n\r\n--B--\r\n"
    ).encode()
