/*
 * The agent console (bot/backoffice/agents.py): one socket.io connection to the live-chat broker's
 * namespace /agents in the Rasa server, authenticated with a short-lived token from /agents/token.
 * The broker owns every state; this page only shows what it is told and asks it to change things,
 * each request answered by an ack {ok, error}. Plain DOM, no framework: read top to bottom.
 */
(function () {
  "use strict";
  var root = document.getElementById("console");
  if (!root || typeof io === "undefined") return;

  var REFRESH_BEFORE_SECONDS = 60; // a new token this long before the old one runs out
  var ACK_TIMEOUT_MS = 10000;
  var RETRY_MS = 3000;
  var TYPING_EVERY_MS = 3000; // tell the broker at most this often that the agent is typing
  var TYPING_SHOWN_MS = 6000; // the user's "typing…" fades if nothing new comes

  var $ = function (id) { return document.getElementById(id); };
  var state = {
    me: root.getAttribute("data-agent-id"),
    wanted: root.getAttribute("data-chat") || null, // opened from a link (a Teams card)
    wantedShown: false, // its Accept button was given the focus (a waiting chat)
    token: null, expiresAt: 0, socketUrl: null, socket: null, refreshTimer: null,
    presence: null, // unknown until the agent chooses, or as this tab last had it (sessionStorage)
    queue: [], queueAt: Date.now(),
    chats: {}, // handoff id -> {handoff, unread, seqs: {seq: true}}
    selected: null,
    pending: {}, // message_id -> {event, payload}: sent, not yet acknowledged; resent with the same id
    lastTyping: 0, typingTimer: null,
  };

  // A council's or group's name, from the page (the broker speaks in ids).
  function nameOf(kind, id) {
    if (!id) return "";
    var found = document.querySelector("#names [data-" + kind + '="' + CSS.escape(id) + '"]');
    return found ? found.textContent : id;
  }

  // ---- Speaking to people: the polite live regions (errors, and new messages) -------------------

  function say(element, text) {
    // Emptied first, so the same sentence twice is read out twice.
    element.textContent = "";
    window.setTimeout(function () { element.textContent = text; }, 50);
  }
  function showError(text) { say($("errors"), text); }
  function clearError() { $("errors").textContent = ""; }
  function announce(text) { say($("announcer"), text); }
  function setConnection(text, connected) {
    var el = $("connection");
    el.textContent = text;
    el.setAttribute("data-state", connected ? "connected" : "waiting");
  }

  // ---- The token and the socket ------------------------------------------------------------------

  function fetchToken() {
    return fetch(root.getAttribute("data-token-url"), { headers: { accept: "application/json" }, credentials: "same-origin" })
      .then(function (reply) {
        return reply.json().then(function (body) {
          if (!reply.ok) throw new Error(body.error || "the back office refused a token (" + reply.status + ")");
          state.token = body.token;
          state.expiresAt = Date.now() + body.expires_in * 1000;
          state.socketUrl = body.socket_url;
          return body;
        });
      });
  }

  // The socket calls this on every (re)connection: a token close to its end is replaced first.
  function auth(callback) {
    var fresh = state.expiresAt - Date.now() > REFRESH_BEFORE_SECONDS * 1000;
    (fresh ? Promise.resolve() : fetchToken()).then(
      function () { callback({ token: state.token }); },
      function (error) { showError("Cannot join the live chat: " + error.message + "."); callback({ token: state.token }); }
    );
  }

  // Before the token runs out, reconnect with a new one; unacknowledged messages are sent again.
  function scheduleRefresh() {
    window.clearTimeout(state.refreshTimer);
    var wait = Math.max(5000, state.expiresAt - Date.now() - REFRESH_BEFORE_SECONDS * 1000);
    state.refreshTimer = window.setTimeout(function () {
      fetchToken().then(function () {
        state.socket.disconnect();
        state.socket.connect();
        scheduleRefresh();
      }, function (error) {
        showError("Cannot renew the live chat's token: " + error.message + ".");
        state.refreshTimer = window.setTimeout(scheduleRefresh, RETRY_MS);
      });
    }, wait);
  }

  function connect() {
    fetchToken().then(function () {
      var socket = io(state.socketUrl + "/agents", { path: "/socket.io", auth: auth, transports: ["websocket", "polling"] });
      state.socket = socket;
      socket.on("connect", onConnect);
      socket.on("connect_error", function (error) {
        setConnection("Not connected to the live chat (" + error.message + "). Trying again…", false);
        // A refusal by the broker (a token it did not take) stops the client's own retries.
        if (!socket.active) window.setTimeout(function () { socket.connect(); }, RETRY_MS);
      });
      socket.on("disconnect", function (reason) {
        setConnection("Connection to the live chat lost. Reconnecting…", false);
        if (reason === "io server disconnect") window.setTimeout(function () { socket.connect(); }, RETRY_MS);
      });
      socket.on("queue", onQueue);
      socket.on("handoff", onHandoff);
      socket.on("message", onMessage);
      socket.on("typing", onTyping);
      scheduleRefresh();
    }, function (error) {
      setConnection("Cannot join the live chat: " + error.message + ".", false);
      window.setTimeout(connect, RETRY_MS * 5);
    });
  }

  function onConnect() {
    setConnection("Connected to the live chat.", true);
    if (state.presence) request("presence", { state: state.presence }, function () { showPresence(state.presence); });
    restoreChats();
    Object.keys(state.pending).forEach(emitPending);
    if (state.selected) loadHistory(state.selected);
  }

  // Ask the broker for something; ``onOk`` runs with its answer, a refusal is shown and read out.
  function request(event, payload, onOk) {
    if (!state.socket || !state.socket.connected) {
      showError("Not connected to the live chat yet: try again in a moment.");
      return;
    }
    state.socket.timeout(ACK_TIMEOUT_MS).emit(event, payload, function (error, reply) {
      if (error) { showError("The live chat did not answer. Try again."); return; }
      if (!reply || reply.ok !== true) { showError((reply && reply.error) || "The live chat refused that."); return; }
      clearError();
      if (onOk) onOk(reply);
    });
  }

  // ---- Presence ------------------------------------------------------------------------------------

  function showPresence(value) {
    state.presence = value;
    Array.prototype.forEach.call(document.querySelectorAll(".presence-choice"), function (button) {
      button.setAttribute("aria-pressed", String(button.getAttribute("data-state") === value));
    });
  }
  Array.prototype.forEach.call(document.querySelectorAll(".presence-choice"), function (button) {
    button.addEventListener("click", function () {
      var value = button.getAttribute("data-state");
      request("presence", { state: value }, function () {
        showPresence(value);
        saveChats();
        announce("You are " + value + ".");
      });
    });
  });

  // ---- The queue -----------------------------------------------------------------------------------

  function waitText(seconds) {
    var s = Math.max(0, Math.floor(seconds));
    if (s < 60) return s + (s === 1 ? " second" : " seconds");
    var m = Math.floor(s / 60);
    if (m < 60) return m + (m === 1 ? " minute" : " minutes");
    var h = Math.floor(m / 60);
    return h + (h === 1 ? " hour " : " hours ") + (m % 60) + " min";
  }

  function element(tag, className, text) {
    var el = document.createElement(tag);
    if (className) el.className = className;
    if (text !== undefined && text !== null) el.textContent = text;
    return el;
  }

  function onQueue(data) {
    state.queue = (data && data.waiting) || [];
    state.queueAt = Date.now();
    renderQueue();
  }

  function renderQueue() {
    Array.prototype.forEach.call(document.querySelectorAll(".queue-group"), function (section) {
      var group = section.getAttribute("data-group");
      var list = section.querySelector(".queue-list");
      var waiting = state.queue.filter(function (item) { return item.group === group; });
      // Keep focus where it was: the button of a chat still waiting is the same element.
      var focusedId = document.activeElement && document.activeElement.getAttribute("data-accept");
      list.textContent = "";
      waiting.forEach(function (item) { list.appendChild(queueItem(item)); });
      section.querySelector("[data-count]").textContent = "(" + waiting.length + " waiting)";
      if (focusedId) {
        var again = list.querySelector('[data-accept="' + CSS.escape(focusedId) + '"]');
        if (again) again.focus();
      }
    });
    // Opened from a Teams card for a chat still waiting: its Accept button has the focus, once.
    var wanted = state.wanted && document.querySelector('[data-accept="' + CSS.escape(state.wanted) + '"]');
    if (wanted && !state.wantedShown) {
      state.wantedShown = true;
      wanted.focus();
    }
    tick();
  }

  function queueItem(item) {
    var li = element("li");
    li.appendChild(element("p", "who", item.requester_name + (item.council ? " (" + nameOf("council", item.council) + ")" : "")));
    li.appendChild(element("p", "summary", item.summary));
    var waited = element("p", "waited");
    waited.setAttribute("data-waited", String(item.waited_seconds || 0));
    li.appendChild(waited);
    var accept = element("button", "accept", "Accept");
    accept.type = "button";
    accept.setAttribute("data-accept", item.handoff_id);
    accept.setAttribute("aria-label", "Accept the chat with " + item.requester_name + " (number " + item.position + " in the queue)");
    accept.addEventListener("click", function () { acceptChat(item.handoff_id); });
    li.appendChild(accept);
    return li;
  }

  // Waiting times count up between the broker's updates (not a live region: not read out each second).
  function tick() {
    var passed = (Date.now() - state.queueAt) / 1000;
    Array.prototype.forEach.call(document.querySelectorAll("[data-waited]"), function (el) {
      el.textContent = "Waiting " + waitText(Number(el.getAttribute("data-waited")) + passed);
    });
  }
  window.setInterval(tick, 1000);

  function acceptChat(id) {
    request("accept", { handoff_id: id }, function (reply) {
      if (reply.handoff) remember(reply.handoff);
      else if (!state.chats[id]) state.chats[id] = { handoff: { id: id }, unread: 0, seqs: {} };
      renderChats();
      select(id);
    });
  }

  // ---- My chats ------------------------------------------------------------------------------------

  // The broker names a handoff's id "handoff_id" (and its requester "requester_name"); "id" too is read.
  function idOf(handoff) { return handoff.handoff_id || handoff.id; }

  function remember(handoff) {
    var id = idOf(handoff);
    var chat = state.chats[id] || (state.chats[id] = { handoff: {}, unread: 0, seqs: {} });
    chat.handoff = Object.assign({}, chat.handoff, handoff, { id: id });
    saveChats();
    return chat;
  }

  // A reload keeps the agent's chats and status: the broker is asked again for each on connecting.
  function saveChats() {
    try {
      window.sessionStorage.setItem("askit.console.chats", JSON.stringify(Object.keys(state.chats)));
      if (state.presence) window.sessionStorage.setItem("askit.console.presence", state.presence);
    } catch (e) { /* storage off: a reload then starts from the queue */ }
  }
  function savedChats() {
    try { return JSON.parse(window.sessionStorage.getItem("askit.console.chats") || "[]"); } catch (e) { return []; }
  }
  function savedPresence() {
    try { return window.sessionStorage.getItem("askit.console.presence"); } catch (e) { return null; }
  }

  // After a reload: each chat the page held is looked up; those still the agent's come back.
  // So is a chat the page was opened for (?chat=, from a Teams card): opened if it is the agent's.
  function restoreChats() {
    var ids = savedChats();
    if (state.wanted && ids.indexOf(state.wanted) < 0) ids.push(state.wanted);
    ids.forEach(function (id) {
      if (typeof id !== "string") return;
      if (state.chats[id]) { if (state.wanted === id) { state.wanted = null; select(id); } return; }
      state.socket.timeout(ACK_TIMEOUT_MS).emit("history", { handoff_id: id }, function (error, reply) {
        if (error || !reply || reply.ok !== true || !reply.handoff) return;
        var h = reply.handoff;
        if (h.agent_id !== state.me || h.state !== "assigned") return;
        remember(h);
        renderChats();
        if (state.wanted === id) { state.wanted = null; select(id); }
      });
    });
  }

  function onHandoff(handoff) {
    var id = idOf(handoff);
    var mine = handoff.agent_id === state.me && handoff.state === "assigned";
    if (mine) {
      remember(handoff);
      renderChats();
      if (state.wanted === id) { state.wanted = null; select(id); }
      if (state.selected === id) renderRequester(state.chats[id].handoff);
    } else if (state.chats[id]) {
      var name = requesterName(state.chats[id]);
      forget(id);
      announce("The chat with " + name + " is no longer yours (" + handoff.state.replace("_", " ") + ").");
    }
  }

  function forget(id) {
    delete state.chats[id];
    saveChats();
    renderChats();
    if (state.selected === id) {
      state.selected = null;
      $("chat").hidden = true;
      $("mine-heading").focus(); // the chat's controls are gone: focus goes somewhere that makes sense
    }
  }

  function requesterName(chat) {
    var h = chat.handoff;
    return (h.requester && h.requester.name) || h.requester_name || "Member of staff";
  }
  function requesterEmail(chat) {
    var h = chat.handoff;
    return (h.requester && h.requester.email) || h.requester_email || "";
  }

  function renderChats() {
    var list = $("my-chats");
    var ids = Object.keys(state.chats);
    list.textContent = "";
    ids.forEach(function (id) {
      var chat = state.chats[id];
      var li = element("li");
      var button = element("button", null, requesterName(chat));
      button.type = "button";
      button.setAttribute("data-chat", id);
      if (state.selected === id) button.setAttribute("aria-current", "true");
      if (chat.unread) {
        var badge = element("span", "unread", String(chat.unread));
        badge.setAttribute("aria-label", chat.unread + " unread");
        button.appendChild(badge);
      }
      button.addEventListener("click", function () { select(id); });
      li.appendChild(button);
      list.appendChild(li);
    });
    $("no-chats").hidden = ids.length > 0;
  }

  // ---- The selected chat ---------------------------------------------------------------------------

  function select(id) {
    state.selected = id;
    state.chats[id].unread = 0;
    renderChats();
    $("messages").textContent = "";
    $("typing").textContent = "";
    $("close-confirm").hidden = true;
    $("chat").hidden = false;
    renderRequester(state.chats[id].handoff);
    loadHistory(id);
    $("chat-heading").focus();
  }

  function loadHistory(id) {
    request("history", { handoff_id: id }, function (reply) {
      if (state.selected !== id || !state.chats[id]) return;
      if (reply.handoff) renderRequester(remember(reply.handoff).handoff);
      renderContext(reply.context || {});
      var chat = state.chats[id];
      chat.seqs = {};
      $("messages").textContent = "";
      (reply.messages || []).forEach(function (m) { showMessage(chat, m); });
      Object.keys(state.pending).forEach(function (mid) {
        var p = state.pending[mid];
        if (p.payload.handoff_id === id) showPending(p);
      });
      var last = (reply.messages || []).reduce(function (n, m) { return Math.max(n, m.seq || 0); }, 0);
      if (last) state.socket.emit("ack", { handoff_id: id, seq: last }, function () {});
    });
  }

  function renderRequester(handoff) {
    var chat = { handoff: handoff };
    $("chat-heading").textContent = "Chat with " + requesterName(chat);
    var dl = $("requester");
    dl.textContent = "";
    [["Name", requesterName(chat)], ["E-mail", requesterEmail(chat)], ["Council", nameOf("council", handoff.council)],
      ["Group", nameOf("group", handoff.group)], ["Question", handoff.summary]]
      .forEach(function (row) {
        if (!row[1]) return;
        dl.appendChild(element("dt", null, row[0]));
        dl.appendChild(element("dd", null, row[1]));
      });
  }

  // What happened before the handoff: the bot's part is marked as the assistant's, to tell it apart.
  function renderContext(context) {
    var conversation = $("bot-conversation");
    conversation.textContent = "";
    (context.conversation || []).forEach(function (turn) {
      var bot = (turn.who || turn.sender) === "bot";
      var li = element("li", bot ? "from-bot" : "from-user");
      li.appendChild(element("strong", null, bot ? "Assistant (bot): " : "Member of staff: "));
      li.appendChild(document.createTextNode(turn.text || ""));
      conversation.appendChild(li);
    });
    if (!conversation.children.length) conversation.appendChild(element("li", null, "Nothing before the handoff."));
    var articles = $("articles");
    articles.textContent = "";
    (context.articles || []).forEach(function (article) {
      var verdict = article.helped === true ? "helped" : article.helped === false ? "did not help" : "no answer given";
      articles.appendChild(element("li", null, (article.title || article.article_id || article.id) + ": " + verdict));
    });
    if (!articles.children.length) articles.appendChild(element("li", null, "No articles were offered."));
    // Open tickets, when the broker gives them: otherwise the heading goes too, rather than claim none.
    var tickets = $("tickets");
    tickets.textContent = "";
    tickets.hidden = $("tickets-heading").hidden = !Array.isArray(context.tickets);
    (context.tickets || []).forEach(function (ticket) {
      tickets.appendChild(element("li", null, [ticket.ref, ticket.title, ticket.status].filter(Boolean).join(" · ")));
    });
    if (Array.isArray(context.tickets) && !tickets.children.length) tickets.appendChild(element("li", null, "No open tickets."));
    // Who is asking, as the broker's record of the conversation says (e-mail, council).
    if (context.requester && state.selected) {
      var h = state.chats[state.selected].handoff;
      h.requester = Object.assign({}, context.requester, h.requester || {});
      h.council = h.council || context.requester.council;
      renderRequester(h);
    }
  }

  function timeText(at) {
    var date = at ? new Date(typeof at === "number" ? at * 1000 : at) : new Date();
    return isNaN(date.getTime()) ? "" : date.toLocaleTimeString("en-GB", { hour: "2-digit", minute: "2-digit" });
  }

  function messageItem(sender, author, text, at) {
    var li = element("li", "from-" + sender);
    li.appendChild(element("span", "author", author));
    if (sender === "note") li.appendChild(element("span", "private", "Private note: only agents see this"));
    li.appendChild(element("span", "at", timeText(at)));
    li.appendChild(element("p", "body", text));
    return li;
  }

  function authorOf(chat, m) {
    if (m.sender === "user") return requesterName(chat);
    if (m.sender === "system") return "AskIT";
    var name = m.author_name || "An agent";
    return m.sender === "note" ? name + " (private note)" : name + " (Service Desk)";
  }

  // A message, shown once: by its seq, or in place of the pending copy this page sent.
  function showMessage(chat, m) {
    if (chat.seqs[m.seq]) return false;
    chat.seqs[m.seq] = true;
    var list = $("messages");
    var own = ownPending(m);
    var li = messageItem(m.sender, authorOf(chat, m), m.text, m.at);
    li.setAttribute("data-seq", String(m.seq));
    if (own) list.replaceChild(li, own); else list.appendChild(li);
    list.scrollTop = list.scrollHeight;
    return true;
  }

  function ownPending(m) {
    if (m.sender !== "agent" && m.sender !== "note") return null;
    if (m.message_id) return document.querySelector('#messages [data-message-id="' + CSS.escape(m.message_id) + '"]');
    var found = null;
    Array.prototype.forEach.call(document.querySelectorAll("#messages [data-message-id]"), function (li) {
      if (!found && li.getAttribute("data-text") === m.text) found = li;
    });
    return found;
  }

  function onMessage(m) {
    var chat = state.chats[m.handoff_id];
    if (!chat) return;
    if (state.selected === m.handoff_id) {
      if (showMessage(chat, m) && m.sender === "user") {
        $("typing").textContent = "";
        announce(requesterName(chat) + " says: " + m.text);
      }
    } else if (!chat.seqs[m.seq]) {
      chat.seqs[m.seq] = true;
      if (m.sender === "user") {
        chat.unread += 1;
        renderChats();
        announce("New message from " + requesterName(chat) + ".");
      }
    }
    state.socket.emit("ack", { handoff_id: m.handoff_id, seq: m.seq }, function () {});
  }

  function onTyping(t) {
    if (t.handoff_id !== state.selected || t.who !== "user") return;
    $("typing").textContent = requesterName(state.chats[t.handoff_id]) + " is typing…";
    window.clearTimeout(state.typingTimer);
    state.typingTimer = window.setTimeout(function () { $("typing").textContent = ""; }, TYPING_SHOWN_MS);
  }

  // ---- Sending: each message has its own id, kept until the broker acknowledges it ----------------

  function showPending(p) {
    var sender = p.event === "note" ? "note" : "agent";
    var li = messageItem(sender, sender === "note" ? "You (private note)" : "You", p.payload.text, null);
    li.setAttribute("data-message-id", p.payload.message_id);
    li.setAttribute("data-text", p.payload.text);
    li.appendChild(element("span", "pending", "Sending…"));
    $("messages").appendChild(li);
  }

  function emitPending(id) {
    var p = state.pending[id];
    if (!p || !state.socket || !state.socket.connected) return; // sent again on the next connection
    state.socket.timeout(ACK_TIMEOUT_MS).emit(p.event, p.payload, function (error, reply) {
      if (!state.pending[id]) return; // answered already (a resend's ack)
      if (error) { window.setTimeout(function () { emitPending(id); }, RETRY_MS); return; } // same id: never twice
      delete state.pending[id];
      var li = document.querySelector('#messages [data-message-id="' + CSS.escape(id) + '"]');
      if (reply && reply.ok === true) {
        clearError();
        if (li) {
          var chat = state.chats[p.payload.handoff_id];
          if (reply.seq && chat) {
            if (chat.seqs[reply.seq]) { li.remove(); return; } // the broker's copy came first
            chat.seqs[reply.seq] = true;
            li.setAttribute("data-seq", String(reply.seq));
          }
          li.removeAttribute("data-message-id");
          var pending = li.querySelector(".pending");
          if (pending) pending.remove();
        }
      } else {
        if (li) li.querySelector(".pending").textContent = "Not sent";
        showError((reply && reply.error) || "The live chat refused the message.");
      }
    });
  }

  function newId() {
    if (window.crypto && window.crypto.randomUUID) return window.crypto.randomUUID();
    return Date.now().toString(36) + Math.random().toString(36).slice(2); // http pages off loopback lack randomUUID
  }

  var composer = $("composer");
  var text = $("composer-text");
  var noteToggle = $("composer-note");
  composer.addEventListener("submit", function (event) {
    event.preventDefault();
    var body = text.value.trim();
    if (!body || !state.selected) return;
    var id = newId();
    var p = { event: noting() ? "note" : "send", payload: { handoff_id: state.selected, message_id: id, text: body } };
    state.pending[id] = p;
    showPending(p);
    text.value = "";
    $("messages").scrollTop = $("messages").scrollHeight;
    emitPending(id);
  });
  // Enter sends, Shift+Enter starts a new line (and Enter while an input method composes is its own).
  text.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      composer.requestSubmit();
    }
  });
  text.addEventListener("input", function () {
    // Notes are for agents: the member of staff is not told someone is typing one.
    if (!state.selected || noting() || !state.socket || !state.socket.connected) return;
    if (Date.now() - state.lastTyping < TYPING_EVERY_MS) return;
    state.lastTyping = Date.now();
    state.socket.emit("typing", { handoff_id: state.selected }, function () {});
  });
  // A toggle button rather than a checkbox, so Enter works on it as on every other control here.
  function noting() { return noteToggle.getAttribute("aria-pressed") === "true"; }
  noteToggle.addEventListener("click", function () {
    noteToggle.setAttribute("aria-pressed", String(!noting()));
    composer.classList.toggle("note-mode", noting());
    $("composer-send").textContent = noting() ? "Add private note" : "Send";
    if (noting()) text.setAttribute("aria-describedby", "composer-note"); else text.removeAttribute("aria-describedby");
  });

  // ---- Transfer, release, close --------------------------------------------------------------------

  $("transfer").addEventListener("submit", function (event) {
    event.preventDefault();
    var id = state.selected;
    var select = $("transfer-group");
    var name = select.options[select.selectedIndex].text;
    request("transfer", { handoff_id: id, to_group: select.value }, function () {
      forget(id);
      announce("Chat transferred to " + name + ".");
    });
  });

  $("release").addEventListener("click", function () {
    var id = state.selected;
    request("release", { handoff_id: id }, function () {
      forget(id);
      announce("Chat released to the queue.");
    });
  });

  // Closing asks first, in the page (a dialog box would take the agent out of the page's flow).
  $("close").addEventListener("submit", function (event) {
    event.preventDefault();
    $("close-confirm").hidden = false;
    $("close-yes").focus();
  });
  $("close-no").addEventListener("click", function () {
    $("close-confirm").hidden = true;
    $("close-start").focus();
  });
  $("close-yes").addEventListener("click", function () {
    var id = state.selected;
    var note = $("close-note").value.trim();
    request("close", note ? { handoff_id: id, note: note } : { handoff_id: id }, function () {
      $("close-confirm").hidden = true;
      $("close-note").value = "";
      forget(id);
      announce("Chat closed.");
    });
  });

  state.presence = savedPresence();
  renderChats();
  connect();
})();
