/* The explorer: the tenant's entity types with their counts, a type's entities page by
   page (filtered with the NGSI-LD query language), one entity's attributes with the
   history of its numeric ones, and the curl command of every request shown.
   Everything comes from the public NGSI-LD API; the view lives in the URL
   (?tenant=&type=&q=&page=&id=) so it can be shared and the back button works. */
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const { el, t, api, lineChart, time, lang } = window.ISANHUB;
  const BASE = "/ngsi-ld/v1";
  const LIMIT = 20;
  const COUNT_PARALLEL = 4; // type counts fetched a few at a time
  const AUTO_CHARTS = 3; // histories loaded at once; the others on demand
  const UNITS = { GQ: "µg/m³", "59": "ppm", "61": "ppb", CEL: "°C", P1: "%", MTS: "m/s",
    A97: "hPa", MMT: "mm", THB: "฿", KGM: "kg", HAR: "ha", MTR: "m", KMH: "km/h" };
  const SKIP_COLUMNS = new Set(["id", "type", "name", "location", "address", "dataProvider",
    "@context", "scope"]);

  const $ = (id) => document.getElementById(id);
  const tenantForm = $("ex-tenant-form"), tenantInput = $("ex-tenant");
  const typesBox = $("ex-types"), listBox = $("ex-list"), entityBox = $("ex-entity");
  const entityCard = $("ex-entity-card");

  let state = readState();
  let shownTenant = null; // the tenant whose types are on screen
  let types = []; // [{name, attributeNames}]
  const counts = new Map(); // type -> count (per shown tenant)
  let listToken = 0, entityToken = 0, typesToken = 0;

  /* ---------- the URL is the state ---------- */
  function readState() {
    const p = new URLSearchParams(location.search);
    const page = parseInt(p.get("page") || "1", 10);
    return {
      tenant: (p.get("tenant") || "").trim(),
      type: p.get("type") || "",
      q: p.get("q") || "",
      id: p.get("id") || "",
      page: Number.isFinite(page) && page > 0 ? page : 1,
    };
  }

  function href(next) {
    const p = new URLSearchParams();
    const keep = new URLSearchParams(location.search).get("lang");
    if (keep) p.set("lang", keep);
    if (next.tenant) p.set("tenant", next.tenant);
    if (next.type) p.set("type", next.type);
    if (next.q) p.set("q", next.q);
    if (next.page > 1) p.set("page", String(next.page));
    if (next.id) p.set("id", next.id);
    const query = p.toString();
    return location.pathname + (query ? "?" + query : "");
  }

  function go(change, focus) {
    const next = Object.assign({}, state, change);
    history.pushState(null, "", href(next));
    state = next;
    render(focus);
  }

  /* a link that is also a shareable URL; a plain click stays on the page */
  function link(change, focus, ...children) {
    const target = Object.assign({}, state, change);
    return el("a", {
      href: href(target),
      onclick: (event) => {
        if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
        event.preventDefault();
        go(change, focus);
      },
    }, ...children);
  }

  window.addEventListener("popstate", () => { state = readState(); render(null); });

  /* ---------- requests ---------- */
  function headers() {
    const h = { Accept: "application/json" };
    if (state.tenant) h["NGSILD-Tenant"] = state.tenant;
    return h;
  }

  const timings = [];
  async function get(path) {
    const started = performance.now();
    try {
      return await api(path, { headers: headers() });
    } finally {
      timings.push({ path, ms: Math.round(performance.now() - started) });
      window.ISANHUB.exploreTimings = timings;
    }
  }

  /* an id in a path: colons stay readable (urn:ngsi-ld:…), the rest is escaped */
  const pathId = (id) => encodeURIComponent(id).replace(/%3A/gi, ":");

  function shellQuote(text) { return "'" + text.split("'").join("'\\''") + "'"; }

  function curlFor(path) {
    const parts = ["curl"];
    if (state.tenant) parts.push("-H " + shellQuote("NGSILD-Tenant: " + state.tenant));
    parts.push(shellQuote(location.origin + path));
    return parts.join(" ");
  }

  /* the command, a Copy button and a visible result of the copy */
  function curlBlock(path, closed) {
    const command = curlFor(path);
    const pre = el("pre", { class: "ex-curl", tabindex: "0", "aria-label": t("explore.curl") },
      el("code", {}, command));
    const said = el("span", { class: "muted ex-copied", role: "status" });
    const select = () => {
      const range = document.createRange();
      range.selectNodeContents(pre);
      const selection = window.getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
    };
    const button = el("button", {
      type: "button",
      onclick: async () => {
        try {
          if (!navigator.clipboard || !window.isSecureContext) throw new Error("no clipboard");
          await navigator.clipboard.writeText(command);
          said.textContent = t("explore.copied");
        } catch (error) {
          select();
          said.textContent = t("explore.copy_select");
        }
        setTimeout(() => { said.textContent = ""; }, 4000);
      },
    }, t("explore.copy"));
    return el("details", { class: "ex-api", open: !closed },
      el("summary", {}, t("explore.curl")),
      pre, el("div", { class: "row" }, button, said));
  }

  function alertBox(error) {
    return el("p", { role: "alert", class: "unmet" }, t("explore.api_error", { detail: error.message }));
  }

  /* ---------- values ---------- */
  function nameOf(value) {
    if (value === null || value === undefined) return "";
    if (typeof value === "string") return value;
    if (value.languageMap) value = value.languageMap;
    else if (value.value !== undefined) return nameOf(value.value);
    if (typeof value === "object") return value[lang] || value.en || value.th || Object.values(value)[0] || "";
    return String(value);
  }

  function shortValue(value) {
    if (value === null || value === undefined) return "";
    if (typeof value !== "object") return String(value);
    if (value["@value"] !== undefined) return String(value["@value"]);
    if (value.type === "Point" && Array.isArray(value.coordinates)) return value.coordinates.join(", ");
    if (value.languageMap) return nameOf(value);
    const text = JSON.stringify(value);
    return text.length > 80 ? text.slice(0, 79) + "…" : text;
  }

  function unitText(code) { return code ? (UNITS[code] ? `${UNITS[code]} (${code})` : code) : ""; }

  /* ---------- types ---------- */
  async function loadTypes() {
    const token = ++typesToken;
    shownTenant = state.tenant;
    types = [];
    counts.clear();
    typesBox.replaceChildren(el("p", { class: "muted" }, t("common.loading")));
    const path = `${BASE}/types?details=true`;
    try {
      const { data } = await get(path);
      if (token !== typesToken) return;
      types = data.map((d) => ({ name: d.typeName || d.id, attributeNames: d.attributeNames || [] }))
        .sort((a, b) => a.name.localeCompare(b.name));
      drawTypes();
      countTypes(token);
    } catch (error) {
      if (token !== typesToken) return;
      typesBox.replaceChildren(alertBox(error), curlBlock(path));
    }
  }

  async function countTypes(token) {
    const queue = types.map((d) => d.name);
    const worker = async () => {
      while (queue.length && token === typesToken) {
        const name = queue.shift();
        try {
          const { response } = await get(`${BASE}/entities?type=${encodeURIComponent(name)}&limit=0&count=true`);
          if (token !== typesToken) return;
          counts.set(name, Number(response.headers.get("NGSILD-Results-Count")));
        } catch (error) {
          counts.set(name, null);
        }
        const badge = typesBox.querySelector(`[data-count-of="${CSS.escape(name)}"]`);
        if (badge) badge.textContent = countText(name);
      }
    };
    await Promise.all(Array.from({ length: COUNT_PARALLEL }, worker));
  }

  function countText(name) {
    if (!counts.has(name)) return "…";
    const n = counts.get(name);
    return n === null ? "–" : n.toLocaleString("en-US");
  }

  function drawTypes() {
    if (!types.length) { typesBox.replaceChildren(el("p", { class: "muted" }, t("explore.no_types"))); return; }
    typesBox.replaceChildren(
      el("p", { class: "muted" }, t("explore.types_count", { n: types.length })),
      el("ul", { class: "ex-typelist" }, types.map((d) => el("li", { "data-type": d.name },
        link({ type: d.name, q: "", page: 1, id: "" }, "ex-list-h",
          el("span", { class: "ex-typename" }, d.name),
          el("span", { class: "ex-count", "data-count-of": d.name, "aria-label": t("explore.count_label") },
            countText(d.name)))))),
    );
    markType();
  }

  function markType() {
    for (const item of typesBox.querySelectorAll("li[data-type]")) {
      const a = item.querySelector("a");
      if (item.dataset.type === state.type) a.setAttribute("aria-current", "true");
      else a.removeAttribute("aria-current");
      a.setAttribute("href", href(Object.assign({}, state, { type: item.dataset.type, q: "", page: 1, id: "" })));
    }
  }

  /* ---------- a type's entities ---------- */
  function listPath() {
    const p = [`type=${encodeURIComponent(state.type)}`];
    if (state.q) p.push(`q=${encodeURIComponent(state.q)}`);
    p.push(`limit=${LIMIT}`, `offset=${(state.page - 1) * LIMIT}`, "count=true", "options=keyValues");
    return `${BASE}/entities?${p.join("&")}`;
  }

  function filterForm() {
    const input = el("input", { id: "ex-q", name: "q", type: "text", value: state.q, autocomplete: "off",
      spellcheck: "false", placeholder: "pm25>20;airQualityLevel==\"moderate\"", "aria-describedby": "ex-q-help" });
    const form = el("form", {
      class: "ex-filter", role: "search", "aria-label": t("explore.filter"),
      onsubmit: (event) => { event.preventDefault(); go({ q: input.value.trim(), page: 1, id: "" }, "ex-list-h"); },
    },
    el("label", { for: "ex-q" }, t("explore.filter")),
    el("div", { class: "row" }, input,
      el("button", { type: "submit", class: "primary" }, t("explore.apply")),
      state.q ? el("button", { type: "button", onclick: () => go({ q: "", page: 1, id: "" }, "ex-q") },
        t("explore.clear")) : null),
    el("p", { id: "ex-q-help", class: "muted" }, t("explore.filter_help")));
    return form;
  }

  /* a few columns: the plain attributes most entities of the page have, numbers first */
  function columnsOf(rows) {
    const seen = new Map(); // key -> [rows having it, first position, numeric]
    for (const row of rows) {
      Object.entries(row).forEach(([key, value], position) => {
        if (SKIP_COLUMNS.has(key)) return;
        if (value === null || (typeof value === "object" && value["@value"] === undefined)) return;
        const entry = seen.get(key) || [0, position, false];
        entry[0] += 1;
        entry[2] = entry[2] || typeof value === "number";
        seen.set(key, entry);
      });
    }
    return [...seen.entries()]
      .sort(([, a], [, b]) => (b[0] - a[0]) || (b[2] - a[2]) || (a[1] - b[1]))
      .slice(0, 4).map(([key]) => key);
  }

  async function loadList(focus) {
    const token = ++listToken;
    const heading = $("ex-list-h");
    if (!state.type) {
      heading.textContent = t("explore.entities");
      listBox.replaceChildren(el("p", { class: "muted" }, t("explore.pick_type")));
      return;
    }
    heading.textContent = t("explore.entities_of", { type: state.type });
    const path = listPath();
    const form = filterForm();
    listBox.replaceChildren(form, el("p", { class: "muted", role: "status" }, t("common.loading")));
    if (focus === "ex-list-h") heading.focus();
    if (focus === "ex-q") $("ex-q").focus();
    try {
      const { data, response } = await get(path);
      if (token !== listToken) return;
      const total = Number(response.headers.get("NGSILD-Results-Count"));
      const pages = Math.max(1, Math.ceil(total / LIMIT));
      const from = total ? (state.page - 1) * LIMIT + 1 : 0;
      const to = (state.page - 1) * LIMIT + data.length;
      const columns = columnsOf(data);
      const table = el("table", { class: "ex-table" },
        el("caption", { class: "ex-sr" }, t("explore.entities_of", { type: state.type })),
        el("thead", {}, el("tr", {},
          el("th", { scope: "col" }, t("explore.col_id")),
          el("th", { scope: "col" }, t("explore.col_name")),
          columns.map((c) => el("th", { scope: "col", class: data.some((r) => typeof r[c] === "number") ? "num" : null }, c)))),
        el("tbody", {}, data.map((row) => el("tr", { class: row.id === state.id ? "ex-open" : null },
          el("td", { class: "ex-id" }, link({ id: row.id }, "ex-entity-h", row.id)),
          el("td", {}, el("span", { class: "ex-wide" }, nameOf(row.name))),
          columns.map((c) => el("td", { class: typeof row[c] === "number" ? "num" : null }, shortValue(row[c])))))));
      const pager = el("nav", { class: "row ex-pager", "aria-label": t("explore.paging") },
        el("button", { type: "button", disabled: state.page <= 1, onclick: () => go({ page: state.page - 1, id: "" }, "ex-list-h") },
          "‹ " + t("explore.previous")),
        el("span", { class: "ex-page" }, t("explore.page_of", { page: state.page, pages })),
        el("button", { type: "button", disabled: state.page >= pages, onclick: () => go({ page: state.page + 1, id: "" }, "ex-list-h") },
          t("explore.next") + " ›"));
      listBox.replaceChildren(form,
        el("p", { class: "ex-total", role: "status" },
          t("explore.total", { n: total.toLocaleString("en-US") }),
          el("span", { class: "muted" }, " " + (total ? t("explore.showing", { from, to }) : "")),
          el("data", { id: "ex-total", value: total, hidden: true })),
        data.length ? el("div", { class: "scroll ex-scroll", tabindex: "0", role: "region", "aria-label": t("explore.entities") }, table)
          : el("p", { class: "muted" }, t("explore.none")),
        pager, curlBlock(path));
      if (focus === "ex-q") $("ex-q").focus();
    } catch (error) {
      if (token !== listToken) return;
      listBox.replaceChildren(form, alertBox(error), curlBlock(path));
      if (focus === "ex-q" || focus === "ex-list-h") $("ex-q").focus();
    }
  }

  /* ---------- one entity ---------- */
  function instances(value) { return Array.isArray(value) ? value : [value]; }

  function attrValue(attr) {
    if (attr === null || typeof attr !== "object") return shortValue(attr);
    if (attr.type === "Relationship") {
      return el("span", {}, instances(attr.object).map((o, i) => [i ? ", " : "", link({ id: o }, "ex-entity-h", o)]));
    }
    if (attr.type === "LanguageProperty") return Object.entries(attr.languageMap || {}).map(([k, v]) => `${k}: ${v}`).join(" · ");
    if (attr.type === "VocabProperty") return String(attr.vocab);
    if (attr.type === "ListProperty") return JSON.stringify(attr.valueList);
    return shortValue(attr.value);
  }

  function chartable(attr) {
    return attr && attr.type === "Property" && typeof attr.value === "number" && attr.observedAt;
  }

  async function loadEntity(focus) {
    const token = ++entityToken;
    if (!state.id) { entityCard.hidden = true; entityBox.replaceChildren(); return; }
    entityCard.hidden = false;
    const heading = $("ex-entity-h");
    heading.textContent = t("explore.entity");
    entityBox.replaceChildren(el("p", { class: "muted", role: "status" }, t("common.loading")));
    if (focus === "ex-entity-h") heading.focus();
    const path = `${BASE}/entities/${pathId(state.id)}`;
    try {
      const { data } = await get(path);
      if (token !== entityToken) return;
      heading.textContent = nameOf(data.name) || data.id;
      const rows = [], charts = [];
      for (const [key, value] of Object.entries(data)) {
        if (key === "id" || key === "type" || key === "@context") continue;
        for (const attr of instances(value)) {
          const unit = attr && attr.unitCode;
          rows.push(el("tr", {},
            el("th", { scope: "row" }, key, attr && attr.datasetId ? el("span", { class: "muted" }, " " + attr.datasetId) : null),
            el("td", {}, (attr && attr.type) || ""),
            el("td", { class: "ex-value" }, el("div", { class: "ex-wide" }, attrValue(attr))),
            el("td", {}, unitText(unit)),
            el("td", {}, attr && attr.observedAt ? el("time", { datetime: attr.observedAt, title: attr.observedAt }, time(attr.observedAt)) : "")));
          if (chartable(attr) && !attr.datasetId) charts.push({ key, unit });
        }
      }
      const chartBox = el("div", { class: "ex-charts" });
      entityBox.replaceChildren(
        el("p", { class: "ex-meta" }, el("code", {}, data.id), " · ", el("span", {}, data.type || "")),
        el("div", { class: "scroll ex-scroll", tabindex: "0", role: "region", "aria-label": t("explore.attributes") },
          el("table", { class: "ex-attrs" },
            el("caption", { class: "ex-sr" }, t("explore.attributes")),
            el("thead", {}, el("tr", {},
              ["col_attr", "col_type", "col_value", "col_unit", "col_observed"].map((k) => el("th", { scope: "col" }, t("explore." + k))))),
            el("tbody", {}, rows))),
        curlBlock(path),
        charts.length ? el("h3", {}, t("explore.history")) : null,
        chartBox);
      charts.forEach((c, i) => chartBox.append(chartSlot(c, i < AUTO_CHARTS, token)));
    } catch (error) {
      if (token !== entityToken) return;
      entityBox.replaceChildren(alertBox(error), curlBlock(path));
    }
  }

  function chartSlot({ key, unit }, now, token) {
    const slot = el("figure", { class: "ex-chart", "data-attr": key });
    const caption = el("figcaption", {}, key + (unit ? ` (${UNITS[unit] || unit})` : ""));
    const load = async () => {
      slot.replaceChildren(caption, el("p", { class: "muted", role: "status" }, t("common.loading")));
      const path = `${BASE}/temporal/entities/${pathId(state.id)}?attrs=${encodeURIComponent(key)}&lastN=200&options=temporalValues`;
      try {
        const { data } = await get(path);
        if (token !== entityToken) return;
        const values = (data[key] && data[key].values) || [];
        const points = values.map((v) => [v[1], v[0]]);
        slot.replaceChildren(caption,
          lineChart(points, t("explore.chart_title", { attr: key, n: points.length }), UNITS[unit] || unit || ""),
          el("p", { class: "muted" }, t("explore.points", { n: points.length })),
          curlBlock(path, true));
      } catch (error) {
        if (token !== entityToken) return;
        slot.replaceChildren(caption, alertBox(error));
      }
    };
    if (now) load();
    else slot.replaceChildren(caption, el("button", { type: "button", onclick: load }, t("explore.show_history", { attr: key })));
    return slot;
  }

  /* ---------- everything from the state ---------- */
  let listKey = null, entityKey = null;
  function render(focus) {
    tenantInput.value = state.tenant;
    if (shownTenant !== state.tenant) { listKey = entityKey = null; loadTypes(); } else markType();
    const lk = JSON.stringify([state.tenant, state.type, state.q, state.page]);
    if (lk !== listKey) { listKey = lk; loadList(focus); }
    else for (const row of listBox.querySelectorAll("tbody tr")) {
      const a = row.querySelector("td.ex-id a");
      row.classList.toggle("ex-open", !!a && a.textContent === state.id);
    }
    const ek = JSON.stringify([state.tenant, state.id]);
    if (ek !== entityKey) { entityKey = ek; loadEntity(focus); }
    else if (focus === "ex-entity-h") $("ex-entity-h").focus();
  }

  tenantForm.addEventListener("submit", (event) => {
    event.preventDefault();
    go({ tenant: tenantInput.value.trim(), type: "", q: "", page: 1, id: "" }, "ex-types-h");
    $("ex-types-h").focus();
  });

  render(null);
});
