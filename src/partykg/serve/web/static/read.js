// The reading view: a click on (or Enter or focus of) a highlight shows its
// annotations in the side panel; #char=start,end (RFC 5147, offsets in
// characters of the text as stored) marks that passage and scrolls to it.
// Offsets are taken from the segments' data-start/data-end (code points, as the
// build counts them), never from JavaScript's UTF-16 string lengths.
(function () {
  "use strict";
  var text = document.getElementById("text");
  var panel = document.getElementById("panel-body");
  var data = JSON.parse(document.getElementById("annotations").textContent);

  function el(tag, cls, content) {
    var e = document.createElement(tag); if (cls) e.className = cls;
    if (content !== undefined) e.textContent = content; return e;
  }
  function show(seg) {
    var ids = (seg.getAttribute("data-ann") || "").split(" ").filter(Boolean);
    panel.textContent = "";
    text.querySelectorAll(".selected").forEach(function (s) { s.classList.remove("selected"); });
    ids.forEach(function (id) {
      var a = data[id]; if (!a) return;
      var box = el("section", "ann k-" + a.kind);
      var h = el("h3"); var link = el("a", null, a.kind + " " + a.key); link.href = a.href;
      h.appendChild(link); box.appendChild(h);
      var dl = el("dl");
      a.fields.forEach(function (f) {
        dl.appendChild(el("dt", null, f[0]));
        var dd = el("dd");
        if (f[2]) { var l = el("a", null, f[1]); l.href = f[2]; dd.appendChild(l); } else dd.textContent = f[1];
        dl.appendChild(dd);
      });
      box.appendChild(dl);
      var here = el("a", "passage-link", "link to this passage (#char=" + a.start + "," + a.end + ")");
      here.href = "#char=" + a.start + "," + a.end; box.appendChild(here);
      panel.appendChild(box);
      text.querySelectorAll("[data-ann]").forEach(function (s) {
        if ((" " + s.getAttribute("data-ann") + " ").indexOf(" " + id + " ") >= 0 && id === ids[0]) s.classList.add("selected");
      });
    });
  }
  text.addEventListener("click", function (e) { var s = e.target.closest(".a"); if (s) show(s); });
  text.addEventListener("focusin", function (e) { var s = e.target.closest(".a"); if (s) show(s); });
  text.addEventListener("keydown", function (e) {
    var s = e.target.closest(".a");
    if (s && e.key === "Enter") { show(s); document.getElementById("panel").focus(); }
  });

  // Split the segment holding code-point offset `at` so that a segment boundary falls there.
  function cut(at) {
    var segs = text.querySelectorAll("[data-start]");
    for (var i = 0; i < segs.length; i++) {
      var s = segs[i], a = +s.dataset.start, b = +s.dataset.end;
      if (at <= a || at >= b) { if (at === a) return; continue; }
      var chars = Array.from(s.textContent);          // code points, like the build
      var right = s.cloneNode(false);
      right.textContent = chars.slice(at - a).join("");
      right.dataset.start = String(at);
      s.textContent = chars.slice(0, at - a).join("");
      s.dataset.end = String(at);
      s.after(right);
      return;
    }
  }
  function target() {
    var m = /^#char=(\d+),(\d+)$/.exec(window.location.hash);
    text.querySelectorAll(".target").forEach(function (s) { s.classList.remove("target"); });
    if (!m) return;
    var start = +m[1], end = +m[2];
    if (end <= start) return;
    cut(start); cut(end);
    var first = null;
    text.querySelectorAll("[data-start]").forEach(function (s) {
      if (+s.dataset.start >= start && +s.dataset.end <= end) { s.classList.add("target"); first = first || s; }
    });
    if (first) { first.scrollIntoView({block: "center"}); if (first.classList.contains("a")) show(first); }
  }
  window.addEventListener("hashchange", target);
  target();
}());
