/* The ticket page, live: who else has it open ("Petra Svobodová — typing a
   reply…"), and news when someone else changes it. New messages are shown in
   the thread at once (htmx refreshes it); other changes offer a reload that
   keeps the unsent text (macros.js keeps it for links marked
   data-keep-drafts). Speaks through the desk socket of chat/live.js. */
(function () {
  "use strict";
  var root = document.getElementById("presence");
  if (!root || !window.podporaDesk) return;
  var ticket = parseInt(root.dataset.ticket, 10);
  var me = parseInt(root.dataset.user, 10);
  var viewers = {};  // viewer id → {user, name, box, until}
  var line = root.querySelector(".presence-viewers");
  var notice = root.querySelector(".presence-changed");
  var TYPING_SHOWN_MS = 6000, TYPING_SENT_EVERY_MS = 3000, lastTyping = 0;

  function view() { window.podporaDesk.send({ type: "view", ticket: ticket }); }

  function render() {
    var now = Date.now(), people = {}, names = [];
    Object.keys(viewers).forEach(function (id) {
      var v = viewers[id];
      if (v.user === me) return;
      var typing = v.box && v.until > now ? v.box : "";
      if (!people[v.user] || typing) people[v.user] = { name: v.name, typing: typing };
    });
    Object.keys(people).forEach(function (user) {
      var p = people[user];
      names.push(p.name + (p.typing ? " — " + root.dataset[p.typing === "note" ? "typingNote" : "typingReply"] : ""));
    });
    line.textContent = names.length ? root.dataset.here + " " + names.join(", ") : "";
    line.hidden = !names.length;
  }

  function changed(data) {
    var name = data.name || root.dataset.someone;
    var message = ["reply", "note", "customer_message"].indexOf(data.action) >= 0;
    notice.querySelector("span").textContent = root.dataset[message ? "message" : "changed"].replace("{name}", name);
    notice.hidden = false;
    if (message && window.htmx && document.getElementById("thread")) {
      window.htmx.ajax("GET", root.dataset.threadUrl, { target: "#thread", swap: "outerHTML" });
    }
  }

  document.addEventListener("desk-message", function (event) {
    var data = event.detail;
    if (data.ticket !== ticket) return;
    if (data.event === "presence") {
      if (data.state === "left") delete viewers[data.viewer];
      else {
        var known = viewers[data.viewer] || {};
        viewers[data.viewer] = {
          user: data.user, name: data.name,
          box: data.state === "typing" ? data.box : known.box,
          until: data.state === "typing" ? Date.now() + TYPING_SHOWN_MS : known.until || 0
        };
      }
      render();
    } else if (data.event === "changed" && data.user !== me) {
      changed(data);
    }
  });
  document.addEventListener("desk-socket-open", function () { viewers = {}; render(); view(); });
  document.addEventListener("input", function (event) {
    var box = event.target.id === "id_body" ? "reply" : event.target.id === "id_note-body" ? "note" : "";
    if (!box || Date.now() - lastTyping < TYPING_SENT_EVERY_MS) return;
    if (window.podporaDesk.send({ type: "typing", ticket: ticket, box: box })) lastTyping = Date.now();
  });
  setInterval(render, 2000);  // typing notes fade out
  view();
})();
