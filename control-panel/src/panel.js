// The control panel's only script: confirmations and a character counter. Pages work without it.
"use strict";
document.addEventListener("submit", function (e) {
  var b = e.submitter;
  if (b && b.dataset.confirm && !window.confirm(b.dataset.confirm)) { e.preventDefault(); }
});
document.addEventListener("input", function (e) {
  var t = e.target;
  if (t.tagName === "TEXTAREA" && t.dataset.max) {
    t.title = t.value.length + " / " + t.dataset.max;
  }
});
