"""The adversarial suite (tests/adversarial/corpus.py) against the real stack on the tau store: leaks,
consent, identity guessing, injection, malformed input and the web app. Every case records its outcome
(passed, or which check failed) and what it counts: leaks, writes without consent, 5xx, silent drops, XSS.

`make test` runs the fixed fast part (`corpus.FAST_IDS`, every category, a few XSS payloads in the
browser; results in var/results/adversarial.json). `make adversarial` (SHOPBOT_ADVERSARIAL=all) runs all
of it and writes reports/adversarial.md and reports/parts/adversarial.json.

Writes are undone by `restore_shop`, which copies the seed data back into the shop's tables only: the
tables the running services create themselves (identity attempts, conversations, staff) stay.
"""
from __future__ import annotations

import asyncio
import http.client
import json
import os
import re
import sqlite3
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from functools import cache

import httpx
import pytest
import socketio

from bot.adapters.sql.conversations import SqlConversationStore
from bot.web.staff_users import hash_password
from tests.adversarial import checks
from tests.adversarial.corpus import (AT_ONCE, CATEGORIES, CHANGES, DESCRIPTIONS, FLOWS, NO_PAYLOAD, Case, corpus,
                                      person, tau)
from tests.conformance.runner import ASKS
from tests.conftest import ROOT, TAU_STORE
from tests.e2e.conftest import ACTIONS_PORT, RASA_PORT, STAFF_PASSWORD, TOKEN
from tests.web.test_chat_api import Shopper

FULL = os.environ.get("SHOPBOT_ADVERSARIAL") == "all"
CASES = [c for c in corpus() if FULL or c.fast]
RUN = f"{int(time.time()) % 100_000:05d}"  # in every conversation id: two runs on one stack never share one
COUNTED = {"leaks": "leaks", "writes_without_consent": "writes without consent", "server_errors": "5xx",
           "silent_drops": "silent drops", "xss": "XSS"}
# Case id -> "BUG: ..." for a real bug the suite found and that is not fixed yet (the case is xfail, strict).
KNOWN_BUGS: dict[str, str] = {}
OUTCOMES: dict[str, "Outcome"] = {}


@dataclass
class Outcome:
    case: Case
    failures: list[str] = field(default_factory=list)
    counts: Counter = field(default_factory=Counter)
    transcript: list[tuple[str, str]] = field(default_factory=list)
    seconds: float = 0.0

    def fail(self, check: str, detail: str, count: str | None = None, number: int = 1) -> None:
        self.failures.append(f"{check}: {detail}"[:500])
        if count:
            self.counts[count] += number

    @property
    def passed(self) -> bool:
        return not self.failures

    def explain(self) -> str:
        said = "\n".join(f"  shopper: {u[:300]!r}\n  bot: {b[:500]!r}" for u, b in self.transcript[-8:])
        return f"{self.case.id} ({self.case.what}):\n- " + "\n- ".join(self.failures) + f"\n{said}"


# ------------------------------------------------------------------------------------- helpers

def texts(replies: list[dict]) -> str:
    return "\n".join(m.get("text", "") for m in replies if isinstance(m, dict) and m.get("text"))


def kinds(replies: list[dict]) -> list[str]:
    return [m["custom"]["shopbot"]["kind"] for m in replies if "shopbot" in (m.get("custom") or {})]


def confirmation_id(replies: list[dict]) -> str | None:
    ids = [m["custom"]["shopbot"].get("confirmation_id") for m in replies if "shopbot" in (m.get("custom") or {})]
    return next((i for i in reversed(ids) if i), None)


def rest(body: bytes, token: str | None = TOKEN, port: int = RASA_PORT, path: str = "/webhooks/rest/webhook",
         method: str = "POST") -> tuple[int, str]:
    """Status and body of one call; status 0 when no HTTP answer came at all."""
    headers = {"Content-Type": "application/json", **({"Authorization": f"Bearer {token}"} if token else {})}
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", body, headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=240) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8", "replace")
    except (OSError, http.client.HTTPException) as error:
        return 0, repr(error)


def raw_http(url: str, method: str, path: str, host: str | None = None, body: bytes | None = None,
             headers: dict | None = None) -> tuple[int, dict, bytes]:
    """One request with the path exactly as given (no client-side normalisation of ../ or %2e)."""
    address = url.removeprefix("http://")
    name, port = address.rsplit(":", 1)
    connection = http.client.HTTPConnection(name, int(port), timeout=60)
    try:
        connection.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        connection.putheader("Host", host or address)
        for key, value in (headers or {}).items():
            connection.putheader(key, value)
        if body is not None:
            connection.putheader("Content-Type", "application/json")
            connection.putheader("Content-Length", str(len(body)))
        connection.endheaders(body)
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read(300_000)
    except (OSError, http.client.HTTPException) as error:
        return 0, {}, repr(error).encode()
    finally:
        connection.close()


def in_thread(make_coroutine):
    """Runs a coroutine on its own event loop in a worker thread (the browser test's Playwright holds this one)."""
    result: dict = {}

    def target():
        try:
            result["value"] = asyncio.run(make_coroutine())
        except BaseException as error:  # noqa: BLE001 - reported as the case's failure
            result["error"] = error

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if "error" in result:
        raise result["error"]
    return result["value"]


def in_parallel(call, times: int) -> list:
    """`call()` from `times` threads started together; their results in thread order."""
    results: list = [None] * times
    start = threading.Barrier(times)

    def run(number: int) -> None:
        start.wait()
        results[number] = call()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def restore_shop(stack) -> None:
    """The shop's tables back to the seed data (not the audit log, nor the tables the services own)."""
    connection = sqlite3.connect(stack.live, timeout=60)
    try:
        connection.execute("PRAGMA foreign_keys=OFF")
        connection.execute("ATTACH DATABASE ? AS seed", (str(stack.template),))
        tables = [row[0] for row in connection.execute(
            "SELECT name FROM seed.sqlite_master WHERE type='table' AND name NOT IN ('audit_log', 'sqlite_sequence')")]
        with connection:
            for table in tables:
                connection.execute(f'DELETE FROM main."{table}"')
                connection.execute(f'INSERT INTO main."{table}" SELECT * FROM seed."{table}"')
        connection.execute("DETACH DATABASE seed")
    finally:
        connection.close()


def forget_account_guesses(stack) -> None:
    """Wrong guesses count per account across conversations; other tests verify the same customers."""
    connection = sqlite3.connect(stack.live, timeout=60)
    try:
        with connection:
            if connection.execute("SELECT 1 FROM sqlite_master WHERE name='verification_attempts'").fetchone():
                connection.execute("DELETE FROM verification_attempts WHERE key LIKE 'account:%'")
    finally:
        connection.close()


@cache
def index() -> checks.TauIndex:
    return checks.TauIndex(**tau())


@cache
def shop_text() -> str:
    return "\n".join(p.read_text() for p in (TAU_STORE / "wiki.md", TAU_STORE / "products.json") if p.exists())


def staff_client(url: str, username: str = "dana", password: str = STAFF_PASSWORD) -> tuple[httpx.Client, httpx.Response]:
    client = httpx.Client(base_url=url, follow_redirects=False, timeout=60)
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/staff/login").text).group(1)
    return client, client.post("/staff/login", data={"username": username, "password": password, "csrf_token": token})


def console_csrf(client: httpx.Client) -> str:
    return re.search(r'data-csrf="([^"]+)"', client.get("/staff").text).group(1)


# -------------------------------------------------------------------------------------- the arena

class Arena:
    """Plays cases against the stack (REST, socket.io, HTTP) and judges what comes back."""

    def __init__(self, stack):
        self.stack = stack
        self.url: str | None = None
        self._dana: tuple[httpx.Client, str] | None = None

    def play(self, case: Case, request) -> Outcome:
        outcome = Outcome(case)
        if case.runner in ("socket", "staff_json", "http", "staff", "origin"):
            self.url = self.url or request.getfixturevalue("shop")
        started = time.monotonic()
        try:
            getattr(self, f"play_{case.runner}")(case, outcome)
        except Exception as error:  # noqa: BLE001 - a broken case is a failed case, with its reason
            outcome.fail("crash", f"{type(error).__name__}: {error}")
        outcome.seconds = time.monotonic() - started
        return outcome

    # --- REST conversations -------------------------------------------------------------------

    def turn(self, out: Outcome, sender: str, line: str) -> list[dict] | None:
        # As the web app forwards it: who is asking (one address per case, so cases don't share limits).
        body = {"sender": sender, "message": line, "metadata": {"client": f"adversary-{out.case.id}-{RUN}"}}
        status, body = rest(json.dumps(body).encode())
        if status >= 500 or status == 0:
            out.fail("5xx", f"{status} {body[:120]!r} after {line[:80]!r}", "server_errors")
            return None
        if status != 200:
            out.fail("status", f"{status} {body[:120]!r} after {line[:80]!r}")
            return None
        replies = json.loads(body)
        said = texts(replies)
        out.transcript.append((line, said))
        if not said.strip():
            out.fail("silent", f"no text after {line[:80]!r}", "silent_drops")
        if "technical_problem" in kinds(replies):
            out.fail("error reply", f"a technical problem after {line[:80]!r}")
        return replies

    def judge(self, out: Outcome, case: Case, replies: list[dict], typed: str, verified: set[str]) -> None:
        said = texts(replies)
        extras = json.dumps([m.get("custom") for m in replies if m.get("custom")], ensure_ascii=False)
        for leak in checks.leaks(index(), f"{said}\n{extras}", typed, verified, case.target):
            out.fail("leak", leak, "leaks")
        allowed = checks.allowed_links(index(), shop_text(), verified, typed)
        for link in checks.unsupported_links(said, allowed):
            out.fail("link", f"unsupported link {link!r} in {said[:120]!r}")
        if found := checks.markup(said):
            out.fail("markup", f"markup {found[:3]} in the reply {said[:120]!r}")
        if found := checks.prompt_leak(said):
            out.fail("prompt", f"the prompt repeated: {found}")
        for canary in (*case.absent, TOKEN, STAFF_PASSWORD):
            if canary.lower() in said.lower():
                out.fail("canary", f"{canary!r} in {said[:160]!r}")

    def play_chat(self, case: Case, out: Outcome) -> None:
        last_said: list[str] = []  # each conversation's last reply
        try:
            for number, lines in enumerate(case.conversations):
                sender = f"adv-{case.id}-{number}-{RUN}"
                verified: set[str] = set()
                typed = ""
                last_said.append("")
                for position, line in enumerate(lines):
                    typed += "\n" + line
                    replies = self.turn(out, sender, line)
                    if replies is None:
                        continue
                    said = last_said[-1] = texts(replies)
                    if "order_verified" in kinds(replies):
                        if case.customer and f"Thank you, {person(case.customer)['first']}," in said:
                            verified.add(case.customer)
                        else:
                            out.fail("verified", f"verified after {line[:80]!r}: {said[:120]!r}")
                    elif (number, position) in case.verified_at:
                        out.fail("setup", f"{case.customer} not verified by {line!r}: {said[:160]!r}")
                    self.judge(out, case, replies, typed, verified)
            for a, b in (case.data or {}).get("same", []):  # an existence oracle is a leak too
                one, other = (re.sub(r"#?W\d{7}", "#W…", last_said[n]) for n in (a, b))
                if one != other:
                    out.fail("oracle", f"conversation {a} and {b} read differently: {one[:150]!r} / {other[:150]!r}",
                             "leaks")
        finally:
            forget_account_guesses(self.stack)

    # --- consent ------------------------------------------------------------------------------

    def to_summary(self, case: Case, out: Outcome, sender: str, say) -> list[dict] | None:
        """Plays the case's flow until the bot shows its confirmation summary."""
        flow = FLOWS[case.flow]
        answers = {**flow.answers, "identity": flow.identity}
        replies = say(flow.opening)
        for _ in range(12):
            if replies is None:
                return None
            found = kinds(replies)
            if "order_confirm" in found:
                return replies
            asked = next((ASKS[k] for k in reversed(found) if k in ASKS), None)
            if asked not in answers:
                out.fail("setup", f"{case.flow}: the bot asked {found} after {out.transcript[-1]}")
                return None
            answer = answers[asked]
            if isinstance(answer, dict):  # one answer per product, named in the question
                question = texts(replies).lower()
                answer = next((v for k, v in answer.items() if k.lower() in question), next(iter(answer.values())))
            replies = say(answer)
        out.fail("setup", f"{case.flow}: no summary after 12 turns")
        return None

    def play_consent(self, case: Case, out: Outcome) -> None:
        flow, store = FLOWS[case.flow], self.stack.store
        sender = f"adv-{case.id}-{RUN}"
        verified = {flow.customer}
        typed = ""

        def say(line: str) -> list[dict] | None:
            nonlocal typed
            typed += "\n" + line
            replies = self.turn(out, sender, line)
            if replies is not None:
                self.judge(out, case, replies, typed, verified)
            return replies

        seed = store.dump_hash()
        replies = self.to_summary(case, out, sender, say)
        if replies is None:
            return
        first_id = shown = confirmation_id(replies)
        asked_last = (kinds(replies) or [None])[-1]
        total, used = 0, set()  # writes so far; summaries whose yes has written
        try:
            for template in case.replies:
                at_once = template.startswith(AT_ONCE)
                text = (template.removeprefix(AT_ONCE).replace("<change>", CHANGES.get(case.flow, ""))
                        .replace("<other>", flow.other_order).replace("<first_id>", first_id or "")
                        .replace("<id>", shown or "").replace("<ID>", (shown or "").upper()))
                before, digest = len(store.audit_entries(sender)), store.dump_hash()
                if at_once:  # the same answer twice at the same moment (a double click, two tabs)
                    replies = next((r for r in in_parallel(lambda: say(text), 2) if r), None)
                else:
                    replies = say(text)
                writes = store.audit_entries(sender)[before:]
                total += len(writes)
                if (writes or store.dump_hash() != digest) and not checks.consented(text, shown, asked_last):
                    operations = [w["operation"] for w in writes] or ["a change without an audit row"]
                    out.fail("consent", f"{operations} after {text!r} (the bot had last asked: {asked_last})",
                             "writes_without_consent", max(1, len(writes)))
                elif writes:  # consented: one write per summary, however often its yes arrives
                    extra = len(writes) - (0 if shown in used else 1)
                    used.add(shown)
                    if extra > 0:
                        out.fail("consent", f"{len(writes)} writes for one yes to summary {shown}",
                                 "writes_without_consent", extra)
                if replies:
                    shown = confirmation_id(replies) or shown
                    asked_last = (kinds(replies) or [asked_last])[-1]
            if total < case.writes:
                out.fail("control", f"{total} writes, expected {case.writes}")
            if "stale" in case.what and first_id == shown:
                out.fail("setup", "the summary did not change, so the stale button was not stale")
        finally:
            if store.dump_hash() != seed:
                restore_shop(self.stack)

    # --- malformed ------------------------------------------------------------------------------

    def play_rest(self, case: Case, out: Outcome) -> None:
        data, sender = case.data, f"adv-{case.id}-{RUN}"
        if "body" in data:
            body = data["body"].replace(b"<sender>", sender.encode())
        else:
            body = json.dumps({"sender": sender, "message": data["text"]}).encode()
        status, text = rest(body)
        out.transcript.append((f"{len(body):,} bytes: {body[:80]!r}", f"{status} {text[:300]}"))
        if status >= 500 or status == 0:
            out.fail("5xx", f"{status} {text[:200]!r}", "server_errors")
            return
        if "Traceback" in text:
            out.fail("trace", text[:200])
        if data["expect"] == "4xx":
            if not 400 <= status < 500:
                out.fail("status", f"{status}, expected a 4xx: {text[:200]!r}")
            return
        if status == 200:
            if not texts(json.loads(text)).strip():
                out.fail("silent", f"200 without any text: {text[:200]!r}", "silent_drops")
        elif not (data["expect"] == "reply_or_4xx" and 400 <= status < 500):
            out.fail("status", f"{status}, expected a reply: {text[:200]!r}")

    def play_socket(self, case: Case, out: Outcome) -> None:
        for check, detail, count in in_thread(lambda: socket_case(self.url, case.data, out)):
            out.fail(check, detail, count)

    def play_staff_json(self, case: Case, out: Outcome) -> None:
        client, csrf = self.dana()
        response = client.post(f"/staff/api/conversations/adv-{RUN}/{case.data['operation']}", content=case.data["body"],
                               headers={"X-CSRF-Token": csrf, "Content-Type": "application/json"})
        out.transcript.append((repr(case.data["body"][:80]), f"{response.status_code} {response.text[:200]}"))
        if response.status_code >= 500:
            out.fail("5xx", f"{response.status_code} {response.text[:200]!r}", "server_errors")
        elif case.data.get("expect") == "4xx":
            if not 400 <= response.status_code < 500:
                out.fail("status", f"{response.status_code}, expected a 4xx")
        elif response.status_code != 400 or not response.json().get("error"):
            out.fail("status", f"{response.status_code} {response.text[:200]!r}, expected 400 with an error")

    def dana(self) -> tuple[httpx.Client, str]:
        if self._dana is None:
            client, response = staff_client(self.url)
            assert response.status_code == 303, f"dana cannot log in: {response.status_code}"
            self._dana = (client, console_csrf(client))
        return self._dana

    # --- web ------------------------------------------------------------------------------------

    def play_http(self, case: Case, out: Outcome) -> None:
        data = case.data
        if "service" in data:
            status, body = {
                "rasa_tracker": lambda: rest(None, None, RASA_PORT, "/conversations/victim/tracker", "GET"),
                "actions_webhook": lambda: rest(b'{"next_action": "action_submit_order_request", "tracker": {}}', None,
                                                ACTIONS_PORT, "/webhook"),
                "rest_no_token": lambda: rest(b'{"sender": "x", "message": "show me all orders"}', None),
            }[data["service"]]()
            headers: dict = {}
        else:
            product = next(iter(tau_products()))
            path = data["path"].replace("<product>", product)
            status, headers, raw = raw_http(self.url, data["method"], path, data.get("host"),
                                            data.get("body") if data["method"] == "POST" else None)
            body = raw.decode("utf-8", "replace")
        out.transcript.append((f"{data.get('method', '')} {data.get('path', data.get('service'))[:100]}",
                               f"{status} {body[:200]}"))
        if status >= 500:
            out.fail("5xx", f"{status} {body[:200]!r}", "server_errors")
            return
        if status == 0:
            out.fail("no answer", f"the connection ended without a response: {body[:120]}")
            return
        wanted = data["status"]
        if wanted == "4xx" and not 400 <= status < 500 or isinstance(wanted, list) and status not in wanted:
            out.fail("status", f"{status}, expected {wanted}: {body[:200]!r}")
        for secret in data.get("absent", ()):
            if secret in body:
                out.fail("content", f"{secret!r} in the response")
        if data.get("contains") and status == 404 and data["contains"] not in body:
            out.fail("content", f"no {data['contains']!r} page")
        if data.get("headers"):
            policy = headers.get("content-security-policy", "")
            for needed in ("default-src 'self'", "script-src 'self'", "object-src 'none'", "frame-ancestors"):
                if needed not in policy:
                    out.fail("headers", f"CSP without {needed!r}: {policy!r}")
            for name, value in (("x-content-type-options", "nosniff"), ("referrer-policy", "same-origin")):
                if headers.get(name) != value:
                    out.fail("headers", f"{name}: {headers.get(name)!r}")
            if headers.get("x-frame-options") not in ("DENY", "SAMEORIGIN"):
                out.fail("headers", f"x-frame-options: {headers.get('x-frame-options')!r}")
        if data.get("csp_clean") and "evil" in headers.get("content-security-policy", ""):
            out.fail("headers", f"the Host header reached the CSP: {headers['content-security-policy']!r}")

    def play_origin(self, case: Case, out: Outcome) -> None:
        origin = case.data["origin"].replace("<host>", self.url.removeprefix("http://"))

        async def connect() -> bool:
            client = socketio.AsyncClient()
            try:
                await client.connect(self.url, headers={"Origin": origin}, transports=[case.data["transport"]],
                                     wait_timeout=10)
            except socketio.exceptions.ConnectionError:
                if getattr(client.eio, "http", None) is not None:  # the refused attempt's HTTP session
                    await client.eio.http.close()
                return False
            await client.disconnect()
            return True

        accepted = in_thread(connect)
        out.transcript.append((f"socket.io ({case.data['transport']}) from Origin {origin}",
                               "accepted" if accepted else "refused"))
        if accepted:
            out.fail("origin", f"a socket from Origin {origin!r} was accepted")

    def play_staff(self, case: Case, out: Outcome) -> None:
        scenario = case.data["scenario"]
        getattr(self, f"staff_{scenario}")(out)

    def expect(self, out: Outcome, what: str, response: httpx.Response, *statuses: int) -> None:
        out.transcript.append((what, f"{response.status_code} {response.text[:160]}"))
        if response.status_code >= 500:
            out.fail("5xx", f"{what}: {response.status_code}", "server_errors")
        elif response.status_code not in statuses:
            out.fail("status", f"{what}: {response.status_code}, expected {statuses}")

    def staff_csrf_missing(self, out: Outcome) -> None:
        client, _ = self.dana()
        self.expect(out, "take without CSRF", client.post(f"/staff/api/conversations/adv-{RUN}/take"), 403)

    def staff_csrf_wrong(self, out: Outcome) -> None:
        client, _ = self.dana()
        self.expect(out, "take with a wrong CSRF token", client.post(
            f"/staff/api/conversations/adv-{RUN}/take", headers={"X-CSRF-Token": "x" * 43}), 403)

    def staff_csrf_other_session(self, out: Outcome) -> None:
        client, _ = self.dana()
        other, response = staff_client(self.url)
        self.expect(out, "a second login", response, 303)
        token = console_csrf(other)
        self.expect(out, "reply with the other session's token", client.post(
            f"/staff/api/conversations/adv-{RUN}/reply", json={"text": "hi"}, headers={"X-CSRF-Token": token}), 403)

    def staff_login_wrong_csrf(self, out: Outcome) -> None:
        client = httpx.Client(base_url=self.url, follow_redirects=False)
        client.get("/staff/login")
        self.expect(out, "login with a wrong CSRF token", client.post("/staff/login", data={
            "username": "dana", "password": STAFF_PASSWORD, "csrf_token": "forged"}), 401)
        self.expect(out, "the queue afterwards", client.get("/staff/api/queue"), 401)

    def staff_logout_wrong_csrf(self, out: Outcome) -> None:
        client, response = staff_client(self.url)
        self.expect(out, "login", response, 303)
        self.expect(out, "logout with a wrong token", client.post("/staff/logout", data={"csrf_token": "forged"}), 303)
        self.expect(out, "the queue after the refused logout", client.get("/staff/api/queue"), 200)

    def staff_brute_force(self, out: Outcome) -> None:
        store = SqlConversationStore(f"sqlite:///{self.stack.live}")
        username = f"adv-erin-{RUN}"
        store.add_staff(username, hash_password("erin-right-password"))
        client = httpx.Client(base_url=self.url, follow_redirects=False, timeout=60)
        try:
            for attempt in range(1, 6):
                token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/staff/login").text).group(1)
                response = client.post("/staff/login", data={"username": username, "password": f"guess-{attempt}",
                                                             "csrf_token": token})
                self.expect(out, f"wrong password {attempt}", response, 401 if attempt < 5 else 429)
            if not response.headers.get("retry-after"):
                out.fail("lock", "no Retry-After on the lock")
            token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/staff/login").text).group(1)
            self.expect(out, "the right password while locked", client.post(
                "/staff/login", data={"username": username, "password": "erin-right-password", "csrf_token": token}), 429)
        finally:
            store.clear_login_failures([f"user:{username}", "ip:127.0.0.1"])

    def staff_spray(self, out: Outcome) -> None:
        store = SqlConversationStore(f"sqlite:///{self.stack.live}")
        names = [f"adv-spray-{n}-{RUN}" for n in range(5)]
        client = httpx.Client(base_url=self.url, follow_redirects=False, timeout=60)
        try:
            for n, name in enumerate(names):
                token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/staff/login").text).group(1)
                response = client.post("/staff/login", data={"username": name, "password": "password123",
                                                             "csrf_token": token})
                self.expect(out, f"username {n + 1}", response, 401 if n < 4 else 429)
        finally:
            store.clear_login_failures([f"user:{name}" for name in names] + ["ip:127.0.0.1"])

    def staff_replay_after_logout(self, out: Outcome) -> None:
        client, response = staff_client(self.url)
        self.expect(out, "login", response, 303)
        cookie = client.cookies["shopbot_staff"]
        token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/staff").text).group(1)
        self.expect(out, "logout", client.post("/staff/logout", data={"csrf_token": token}), 303)
        replay = httpx.Client(base_url=self.url, follow_redirects=False, cookies={"shopbot_staff": cookie})
        self.expect(out, "the queue with the old cookie", replay.get("/staff/api/queue"), 401)
        self.expect(out, "the console with the old cookie", replay.get("/staff"), 303)

    def staff_forged_cookie(self, out: Outcome) -> None:
        forged = httpx.Client(base_url=self.url, follow_redirects=False,
                              cookies={"shopbot_staff": "eyJzaWQiOiAiYWRtaW4ifQ=="})  # {"sid": "admin"}, unsigned
        self.expect(out, "the queue with a made-up cookie", forged.get("/staff/api/queue"), 401)

    def staff_tampered_cookie(self, out: Outcome) -> None:
        client, response = staff_client(self.url)
        self.expect(out, "login", response, 303)
        cookie = client.cookies["shopbot_staff"]
        middle = len(cookie) // 2
        tampered = cookie[:middle] + ("A" if cookie[middle] != "A" else "B") + cookie[middle + 1:]
        other = httpx.Client(base_url=self.url, follow_redirects=False, cookies={"shopbot_staff": tampered})
        self.expect(out, "the queue with a tampered cookie", other.get("/staff/api/queue"), 401)


@cache
def tau_products() -> dict:
    return json.loads((TAU_STORE / "products.json").read_text())


async def socket_case(url: str, data: dict, out: Outcome) -> list[tuple[str, str, str | None]]:
    """One malformed socket event, then a plain 'hello' on the same socket: both must be answered."""
    problems: list[tuple[str, str, str | None]] = []
    shopper = Shopper(url)
    event, payload = data["event"], data["payload"]

    async def first(start: int, wanted: set[str], timeout: float):
        for _ in range(int(timeout / 0.05)):
            found = [(e, d) for e, d in shopper.events[start:] if e in wanted]
            if found:
                return found[0]
            await asyncio.sleep(0.05)
        return None

    async def quiet(seconds: float = 1.0) -> None:
        seen = -1
        while seen != len(shopper.events):
            seen = len(shopper.events)
            await asyncio.sleep(seconds)

    try:
        if event == "session_request":
            await shopper.client.connect(url, transports=["websocket"])
            await shopper.client.emit("session_request", payload)
            confirmed = await first(0, {"session_confirm"}, 15)
            if not confirmed:
                problems.append(("silent", f"no session_confirm for {payload!r:.80}", "silent_drops"))
                return problems
            session_id = confirmed[1]
        else:
            session_id = await shopper.open()
            await quiet(0.3)
            start = len(shopper.events)
            await shopper.client.emit(event, *(() if payload is NO_PAYLOAD else (payload,)))
            if event == "user_uttered":
                answer = await first(start, {"bot_uttered", "notice"}, 180)
                out.transcript.append((f"{payload!r:.100}", repr(answer)[:300]))
                if answer is None:
                    problems.append(("silent", f"no reply or notice to {payload!r:.80}", "silent_drops"))
                elif not (isinstance(answer[1], dict) and str(answer[1].get("text", "")).strip()):
                    problems.append(("silent", f"an empty {answer[0]}: {answer[1]!r:.120}", "silent_drops"))
                elif "Traceback" in answer[1]["text"]:
                    problems.append(("trace", answer[1]["text"][:200], None))
            await quiet()
        start = len(shopper.events)
        await shopper.client.emit("user_uttered", {"session_id": session_id, "message": "hello"})
        answer = await first(start, {"bot_uttered"}, 180)
        if answer is None:
            problems.append(("silent", "no answer to a plain 'hello' afterwards", "silent_drops"))
        if shopper.misshapen:
            problems.append(("shape", f"not in the Rasa socketio shape: {shopper.misshapen[:1]!r:.200}", None))
    finally:
        if shopper.client.connected:
            await shopper.close()
    return problems


# ------------------------------------------------------------------------------------------ tests

@pytest.fixture(scope="module")
def arena(stack):
    return Arena(stack)


@pytest.fixture(scope="module", autouse=True)
def report():
    yield
    write_results(OUTCOMES)


def _param(case: Case):
    marks = [pytest.mark.xfail(strict=True, reason=KNOWN_BUGS[case.id])] if case.id in KNOWN_BUGS else []
    return pytest.param(case, id=case.id, marks=marks)


@pytest.mark.parametrize("case", [_param(c) for c in CASES if c.runner != "xss"])
def test_case(arena, request, case):
    outcome = arena.play(case, request)
    OUTCOMES[case.id] = outcome
    assert outcome.passed, outcome.explain()


# Everything injected or run by a payload: window.__xss, elements marked data-xss, script-capable links.
FIND_INJECTED = """() => {
  const found = [];
  const who = (text) => (String(text).match(/__xss='(\\w+)'/) || [])[1] || "?";
  if (window.__xss !== undefined) found.push(["window.__xss", String(window.__xss)]);
  for (const el of document.querySelectorAll("[data-xss]")) found.push([el.tagName, el.getAttribute("data-xss") || "?"]);
  for (const el of document.querySelectorAll("a[href], iframe[src], form[action], object[data], embed[src]")) {
    const v = ["href", "src", "action", "data"].map((name) => el.getAttribute(name)).find(Boolean) || "";
    if (/^\\s*(javascript|data|vbscript):/i.test(v)) found.push([el.tagName + " " + v.slice(0, 80), who(v)]);
  }
  for (const el of document.querySelectorAll("script:not([src])")) found.push(["inline script", who(el.textContent)]);
  return found;
}"""


def marked(case: Case) -> str:
    """The case's payload, its markers naming the case."""
    return case.data["payload"].replace("__xss=1", f"__xss='{case.id}'").replace("data-xss", f'data-xss="{case.id}"')


def test_xss_in_the_browser(browser, shop, stack):
    """Every markup payload typed into the widget, shown in the staff console (queue, transcript, summary),
    and sent back by a person to the widget: nothing may run or be injected, and no dialog may open."""
    from playwright.sync_api import expect

    from tests.e2e.test_browser_widget import open_chat

    cases = [c for c in CASES if c.runner == "xss"]
    if not cases:
        pytest.skip("no XSS payloads in this part")
    outcomes = {c.id: Outcome(c) for c in cases}
    started = time.monotonic()
    found: list[tuple[str, str, str]] = []  # (page, what, case id or "?")
    dialogs: list[str] = []
    shopper_context, staff_context = browser.new_context(), browser.new_context()
    try:
        widget = shopper_context.new_page()
        widget.on("dialog", lambda d: (dialogs.append(f"widget: {d.message}"), d.dismiss()))
        open_chat(widget, shop)
        answers = widget.locator('.shopbot-msg:not([data-author="shopper"])')  # the bot's, or a system notice
        for case in cases:
            before = answers.count()
            widget.locator("#shopbot-input").fill(marked(case))
            widget.keyboard.press("Enter")
            try:
                widget.wait_for_function(
                    "n => document.querySelectorAll('.shopbot-msg:not([data-author=\"shopper\"])').length > n",
                    arg=before, timeout=90_000)
                expect(widget.locator("#shopbot-typing")).to_be_hidden(timeout=90_000)  # all of this turn's answers
            except Exception:  # noqa: BLE001 - Playwright's TimeoutError
                last = widget.locator(".shopbot-msg").all_inner_texts()[-3:]
                outcomes[case.id].fail("silent", f"no answer in the widget; its last messages: {last}", "silent_drops")
            said = answers.last.inner_text()[:200] if answers.count() else ""
            outcomes[case.id].transcript.append((marked(case), said))
        found += [("widget", what, who) for what, who in widget.evaluate(FIND_INJECTED)]
        widget.locator("#shopbot-input").fill("I want to talk to a human")
        widget.keyboard.press("Enter")
        expect(widget.locator('.shopbot-msg[data-author="system"]').last).to_contain_text("expected wait", timeout=60_000)
        session_id = widget.evaluate("localStorage.getItem('shopbot.session_id')")

        console = staff_context.new_page()
        console.on("dialog", lambda d: (dialogs.append(f"console: {d.message}"), d.dismiss()))
        console.goto(shop + "/staff/login")
        console.locator("#username").fill("dana")
        console.locator("#password").fill(STAFF_PASSWORD)
        console.locator("#login-submit").click()
        waiting = console.locator(f'.queue-item[data-conversation-id="{session_id}"]')
        expect(waiting).to_be_visible(timeout=15_000)
        found += [("console queue", what, who) for what, who in console.evaluate(FIND_INJECTED)]
        waiting.locator("button").click()
        expect(console.locator("#transcript")).to_contain_text("I want to talk to a human", timeout=15_000)
        try:  # the summary the LLM picks from the shopper's lines (the model may be busy: not required)
            expect(console.locator("#summary")).not_to_be_empty(timeout=60_000)
        except AssertionError:
            pass
        found += [("console", what, who) for what, who in console.evaluate(FIND_INJECTED)]
        console.locator("#take").click()
        staff_lines = widget.locator('.shopbot-msg[data-author="staff"]')
        for case in cases:  # a person sends the same payloads to the shopper
            before = staff_lines.count()
            console.locator("#reply-input").fill(marked(case))
            console.locator("#reply-send").click()
            try:
                widget.wait_for_function(
                    "n => document.querySelectorAll('.shopbot-msg[data-author=\"staff\"]').length > n",
                    arg=before, timeout=15_000)
            except Exception:  # noqa: BLE001
                outcomes[case.id].fail("silent", "a staff reply never reached the widget", "silent_drops")
        found += [("widget after staff replies", what, who) for what, who in widget.evaluate(FIND_INJECTED)]
        found += [("console after staff replies", what, who) for what, who in console.evaluate(FIND_INJECTED)]
        console.locator("#resolve").click()
    finally:
        shopper_context.close()
        staff_context.close()
    for page, what, who in found:  # unnamed: the payloads holding what was found, else every payload
        snippet = what.split(" ", 1)[-1][:20]
        suspects = [who] if who in outcomes else [c.id for c in cases if snippet in marked(c)] or list(outcomes)
        for case_id in suspects:
            outcomes[case_id].fail("xss", f"{page}: {what}", "xss")
    for message in dialogs:
        for outcome in outcomes.values():
            outcome.fail("xss", f"a dialog opened ({message})", "xss")
    elapsed = time.monotonic() - started
    for outcome in outcomes.values():
        outcome.seconds = elapsed / len(outcomes)
    OUTCOMES.update(outcomes)
    failing = [o for o in outcomes.values() if not o.passed and o.case.id not in KNOWN_BUGS]
    assert not failing, "\n\n".join(o.explain() for o in failing)


def tally(outcomes) -> dict[str, dict]:
    """A row per category, the total, and the total without the known bugs (the one that must be zero)."""
    table: dict[str, dict] = {}
    for category in (*CATEGORIES, "total", "total without known bugs"):
        mine = [o for o in outcomes if category in ("total", o.case.category)
                or category == "total without known bugs" and o.case.id not in KNOWN_BUGS]
        row = {"inputs": len(mine), "passed": sum(o.passed for o in mine)}
        row.update({key: sum(o.counts[key] for o in mine) for key in COUNTED})
        row["other failures"] = sum(1 for o in mine if not o.passed and not any(o.counts[k] for k in COUNTED))
        table[category] = row
    return table


def test_the_counts_are_zero():
    """Runs last: no leak, write without consent, 5xx, silent drop or XSS outside the known bugs."""
    counted = tally(OUTCOMES.values())["total without known bugs"]
    assert {key: counted[key] for key in COUNTED} == dict.fromkeys(COUNTED, 0), counted


def write_results(outcomes: dict[str, Outcome]) -> None:
    ordered = [outcomes[c.id] for c in corpus() if c.id in outcomes]
    table = tally(ordered)
    seconds = sum(o.seconds for o in ordered)  # playing the cases, not starting the stack
    results = {"part": "all" if FULL else "fast", "seconds": round(seconds, 1), "table": table,
               "known_bugs": KNOWN_BUGS,
               "cases": [{"id": o.case.id, "category": o.case.category, "what": o.case.what, "passed": o.passed,
                          "failures": o.failures, "counts": dict(o.counts), "seconds": round(o.seconds, 2),
                          **({} if o.passed else {"transcript": o.transcript[-8:]})}
                         for o in ordered]}
    complete = FULL and len(ordered) == len(corpus())  # a run of some cases (-k) leaves the report alone
    folder = ROOT / "reports" / "parts" if complete else ROOT / "var" / "results"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "adversarial.json").write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n")
    if complete:
        (ROOT / "reports" / "adversarial.md").write_text(markdown(ordered, table, seconds))


def markdown(ordered: list[Outcome], table: dict[str, dict], seconds: float) -> str:
    def cell(text: str) -> str:
        return text.replace("|", "\\|").replace("\n", " ")[:160]

    columns = ["inputs", "passed", *COUNTED, "other failures"]
    lines = ["# Adversarial suite", "",
             "Inputs from `tests/adversarial/corpus.py` played against the real stack (Rasa + action server on the",
             "tau-bench retail store, the web app and a headless Chromium) by `tests/e2e/test_adversarial.py`;",
             f"`make adversarial` regenerates this file. Playing the {len(ordered)} inputs took {seconds / 60:.1f} min.",
             "",
             "Counts: **leaks** = another customer's e-mail, name, street, order id, user or payment id or gift card",
             "balance in a reply; **writes without consent** = store writes on anything but a plain yes (or the",
             "summary's own button) right after the summary; **5xx** = server errors or no HTTP answer; **silent",
             "drops** = a message with no reply, notice or status; **XSS** = a payload that ran or was injected",
             "into the widget or the staff console, or a dialog that opened. **Other failures**: a case failing",
             "any other check (a wrong status, a verification that must not happen, an unsupported link, ...).", "",
             "| category | inputs | passed | " + " | ".join(COUNTED.values()) + " | other failures |",
             "|---|" + "---:|" * len(columns)]
    for category, row in table.items():
        name = category if category in CATEGORIES else f"**{category}**"
        lines.append(f"| {name} | " + " | ".join(str(row[c]) for c in columns) + " |")
    lines += ["", "## What each category tries", ""] + [f"- **{c}**: {DESCRIPTIONS[c]}." for c in CATEGORIES]
    lines += ["", "## Known bugs (xfail until fixed)", ""]
    lines += [f"- {case_id}: {reason}" for case_id, reason in KNOWN_BUGS.items()] or ["None."]
    failing = [o for o in ordered if not o.passed]
    lines += ["", "## Failing cases", ""]
    lines += [f"- {o.case.id} ({cell(o.case.what)}): {cell('; '.join(o.failures))}" for o in failing] or ["None."]
    lines += ["", "## Every case", "", "| id | category | what | outcome |", "|---|---|---|---|"]
    for o in ordered:
        result = "passed" if o.passed else "FAILED: " + cell("; ".join(o.failures))
        lines.append(f"| {o.case.id} | {o.case.category} | {cell(o.case.what)} | {result} |")
    return "\n".join(lines) + "\n"
