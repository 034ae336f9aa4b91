"""Staff console hardening: the login throttle, unknown-user timing, revocable sessions, the Secure
cookie option, security headers, and 400 (not 500) for malformed JSON."""
from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import bcrypt
import httpx
import pytest
import socketio
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.templating import Jinja2Templates
from starlette.testclient import TestClient

import bot.web
from bot.adapters.sql.conversations import SqlConversationStore
from bot.container import Container
from bot.services.conversations import ChatService
from bot.settings import Settings
from bot.web import staff_users
from bot.web.app import create_app
from bot.web.staff import staff_routes
from bot.web.staff_users import LoginThrottle, StaffSessions, hash_password, password_matches
from tests.conftest import DEMO_STORE
from tests.fakes import EchoAssistant
from tests.web.test_staff_api import logged_in, staff  # noqa: F401 - the fixture is used by name

TEMPLATES = Path(bot.web.__file__).parent / "templates"


class Clock:
    """A clock the test moves by hand: no test waits for a lock to run out."""

    def __init__(self, now: float = 1_700_000_000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def _settings(tmp_path, **overrides) -> Settings:
    return Settings(store_dir=DEMO_STORE, database_url=f"sqlite:///{tmp_path / 'staff.db'}", shop_name="Test Shop",
                    llm_enabled=False, web_secret="test-secret", **overrides)


def _container(settings: Settings) -> Container:
    container = Container(settings)
    container.__dict__["chat"] = ChatService(SqlConversationStore(settings.resolved_database_url()), EchoAssistant())
    return container


@pytest.fixture
def throttled(tmp_path):
    """The staff routes with a small throttle (3 failures, 10 s doubling up to 40 s) on a hand-moved clock."""
    container = _container(_settings(tmp_path))
    store = container.chat.store
    for name in ("carol", "dave"):  # cheap hashes: these tests are about counting, not bcrypt's cost
        store.add_staff(name, bcrypt.hashpw(f"{name}-password".encode(), bcrypt.gensalt(4)).decode())
    clock = Clock()
    throttle = LoginThrottle(store, max_failures=3, first_lock_s=10, max_lock_s=40, clock=clock)

    async def emit(conversation_id, message):
        pass

    routes = staff_routes(container, socketio.AsyncServer(async_mode="asgi"), Jinja2Templates(directory=str(TEMPLATES)),
                          emit, throttle=throttle, sessions=StaffSessions(store, clock=clock))
    app = Starlette(routes=routes, middleware=[Middleware(SessionMiddleware, secret_key="test-secret")])

    def client(address: str = "10.0.0.1") -> TestClient:
        return TestClient(app, client=(address, 50000), follow_redirects=False)

    return {"client": client, "clock": clock, "store": store, "throttle": throttle}


def _login(client, username: str, password: str):
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/staff/login").text).group(1)
    return client.post("/staff/login", data={"username": username, "password": password, "csrf_token": token})


def _locked(response, retry_after: int) -> bool:
    return (response.status_code == 429 and response.headers["retry-after"] == str(retry_after)
            and "Too many failed logins" in response.text and "please wait" in response.text)


# 1. Login throttle

def test_failed_logins_lock_the_username_for_growing_times_and_a_success_resets(throttled):
    client, clock = throttled["client"](), throttled["clock"]
    assert [_login(client, "carol", "wrong-guess").status_code for _ in range(2)] == [401, 401]
    assert _locked(_login(client, "carol", "wrong-guess"), 10)  # the 3rd failure starts a 10 s lock
    clock.advance(4)
    assert _locked(_login(client, "carol", "carol-password"), 6)  # locked: the right password is refused too
    assert "Wrong username or password." not in _login(client, "carol", "carol-password").text
    clock.advance(6)
    assert _locked(_login(client, "carol", "wrong-guess"), 20)  # each further failure doubles the lock
    clock.advance(20)
    assert _locked(_login(client, "carol", "wrong-guess"), 40)
    clock.advance(40)
    assert _locked(_login(client, "carol", "wrong-guess"), 40)  # capped
    clock.advance(40)
    assert _login(client, "carol", "carol-password").status_code == 303
    assert client.get("/staff").status_code == 200
    assert _login(client, "carol", "wrong-guess").status_code == 401  # the success cleared the count


def test_the_username_lock_holds_from_any_address_and_an_address_lock_for_any_username(throttled):
    attacker = throttled["client"]("10.0.0.66")
    for _ in range(3):
        _login(attacker, "carol", "wrong-guess")
    assert _locked(_login(throttled["client"]("10.0.0.2"), "carol", "carol-password"), 10)  # per username
    assert _login(throttled["client"]("10.0.0.3"), "dave", "dave-password").status_code == 303

    sprayer = throttled["client"]("10.0.0.99")
    assert [_login(sprayer, name, "wrong-guess").status_code for name in ("erin", "frank")] == [401, 401]
    assert _locked(_login(sprayer, "grace", "wrong-guess"), 10)  # unknown usernames count the same
    assert _locked(_login(sprayer, "dave", "dave-password"), 10)  # per client address


def test_a_login_without_its_csrf_token_is_not_counted(throttled):
    client = throttled["client"]()
    for _ in range(5):
        assert client.post("/staff/login", data={"username": "carol", "password": "x"}).status_code == 401
    assert _login(client, "carol", "carol-password").status_code == 303


def test_parallel_guesses_cannot_slip_past_the_lock(throttled):
    throttle = throttled["throttle"]
    with ThreadPoolExecutor(8) as pool:
        attempts = list(pool.map(lambda i: throttle.attempt("carol", f"10.1.0.{i}"), range(24)))
    assert sum(a.allowed for a in attempts) == 3  # max_failures, however many arrive at once


def test_the_real_app_locks_after_five_failures(staff):
    client = httpx.Client(base_url=staff["url"], follow_redirects=False)
    try:
        assert [_login(client, "alice", "wrong-guess").status_code for _ in range(4)] == [401] * 4
        assert _locked(_login(client, "alice", "wrong-guess"), 30)
        assert _login(client, "alice", "alice-password").status_code == 429
    finally:  # this address must be able to log in for the other tests
        staff["container"].chat.store.clear_login_failures(["user:alice", "ip:127.0.0.1"])


# 2. Unknown usernames cost a full bcrypt check

def _cost(hashed: bytes | str) -> int:
    """A bcrypt hash's (or salt's) cost, from its `$2b$12$` prefix."""
    return int(re.match(r"\$2[aby]\$(\d\d)\$", hashed if isinstance(hashed, str) else hashed.decode())[1])


def test_the_dummy_hash_costs_what_a_real_one_does():
    assert _cost(staff_users._dummy_hash()) == _cost(hash_password("a-real-password")) == _cost(bcrypt.gensalt())


def test_an_unknown_username_is_checked_against_a_full_cost_hash(monkeypatch):
    checked = []
    real_checkpw = bcrypt.checkpw

    def spy(password, hashed):
        checked.append(hashed)
        return real_checkpw(password, hashed)

    monkeypatch.setattr(bcrypt, "checkpw", spy)
    real_cost = _cost(hash_password("a-real-password"))
    assert password_matches("any-password", None) is False
    assert [_cost(h) for h in checked] == [real_cost]
    assert password_matches("x" * 100, hash_password("a-real-password")) is False  # over bcrypt's 72 bytes: no 500
    assert [_cost(h) for h in checked] == [real_cost] * 2


# 3. Logout revokes the session

def test_a_cookie_replayed_after_logout_is_refused(staff):
    alice, _ = logged_in(staff["url"], "alice")
    cookie = alice.cookies["shopbot_staff"]
    assert alice.get("/staff/api/queue").status_code == 200
    page_token = re.search(r'name="csrf_token" value="([^"]+)"', alice.get("/staff").text).group(1)
    assert alice.post("/staff/logout", data={"csrf_token": page_token}).headers["location"] == "/staff/login"

    replay = httpx.Client(base_url=staff["url"], follow_redirects=False, cookies={"shopbot_staff": cookie})
    assert replay.get("/staff/api/queue").status_code == 401
    assert replay.get("/staff").headers["location"] == "/staff/login"
    assert replay.post("/staff/api/conversations/x/take").status_code == 401


def test_sessions_are_stored_hashed_and_expire(tmp_path):
    store, clock = SqlConversationStore(f"sqlite:///{tmp_path / 'sessions.db'}"), Clock()
    sessions = StaffSessions(store, lifetime_s=3600, clock=clock)
    token = sessions.open("alice")
    assert sessions.user(token) == "alice" and sessions.user("made-up") is None and sessions.user(None) is None
    assert store.staff_session_user(token, datetime.now(UTC)) is None  # the database holds only a hash of the token
    clock.advance(3599)
    assert sessions.user(token) == "alice"
    clock.advance(1)
    assert sessions.user(token) is None
    other = sessions.open("bob")
    sessions.revoke(other)
    assert sessions.user(other) is None


# 4. The Secure cookie option

@pytest.mark.parametrize("secure", [False, True])
def test_secure_cookies_follow_the_setting(tmp_path, secure):
    app = create_app(_container(_settings(tmp_path, web_secure_cookies=secure)))
    cookie = TestClient(app).get("/staff/login").headers["set-cookie"]
    assert cookie.startswith("shopbot_staff=") and "samesite=strict" in cookie.lower()
    assert ("secure" in cookie.lower().split("; ")) is secure


# 5. Security headers

@pytest.mark.parametrize("path, status", [
    ("/", 200), ("/staff/login", 200), ("/staff", 303), ("/staff/api/queue", 401), ("/static/widget.js", 200),
    ("/static/staff.js", 200), ("/no-such-page", 404)])
def test_every_response_has_security_headers(staff, path, status):
    response = httpx.get(staff["url"] + path, follow_redirects=False)
    assert response.status_code == status
    host = staff["url"].removeprefix("http://")
    policy = dict(part.split(" ", 1) for part in response.headers["content-security-policy"].split("; "))
    console = path.startswith("/staff")
    assert policy == {
        "default-src": "'self'", "script-src": "'self'", "style-src": "'self'",
        "connect-src": f"'self' ws://{host} wss://{host}", "img-src": "'self' data:", "object-src": "'none'",
        "base-uri": "'self'", "form-action": "'self'", "frame-ancestors": "'none'" if console else "'self'"}
    assert response.headers["x-frame-options"] == ("DENY" if console else "SAMEORIGIN")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "same-origin"
    assert (response.headers.get("cache-control") == "no-store") is console


def test_the_pages_need_nothing_inline_that_the_policy_blocks(staff):
    alice, _ = logged_in(staff["url"], "alice")
    index = alice.get("/").text
    product = re.search(r'href="(/products/[^"]+)"', index).group(1)
    pages = {path: alice.get(path).text for path in ("/", product, "/staff/login", "/staff")}
    for path, html in pages.items():
        assert "<html" in html, path
        assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html) == [], path  # no inline script
        assert re.findall(r"<[^>]+\son[a-z]+\s*=", html) == [], path  # no inline event handler
        assert re.findall(r"<style|\sstyle\s*=|javascript:", html) == [], path  # no inline style


# 6. Malformed JSON gets 400, not 500

@pytest.mark.parametrize("operation, body", [
    ("reply", b"not json"),  # not JSON at all
    ("reply", b"\xff\xfe{}"),  # not UTF-8
    ("reply", b'["hi"]'),  # a list
    ("reply", b'"hi"'),  # a string
    ("reply", b"42"),  # a number
    ("reply", b'{"text": 5}'),  # wrong type
    ("reply", b'{"text": null}'),
    ("reply", b'{"message": "hi"}'),  # no text
    ("reply", b'{"text": "   "}'),  # nothing to send
    ("typing", b"not json"),
    ("typing", b"[true]"),
    ("typing", b'"on"'),
    ("typing", b'{"on": "yes"}'),  # wrong type
    ("typing", b'{"on": 1}'),
    ("typing", b"{}"),  # no flag
])
def test_malformed_json_is_a_bad_request(staff, operation, body):
    alice, csrf = logged_in(staff["url"], "alice")
    response = alice.post(f"/staff/api/conversations/x/{operation}", content=body,
                          headers={"X-CSRF-Token": csrf, "Content-Type": "application/json"})
    assert response.status_code == 400
    assert isinstance(response.json()["error"], str) and response.json()["error"]
