"""Reading labelled messages (``id,title,detail,label``) from CSV files."""

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

REQUIRED_COLUMNS = ("id", "title", "detail", "label")
TEXT_FIELDS = ("title", "full")


class DatasetError(ValueError):
    """A training or test file that cannot be used, with a message for a person."""


@dataclass(frozen=True)
class LabelledMessage:
    id: str
    title: str
    detail: str
    label: str

    def text(self, field: str) -> str:
        """The text a model sees: the title only, or the title then the detail.

        In ``full`` mode the title is the first line: the routing features
        weight that line separately as the headline.
        """
        if field == "title":
            return self.title
        if field == "full":
            return f"{self.title}\n{self.detail}" if self.detail else self.title
        raise ValueError(f"text field must be one of {TEXT_FIELDS}, not {field!r}")


def read_labelled_csv(path: str | Path) -> list[LabelledMessage]:
    """All rows of a UTF-8 CSV (a BOM is accepted); raises DatasetError when unusable."""
    path = Path(path)
    reader = None
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            missing = [column for column in REQUIRED_COLUMNS if column not in (reader.fieldnames or ())]
            if missing:
                raise DatasetError(
                    f"{path}: missing column(s) {', '.join(missing)}; "
                    f"expected a header with {', '.join(REQUIRED_COLUMNS)}"
                )
            messages = [
                LabelledMessage(
                    id=row["id"] or "",
                    title=(row["title"] or "").strip(),
                    detail=(row["detail"] or "").strip(),
                    label=(row["label"] or "").strip(),
                )
                for row in reader
            ]
    except FileNotFoundError:
        raise DatasetError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise DatasetError(f"{path}: is a directory; give the path of a CSV file inside it") from None
    except UnicodeDecodeError as error:
        raise DatasetError(f"{path}: not UTF-8 text ({error.reason} at byte {error.start})") from None
    except csv.Error as error:
        # e.g. a field over csv.field_size_limit() (131,072 characters): usually an unclosed quote.
        line = reader.line_num + 1 if reader is not None else 1  # the failed record is not counted yet
        raise DatasetError(
            f"{path}: not a readable CSV file in the row starting on line {line} ({error}); check the quoting there "
            f"(an unclosed quote runs on to the end of the file) or shorten that field "
            f"(at most {csv.field_size_limit()} characters)"
        ) from None
    except OSError as error:
        raise DatasetError(f"{path}: cannot be read ({error.strerror or error}); check the path and its permissions") from None
    if not messages:
        raise DatasetError(f"{path}: no data rows")
    unlabelled = [message.id for message in messages if not message.label]
    if unlabelled:
        raise DatasetError(f"{path}: {len(unlabelled)} row(s) without a label, e.g. id {unlabelled[0]!r}")
    return messages


def require_several_labels(messages: Iterable[LabelledMessage], path: str | Path) -> None:
    """A classifier needs at least two classes to learn anything."""
    labels = {message.label for message in messages}
    if len(labels) < 2:
        raise DatasetError(f"{path}: only one label ({', '.join(labels)}); training needs at least two")
