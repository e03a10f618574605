/* partykg query page: statistics, the ready-made queries, and a YASGUI editor
 * pointed at this server's own /sparql endpoint.
 *
 * Plain JavaScript, no build step. Everything comes from this server:
 * /api/stats, /api/queries, /sparql, and YASGUI from /static/yasgui/.
 * YASGUI's defaults that would reach the internet (prefix.cc, the LOV API,
 * DBpedia and Wikidata in the endpoint list) are switched off below.
 */
(function () {
  "use strict";

  var ORIGIN = window.location.origin;
  var ENDPOINT = ORIGIN + "/sparql";
  // Data IRIs are published under this base; links to it in the results are
  // sent to this server's own pages (/id/..., /ontology#...).
  var DATA_BASE = "https://w3id.org/partykg/";

  // The prefixes partykg uses (src/partykg/namespaces.py): the editor completes
  // them (instead of downloading prefix.cc's list) and the results use them to
  // shorten IRIs.
  var PREFIXES = {
    pkg: "https://w3id.org/partykg/ontology#",
    person: DATA_BASE + "id/person/",
    organization: DATA_BASE + "id/organization/",
    group: DATA_BASE + "id/group/",
    event: DATA_BASE + "id/event/",
    place: DATA_BASE + "id/place/",
    work: DATA_BASE + "id/work/",
    source: DATA_BASE + "id/source/",
    claim: DATA_BASE + "id/claim/",
    quotation: DATA_BASE + "id/quotation/",
    citation: DATA_BASE + "id/citation/",
    thesis: DATA_BASE + "id/thesis/",
    pkgid: DATA_BASE + "id/", // after the kinds, so that results show person:…, not pkgid:person/…
    pkgg: DATA_BASE + "graph/",
    rdf: "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    rdfs: "http://www.w3.org/2000/01/rdf-schema#",
    owl: "http://www.w3.org/2002/07/owl#",
    xsd: "http://www.w3.org/2001/XMLSchema#",
    skos: "http://www.w3.org/2004/02/skos/core#",
    foaf: "http://xmlns.com/foaf/0.1/",
    schema: "http://schema.org/",
    prov: "http://www.w3.org/ns/prov#",
    org: "http://www.w3.org/ns/org#",
    oa: "http://www.w3.org/ns/oa#",
    cito: "http://purl.org/spar/cito/",
    fabio: "http://purl.org/spar/fabio/",
    dcterms: "http://purl.org/dc/terms/",
    spdx: "http://spdx.org/rdf/terms#",
    time: "http://www.w3.org/2006/time#",
    void: "http://rdfs.org/ns/void#",
    dcat: "http://www.w3.org/ns/dcat#",
    wd: "http://www.wikidata.org/entity/",
    wdt: "http://www.wikidata.org/prop/direct/"
  };

  var WELCOME_QUERY = [
    "# Write a SPARQL query here, or open a ready-made question from the list.",
    "# Press the run button (or Ctrl+Enter) to run it.",
    "# This one lists the essays of the corpus with their authors.",
    "PREFIX pkg: <https://w3id.org/partykg/ontology#>",
    "PREFIX dcterms: <http://purl.org/dc/terms/>",
    "PREFIX schema: <http://schema.org/>",
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>",
    "",
    "SELECT ?source ?title ?author ?date WHERE {",
    "  ?source a pkg:SourceDocument ; dcterms:title ?title .",
    "  OPTIONAL { ?source schema:author/rdfs:label ?author }",
    "  OPTIONAL { ?source schema:dateCreated ?date }",
    "}",
    "ORDER BY ?date"
  ].join("\n");

  var KIND_LABELS = {
    person: "Persons",
    organization: "Organizations (parties, factions, periodicals, …)",
    group: "Groups (unnamed collectives treated as speakers)",
    event: "Events (revolutions, strikes, congresses, …)",
    place: "Places",
    work: "Works (books, articles, speeches, …)"
  };

  var yasgui = null;
  var queriesByName = {};

  // ---------------------------------------------------------------- helpers

  var $ = window.partykgDom.$;

  var el = window.partykgDom.el;

  function fmt(n) {
    return typeof n === "number" ? n.toLocaleString("en") : String(n);
  }

  function getJSON(url) {
    return fetch(url, { headers: { Accept: "application/json" } }).then(function (r) {
      if (!r.ok) throw new Error(url + " answered " + r.status + " " + r.statusText);
      return r.json();
    });
  }

  function sparqlSelect(query) {
    return fetch(ENDPOINT, {
      method: "POST",
      headers: {
        "Content-Type": "application/x-www-form-urlencoded",
        Accept: "application/sparql-results+json"
      },
      body: "query=" + encodeURIComponent(query)
    }).then(function (r) {
      if (!r.ok) throw new Error("/sparql answered " + r.status);
      return r.json();
    }).then(function (json) { return json.results.bindings; });
  }

  function showError(id, message) {
    var node = $(id);
    node.textContent = message;
    node.hidden = false;
  }

  // ------------------------------------------------------------- statistics

  function renderStats(stats) {
    var sources = stats.sources || {};
    var ids = Object.keys(sources);
    var entities = stats.entities || {};
    var entityTotal = Object.keys(entities).reduce(function (sum, k) { return sum + entities[k]; }, 0);

    $("stat-quads").textContent = fmt(stats.quads);
    $("stat-entities").textContent = fmt(entityTotal);
    $("stat-wikidata").textContent = fmt(stats.wikidata_links);
    $("stat-sources").textContent = fmt(ids.length);

    var columns = ["claims", "quotations", "citations", "mentions"];
    var totals = { claims: 0, quotations: 0, citations: 0, mentions: 0 };
    var tbody = document.querySelector("#sources-table tbody");
    tbody.textContent = "";
    ids.forEach(function (id) {
      var row = el("tr", { "data-source": id }, [
        el("th", { scope: "row" }, [
          el("a", { href: "/id/source/" + encodeURIComponent(id), className: "source-title", text: id }),
          el("span", { className: "source-meta" }),
          el("code", { className: "source-id", text: id })
        ])
      ]);
      columns.forEach(function (c) {
        var value = sources[id][c] || 0;
        totals[c] += value;
        row.appendChild(el("td", { className: "num", "data-stat": c, text: fmt(value) }));
      });
      tbody.appendChild(row);
    });
    var foot = document.querySelector("#sources-table tfoot");
    foot.textContent = "";
    var totalRow = el("tr", {}, [el("th", { scope: "row", text: "All essays" })]);
    columns.forEach(function (c) {
      totalRow.appendChild(el("td", { className: "num", "data-total": c, text: fmt(totals[c]) }));
    });
    foot.appendChild(totalRow);

    var ebody = document.querySelector("#entities-table tbody");
    ebody.textContent = "";
    Object.keys(entities).sort().forEach(function (kind) {
      ebody.appendChild(el("tr", { "data-kind": kind }, [
        el("th", { scope: "row", text: KIND_LABELS[kind] || kind }),
        el("td", { className: "num", text: fmt(entities[kind]) })
      ]));
    });
    ebody.appendChild(el("tr", { className: "total" }, [
      el("th", { scope: "row", text: "In all" }),
      el("td", { className: "num", text: fmt(entityTotal) })
    ]));
    ebody.appendChild(el("tr", { "data-kind": "wikidata" }, [
      el("th", { scope: "row", text: "Linked to Wikidata (verified)" }),
      el("td", { className: "num", id: "stat-wikidata-row", text: fmt(stats.wikidata_links) })
    ]));

    if (Array.isArray(stats.dumps) && stats.dumps.length) {
      // The list in the page names the usual three; add any other the server offers.
      var list = $("dumps");
      stats.dumps.forEach(function (name) {
        if (!list.querySelector('a[href="/dumps/' + name + '"]')) {
          list.appendChild(el("li", {}, [el("a", { href: "/dumps/" + encodeURIComponent(name), text: name })]));
        }
      });
    }
  }

  // Titles and authors of the essays, from the graph itself (the statistics
  // only know their identifiers). If this fails the identifiers stay.
  function addSourceTitles() {
    var query = [
      "PREFIX pkg: <https://w3id.org/partykg/ontology#>",
      "PREFIX dcterms: <http://purl.org/dc/terms/>",
      "PREFIX schema: <http://schema.org/>",
      "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>",
      "SELECT ?source ?title (GROUP_CONCAT(DISTINCT ?name; separator=\", \") AS ?authors)",
      "       (SAMPLE(STR(?created)) AS ?date) WHERE {",
      "  ?source a pkg:SourceDocument ; dcterms:title ?title .",
      "  OPTIONAL { ?source schema:author/rdfs:label ?name }",
      "  OPTIONAL { ?source schema:dateCreated ?created }",
      "} GROUP BY ?source ?title"
    ].join("\n");
    return sparqlSelect(query).then(function (rows) {
      rows.forEach(function (b) {
        var id = b.source.value.replace(/^.*\//, "");
        var row = document.querySelector('#sources-table tr[data-source="' + CSS.escape(id) + '"]');
        if (!row) return;
        row.querySelector(".source-title").textContent = b.title.value;
        var meta = [];
        if (b.authors && b.authors.value) meta.push(b.authors.value);
        if (b.date && b.date.value) meta.push(b.date.value.slice(0, 4));
        row.querySelector(".source-meta").textContent = meta.join(", ");
      });
    }).catch(function () { /* identifiers are shown instead */ });
  }

  function loadStats() {
    return getJSON("/api/stats").then(function (stats) {
      renderStats(stats);
      return addSourceTitles();
    }).catch(function (err) {
      showError("stats-error", "The statistics could not be loaded: " + err.message);
    });
  }

  // ------------------------------------------------------ query parameters
  // Parameters follow BASIL as in src/partykg/query.py: ?_name (required) or
  // ?__name (optional), with a type suffix (?_person_iri, ?_n_integer, ?_label_en);
  // values come from the `defaults` list of the #+ header.

  var PARAM_RE = /\?(__?)([A-Za-z][A-Za-z0-9]*)(?:_(iri|integer|decimal|boolean|date|gYear|string|literal|[a-z]{2}))?(?![A-Za-z0-9_])/g;
  var XSD = "http://www.w3.org/2001/XMLSchema#";

  function findParams(text) {
    var params = [];
    var seen = {};
    var m;
    PARAM_RE.lastIndex = 0;
    while ((m = PARAM_RE.exec(text)) !== null) {
      var before = text.slice(0, m.index);
      if (before.lastIndexOf("\n") < before.lastIndexOf("#")) continue; // in a comment line
      if (seen[m[2]]) continue;
      seen[m[2]] = true;
      params.push({ name: m[2], type: m[3] || null, required: m[1] === "_", token: m[0] });
    }
    return params;
  }

  function headerDefaults(text) {
    var defaults = {};
    var inDefaults = false;
    text.split("\n").forEach(function (line) {
      if (line.indexOf("#+") !== 0) { inDefaults = false; return; }
      var body = line.slice(2).replace(/^ /, "");
      if (/^defaults\s*:/.test(body)) { inDefaults = true; return; }
      if (inDefaults) {
        var item = /^\s*-\s*([A-Za-z][A-Za-z0-9]*)\s*:\s*(.*?)\s*$/.exec(body);
        if (item) defaults[item[1]] = item[2].replace(/^(["'])(.*)\1$/, "$2");
        else if (/^\S/.test(body)) inDefaults = false;
      }
    });
    return defaults;
  }

  function rdfTerm(param, value) {
    if (param.type === "iri") {
      if (!/^[a-z][a-z0-9+.-]*:[^\s<>"{}|^`\\]*$/i.test(value)) {
        throw new Error("“" + value + "” is not an IRI; give a full IRI such as " +
                        DATA_BASE + "id/person/vladimir-lenin");
      }
      return "<" + value + ">";
    }
    var escaped = value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
    if (!param.type || param.type === "string" || param.type === "literal") return '"' + escaped + '"';
    if (["integer", "decimal", "boolean", "date", "gYear"].indexOf(param.type) >= 0) {
      return '"' + escaped + '"^^<' + XSD + param.type + ">";
    }
    return '"' + escaped + '"@' + param.type;
  }

  function escapeRegExp(s) { return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"); }

  // The query text with the values of the form put in place of its parameters
  // (as `partykg query NAME -p name=value` does). An empty field leaves the
  // parameter as a variable, which then matches anything.
  function queryText(q) {
    var text = q.query;
    var params = q.params.slice().sort(function (a, b) { return b.token.length - a.token.length; });
    params.forEach(function (p) {
      var input = document.querySelector('input[data-param-of="' + CSS.escape(q.name) + '"][name="' + p.name + '"]');
      var value = input ? input.value.trim() : (q.defaults[p.name] || "");
      if (!value) return;
      text = text.replace(new RegExp(escapeRegExp(p.token) + "(?![A-Za-z0-9_])", "g"), rdfTerm(p, value));
    });
    return text;
  }

  // ------------------------------------------------------ ready-made queries

  function groupOf(q) {
    var tags = q.tags || [];
    if (tags.indexOf("violation") >= 0 || /-violation$/.test(q.name)) return "checks";
    if (tags.indexOf("needs-internet") >= 0 || tags.indexOf("federated") >= 0) return "federated";
    return "questions";
  }

  var GROUPS = [
    { key: "questions", title: "Questions about the debate",
      text: "They run on partykg alone." },
    { key: "federated", title: "Questions that also ask Wikidata",
      text: "These join partykg to Wikidata and need a connection to the internet; without one they end with an error." },
    { key: "checks", title: "Data-quality checks",
      text: "Each looks for a mistake in the data. When all is well they return no rows." }
  ];

  function renderQueryItem(q) {
    var number = q.name.split("-", 1)[0];
    var openButton = el("button", {
      type: "button", className: "load", "data-query-name": q.name,
      title: "Put this query into the editor", "aria-label": "Open query " + q.name + " in the editor"
    }, ["Open"]);
    var runButton = el("button", {
      type: "button", className: "run", "data-run-query-name": q.name,
      title: "Put this query into the editor and run it", "aria-label": "Run query " + q.name
    }, ["Run"]);
    openButton.addEventListener("click", function () { loadQuery(q.name, false); });
    runButton.addEventListener("click", function () { loadQuery(q.name, true); });

    var details = el("details", { className: "query-details" }, [
      el("summary", {}, ["More"]),
      el("p", { className: "query-description", text: q.description || q.summary }),
      el("p", { className: "query-file" }, ["File: ", el("code", { text: "queries/" + q.name + ".rq" })])
    ]);
    if (q.tags && q.tags.length) {
      details.appendChild(el("p", { className: "query-tags" }, q.tags.map(function (t) {
        return el("span", { className: "tag", text: t });
      })));
    }
    if (q.params.length) {
      var form = el("div", { className: "query-params" }, [
        el("p", { className: "hint", text: "This query takes " + (q.params.length === 1 ? "a value" : "values") +
          ". Change " + (q.params.length === 1 ? "it" : "them") + " here before opening it (an empty field matches anything):" })
      ]);
      q.params.forEach(function (p) {
        var id = "param-" + q.name + "-" + p.name;
        form.appendChild(el("label", { "for": id }, [
          el("span", { className: "param-name", text: p.name + (p.type === "iri" ? " (IRI)" : p.type ? " (" + p.type + ")" : "") }),
          el("input", { id: id, type: "text", name: p.name, "data-param-of": q.name,
                        value: q.defaults[p.name] || "", placeholder: p.required ? "" : "optional",
                        spellcheck: "false" })
        ]));
      });
      details.appendChild(form);
    }

    var badges = [];
    if (groupOf(q) === "federated") badges.push(el("span", { className: "badge", text: "needs internet" }));
    if (q.params.length) badges.push(el("span", { className: "badge param", text: "takes a value" }));

    return el("li", { className: "query", id: "query-" + q.name }, [
      el("div", { className: "query-head" }, [
        el("span", { className: "query-number", text: number }),
        el("span", { className: "query-summary", title: q.description || "", text: q.summary }),
      ].concat(badges)),
      el("div", { className: "query-actions" }, [openButton, runButton]),
      details
    ]);
  }

  function renderQueries(queries) {
    var container = $("query-groups");
    container.textContent = "";
    queries.forEach(function (q) {
      q.params = findParams(q.query);
      q.defaults = headerDefaults(q.query);
      queriesByName[q.name] = q;
    });
    GROUPS.forEach(function (g) {
      var members = queries.filter(function (q) { return groupOf(q) === g.key; });
      if (!members.length) return;
      container.appendChild(el("section", { className: "query-group", "data-group": g.key }, [
        el("h3", { text: g.title + " (" + members.length + ")" }),
        el("p", { className: "explain", text: g.text }),
        el("ol", { className: "query-list" }, members.map(renderQueryItem))
      ]));
    });
  }

  // The dataset's citation, as /cite/dataset.json (CSL-JSON) gives it.
  function loadCitation() {
    return getJSON("/cite/dataset.json").then(function (items) {
      var c = items[0];
      var node = $("cite-text");
      node.textContent = "";
      node.appendChild(document.createTextNode(c.author.map(function (a) { return a.literal; }).join("; ") + ", "));
      node.appendChild(el("em", { text: c.title }));
      node.appendChild(document.createTextNode(", version " + c.version + ", " +
        c.issued["date-parts"][0].map(function (n) { return String(n).padStart(2, "0"); }).join("-") + ", "));
      node.appendChild(el("a", { href: c.URL, text: c.URL }));
      node.appendChild(document.createTextNode(". Licence CC BY 4.0."));
    }).catch(function () { /* the static text stays */ });
  }

  function loadQueries() {
    return getJSON("/api/queries").then(renderQueries).catch(function (err) {
      showError("queries-error", "The ready-made queries could not be loaded: " + err.message);
    });
  }

  function setStatus(message, isError) {
    var node = $("editor-status");
    node.textContent = message;
    node.classList.toggle("error", !!isError);
  }

  // ------------------------------------------------ outcome of each query
  // YASGUI resolves tab.query() even when the request failed, so the outcome
  // is read from the response itself (Yasqe's "queryResponse" event gives the
  // superagent response, or the error with .status and .response.text).

  var lastOutcome = null;

  function resultNotice() {
    var node = $("result-notice");
    if (!node) {
      node = el("p", { id: "result-notice", className: "notice", role: "status" });
      node.hidden = true;
      $("editor-status").insertAdjacentElement("afterend", node);
    }
    return node;
  }

  function showOutcome(response) {
    var notice = resultNotice();
    notice.hidden = true;
    notice.textContent = "";
    var failed = !response || response instanceof Error || response.status >= 400 || !response.status;
    if (failed) {
      var status = response && response.status;
      var body = response && response.response && response.response.text;
      var message = (body || (response && response.message) || "no answer").trim();
      lastOutcome = { error: true };
      setStatus("The query failed" + (status ? " (HTTP " + status + ")" : "") + ": " + message, true);
      return;
    }
    lastOutcome = { error: false };
    setStatus("The query has run (HTTP " + response.status + ").");
    var headers = response.header || response.headers || {};
    if (headers["x-partykg-truncated"] === "true") {
      var limit = headers["x-partykg-row-limit"] || "the limit";
      var link = /<([^>]+)>;[^,]*type="text\/csv"/.exec(headers.link || "");
      notice.appendChild(document.createTextNode(
        "Showing the first " + limit + " rows of more. "));
      if (link) {
        notice.appendChild(el("a", { href: link[1], className: "download-all", text: "Download all rows as CSV" }));
        notice.appendChild(document.createTextNode(" (streamed, not capped)."));
      }
      notice.hidden = false;
      lastOutcome.truncated = true;
    }
  }

  function watchTab(tab) {
    var yasqe = tab && tab.getYasqe && tab.getYasqe();
    if (!yasqe || yasqe.partykgWatched) return;
    yasqe.partykgWatched = true;
    yasqe.on("query", function () { lastOutcome = null; setStatus("The query is running…"); });
    yasqe.on("queryResponse", function (_yasqe, response) { showOutcome(response); });
  }

  function loadQuery(name, run) {
    var q = queriesByName[name];
    if (!q || !yasgui) return;
    var text;
    try {
      text = queryText(q);
    } catch (err) {
      setStatus(err.message, true);
      return;
    }
    var tab = yasgui.getTab();
    tab.setQuery(text);
    tab.setName(q.name);
    // The result view the query declares (`#+ view:`; yasr-views.js): YASR draws it
    // when the result fits and falls back to the table when it does not.
    var yasr = tab.getYasr();
    if (yasr && q.view && yasr.config.plugins[q.view]) yasr.selectPlugin(q.view);
    document.querySelectorAll("li.query.current").forEach(function (li) { li.classList.remove("current"); });
    var item = $("query-" + name);
    if (item) item.classList.add("current");
    setStatus("Query " + q.name + (run ? " is running…" : " is in the editor. Press the run button to run it."));
    var editor = $("editor");
    var top = editor.getBoundingClientRect().top;
    if (top < 0 || top > window.innerHeight * 0.6) editor.scrollIntoView({ block: "start" });
    if (run) {
      tab.query().then(function () {
        if (lastOutcome && !lastOutcome.error) setStatus("Query " + q.name + " has run.");
      }, function () {
        if (!lastOutcome) setStatus("Query " + q.name + " ended with an error (see below).", true);
      });
    }
  }

  // ---------------------------------------------------------------- YASGUI

  function setUpYasgui() {
    var Yasgui = window.Yasgui;
    if (!Yasgui) {
      setStatus("The editor (YASGUI) could not be loaded.", true);
      return;
    }
    var Yasqe = Yasgui.Yasqe;
    // Offline: no prefix.cc download, no LOV look-ups while typing. Prefixes are
    // completed from partykg's own list; variables from the query itself.
    Yasqe.forkAutocompleter("prefixes", {
      name: "partykgPrefixes",
      persistenceId: null,
      get: Object.keys(PREFIXES).sort().map(function (p) { return p + ": <" + PREFIXES[p] + ">"; })
    }, false);
    var completers = Yasqe.defaults.autocompleters;
    completers.splice(0, completers.length, "variables", "partykgPrefixes");

    yasgui = new Yasgui($("yasgui"), {
      requestConfig: {
        endpoint: ENDPOINT,
        method: "POST",
        acceptHeaderSelect: "application/sparql-results+json,*/*;q=0.9",
        acceptHeaderGraph: "text/turtle,*/*;q=0.9"
      },
      endpointCatalogueOptions: {
        getData: function () { return [{ endpoint: ENDPOINT }]; }
      },
      // A shared link (?query=…) opens here, always against this server.
      populateFromUrl: function (tabConfig) {
        tabConfig.requestConfig = Object.assign({}, tabConfig.requestConfig, { endpoint: ENDPOINT });
        return tabConfig;
      },
      copyEndpointOnNewTab: true,
      persistenceId: null, // nothing kept in localStorage: every visit starts clean
      autofocus: false,
      tabName: "Query",
      yasqe: { value: WELCOME_QUERY },
      yasr: { prefixes: PREFIXES, maxPersistentResponseSize: 0 }
    });
    window.partykgYasgui = yasgui; // for tests and the browser console
    watchTab(yasgui.getTab());
    yasgui.on("tabSelect", function () { setTimeout(function () { watchTab(yasgui.getTab()); }, 0); });
    yasgui.on("tabAdd", function () { setTimeout(function () { watchTab(yasgui.getTab()); }, 0); });

    // Links to partykg's own IRIs in the results open this server's pages.
    var root = $("yasgui");
    var rewrite = function () {
      root.querySelectorAll('.yasr a[href^="' + DATA_BASE + '"]').forEach(function (a) {
        var rest = a.getAttribute("href").slice(DATA_BASE.length);
        if (/^id\//.test(rest)) a.setAttribute("href", "/" + rest);
        else if (/^ontology(#|$)/.test(rest)) a.setAttribute("href", "/" + rest);
        else return;
        a.setAttribute("title", DATA_BASE + rest + " (page on this server)");
      });
    };
    new MutationObserver(rewrite).observe(root, { childList: true, subtree: true });
  }

  // ------------------------------------------------------------------ start

  document.addEventListener("DOMContentLoaded", function () {
    $("endpoint-url").textContent = ENDPOINT;
    setUpYasgui();
    Promise.all([loadStats(), loadQueries(), loadCitation()]).then(function () {
      document.body.setAttribute("data-ready", "true");
    });
  });
})();
