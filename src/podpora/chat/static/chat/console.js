/* The agents' chat console: one socket for the waiting list and every chat. */
(function () {
  "use strict";
  var root = document.querySelector(".chat-console");
  if (!root) return;
  var socket, retry = 0;

  function panel(id) { return document.getElementById("chat-" + id); }

  function addLine(message) {
    var box = panel(message.session);
    if (!box) return;
    var list = box.querySelector(".chat-lines");
    if (list.querySelector('[data-id="' + message.id + '"]')) return;
    var line = document.createElement("li");
    line.className = "chat-line chat-" + message.sender;
    line.dataset.id = message.id;
    if (message.sender !== "system") {
      var who = document.createElement("span");
      who.className = "chat-who";
      who.textContent = message.name;
      line.appendChild(who);
    }
    var body = document.createElement("span");
    body.className = "chat-body";
    body.textContent = message.attachment ? "📎 " + message.attachment.name : message.body;
    line.appendChild(body);
    list.appendChild(line);
    list.scrollTop = list.scrollHeight;
    box.dataset.last = message.id;
    box.querySelector(".chat-typing").hidden = true;
  }

  function join(box) {
    if (socket && socket.readyState === 1) {
      socket.send(JSON.stringify({ type: "join", session: Number(box.dataset.session), after: Number(box.dataset.last || 0) }));
    }
  }

  function connect() {
    socket = new WebSocket(location.origin.replace(/^http/, "ws") + root.dataset.socket);
    socket.onopen = function () { retry = 0; document.querySelectorAll(".chat-panel[data-session]").forEach(join); };
    socket.onmessage = function (event) {
      var data = JSON.parse(event.data);
      if (data.event === "message") addLine(data);
      else if (data.event === "joined") data.missed.forEach(addLine);
      else if (data.event === "typing" && data.sender === "visitor") {
        var box = panel(data.session);
        if (box) {
          var note = box.querySelector(".chat-typing");
          note.hidden = false;
          clearTimeout(note.timer);
          note.timer = setTimeout(function () { note.hidden = true; }, 3000);
        }
      } else if (["waiting", "accepted", "ended", "transferred"].indexOf(data.event) >= 0) {
        document.body.dispatchEvent(new CustomEvent("chat-changed"));
      }
    };
    socket.onclose = function () { retry = Math.min(retry + 1, 6); setTimeout(connect, 500 * Math.pow(2, retry)); };
  }

  document.body.addEventListener("htmx:afterSwap", function (event) {
    var box = event.detail.elt && event.detail.elt.closest && event.detail.elt.closest(".chat-panel[data-session]");
    if (box) join(box);
  });
  document.body.addEventListener("htmx:load", function (event) {
    var box = event.detail.elt;
    if (box && box.matches && box.matches(".chat-panel[data-session]")) join(box);
  });

  document.addEventListener("submit", function (event) {
    var form = event.target.closest(".chat-compose");
    if (!form) return;
    event.preventDefault();
    var input = form.querySelector("textarea");
    var text = input.value.trim();
    if (!text || !socket || socket.readyState !== 1) return;
    socket.send(JSON.stringify({ type: "message", session: Number(form.dataset.session), body: text }));
    input.value = "";
  });
  document.addEventListener("keydown", function (event) {
    var input = event.target.closest && event.target.closest(".chat-compose textarea");
    if (!input) return;
    if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); input.form.requestSubmit(); return; }
    if (socket && socket.readyState === 1) socket.send(JSON.stringify({ type: "typing", session: Number(input.form.dataset.session) }));
  });
  connect();
})();
