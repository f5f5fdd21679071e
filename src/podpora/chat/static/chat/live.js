/* Desk pages: when tickets change, fire "tickets-changed" on <body> so any
   element with hx-trigger="tickets-changed from:body" refreshes itself. Falls
   back to a slow poll when the socket is down (e.g. changes made by a worker
   process on the embedded default's in-memory channel layer). */
(function () {
  "use strict";
  var retry = 0, pending;
  function changed(detail) {
    clearTimeout(pending);
    pending = setTimeout(function () { document.body.dispatchEvent(new CustomEvent("tickets-changed", { detail: detail })); }, 300);
  }
  function connect() {
    var socket = new WebSocket(location.origin.replace(/^http/, "ws") + "/ws/desk/");
    socket.onopen = function () { retry = 0; };
    socket.onmessage = function (event) { changed(JSON.parse(event.data)); };
    socket.onclose = function () { retry = Math.min(retry + 1, 6); setTimeout(connect, 1000 * Math.pow(2, retry)); };
  }
  setInterval(function () { if (!document.hidden) changed({ event: "poll" }); }, 60000);
  connect();
})();
