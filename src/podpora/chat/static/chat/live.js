/* Desk pages: when tickets change, fire "tickets-changed" on <body> so any
   element with hx-trigger="tickets-changed from:body" refreshes itself. Falls
   back to a slow poll when the socket is down (e.g. changes made by a worker
   process on the embedded default's in-memory channel layer).
   Every message also fires "desk-message" on the document, and each (re)opened
   socket "desk-socket-open"; window.podporaDesk.send(data) talks back (the
   ticket page's presence.js). */
(function () {
  "use strict";
  var retry = 0, pending, socket = null;
  window.podporaDesk = {
    send: function (data) {
      if (!socket || socket.readyState !== WebSocket.OPEN) return false;
      socket.send(JSON.stringify(data));
      return true;
    }
  };
  function changed(detail) {
    clearTimeout(pending);
    pending = setTimeout(function () { document.body.dispatchEvent(new CustomEvent("tickets-changed", { detail: detail })); }, 300);
  }
  function connect() {
    socket = new WebSocket(location.origin.replace(/^http/, "ws") + "/ws/desk/");
    socket.onopen = function () { retry = 0; document.dispatchEvent(new CustomEvent("desk-socket-open")); };
    socket.onmessage = function (event) {
      var data = JSON.parse(event.data);
      document.dispatchEvent(new CustomEvent("desk-message", { detail: data }));
      if (data.event === "ticket") changed(data);
    };
    socket.onclose = function () { retry = Math.min(retry + 1, 6); setTimeout(connect, 1000 * Math.pow(2, retry)); };
  }
  setInterval(function () { if (!document.hidden) changed({ event: "poll" }); }, 60000);
  connect();
})();
