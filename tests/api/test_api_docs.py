"""docs/api.md carries the generated intake and action tables, up to date."""

from pathlib import Path

from rexian.api.reference import tables

DOC = Path(__file__).resolve().parents[2] / "docs" / "api.md"


def test_the_api_document_has_the_current_tables():
    document = DOC.read_text(encoding="utf-8")
    for table in tables().strip().split("\n\n"):
        assert table in document, "docs/api.md is out of date: regenerate the tables (see the document)"
