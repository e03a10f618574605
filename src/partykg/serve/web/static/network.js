/* partykg argument network (/network): claims linked by agreement and
 * contradiction, and persons named together in claim passages (query 19).
 * Drawn by Cytoscape.js (vendored, static/vendor/cytoscape) with its `cose`
 * layout; data from /api/network (serve/views.py). */
(function () {
  "use strict";

  var PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22"];
  var STANCE_COLOUR = { supports: "#2e7d32", opposes: "#c62828", qualifies: "#b7791f",
                        several: "#6a1b9a", none: "#9e9e9e" };
  var RELATION_COLOUR = { agrees: "#2e7d32", contradicts: "#c62828" };
  var data = null;
  var cy = null;
  var essayColour = {};

  var $ = window.partykgDom.$;

  var el = window.partykgDom.el;

  function choice(name) { return document.querySelector('input[name="' + name + '"]:checked').value; }

  function stanceOf(claim) {
    var kinds = {};
    claim.stances.forEach(function (s) { kinds[s.stance] = true; });
    var k = Object.keys(kinds);
    return k.length === 0 ? "none" : k.length === 1 ? k[0] : "several";
  }

  function short(text, n) { return text.length > n ? text.slice(0, n - 1) + "…" : text; }

  // The claims (and links) the filters keep: the claims of the chosen essay or
  // with a stance on the chosen thesis, and the claims they are linked to.
  function claimElements() {
    var essay = $("filter-essay").value;
    var thesis = $("filter-thesis").value;
    var byId = {};
    data.claims.forEach(function (c) { byId[c.id] = c; });
    var chosen = function (c) {
      return (!essay || c.essay === essay) &&
        (!thesis || c.stances.some(function (s) { return s.thesis === thesis; }));
    };
    var links = data.links.filter(function (l) { return chosen(byId[l.source]) || chosen(byId[l.target]); });
    var keep = {};
    links.forEach(function (l) { keep[l.source] = keep[l.target] = true; });
    var colourBy = choice("colour");
    var nodes = data.claims.filter(function (c) { return keep[c.id]; }).map(function (c) {
      var stance = stanceOf(c);
      return { group: "nodes", data: {
        id: c.id, href: c.href, label: c.id, kind: "claim",
        title: c.claimant + ": " + c.paraphrase,
        colour: colourBy === "essay" ? essayColour[c.essay] : STANCE_COLOUR[stance] } };
    });
    var edges = links.map(function (l) {
      return { group: "edges", data: { id: l.id, source: l.source, target: l.target, href: l.href,
                                       relation: l.relation, colour: RELATION_COLOUR[l.relation],
                                       width: 2, title: l.relation + ": " + (l.why || "") } };
    });
    return { nodes: nodes, edges: edges, links: links, byId: byId };
  }

  function personElements() {
    var max = data.comentions.reduce(function (m, p) { return Math.max(m, p.weight); }, 1);
    var nodes = data.persons.map(function (p) {
      return { group: "nodes", data: { id: p.id, href: p.href, label: p.label, kind: "person",
                                       title: p.label, colour: "#4a7bbf" } };
    });
    var edges = data.comentions.map(function (p) {
      return { group: "edges", data: { id: p.source + "--" + p.target, source: p.source, target: p.target,
                                       colour: "#8896a8", width: 1 + 5 * p.weight / max,
                                       title: p.weight + (p.weight === 1 ? " claim" : " claims") +
                                              " in " + p.sources + (p.sources === 1 ? " essay" : " essays") } };
    });
    return { nodes: nodes, edges: edges };
  }

  function legend(graph) {
    var box = $("legend");
    box.textContent = "";
    var add = function (colour, text) {
      var sw = el("span", { className: "swatch" });
      sw.style.backgroundColor = colour;
      box.appendChild(el("span", {}, [sw, text]));
    };
    if (graph === "persons") {
      add("#4a7bbf", "person (edge width: claims naming both)");
      return;
    }
    if (choice("colour") === "essay") {
      data.essays.forEach(function (e) { add(essayColour[e.id], e.label); });
    } else {
      Object.keys(STANCE_COLOUR).forEach(function (s) { add(STANCE_COLOUR[s], s === "none" ? "no stance" : s); });
    }
    add(RELATION_COLOUR.agrees, "edge: agrees");
    add(RELATION_COLOUR.contradicts, "edge: contradicts");
  }

  function list(graph, parts) {
    var ul = $("edge-list");
    ul.textContent = "";
    if (graph === "persons") {
      var names = {};
      data.persons.forEach(function (p) { names[p.id] = p; });
      data.comentions.forEach(function (p) {
        var a = names[p.source], b = names[p.target];
        ul.appendChild(el("li", { "data-edge": p.source + "--" + p.target }, [
          el("a", { href: a.href, text: a.label }), " and ", el("a", { href: b.href, text: b.label }),
          ": named together in " + p.weight + (p.weight === 1 ? " claim" : " claims")]));
      });
      $("edge-list-summary").textContent = "The " + data.comentions.length + " pairs as a list";
      return;
    }
    parts.links.forEach(function (l) {
      var a = parts.byId[l.source], b = parts.byId[l.target];
      ul.appendChild(el("li", { "data-edge": l.id }, [
        el("a", { href: a.href, text: a.id }), " " + l.relation + " ", el("a", { href: b.href, text: b.id }),
        l.why ? " — " + l.why : ""]));
    });
    $("edge-list-summary").textContent = "The " + parts.links.length + " links as a list";
  }

  function draw() {
    var graph = choice("graph");
    var parts = graph === "claims" ? claimElements() : personElements();
    document.querySelectorAll("#colour-by input, #filter-essay, #filter-thesis").forEach(function (i) {
      i.disabled = graph !== "claims";
    });
    cy.elements().remove();
    cy.add(parts.nodes.concat(parts.edges));
    cy.layout({ name: "cose", animate: false, randomize: false, nodeDimensionsIncludeLabels: false,
                idealEdgeLength: function () { return 60; }, nodeRepulsion: function () { return 6000; },
                numIter: 600 }).run();
    cy.fit(undefined, 20);
    legend(graph);
    list(graph, parts);
    $("status").textContent = parts.nodes.length + (graph === "claims" ? " claims, " : " persons, ") +
      parts.edges.length + (graph === "claims" ? " links." : " co-mention pairs.");
    document.body.setAttribute("data-graph", graph);
    document.body.setAttribute("data-ready", "true");
  }

  function start() {
    data.essays.forEach(function (e, i) {
      essayColour[e.id] = PALETTE[i % PALETTE.length];
      $("filter-essay").appendChild(el("option", { value: e.id, text: e.label }));
    });
    data.theses.filter(function (t) { return !t.deprecated; }).forEach(function (t) {
      $("filter-thesis").appendChild(el("option", { value: t.id, text: short(t.label, 70) }));
    });
    cy = window.cytoscape({
      container: $("graph"),
      minZoom: 0.1,
      maxZoom: 4,
      style: [
        { selector: "node", style: { "background-color": "data(colour)", width: 14, height: 14,
                                     label: "data(label)", "font-size": 7, color: "#333",
                                     "text-valign": "bottom", "text-margin-y": 2 } },
        { selector: "node[kind = 'claim']", style: { "font-size": 5 } },
        { selector: "edge", style: { "line-color": "data(colour)", width: "data(width)",
                                     "curve-style": "bezier", opacity: 0.8 } },
        { selector: "node:selected", style: { "border-width": 3, "border-color": "#000" } }
      ]
    });
    window.partykgNetwork = cy; // for tests and the browser console
    cy.on("tap", "node", function (evt) {
      var href = evt.target.data("href");
      if (href) window.location.href = href;
    });
    cy.on("mouseover", "node, edge", function (evt) { $("graph").title = evt.target.data("title") || ""; });
    document.querySelectorAll('input[name="graph"], input[name="colour"], #filter-essay, #filter-thesis')
      .forEach(function (i) { i.addEventListener("change", draw); });
    draw();
  }

  document.addEventListener("DOMContentLoaded", function () {
    fetch("/api/network", { headers: { Accept: "application/json" } }).then(function (r) {
      if (!r.ok) throw new Error("/api/network answered " + r.status);
      return r.json();
    }).then(function (json) { data = json; start(); }).catch(function (err) {
      $("status").textContent = "The network could not be loaded: " + err.message;
      $("status").classList.add("error");
    });
  });
})();
