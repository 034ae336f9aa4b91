import json

from bot.domain.prompts import (
    OPENERS, PROMPT_VERSION, build_messages, compose_selected, parse_selection, select_grammar,
)


def test_fixed_prefix_is_identical_across_requests():
    # llama.cpp reuses its KV cache only for an identical prefix: everything but the last turn.
    a = build_messages("policy", ["Fact one."], "question a")
    b = build_messages("product", ["Other fact.", "Two."], "question b")
    assert a[:-1] == b[:-1]
    assert "Fact one." in a[-1]["content"] and "1. Fact one." in a[-1]["content"]
    assert PROMPT_VERSION.startswith("grounded-answer/")


def test_grammar_only_allows_existing_fact_numbers():
    grammar = select_grammar(3, max_pick=2)
    assert 'idx ::= "1" | "2" | "3"' in grammar
    assert "{0,1}" in grammar  # at most two picks
    # The opener is chosen from fixed phrases: the model writes no claims of its own.
    assert grammar.split("intro ::= ")[1].split("\n")[0] == " | ".join(f'"{o}"' for o in OPENERS)


def test_parse_selection_keeps_valid_unique_picks():
    assert parse_selection(json.dumps({"intro": "Sure", "facts": [2, 2, 9, 1]}), 3) == ("Sure", [2, 1])
    assert parse_selection("not json", 3) is None
    assert parse_selection(json.dumps({"intro": "x", "facts": [7]}), 3) is None


def test_compose_selected_joins_intro_and_facts():
    facts = ["A is true.", "B is true."]
    assert compose_selected("Here is what I found", facts, [2]) == "Here is what I found: B is true."
    assert compose_selected("Sure", facts, [2]) == "Sure! B is true."
    assert compose_selected("We also sell cars", facts, [1, 2]) == "A is true. B is true."  # not an opener


def test_ranked_answers_must_start_with_the_best_fact():
    assert '[" "1" ("," " "? idx){0,2}' in select_grammar(4, max_pick=3, lead_with_first=True)
    assert '[" idx (' in select_grammar(4, max_pick=3)


def test_grammar_can_make_the_reply_lead_with_the_first_two_facts():
    # a policy answer's best passage and the sentence that completes it, then at most one more
    assert '[" "1" "," " "? "2" ("," " "? idx){0,1}' in select_grammar(4, max_pick=3, lead_with_first=True, lead=2)
    # never more lead facts than there are facts, and no lead at all without lead_with_first
    assert '[" "1" ("," " "? idx){0,0}' in select_grammar(1, max_pick=3, lead_with_first=True, lead=2)
    assert '[" idx (' in select_grammar(4, max_pick=3, lead=2)


def test_example_texts_are_the_few_shot_facts_and_questions_but_not_the_openers():
    from bot.domain.prompts import EXAMPLE_TEXTS, FEW_SHOT

    prompt = " ".join(m["content"] for m in build_messages("policy", ["Fact one."], "q", mode="free")[:-1])
    for shot_facts, shot_question, _ in FEW_SHOT:
        for text in (*shot_facts, shot_question):
            assert text in EXAMPLE_TEXTS and text in prompt
    assert not set(OPENERS) & set(EXAMPLE_TEXTS)  # the openers are the allowed lead-ins
