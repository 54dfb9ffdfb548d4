// The control panel's only script: confirmations, a character counter, live updates of the
// Support and broadcast pages (Server-Sent Events: on a change the live parts of the page are
// fetched once and swapped in; the browser never polls), the audience size of the segment form
// and the broadcast previews as the form changes. Pages work without it.
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
// The broadcast compose form (web/broadcasts.rs): previews per messenger as it changes, the
// picture shown in them, and "send a test to me" without leaving the page.
(function () {
  var form = document.querySelector("form[data-preview]");
  var box = document.getElementById("bc-preview");
  if (!form || !box) { return; }
  var api = function (url, light) {
    var data = new FormData(form);
    var input = form.querySelector("input[type=file]");
    if (light && input && input.files && input.files[0]) {
      data.delete(input.name);
      data.append("has_image", "1");
    }
    return fetch(url, { method: "POST", body: data, credentials: "same-origin" })
      .then(function (r) { return r.json(); });
  };
  var picture = function () {
    var input = form.querySelector("input[type=file]");
    var file = input && input.files && input.files[0];
    if (!file) { return; }
    var reader = new FileReader();
    reader.onload = function () {
      box.querySelectorAll(".photo-slot").forEach(function (slot) {
        var img = document.createElement("img");
        img.className = "photo";
        img.alt = "image";
        img.src = reader.result;
        slot.replaceWith(img);
      });
    };
    reader.readAsDataURL(file);
  };
  var timer = null;
  var sendFile = false;
  var show = function () {
    var light = !sendFile;
    sendFile = false;
    api(form.dataset.preview, light).then(function (j) {
      if (j.html) { box.innerHTML = j.html; picture(); }
      else {
        var p = document.createElement("p");
        p.className = "error";
        p.id = "bc-preview-error";
        p.textContent = j.message || "?";
        box.replaceChildren(p);
      }
    });
  };
  var later = function (e) {
    if (e.target.name && e.target.name.indexOf("aud_") === 0) { return; }
    // A newly chosen picture is checked (type, size) once; afterwards only its presence.
    if (e.target.type === "file") { sendFile = true; }
    clearTimeout(timer);
    timer = setTimeout(show, 300);
  };
  form.addEventListener("input", later);
  form.addEventListener("change", later);
  var test = document.getElementById("bc-test");
  var out = document.getElementById("bc-test-result");
  if (test && out) {
    test.addEventListener("click", function (e) {
      e.preventDefault();
      out.className = "";
      out.textContent = "…";
      api("/api/v1" + test.getAttribute("formaction")).then(function (j) {
        out.className = j.ok ? "notice" : "error";
        out.textContent = j.ok ? "✓ " + j.to.messenger + " " + j.to.user_id : (j.message || "?");
      });
    });
  }
})();
