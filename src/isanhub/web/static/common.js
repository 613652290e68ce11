/* What every page's script shares: texts, Thai numbers and dates, fetching the APIs,
   building elements without innerHTML (data from the store is never parsed as HTML),
   and small SVG charts. window.ISANHUB is the page's boot data (pages.py). */
"use strict";
(function () {
  const boot = JSON.parse(document.getElementById("isanhub-boot").textContent);
  const lang = boot.lang;
  const locale = lang === "th" ? "th-TH" : "en-GB";
  const MONTHS_TH = ["ม.ค.", "ก.พ.", "มี.ค.", "เม.ย.", "พ.ค.", "มิ.ย.", "ก.ค.", "ส.ค.", "ก.ย.",
    "ต.ค.", "พ.ย.", "ธ.ค."];
  const MONTHS_EN = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct",
    "Nov", "Dec"];

  function t(key, values) {
    let text = boot.texts[key];
    if (text === undefined) { console.warn("missing text " + key); return key; }
    for (const [name, value] of Object.entries(values || {})) {
      text = text.split("{" + name + "}").join(String(value));
    }
    return text;
  }

  function num(value, digits) {
    if (value === null || value === undefined || Number.isNaN(value)) return "–";
    const d = digits === undefined ? (Math.abs(value) >= 100 ? 0 : 1) : digits;
    return Number(value).toLocaleString("en-US", { minimumFractionDigits: d, maximumFractionDigits: d });
  }

  function baht(value) { return value === null || value === undefined ? "–" : "฿" + num(value, 0); }

  /* 24 พ.ย. 2569 (Buddhist era) in Thai, 24 Nov 2026 in English, local Bangkok time */
  function day(value) {
    const at = new Date(value);
    if (Number.isNaN(at.getTime())) return "–";
    const local = new Date(at.getTime() + 7 * 3600 * 1000);
    const d = local.getUTCDate(), m = local.getUTCMonth(), y = local.getUTCFullYear();
    return lang === "th" ? `${d} ${MONTHS_TH[m]} ${y + 543}` : `${d} ${MONTHS_EN[m]} ${y}`;
  }

  function time(value) {
    const at = new Date(value);
    if (Number.isNaN(at.getTime())) return "–";
    const local = new Date(at.getTime() + 7 * 3600 * 1000);
    const hh = String(local.getUTCHours()).padStart(2, "0");
    const mm = String(local.getUTCMinutes()).padStart(2, "0");
    return `${day(value)} ${hh}:${mm}`;
  }

  async function api(path, options) {
    const response = await fetch(path, Object.assign({ headers: { Accept: "application/json" } }, options));
    const body = response.headers.get("content-type") || "";
    const data = body.includes("json") ? await response.json() : await response.text();
    if (!response.ok && response.status !== 207) {
      const detail = (data && data.detail) || (data && data.title) || response.status;
      throw new Error(detail);
    }
    return { data, response };
  }

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
      else node.setAttribute(name, value === true ? "" : String(value));
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  const SVG = "http://www.w3.org/2000/svg";
  function svg(tag, attrs, ...children) {
    const node = document.createElementNS(SVG, tag);
    for (const [name, value] of Object.entries(attrs || {})) node.setAttribute(name, String(value));
    for (const child of children.flat()) {
      if (child === null || child === undefined) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  /* A line chart of [time, value] points: an accessible <svg role="img"> with a title. */
  function lineChart(points, title, unit) {
    const w = 640, h = 200, pad = 36;
    const chart = svg("svg", { viewBox: `0 0 ${w} ${h}`, role: "img", width: "100%", class: "chart" });
    chart.append(svg("title", {}, title));
    const valid = points.filter((p) => typeof p[1] === "number");
    if (!valid.length) { chart.append(svg("text", { x: pad, y: h / 2 }, t("common.no_data"))); return chart; }
    const xs = valid.map((p) => new Date(p[0]).getTime()), ys = valid.map((p) => p[1]);
    const x0 = Math.min(...xs), x1 = Math.max(...xs) || x0 + 1;
    let y0 = Math.min(...ys), y1 = Math.max(...ys);
    if (y0 === y1) { y0 -= 1; y1 += 1; }
    const sx = (x) => pad + (w - 2 * pad) * (x1 === x0 ? 0.5 : (x - x0) / (x1 - x0));
    const sy = (y) => h - pad + (2 * pad - h) * (y - y0) / (y1 - y0);
    chart.append(svg("line", { x1: pad, y1: h - pad, x2: w - pad, y2: h - pad, stroke: "#9ca3af" }));
    chart.append(svg("text", { x: 2, y: sy(y1) + 4, "font-size": 11, fill: "#4b5563" }, num(y1)));
    chart.append(svg("text", { x: 2, y: sy(y0) + 4, "font-size": 11, fill: "#4b5563" }, num(y0)));
    chart.append(svg("text", { x: pad, y: h - 8, "font-size": 11, fill: "#4b5563" }, day(x0)));
    chart.append(svg("text", { x: w - pad, y: h - 8, "font-size": 11, fill: "#4b5563", "text-anchor": "end" }, day(x1)));
    const path = valid.map((p, i) => `${i ? "L" : "M"}${sx(new Date(p[0]).getTime()).toFixed(1)},${sy(p[1]).toFixed(1)}`).join("");
    chart.append(svg("path", { d: path, fill: "none", stroke: "#0f766e", "stroke-width": 2 }));
    if (unit) chart.append(svg("text", { x: w - pad, y: 14, "font-size": 11, fill: "#4b5563", "text-anchor": "end" }, unit));
    return chart;
  }

  function failed(where, error) {
    where.replaceChildren(el("p", { role: "alert", class: "unmet" }, t("common.error", { detail: error.message })));
  }

  /* Signing in with an API key: the server keeps it in an HttpOnly cookie (api/session.py),
     so this script never holds it after the form is sent, and links and downloads carry it. */
  async function session() {
    const box = document.getElementById("signin");
    if (!box) return;
    let state;
    try { state = (await api("/hub/v1/session")).data; } catch (e) { return; }
    if (state.mode === "open") return;
    box.hidden = false;
    const signed = state.who && state.who !== "anonymous";
    document.getElementById("signin-state").textContent = signed ? t("common.signed_in", { name: state.name || state.who }) : "";
    document.getElementById("signin-box").hidden = signed;
    const out = document.getElementById("signout");
    out.hidden = !signed;
    out.addEventListener("click", async () => {
      await api("/hub/v1/session", { method: "DELETE" });
      location.reload();
    });
    document.getElementById("signin-form").addEventListener("submit", async (event) => {
      event.preventDefault();
      const input = document.getElementById("signin-key");
      try {
        await api("/hub/v1/session", {
          method: "POST", headers: { "Content-Type": "application/json", Accept: "application/json" },
          body: JSON.stringify({ key: input.value }),
        });
        input.value = "";
        location.reload();
      } catch (e) {
        document.getElementById("signin-error").textContent = t("common.signin_failed", { detail: e.message });
      }
    });
  }
  document.addEventListener("DOMContentLoaded", session);

  window.ISANHUB = { boot, lang, locale, t, num, baht, day, time, api, el, svg, lineChart, failed };
})();
