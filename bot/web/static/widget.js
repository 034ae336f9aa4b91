/*
 * shopbot chat widget: plain JavaScript, no build step, no framework.
 *
 * Embed with one tag:
 *   <script src="/static/widget.js" data-server="" defer></script>
 * data-server is the base URL of the shopbot web app ("" = same origin).
 *
 * The widget loads its own stylesheet (widget.css) and, when window.io is
 * missing, socket.io-client from the same server, then speaks the Rasa
 * socketio protocol (session_request / session_confirm / user_uttered /
 * bot_uttered) plus the shopbot extras (history, typing, notice,
 * user_message, feedback, feedback_reason). bot_uttered is exactly what a Rasa widget draws
 * (text, quick_replies); our message id, author, time, feedback, sources and
 * product card ride in its metadata.shopbot (see normalize()).
 *
 * Safety: text from the server or the shopper is only ever put into the page
 * as text nodes (textContent / createTextNode); no innerHTML anywhere.
 */
(function () {
  "use strict";

  if (window.__shopbotWidgetLoaded) return;
  window.__shopbotWidgetLoaded = true;

  const SESSION_KEY = "shopbot.session_id";
  const OPEN_KEY = "shopbot.open";
  const TYPING_TIMEOUT_MS = 60000;
  const ACK_TIMEOUT_MS = 10000;
  // What went wrong with a reply: the stored values and labels of bot/domain/feedback.py's REASONS.
  const REASONS = [
    ["wrong", "The answer was wrong"],
    ["not_answered", "It didn't answer my question"],
    ["unclear", "Hard to understand"],
    ["other", "Something else"],
  ];
  const MAX_REASON_COMMENT = 1000;

  // ------------------------------------------------------------------ config

  const script =
    document.currentScript ||
    Array.from(document.querySelectorAll("script[src]")).find((s) =>
      /(^|\/)widget\.js([?#]|$)/.test(s.getAttribute("src") || "")
    );

  function resolveServer() {
    if (!script) return "";
    const attr = script.getAttribute("data-server");
    if (attr !== null) return attr.trim().replace(/\/+$/, "");
    // No data-server attribute: talk to wherever widget.js came from.
    try {
      const u = new URL(script.src, location.href);
      return u.origin === location.origin ? "" : u.origin;
    } catch (e) {
      return "";
    }
  }

  const server = resolveServer();

  // ----------------------------------------------------------------- storage

  const memoryStore = {};
  function storageGet(kind, key) {
    try {
      return window[kind].getItem(key);
    } catch (e) {
      return Object.prototype.hasOwnProperty.call(memoryStore, kind + key) ? memoryStore[kind + key] : null;
    }
  }
  function storageSet(kind, key, value) {
    try {
      window[kind].setItem(key, value);
    } catch (e) {
      memoryStore[kind + key] = value;
    }
  }

  // ------------------------------------------------------------- DOM helpers

  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    if (attrs) {
      for (const [key, value] of Object.entries(attrs)) {
        if (value === null || value === undefined || value === false) continue;
        if (key === "class") node.className = value;
        else if (key === "text") node.textContent = String(value);
        else node.setAttribute(key, value === true ? "" : String(value));
      }
    }
    if (children) {
      for (const child of children) {
        if (child !== null && child !== undefined && child !== false) node.append(child);
      }
    }
    return node;
  }

  const SVG_NS = "http://www.w3.org/2000/svg";
  const ICONS = {
    chat:
      "M21 11.5a8.38 8.38 0 0 1-.9 3.8 8.5 8.5 0 0 1-7.6 4.7 8.38 8.38 0 0 1-3.8-.9L3 21l1.9-5.7a8.38 8.38 0 0 1-.9-3.8 8.5 8.5 0 0 1 4.7-7.6 8.38 8.38 0 0 1 3.8-.9h.5a8.48 8.48 0 0 1 8 8v.5z",
    close: "M18 6L6 18M6 6l12 12",
    send: "M22 2L11 13M22 2l-7 20-4-9-9-4 20-7z",
    up:
      "M14 9V5a3 3 0 0 0-3-3l-4 9v11h11.28a2 2 0 0 0 2-1.7l1.38-9a2 2 0 0 0-2-2.3zM7 22H4a2 2 0 0 1-2-2v-7a2 2 0 0 1 2-2h3",
    down:
      "M10 15v4a3 3 0 0 0 3 3l4-9V2H5.72a2 2 0 0 0-2 1.7l-1.38 9a2 2 0 0 0 2 2.3zm7-13h2.67A2.31 2.31 0 0 1 22 4v7a2.31 2.31 0 0 1-2.33 2H17",
  };

  function icon(name, extraClass) {
    const svg = document.createElementNS(SVG_NS, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("width", "20");
    svg.setAttribute("height", "20");
    svg.setAttribute("fill", "none");
    svg.setAttribute("stroke", "currentColor");
    svg.setAttribute("stroke-width", "2");
    svg.setAttribute("stroke-linecap", "round");
    svg.setAttribute("stroke-linejoin", "round");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    svg.setAttribute("class", "shopbot-icon" + (extraClass ? " " + extraClass : ""));
    const path = document.createElementNS(SVG_NS, "path");
    path.setAttribute("d", ICONS[name]);
    svg.appendChild(path);
    return svg;
  }

  function absoluteUrl(href) {
    try {
      return new URL(href, server ? server + "/" : location.href);
    } catch (e) {
      return null;
    }
  }

  /** A link to an http(s) URL only; anything else comes back as plain text. */
  function makeLink(href, label, extraClass) {
    const url = absoluteUrl(href);
    if (!url || (url.protocol !== "http:" && url.protocol !== "https:")) {
      return document.createTextNode(label);
    }
    const raw = String(href).trim();
    // Keep same-origin relative links as written (e.g. "/products/p1").
    const keepRaw = !server && raw.startsWith("/") && !raw.startsWith("//");
    const a = el("a", { href: keepRaw ? raw : url.href, class: extraClass || null, text: label });
    if (url.origin !== location.origin) {
      a.target = "_blank";
      a.rel = "noopener noreferrer";
    }
    return a;
  }

  // ---------------------------------------------------------- tiny markdown

  const INLINE_SOURCE =
    "\\*\\*(?=\\S)([\\s\\S]*?\\S)\\*\\*" + // **bold**
    "|\\[([^\\]\\n]+)\\]\\(\\s*(https?:\\/\\/[^\\s)]+)\\s*\\)" + // [label](http://...)
    "|https?:\\/\\/[^\\s<>\"'`]+"; // bare URL

  function splitUrlTail(url) {
    let tail = "";
    while (/[.,;:!?'")\]]$/.test(url)) {
      const ch = url.slice(-1);
      if (ch === ")") {
        const opens = url.split("(").length - 1;
        const closes = url.split(")").length - 1;
        if (opens >= closes) break; // balanced, part of the URL
      }
      tail = ch + tail;
      url = url.slice(0, -1);
    }
    return [url, tail];
  }

  function appendInline(parent, text, allowBold) {
    const re = new RegExp(INLINE_SOURCE, "gi");
    let last = 0;
    let match;
    while ((match = re.exec(text)) !== null) {
      if (match.index > last) parent.append(document.createTextNode(text.slice(last, match.index)));
      if (match[1] !== undefined) {
        if (allowBold) {
          const strong = el("strong");
          appendInline(strong, match[1], false);
          parent.append(strong);
        } else {
          parent.append(document.createTextNode(match[0]));
        }
      } else if (match[2] !== undefined) {
        parent.append(makeLink(match[3], match[2]));
      } else {
        const [url, tail] = splitUrlTail(match[0]);
        parent.append(makeLink(url, url));
        if (tail) parent.append(document.createTextNode(tail));
      }
      last = re.lastIndex;
    }
    if (last < text.length) parent.append(document.createTextNode(text.slice(last)));
  }

  /** Markdown subset: **bold**, line breaks, "- " lists, http(s) links. */
  function renderMarkdown(text) {
    const frag = document.createDocumentFragment();
    const lines = String(text).replace(/\r\n?/g, "\n").split("\n");
    let para = null;
    let list = null;
    for (const raw of lines) {
      const line = raw.replace(/\s+$/, "");
      const item = /^\s*[-•]\s+(.*)$/.exec(line);
      if (item) {
        para = null;
        if (!list) {
          list = el("ul");
          frag.append(list);
        }
        const li = el("li");
        appendInline(li, item[1], true);
        list.append(li);
        continue;
      }
      list = null;
      if (line.trim() === "") {
        para = null;
        continue;
      }
      if (!para) {
        para = el("p");
        frag.append(para);
      } else {
        para.append(el("br"));
      }
      appendInline(para, line, true);
    }
    return frag;
  }

  /** Pull a trailing "(Source: ...)" / "(Sources: ...)" off the bot text. */
  function splitSources(text) {
    const re = /\s*\(\s*(sources?\s*:(?:[^()]|\([^()]*\))*?)\s*\)\s*$/i;
    const m = re.exec(text);
    if (!m) return { body: text, sources: null };
    return { body: text.slice(0, m.index).replace(/\s+$/, ""), sources: m[1] };
  }

  function sourcesFromMetadata(sources) {
    if (!Array.isArray(sources) || sources.length === 0) return null;
    const titles = [];
    for (const s of sources) {
      const title = s && (s.title || s.id);
      if (title && !titles.includes(String(title))) titles.push(String(title));
    }
    if (titles.length === 0) return null;
    return (titles.length === 1 ? "Source: " : "Sources: ") + titles.join(", ");
  }

  function formatPrice(price) {
    if (price === null || price === undefined || price === "") return null;
    if (typeof price === "number" && isFinite(price)) return "$" + price.toFixed(2);
    const s = String(price).trim();
    if (/^-?\d+(\.\d+)?$/.test(s)) return "$" + Number(s).toFixed(2);
    return s;
  }

  function isAvailable(value) {
    if (typeof value === "number") return value > 0;
    if (typeof value === "string") return value === "true" || value === "1" || value === "yes";
    return Boolean(value);
  }

  // --------------------------------------------------------------- the widget

  function buildWidget() {
    const root = el("div", {
      id: "shopbot-root",
      class: "shopbot-root",
      "data-state": "connecting",
      "data-open": "false",
      "data-unread": "false",
    });

    const launcher = el(
      "button",
      {
        id: "shopbot-launcher",
        class: "shopbot-launcher",
        type: "button",
        "aria-label": "Chat with us",
        "aria-expanded": "false",
        "aria-controls": "shopbot-panel",
      },
      [icon("chat", "shopbot-icon-chat"), icon("close", "shopbot-icon-close"), el("span", { class: "shopbot-badge", "aria-hidden": "true" })]
    );

    const title = el("h2", { id: "shopbot-title", class: "shopbot-title", text: "Shop assistant" });
    const closeBtn = el("button", { id: "shopbot-close", class: "shopbot-close", type: "button", "aria-label": "Close chat" }, [icon("close")]);
    const header = el("div", { class: "shopbot-header" }, [title, closeBtn]);

    const status = el("div", { id: "shopbot-status", class: "shopbot-status", role: "status", text: "Connecting…" });

    const messages = el("div", {
      id: "shopbot-messages",
      class: "shopbot-messages",
      role: "log",
      "aria-live": "polite",
      "aria-label": "Conversation",
      tabindex: "0",
    });

    const typingText = el("span", { class: "shopbot-typing-text", text: "Assistant is typing…" });
    const typing = el("div", { id: "shopbot-typing", class: "shopbot-typing", role: "status", hidden: true }, [
      el("span", { class: "shopbot-typing-dots", "aria-hidden": "true" }, [el("span"), el("span"), el("span")]),
      typingText,
    ]);

    const input = el("textarea", {
      id: "shopbot-input",
      class: "shopbot-input",
      rows: "1",
      "aria-label": "Message",
      placeholder: "Type your message…",
      autocomplete: "off",
    });
    const sendBtn = el("button", { id: "shopbot-send", class: "shopbot-send", type: "submit", "aria-label": "Send" }, [
      icon("send"),
      el("span", { class: "shopbot-sr-only", text: "Send" }),
    ]);
    const form = el("form", { id: "shopbot-form", class: "shopbot-form", novalidate: true }, [input, sendBtn]);

    const panel = el(
      "div",
      { id: "shopbot-panel", class: "shopbot-panel", role: "dialog", "aria-label": "Shop assistant", hidden: true },
      [header, status, messages, typing, form]
    );

    root.append(panel, launcher);
    document.body.appendChild(root);
    return { root, launcher, panel, closeBtn, status, messages, typing, typingText, input, sendBtn, form };
  }

  function start() {
    const ui = buildWidget();
    const { root, launcher, panel, closeBtn, status, messages, typing, typingText, input, form } = ui;

    let socket = null;
    let sessionId = storageGet("localStorage", SESSION_KEY) || null;
    let confirmed = false;
    let everConfirmed = false;
    let isOpen = false;
    let localSeq = 0;
    let reasonSeq = 0;
    let typingTimer = null;
    const byId = new Map(); // message_id -> element
    const outbox = []; // [{text, node}] waiting for a confirmed session
    let liveNodes = []; // rendered live since the last session_request

    // ---------------------------------------------------------- state / UI

    function setState(state, text) {
      root.setAttribute("data-state", state);
      if (state === "connected") {
        status.hidden = true;
        status.textContent = "";
      } else {
        status.hidden = false;
        status.textContent = text || "Connecting…";
      }
    }

    function scrollToBottom() {
      messages.scrollTop = messages.scrollHeight;
    }

    function setOpen(open, opts) {
      const options = opts || {};
      const moveFocus = options.focus !== false;
      const hadFocusInside = panel.contains(document.activeElement);
      isOpen = open;
      panel.hidden = !open;
      launcher.setAttribute("aria-expanded", open ? "true" : "false");
      root.setAttribute("data-open", open ? "true" : "false");
      storageSet("sessionStorage", OPEN_KEY, open ? "1" : "0");
      if (open) {
        root.setAttribute("data-unread", "false");
        scrollToBottom();
        if (moveFocus) input.focus({ preventScroll: true });
      } else if (moveFocus && hadFocusInside) {
        launcher.focus({ preventScroll: true });
      }
    }

    function autoGrow() {
      input.style.height = "auto";
      input.style.height = Math.min(input.scrollHeight, 140) + "px";
    }

    // ------------------------------------------------------------ messages

    function normalizeButtons(list) {
      if (!Array.isArray(list)) return [];
      const out = [];
      for (const b of list) {
        if (!b) continue;
        const title = b.title !== undefined && b.title !== null ? String(b.title) : "";
        const payload = b.payload !== undefined && b.payload !== null ? String(b.payload) : title;
        if (title.trim() || payload.trim()) out.push({ title: title || payload, payload: payload || title });
      }
      return out;
    }

    function isObject(value) {
      return Boolean(value) && typeof value === "object" && !Array.isArray(value);
    }

    /**
     * bot_uttered and history items come in the Rasa socketio shape ({text, quick_replies?, metadata}),
     * with our extras in metadata.shopbot: {message_id, author, at, feedback, metadata: {sources,
     * product_card, ...}}. Our other events (user_message, notice) are flat; a plain Rasa message works too.
     */
    function normalize(raw, defaultAuthor) {
      const outer = isObject(raw) ? raw : { text: raw };
      const extras = isObject(outer.metadata) && isObject(outer.metadata.shopbot) ? outer.metadata.shopbot : null;
      const m = extras ? { ...extras, text: outer.text, quick_replies: outer.quick_replies, buttons: outer.buttons } : outer;
      const author = ["shopper", "bot", "staff", "system"].includes(m.author) ? m.author : defaultAuthor;
      const metadata = isObject(m.metadata) ? m.metadata : {};
      const feedback = m.feedback !== undefined && m.feedback !== null ? m.feedback : metadata.feedback;
      return {
        id: m.message_id !== undefined && m.message_id !== null ? String(m.message_id) : null,
        author,
        text: m.text !== undefined && m.text !== null ? String(m.text) : "",
        buttons: normalizeButtons(m.quick_replies || m.buttons),
        metadata,
        at: m.at || m.timestamp || null,
        feedback: feedback === "up" || feedback === "down" ? feedback : null,
      };
    }

    function authorLabel(author) {
      if (author === "shopper") return "You";
      if (author === "staff") return "Support agent";
      if (author === "system") return "Notice";
      return "Assistant";
    }

    /** Emit and resolve with the server's ack: true only when it says the event was stored. */
    function emitWithAck(event, data) {
      return new Promise((resolve) => {
        if (!socket) {
          resolve(false);
          return;
        }
        socket.timeout(ACK_TIMEOUT_MS).emit(event, data, (err, ok) => resolve(!err && ok === true));
      });
    }

    /** "What went wrong?" under a reply the shopper thumbed down: optional, sent after the thumb is stored. */
    function buildReasonPanel(messageId, thumbStored, close) {
      const id = "shopbot-reason-" + ++reasonSeq;
      const title = el("p", { id: id + "-title", class: "shopbot-reason-title", text: "What went wrong? (optional)" });
      const choices = el("div", { class: "shopbot-reason-choices", role: "group", "aria-labelledby": id + "-title" });
      const comment = el("textarea", {
        id: id + "-comment",
        class: "shopbot-reason-comment",
        rows: "2",
        maxlength: String(MAX_REASON_COMMENT),
        placeholder: "Tell us more (optional)",
      });
      const send = el("button", { type: "submit", class: "shopbot-reason-send", text: "Send", disabled: true });
      const skip = el("button", { type: "button", class: "shopbot-reason-skip", text: "Skip" });
      const error = el("p", { class: "shopbot-reason-error", role: "alert", hidden: true });
      const form = el("form", { class: "shopbot-reason", "aria-labelledby": id + "-title", novalidate: true }, [
        title,
        choices,
        el("label", { for: id + "-comment", class: "shopbot-sr-only", text: "Tell us more (optional)" }),
        comment,
        el("div", { class: "shopbot-reason-actions" }, [send, skip]),
        error,
      ]);
      const box = el("div", { class: "shopbot-reason-box" }, [form]); // the form, then its thanks line
      let chosen = null;
      const ready = () => {
        send.disabled = !(chosen || comment.value.trim());
      };
      for (const [value, label] of REASONS) {
        const choice = el("button", { type: "button", class: "shopbot-reason-choice", "data-reason": value, "aria-pressed": "false", text: label });
        choice.addEventListener("click", () => {
          chosen = value;
          for (const other of choices.children) other.setAttribute("aria-pressed", other === choice ? "true" : "false");
          ready();
        });
        choices.append(choice);
      }
      comment.addEventListener("input", ready);
      skip.addEventListener("click", () => close(true));
      form.addEventListener("keydown", (event) => {
        if (event.key !== "Escape") return;
        event.preventDefault(); // closes this panel, not the whole chat
        close(true);
      });
      form.addEventListener("submit", async (event) => {
        event.preventDefault();
        if (send.disabled) return;
        send.disabled = true;
        error.hidden = true;
        const data = { session_id: sessionId, message_id: messageId, reason: chosen || "other", comment: comment.value.trim() };
        const stored = (await thumbStored) && (await emitWithAck("feedback_reason", data));
        if (!box.isConnected) return; // closed meanwhile (thumbs up)
        if (stored) {
          const thanks = el("p", { class: "shopbot-reason-thanks", role: "status", tabindex: "-1", text: "Thanks, that helps us improve." });
          form.replaceWith(thanks);
          thanks.focus({ preventScroll: true });
        } else {
          error.textContent = "Sorry, that didn't reach us. Please try again.";
          error.hidden = false;
          ready();
        }
      });
      return box;
    }

    function buildFeedback(messageId, current) {
      const group = el("div", { class: "shopbot-feedback-group", role: "group", "aria-label": "Was this answer helpful?" });
      let reasonPanel = null; // the "what went wrong?" form, or its thanks line
      const closeReason = (refocus) => {
        if (reasonPanel) reasonPanel.remove();
        reasonPanel = null;
        if (refocus) group.querySelector(".shopbot-feedback-down").focus({ preventScroll: true });
      };
      for (const [value, label] of [
        ["up", "Helpful"],
        ["down", "Not helpful"],
      ]) {
        const btn = el(
          "button",
          {
            type: "button",
            class: "shopbot-feedback shopbot-feedback-" + value,
            "data-value": value,
            "aria-label": label,
            "aria-pressed": current === value ? "true" : "false",
            title: label,
          },
          [icon(value)]
        );
        btn.addEventListener("click", () => {
          if (btn.getAttribute("aria-pressed") === "true") return;
          for (const b of group.querySelectorAll(".shopbot-feedback")) {
            b.setAttribute("aria-pressed", b === btn ? "true" : "false");
          }
          group.setAttribute("data-value", value);
          const stored = emitWithAck("feedback", { session_id: sessionId, message_id: messageId, value });
          closeReason(false);
          if (value === "down") {
            reasonPanel = buildReasonPanel(messageId, stored, closeReason);
            group.after(reasonPanel);
            reasonPanel.scrollIntoView({ block: "nearest" });
            reasonPanel.querySelector(".shopbot-reason-choice").focus({ preventScroll: true });
          }
        });
        group.append(btn);
      }
      if (current === "up" || current === "down") group.setAttribute("data-value", current);
      return group;
    }

    function buildProductCard(card) {
      const available = isAvailable(card.available);
      const price = formatPrice(card.price);
      const children = [
        el("div", { class: "shopbot-product-name", text: card.name ? String(card.name) : "Product" }),
        price ? el("div", { class: "shopbot-product-price", text: price }) : null,
        el("div", {
          class: "shopbot-product-stock " + (available ? "is-available" : "is-unavailable"),
          text: available ? "In stock" : "Out of stock",
        }),
      ];
      if (card.url) {
        const link = makeLink(String(card.url), "View product", "shopbot-product-link");
        if (link.nodeType === Node.ELEMENT_NODE) children.push(link);
      }
      return el("div", { class: "shopbot-product-card", "data-available": available ? "true" : "false" }, children);
    }

    function buildQuickReplies(buttons) {
      const group = el("div", { class: "shopbot-quick-replies", role: "group", "aria-label": "Suggested replies" });
      for (const b of buttons) {
        const btn = el("button", { type: "button", class: "shopbot-quick-reply", "data-payload": b.payload, text: b.title });
        btn.addEventListener("click", () => {
          sendText(b.payload, b.title);
          input.focus({ preventScroll: true });
        });
        group.append(btn);
      }
      return group;
    }

    function buildMessage(msg, localId) {
      const author = msg.author;
      const id = msg.id || localId;
      const node = el("div", {
        class: "shopbot-msg shopbot-msg-" + author + (author === "system" ? " shopbot-notice" : ""),
        "data-author": author,
        "data-message-id": id,
        "data-at": msg.at ? String(msg.at) : null,
      });

      if (author === "system") {
        node.setAttribute("role", "note");
        node.append(el("span", { class: "shopbot-notice-text", text: msg.text }));
        return node;
      }

      if (author === "staff") {
        node.append(el("div", { class: "shopbot-author", text: "Support agent" }));
      } else {
        node.append(el("span", { class: "shopbot-sr-only", text: authorLabel(author) + ": " }));
      }

      const bubble = el("div", { class: "shopbot-bubble" });
      const textBox = el("div", { class: "shopbot-text" });
      let sourcesLine = null;
      if (author === "shopper") {
        textBox.classList.add("shopbot-text-plain");
        textBox.textContent = msg.text;
      } else {
        const split = splitSources(msg.text);
        textBox.append(renderMarkdown(split.body));
        sourcesLine = split.sources || sourcesFromMetadata(msg.metadata.sources);
      }
      bubble.append(textBox);
      if (textBox.childNodes.length > 0) node.append(bubble);

      if (sourcesLine) node.append(el("div", { class: "shopbot-sources", text: sourcesLine }));

      const card = msg.metadata.product_card;
      if (author !== "shopper" && card && typeof card === "object") node.append(buildProductCard(card));

      if (author !== "shopper" && msg.buttons.length > 0) node.append(buildQuickReplies(msg.buttons));

      if (author === "bot" && msg.id) node.append(buildFeedback(msg.id, msg.feedback));

      return node;
    }

    /** Quick replies only stay on messages after the shopper's last message. */
    function pruneQuickReplies() {
      const all = messages.querySelectorAll(".shopbot-msg");
      let seenShopper = false;
      for (let i = all.length - 1; i >= 0; i--) {
        if (all[i].getAttribute("data-author") === "shopper") {
          seenShopper = true;
        } else if (seenShopper) {
          const qr = all[i].querySelector(".shopbot-quick-replies");
          if (qr) qr.remove();
        }
      }
    }

    function appendMessage(msg, opts) {
      const options = opts || {};
      if (msg.id && byId.has(msg.id)) return byId.get(msg.id); // already shown
      const node = buildMessage(msg, "local-" + ++localSeq);
      if (msg.id) byId.set(msg.id, node);
      messages.append(node);
      if (options.live) liveNodes.push(node);
      if (msg.author === "shopper") pruneQuickReplies();
      if (!options.batch) scrollToBottom();
      if (options.live && !isOpen && msg.author !== "shopper") root.setAttribute("data-unread", "true");
      return node;
    }

    function renderHistory(items) {
      if (!Array.isArray(items)) return;
      const keep = liveNodes;
      liveNodes = [];
      byId.clear();
      messages.replaceChildren();

      const historyIds = new Set();
      const shopperTexts = [];
      for (const raw of items) {
        const msg = normalize(raw, "bot");
        if (msg.id) historyIds.add(msg.id);
        if (msg.author === "shopper") shopperTexts.push(msg.text);
        appendMessage(msg, { batch: true });
      }

      // Keep what arrived or was sent live around the (re)connect and is not
      // part of the history (e.g. a message typed right after connecting).
      const recent = shopperTexts.slice(-Math.max(keep.length, 1));
      for (const node of keep) {
        const id = node.getAttribute("data-message-id") || "";
        if (node._shopbotLocal) {
          const pos = recent.findIndex((t) => t === node._shopbotLocal.text || t === node._shopbotLocal.sent);
          if (pos !== -1) {
            recent.splice(pos, 1);
            continue;
          }
        } else if (historyIds.has(id) || byId.has(id)) {
          continue;
        }
        messages.append(node);
        if (!node._shopbotLocal && id) byId.set(id, node);
        liveNodes.push(node);
      }
      pruneQuickReplies();
      scrollToBottom();
    }

    // -------------------------------------------------------------- sending

    function emitUtterance(text) {
      socket.emit("user_uttered", { session_id: sessionId, message: text });
    }

    function flushOutbox() {
      while (outbox.length > 0) {
        const item = outbox.shift();
        emitUtterance(item.text);
        if (!liveNodes.includes(item.node)) liveNodes.push(item.node);
      }
    }

    function sendText(text, shown) {
      const message = String(text === undefined || text === null ? "" : text).trim();
      const display = String(shown === undefined || shown === null ? message : shown).trim();
      if (!message) return false;
      const node = appendMessage({ id: null, author: "shopper", text: display, buttons: [], metadata: {}, at: null }, { live: true });
      node._shopbotLocal = { text: display, sent: message, at: Date.now() };
      node.setAttribute("data-local", "true");
      if (socket && confirmed && socket.connected) emitUtterance(message);
      else outbox.push({ text: message, node });
      return true;
    }

    /** A user_message echo for our own bubble: adopt its id instead of duplicating. */
    function adoptEcho(msg) {
      const now = Date.now();
      for (const node of messages.querySelectorAll('.shopbot-msg[data-local="true"]')) {
        const local = node._shopbotLocal;
        if (local && (local.text === msg.text || local.sent === msg.text) && now - local.at < 15000) {
          node.removeAttribute("data-local");
          node._shopbotLocal = null;
          if (msg.id) {
            node.setAttribute("data-message-id", msg.id);
            byId.set(msg.id, node);
          }
          return true;
        }
      }
      return false;
    }

    // --------------------------------------------------------------- typing

    function setTyping(on, author) {
      clearTimeout(typingTimer);
      if (on) {
        typingText.textContent = author === "staff" ? "Support agent is typing…" : "Assistant is typing…";
        typing.setAttribute("data-author", author === "staff" ? "staff" : "bot");
        typing.hidden = false;
        scrollToBottom();
        typingTimer = setTimeout(() => setTyping(false), TYPING_TIMEOUT_MS);
      } else {
        typing.hidden = true;
      }
    }

    // --------------------------------------------------------------- socket

    function connect() {
      if (typeof window.io !== "function") {
        setState("error", "Chat is unavailable right now.");
        return;
      }
      const options = { path: "/socket.io" };
      socket = server ? window.io(server, options) : window.io(options);

      socket.on("connect", () => {
        liveNodes = liveNodes.filter((n) => n._shopbotLocal && outbox.some((o) => o.node === n));
        setState("connecting", everConfirmed ? "Reconnecting…" : "Connecting…");
        socket.emit("session_request", { session_id: sessionId });
      });

      socket.on("session_confirm", (data) => {
        const id = typeof data === "string" || typeof data === "number" ? data : data && (data.session_id || data.sessionId);
        if (id !== undefined && id !== null && id !== "") {
          sessionId = String(id);
          storageSet("localStorage", SESSION_KEY, sessionId);
        }
        confirmed = true;
        everConfirmed = true;
        setState("connected");
        flushOutbox();
      });

      socket.on("history", (items) => renderHistory(items));

      socket.on("bot_uttered", (raw) => {
        const msg = normalize(raw, "bot");
        if (msg.author === "shopper") msg.author = "bot";
        appendMessage(msg, { live: true });
      });

      socket.on("user_message", (raw) => {
        const msg = normalize(raw, "shopper");
        msg.author = "shopper";
        msg.buttons = [];
        if (msg.id && byId.has(msg.id)) return;
        if (adoptEcho(msg)) return;
        if (!msg.text.trim()) return;
        appendMessage(msg, { live: true });
      });

      socket.on("typing", (data) => {
        if (typeof data === "boolean") setTyping(data, "bot");
        else if (data && typeof data === "object") setTyping(Boolean(data.on), data.author);
      });

      socket.on("notice", (data) => {
        const text = data && typeof data === "object" ? data.text : data;
        if (text === undefined || text === null || String(text).trim() === "") return;
        appendMessage(
          { id: data && data.message_id ? String(data.message_id) : null, author: "system", text: String(text), buttons: [], metadata: {}, at: null },
          { live: true }
        );
      });

      socket.on("disconnect", () => {
        confirmed = false;
        setTyping(false);
        setState("disconnected", "Reconnecting…");
      });

      socket.on("connect_error", () => {
        if (!socket.connected) setState(everConfirmed ? "disconnected" : "connecting", everConfirmed ? "Reconnecting…" : "Connecting…");
      });
    }

    // ---------------------------------------------------------------- events

    launcher.addEventListener("click", () => setOpen(!isOpen));
    closeBtn.addEventListener("click", () => setOpen(false));

    form.addEventListener("submit", (event) => {
      event.preventDefault();
      if (sendText(input.value)) {
        input.value = "";
        autoGrow();
      }
      input.focus({ preventScroll: true });
    });

    input.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing && event.keyCode !== 229) {
        event.preventDefault();
        if (typeof form.requestSubmit === "function") form.requestSubmit();
        else form.dispatchEvent(new Event("submit", { cancelable: true }));
      }
    });
    input.addEventListener("input", autoGrow);

    document.addEventListener("keydown", (event) => {
      if (event.key !== "Escape" || !isOpen || event.defaultPrevented) return;
      const active = document.activeElement;
      if (!active || active === document.body || root.contains(active)) {
        event.preventDefault();
        setOpen(false);
      }
    });

    if (storageGet("sessionStorage", OPEN_KEY) === "1") setOpen(true, { focus: false });

    if (typeof window.io === "function") {
      connect();
    } else {
      const loader = el("script", { src: server + "/static/vendor/socket.io.min.js", async: true, "data-shopbot": "socket.io" });
      loader.addEventListener("load", connect);
      loader.addEventListener("error", () => setState("error", "Chat is unavailable right now."));
      document.head.appendChild(loader);
    }
  }

  function ensureStylesheet() {
    const href = server + "/static/widget.css";
    const wanted = absoluteUrl(href);
    const already = Array.from(document.querySelectorAll('link[rel~="stylesheet"]')).some(
      (l) => wanted && l.href === wanted.href
    );
    if (!already) document.head.appendChild(el("link", { rel: "stylesheet", href, "data-shopbot": "css" }));
  }

  ensureStylesheet();
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start, { once: true });
  } else {
    start();
  }
})();
