"""Intent classification in MiniLM sentence space: pure numpy + scikit-learn, no Rasa, no I/O.

A multinomial logistic regression on normalised sentence embeddings (next to character n-gram tf-idf,
which keeps typos and product codes), blended with a nearest-example vote, gives the intent ranking. Whether a message is
something the shop handles at all is decided apart from the ranking, by its cosine similarity to the
nearest in-scope training example: on real shop-bot traffic that gate recognises off-topic messages
far better than a classifier's confidence (../shared/notes/nlu-out-of-scope.md).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

OUT_OF_SCOPE = "out_of_scope"
_CHAR_TFIDF = {"analyzer": "char_wb", "ngram_range": (2, 5), "sublinear_tf": True, "lowercase": True}


@dataclass(frozen=True)
class IntentModelConfig:
    c: float = 8.0  # inverse regularisation of the logistic regression
    char_ngrams: bool = True  # add character 2-5-gram tf-idf next to the embedding
    char_weight: float = 0.5  # scale of the sparse block relative to the unit-length embedding
    scope_threshold: float = 0.0  # below this nearest-example similarity the message is out of scope
    neighbours: int = 3  # mean similarity over this many nearest in-scope examples
    knn_weight: float = 0.2  # share of the nearest-example vote in the final score
    knn_temperature: float = 0.1  # softmax temperature over each intent's best example similarity


@dataclass(frozen=True)
class _Prepared:
    dense_coef: np.ndarray  # (embedding width, intents)
    sparse_coef: np.ndarray  # (n-gram vocabulary, intents)
    groups: list[np.ndarray]  # per intent: its training examples' rows
    in_scope: np.ndarray  # rows of the examples that are not out of scope


@dataclass
class IntentModel:
    labels: list[str]
    coef: np.ndarray
    intercept: np.ndarray
    examples: np.ndarray  # embeddings of the training examples
    example_labels: np.ndarray  # index into labels for each example
    config: IntentModelConfig
    vocabulary: dict[str, int] = field(default_factory=dict)
    idf: np.ndarray | None = None
    _vectorizer: object = field(default=None, repr=False, compare=False)
    _ready: _Prepared | None = field(default=None, repr=False, compare=False)

    def rank(self, embeddings: np.ndarray, texts: list[str]) -> list[list[tuple[str, float]]]:
        """Intents by probability for each message, out of scope first when the gate says so."""
        probabilities = _softmax(self._logits(embeddings, texts))
        similarities = embeddings @ self.examples.T  # to every training example, for the vote and the gate
        if self.config.knn_weight:
            weight = self.config.knn_weight
            probabilities = (1 - weight) * probabilities + weight * self._nearest_vote(similarities)
        scope = self._scope(similarities)
        rankings = []
        for row, similarity in zip(probabilities, scope):
            ranking = sorted(zip(self.labels, row.tolist()), key=lambda pair: -pair[1])
            if similarity < self.config.scope_threshold and ranking[0][0] != OUT_OF_SCOPE:
                ranking = _promote_out_of_scope(ranking, similarity / max(self.config.scope_threshold, 1e-6))
            rankings.append(ranking)
        return rankings

    def _nearest_vote(self, similarities: np.ndarray) -> np.ndarray:
        """Each intent scored by its most similar training example, as a distribution: close paraphrases
        of one example count even where the linear model's boundary disagrees."""
        best = np.full((len(similarities), len(self.labels)), -1.0, dtype=np.float32)
        for index, rows in enumerate(self._prepared().groups):
            if len(rows):
                best[:, index] = similarities[:, rows].max(axis=1)
        return _softmax(best / self.config.knn_temperature)

    def scope_similarity(self, embeddings: np.ndarray) -> np.ndarray:
        return self._scope(embeddings @ self.examples.T)

    def _scope(self, similarities: np.ndarray) -> np.ndarray:
        """Mean similarity to the nearest in-scope training examples."""
        in_scope = similarities[:, self._prepared().in_scope]
        if not in_scope.shape[1]:
            return np.ones(len(similarities))
        k = min(self.config.neighbours, in_scope.shape[1])
        nearest = -np.partition(-in_scope, k - 1, axis=1)[:, :k]
        return nearest.mean(axis=1)

    def _logits(self, embeddings: np.ndarray, texts: list[str]) -> np.ndarray:
        """The logistic regression's scores on [embedding, char n-gram tf-idf] without building the dense
        feature row: the n-gram block stays sparse (a message has a few hundred of its tens of thousands of
        columns), which made this step a tenth of a parse's time."""
        prepared = self._prepared()
        logits = embeddings @ prepared.dense_coef + self.intercept
        if not self.config.char_ngrams or self.idf is None:
            return logits
        if self._vectorizer is None:  # built once: checking a stored vocabulary costs more than a parse
            self._vectorizer = _char_vectorizer(self.vocabulary, self.idf)
        sparse = self._vectorizer.transform(texts)
        return logits + np.asarray(sparse @ prepared.sparse_coef) * self.config.char_weight

    def _prepared(self) -> _Prepared:
        """What every parse reuses, laid out once: the weights of each feature block as contiguous columns,
        each intent's example rows, and which examples are in scope (a parse took 5 ms rebuilding them)."""
        if self._ready is None:
            width = self.examples.shape[1]
            out_of_scope = self.labels.index(OUT_OF_SCOPE) if OUT_OF_SCOPE in self.labels else -1
            self._ready = _Prepared(
                dense_coef=np.ascontiguousarray(self.coef[:, :width].T),
                sparse_coef=np.ascontiguousarray(self.coef[:, width:].T),
                groups=[np.flatnonzero(self.example_labels == index) for index in range(len(self.labels))],
                in_scope=np.flatnonzero(self.example_labels != out_of_scope))
        return self._ready


def fit(texts: list[str], labels: list[str], embeddings: np.ndarray, config: IntentModelConfig = IntentModelConfig()) -> IntentModel:
    """Fits the ranking and the scope gate on the training examples (embeddings: one row per text)."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    vocabulary, idf = {}, None
    features = embeddings
    if config.char_ngrams:
        vectorizer = TfidfVectorizer(min_df=2, **_CHAR_TFIDF)
        vectorizer.fit(texts)
        vocabulary = {gram: int(index) for gram, index in vectorizer.vocabulary_.items()}
        idf = vectorizer.idf_.astype(np.float32)
        features = np.hstack([embeddings, _char_tfidf(texts, vocabulary, idf) * config.char_weight])
    classifier = LogisticRegression(C=config.c, max_iter=2000, class_weight="balanced")
    classifier.fit(features, labels)
    classes = [str(label) for label in classifier.classes_]
    return IntentModel(
        labels=classes, coef=classifier.coef_.astype(np.float32), intercept=classifier.intercept_.astype(np.float32),
        examples=embeddings.astype(np.float32), example_labels=np.array([classes.index(str(l)) for l in labels]),
        config=config, vocabulary=vocabulary, idf=idf,
    )


def _char_vectorizer(vocabulary: dict[str, int], idf: np.ndarray):
    """The training-time character n-gram tf-idf, rebuilt from its stored vocabulary and idf."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectorizer = TfidfVectorizer(vocabulary=vocabulary, **_CHAR_TFIDF)
    vectorizer.idf_ = idf
    return vectorizer


def _char_tfidf(texts: list[str], vocabulary: dict[str, int], idf: np.ndarray) -> np.ndarray:
    return _char_vectorizer(vocabulary, idf).transform(texts).toarray().astype(np.float32)


def _softmax(logits: np.ndarray) -> np.ndarray:
    shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)


def _promote_out_of_scope(ranking: list[tuple[str, float]], closeness: float) -> list[tuple[str, float]]:
    """Out of scope first, with a confidence that grows the further the message is from anything known."""
    confidence = float(np.clip(1.0 - closeness / 2, 0.5, 1.0))
    others = [(label, score * (1 - confidence)) for label, score in ranking if label != OUT_OF_SCOPE]
    return [(OUT_OF_SCOPE, confidence)] + others
