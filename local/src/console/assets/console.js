// The console's behaviour: tabs, selecting a state in the graph, JSON
// colouring, and live updates (a page with data-live="1" asks for its
// changing regions every second until the server says it is done, keeping
// what is typed into their forms).
"use strict";
(function () {
  let selected = null;

  function colourJson(root) {
    root.querySelectorAll("pre.json > code:not([data-coloured])").forEach(function (code) {
      const text = code.textContent;
      const out = document.createDocumentFragment();
      const token = /("(?:\\u[0-9a-fA-F]{4}|\\[^u]|[^\\"])*")(\s*:)?|\b(true|false|null)\b|(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)/g;
      let last = 0, m;
      while ((m = token.exec(text)) !== null) {
        out.append(text.slice(last, m.index));
        const span = document.createElement("span");
        span.className = m[1] ? (m[2] ? "j-key" : "j-str") : m[3] ? "j-lit" : "j-num";
        span.textContent = m[1] || m[3] || m[4];
        out.append(span);
        if (m[2]) out.append(m[2]);
        last = token.lastIndex;
      }
      out.append(text.slice(last));
      code.replaceChildren(out);
      code.dataset.coloured = "1";
    });
  }

  function select(name) {
    selected = name;
    document.querySelectorAll("svg.graph .node").forEach(function (n) {
      n.classList.toggle("selected", n.dataset.state === name);
    });
    let shown = false;
    document.querySelectorAll(".state-panel").forEach(function (p) {
      const match = p.dataset.panel === name;
      p.hidden = !match;
      shown = shown || match;
    });
    const placeholder = document.getElementById("state-details");
    if (placeholder) placeholder.hidden = shown;
  }

  function showTab(id) {
    const buttons = document.querySelectorAll("[data-tab]");
    if (!buttons.length) return;
    if (!document.getElementById(id)) id = buttons[0].dataset.tab;
    buttons.forEach(function (b) {
      const on = b.dataset.tab === id;
      b.setAttribute("aria-selected", on ? "true" : "false");
      const panel = document.getElementById(b.dataset.tab);
      if (panel) panel.hidden = !on;
    });
  }

  document.addEventListener("click", function (e) {
    const tab = e.target.closest("[data-tab]");
    if (tab) {
      showTab(tab.dataset.tab);
      history.replaceState(null, "", "#" + tab.dataset.tab);
      return;
    }
    const node = e.target.closest("svg.graph .node");
    if (node) {
      select(node.dataset.state);
      return;
    }
    const row = e.target.closest("table.states tr[data-state]");
    if (row) {
      showTab("graph-tab");
      history.replaceState(null, "", "#graph-tab");
      select(row.dataset.state);
    }
  });

  document.addEventListener("keydown", function (e) {
    const node = e.target.closest && e.target.closest("svg.graph .node");
    if (node && (e.key === "Enter" || e.key === " ")) {
      e.preventDefault();
      select(node.dataset.state);
    }
  });

  document.addEventListener("submit", function (e) {
    const button = e.target.querySelector("button[type=submit]");
    if (button && e.target.method === "post") button.disabled = true;
  });

  function liveUrl() {
    const url = new URL(location.href);
    url.hash = "";
    url.searchParams.set("live", "1");
    return url.toString();
  }

  // What is typed into a form of a live region (its form has a data-key)
  // survives the region's update, with the focus and the caret; returns
  // what puts it back.
  function keepTyped() {
    const kept = [];
    let focus = null;
    document.querySelectorAll(".region form[data-key]").forEach(function (form) {
      form.querySelectorAll("textarea[name], input[name]:not([type=hidden])").forEach(function (field) {
        const at = { form: form.dataset.key, name: field.name, value: field.value };
        kept.push(at);
        if (field === document.activeElement) {
          focus = { at: at, start: field.selectionStart, end: field.selectionEnd };
        }
      });
    });
    return function () {
      kept.forEach(function (at) {
        const form = document.querySelector('.region form[data-key="' + CSS.escape(at.form) + '"]');
        const field = form && form.elements.namedItem(at.name);
        if (!field) return;
        field.value = at.value;
        if (focus && focus.at === at) {
          field.focus();
          try { field.setSelectionRange(focus.start, focus.end); } catch (_) { /* not a text field */ }
        }
      });
    };
  }

  async function refresh() {
    let reply;
    try {
      const response = await fetch(liveUrl(), { credentials: "same-origin", headers: { Accept: "application/json" } });
      if (!response.ok) return true;
      reply = await response.json();
    } catch (_) {
      return true; // the stack is restarting, or the network blinked: try again
    }
    const open = new Set();
    document.querySelectorAll("details[data-key][open]").forEach(function (d) { open.add(d.dataset.key); });
    const typed = keepTyped();
    Object.keys(reply.regions).forEach(function (id) {
      const el = document.getElementById(id);
      if (el) el.innerHTML = reply.regions[id];
    });
    document.querySelectorAll("details[data-key]").forEach(function (d) { if (open.has(d.dataset.key)) d.open = true; });
    typed();
    colourJson(document);
    if (selected) select(selected);
    document.body.dataset.updated = String(Date.now());
    return reply.live;
  }

  async function poll() {
    const again = await refresh();
    if (again) setTimeout(poll, 1000);
    else document.body.dataset.live = "0";
  }

  document.addEventListener("DOMContentLoaded", function () {
    colourJson(document);
    showTab(location.hash.slice(1));
    if (document.body.dataset.live === "1") setTimeout(poll, 1000);
  });
})();
