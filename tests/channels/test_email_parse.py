"""Reading mail as Chinese mail clients send it (no database, no server)."""

from rexian.channels.email.parse import decode_header_text, parse, strip_quoted
from tests.channels.peers import mails


def test_it_decodes_a_gbk_subject_labelled_gb2312():
    # 镕 is in GBK but not in GB2312: decoding by the label alone would fail.
    mail = parse(mails.gbk("朱镕基路夜间施工噪音", "每天晚上十一点以后还在施工，严重扰民。"))
    assert mail.subject == "朱镕基路夜间施工噪音"
    assert mail.text == "每天晚上十一点以后还在施工，严重扰民。"
    assert mail.sender == "lisi@example.com" and mail.sender_name == "李四"


def test_it_reads_raw_8bit_gbk_headers_and_body_without_a_charset():
    mail = parse(mails.raw_8bit_gbk("垃圾清运不及时", "小区垃圾三天没人清运。"))
    assert mail.subject == "垃圾清运不及时"
    assert mail.text == "小区垃圾三天没人清运。"


def test_it_decodes_utf8_encoded_words_split_across_lines():
    header = "=?UTF-8?B?5bCP5Yy66Zeo5Y+j?=\r\n =?UTF-8?B?6Lev54Gv5LiN5Lqu?="
    assert decode_header_text(header) == "小区门口路灯不亮"


def test_it_prefers_text_plain_and_falls_back_to_stripped_html():
    html = "<html><head><style>p{color:red}</style></head><body><p>楼下饭店&nbsp;油烟</p><p>很大<br>请处理</p>" \
           "<script>alert(1)</script></body></html>"
    mail = parse(mails.html_only(html))
    assert mail.text == "楼下饭店 油烟\n\n很大\n请处理"


def test_it_keeps_attachments_within_the_limits_and_notes_the_rest():
    raw = mails.plain(attachments=[
        ("现场照片.jpg", "image/jpeg", b"\xff\xd8" + b"x" * 500),
        ("录像.mp4", "video/mp4", b"v" * 5000),
        ("../../etc/passwd", "text/csv", b"a,b\n"),
    ])
    mail = parse(raw, max_attachments=2, max_attachment_bytes=1024)
    assert [(item.filename, item.content_type, len(item.data)) for item in mail.attachments] == [
        ("现场照片.jpg", "image/jpeg", 502), ("passwd", "text/csv", 4),
    ]
    assert len(mail.notes) == 1 and "录像.mp4" in mail.notes[0] and "上限" in mail.notes[0]
    assert parse(raw, max_attachments=1, max_attachment_bytes=10000).notes[-1].startswith("附件“passwd”未保存：每封邮件最多")


def test_it_collects_thread_ids_from_in_reply_to_and_references():
    raw = mails.plain(In_Reply_To="<a@x>", References="<root@x> <a@x>")
    assert parse(raw).thread_ids == ["<a@x>", "<root@x>"]


def test_it_recognises_auto_replies_and_bounces():
    assert parse(mails.plain(Auto_Submitted="auto-replied")).automatic == "Auto-Submitted: auto-replied"
    assert parse(mails.plain(Precedence="bulk")).automatic == "Precedence: bulk"
    assert parse(mails.plain(Auto_Submitted="no")).automatic == ""
    report = parse(mails.bounce("<rexian.7.abc@hotline.example.cn>"))
    assert report.automatic and report.bounced_ids == ["<rexian.7.abc@hotline.example.cn>"]
    assert "550 5.1.1" in report.bounce_reason


def test_it_cuts_the_quoted_earlier_mail_from_a_reply():
    text = "补充：路灯在3号楼旁边。\n\n在 2026年11月28日 10:00，12345热线 写道：\n> 您的来信已受理"
    assert strip_quoted(text) == "补充：路灯在3号楼旁边。"
    assert strip_quoted("> only a quote") == "> only a quote"  # nothing new: keep it all
