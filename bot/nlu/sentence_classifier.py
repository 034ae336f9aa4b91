"""A Rasa 3.6 intent classifier on MiniLM sentence vectors (see bot/nlu/intent_model.py for the model).

Registered in config.yml as `bot.nlu.sentence_classifier.SentenceIntentClassifier`, after DIET (which
then only extracts entities). Measured against DIET in eval/nlu_candidates.py and reports/eval.md.

A typo is mended before classifying (bot/knowledge/spelling.py): against the words of the training
examples and the store's lookup tables (product names, option values), real English words left alone.
Only the classifier reads the mended text: entities, slots and order details come from the message as sent.
"""
from __future__ import annotations

import json
import logging
from collections import Counter
from typing import Any

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, PREDICTED_CONFIDENCE_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.knowledge.spelling import Speller, vocabulary
from bot.nlu import intent_model
from bot.nlu.encoder import encode, encode_messages

log = logging.getLogger(__name__)
RANKING_LENGTH = 10


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class SentenceIntentClassifier(GraphComponent, IntentClassifier):
    @staticmethod
    def get_default_config() -> dict[str, Any]:
        defaults = intent_model.IntentModelConfig()
        return {"c": defaults.c, "char_ngrams": defaults.char_ngrams, "char_weight": defaults.char_weight,
                "scope_threshold": defaults.scope_threshold, "neighbours": defaults.neighbours,
                "knn_weight": defaults.knn_weight, "knn_temperature": defaults.knn_temperature}

    def __init__(self, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
                 model: intent_model.IntentModel | None = None) -> None:
        self._config = config
        self._storage = model_storage
        self._resource = resource
        self._model = model
        self._words: Counter[str] = Counter()  # the training data's words, typos are mended to
        self._speller: Speller | None = None

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "SentenceIntentClassifier":
        return cls(config, model_storage, resource)

    def _model_config(self) -> intent_model.IntentModelConfig:
        return intent_model.IntentModelConfig(
            c=float(self._config["c"]), char_ngrams=bool(self._config["char_ngrams"]),
            char_weight=float(self._config["char_weight"]), scope_threshold=float(self._config["scope_threshold"]),
            neighbours=int(self._config["neighbours"]), knn_weight=float(self._config["knn_weight"]),
            knn_temperature=float(self._config["knn_temperature"]))

    def train(self, training_data: TrainingData) -> Resource:
        examples = [(m.get(TEXT), m.get(INTENT)) for m in training_data.intent_examples if m.get(TEXT) and m.get(INTENT)]
        if len({intent for _, intent in examples}) < 2:
            log.warning("SentenceIntentClassifier: fewer than two intents with examples; not trained")
            return self._resource
        texts = [text for text, _ in examples]
        self._model = intent_model.fit(texts, [intent for _, intent in examples], encode(texts), self._model_config())
        lookups = [element for table in training_data.lookup_tables for element in table.get("elements", [])
                   if isinstance(element, str)]
        self._words = vocabulary(texts + lookups)
        self.persist()
        return self._resource

    def persist(self) -> None:
        if self._model is None:
            return
        model = self._model
        with self._storage.write_to(self._resource) as directory:
            arrays = {"coef": model.coef, "intercept": model.intercept, "examples": model.examples,
                      "example_labels": model.example_labels}
            if model.idf is not None:
                arrays["idf"] = model.idf
            np.savez(directory / "model.npz", **arrays)
            (directory / "model.json").write_text(json.dumps({"labels": model.labels, "vocabulary": model.vocabulary,
                                                              "words": self._words}))

    @classmethod
    def load(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> "SentenceIntentClassifier":
        component = cls(config, model_storage, resource)
        try:
            with model_storage.read_from(resource) as directory:
                arrays = np.load(directory / "model.npz")
                meta = json.loads((directory / "model.json").read_text())
                component._model = intent_model.IntentModel(
                    labels=meta["labels"], coef=arrays["coef"], intercept=arrays["intercept"],
                    examples=arrays["examples"], example_labels=arrays["example_labels"],
                    config=component._model_config(), vocabulary=meta["vocabulary"],
                    idf=arrays["idf"] if "idf" in arrays.files else None)
                component._words = Counter(meta.get("words", {}))
        except ValueError:  # nothing persisted: an untrained component classifies nothing
            log.debug("SentenceIntentClassifier: no trained model in %s", resource.name)
        return component

    def _mended(self, text: str) -> str:
        if not self._words:
            return text
        if self._speller is None:
            from bot.adapters.english_words import english_words

            self._speller = Speller(english_words())
        return self._speller.mend_typos(text, self._words)

    def process(self, messages: list[Message]) -> list[Message]:
        if self._model is None:
            return messages
        texts = [message.get(TEXT) or "" for message in messages]
        read = [self._mended(text) for text in texts]
        rankings = self._model.rank(encode_messages(read), read)
        for message, text, ranking in zip(messages, texts, rankings):
            if not text.strip():  # nothing to classify: the fallback classifier takes it
                message.set(INTENT, {INTENT_NAME_KEY: None, PREDICTED_CONFIDENCE_KEY: 0.0}, add_to_output=True)
                message.set(INTENT_RANKING_KEY, [], add_to_output=True)
                continue
            top = [{INTENT_NAME_KEY: name, PREDICTED_CONFIDENCE_KEY: float(score)} for name, score in ranking[:RANKING_LENGTH]]
            message.set(INTENT, top[0], add_to_output=True)
            message.set(INTENT_RANKING_KEY, top, add_to_output=True)
        return messages
