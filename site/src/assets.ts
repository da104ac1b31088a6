// The site's stylesheet and its one small script, served as local files (assets/site.css,
// assets/site.js): nothing is fetched from anywhere else. The script only adds conveniences —
// filtering, search, keyboard navigation and the theme switch; every page reads fine without it.

export const SITE_CSS = `:root{color-scheme:light dark;--bg:#fff;--fg:#1b1f24;--muted:#57606a;--line:#d0d7de;--panel:#f6f8fa;--accent:#0969da;--warn-bg:#fff8c5;--warn:#9a6700;--bad-bg:#ffebe9;--bad:#cf222e;--ok-bg:#dafbe1;--ok:#1a7f37;--add:#dafbe1;--del:#ffebe9;--c:#6e7781;--k:#0550ae;--s:#0a3069;--n:#953800;--v:#8250df;--h:#116329;--p:#8c959f;--focus:#bf8700}
:root[data-theme=dark]{--bg:#0d1117;--fg:#e6edf3;--muted:#9198a1;--line:#30363d;--panel:#161b22;--accent:#4493f8;--warn-bg:#3b2e00;--warn:#e3b341;--bad-bg:#3d1117;--bad:#ff7b72;--ok-bg:#0f2d1a;--ok:#3fb950;--add:#0f2d1a;--del:#3d1117;--c:#8b949e;--k:#79c0ff;--s:#a5d6ff;--n:#ffa657;--v:#d2a8ff;--h:#7ee787;--p:#6e7681;--focus:#e3b341}
@media (prefers-color-scheme:dark){:root:not([data-theme=light]){--bg:#0d1117;--fg:#e6edf3;--muted:#9198a1;--line:#30363d;--panel:#161b22;--accent:#4493f8;--warn-bg:#3b2e00;--warn:#e3b341;--bad-bg:#3d1117;--bad:#ff7b72;--ok-bg:#0f2d1a;--ok:#3fb950;--add:#0f2d1a;--del:#3d1117;--c:#8b949e;--k:#79c0ff;--s:#a5d6ff;--n:#ffa657;--v:#d2a8ff;--h:#7ee787;--p:#6e7681;--focus:#e3b341}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
a{color:var(--accent)}
a:focus-visible,button:focus-visible,input:focus-visible,.current{outline:2px solid var(--focus);outline-offset:2px}
main{padding:1rem;max-width:80rem;margin:0 auto;overflow-wrap:anywhere}
header.top{display:flex;flex-wrap:wrap;gap:.5rem 1rem;justify-content:space-between;align-items:center;padding:.5rem 1rem;border-bottom:1px solid var(--line);background:var(--panel)}
header.top nav{display:flex;flex-wrap:wrap;gap:.25rem .75rem;align-items:center;min-width:0;overflow-wrap:anywhere}
.sep{color:var(--muted)}
button.theme{background:none;border:1px solid var(--line);color:var(--fg);border-radius:4px;padding:0 .5rem;font-size:1rem}
footer.bottom{color:var(--muted);font-size:.85rem;padding:1rem;border-top:1px solid var(--line)}
h1{font-size:1.5rem;margin:.5rem 0}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid var(--line)}
.banner{margin:0;padding:.5rem 1rem}
.banner-secrets{background:var(--bad-bg);color:var(--bad);border-bottom:2px solid var(--bad)}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem;margin:0}
dl.facts dt{color:var(--muted)}dl.facts dd{margin:0;overflow-wrap:anywhere}
.scroll{overflow-x:auto;max-width:100%}
table{border-collapse:collapse;font-size:.9rem;width:100%;overflow-wrap:normal}
th,td{border:1px solid var(--line);padding:.25rem .5rem;text-align:left;vertical-align:top}
/* A table never breaks a value in two (a browser may break after any hyphen: 2036-/11-26, worker-/3):
   its cells keep their lines and the table scrolls in its own box. Only the cells that hold lists or
   prose wrap, between their entries. */
td,th{white-space:nowrap}
td a,td code,td .nw{white-space:nowrap}
#all-certificates td:nth-child(8),#certificate-table td:nth-child(8),table:not([id]) td:last-child{white-space:normal;min-width:15rem}
/* The certificate tables are wider than most screens: their id column stays in view as they scroll. */
:where(#all-certificates,#certificate-table) :is(td,th):first-child{position:sticky;left:0;z-index:1}
:where(#all-certificates,#certificate-table) td:first-child{background:var(--bg)}
th{background:var(--panel)}
tr.expiring td,li.expiring{background:var(--warn-bg)}
tr.expired td{background:var(--bad-bg)}
.badge{display:inline-block;border-radius:1em;padding:0 .5em;font-size:.75rem;border:1px solid var(--line);white-space:nowrap}
.badge.secret{background:var(--bad-bg);color:var(--bad);border-color:var(--bad)}
.badge.shared{color:var(--muted)}
.badge.added{background:var(--ok-bg);color:var(--ok)}.badge.changed{background:var(--warn-bg);color:var(--warn)}.badge.removed{background:var(--bad-bg);color:var(--bad)}
.issues li.warning{color:var(--warn)}.issues li.error{color:var(--bad)}
mark.redacted{background:var(--bad-bg);color:var(--bad);border:1px dashed var(--bad);border-radius:3px;padding:0 .25em;font-style:italic}
pre.code{background:var(--panel);border:1px solid var(--line);border-radius:6px;padding:.5rem 0;overflow-x:auto;font:13px/1.45 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;counter-reset:line;tab-size:4}
pre.code .l{display:inline-block;min-width:100%;box-sizing:border-box;padding:0 .75rem 0 0;white-space:pre}
pre.code .l::before{counter-increment:line;content:counter(line);display:inline-block;width:3.5em;padding-right:.75em;margin-right:.5em;text-align:right;color:var(--muted);border-right:1px solid var(--line);user-select:none}
pre.diff .l::before{content:none}
pre.diff .add{background:var(--add)}pre.diff .del{background:var(--del)}pre.diff .hunk{color:var(--muted)}
.c{color:var(--c);font-style:italic}.k{color:var(--k)}.s{color:var(--s)}.n{color:var(--n)}.v{color:var(--v)}.h{color:var(--h);font-weight:600}.p{color:var(--p)}
ul.tree,ul.tree ul{list-style:none;padding-left:1.1rem;margin:0}
ul.tree{padding-left:0}
ul.tree li{margin:.1rem 0}
ul.tree .dir>span{font-weight:600;color:var(--muted)}
.why{color:var(--muted);font-size:.85rem}
ul.steps{margin:0;padding-left:1.1rem}ul.steps li{margin:.1rem 0}
input[type=search]{font:inherit;padding:.35rem .5rem;width:100%;max-width:30rem;border:1px solid var(--line);border-radius:4px;background:var(--bg);color:var(--fg)}
.hidden{display:none !important}
/* The diagram keeps its size (12 px labels stay readable); on a narrow screen its box scrolls. */
svg.topology{display:block;max-width:none;height:auto;font:12px system-ui,sans-serif}
svg.topology rect{fill:var(--panel);stroke:var(--line)}
svg.topology .t-net{fill:var(--ok-bg);stroke:var(--ok)}
svg.topology text{fill:var(--fg)}svg.topology .t-name{font-weight:700}svg.topology .t-master{fill:var(--muted)}
svg.topology .t-link{stroke:var(--ok);stroke-dasharray:3 3}
svg.topology .t-etcd{stroke:var(--v);stroke-width:2}
svg.topology .t-is-etcd rect{stroke:var(--v);stroke-width:2}
svg.topology .t-is-master rect{stroke:var(--accent);stroke-width:3}
.legend span{margin-right:1rem}
section.file{border-top:1px solid var(--line);margin-top:1.5rem;scroll-margin-top:.5rem}
section.file>h3{font-size:1.05rem}
section.file:target>h3{background:var(--warn-bg)}
.holders{font-size:.85rem;overflow-wrap:anywhere}
.usage{display:inline-block;width:6rem;height:.6rem;background:var(--panel);border:1px solid var(--line);vertical-align:middle}
.usage>span{display:block;height:100%;background:var(--accent)}
/* On a phone the certificate tables stack: one card per certificate, one line per column, each line
   labelled by its column (the header row is hidden). */
@media (max-width:40rem){:is(#all-certificates,#certificate-table),:is(#all-certificates,#certificate-table) :is(tbody,tr,td){display:block}:is(#all-certificates,#certificate-table) thead{display:none}:is(#all-certificates,#certificate-table) tr{border:1px solid var(--line);border-radius:6px;margin-bottom:.5rem}:is(#all-certificates,#certificate-table) td,:is(#all-certificates,#certificate-table) td:first-child{position:relative;left:auto;border:0;border-top:1px solid var(--line);padding-left:5.5rem;min-width:0;font-size:.85rem}:is(#all-certificates,#certificate-table) td:first-child{border-top:0;font-weight:600}:is(#all-certificates,#certificate-table) td::before{position:absolute;left:.4rem;color:var(--muted);font-weight:400}:is(#all-certificates,#certificate-table) td:nth-child(1)::before{content:"id"}:is(#all-certificates,#certificate-table) td:nth-child(2)::before{content:"subject"}:is(#all-certificates,#certificate-table) td:nth-child(3)::before{content:"issuer"}:is(#all-certificates,#certificate-table) td:nth-child(4)::before{content:"SANs"}:is(#all-certificates,#certificate-table) td:nth-child(5)::before{content:"usage"}:is(#all-certificates,#certificate-table) td:nth-child(6)::before{content:"key"}:is(#all-certificates,#certificate-table) td:nth-child(7)::before{content:"not after"}:is(#all-certificates,#certificate-table) td:nth-child(8)::before{content:"held by"}:is(#all-certificates,#certificate-table) td:nth-child(9)::before{content:"status"}}
@media (max-width:40rem){main{padding:.5rem}header.top{position:relative;padding:.4rem 3rem .4rem .5rem}header.top nav.global{font-size:.9rem;gap:.2rem .6rem}button.theme{position:absolute;top:.4rem;right:.5rem}dl.facts{grid-template-columns:1fr}dl.facts dd{margin-bottom:.4rem}th,td{padding:.2rem .3rem}}
`;

/** The client script: theme, filter boxes, keyboard navigation, and the search page. */
export const SITE_JS = `(function () {
  "use strict";
  var root = document.documentElement;
  try {
    var saved = localStorage.getItem("kubescratch-theme");
    if (saved === "light" || saved === "dark") root.setAttribute("data-theme", saved);
  } catch (ignored) {}
  function ready(fn) {
    // Deferred scripts run while the state is "interactive", before the search index (also deferred)
    // has run: wait for DOMContentLoaded unless the document is already complete.
    if (document.readyState === "complete") fn();
    else document.addEventListener("DOMContentLoaded", fn);
  }
  ready(function () {
    var toggle = document.querySelector("[data-theme-toggle]");
    if (toggle) toggle.addEventListener("click", function () {
      var dark = root.getAttribute("data-theme") === "dark" ||
        (!root.getAttribute("data-theme") && window.matchMedia("(prefers-color-scheme: dark)").matches);
      var next = dark ? "light" : "dark";
      root.setAttribute("data-theme", next);
      try { localStorage.setItem("kubescratch-theme", next); } catch (ignored) {}
    });
    document.querySelectorAll("input[data-filter]").forEach(function (input) {
      var target = document.getElementById(input.getAttribute("data-filter"));
      if (!target) return;
      input.addEventListener("input", function () {
        var words = input.value.toLowerCase().split(/\\s+/).filter(Boolean);
        target.querySelectorAll("[data-search]").forEach(function (item) {
          var text = item.getAttribute("data-search").toLowerCase();
          var match = words.every(function (word) { return text.indexOf(word) !== -1; });
          item.classList.toggle("hidden", !match);
        });
      });
    });
    // The search page's own script (assets/search.js) runs the search.
    var cursor = -1;
    function items() {
      return Array.prototype.filter.call(document.querySelectorAll("[data-nav]"), function (element) {
        return element.offsetParent !== null;
      });
    }
    function move(step) {
      var list = items();
      if (list.length === 0) return;
      if (list[cursor]) list[cursor].classList.remove("current");
      cursor = Math.max(0, Math.min(list.length - 1, cursor + step));
      list[cursor].classList.add("current");
      list[cursor].focus();
    }
    function follow(rel) {
      // A bundle's page holds its files as sections: "[" and "]" move between them.
      var sections = document.querySelectorAll("section.file[id]");
      if (sections.length > 0) {
        var hash = decodeURIComponent(window.location.hash.slice(1)), at = -1;
        for (var i = 0; i < sections.length; i += 1) if (sections[i].id === hash) at = i;
        var to = rel === "next" ? at + 1 : at - 1;
        if (at !== -1 || rel === "next") {
          if (sections[to]) { window.location.hash = sections[to].id; return; }
        }
      }
      var link = document.querySelector('link[rel="' + rel + '"]');
      if (link) window.location.href = link.href;
    }
    // A file's text as the page shows it is the file (the page says so with the button): offered as a
    // download made here, so the site needs no copy of every file on disk.
    document.querySelectorAll('button[data-download="file"]').forEach(function (button) {
      var section = button.closest("section.file");
      var pre = section && section.querySelector("pre.code:not(.diff)");
      if (!pre || typeof Blob === "undefined" || !window.URL || !URL.createObjectURL) return;
      button.hidden = false;
      button.addEventListener("click", function () {
        var text = pre.textContent + (pre.hasAttribute("data-final-newline") ? "\\n" : "");
        var url = URL.createObjectURL(new Blob([text], { type: "application/octet-stream" }));
        var link = document.createElement("a");
        link.href = url;
        link.download = button.getAttribute("data-name") || "file";
        document.body.appendChild(link);
        link.click();
        link.remove();
        setTimeout(function () { URL.revokeObjectURL(url); }, 10000);
      });
    });
    document.addEventListener("keydown", function (event) {
      if (event.ctrlKey || event.metaKey || event.altKey) return;
      var tag = event.target && event.target.tagName;
      if (tag === "INPUT" || tag === "TEXTAREA") {
        if (event.key === "Escape") event.target.blur();
        if (event.key === "Enter" && event.target.id === "search") {
          var first = items()[0];
          if (first) window.location.href = first.href;
        }
        return;
      }
      if (event.key === "/") {
        var box = document.querySelector('input[type="search"]');
        if (box) { event.preventDefault(); box.focus(); }
        else { var here = document.querySelector('a[data-key="/"]'); if (here) window.location.href = here.href; }
      } else if (event.key === "j") move(1);
      else if (event.key === "k") move(-1);
      else if (event.key === "[") follow("prev");
      else if (event.key === "]") follow("next");
      else if (event.key === "u") { var up = document.querySelectorAll(".crumbs a"); if (up.length) window.location.href = up[up.length - 1].href; }
    });
  });
})();
`;
