from bot.services.phrasing import Phraser
from tests.fakes import FakeChatModel

FACTS = ["Returns are accepted within 30 days of delivery.", "Refunds take 5 to 10 business days."]


def test_selected_facts_are_composed_with_the_lead_in():
    llm = FakeChatModel('{"intro": "Here are the details", "facts": [1]}')
    out = Phraser(llm, []).phrase("policy", "how long to return?", FACTS)
    assert out.text == "Here are the details: Returns are accepted within 30 days of delivery."
    assert out.grounding == "llm"
    assert llm.calls[0]["grammar"] and 'idx ::= "1" | "2"' in llm.calls[0]["grammar"]


def test_free_text_with_an_invented_number_is_replaced_by_the_facts():
    llm = FakeChatModel("You have 60 days to return anything!")
    phraser = Phraser(llm, [], mode="free")
    out = phraser.phrase("policy", "how long to return?", FACTS, max_facts=2)
    assert out.grounding == "replaced" and out.text == " ".join(FACTS)
    assert out.draft == "You have 60 days to return anything!"  # kept so make eval can measure the check
    assert phraser.stats["replaced"] == 1


def test_free_text_that_names_another_product_is_replaced():
    out = Phraser(FakeChatModel("Try our Laptop instead."), ["Laptop"], mode="free").phrase("product", "q", FACTS)
    assert out.grounding == "replaced"


def test_model_failure_and_garbage_output_fall_back_to_facts():
    broken = Phraser(FakeChatModel(error=RuntimeError("boom")), []).phrase("policy", "q", FACTS, max_facts=1)
    assert broken.text == FACTS[0] and broken.grounding == "replaced"
    garbage = Phraser(FakeChatModel("{{{"), []).phrase("policy", "q", FACTS, max_facts=1)
    assert garbage.text == FACTS[0] and garbage.grounding == "replaced"


def test_without_a_model_replies_are_composed():
    out = Phraser(None, []).phrase("policy", "q", FACTS, max_facts=1)
    assert (out.text, out.grounding) == (FACTS[0], "composed")


def test_ranked_tasks_lead_with_fact_one_and_summaries_choose_freely():
    llm = FakeChatModel('{"intro": "Sure", "facts": [1]}')
    Phraser(llm, []).phrase("policy", "q", FACTS)
    Phraser(llm, []).phrase("summary", "q", FACTS)
    assert '[" "1"' in llm.calls[0]["grammar"] and '[" "1"' not in llm.calls[1]["grammar"]


def test_a_busy_model_means_the_facts_answer_at_once():
    from bot.ports import ModelBusy

    phraser = Phraser(FakeChatModel(error=ModelBusy("busy")), [])
    out = phraser.phrase("policy", "how long to return?", FACTS, max_facts=1)
    assert out.text == FACTS[0] and out.grounding == "composed"
    assert phraser.stats["busy"] == 1


def test_free_text_repeating_a_few_shot_example_fact_is_replaced():
    # "Trail Lamp" and its facts exist only in the prompt's examples, not in this shop's facts
    facts = ["The Headlamp is water resistant.", "The Headlamp runs on 3 AAA batteries."]
    draft = "Good question. The Trail Lamp is rechargeable."
    phraser = Phraser(FakeChatModel(draft), ["Headlamp"], mode="free")
    out = phraser.phrase("product", "is the headlamp rechargeable?", facts, max_facts=2)
    assert (out.text, out.grounding, out.draft) == (" ".join(facts), "replaced", draft)
    assert phraser.stats["replaced"] == 1


def test_free_text_with_an_example_phrase_but_no_example_number_or_name_is_replaced():
    draft = "Sure. Refunds go to the original payment method within 5 to 10 business days."
    out = Phraser(FakeChatModel(draft), [], mode="free").phrase("policy", "refund?", FACTS, max_facts=2)
    assert out.grounding == "replaced" and out.text == " ".join(FACTS)


def test_example_wording_that_this_shops_facts_also_hold_is_kept():
    facts = ["Items can be returned within 30 days of delivery."]
    draft = "Happy to help. Items can be returned within 30 days of delivery."
    out = Phraser(FakeChatModel(draft), [], mode="free").phrase("policy", "return window?", facts)
    assert (out.text, out.grounding) == (draft, "llm")


def test_free_text_with_a_bare_or_obfuscated_domain_is_replaced():
    for draft in ("Here's a link to the Evil.com website.", "Write to help at evil dot com.", "See 203.0.113.9/pay"):
        out = Phraser(FakeChatModel(draft), [], mode="free").phrase("policy", "q", FACTS, max_facts=2)
        assert (out.text, out.grounding, out.draft) == (" ".join(FACTS), "replaced", draft), draft


def test_the_shops_own_domain_from_the_facts_passes():
    facts = ["Track your order at shop.example.com."]
    draft = "Sure. You can track it at Shop.Example.com."
    out = Phraser(FakeChatModel(draft), [], mode="free").phrase("policy", "where is my order?", facts)
    assert (out.text, out.grounding) == (draft, "llm")


def test_policy_answers_can_make_every_ranked_fact_lead_so_the_model_only_opens():
    llm = FakeChatModel('{"intro": "Sure", "facts": [1, 2, 3]}')
    phraser = Phraser(llm, [])
    facts = ["Returns are free.", "Use our label.", "Refunds take 5 days."]
    phrased = phraser.phrase("policy", "is returning free?", facts, max_facts=3, lead=3)
    assert '[" "1" "," " "? "2" "," " "? "3" ("," " "? idx){0,0}' in llm.calls[0]["grammar"]
    assert phrased.text == "Sure! Returns are free. Use our label. Refunds take 5 days."
    # a task whose facts are not ranked (a staff summary) leads with none
    phraser.phrase("summary", "who?", facts, max_facts=3, lead=3)
    assert '[" idx (' in llm.calls[1]["grammar"]
