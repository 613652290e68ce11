/* The overview page for planners: a province's data points on a tile-free SVG map (layer
   per dimension), its seven-dimension KPI scorecard with targets and 7-day change, and
   the pilot provinces compared. Everything comes from the public APIs: NGSI-LD entities
   and temporal KPI values, and /hub/v1/scorecard. */
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const H = window.ISANHUB;
  const { el, svg, t, num, baht, day, time, api, failed, lang } = H;
  const provinces = H.boot.provinces;
  const NGSI = "/ngsi-ld/v1";
  const DEFAULT = "khon-kaen";

  /* Thai PM2.5 bands (Pollution Control Department, 2023), 24-hour µg/m³ */
  const BANDS = [[15, "#3bccff"], [25, "#92d050"], [37.5, "#ffe14d"], [75, "#ff9b21"], [Infinity, "#e53935"]];
  const band = (v) => BANDS.findIndex(([top]) => v <= top);

  /* drawn bottom to top: the air-quality stations stay visible over the rest
     (address, for the district names, only where it is worth its bytes) */
  const LAYERS = [
    { key: "farms", types: "AgriFarm,AgriParcel", attrs: "areaRai,cropStatus" },
    { key: "lights", types: "Streetlight", attrs: "address,status" },
    { key: "shops", types: "Shop", attrs: "category" },
    { key: "parking", types: "OffStreetParking", attrs: "address,occupancy,availableSpotNumber,totalSpotNumber" },
    { key: "traffic", types: "TrafficFlowObserved", attrs: "address,averageVehicleSpeed,intensity,congested,dateObserved" },
    { key: "air", types: "AirQualityObserved", attrs: "address,pm25,dateObserved" },
  ];
  const FIRST = ["air", "parking", "traffic", "lights", "shops", "farms"];  // asked in this order
  const ORDER = ["air", "parking", "traffic", "lights", "farms", "shops"];  // in the legend
  const shown = Object.fromEntries(LAYERS.map((l) => [l.key, true]));

  const select = document.getElementById("ov-province");
  const mapBox = document.getElementById("ov-map");
  const layersBox = document.getElementById("ov-layers");
  const legendBox = document.getElementById("ov-legend");
  const scoreBox = document.getElementById("ov-score");
  const compareBox = document.getElementById("ov-compare");
  let token = 0;

  const unit = (u) => (H.boot.texts["overview.unit_" + u] !== undefined ? t("overview.unit_" + u) : u);
  const value = (v, u) => (u === "THB" ? baht(v) : num(v));
  const quote = (s) => '"' + String(s).replace(/"/g, "") + '"';

  /* The server answers one request at a time (SQLite): two in flight at most, so that
     each answers quickly instead of all of them waiting behind each other. */
  const waiting = [];
  let running = 0;
  function get(path) {
    return new Promise((resolve, reject) => {
      waiting.push(() => api(path).then(resolve, reject).finally(() => { running -= 1; next(); }));
      next();
    });
  }
  function next() {
    while (running < 2 && waiting.length) { running += 1; waiting.shift()(); }
  }

  function chosen() {
    const key = new URLSearchParams(location.search).get("province");
    return provinces.find((p) => p.key === key) || provinces.find((p) => p.key === DEFAULT) || provinces[0];
  }

  /* ---- the map ---- */

  async function layer(def, province) {
    const params = new URLSearchParams({
      type: def.types, options: "keyValues", lang, limit: "1000", count: "true",
      attrs: "location,name," + def.attrs,
      q: `address[addressRegion]==${quote(province.en)}`,
    });
    const { data } = await get(`${NGSI}/entities?${params}`);
    return data.filter((e) => e.location && Array.isArray(e.location.coordinates));
  }

  function label(e) {
    const n = e.name;
    if (typeof n === "string") return n;
    if (n && typeof n === "object") return n[lang] || n.en || n.th || e.id;
    return e.id;
  }

  function describe(key, e) {
    const name = label(e);
    if (key === "air") {
      const b = band(e.pm25);
      return t("overview.air_title", { name, value: num(e.pm25), band: b < 0 ? "–" : t("overview.band_" + b) });
    }
    if (key === "parking") {
      return t("overview.parking_title", {
        name, pct: num(100 * (e.occupancy || 0), 0), free: num(e.availableSpotNumber, 0), total: num(e.totalSpotNumber, 0),
      });
    }
    if (key === "traffic") {
      return t("overview.traffic_title", {
        name, speed: num(e.averageVehicleSpeed), flow: num(e.intensity, 0), jam: e.congested ? t("overview.traffic_jam") : "",
      });
    }
    if (key === "lights") {
      return t("overview.light_title", { name, status: t(e.status === "ok" ? "overview.light_ok" : "overview.light_broken") });
    }
    if (key === "farms") {
      if (e.type === "AgriFarm") return t("overview.farm_title", { name });
      const status = H.boot.texts["overview.crop_" + e.cropStatus] ? t("overview.crop_" + e.cropStatus) : (e.cropStatus || "–");
      return t("overview.parcel_title", { name, area: num(e.areaRai), status });
    }
    const category = H.boot.texts["overview.shop_" + e.category] ? t("overview.shop_" + e.category) : (e.category || "–");
    return t("overview.shop_title", { name, category });
  }

  /* one symbol per layer (shape and colour), s = one screen pixel in map units */
  function symbol(key, e, x, y, s) {
    const at = (d) => ({ transform: `translate(${x.toFixed(1)},${y.toFixed(1)}) scale(${s.toFixed(3)})`, d });
    if (key === "air") {
      const b = band(e.pm25);
      return svg("circle", { cx: x.toFixed(1), cy: y.toFixed(1), r: 7 * s, fill: b < 0 ? "#9ca3af" : BANDS[b][1], stroke: "#1f2937", "stroke-width": 1.2 * s });
    }
    if (key === "parking") {
      const busy = (e.occupancy || 0) > 0.85;
      return svg("path", Object.assign(at("M-6,-6h12v12h-12z"), { fill: busy ? "#1e3a8a" : "#60a5fa", stroke: "#1e3a8a", "stroke-width": 1.2 }));
    }
    if (key === "traffic") {
      return svg("path", Object.assign(at("M0,-7L7,6H-7z"), { fill: e.congested ? "#dc2626" : "#f97316", stroke: "#7c2d12", "stroke-width": 1.2 }));
    }
    if (key === "lights") {
      return svg("circle", { cx: x.toFixed(1), cy: y.toFixed(1), r: 2.6 * s, fill: e.status === "ok" ? "#a16207" : "#dc2626" });
    }
    if (key === "farms") {
      return e.type === "AgriFarm"
        ? svg("path", Object.assign(at("M0,-5L5,0L0,5L-5,0z"), { fill: "#15803d", stroke: "#14532d" }))
        : svg("path", Object.assign(at("M-2.5,-2.5h5v5h-5z"), { fill: "#86efac", stroke: "#15803d", "stroke-width": 0.8 }));
    }
    return svg("path", Object.assign(at("M-5,-1.5h3.5v-3.5h3v3.5h3.5v3h-3.5v3.5h-3v-3.5h-3.5z"), { fill: "#9333ea", stroke: "#4c1d95", "stroke-width": 0.6 }));
  }

  function swatch(key, e) {
    const icon = svg("svg", { viewBox: "-9 -9 18 18", width: 18, height: 18, "aria-hidden": "true", focusable: "false" });
    icon.append(symbol(key, e, 0, 0, 1));
    return icon;
  }

  function drawMap(province, results) {
    const all = Object.values(results).flat();
    const W = 1000;
    const s = W / Math.max(300, mapBox.clientWidth || 700);  // one screen pixel
    const title = t("overview.map_label", { province: province.name });
    if (!all.length) {
      mapBox.replaceChildren(el("p", { class: "muted" }, t("common.no_data")));
      return;
    }
    const lats = all.map((e) => e.location.coordinates[1]);
    const lons = all.map((e) => e.location.coordinates[0]);
    const lat0 = Math.min(...lats), lat1 = Math.max(...lats), lon0 = Math.min(...lons), lon1 = Math.max(...lons);
    const k = Math.cos(((lat0 + lat1) / 2) * Math.PI / 180);  // equirectangular: x shrinks with latitude
    const dx = Math.max((lon1 - lon0) * k, 0.01), dy = Math.max(lat1 - lat0, 0.01);
    const Hgt = Math.round(Math.min(Math.max(W * dy / dx, 560), 1100));
    const pad = 24 * s;
    const scale = Math.min((W - 2 * pad) / dx, (Hgt - 2 * pad) / dy);
    const ox = (W - dx * scale) / 2, oy = (Hgt - dy * scale) / 2;
    const px = (c) => [ox + (c[0] - lon0) * k * scale, Hgt - oy - (c[1] - lat0) * scale];

    const map = svg("svg", { viewBox: `0 0 ${W} ${Hgt}`, class: "ov-svg", role: "group", "aria-label": title });
    map.append(svg("title", {}, title));
    map.append(svg("rect", { x: 0, y: 0, width: W, height: Hgt, fill: "#f8fafc" }));

    /* districts: the centre of each district's points, labelled with its name */
    const districts = new Map();
    for (const e of all) {
      const a = e.address || {};
      const name = a.addressLocality;
      if (!name) continue;
      const d = districts.get(name) || { name, code: a.districtCode || "", xs: [], ys: [] };
      const [x, y] = px(e.location.coordinates);
      d.xs.push(x); d.ys.push(y);
      districts.set(name, d);
    }
    const list = [...districts.values()].sort((a, b) => String(a.code).localeCompare(String(b.code)));
    const seat = list.length ? list[0].name : null;
    const labels = svg("g", { class: "ov-districts" });
    const placed = [];
    const fs = 12 * s;
    for (const d of list) {
      const x = d.xs.reduce((a, b) => a + b, 0) / d.xs.length, y = d.ys.reduce((a, b) => a + b, 0) / d.ys.length;
      const text = (d.name === seat ? "★ " : "") + d.name;
      const w = text.length * fs * 0.55, box = [x - w / 2, y - fs, x + w / 2, y + 2];
      if (d.name !== seat && placed.some((p) => box[0] < p[2] && box[2] > p[0] && box[1] < p[3] && box[3] > p[1])) continue;
      placed.push(box);
      labels.append(svg("text", {
        x: x.toFixed(1), y: (y - 2 * s).toFixed(1), "text-anchor": "middle", "font-size": (d.name === seat ? 14 : 12) * s,
        class: d.name === seat ? "ov-seat" : "ov-district", "data-district": d.code,
      }, text));
    }

    for (const def of LAYERS) {
      const g = svg("g", { "data-layer": def.key, class: "ov-layer" });
      if (!shown[def.key]) g.setAttribute("display", "none");
      for (const e of results[def.key] || []) {
        const [x, y] = px(e.location.coordinates);
        const point = symbol(def.key, e, x, y, s);
        point.setAttribute("class", "ov-pt");
        point.setAttribute("data-id", e.id);
        point.append(svg("title", {}, describe(def.key, e)));
        g.append(point);
      }
      map.append(g);
    }
    map.append(labels);  // names above the points, readable
    mapBox.replaceChildren(map);
  }

  function drawControls(results) {
    /* a refresh rebuilds the toggles: the one the keyboard was on keeps the focus */
    const focused = layersBox.contains(document.activeElement) ? document.activeElement.getAttribute("data-layer") : null;
    layersBox.replaceChildren(...ORDER.map((key) => {
      const id = "ov-layer-" + key;
      const sample = (results[key] || [])[0] || { pm25: 20, occupancy: 0.5, status: "ok", type: key === "farms" ? "AgriFarm" : "" };
      return el("div", { class: "ov-toggle" },
        el("input", {
          type: "checkbox", id, checked: shown[key], "data-layer": key,
          onchange: (ev) => {
            shown[key] = ev.target.checked;
            const g = mapBox.querySelector(`g[data-layer="${key}"]`);
            if (g) { if (shown[key]) g.removeAttribute("display"); else g.setAttribute("display", "none"); }
          },
        }),
        el("label", { for: id }, swatch(key, sample), " ", t("overview.layer_" + key), " ",
          el("span", { class: "muted" }, t("overview.count", { n: num((results[key] || []).length, 0) }))));
    }));
    if (focused) layersBox.querySelector(`input[data-layer="${focused}"]`)?.focus();
    const latest = (results.air || []).map((e) => e.dateObserved && (e.dateObserved["@value"] || e.dateObserved))
      .filter((v) => typeof v === "string").sort().pop();
    legendBox.replaceChildren(
      el("p", { class: "ov-legend-h" }, t("overview.bands")),
      el("ul", { class: "ov-keys" }, BANDS.map((b, i) => {
        const n = (results.air || []).filter((e) => band(e.pm25) === i).length;
        return el("li", {}, swatch("air", { pm25: b[0] === Infinity ? 100 : b[0] }), " ", t("overview.band_" + i), " ",
          el("span", { class: "muted" }, t("overview.count", { n: num(n, 0) })));
      })),
      el("ul", { class: "ov-keys" },
        el("li", {}, swatch("parking", { occupancy: 0.9 }), " ", t("overview.parking_busy")),
        el("li", {}, swatch("traffic", { congested: true }), " ", t("overview.traffic_slow")),
        el("li", {}, swatch("lights", { status: "broken" }), " ", t("overview.lights_broken")),
        el("li", {}, swatch("farms", { type: "AgriParcel" }), " ", t("overview.layer_farms")),
        el("li", {}, el("span", { class: "ov-seat-key", "aria-hidden": "true" }, "Aa"), " ", t("overview.district_label")),
        el("li", {}, t("overview.district_seat"))),
      latest ? el("p", { class: "muted" }, t("overview.latest", { time: time(latest) })) : null);
  }

  async function loadMap(province, mine, quiet = false) {
    if (!quiet) mapBox.setAttribute("aria-busy", "true");
    const lists = await Promise.all(FIRST.map((key) => layer(LAYERS.find((l) => l.key === key), province)));
    if (mine !== token) return;
    const results = Object.fromEntries(FIRST.map((key, i) => [key, lists[i]]));
    drawMap(province, results);
    drawControls(results);
    mapBox.removeAttribute("aria-busy");
    mapBox.setAttribute("data-loaded", new Date().toISOString());
  }

  /* The map reads its layers again every minute (?refresh=SECONDS, at least 2) while the
     page is shown, quietly: the old map stays until the new one is drawn, and stays if
     the server cannot be reached. */
  const EVERY = Math.max(2, Number(new URLSearchParams(location.search).get("refresh")) || 60);
  let current = null;
  let refreshing = false;
  setInterval(() => {
    if (!current || refreshing || document.visibilityState !== "visible") return;
    refreshing = true;
    loadMap(current, token, true).catch(() => {}).finally(() => { refreshing = false; });
  }, EVERY * 1000);

  /* ---- the scorecard ---- */

  function sparkline(points, kpi) {
    if (points.length < 2) return null;
    const w = 140, h = 30, p = 3;
    const ys = points.map((v) => v[0]);
    let y0 = Math.min(...ys), y1 = Math.max(...ys);
    if (y0 === y1) { y0 -= 1; y1 += 1; }
    const sx = (i) => p + (w - 2 * p) * i / (points.length - 1);
    const sy = (v) => h - p - (h - 2 * p) * (v - y0) / (y1 - y0);
    const line = svg("svg", { viewBox: `0 0 ${w} ${h}`, width: w, height: h, role: "img", class: "ov-spark" });
    line.append(svg("title", {}, t("overview.trend", { kpi: kpi.name, n: points.length, value: value(kpi.value, kpi.unit) })));
    line.append(svg("path", { d: points.map((v, i) => `${i ? "L" : "M"}${sx(i).toFixed(1)},${sy(v[0]).toFixed(1)}`).join(""), fill: "none", stroke: "#0f766e", "stroke-width": 1.8 }));
    const last = points.length - 1;
    line.append(svg("circle", { cx: sx(last), cy: sy(points[last][0]), r: 2.5, fill: "#0f766e" }));
    return line;
  }

  function kpiItem(kpi, series) {
    const u = unit(kpi.unit);
    const shownUnit = kpi.unit === "THB" ? "" : u;
    let target;
    if (kpi.target === null || kpi.target === undefined) {
      target = el("p", { class: "ov-target muted" }, t("overview.no_target"), " · ", t("overview.better_" + kpi.better));
    } else {
      target = el("p", { class: "ov-target" },
        t(kpi.better === "lower" ? "overview.target_lower" : "overview.target_higher", { value: value(kpi.target, kpi.unit), unit: shownUnit }),
        " · ", el("span", { class: kpi.meetsTarget ? "met" : "unmet" }, t(kpi.meetsTarget ? "overview.met" : "overview.unmet")));
    }
    let change;
    if (kpi.change === null || kpi.change === undefined) {
      change = el("p", { class: "ov-change muted" }, t("overview.no_change"));
    } else {
      const c = kpi.change;
      const good = c === 0 ? null : (c < 0) === (kpi.better === "lower");
      const direction = c === 0 ? "overview.steady" : good ? "overview.improved" : "overview.worsened";
      const sign = c > 0 ? "+" : c < 0 ? "−" : "±";
      change = el("p", { class: "ov-change " + (good === null ? "" : good ? "ov-good" : "ov-bad") },
        t("overview.change", {
          arrow: c > 0 ? "▲" : c < 0 ? "▼" : "■",
          change: `${sign}${value(Math.abs(c), kpi.unit)} ${shownUnit}`.trim(),
          direction: t(direction),
        }));
    }
    const state = kpi.meetsTarget === true ? "ov-ok" : kpi.meetsTarget === false ? "ov-ko" : "";
    return el("li", { class: "ov-kpi " + state, "data-kpi": kpi.key },
      el("p", { class: "ov-kpi-name" }, kpi.name),
      el("p", { class: "ov-reading" }, el("span", { class: "ov-value" }, value(kpi.value, kpi.unit)), " ",
        el("span", { class: "ov-unit" }, shownUnit)),
      target, change, sparkline(series || [], kpi));
  }

  async function loadScore(province, mine) {
    scoreBox.setAttribute("aria-busy", "true");
    const trendParams = new URLSearchParams({
      type: "KeyPerformanceIndicator", attrs: "kpiValue", options: "temporalValues", lastN: "30", limit: "100",
      q: `address[addressRegion]==${quote(province.en)}`,
    });
    const [{ data }, trend] = await Promise.all([
      get(`/hub/v1/scorecard?province=${encodeURIComponent(province.key)}&lang=${lang}`),
      get(`${NGSI}/temporal/entities?${trendParams}`).then((r) => r.data).catch(() => []),
    ]);
    if (mine !== token) return;
    const series = {};
    for (const e of trend || []) {
      const v = e.kpiValue && e.kpiValue.values;
      if (Array.isArray(v)) series[e.id] = v.filter((p) => typeof p[0] === "number").sort((a, b) => (a[1] < b[1] ? -1 : 1));
    }
    const card = data.provinces[0];
    document.getElementById("ov-score-h").textContent = t("overview.scorecard_heading", { province: card ? card.name : province.name });
    if (!card) { scoreBox.replaceChildren(el("p", { class: "muted" }, t("common.no_data"))); return; }
    const at = Object.values(card.dimensions).flat().map((k) => k.observedAt).filter(Boolean).sort().pop();
    scoreBox.replaceChildren(
      at ? el("p", { class: "muted" }, t("overview.scorecard_note", { day: day(at) })) : null,
      el("div", { class: "grid ov-dims" }, data.dimensions.map((dim) => {
        const kpis = card.dimensions[dim] || [];
        return el("section", { class: "card ov-dim", "data-dimension": dim, "aria-labelledby": "ov-dim-" + dim },
          el("h3", { id: "ov-dim-" + dim }, t("overview.dim_" + dim)),
          kpis.length
            ? el("ul", { class: "ov-kpis" }, kpis.map((k) => kpiItem(k, series[k.id])))
            : el("p", { class: "muted" }, t("overview.dim_empty")));
      })));
    scoreBox.removeAttribute("aria-busy");
  }

  /* ---- the comparison ---- */

  async function loadCompare() {
    const { data } = await get(`/hub/v1/scorecard?lang=${lang}`);
    const cols = data.provinces;
    const here = chosen().key;
    const rows = [];
    for (const dim of data.dimensions) {
      const keys = [];
      const info = {};
      for (const p of cols) for (const k of p.dimensions[dim] || []) {
        if (!info[k.key]) { keys.push(k.key); info[k.key] = k; }
      }
      rows.push(el("tr", { class: "ov-dimrow" }, el("th", { colspan: cols.length + 1, scope: "colgroup" }, t("overview.dim_" + dim))));
      if (!keys.length) {
        rows.push(el("tr", {}, el("td", { colspan: cols.length + 1, class: "muted" }, t("overview.dim_empty"))));
        continue;
      }
      for (const key of keys) {
        const kpi = info[key];
        const values = cols.map((p) => {
          const found = (p.dimensions[dim] || []).find((k) => k.key === key);
          return found ? found.value : null;
        });
        const present = values.filter((v) => typeof v === "number");
        const best = present.length > 1 ? (kpi.better === "lower" ? Math.min(...present) : Math.max(...present)) : null;
        rows.push(el("tr", { "data-kpi": key },
          el("th", { scope: "row" }, kpi.name, " ", el("span", { class: "muted ov-u" }, kpi.unit === "THB" ? unit("THB") : unit(kpi.unit)),
            el("span", { class: "ov-dir muted" }, " · " + t("overview.better_" + kpi.better))),
          values.map((v, i) => {
            const isBest = best !== null && v === best;
            return el("td", { class: "num" + (isBest ? " ov-best" : "") + (cols[i].key === here ? " ov-here" : ""), "data-province": cols[i].key },
              isBest ? el("span", { "aria-hidden": "true" }, "★ ") : null,
              typeof v === "number" ? value(v, kpi.unit) : "–",
              isBest ? el("span", { class: "ov-sr" }, " " + t("overview.best_sr")) : null);
          })));
      }
    }
    compareBox.replaceChildren(el("div", { class: "scroll ov-compare", tabindex: "0", role: "region", "aria-labelledby": "ov-compare-h" },
      el("table", {},
        el("caption", {}, t("overview.compare_caption")),
        el("thead", {}, el("tr", {}, el("th", { scope: "col" }, t("overview.kpi")),
          cols.map((p) => el("th", { scope: "col", class: "num" + (p.key === here ? " ov-here" : ""), "data-province": p.key }, p.name)))),
        el("tbody", {}, rows))));
  }

  /* ---- the province ---- */

  function show(province) {
    const mine = ++token;
    current = province;
    select.value = province.key;
    document.getElementById("ov-map-h").textContent = t("overview.map_heading", { province: province.name });
    const other = document.querySelector("a.lang");
    if (other) {
      const url = new URL(other.href, location.href);
      url.searchParams.set("province", province.key);
      other.href = url.search;
    }
    for (const cell of compareBox.querySelectorAll("[data-province]")) {
      cell.classList.toggle("ov-here", cell.getAttribute("data-province") === province.key);
    }
    loadScore(province, mine).catch((e) => failed(scoreBox, e));
    loadMap(province, mine).catch((e) => failed(mapBox, e));
  }

  select.addEventListener("change", () => {
    const province = provinces.find((p) => p.key === select.value) || chosen();
    const url = new URL(location.href);
    url.searchParams.set("province", province.key);
    history.replaceState(null, "", url);
    show(province);
  });

  show(chosen());
  loadCompare().catch((e) => failed(compareBox, e));
});
