// Inserts a knowledge-base link or text into the reply box: at the cursor if
// the agent has been typing there, otherwise at the end.
(function () {
  if (window.podporaKbReplySearch) return;
  window.podporaKbReplySearch = true;
  document.addEventListener("focusin", function (event) {
    if (event.target.tagName === "TEXTAREA") event.target.dataset.kbFocused = "1";
  });
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-kb-insert]");
    if (!button) return;
    var box = document.getElementById(button.dataset.kbTarget);
    if (!box) return;
    var text = button.dataset.kbInsert;
    var typed = box.dataset.kbFocused === "1";
    var start = typed ? box.selectionStart : box.value.length;
    var end = typed ? box.selectionEnd : box.value.length;
    var before = box.value.slice(0, start);
    var glue = before && !before.endsWith("\n") ? "\n" : "";
    box.value = before + glue + text + "\n" + box.value.slice(end);
    var caret = (before + glue + text + "\n").length;
    box.focus();
    box.setSelectionRange(caret, caret);
    box.dispatchEvent(new Event("input", { bubbles: true }));
  });
})();
