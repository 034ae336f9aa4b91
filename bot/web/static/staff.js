// Support console: polls the queue and the open conversation, and sends staff actions with the CSRF token.
(function () {
  "use strict";
  const root = document.querySelector(".staff-console");
  if (!root) return;
  const csrf = root.dataset.csrf;
  const me = root.dataset.staff;
  const $ = (id) => document.getElementById(id);
  let current = null;
  let lastTranscript = "";
  let typingTimer = null;
  let tags = []; // the open conversation's tags, as GET .../tags returns them

  function text(tag, value, cls) {
    const el = document.createElement(tag);
    el.textContent = value;
    if (cls) el.className = cls;
    return el;
  }

  async function getJSON(url) {
    const response = await fetch(url, { credentials: "same-origin" });
    if (response.status === 401) { window.location = "/staff/login"; return null; }
    return response.ok ? response.json() : null;
  }

  async function post(path, body, method) {
    const response = await fetch(`/staff/api/conversations/${current}/${path}`, {
      method: method || "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: method === "DELETE" ? undefined : JSON.stringify(body || {}),
    });
    const data = await response.json().catch(() => ({}));
    const error = $("action-error");
    error.hidden = response.ok;
    error.textContent = response.ok ? "" : (data.error || "That didn't work.");
    return response.ok;
  }

  function waited(seconds) {
    if (seconds < 60) return `${seconds} s`;
    return `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
  }

  async function refreshQueue() {
    const data = await getJSON("/staff/api/queue");
    if (!data) return;
    const list = $("queue");
    list.replaceChildren();
    $("queue-empty").hidden = data.conversations.length > 0;
    for (const c of data.conversations) {
      const item = document.createElement("li");
      item.className = "queue-item";
      item.dataset.conversationId = c.id;
      item.dataset.state = c.state;
      if (c.id === current) item.setAttribute("aria-current", "true");
      const button = document.createElement("button");
      button.type = "button";
      const state = text("span", c.state === "waiting" ? "Waiting" : `With ${c.owner}`, "queue-state");
      state.dataset.state = c.state;
      button.append(state, document.createElement("br"));
      const meta = c.state === "waiting" ? `waiting ${waited(c.waiting_seconds)}` : "taken over";
      button.append(text("span", `${c.customer_id || "unverified shopper"} · ${meta}`, "queue-meta"));
      if (c.reason) button.append(document.createElement("br"), text("span", c.reason, "queue-meta"));
      if (c.last_message) button.append(document.createElement("br"), text("span", `“${c.last_message.text.slice(0, 80)}”`, "queue-meta"));
      button.addEventListener("click", () => { open(c.id); refreshQueue(); });
      item.append(button);
      list.append(item);
    }
  }

  // Reviews shoppers left through the assistant (the reply that recorded each one holds its text).
  async function refreshReviews() {
    const data = await getJSON("/staff/api/reviews");
    if (!data) return;
    const list = $("reviews");
    list.replaceChildren();
    $("reviews-empty").hidden = data.reviews.length > 0;
    for (const r of data.reviews) {
      const item = document.createElement("li");
      item.className = "review-item";
      item.append(text("span", `“${r.text}”`), document.createElement("br"),
                  text("span", `${new Date(r.at).toLocaleString()} · conversation ${r.conversation_id.slice(0, 8)}`, "queue-meta"));
      list.append(item);
    }
  }

  // A conversation opened here stays open across a reload (its id rides in the address's #fragment).
  function open(id) {
    current = id;
    lastTranscript = "";
    tags = [];
    showTags();
    history.replaceState(null, "", `#${encodeURIComponent(id)}`);
    refreshConversation();
    refreshTags(id);
  }

  async function refreshTags(id) {
    const data = await getJSON(`/staff/api/conversations/${encodeURIComponent(id)}/tags`);
    if (!data || id !== current) return;
    tags = data.tags;
    showTags();
  }

  function showTags() {
    const tagged = new Set(tags.map((t) => t.tag));
    for (const toggle of document.querySelectorAll(".tag-toggle")) {
      toggle.setAttribute("aria-pressed", tagged.has(toggle.dataset.tag) ? "true" : "false");
    }
    const wrong = tags.find((t) => t.tag === "wrong_answer");
    for (const mark of document.querySelectorAll(".mark-wrong")) {
      const marked = Boolean(wrong) && String(wrong.message_id) === mark.dataset.messageId;
      mark.setAttribute("aria-pressed", marked ? "true" : "false");
    }
  }

  // Pressed: remove the tag; not pressed: add it (for one reply when `messageId` is given).
  async function toggleTag(tag, pressed, messageId) {
    const id = current;
    const done = pressed
      ? await post(`tags/${tag}`, null, "DELETE")
      : await post("tags", messageId ? { tag, message_id: messageId } : { tag });
    if (done) await refreshTags(id);
  }

  function feedbackLine(m) {
    const why = m.feedback_reason;
    if (why) return `Shopper's thumbs-down: ${why.label}${why.comment ? ` – “${why.comment}”` : ""}`;
    return m.feedback === "down" ? "Shopper's thumbs-down" : "";
  }

  async function refreshConversation() {
    if (!current) return;
    const c = await getJSON(`/staff/api/conversations/${current}`);
    if (!c) return;
    $("conversation").hidden = false;
    $("conversation").dataset.state = c.state;
    $("conversation-state").textContent = c.state === "human" ? `Owned by ${c.owner}` : `State: ${c.state}`;
    const customer = $("customer");
    customer.replaceChildren();
    if (c.customer) {
      customer.append(text("strong", `${c.customer.name} (${c.customer.email}), verified by the assistant`));
      const orders = document.createElement("ul");
      for (const o of c.customer.orders) orders.append(text("li", `${o.order_id} · ${o.status} · ${o.items.join(", ")}`));
      customer.append(orders);
    }
    $("handoff-note").textContent = c.summary ? `Handoff note: ${c.summary}` : "";
    const mine = c.state === "human" && c.owner === me;
    $("take").disabled = !(c.state === "waiting" || c.state === "bot");
    $("handback").disabled = !mine;
    $("resolve").disabled = c.state === "resolved" || (c.state === "human" && !mine);
    $("reply-send").disabled = !mine;
    $("reply-input").disabled = !mine;
    // The NLU label arrives after its message is stored: a label changes the transcript too.
    const signature = JSON.stringify(c.messages.map((m) => [m.message_id, ((m.metadata || {}).nlu || {}).intent,
                                                            feedbackLine(m)]));
    if (signature === lastTranscript) return;
    lastTranscript = signature;
    refreshSummary(current);
    const transcript = $("transcript");
    transcript.replaceChildren();
    for (const m of c.messages) {
      const li = document.createElement("li");
      li.dataset.author = m.author;
      const who = { shopper: "Shopper", bot: "Assistant", staff: `Staff (${(m.metadata || {}).staff || ""})`, system: "" }[m.author];
      if (who) li.append(text("span", `${who}:`, "msg-author"));
      li.append(text("span", m.text, "msg-text"));
      const nlu = (m.metadata || {}).nlu;
      if (nlu && nlu.intent) li.append(text("span", ` (assistant reads: ${nlu.intent}, ${nlu.confidence})`, "msg-nlu"));
      if (m.author === "bot") {
        const thumbs = feedbackLine(m);
        if (thumbs) li.append(text("span", thumbs, "msg-reason"));
        const mark = text("button", "Mark wrong", "mark-wrong");
        mark.type = "button";
        mark.dataset.messageId = String(m.message_id);
        mark.setAttribute("aria-pressed", "false");
        mark.setAttribute("aria-label", `Mark wrong: ${m.text.slice(0, 60)}`);
        mark.addEventListener("click", () => toggleTag("wrong_answer", mark.getAttribute("aria-pressed") === "true", m.message_id));
        li.append(mark);
      }
      transcript.append(li);
    }
    showTags();
    transcript.scrollTop = transcript.scrollHeight;
  }

  async function refreshSummary(id) {
    const data = await getJSON(`/staff/api/conversations/${id}/summary`);
    if (!data || id !== current) return;
    $("summary").textContent = `What the shopper needs: ${data.text}`;
    $("summary").dataset.grounding = data.grounding;
  }

  const refreshBoth = () => { refreshConversation(); refreshQueue(); };
  $("take").addEventListener("click", async () => { if (await post("take")) refreshBoth(); });
  $("handback").addEventListener("click", async () => { if (await post("handback")) refreshBoth(); });
  $("resolve").addEventListener("click", async () => { if (await post("resolve")) refreshBoth(); });
  for (const toggle of document.querySelectorAll(".tag-toggle")) {
    toggle.addEventListener("click", () => toggleTag(toggle.dataset.tag, toggle.getAttribute("aria-pressed") === "true"));
  }
  $("reply-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const input = $("reply-input");
    const value = input.value.trim();
    if (!value) return;
    if (await post("reply", { text: value })) { input.value = ""; post("typing", { on: false }); refreshConversation(); }
  });
  $("reply-input").addEventListener("input", () => {
    if (!typingTimer) post("typing", { on: true });
    clearTimeout(typingTimer);
    typingTimer = setTimeout(() => { typingTimer = null; post("typing", { on: false }); }, 3000);
  });

  const opened = decodeURIComponent(window.location.hash.slice(1));
  if (/^[\w-]{1,64}$/.test(opened)) open(opened);
  refreshQueue();
  refreshReviews();
  setInterval(refreshQueue, 2000);
  setInterval(refreshReviews, 10000);
  setInterval(refreshConversation, 1500);
})();
