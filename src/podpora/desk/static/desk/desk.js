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
      select.value = "";
    }).catch(function () { select.form && select.form.submit(); });
  });
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll(".canned-fallback").forEach(function (b) { b.hidden = true; });
  });
})();
