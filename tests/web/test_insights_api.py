"""The insights page, its JSON and CSV, and conversation tags over HTTP, on the seeded conversations of
tests/services/test_insights.py (known outcomes)."""
from __future__ import annotations

import csv
import io
import statistics

import httpx
import markupsafe
import pytest

from bot.web.staff_users import hash_password
from tests.services.test_insights import FRUSTRATED, seed
from tests.web.test_staff_api import logged_in

PERIOD = {"from": "2026-03-01", "to": "2026-03-14"}


@pytest.fixture(scope="module")
def seeded(web):
    web["container"].chat.store.add_staff("carol", hash_password("carol-password"))
    truth = seed(web["container"].settings.resolved_database_url())
    client, csrf = logged_in(web["url"], "carol")
    client.timeout = httpx.Timeout(120)  # the first report loads MiniLM to group unanswered questions
    return {**web, "truth": truth, "client": client, "csrf": csrf}


def test_nothing_without_login(seeded):
    anonymous = httpx.Client(base_url=seeded["url"], follow_redirects=False)
    assert anonymous.get("/staff/insights").headers["location"] == "/staff/login"
    assert anonymous.get("/staff/api/insights", params=PERIOD).status_code == 401
    assert anonymous.get("/staff/api/insights.csv", params=PERIOD).status_code == 401
    assert anonymous.get("/staff/api/tagged-cases").status_code == 401
    assert anonymous.post("/staff/api/conversations/c0003/tags", json={"tag": "good"}).status_code == 401


def test_json_matches_the_seeded_truth(seeded):
    truth = seeded["truth"]
    report = seeded["client"].get("/staff/api/insights", params=PERIOD).json()
    assert report["conversations"] == truth.conversations == 300
    assert report["outcomes"] == {o: truth.outcomes[o] for o in ("resolved_by_assistant", "handed_over", "abandoned")}
    assert report["handed_over_by_trigger"] == dict(truth.triggers)
    assert report["median_pickup_s"] == pytest.approx(statistics.median(truth.pickups))
    assert report["median_resolution_s"] == pytest.approx(statistics.median(truth.resolutions))
    assert report["csat"] == pytest.approx(truth.thumbs["up"] / (truth.thumbs["up"] + truth.thumbs["down"]))
    assert report["answers_by_grounding"] == dict(sorted(truth.grounding.items()))
    assert report["dont_know"] == len(truth.dont_know)
    assert {p["product_id"]: p["conversations"] for p in report["top_products"]} == dict(truth.products)
    assert "Rain Jacket" in {p["name"] for p in report["top_products"]}  # names from the store's catalogue
    assert report["upsell"] == {k: truth.upsell[k] for k in ("offers", "accepted", "declined")}


def test_csv_matches_the_seeded_truth(seeded):
    response = seeded["client"].get("/staff/api/insights.csv", params=PERIOD)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    assert 'filename="insights-2026-03-01-2026-03-14.csv"' in response.headers["content-disposition"]
    cells = {(row["section"], row["name"]): row["value"] for row in csv.DictReader(io.StringIO(response.text))}
    truth = seeded["truth"]
    assert cells[("total", "conversations")] == "300"
    for outcome in ("resolved_by_assistant", "handed_over", "abandoned"):
        assert cells[("outcome", outcome)] == str(truth.outcomes[outcome])
    assert cells[("handed_over_by_trigger", FRUSTRATED)] == str(truth.triggers[FRUSTRATED])
    assert cells[("answers", "dont_know")] == str(len(truth.dont_know))
    assert float(cells[("handoff", "median_pickup_s")]) == pytest.approx(statistics.median(truth.pickups))
    assert cells[("unanswered", "out_of_scope")] == str(truth.unanswered["out_of_scope"])
    assert cells[("thumbs_down_reason", "wrong")] == str(truth.reasons["wrong"])
    assert int(cells[("sentiment", "scored")]) == len(truth.sentiments)


@pytest.mark.parametrize("params", [
    {"from": "2026-02-30", "to": "2026-03-14"},  # no such day
    {"from": "last week"},
    {"from": "2026-03-14", "to": "2026-03-01"},  # backwards
    {"from": "2020-01-01", "to": "2026-03-14"},  # too long
])
def test_bad_periods_are_400_with_a_message(seeded, params):
    for path in ("/staff/api/insights", "/staff/api/insights.csv"):
        response = seeded["client"].get(path, params=params)
        assert response.status_code == 400 and response.json()["error"], (path, params)
    page = seeded["client"].get("/staff/insights", params=params)
    assert page.status_code == 400 and 'id="insights-error"' in page.text


def test_the_page_shows_the_figures_and_its_charts(seeded):
    truth = seeded["truth"]
    page = seeded["client"].get("/staff/insights", params=PERIOD)
    assert page.status_code == 200
    assert f'data-figure="conversations">{truth.conversations}<' in page.text
    assert f'data-figure="handed_over">{truth.outcomes["handed_over"]}<' in page.text
    for chart in ("chart-by-day", "chart-outcomes", "chart-triggers", "chart-grounding", "chart-products",
                  "chart-topics", "chart-sentiment-by-day", "chart-sentiment", "chart-frustration", "chart-reasons"):
        assert f'<svg class="chart" id="{chart}"' in page.text
    report = seeded["client"].get("/staff/api/insights", params=PERIOD).json()
    assert f'data-figure="frustration">{report["frustration"]["conversations"]} ' in page.text
    assert f'data-figure="out_of_scope">{report["unanswered"]["out_of_scope"]}<' in page.text
    assert f'data-figure="not_sure">{report["unanswered"]["policy_tentative"]}<' in page.text
    topics = report["unanswered_topics"]
    assert topics and page.text.count("data-topic-count") == len(topics)
    missing = [t['label'] for t in topics if f"“{markupsafe.escape(t['label'])}”" not in page.text]
    assert not missing, (missing, page.text[page.text.find('id="topics"'):][:1500])
    assert page.text.count('class="bar"') > 20
    assert "<script" not in page.text.split("</main>")[0].split('<main')[1]  # nothing the CSP would block
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert 'href="/staff/api/insights.csv?from=2026-03-01&amp;to=2026-03-14"' in page.text


def test_tags_need_csrf_and_export_wrong_answers(seeded):
    client, csrf = seeded["client"], seeded["csrf"]
    url = "/staff/api/conversations/c0003/tags"
    assert client.post(url, json={"tag": "wrong_answer"}).status_code == 403
    assert client.post(url, json={"tag": "wrong_answer"}, headers={"X-CSRF-Token": "forged"}).status_code == 403
    headers = {"X-CSRF-Token": csrf}
    assert client.post(url, json={"tag": "bad"}, headers=headers).status_code == 400
    assert client.post(url, content=b"not json", headers=headers).status_code == 400
    assert client.post(url, json={"tag": "good", "message_id": "x"}, headers=headers).status_code == 400
    assert client.post("/staff/api/conversations/nope/tags", json={"tag": "good"}, headers=headers).status_code == 404
    tagged = client.post(url, json={"tag": "wrong_answer", "note": "made up a policy"}, headers=headers)
    assert tagged.status_code == 200 and tagged.json()["tag"]["staff"] == "carol"
    report = client.get("/staff/api/insights", params=PERIOD).json()
    assert report["tags"]["wrong_answer"] == 1 and report["tagged"][0]["conversation_id"] == "c0003"
    cases = client.get("/staff/api/tagged-cases").json()["cases"]
    assert [c["conversation_id"] for c in cases] == ["c0003"] and cases[0]["note"] == "made up a policy"
    assert client.delete(f"{url}/wrong_answer").status_code == 403
    assert client.delete(f"{url}/wrong_answer", headers=headers).status_code == 200
    assert client.get("/staff/api/tagged-cases").json()["cases"] == []
