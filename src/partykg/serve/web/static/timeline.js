/* partykg timeline (/timeline): events, works and dated claims on one axis,
 * each at its precision (a year as the whole year, a month as the month, a day
 * as a point). Drawn by vis-timeline (vendored, static/vendor/vis-timeline);
 * data from /api/timeline (serve/views.py). */
(function () {
  "use strict";

  var KINDS = { event: "Events", work: "Works", claim: "Dated claims" };
  var data = null;
  var timeline = null;
  var items = null;

  var $ = window.partykgDom.$;

  var el = window.partykgDom.el;

  // The first instant of a date at its precision, and the first instant after it.
  function bounds(d) {
    var m = /^(-?\d{1,6})(?:-(\d\d))?(?:-(\d\d))?/.exec(d.value);
    if (!m) return null;
    var y = parseInt(m[1], 10);
    var mo = m[2] ? parseInt(m[2], 10) - 1 : 0;
    var day = m[3] ? parseInt(m[3], 10) : 1;
    var make = function (yy, mm, dd) { var t = new Date(2000, 0, 1); t.setFullYear(yy, mm, dd); t.setHours(0, 0, 0, 0); return t; };
    var start = make(y, mo, day);
    var end = d.precision === "year" ? make(y + 1, 0, 1)
      : d.precision === "month" ? make(y, mo + 1, 1) : make(y, mo, day + 1);
    return [start, end];
  }
  window.partykgDateBounds = bounds; // for tests and the query page's timeline view

  function written(item) {
    var s = item.start ? item.start.value : "";
    var e = item.end ? item.end.value : "";
    return s && e && s !== e ? s + " – " + e : s || e;
  }

  function toVis(item) {
    var a = bounds(item.start || item.end);
    var b = bounds(item.end || item.start);
    if (!a || !b) return null;
    var start = a[0], end = b[1];
    var point = item.end === null && item.start && item.start.precision === "day";
    var content = el("span", { text: item.label.length > 60 ? item.label.slice(0, 59) + "…" : item.label });
    return { id: item.kind + ":" + item.id, group: item.kind, content: content, start: start,
             end: point ? undefined : end, type: point ? "point" : "range",
             className: "kind-" + item.kind,
             title: written(item) + " — " + item.label };
  }

  function chosen() {
    var kinds = {};
    document.querySelectorAll('input[name="kind"]:checked').forEach(function (i) { kinds[i.value] = true; });
    var essay = $("filter-essay").value;
    return data.items.filter(function (it) {
      return kinds[it.kind] && (!essay || it.essays.indexOf(essay) >= 0);
    });
  }

  function draw() {
    var shown = chosen();
    var visItems = shown.map(toVis).filter(Boolean);
    items.clear();
    items.add(visItems);
    if (visItems.length) timeline.fit({ animation: false });
    var body = $("item-table");
    body.textContent = "";
    shown.slice().sort(function (x, y) {
      return written(x).localeCompare(written(y)) || x.label.localeCompare(y.label);
    }).forEach(function (it) {
      body.appendChild(el("tr", { "data-kind": it.kind, "data-id": it.id }, [
        el("td", { text: written(it) + " (" + (it.start || it.end).precision + ")" }),
        el("td", { text: it.type }),
        el("td", {}, [el("a", { href: it.href, text: it.label })])
      ]));
    });
    $("item-table-summary").textContent = "The " + shown.length + " items as a table";
    $("status").textContent = shown.length + " items: " + Object.keys(KINDS).map(function (k) {
      return shown.filter(function (i) { return i.kind === k; }).length + " " + KINDS[k].toLowerCase();
    }).join(", ") + ".";
    document.body.setAttribute("data-ready", "true");
  }

  function start() {
    data.essays.forEach(function (e) {
      $("filter-essay").appendChild(el("option", { value: e.id, text: e.label }));
    });
    var vis = window.vis;
    items = new vis.DataSet();
    var groups = new vis.DataSet(Object.keys(KINDS).map(function (k) {
      return { id: k, content: KINDS[k], className: "group-" + k };
    }));
    timeline = new vis.Timeline($("timeline"), items, groups, {
      stack: true, zoomable: true, horizontalScroll: false, verticalScroll: true, maxHeight: 600,
      orientation: { axis: "top" }, selectable: true, showTooltips: true, margin: { item: 2 },
      // many claims share a year: at a wide zoom they are drawn as one cluster, which
      // opens as one zooms in (vis-timeline's own clustering)
      cluster: { maxItems: 3, titleTemplate: "{count} items — zoom in to see them" },
      tooltip: { followMouse: true, overflowMethod: "cap" }
    });
    window.partykgTimeline = { timeline: timeline, items: items, data: data };
    timeline.on("select", function (props) {
      var box = $("item-detail");
      box.textContent = "";
      var id = props.items[0];
      if (!id) return;
      var sep = id.indexOf(":");
      var kind = id.slice(0, sep), key = id.slice(sep + 1);
      var it = data.items.filter(function (i) { return i.kind === kind && i.id === key; })[0];
      if (!it) return;
      box.appendChild(el("span", { text: written(it) + " · " + it.type + " · " }));
      box.appendChild(el("a", { href: it.href, text: it.label }));
    });
    document.querySelectorAll('input[name="kind"], #filter-essay').forEach(function (i) {
      i.addEventListener("change", draw);
    });
    draw();
  }

  document.addEventListener("DOMContentLoaded", function () {
    fetch("/api/timeline", { headers: { Accept: "application/json" } }).then(function (r) {
      if (!r.ok) throw new Error("/api/timeline answered " + r.status);
      return r.json();
    }).then(function (json) { data = json; start(); }).catch(function (err) {
      $("status").textContent = "The timeline could not be loaded: " + err.message;
      $("status").classList.add("error");
    });
  });
})();
