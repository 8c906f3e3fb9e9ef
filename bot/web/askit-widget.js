/*
 * The AskIT web widget: one script tag on any page (docs/widget.md).
 *
 *   <script src="https://askit.example/webhooks/webchat/askit-widget.js"
 *           data-token-url="/api/askit-token" defer></script>
 *
 * data-token-url   (required) the host site's endpoint that returns {"token": "<JWT>"} for the
 *                  signed-in member of staff; fetched before every (re)connect
 * data-mode        "floating" (default: a launcher button in the corner) or "inline"
 * data-container   inline: a CSS selector for the element to fill (default: just after this tag)
 * data-title       the widget's heading (default "AskIT")
 * data-heading-level  the heading's level, 1-5 (default 2), to fit the page's outline
 *
 * Everything is built as DOM nodes in a shadow root styled by askit-widget.css: no inline
 * script or style, and message text only ever goes in through createTextNode (markdown.js).
 */
(function () {
  "use strict";

  var script = document.currentScript;
  if (!script || window.AskITWidgetLoaded) return;
  window.AskITWidgetLoaded = true;

  var BASE = new URL(".", script.src); // .../webhooks/webchat/
  var SOCKET_PATH = BASE.pathname.replace(/webhooks\/webchat\/$/, "") + "socket.io";
  var STORE = "askit:" + BASE.origin + ":";
  var MAX_HISTORY = 200;
  var MAX_ANNOUNCEMENTS = 3;
  var TYPING_TIMEOUT_MS = 60000;
  var USER_TYPING_EVERY_MS = 3000; // while a person has the chat, they are told the user types at most this often
  // The replies of a live chat with a person (README: flow): while the latest is one, the chat is theirs.
  var LIVE_FLOWS = { handoff_queued: true, handoff_started: true, handoff_message: true, handoff_notice: true };
  var NEW_TAB_NOTE = " (opens in a new tab)";
  var SHOW_ALL_PAYLOAD = "/show_article"; // bot/replies.py show_all_payload

  var data = script.dataset;
  var settings = {
    tokenUrl: data.tokenUrl || "",
    mode: data.mode === "inline" ? "inline" : "floating",
    container: data.container || "",
    title: data.title || "AskIT",
    headingLevel: Math.min(5, Math.max(1, parseInt(data.headingLevel || "2", 10) || 2)),
  };
  var reducedMotion = window.matchMedia ? window.matchMedia("(prefers-reduced-motion: reduce)") : null;

  /* ---------- small helpers ---------- */

  function el(name, attributes, text) {
    var node = document.createElement(name);
    Object.keys(attributes || {}).forEach(function (key) {
      node.setAttribute(key, attributes[key]);
    });
    if (text !== undefined) node.appendChild(document.createTextNode(text));
    return node;
  }

  function loadScript(src) {
    return new Promise(function (resolve, reject) {
      var tag = document.createElement("script");
      tag.src = src;
      tag.async = false;
      tag.onload = resolve;
      tag.onerror = function () { reject(new Error("could not load " + src)); };
      document.head.appendChild(tag);
    });
  }

  function readStore(key, fallback) {
    try {
      var value = window.sessionStorage.getItem(STORE + key);
      return value === null ? fallback : JSON.parse(value);
    } catch (e) {
      return fallback; // storage blocked or full: the widget still works, without memory
    }
  }

  function writeStore(key, value) {
    try {
      window.sessionStorage.setItem(STORE + key, JSON.stringify(value));
    } catch (e) { /* see readStore */ }
  }

  /* ---------- the DOM ---------- */

  // Our own element hosts the shadow root: not every element of the page can have one.
  var host = el("div", { class: "askit-host" });
  var container = settings.mode === "inline" && settings.container ? document.querySelector(settings.container) : null;
  if (container) container.appendChild(host);
  else if (settings.mode === "inline") script.insertAdjacentElement("afterend", host);
  else document.body.appendChild(host);
  var shadow = host.attachShadow({ mode: "open" });
  var stylesheet = el("link", { rel: "stylesheet", href: new URL("askit-widget.css", BASE).href });
  var rootEl = el("div", { class: "askit askit-" + settings.mode, lang: "en-GB", hidden: "" });
  var showWhenStyled = function () { rootEl.hidden = false; };
  stylesheet.addEventListener("load", showWhenStyled);
  stylesheet.addEventListener("error", showWhenStyled);
  shadow.appendChild(stylesheet);
  shadow.appendChild(rootEl);

  var launcher = null;
  var unread = null; // on the launcher: a reply came while the panel was closed
  var panel = el("section", { class: "askit-panel", id: "askit-panel", "aria-labelledby": "askit-title" });
  var header = el("div", { class: "askit-header" });
  header.appendChild(el("h" + settings.headingLevel, { id: "askit-title", class: "askit-title" }, settings.title));
  var closeButton = null;
  if (settings.mode === "floating") {
    launcher = el("button", {
      type: "button", class: "askit-launcher", "aria-expanded": "false", "aria-controls": "askit-panel",
    }, "Ask IT a question");
    unread = el("span", { class: "askit-unread", hidden: "" }, " (new reply)");
    launcher.appendChild(unread);
    closeButton = el("button", { type: "button", class: "askit-close", "aria-label": "Close the IT help chat" });
    closeButton.appendChild(el("span", { "aria-hidden": "true" }, "\u00d7"));
    header.appendChild(closeButton);
    panel.hidden = true;
    rootEl.appendChild(launcher);
  }
  panel.appendChild(header);

  var statusLine = el("div", { class: "askit-status-line" });
  var status = el("p", { class: "askit-status", role: "status" }, "Connecting\u2026");
  var retry = el("button", { type: "button", class: "askit-retry", hidden: "" }, "Try again");
  statusLine.appendChild(status);
  statusLine.appendChild(retry);
  panel.appendChild(statusLine);
  // Known problems of the user's council (bot/incidents), said before they ask: "we know".
  var banner = el("section", { class: "askit-banner", "aria-label": "Known problems", hidden: "" });
  panel.appendChild(banner);

  // The conversation is not itself live: new bot messages are announced once through
  // "announcer", so neither the user's own words nor the history restored after a reload are read out.
  var logBox = el("div", { class: "askit-log", role: "region", "aria-label": "Conversation", tabindex: "0" });
  var log = el("ol", { class: "askit-messages" });
  logBox.appendChild(log);
  panel.appendChild(logBox);
  // Outside the panel, so that news (a ticket's reference, say) is heard while the panel is closed.
  var announcer = el("div", { class: "askit-visually-hidden", "aria-live": "polite" });

  var form = el("form", { class: "askit-form" });
  var label = el("label", { for: "askit-input", class: "askit-label" }, "Your message");
  var row = el("div", { class: "askit-row" });
  var input = el("input", { id: "askit-input", type: "text", autocomplete: "off", enterkeyhint: "send" });
  var send = el("button", { type: "submit", class: "askit-send" }, "Send");
  row.appendChild(input);
  row.appendChild(send);
  form.appendChild(label);
  form.appendChild(row);
  panel.appendChild(form);
  rootEl.appendChild(panel);
  rootEl.appendChild(announcer);

  /* ---------- the floating panel ---------- */

  function setOpen(open, focusTarget) {
    if (!launcher) return;
    panel.hidden = !open;
    if (open) unread.hidden = true;
    rootEl.classList.toggle("askit-open", open);
    launcher.setAttribute("aria-expanded", String(open));
    writeStore("open", open);
    if (focusTarget) focusTarget.focus();
  }

  if (launcher) {
    launcher.addEventListener("click", function () {
      var open = panel.hidden;
      setOpen(open, open ? input : null);
      if (open) scrollToEnd();
    });
    closeButton.addEventListener("click", function () { setOpen(false, launcher); });
    panel.addEventListener("keydown", function (event) {
      if (event.key === "Escape") {
        event.preventDefault();
        setOpen(false, launcher);
      }
    });
    // Focus must never land on something the panel hides entirely (WCAG 2.4.11): when it moves
    // to such an element of the page, the panel gets out of the way.
    document.addEventListener("focusin", function (event) {
      if (panel.hidden || event.target === host) return;
      var r = event.target.getBoundingClientRect ? event.target.getBoundingClientRect() : null;
      var p = panel.getBoundingClientRect();
      if (r && r.left >= p.left && r.right <= p.right && r.top >= p.top && r.bottom <= p.bottom) setOpen(false);
    });
    if (readStore("open", false)) setOpen(true);
  }

  /* ---------- messages ---------- */

  var sessionId = readStore("session", null);
  var history = sessionId ? readStore("history:" + sessionId, []) : [];
  var articleTemplate = readStore("article-url", new URL("articles/{id}", BASE).href);
  var typing = null;
  var typingTimer = null;

  function articleUrl(id) {
    return articleTemplate.replace("{id}", encodeURIComponent(id));
  }

  function render(entry) {
    var item = el("li", { class: "askit-msg askit-from-" + entry.from });
    item.appendChild(el("span", { class: "askit-visually-hidden" }, entry.from === "bot" ? "AskIT said: " : "You said: "));
    if (entry.from === "user") {
      item.appendChild(el("p", { class: "askit-user-text" }, entry.text));
      return item;
    }
    var custom = entry.custom || {};
    ["article_id", "decision", "flow"].forEach(function (key) {
      if (typeof custom[key] === "string") item.setAttribute("data-" + key.replace("_", "-"), custom[key]);
    });
    var body = el("div", { class: "askit-text" });
    body.appendChild(window.AskITMarkdown.render(entry.text, document, {
      headingLevel: Math.min(6, settings.headingLevel + 1),
      articleUrl: articleUrl,
    }));
    // What a screen reader hears: the blocks' words, without the "opens in a new tab" notes.
    item.askitSpeech = Array.prototype.map.call(body.children, function (block) {
      return block.textContent.split(NEW_TAB_NOTE).join("");
    }).join(" ");
    item.appendChild(body);
    if (typeof custom.article_url === "string" && /^https?:\/\//.test(custom.article_url)) {
      var more = el("p", { class: "askit-more" });
      var link = el("a", { href: custom.article_url, target: "_blank", rel: "noopener noreferrer" }, "Open the full article");
      link.appendChild(el("span", { class: "askit-visually-hidden" }, NEW_TAB_NOTE));
      more.appendChild(link);
      body.insertBefore(more, body.children[1] || null); // under the answer's title
    }
    // "Show all steps" under a shortened answer belongs with the answer, not with "Did this help?".
    var choices = (entry.quick_replies || []).filter(function (choice) {
      if (String(choice.payload).indexOf(SHOW_ALL_PAYLOAD) !== 0) return true;
      var all = el("button", { type: "button", class: "askit-choice askit-show-all" }, choice.title);
      all.addEventListener("click", function () {
        say(choice.payload, choice.title);
        input.focus();
      });
      var more = el("p", { class: "askit-more" });
      more.appendChild(all);
      body.insertBefore(more, body.lastChild); // after the steps, before "Did this help?"
      return false;
    });
    if (choices.length) {
      var group = el("div", {
        class: "askit-choices", role: "group",
        "aria-label": custom.decision === "answer" ? "Did this help?" : "Choices",
      });
      // An answer's closing "Did this help?" goes with its buttons, which stay in view while it is read.
      var last = body.lastChild;
      if (custom.decision === "answer" && last && last.textContent.trim() === "Did this help?") {
        group.appendChild(last);
      }
      choices.forEach(function (choice) {
        var button = el("button", { type: "button", class: "askit-choice" }, choice.title);
        button.addEventListener("click", function () {
          say(choice.payload, choice.title);
          input.focus();
        });
        group.appendChild(button);
      });
      item.appendChild(group);
    }
    return item;
  }

  // Choices answer the bot's latest messages only; older ones stay visible but can no longer be pressed.
  function refreshChoices() {
    var items = log.querySelectorAll(".askit-msg");
    var current = true;
    for (var i = items.length - 1; i >= 0; i -= 1) {
      if (items[i].classList.contains("askit-from-user")) current = false;
      items[i].querySelectorAll(".askit-choice").forEach(function (b) { b.disabled = !current; });
    }
  }

  function scrollBehavior() {
    return reducedMotion && reducedMotion.matches ? "auto" : "smooth";
  }

  function scrollToEnd() {
    logBox.scrollTo({ top: logBox.scrollHeight, behavior: scrollBehavior() });
  }

  function withPerson() {
    for (var i = history.length - 1; i >= 0; i -= 1) {
      if (history[i].from === "bot") return LIVE_FLOWS[(history[i].custom || {}).flow] === true;
    }
    return false;
  }

  function add(entry, announce) {
    stopTyping();
    history.push(entry);
    if (history.length > MAX_HISTORY) history = history.slice(-MAX_HISTORY);
    if (sessionId) writeStore("history:" + sessionId, history);
    var item = render(entry);
    log.appendChild(item);
    refreshChoices();
    if (entry.from === "bot") {
      // A long answer is read from its start: show its start, not its end.
      logBox.scrollTo({ top: Math.max(0, item.offsetTop - 8), behavior: scrollBehavior() });
      if (announce) announceMessage(item, entry);
      if (announce && unread && panel.hidden) unread.hidden = false;
    } else {
      scrollToEnd();
    }
  }

  function announceMessage(item, entry) {
    var text = "AskIT: " + item.askitSpeech;
    var titles = (entry.quick_replies || []).map(function (c) { return c.title; });
    if (titles.length) text += " Choices: " + titles.join("; ") + ".";
    announcer.appendChild(el("p", {}, text));
    while (announcer.childNodes.length > MAX_ANNOUNCEMENTS) announcer.removeChild(announcer.firstChild);
  }

  // ``who``: the person of the service desk the chat is handed to, typing (bot/handoff/broker.py);
  // said once through the announcer, shown beside the dots.
  function startTyping(who) {
    var fresh = !typing;
    stopTyping();
    typing = el("li", { class: "askit-typing", "aria-hidden": "true" });
    if (who) typing.appendChild(el("span", { class: "askit-typing-name" }, who + " is typing\u2026 "));
    for (var i = 0; i < 3; i += 1) typing.appendChild(el("span", { class: "askit-dot" }));
    log.appendChild(typing);
    if (who && fresh) {
      announcer.appendChild(el("p", {}, who + " is typing\u2026"));
      while (announcer.childNodes.length > MAX_ANNOUNCEMENTS) announcer.removeChild(announcer.firstChild);
    }
    typingTimer = window.setTimeout(stopTyping, TYPING_TIMEOUT_MS);
  }

  function stopTyping() {
    if (typing) typing.remove();
    typing = null;
    window.clearTimeout(typingTimer);
  }

  function renderHistory() {
    log.replaceChildren();
    history.forEach(function (entry) { log.appendChild(render(entry)); });
    refreshChoices();
    logBox.scrollTop = logBox.scrollHeight;
  }

  /* ---------- the connection ---------- */

  var socket = null;

  function setStatus(text, canRetry) {
    status.textContent = text;
    retry.hidden = !canRetry;
  }

  function say(message, shown) {
    announcer.replaceChildren(); // what was announced has been heard; keep the page's text single
    add({ from: "user", text: shown || message }, false);
    if (socket) {
      // socket.io keeps what is emitted while disconnected and sends it once reconnected.
      socket.emit("user_uttered", { message: message });
      if (!withPerson()) startTyping(); // the bot is thinking; a person's typing is shown when they type
    }
    if (socket && !socket.connected) setStatus("Reconnecting\u2026 Your message will be sent when the connection is back.", false);
  }

  function fetchToken(callback) {
    fetch(new URL(settings.tokenUrl, window.location.href).href, {
      credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" },
    })
      .then(function (reply) {
        if (!reply.ok) throw new Error("token URL answered " + reply.status);
        return reply.json();
      })
      .then(function (body) { callback({ token: typeof body.token === "string" ? body.token : "" }); })
      .catch(function () { callback({ token: "" }); }); // the server then refuses, and we say so
  }

  function onSession(session) {
    if (!session || typeof session.session_id !== "string") return;
    setStatus("Connected", false);
    if (session.session_id !== sessionId) {
      var firstOnThisTab = sessionId === null;
      sessionId = session.session_id;
      writeStore("session", sessionId);
      if (firstOnThisTab) {
        writeStore("history:" + sessionId, history); // what was typed before the first connection
      } else {
        history = readStore("history:" + sessionId, []); // another person signed in on this tab
        renderHistory();
      }
    }
    if (typeof session.article_url === "string") {
      articleTemplate = session.article_url;
      writeStore("article-url", articleTemplate);
    }
  }

  function connect() {
    if (!settings.tokenUrl) {
      setStatus("AskIT is not set up on this page: it needs a token URL (data-token-url).", false);
      return;
    }
    socket = ioClient(BASE.origin, {
      path: SOCKET_PATH,
      transports: ["websocket", "polling"],
      tryAllTransports: true,
      auth: fetchToken,
    });
    socket.on("connect", function () {
      // Nothing shown in this tab yet: a new conversation, which the server opens with its welcome
      // (sent before the answer to "session"); a reconnect or a reload shows what it had instead.
      socket.emit("session", { new: history.length === 0 }, onSession);
    });
    socket.on("disconnect", function (reason) {
      stopTyping();
      setStatus("Reconnecting\u2026", false);
      if (reason === "io server disconnect") socket.connect(); // the server closed it: ask again, with a fresh token
    });
    socket.on("connect_error", function (error) {
      if (socket.active) {
        setStatus("Reconnecting\u2026", false);
      } else {
        setStatus("AskIT could not sign you in (" + (error && error.message ? error.message : "refused") + ").", true);
      }
    });
    socket.on("known_incidents", function (data) {
      var known = data && Array.isArray(data.incidents) ? data.incidents.slice(0, 3) : [];
      banner.replaceChildren();
      known.forEach(function (incident) {
        if (!incident || typeof incident.title !== "string") return;
        var line = el("p", { class: "askit-banner-line" });
        line.appendChild(el("strong", {}, "Known problem: " + incident.title.slice(0, 120) + "."));
        if (typeof incident.summary === "string") line.appendChild(document.createTextNode(" " + incident.summary.slice(0, 600)));
        banner.appendChild(line);
      });
      banner.hidden = !banner.childNodes.length;
    });
    socket.on("bot_typing", function (data) {
      var who = data && typeof data.name === "string" ? data.name.slice(0, 100) : "";
      if (who) startTyping(who);
    });
    socket.on("bot_uttered", function (message) {
      if (!message || (!message.text && !(message.quick_replies || []).length)) return;
      var custom = message.custom && typeof message.custom === "object" ? message.custom : {};
      add({
        from: "bot",
        text: String(message.text || ""),
        quick_replies: (message.quick_replies || []).filter(function (c) { return c && c.title && c.payload; }),
        custom: custom,
      }, custom.flow !== "welcome"); // the welcome is what the panel opens on, not news to announce
    });
  }

  retry.addEventListener("click", function () {
    setStatus("Connecting\u2026", false);
    socket.connect();
    input.focus();
  });

  // While a person has the chat, they see that the user is typing (never sent while the bot has it):
  // at once, then at most every USER_TYPING_EVERY_MS while there is text in the box.
  var userTypingSent = 0;
  var userTypingNext = null;
  input.addEventListener("input", function () {
    if (userTypingNext) return;
    var wait = Math.max(0, userTypingSent + USER_TYPING_EVERY_MS - Date.now());
    userTypingNext = window.setTimeout(function () {
      userTypingNext = null;
      if (!socket || !socket.connected || !input.value.trim() || !withPerson()) return; // sent, emptied, or the bot's
      userTypingSent = Date.now();
      socket.emit("user_typing", {});
    }, wait);
  });

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value.trim();
    if (!text) return;
    input.value = "";
    say(text);
  });

  var ioClient = null;
  Promise.all([
    window.AskITMarkdown ? null : loadScript(new URL("markdown.js", BASE).href),
    loadSocketIo(),
  ]).then(function () {
    renderHistory();
    connect();
  }, function () {
    setStatus("AskIT could not load. Please reload the page.", false);
  });

  // The socket.io client is a UMD script that sets window.io; the page keeps its own io, if it has one.
  function loadSocketIo() {
    var pagesOwn = window.io;
    return loadScript(new URL("vendor/socket.io.min.js", BASE).href).then(function () {
      ioClient = window.io;
      if (pagesOwn !== undefined) window.io = pagesOwn;
    });
  }
})();
