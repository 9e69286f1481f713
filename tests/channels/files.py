"""Files citizens send, for the channel tests: a smallest JPEG, and a check that none was kept."""

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 200 + b"\xff\xd9"


def no_file_under(root) -> bool:
    return not root.exists() or not any(path.is_file() for path in root.rglob("*"))
