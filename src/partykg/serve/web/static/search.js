// The search box of every page: "/" focuses it; suggestions come from
// /api/search as you type; ArrowDown/ArrowUp move through them, Enter opens
// the one selected (or, with none selected, submits to /search, which also
// works without JavaScript); Escape closes the list. WAI-ARIA combobox pattern.
(function () {
  "use strict";
  function setup(form) {
    var input = form.querySelector("input[name=q]");
    var list = form.querySelector("[role=listbox]");
    var api = form.getAttribute("data-api");
    var items = [], active = -1, timer = null, seq = 0;

    function close() {
      list.hidden = true; list.textContent = ""; items = []; active = -1;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
    }
    function mark(i) {
      items.forEach(function (li, j) { li.setAttribute("aria-selected", j === i ? "true" : "false"); });
      active = i;
      if (i >= 0) { input.setAttribute("aria-activedescendant", items[i].id); items[i].scrollIntoView({block: "nearest"}); }
      else { input.removeAttribute("aria-activedescendant"); }
    }
    function show(results) {
      list.textContent = ""; items = []; active = -1;
      results.forEach(function (r, i) {
        var li = document.createElement("li");
        li.id = "site-search-opt-" + i; li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false"); li.dataset.href = r.href; li.dataset.kind = r.kind;
        var a = document.createElement("a"); a.href = r.href; a.textContent = r.label; a.tabIndex = -1;
        var k = document.createElement("span"); k.className = "kind"; k.textContent = " " + r.kind;
        li.appendChild(a); li.appendChild(k);
        if (r.matched !== r.label) {
          var m = document.createElement("span"); m.className = "matched"; m.textContent = " " + r.matched;
          li.appendChild(m);
        }
        li.addEventListener("mousedown", function (e) { e.preventDefault(); window.location.href = r.href; });
        list.appendChild(li); items.push(li);
      });
      list.hidden = items.length === 0;
      input.setAttribute("aria-expanded", items.length ? "true" : "false");
    }
    function suggest() {
      var q = input.value.trim();
      if (!q) { close(); return; }
      var mine = ++seq;
      fetch(api + "?limit=8&q=" + encodeURIComponent(q), {headers: {Accept: "application/json"}})
        .then(function (r) { return r.ok ? r.json() : {results: []}; })
        .then(function (data) { if (mine === seq && input.value.trim() === q) show(data.results); })
        .catch(function () { close(); });
    }
    input.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(suggest, 120); });
    input.addEventListener("keydown", function (e) {
      if (e.key === "ArrowDown" && items.length) { e.preventDefault(); mark((active + 1) % items.length); }
      else if (e.key === "ArrowUp" && items.length) { e.preventDefault(); mark(active <= 0 ? items.length - 1 : active - 1); }
      else if (e.key === "Enter" && active >= 0) { e.preventDefault(); window.location.href = items[active].dataset.href; }
      else if (e.key === "Escape") { close(); }
    });
    input.addEventListener("blur", function () { setTimeout(close, 150); });
  }
  document.addEventListener("keydown", function (e) {
    var t = e.target, tag = t && t.tagName;
    if (e.key !== "/" || e.ctrlKey || e.metaKey || e.altKey) return;
    if (tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || (t && t.isContentEditable)) return;
    var box = document.getElementById("site-search");
    if (box) { e.preventDefault(); box.focus(); box.select(); }
  });
  function init() { document.querySelectorAll("form.site-search").forEach(setup); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init); else init();
}());
