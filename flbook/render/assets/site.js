/* flbook book website: the contents toggle on narrow screens and offline search.
   Search uses MiniSearch (site_libs/minisearch.js) over window.flbookSearchDocs, the text of
   every section written at render time (site_libs/search-index.js). No request leaves the
   page: it works opened from disk. */
(function () {
  "use strict";
  var toggle = document.querySelector(".toc-toggle");
  if (toggle) {
    toggle.addEventListener("click", function () {
      var open = document.body.classList.toggle("toc-open");
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
    });
  }
  var current = document.querySelector("#sidebar a.current");
  if (current && current.scrollIntoView) current.scrollIntoView({ block: "nearest" });

  var input = document.getElementById("search-input");
  var box = document.getElementById("search-results");
  if (!input || !box || !window.MiniSearch || !window.flbookSearchDocs) return;
  var index = null;
  function build() {
    if (index) return index;
    index = new MiniSearch({
      fields: ["title", "text"],
      storeFields: ["url", "page", "title", "text"],
      searchOptions: { boost: { title: 3 }, prefix: true, fuzzy: 0.15, combineWith: "AND" },
    });
    index.addAll(window.flbookSearchDocs);
    return index;
  }
  function escape(s) {
    return s.replace(/[&<>"]/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" }[c];
    });
  }
  function snippet(text, terms) {
    var lower = text.toLowerCase(), at = -1;
    for (var i = 0; i < terms.length && at < 0; i++) at = lower.indexOf(terms[i].toLowerCase());
    var start = Math.max(0, at - 60);
    var s = (start > 0 ? "…" : "") + text.slice(start, start + 180) + (text.length > start + 180 ? "…" : "");
    s = escape(s);
    terms.forEach(function (t) {
      if (t.length < 2) return;
      s = s.replace(new RegExp("(" + t.replace(/[.*+?^${}()|[\]\\]/g, "\\$&") + ")", "ig"), "<mark>$1</mark>");
    });
    return s;
  }
  function show() {
    var q = input.value.trim();
    if (q.length < 2) { box.hidden = true; box.innerHTML = ""; return; }
    var hits = build().search(q).slice(0, 12);
    if (!hits.length) {
      box.innerHTML = '<p class="search-none">No section mentions “' + escape(q) + "”.</p>";
    } else {
      box.innerHTML = "<ul>" + hits.map(function (h) {
        var where = h.title === h.page ? escape(h.page) : escape(h.page) + " › " + escape(h.title);
        return '<li><a class="search-hit" href="' + escape(h.url) + '">' + where +
          '</a><p>' + snippet(h.text, h.terms) + "</p></li>";
      }).join("") + "</ul>";
    }
    box.hidden = false;
  }
  input.addEventListener("input", show);
  input.addEventListener("focus", function () { build(); if (input.value) show(); });
  input.addEventListener("keydown", function (e) {
    if (e.key === "Escape") { box.hidden = true; input.blur(); }
    if (e.key === "Enter") {
      var first = box.querySelector("a.search-hit");
      if (first) window.location.href = first.href;
    }
  });
  document.addEventListener("click", function (e) {
    if (!box.contains(e.target) && e.target !== input) box.hidden = true;
  });
})();
