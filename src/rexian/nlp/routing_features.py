"""The sparse features the routing classifier reads.

Up to three TF-IDF blocks, each L2-normalised and kept apart (the model
trains one classifier per block and learns how much each counts):

* character 1–3-grams of the whole text: robust to segmentation errors,
  place names and typos, and strong on short titles;
* rjieba word unigrams and bigrams: whole words and short phrases
  (物业 收费, 拖欠 工资) that character n-grams only approximate;
* character 1–3-grams of the first line (the title in ``full`` mode), so
  the title is heard apart from a long detail. Built only for multi-line
  texts: over one-line texts it would repeat the first block.

All use sublinear tf (1 + log tf): a word repeated in a long complaint
should not swamp the rest. Terms seen in fewer than ``min_df`` training
texts are dropped, which halves the vocabulary with no loss in accuracy.

Fitting uses scikit-learn's TfidfVectorizer. Transforming does the same
arithmetic in plain Python from the fitted vocabularies, because
scikit-learn's per-call input validation costs several milliseconds, far
more than the counting itself for one message.
"""

from collections import Counter
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer

from rexian.nlp.segment import Segmenter, default_segmenter, normalize_text


@dataclass(frozen=True)
class FeatureSettings:
    char_ngram_max: int = 3
    word_ngram_max: int = 2
    min_df: int = 2


class WordNgrams:
    """Analyzer for TfidfVectorizer: word n-grams from a Segmenter (picklable)."""

    def __init__(self, segmenter: Segmenter, max_n: int):
        self.segmenter = segmenter
        self.max_n = max_n

    def __call__(self, text: str) -> list[str]:
        words = self.segmenter.tokens(text)
        grams = list(words)
        for n in range(2, self.max_n + 1):
            grams.extend(" ".join(words[start : start + n]) for start in range(len(words) - n + 1))
        return grams


def _whole_text(text: str) -> str:
    return text


def _first_line(text: str) -> str:
    return text.split("\n", 1)[0]


class _Block:
    """One TF-IDF vectorizer and the part of the text it reads."""

    def __init__(self, vectorizer: TfidfVectorizer, source):
        self.vectorizer, self.source = vectorizer, source

    def fit_transform(self, texts: list[str]) -> sparse.csr_matrix:
        matrix = self.vectorizer.fit_transform([self.source(text) for text in texts])
        self._prepare()
        return matrix.tocsr()

    def _prepare(self) -> None:
        self._analyze = self.vectorizer.build_analyzer()
        # Plain ints: sklearn stores numpy integers, which are slower to look up and convert.
        self._column_of = {term: int(column) for term, column in self.vectorizer.vocabulary_.items()}
        self._idf = self.vectorizer.idf_

    def transform(self, texts: list[str]) -> sparse.csr_matrix:
        """What the fitted TfidfVectorizer would give for ``texts``, computed faster."""
        rows = [self._columns_and_values(text) for text in texts]
        columns = [row_columns for row_columns, _ in rows]
        return sparse.csr_matrix(
            (
                np.concatenate([np.zeros(0)] + [values for _, values in rows]).astype(np.float32),
                np.concatenate([np.zeros(0, dtype=np.int64)] + columns),
                np.concatenate([[0], np.cumsum([len(row_columns) for row_columns in columns])]),
            ),
            shape=(len(texts), len(self._column_of)),
        )

    def _columns_and_values(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        column_of = self._column_of.get
        known = [
            (column, count)
            for term, count in Counter(self._analyze(self.source(text))).items()
            if (column := column_of(term)) is not None
        ]
        if not known:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        columns, counts = np.array(known).T
        values = (1.0 + np.log(counts)) * self._idf[columns]
        return columns, values / np.linalg.norm(values)

    def __getstate__(self) -> dict:
        return {"vectorizer": self.vectorizer, "source": self.source}

    def __setstate__(self, state: dict) -> None:
        self.__init__(**state)
        self._prepare()


class TextFeatures:
    """The feature blocks of one model; ``transform`` gives one matrix per block."""

    def __init__(self, settings: FeatureSettings, segmenter: Segmenter | None = None, headline: bool = True):
        words = TfidfVectorizer(
            analyzer=WordNgrams(segmenter or default_segmenter(), settings.word_ngram_max),
            sublinear_tf=True,
            min_df=settings.min_df,
            dtype=np.float32,
        )
        self.blocks = [_Block(_char_tfidf(settings), _whole_text), _Block(words, _whole_text)]
        if headline:
            self.blocks.append(_Block(_char_tfidf(settings), _first_line))

    def fit_transform(self, texts: list[str]) -> list[sparse.csr_matrix]:
        return [block.fit_transform(texts) for block in self.blocks]

    def transform(self, texts: list[str]) -> list[sparse.csr_matrix]:
        return [block.transform(texts) for block in self.blocks]


def _char_tfidf(settings: FeatureSettings) -> TfidfVectorizer:
    return TfidfVectorizer(
        analyzer="char",
        ngram_range=(1, settings.char_ngram_max),
        preprocessor=normalize_text,
        lowercase=False,
        sublinear_tf=True,
        min_df=settings.min_df,
        dtype=np.float32,
    )
