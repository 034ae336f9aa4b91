"""Support requests, reviews and clarifying questions, with real rasa-sdk trackers and fakes."""
import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.support import ActionClarify, ActionLeaveReview, ActionRecordReview, ActionSupportRequest
from bot.adapters.store_dir import StoreData
from bot.ports import Passage
from tests.fakes import FakeChatModel, FakeEmbedder, FakeRetriever, fake_container, tiny_catalogue

NEWSLETTER = Passage("You can unsubscribe from our newsletter with the link at the bottom of every e-mail.", 0,
                     {"doc_type": "policy", "source": "policies/privacy.md", "title": "Privacy", "section": "E-mails"})


@pytest.fixture()
def container(tmp_path):
    store = StoreData(tmp_path, tiny_catalogue(), [], {}, {})
    return fake_container(store, llm=FakeChatModel(), retriever=FakeRetriever([NEWSLETTER]), embedder=FakeEmbedder(),
                          relevance_threshold=0.3)


def tracker(text, intent, slots=None, ranking=None):
    return Tracker.from_dict({
        "sender_id": "shopper-1", "slots": slots or {},
        "latest_message": {"text": text, "intent": {"name": intent}, "entities": [], "intent_ranking": ranking or []},
        "events": [{"event": "user", "text": text, "parse_data": {"intent": {"name": intent}}}],
        "paused": False, "followup_action": None, "active_loop": {}, "latest_action_name": None,
    })


async def run(action, t):
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, t, {})
    return dispatcher.messages, {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


async def test_payment_problems_go_straight_to_the_limit_and_a_person(container):
    messages, slots = await run(ActionSupportRequest(container), tracker("I was charged twice", "payment_problem"))
    assert "can't see card or bank transactions" in messages[0]["text"]
    assert messages[0]["custom"]["shopbot"]["kind"] == "payment_problem" and slots["handoff_offered"] is True


async def test_a_newsletter_question_gets_what_the_policy_pages_say_then_the_limit(container):
    messages, _ = await run(ActionSupportRequest(container), tracker("how do I unsubscribe from the newsletter", "newsletter"))
    text = messages[0]["text"]
    assert "unsubscribe" in text.lower() and "bottom of every e-mail" in text
    assert "can't change newsletter" in text and messages[0]["custom"]["shopbot"]["sources"]


async def test_a_review_in_the_message_is_kept_and_recorded_with_its_text(container):
    _, slots = await run(ActionLeaveReview(), tracker("the desk lamp is great, 5 stars", "leave_review"))
    assert slots["review_text"] == "the desk lamp is great, 5 stars"
    messages, slots = await run(ActionRecordReview(), tracker("", "leave_review", {"review_text": slots["review_text"]}))
    assert messages[0]["custom"]["shopbot"] == {**messages[0]["custom"]["shopbot"], "kind": "review_recorded",
                                               "review": {"text": "the desk lamp is great, 5 stars"}}
    assert slots["review_text"] is None


async def test_asking_to_review_leaves_the_slot_empty_for_the_form(container):
    _, slots = await run(ActionLeaveReview(), tracker("I want to leave a review", "leave_review"))
    assert slots["review_text"] is None


async def test_an_unsure_reading_gets_a_question_and_the_button_answers_for_the_typed_message(container):
    ranking = [{"name": "nlu_fallback", "confidence": 0.3}, {"name": "policy_shipping", "confidence": 0.29},
               {"name": "order_status", "confidence": 0.27}]
    messages, slots = await run(ActionClarify(container), tracker("how soon will it come", "nlu_fallback", ranking=ranking))
    assert [b["payload"] for b in messages[0]["buttons"]][:2] == ["/policy_shipping", "/order_status"]
    assert slots["clarified_text"] == "how soon will it come"
    # The shopper presses "Newsletter..."-style button: the answer is about what they typed.
    messages, slots = await run(ActionSupportRequest(container),
                                tracker("/newsletter", "newsletter", {"clarified_text": "unsubscribe me from the newsletter"}))
    assert "bottom of every e-mail" in messages[0]["text"] and slots["clarified_text"] is None


async def test_one_reading_only_falls_back_to_the_shops_knowledge(container):
    ranking = [{"name": "nlu_fallback", "confidence": 0.3}, {"name": "greet", "confidence": 0.2}]
    messages, _ = await run(ActionClarify(container), tracker("blorp", "nlu_fallback", ranking=ranking))
    assert messages and messages[0]["custom"]["shopbot"]["kind"] != "clarify"


async def test_an_unsure_reading_of_a_plain_order_request_starts_the_order_form_instead(container):
    ranking = [{"name": "nlu_fallback", "confidence": 0.3}, {"name": "order_exchange", "confidence": 0.29},
               {"name": "product_options", "confidence": 0.27}]
    t = tracker("I want to exchange the electric kettle from order #W1630030.", "nlu_fallback",
                {"customer_id": "raj_santos_9079"}, ranking=ranking)
    dispatcher = CollectingDispatcher()
    events = await ActionClarify(container).run(dispatcher, t, {})
    assert {"event": "followup", "name": "order_form"} in [{k: e.get(k) for k in ("event", "name")} for e in events]
    assert {"order_request": "exchange"}.items() <= {e["name"]: e["value"] for e in events if e.get("event") == "slot"}.items()
    assert not any(m.get("buttons") for m in dispatcher.messages)


async def test_an_empty_review_is_never_silence(container):
    messages, slots = await run(ActionRecordReview(), tracker("", "leave_review", {"review_text": "   "}))
    assert [m["response"] for m in messages] == ["utter_anything_else"]
    assert slots["review_text"] is None
