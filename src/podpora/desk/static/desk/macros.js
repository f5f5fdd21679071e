/* The ticket page keeps what the agent typed across a reload that they did
   not mean as "send": applying a macro, or the live page's "Reload" link.
   Any form or link marked data-keep-drafts stores the reply and note boxes in
   this tab's sessionStorage; the next load of the same page puts them back
   into boxes that came back empty. Without this file the macro still works;
   only the unsent text is not kept. */
(function () {
  "use strict";
  var key = "podpora-drafts:" + location.pathname;
  var boxes = ["id_body", "id_note-body"];
  function keep() {
    var drafts = {}, any = false;
    boxes.forEach(function (id) {
      var box = document.getElementById(id);
      if (box && box.value.trim()) { drafts[id] = box.value; any = true; }
    });
    if (any) sessionStorage.setItem(key, JSON.stringify(drafts));
  }
  function restore() {
    var raw = sessionStorage.getItem(key), drafts;
    if (!raw) return;
    sessionStorage.removeItem(key);
    try { drafts = JSON.parse(raw); } catch (error) { return; }
    Object.keys(drafts).forEach(function (id) {
      var box = document.getElementById(id);
      if (box && !box.value.trim()) box.value = drafts[id];
    });
  }
  document.addEventListener("submit", function (event) {
    if (event.target.closest("form[data-keep-drafts]")) keep();
  });
  document.addEventListener("click", function (event) {
    if (event.target.closest("a[data-keep-drafts]")) keep();
  });
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", restore);
  else restore();
})();
