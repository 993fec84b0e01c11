/* A conversation page (xueji/support): the poller (htmx, every 2 s and at once when a new poller comes, from the
   cursor of the last message shown; the server may hold a poll until a message comes) appends new messages; this script keeps each message once (a poll and a send's poll may overlap), scrolls to the
   newest, says when the server cannot be reached (the poll goes on from its cursor, so nothing is lost) and when a
   send failed (the text stays, with its key: sent again, it is stored once), and reloads the page when the session
   ended (a poll answered by the sign-in page). */
(function () {
  "use strict";
  var list = document.getElementById("message-list");
  if (!list) { return; }
  function bottom() { list.scrollTop = list.scrollHeight; }
  function dedupe() {
    var seen = {};
    list.querySelectorAll("[data-message]").forEach(function (el) {
      var id = el.getAttribute("data-message");
      if (seen[id]) { el.remove(); } else { seen[id] = true; }
    });
    var empty = document.getElementById("no-messages");
    if (empty && list.querySelector("[data-message]")) { empty.remove(); }
  }
  function show(id, on) { var el = document.getElementById(id); if (el) { el.classList.toggle("d-none", !on); } }
  bottom();
  document.body.addEventListener("htmx:beforeSwap", function (event) {
    var xhr = event.detail.xhr;
    if (xhr && xhr.responseURL && xhr.responseURL.indexOf("/login/") !== -1) {
      event.detail.shouldSwap = false;
      window.location.reload();
    }
  });
  document.body.addEventListener("htmx:oobAfterSwap", function () { dedupe(); bottom(); });
  document.body.addEventListener("htmx:afterRequest", function (event) {
    var elt = event.detail.elt;
    if (elt && elt.id === "poller") { show("poll-offline", !event.detail.successful && !event.detail.xhr.status); }
    if (elt && elt.id === "send-form") { show("send-failed", !event.detail.xhr.status); }
  });
  document.body.addEventListener("htmx:sendError", function (event) {
    var elt = event.detail.elt;
    if (elt && elt.id === "poller") { show("poll-offline", true); }
    if (elt && elt.id === "send-form") { show("send-failed", true); }
  });
})();
