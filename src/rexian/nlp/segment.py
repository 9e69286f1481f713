"""Chinese word segmentation with a domain dictionary and synonyms.

The dictionary and the synonyms are plain Python values so that the Django
side can keep them in the database and pass them in::

    segmenter = Segmenter(
        user_words=["麓谷明珠", "12345热线"],        # words jieba must keep whole
        synonyms={"住建委": "住建局", "城管局": "城管执法局"},  # variant -> canonical
    )
    segmenter.tokens("市住建委不作为")   # ['市', '住建局', '不', '作为']
    segmenter.index_text(title + " " + body)   # for SQLite FTS5 / PostgreSQL tsvector

Text is normalised (NFKC: full-width letters and digits become ASCII; Latin
letters lower-cased) before segmentation, and synonyms are applied to the
tokens after it. Synonym keys and values are added to the dictionary as well,
so "住建委" is never split into "住" + "建委" before it can be mapped.

Output is deterministic: the same text, words and synonyms always give the
same tokens, which matters because documents and queries are segmented at
different times and must agree.
"""

import re
import unicodedata
from collections.abc import Iterable, Mapping
from functools import lru_cache

import rjieba

# A token made only of punctuation, symbols or spaces carries no meaning.
_NO_WORD_CHARACTER = re.compile(r"^[\W_]+$")
_WHITESPACE = re.compile(r"\s+")


def normalize_text(text: str) -> str:
    """NFKC-fold, lower-case and collapse whitespace runs to one space."""
    return _WHITESPACE.sub(" ", unicodedata.normalize("NFKC", text).lower()).strip()


class Segmenter:
    """rjieba with its own dictionary: several segmenters can coexist.

    Instances pickle as their configuration only; the rjieba dictionary is
    rebuilt on load, so a trained model that segments words can be saved.
    """

    def __init__(self, user_words: Iterable[str] = (), synonyms: Mapping[str, str] | None = None):
        self.synonyms = {
            normalize_text(variant): normalize_text(canonical)
            for variant, canonical in (synonyms or {}).items()
            if normalize_text(variant) and normalize_text(canonical)
        }
        self.user_words = tuple(sorted({normalize_text(word) for word in user_words} - {""}))
        self._jieba = self._build_jieba()

    def _build_jieba(self) -> rjieba.Jieba:
        jieba = rjieba.Jieba()
        for word in sorted({*self.user_words, *self.synonyms, *self.synonyms.values()}):
            if " " not in word:
                # freq=None lets jieba pick a frequency high enough to keep the word whole.
                jieba.add_word(word, None, None)
        return jieba

    def tokens(self, text: str, *, search_mode: bool = False) -> list[str]:
        """Words of ``text``, synonyms mapped, punctuation and spaces dropped.

        ``search_mode`` also emits the shorter words inside long ones
        (架空层 -> 架空, 架空层), which raises recall when indexing documents.
        """
        normalized = normalize_text(text)
        cut = self._jieba.cut_for_search if search_mode else self._jieba.cut
        return [
            self.synonyms.get(token, token)
            for token in cut(normalized)
            if not _NO_WORD_CHARACTER.match(token)
        ]

    def index_text(self, text: str) -> str:
        """Space-joined search-mode tokens for a full-text index.

        SQLite FTS5 (unicode61 tokenizer) and PostgreSQL ``to_tsvector('simple', ...)``
        split on the spaces, so a Chinese document becomes searchable word by
        word. Segment queries with the same segmenter: ``" ".join(tokens(query))``.
        """
        return " ".join(self.tokens(text, search_mode=True))

    def __getstate__(self) -> dict:
        return {"user_words": self.user_words, "synonyms": self.synonyms}

    def __setstate__(self, state: dict) -> None:
        self.user_words = state["user_words"]
        self.synonyms = state["synonyms"]
        self._jieba = self._build_jieba()


@lru_cache(maxsize=1)
def default_segmenter() -> Segmenter:
    """A shared segmenter with rjieba's built-in dictionary only."""
    return Segmenter()
