// Small behaviours every page may use, declared with data attributes instead
// of inline on...= handlers (the Content-Security-Policy runs no inline
// script). Listeners sit on the document, so markup swapped in by htmx works
// too.
//   <form data-confirm="Sure?">   asks before it is sent
//   <input data-select>           selects its text on focus or click
//   <select data-autosubmit>      sends its form when changed
//   <button data-print>           prints the page
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    const form = event.target;
    if (form.dataset && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);
  function select(event) {
    const field = event.target;
    if (field.matches && field.matches("[data-select]")) {
      field.select();
    }
  }
  document.addEventListener("focusin", select);
  document.addEventListener("click", select);
  document.addEventListener("change", function (event) {
    const field = event.target;
    if (field.matches && field.matches("[data-autosubmit]") && field.form) {
      field.form.submit();
    }
  });
  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest("[data-print]")) {
      window.print();
    }
  });
})();
