// The control panel's only script: confirmations, a character counter, and the live chat's
// updates (Server-Sent Events: on a change the live parts of the page are fetched once and
// swapped in; the browser never polls). Pages work without it.
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
(function () {
  var root = document.querySelector("[data-sse]");
  if (!root || !window.EventSource) { return; }
  var stamp = root.dataset.stamp;
  var scroll = function () {
    var m = document.getElementById("support-messages");
    if (m) { m.scrollTop = m.scrollHeight; }
  };
  scroll();
  var busy = false;
  var refresh = function () {
    if (busy) { return; }
    busy = true;
    fetch(window.location.href, { credentials: "same-origin" })
      .then(function (r) { return r.text(); })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        document.querySelectorAll("[data-live]").forEach(function (el) {
          var fresh = doc.getElementById(el.id);
          if (fresh) { el.innerHTML = fresh.innerHTML; }
        });
        scroll();
      })
      .finally(function () { busy = false; });
  };
  var es = new EventSource(root.dataset.sse);
  es.addEventListener("change", function (e) {
    if (e.data === stamp) { return; }
    stamp = e.data;
    refresh();
  });
})();
// The segment form (web/segment.rs): the audience size, asked again as the fields change.
(function () {
  var box = document.querySelector("fieldset[data-count]");
  var out = document.getElementById("audience-count");
  if (!box || !out || !box.form) { return; }
  var timer = null;
  var ask = function () {
    var q = new URLSearchParams();
    new FormData(box.form).forEach(function (v, k) {
      if (k.indexOf("aud_") === 0 && typeof v === "string") { q.append(k, v); }
    });
    fetch(box.dataset.count + "?" + q.toString(), { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (j) {
        out.textContent = j.count !== undefined ? String(j.count) : (j.message || "?");
        out.className = j.count === 0 || j.count === undefined ? "error" : "";
      });
  };
  var later = function () { clearTimeout(timer); timer = setTimeout(ask, 250); };
  box.form.addEventListener("input", later);
  box.form.addEventListener("change", later);
  ask();
})();
