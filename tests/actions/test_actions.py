"""Actions with real rasa-sdk trackers and a container of fakes."""
import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.knowledge import ActionKnowledgeFallback, ActionPolicyAnswer
from actions.products import ActionProductFact, ActionProductQuestion
from actions.yes_no import ActionYesNo
from bot.adapters.store_dir import StoreData
from bot.ports import Passage
from tests.fakes import FakeChatModel, FakeEmbedder, FakeRetriever, fake_container, tiny_catalogue

POLICY = Passage("Items can be returned within 30 days of delivery.", 0,
                 {"doc_type": "policy", "source": "policies/returns.md", "title": "Returns", "section": "Window"})


@pytest.fixture()
def container(tmp_path):
    store = StoreData(tmp_path, tiny_catalogue(), [], {}, {})
    return fake_container(store, llm=FakeChatModel(), retriever=FakeRetriever([POLICY]), embedder=FakeEmbedder(),
                          relevance_threshold=0.3)


def tracker(text, intent, entities=(), slots=None, past_intents=()):
    events = [{"event": "user", "parse_data": {"intent": {"name": i}}} for i in past_intents]
    events.append({"event": "user", "text": text, "parse_data": {"intent": {"name": intent}}})
    return Tracker.from_dict({
        "sender_id": "shopper-1",
        "slots": slots or {},
        "latest_message": {"text": text, "intent": {"name": intent}, "entities": list(entities)},
        "events": events,
        "paused": False, "followup_action": None, "active_loop": {}, "latest_action_name": None,
    })


async def run(action, t):
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, t, {})
    return dispatcher.messages, {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


async def test_price_answer_carries_sources_and_sets_the_product_slot(container):
    messages, slots = await run(ActionProductFact(container), tracker("how much is the blue M t-shirt", "product_price"))
    assert messages[0]["text"].startswith("The T-Shirt (blue, M) costs $20.00 and is in stock.")
    assert "(Source: T-Shirt (item 1001))" in messages[0]["text"]
    assert messages[0]["custom"]["shopbot"]["sources"][0] == {"kind": "variant", "id": "1001", "title": "T-Shirt", "section": ""}
    assert slots["product_id"] == "100"
    # One upsell follows: the store's complement, with its real price.
    assert len(messages) == 2 and "Wool Socks" in messages[1]["text"] and "$12.00" in messages[1]["text"]
    assert slots["upsell_product_id"] == "400"


async def test_no_upsell_in_a_conversation_with_a_complaint(container):
    t = tracker("how much is the blue M t-shirt", "product_price", past_intents=["complaint"])
    messages, _ = await run(ActionProductFact(container), t)
    assert len(messages) == 1


async def test_button_entities_resolve_exactly(container):
    t = tracker('/inform{"item_id":"1002"}', "inform", entities=[{"entity": "item_id", "value": "1002"}])
    messages, _ = await run(ActionProductFact(container), t)
    assert "(blue, L) costs $21.50 and is out of stock" in messages[0]["text"]


@pytest.mark.parametrize("text", ["", "   ", "x" * 20_000, "\x00\x01\x02\xff", "🎉🎉", "¿Cuánto cuesta la camiseta azul?"])
async def test_bad_input_gets_a_polite_reply_and_no_service_call(container, text):
    llm = container.llm
    messages, _ = await run(ActionProductFact(container), tracker(text, "product_price"))
    assert len(messages) == 1 and messages[0]["text"] and "Traceback" not in messages[0]["text"]
    assert llm.calls == []


async def test_service_failure_is_a_polite_message_not_a_stack_trace(container, caplog):
    container.__dict__["products"] = None  # any attribute access on None raises inside the action
    messages, _ = await run(ActionProductFact(container), tracker("price of the t-shirt", "product_price"))
    assert messages == [{"text": None, "buttons": [], "elements": [], "custom": {}, "template": "utter_technical_problem",
                         "response": "utter_technical_problem", "image": None, "attachment": None}]
    assert "failed" in caplog.text


async def test_policy_answer_and_unknown_policy(container):
    messages, slots = await run(ActionPolicyAnswer(container),
                                tracker("can items be returned within 30 days of delivery", "policy_returns"))
    assert "30 days" in messages[0]["text"] and "Source: Returns › Window" in messages[0]["text"]
    assert slots["handoff_offered"] is False
    messages, slots = await run(ActionKnowledgeFallback(container), tracker("who won the football game", "nlu_fallback"))
    assert "won't guess" in messages[0]["text"] and slots["handoff_offered"] is True


async def test_describe_product(container):
    messages, _ = await run(ActionProductQuestion(container), tracker("tell me about the t-shirt", "product_describe"))
    assert messages[0]["custom"]["shopbot"]["kind"] == "product_describe"


async def test_yes_after_offer_of_a_person_hands_off_and_no_after_upsell_declines(container):
    messages, slots = await run(ActionYesNo(container), tracker("yes", "affirm", slots={"handoff_offered": True}))
    assert "passing your conversation to a person" in messages[0]["text"]
    messages, slots = await run(ActionYesNo(container), tracker("no thanks", "deny", slots={"upsell_product_id": "400"}))
    assert slots["upsell_declined"] is True and slots["upsell_product_id"] is None
    messages, slots = await run(ActionYesNo(container), tracker("yes", "affirm", slots={"upsell_product_id": "400"}))
    assert slots["product_id"] == "400" and "Wool Socks" in messages[0]["text"]
