/* partykg result views for YASR (the result half of YASGUI on the query page):
 * chart, network and timeline plugins next to YASR's own table, and literals in
 * the table shown as values with their language or datatype as a small grey
 * suffix. Loaded after yasgui.min.js and before app.js, which picks the view a
 * ready-made query declares in its `#+ view:` header. docs/VIEWS.md says which
 * columns each view reads.
 *
 * The network and timeline views draw with the same vendored libraries as
 * /network and /timeline (static/vendor/: Cytoscape.js, vis-timeline), loaded
 * the first time a view needs them. The bar chart is plain HTML: one bar per
 * row needs no chart library. */
(function () {
  "use strict";

  var Yasr = window.Yasgui && window.Yasgui.Yasr;
  if (!Yasr) return;

  var DATA_BASE = "https://w3id.org/partykg/";
  var XSD = "http://www.w3.org/2001/XMLSchema#";
  var NUMERIC = ["integer", "decimal", "double", "float", "int", "long", "short", "byte",
                 "nonNegativeInteger", "positiveInteger", "negativeInteger", "nonPositiveInteger",
                 "unsignedInt", "unsignedLong", "unsignedShort", "unsignedByte"].map(function (t) { return XSD + t; });
  var DATES = { gYear: "year", gYearMonth: "month", date: "day", dateTime: "day" };
  var KIND_COLOUR = { claim: "#2ca02c", person: "#1f77b4", organization: "#ff7f0e", group: "#8c564b",
                      event: "#d62728", place: "#17becf", work: "#9467bd", source: "#bcbd22" };
  var SAMPLE = 200; // rows looked at to decide whether a view fits

  var el = window.partykgDom.el;

  function loadOnce(src, css) {
    loadOnce.cache = loadOnce.cache || {};
    if (!loadOnce.cache[src]) {
      if (css) document.head.appendChild(el("link", { rel: "stylesheet", href: css }));
      loadOnce.cache[src] = new Promise(function (resolve, reject) {
        var s = el("script", { src: src });
        s.addEventListener("load", resolve);
        s.addEventListener("error", function () { reject(new Error("could not load " + src)); });
        document.head.appendChild(s);
      });
    }
    return loadOnce.cache[src];
  }

  function table(yasr) {
    var r = yasr.results;
    if (!r || !r.getVariables || !r.getBindings) return null;
    var vars = r.getVariables() || [], rows = r.getBindings() || [];
    return rows.length ? { vars: vars, rows: rows } : null;
  }

  function some(rows, v, test) {
    var n = Math.min(rows.length, SAMPLE);
    for (var i = 0; i < n; i++) if (rows[i][v] && test(rows[i][v])) return true;
    return false;
  }
  function isIri(t) { return t.type === "uri"; }
  function isNumber(t) { return t.type !== "uri" && NUMERIC.indexOf(t.datatype) >= 0; }
  function precisionOf(t) {
    return t.type !== "uri" && t.datatype && t.datatype.indexOf(XSD) === 0 ? DATES[t.datatype.slice(XSD.length)] : undefined;
  }
  function isDate(t) { return !!precisionOf(t); }

  function short(iri) {
    if (iri.indexOf(DATA_BASE + "id/") === 0) return iri.slice(DATA_BASE.length + 3).replace(/^[a-z]+\//, "");
    return iri.replace(/^.*[\/#]/, "") || iri;
  }
  function kindOf(iri) {
    var m = /^https:\/\/w3id\.org\/partykg\/id\/([a-z]+)\//.exec(iri);
    return m ? m[1] : "other";
  }
  function localHref(iri) {
    return iri.indexOf(DATA_BASE) === 0 ? "/" + iri.slice(DATA_BASE.length) : iri;
  }
  function shown(t) { return !t ? "" : t.type === "uri" ? short(t.value) : t.value; }

  function icon(glyph) { return el("span", { "aria-hidden": "true", text: glyph }); }

  function box(yasr, cls) {
    var root = el("div", { className: "pkg-view " + cls });
    yasr.resultsEl.appendChild(root);
    return root;
  }

  // ---------------------------------------------------------------- chart
  // Bars: one per row (the first 300), the length a numeric column, the label
  // the row's other columns.

  function numericColumns(t) { return t.vars.filter(function (v) { return some(t.rows, v, isNumber); }); }

  function Chart(yasr) { this.yasr = yasr; this.priority = 3; this.label = "Chart"; }
  Chart.prototype.getIcon = function () { return icon("▤"); };
  Chart.prototype.canHandleResults = function () {
    var t = table(this.yasr);
    return !!t && numericColumns(t).length > 0;
  };
  Chart.prototype.draw = function () {
    var t = table(this.yasr);
    var root = box(this.yasr, "pkg-chart");
    var nums = numericColumns(t);
    var select = el("select", { "aria-label": "column the bars show" },
                    nums.map(function (v) { return el("option", { value: v, text: v }); }));
    select.value = nums[nums.length - 1];
    var bars = el("div", { className: "pkg-bars", role: "list" });
    var note = el("p", { className: "hint" });
    root.appendChild(el("p", {}, ["Bar length: ", select, " "]));
    root.appendChild(bars);
    root.appendChild(note);
    var paint = function () {
      var v = select.value;
      var others = t.vars.filter(function (x) { return nums.indexOf(x) < 0; });
      var rows = t.rows.slice(0, 300);
      var max = rows.reduce(function (m, r) { return Math.max(m, r[v] ? Number(r[v].value) : 0); }, 0) || 1;
      bars.textContent = "";
      rows.forEach(function (r) {
        var label = others.map(function (x) { return shown(r[x]); }).filter(Boolean).join(" · ");
        var n = r[v] ? Number(r[v].value) : 0;
        var bar = el("span", { className: "bar" });
        bar.style.width = (100 * Math.max(0, n) / max).toFixed(2) + "%";
        bars.appendChild(el("span", { className: "label", title: label, text: label, role: "listitem" }));
        bars.appendChild(el("span", { className: "bar-row", "data-value": String(n) }, [bar, el("span", { text: String(n) })]));
      });
      note.textContent = t.rows.length > 300 ? "The first 300 of " + t.rows.length + " rows." : "";
    };
    select.addEventListener("change", paint);
    paint();
  };

  // -------------------------------------------------------------- network
  // Nodes: the IRIs of two columns ?xA and ?xB (or, failing those, the first two
  // IRI columns; a CONSTRUCT result: subject and object). Labels: ?nameA/?nameB,
  // ?labelA/?labelB or ?xALabel/?xBLabel. Edge width: ?weight; colour: ?relation.

  function networkColumns(t) {
    var iri = function (v) { return some(t.rows, v, isIri); };
    for (var i = 0; i < t.vars.length; i++) {
      var a = t.vars[i];
      if (!/A$/.test(a)) continue;
      var b = a.slice(0, -1) + "B";
      if (t.vars.indexOf(b) >= 0 && iri(a) && iri(b)) return [a, b];
    }
    if (t.vars.indexOf("subject") >= 0 && t.vars.indexOf("object") >= 0 && iri("object")) return ["subject", "object"];
    var iris = t.vars.filter(iri);
    return iris.length >= 2 ? iris.slice(0, 2) : null;
  }
  function labelColumn(t, node, side) {
    var stem = node.slice(0, -1);
    var names = side ? ["name" + side, "label" + side, stem + "Label" + side, node + "Label", node + "Name"]
                     : [node + "Label", node + "Name"];
    for (var i = 0; i < names.length; i++) if (t.vars.indexOf(names[i]) >= 0) return names[i];
    return null;
  }

  function Network(yasr) { this.yasr = yasr; this.priority = 2; this.label = "Network"; }
  Network.prototype.getIcon = function () { return icon("⋈"); };
  Network.prototype.canHandleResults = function () {
    var t = table(this.yasr);
    return !!t && !!networkColumns(t);
  };
  Network.prototype.initialize = function () { return loadOnce("/static/vendor/cytoscape/cytoscape.min.js"); };
  Network.prototype.draw = function () {
    var t = table(this.yasr);
    var cols = networkColumns(t);
    var sides = /A$/.test(cols[0]) ? ["A", "B"] : ["", ""];
    var labels = [labelColumn(t, cols[0], sides[0]), labelColumn(t, cols[1], sides[1])];
    var relation = t.vars.indexOf("relation") >= 0 ? "relation" : t.vars.indexOf("predicate") >= 0 ? "predicate" : null;
    var weight = t.vars.indexOf("weight") >= 0 ? "weight" : null;
    var nodes = {}, edges = [], max = 1;
    t.rows.forEach(function (r, i) {
      var ends = [0, 1].map(function (k) {
        var term = r[cols[k]];
        if (!term) return null;
        var id = term.value;
        if (!nodes[id]) {
          nodes[id] = { data: { id: id, label: labels[k] && r[labels[k]] ? r[labels[k]].value : shown(term),
                                href: term.type === "uri" ? localHref(id) : null,
                                colour: KIND_COLOUR[kindOf(id)] || "#777" } };
        }
        return id;
      });
      if (!ends[0] || !ends[1]) return;
      var w = weight && r[weight] ? Number(r[weight].value) : 1;
      max = Math.max(max, w);
      edges.push({ data: { id: "e" + i, source: ends[0], target: ends[1], w: w,
                           relation: relation && r[relation] ? shown(r[relation]) : "" } });
    });
    var relations = {};
    edges.forEach(function (e) { relations[e.data.relation] = true; });
    var palette = ["#2e7d32", "#c62828", "#1d5fbf", "#b7791f", "#6a1b9a", "#555"];
    var relColour = {};
    Object.keys(relations).sort().forEach(function (r, i) {
      relColour[r] = r === "agrees" ? "#2e7d32" : r === "contradicts" ? "#c62828" : palette[i % palette.length];
    });
    edges.forEach(function (e) {
      e.data.colour = relColour[e.data.relation];
      e.data.width = 1 + 5 * e.data.w / max;
    });
    var root = box(this.yasr, "pkg-network");
    var legend = el("p", { className: "legend" }, [
      Object.keys(nodes).length + " nodes (" + cols.join(", ") + "), " + edges.length + " edges" +
      (weight ? ", width: " + weight : "") + (relation ? ", colour: " + relation : "") +
      ". Drag, scroll to zoom, click a node to open its page."]);
    var graph = el("div", { className: "graph" });
    root.appendChild(legend);
    root.appendChild(graph);
    var cy = window.cytoscape({
      container: graph,
      elements: Object.keys(nodes).map(function (k) { return nodes[k]; }).concat(edges),
      style: [
        { selector: "node", style: { "background-color": "data(colour)", label: "data(label)", width: 12, height: 12,
                                     "font-size": 8, "text-valign": "bottom", "text-margin-y": 2 } },
        { selector: "edge", style: { "line-color": "data(colour)", width: "data(width)", "curve-style": "bezier", opacity: 0.75 } }
      ],
      layout: { name: "cose", animate: false }
    });
    cy.on("tap", "node", function (evt) { var h = evt.target.data("href"); if (h) window.location.href = h; });
    this.cy = cy;
    root.setAttribute("data-nodes", String(cy.nodes().length));
    root.setAttribute("data-edges", String(cy.edges().length));
  };
  Network.prototype.destroy = function () { if (this.cy) { this.cy.destroy(); this.cy = null; } };

  // ------------------------------------------------------------- timeline
  // Items: a date column (?start, else the first column of xsd:date, gYear or
  // gYearMonth values) and ?end when there is one, each at its precision; the
  // label ?name or ?label (else the first other text column); the link the first
  // IRI column.

  function timelineColumns(t) {
    var dated = t.vars.filter(function (v) { return some(t.rows, v, isDate); });
    if (!dated.length) return null;
    var start = dated.indexOf("start") >= 0 ? "start" : dated[0];
    var end = dated.indexOf("end") >= 0 && start !== "end" ? "end" : null;
    var label = ["name", "label", "title"].filter(function (v) { return t.vars.indexOf(v) >= 0; })[0] ||
      t.vars.filter(function (v) {
        return dated.indexOf(v) < 0 && !/Precision$/.test(v) && some(t.rows, v, function (x) { return x.type !== "uri"; });
      })[0] || null;
    var link = t.vars.filter(function (v) { return some(t.rows, v, isIri); })[0] || null;
    return { start: start, end: end, label: label, link: link };
  }

  function bounds(term) {
    var m = /^(-?\d{1,6})(?:-(\d\d))?(?:-(\d\d))?/.exec(term.value);
    if (!m) return null;
    var p = precisionOf(term);
    var y = parseInt(m[1], 10), mo = m[2] ? parseInt(m[2], 10) - 1 : 0, d = m[3] ? parseInt(m[3], 10) : 1;
    var make = function (yy, mm, dd) { var x = new Date(2000, 0, 1); x.setFullYear(yy, mm, dd); x.setHours(0, 0, 0, 0); return x; };
    return [make(y, mo, d), p === "year" ? make(y + 1, 0, 1) : p === "month" ? make(y, mo + 1, 1) : make(y, mo, d + 1), p];
  }

  function Timeline(yasr) { this.yasr = yasr; this.priority = 2; this.label = "Timeline"; }
  Timeline.prototype.getIcon = function () { return icon("⟷"); };
  Timeline.prototype.canHandleResults = function () {
    var t = table(this.yasr);
    return !!t && !!timelineColumns(t);
  };
  Timeline.prototype.initialize = function () {
    return loadOnce("/static/vendor/vis-timeline/vis-timeline-graph2d.min.js",
                    "/static/vendor/vis-timeline/vis-timeline-graph2d.min.css");
  };
  Timeline.prototype.draw = function () {
    var t = table(this.yasr);
    var c = timelineColumns(t);
    var items = [];
    var seen = {};
    t.rows.forEach(function (r, i) {
      var s = r[c.start] && isDate(r[c.start]) ? r[c.start] : null;
      var e = c.end && r[c.end] && isDate(r[c.end]) ? r[c.end] : null;
      if (!s && !e) return;
      var key = (r[c.link] ? r[c.link].value : "row" + i) + " " + (s ? s.value : "") + " " + (e ? e.value : "");
      if (seen[key]) return; // one item per thing and dates, however many rows repeat it
      seen[key] = true;
      var a = bounds(s || e), b = bounds(e || s);
      var point = !e && a[2] === "day";
      var text = c.label && r[c.label] ? shown(r[c.label]) : r[c.link] ? shown(r[c.link]) : "row " + (i + 1);
      items.push({ id: items.length, content: el("span", { text: text.length > 60 ? text.slice(0, 59) + "…" : text }),
                   start: a[0], end: point ? undefined : b[1], type: point ? "point" : "range",
                   title: (s ? s.value : "") + (e && (!s || e.value !== s.value) ? " – " + e.value : "") + " " + text,
                   href: r[c.link] ? localHref(r[c.link].value) : null });
    });
    var root = box(this.yasr, "pkg-timeline");
    root.appendChild(el("p", { className: "legend", text: items.length + " items (dates: " + c.start +
      (c.end ? "–" + c.end : "") + ", a year drawn as the year, a month as the month). Select an item for its link." }));
    var holder = el("div");
    var detail = el("p", { "aria-live": "polite" });
    root.appendChild(holder);
    root.appendChild(detail);
    root.setAttribute("data-items", String(items.length));
    var vis = window.vis;
    var tl = new vis.Timeline(holder, new vis.DataSet(items), {
      stack: true, maxHeight: 520, verticalScroll: true, zoomable: true, margin: { item: 2 },
      cluster: { maxItems: 3, titleTemplate: "{count} items — zoom in to see them" }
    });
    tl.on("select", function (props) {
      detail.textContent = "";
      var it = items[props.items[0]];
      if (it && it.href) detail.appendChild(el("a", { href: it.href, text: it.title }));
    });
    this.tl = tl;
  };
  Timeline.prototype.destroy = function () { if (this.tl) { this.tl.destroy(); this.tl = null; } };

  Yasr.registerPlugin("chart", Chart);
  Yasr.registerPlugin("network", Network);
  Yasr.registerPlugin("timeline", Timeline);

  // ---------------------------------------------- literals in the table
  // "12"^^xsd:integer is shown as 12, "party"@en as party, each with its
  // datatype or language as a small grey suffix (YASR's own formatLiteral quotes
  // the value and appends the datatype as a link). YASR puts the returned HTML
  // into the cell, so the value is escaped here as YASR escapes it.
  var TablePlugin = Yasr.plugins && Yasr.plugins.table;
  function escapeHtml(s) {
    return String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
      .replace(/"/g, "&quot;").replace(/'/g, "&#39;");
  }
  if (TablePlugin && TablePlugin.prototype && TablePlugin.prototype.formatLiteral) {
    TablePlugin.prototype.formatLiteral = function (binding) {
      var value = escapeHtml(binding.value);
      if (binding["xml:lang"]) {
        return value + '<span class="lit-suffix" title="language">@' + escapeHtml(binding["xml:lang"]) + "</span>";
      }
      if (binding.datatype && binding.datatype !== XSD + "string") {
        var dt = binding.datatype.indexOf(XSD) === 0 ? "xsd:" + binding.datatype.slice(XSD.length) : binding.datatype;
        return value + '<span class="lit-suffix" title="' + escapeHtml(binding.datatype) + '">' + escapeHtml(dt) + "</span>";
      }
      return value;
    };
  }
})();
