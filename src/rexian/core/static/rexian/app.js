/* Small behaviours shared by every page; no framework. */
(function () {
  "use strict";

  // Ctrl+Enter (⌘+Enter on a Mac) submits the form the cursor is in, if it opts in.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" || !(event.ctrlKey || event.metaKey)) return;
    var form = event.target.closest && event.target.closest("form[data-ctrl-enter]");
    if (!form) return;
    event.preventDefault();
    form.requestSubmit();
  });

  // Actions that end or undo something ask first.
  document.addEventListener("submit", function (event) {
    var message = event.target.getAttribute("data-confirm");
    if (message && !window.confirm(message)) event.preventDefault();
  });

  // /orders/<n>/#act-dispatch opens that action's panel and puts the cursor in it.
  function openFromHash() {
    if (!location.hash) return;
    var target = document.getElementById(decodeURIComponent(location.hash.slice(1)));
    if (!target || target.tagName !== "DETAILS") return;
    target.open = true;
    var field = target.querySelector("select, input:not([type=hidden]), textarea");
    if (field) field.focus();
  }
  // A form sent back with errors: bring the first faulty field into view.
  function focusFirstError() {
    var field = document.querySelector(".has-error select, .has-error input, .has-error textarea");
    if (!field) return false;
    field.scrollIntoView({ block: "center" });
    field.focus();
    return true;
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (!focusFirstError()) openFromHash();
  });
  window.addEventListener("hashchange", openFromHash);
})();
