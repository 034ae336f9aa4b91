"""The Rasa intent classifier mends typos against its training words before classifying; the message's
own text (what entities, slots and order details are read from) stays as sent. Runs in Rasa's venv."""
from tests.conftest import ROOT, run_in_rasa_venv

SCRIPT = """
import json, tempfile
from pathlib import Path
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from bot.nlu.sentence_classifier import SentenceIntentClassifier

examples = {
    "policy_warranty": ["how long is the warranty", "is my jacket covered by the warranty", "warranty period please"],
    "policy_shipping": ["how long does shipping take", "do you ship abroad", "what does delivery cost"],
    "order_cancel": ["cancel my order", "please cancel order W123", "I want to cancel the purchase"],
}
data = TrainingData([Message.build(text=t, intent=i) for i, ts in examples.items() for t in ts],
                    lookup_tables=[{"name": "product", "elements": ["Trail Lamp", "Kettle"]}])
storage = LocalModelStorage(Path(tempfile.mkdtemp()))
resource = Resource("classifier")
context = ExecutionContext(GraphSchema({}), "test")
config = {**SentenceIntentClassifier.get_default_config()}
trained = SentenceIntentClassifier.create(config, storage, resource, context)
trained.train(data)
loaded = SentenceIntentClassifier.load(config, storage, resource, context)
message = Message.build(text="how lnog is the warrnaty on the Trail Lmap")
loaded.process([message])
print(json.dumps({"intent": message.get("intent")["name"], "text": message.get("text"),
                  "mended": loaded._mended("how lnog is the warrnaty on the Trail Lmap"),
                  "kept": loaded._mended("can I subscribe to the espresso newsletter")}))
"""


def test_typos_are_mended_for_the_classifier_only():
    result = run_in_rasa_venv(SCRIPT, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "HF_HUB_OFFLINE": "1",
                                           "TRANSFORMERS_OFFLINE": "1"})
    assert result["intent"] == "policy_warranty"
    assert result["text"] == "how lnog is the warrnaty on the Trail Lmap"  # the message itself is as sent
    assert result["mended"] == "how long is the warranty on the Trail lamp"  # the store's product words too
    assert result["kept"] == "can I subscribe to the espresso newsletter"  # real words are no typos
