"""The insights page of the staff console, its JSON and CSV, and staff's tags on conversations.
Access and CSRF are the console's own (`bot.web.staff`): these routes are added by `staff_routes`."""
from __future__ import annotations

import asyncio

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.templating import Jinja2Templates

from bot.domain.feedback import REASONS
from bot.domain.insights import TAGS, PeriodError
from bot.services.insights import TagError, report_csv
from bot.web import charts

TAG_LABELS = {"wrong_answer": "Wrong answer", "missing_knowledge": "Missing knowledge", "good": "Good"}
SENTIMENT_LABELS = {"positive": "Positive", "neutral": "Neutral", "negative": "Negative"}
SENTIMENT_COLOURS = ("#15803d", "#64748b", "#b91c1c")
SIGNAL_LABELS = {"frustrated_message": "Angry or very negative message", "thumbs_down": "Thumbs down",
                 "failed_twice": "Assistant failed twice in a row", "repeated_message": "Shopper repeated a message"}
REASON_LABELS = {**REASONS, "none_given": "No reason given"}
KIND_LABELS = {"unknown": "don't know", "out_of_scope": "out of scope", "policy_tentative": "not sure"}


def insights_routes(container, templates: Jinja2Templates, api, logged_in_staff, csrf_token, shop_name: str,
                    read_json) -> list[Route]:
    service = lambda: container.insights  # noqa: E731 - resolved on use, so tests can swap it

    def period(request: Request):
        return service().period(request.query_params.get("from"), request.query_params.get("to"))

    async def page(request: Request) -> Response:
        staff = await logged_in_staff(request)
        if not staff:
            return RedirectResponse("/staff/login", status_code=303)
        context = {"shop_name": shop_name, "staff": staff, "csrf_token": csrf_token(request), "report": None,
                   "error": "", "tag_labels": TAG_LABELS, "reason_labels": REASON_LABELS, "kind_labels": KIND_LABELS,
                   "query_from": request.query_params.get("from", ""), "query_to": request.query_params.get("to", "")}
        try:
            first, last = period(request)
        except PeriodError as error:
            context["error"] = str(error)
            return templates.TemplateResponse(request, "staff_insights.html", context, status_code=400)
        report = await asyncio.to_thread(service().report, first, last)
        context.update(report=report, charts=_charts(report), query_from=first.isoformat(), query_to=last.isoformat())
        return templates.TemplateResponse(request, "staff_insights.html", context)

    async def as_json(request: Request, staff: str) -> Response:
        try:
            first, last = period(request)
        except PeriodError as error:
            return JSONResponse({"error": str(error)}, status_code=400)
        return JSONResponse(await asyncio.to_thread(service().report, first, last))

    async def as_csv(request: Request, staff: str) -> Response:
        try:
            first, last = period(request)
        except PeriodError as error:
            return JSONResponse({"error": str(error)}, status_code=400)
        report = await asyncio.to_thread(service().report, first, last)
        name = f"insights-{first.isoformat()}-{last.isoformat()}.csv"
        return Response(report_csv(report), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})

    async def add_tag(request: Request, staff: str) -> Response:
        body = await read_json(request)
        if body is None:
            return JSONResponse({"error": 'Send a JSON object like {"tag": "wrong_answer"}.'}, status_code=400)
        message_id, note = body.get("message_id"), body.get("note", "")
        if message_id is not None and (not isinstance(message_id, int) or isinstance(message_id, bool)):
            return JSONResponse({"error": '"message_id" must be a whole number.'}, status_code=400)
        if not isinstance(note, str):
            return JSONResponse({"error": '"note" must be text.'}, status_code=400)
        try:
            tag = await asyncio.to_thread(service().tag, request.path_params["conversation_id"], str(body.get("tag")),
                                          staff, message_id, note)
        except TagError as error:
            return JSONResponse({"error": str(error)}, status_code=400)
        except LookupError as error:
            return JSONResponse({"error": str(error)}, status_code=404)
        return JSONResponse({"ok": True, "tag": {"conversation_id": tag.conversation_id, "tag": tag.tag,
                                                 "staff": tag.staff, "at": tag.at.isoformat(),
                                                 "message_id": tag.message_id, "note": tag.note}})

    async def remove_tag(request: Request, staff: str) -> Response:
        tag = request.path_params["tag"]
        if tag not in TAGS:
            return JSONResponse({"error": f"'tag' must be one of: {', '.join(TAGS)}."}, status_code=400)
        removed = await asyncio.to_thread(service().untag, request.path_params["conversation_id"], tag)
        return JSONResponse({"ok": True}) if removed else JSONResponse({"error": "No such tag."}, status_code=404)

    async def list_tags(request: Request, staff: str) -> Response:
        conversation_id = request.path_params["conversation_id"]
        try:
            found = await asyncio.to_thread(service().tags_of, conversation_id)
        except LookupError as error:
            return JSONResponse({"error": str(error)}, status_code=404)
        return JSONResponse({"conversation_id": conversation_id, "tags": [_tag_dict(t) for t in found]})

    async def tagged_cases(request: Request, staff: str) -> Response:
        return JSONResponse({"cases": await asyncio.to_thread(service().tagged_cases)})

    tags = "/staff/api/conversations/{conversation_id}/tags"
    return [
        Route("/staff/insights", page, methods=["GET"]),
        Route("/staff/api/insights", api(as_json), methods=["GET"]),
        Route("/staff/api/insights.csv", api(as_csv), methods=["GET"]),
        Route("/staff/api/tagged-cases", api(tagged_cases), methods=["GET"]),
        Route(tags, api(list_tags), methods=["GET"]),
        Route(tags, api(add_tag, write=True), methods=["POST"]),
        Route(tags + "/{tag}", api(remove_tag, write=True), methods=["DELETE"]),
    ]


def _tag_dict(tag) -> dict:
    """One tag as the console reads it (with the label it shows)."""
    return {"conversation_id": tag.conversation_id, "tag": tag.tag, "label": TAG_LABELS.get(tag.tag, tag.tag),
            "staff": tag.staff, "at": tag.at.isoformat(), "message_id": tag.message_id, "note": tag.note}


def _charts(report: dict) -> dict:
    outcomes = [(charts.LABELS[name], n) for name, n in report["outcomes"].items()]
    return {
        "by_day": charts.outcomes_by_day(report["by_day"], "Conversations per day by outcome", "chart-by-day"),
        "outcomes": charts.bars(outcomes, "Conversations by outcome", "chart-outcomes",
                                list(charts.COLOURS.values())),
        "triggers": charts.bars(list(report["handed_over_by_trigger"].items()), "Handoffs by trigger",
                                "chart-triggers"),
        "grounding": charts.bars(list(report["answers_by_grounding"].items()), "Answers by grounding outcome",
                                 "chart-grounding"),
        "products": charts.bars([(p["name"], p["conversations"]) for p in report["top_products"]],
                                "Top products asked about", "chart-products"),
        "sentiment": charts.bars([(SENTIMENT_LABELS[k], report["sentiment"][k]) for k in SENTIMENT_LABELS],
                                 "Shopper messages by sentiment", "chart-sentiment", list(SENTIMENT_COLOURS)),
        "sentiment_by_day": charts.sentiment_by_day(report["by_day"], "Mean sentiment of shopper messages per day",
                                                    "chart-sentiment-by-day"),
        "frustration": charts.bars([(SIGNAL_LABELS[k], n) for k, n in report["frustration"]["signals"].items()],
                                   "Conversations by frustration signal", "chart-frustration"),
        "reasons": charts.bars([(REASON_LABELS[k], n) for k, n in report["thumbs_down_reasons"].items()],
                               "Thumbs-down reasons", "chart-reasons"),
        "topics": charts.bars([(t["label"], t["count"]) for t in (report["unanswered_topics"] or [])[:10]],
                              "Unanswered questions by topic", "chart-topics"),
    }
