// Keyboard shortcuts and small conveniences; every feature also works without this file.
(function () {
  "use strict";
  function typing(target) {
    return target.closest("input, textarea, select, [contenteditable=true]");
  }
  function focusField(id) {
    var field = document.getElementById(id);
    if (field) { field.scrollIntoView({ block: "center" }); field.focus(); }
  }
  function rows() { return Array.prototype.slice.call(document.querySelectorAll("table.tickets tr.row")); }
  var current = -1;
  function move(delta) {
    var list = rows();
    if (!list.length) return;
    if (current >= 0 && list[current]) list[current].classList.remove("kb-current");
    current = Math.max(0, Math.min(list.length - 1, current + delta));
    list[current].classList.add("kb-current");
    var link = list[current].querySelector(".subject a");
    if (link) link.focus();
  }
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    switch (event.key) {
      case "r": if (document.getElementById("id_body")) { event.preventDefault(); focusField("id_body"); } break;
      case "n": if (document.getElementById("id_note-body")) { event.preventDefault(); focusField("id_note-body"); } break;
      case "j": event.preventDefault(); move(1); break;
      case "k": event.preventDefault(); move(-1); break;
      case "/": event.preventDefault(); focusField("jump-number"); break;
      case "]": var next = document.querySelector("a[rel=next]"); if (next) next.click(); break;
      case "[": var prev = document.querySelector("a[rel=prev]"); if (prev) prev.click(); break;
    }
  });
  document.addEventListener("click", function (event) {
    var link = event.target.closest("a[data-focus]");
    if (link) { event.preventDefault(); focusField(link.dataset.focus); }
  });
  // Canned replies: fetch the filled-in text and put it where the cursor is.
  document.addEventListener("change", function (event) {
    var select = event.target.closest("select[data-canned-url]");
    if (!select || !select.value) return;
    var url = select.dataset.cannedUrl.replace(/\/0\/$/, "/" + encodeURIComponent(select.value) + "/");
    fetch(url, { credentials: "same-origin" }).then(function (response) {
      if (!response.ok) throw new Error(response.status);
      return response.text();
    }).then(function (text) {
      var box = document.getElementById(select.dataset.cannedTarget);
      var start = box.selectionStart || 0, end = box.selectionEnd || 0;
      box.value = box.value.slice(0, start) + text + box.value.slice(end);
      box.focus();
      box.selectionStart = box.selectionEnd = start + text.length;
      box.dispatchEvent(new Event("input", { bubbles: true }));  // the draft keeps it
      select.value = "";
    }).catch(function () {
      // Never reload the page from here: that would lose the typed reply.
      // The no-script button stays for the agent to choose.
      document.querySelectorAll(".canned-fallback").forEach(function (b) { b.hidden = false; });
    });
  });
  // Drafts: the reply and note boxes are saved as the agent types (a short
  // pause after the last key), so a reload or a closed tab loses nothing;
  // the page shows them again, and sending forgets them on the server.
  function keepDrafts(status) {
    var box = document.getElementById(status.dataset.draftField);
    if (!box || !box.form) return;
    var form = box.form, timer = null, saved = box.value, sending = false;
    function save(leaving) {
      timer = null;
      var text = box.value;
      if (text === saved || sending) return;
      var data = new FormData();
      data.append("body", text);
      var loaded = form.querySelector("input[name=loaded_at]");
      if (loaded) data.append("loaded_at", loaded.value);
      var token = form.querySelector("input[name=csrfmiddlewaretoken]");
      fetch(status.dataset.draftUrl, {
        method: "POST", body: data, credentials: "same-origin", keepalive: !!leaving,
        headers: { "X-CSRFToken": token ? token.value : "" }
      }).then(function (response) {
        if (response.status === 204) { saved = text; status.textContent = status.dataset.saved; }
        else if (response.status !== 409) throw new Error(response.status);  // 409: sent meanwhile
      }).catch(function () { if (!leaving) status.textContent = status.dataset.failed; });
    }
    box.addEventListener("input", function () {
      if (timer) clearTimeout(timer);
      status.textContent = "";
      timer = setTimeout(save, 700);
    });
    form.addEventListener("submit", function () {
      if (timer) clearTimeout(timer);
      timer = null;
      sending = true;
    });
    window.addEventListener("pagehide", function () {
      if (timer) { clearTimeout(timer); save(true); }
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll(".canned-fallback").forEach(function (b) { b.hidden = true; });
    document.querySelectorAll("[data-draft-url]").forEach(keepDrafts);
  });
})();
