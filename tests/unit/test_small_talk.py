"""The question inside a chatty message: greetings and thanks go, the question stays."""
import pytest

from bot.knowledge.small_talk import core_question


@pytest.mark.parametrize("message, question", [
    ("Hi, I have a question. until when can I swap my jacket? Thanks!", "until when can I swap my jacket?"),
    ("Hey there team! I was wondering if you price match? thank you so much!", "you price match?"),
    ("Hello, quick question: do you ship abroad? Cheers.", "do you ship abroad?"),
    ("Quick q, do you ship to Canada?", "do you ship to Canada?"),  # "quick" here is not fast delivery
    ("Good morning. can you tell me how long shipping takes please", "how long shipping takes"),
    ("Sorry to bother you, but I live in Germany, can I order from you?", "I live in Germany, can I order from you?"),
    ("yo, whats the return window ty", "whats the return window"),
    ("How long is the warranty?", "How long is the warranty?"),
    ("Quick delivery to Canada?", "Quick delivery to Canada?"),
])
def test_small_talk_around_a_question_is_dropped(message, question):
    assert core_question(message) == question


@pytest.mark.parametrize("message", ["hi", "thanks", "Hi there!", "please cancel my order", "thank you, bye"])
def test_a_message_that_is_only_small_talk_or_has_no_frame_stays_as_it_is(message):
    assert core_question(message) == message
