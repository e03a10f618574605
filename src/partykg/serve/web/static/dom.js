/* partykg: the two DOM helpers every page script uses (the query page, the
 * debate map, the network, the timeline, the result views). Loaded before them;
 * they read window.partykgDom. */
(function () {
  "use strict";

  function $(id) { return document.getElementById(id); }

  // el("a", {href: "/x", text: "label", className: "c", hidden: true}, [child, "text"]):
  // null, undefined and false attributes are left out; true sets an empty one.
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      var value = attrs[key];
      if (value === null || value === undefined || value === false) return;
      if (key === "text") node.textContent = value;
      else if (key === "className") node.className = value;
      else node.setAttribute(key, value === true ? "" : value);
    });
    (children || []).forEach(function (child) {
      if (child === null || child === undefined) return;
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }

  window.partykgDom = { $: $, el: el };
}());
