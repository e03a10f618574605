/* partykg debate map (/debate): the thesis tree × the essays (or claimants, or
 * political traditions), one square per stance, shaded by the share of the
 * column's claims. Data from /api/debate (serve/views.py). Plain JavaScript; a
 * table of buttons, so the map is read and used with the keyboard as it is. */
(function () {
  "use strict";

  var STANCES = ["supports", "opposes", "qualifies"];
  var COLOUR = { supports: [46, 125, 50], opposes: [198, 40, 40], qualifies: [183, 121, 31] };
  var data = null;
  var columnsBy = "essay";

  var $ = window.partykgDom.$;

  var el = window.partykgDom.el;

  function rgba(stance, share) {
    var c = COLOUR[stance];
    // a square with one claim stays visible; a column's largest shares are dark
    var alpha = share <= 0 ? 0 : Math.min(1, 0.15 + share * 4);
    return "rgba(" + c[0] + "," + c[1] + "," + c[2] + "," + alpha.toFixed(3) + ")";
  }

  // The columns of the map and, for each, its claims' total (the denominator of
  // the shares) and the keys a claim belongs to.
  function columns() {
    if (columnsBy === "essay") {
      return data.essays.map(function (e) {
        return { key: e.id, label: e.label, href: e.href, total: e.claims };
      });
    }
    var totals = data.totals[columnsBy];
    var list = columnsBy === "claimant" ? data.claimants : data.traditions;
    var used = {};
    data.stances.forEach(function (s) {
      columnKeys(data.claims[s.claim]).forEach(function (k) { used[k] = true; });
    });
    return list.filter(function (c) { return used[c.id]; }).map(function (c) {
      return { key: c.id, label: c.label, href: c.href, total: totals[c.id] || 0 };
    });
  }

  function columnKeys(claim) {
    if (columnsBy === "essay") return [claim.essay];
    if (columnsBy === "claimant") return [claim.claimant];
    return claim.traditions;
  }

  function countCells() {
    var cells = {};
    data.stances.forEach(function (s) {
      columnKeys(data.claims[s.claim]).forEach(function (k) {
        var key = s.thesis + "\u0000" + k + "\u0000" + s.stance;
        (cells[key] = cells[key] || []).push(s.claim);
      });
    });
    return cells;
  }

  function draw() {
    var table = $("debate-map");
    var caption = $("map-caption");
    table.textContent = "";
    table.appendChild(caption);
    var cols = columns();
    var cells = countCells();
    var thesis = {};
    data.theses.forEach(function (t) { thesis[t.id] = t; });

    var head = el("tr", {}, [el("th", { scope: "col", className: "thesis", text: "Question / thesis" })]);
    cols.forEach(function (c) {
      head.appendChild(el("th", { scope: "col", "data-column": c.key,
                                  title: c.label + " — " + c.total + " claims" },
                          [el("a", { href: c.href, text: c.label })]));
    });
    table.appendChild(el("thead", {}, [head]));
    var body = el("tbody");
    data.questions.forEach(function (q) {
      body.appendChild(el("tr", { className: "question" }, [
        el("th", { scope: "rowgroup", colspan: String(cols.length + 1) }, [el("a", { href: q.href, text: q.label })])
      ]));
      q.theses.forEach(function (tid) {
        var t = thesis[tid];
        if (t.deprecated) return;
        var row = el("tr", { "data-thesis": tid }, [
          el("th", { scope: "row", className: "thesis" }, [el("a", { href: t.href, text: t.label })])
        ]);
        cols.forEach(function (c) {
          var td = el("td", { "data-column": c.key });
          STANCES.forEach(function (stance) {
            var claims = cells[tid + "\u0000" + c.key + "\u0000" + stance] || [];
            var n = claims.length;
            var share = c.total ? n / c.total : 0;
            var what = n + (n === 1 ? " claim " : " claims ") + stance + " — " +
              (100 * share).toFixed(1) + "% of the " + c.total + " claims of " + c.label;
            var attrs = { className: "cell " + stance + (n ? "" : " zero"), "data-thesis": tid,
                          "data-column": c.key, "data-stance": stance, "data-count": String(n),
                          title: what, text: String(n) };
            var cell;
            if (n) {
              attrs.type = "button";
              attrs["aria-label"] = t.label + ": " + what;
              cell = el("button", attrs);
              cell.addEventListener("click", function () { openCell(t, c, stance, claims); });
            } else {
              cell = el("span", attrs);
            }
            cell.style.backgroundColor = n ? rgba(stance, share) : "";
            td.appendChild(cell);
          });
          row.appendChild(td);
        });
        body.appendChild(row);
      });
    });
    table.appendChild(body);
    caption.textContent = "Stances per " + columnsBy + ": " + cols.length + " columns";
    $("column-note").textContent = {
      essay: "Shares are of all the claims of each essay.",
      claimant: "Shares are of all the claims of each claimant; only claimants with a stance are shown.",
      tradition: "As in query 37: claims in their claimant's own voice, by authors and organizations " +
                 "affiliated to a political tradition; shares are of those claims."
    }[columnsBy];
  }

  function openCell(thesis, column, stance, claims) {
    var box = $("cell-claims");
    $("cell-title").textContent = column.label + " " + stance + " “" + thesis.label + "” (" +
      claims.length + (claims.length === 1 ? " claim)" : " claims)");
    var list = $("cell-list");
    list.textContent = "";
    claims.slice().sort().forEach(function (id) {
      var c = data.claims[id];
      var who = data.claimantLabels[c.claimant] || c.claimant;
      list.appendChild(el("li", { "data-claim": id }, [
        el("a", { href: c.href, text: id }), " — " + who + ": " + c.paraphrase,
        c.passage ? el("blockquote", { className: "passage", text: c.passage }) : null
      ]));
    });
    box.hidden = false;
    box.focus();
  }

  function drawDeprecated() {
    var list = $("deprecated-list");
    var old = data.theses.filter(function (t) { return t.deprecated; });
    old.forEach(function (t) {
      list.appendChild(el("li", { "data-thesis": t.id }, [el("a", { href: t.href, text: t.label })]));
    });
    $("deprecated").hidden = !old.length;
  }

  document.addEventListener("DOMContentLoaded", function () {
    STANCES.forEach(function (s) { $("sw-" + s).style.backgroundColor = rgba(s, 0.2); });
    document.querySelectorAll('input[name="columns"]').forEach(function (input) {
      input.addEventListener("change", function () {
        columnsBy = input.value;
        $("cell-claims").hidden = true;
        draw();
      });
    });
    fetch("/api/debate", { headers: { Accept: "application/json" } }).then(function (r) {
      if (!r.ok) throw new Error("/api/debate answered " + r.status);
      return r.json();
    }).then(function (json) {
      data = json;
      data.claimantLabels = {};
      data.claimants.forEach(function (c) { data.claimantLabels[c.id] = c.label; });
      draw();
      drawDeprecated();
      $("status").textContent = data.stances.length + " stances of " +
        Object.keys(data.claims).length + " claims on " +
        data.theses.filter(function (t) { return !t.deprecated; }).length + " theses.";
      document.body.setAttribute("data-ready", "true");
    }).catch(function (err) {
      $("status").textContent = "The map could not be loaded: " + err.message;
      $("status").classList.add("error");
    });
  });
})();
