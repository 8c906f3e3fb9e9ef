/* The demo page (development mode only): each tab is its own demo user, so two tabs are two
   people, and the widget is embedded with the same script tag an intranet page would use. */
(function () {
  "use strict";
  var KEY = "askit-demo-user";
  var user = window.sessionStorage.getItem(KEY);
  if (!/^[a-z0-9]{6,32}$/.test(user || "")) {
    var bytes = new Uint8Array(6);
    window.crypto.getRandomValues(bytes);
    user = Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
    window.sessionStorage.setItem(KEY, user);
  }
  document.getElementById("demo-user").textContent = "demo-" + user;

  var floating = new URLSearchParams(window.location.search).get("mode") === "floating";
  var modeSwitch = document.getElementById("mode-switch");
  modeSwitch.href = floating ? "?" : "?mode=floating";
  modeSwitch.textContent = floating ? "Show the chat in the page instead" : "Try the floating launcher instead";

  var tag = document.createElement("script");
  tag.src = "askit-widget.js";
  tag.dataset.tokenUrl = "dev-token?user=" + user;
  tag.dataset.title = "AskIT";
  tag.dataset.mode = floating ? "floating" : "inline";
  tag.dataset.container = "#askit-chat";
  document.body.appendChild(tag);
})();
