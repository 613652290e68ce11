/* The farmers page, part two: the filters, loading, and the sections about the market
   and the weather (alerts, prices, outlook, rain). Everything comes from the farmer
   insight API, /hub/v1/agri/{insight}: nine small requests in parallel, each card
   drawn when its answer arrives, so a slow or failing insight never blanks the page.
   farmers-fields.js (loaded first) draws the other cards. */
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const { el, svg, t, num, api, failed, lang } = window.ISANHUB;
  const F = window.FARMERS;
  const { date, name, has, district, td, empty, table, hbar } = F;
  const form = document.getElementById("farmers-form");
  const province = document.getElementById("province");
  const districtSelect = document.getElementById("district");
  const crop = document.getElementById("crop");
  const asOf = document.getElementById("as-of");
  const body = (id) => document.querySelector(`#${id} .body`);
  const INSIGHTS = ["alerts", "prices", "outlook", "rain", "parcels", "harvest", "drones", "plan", "production"];

  /* the filters: ?province=&district=&crop= first, then the province this browser remembers */
  const params = new URLSearchParams(location.search);
  const wanted = params.get("province") || localStorage.getItem("isanhub.province");
  if (wanted && Array.from(province.options).some((o) => o.value === wanted)) province.value = wanted;
  if (params.get("district")) districtSelect.append(el("option", { value: params.get("district") }, params.get("district")));
  districtSelect.value = params.get("district") || "";
  if (Array.from(crop.options).some((o) => o.value === params.get("crop"))) crop.value = params.get("crop");
  form.addEventListener("submit", (e) => e.preventDefault());
  form.addEventListener("change", (e) => {
    if (e.target === province) { localStorage.setItem("isanhub.province", province.value); districtSelect.value = ""; }
    const url = new URL(location.href);
    for (const [key, value] of [["province", province.value], ["district", districtSelect.value], ["crop", crop.value]]) {
      if (value) url.searchParams.set(key, value); else url.searchParams.delete(key);
    }
    history.replaceState(null, "", url);
    load();
  });

  /* the district choices come from the answers of the whole province */
  function districts(answers) {
    if (districtSelect.value) return;
    const seen = new Set();
    for (const a of answers) for (const d of (a && a.districts) || []) if (d.district) seen.add(d.district);
    districtSelect.replaceChildren(districtSelect.options[0],
      ...Array.from(seen).sort().map((d) => el("option", { value: d }, d)));
  }

  let generation = 0;
  function load() {
    const mine = ++generation;
    const q = new URLSearchParams({ province: province.selectedOptions[0].dataset.en });
    if (districtSelect.value) q.set("district", districtSelect.value);
    if (crop.value) q.set("crop", crop.value);
    const asked = Object.fromEntries(INSIGHTS.map((i) => [i, api(`/hub/v1/agri/${i}?${q}`).then((r) => r.data)]));
    const sections = [
      ["alerts", [asked.alerts], alerts], ["prices", [asked.prices], prices], ["outlook", [asked.outlook], outlook],
      ["rain", [asked.rain], rain], ["fields", [asked.parcels, asked.harvest], F.fields],
      ["drones", [asked.drones, asked.plan], F.drones], ["production", [asked.production], F.production],
    ];
    asOf.textContent = "";
    for (const [id, answers, draw] of sections) {
      const where = body(id);
      where.parentElement.setAttribute("aria-busy", "true");
      where.replaceChildren(el("p", { class: "muted" }, t("common.loading")));
      Promise.all(answers).then((data) => {
        if (mine === generation) where.replaceChildren(...[draw(...data)].flat().filter(Boolean));
      }).catch((error) => {
        if (mine === generation) failed(where, error);
      }).finally(() => where.parentElement.removeAttribute("aria-busy"));
    }
    Promise.allSettled(Object.values(asked)).then((all) => {
      if (mine !== generation) return;
      const ok = all.filter((r) => r.status === "fulfilled").map((r) => r.value);
      if (ok.length) asOf.textContent = t("farmers.as_of", { at: F.when(ok[0].takenAt) });
      districts(ok);
    });
  }

  const LEVEL = { watch: "watch", warning: "warning" };
  /* the rule's figures in words; the rule itself is the locale's copy of alerts.RULES */
  function figures(a) {
    const f = a.figures || {};
    const keys = {
      heavyRain24h: ["fig_rain24h", { mm: num(f.rain24hMm, 1) }], veryHeavyRain24h: ["fig_rain24h", { mm: num(f.rain24hMm, 1) }],
      wetWeek: ["fig_rain7d", { mm: num(f.rain7dMm, 1), normal: num(f.normalMm, 1) }],
      riverAlert: ["fig_river", { river: f.river || "–", level: num(f.levelM, 2), alert: num(f.alertM, 2), danger: num(f.dangerM, 2) }],
      riverDanger: ["fig_river", { river: f.river || "–", level: num(f.levelM, 2), alert: num(f.alertM, 2), danger: num(f.dangerM, 2) }],
      dryMonth: ["fig_rain30d", { mm: num(f.rain30dMm, 1), normal: num(f.normalMm, 1), share: num((f.share || 0) * 100, 0) }],
      veryDryMonth: ["fig_rain30d", { mm: num(f.rain30dMm, 1), normal: num(f.normalMm, 1), share: num((f.share || 0) * 100, 0) }],
      drySpell: ["fig_spell", { days: num(f.daysSinceRain, 0), day: date(f.lastRainyDay) }],
      longDrySpell: ["fig_spell", { days: num(f.daysSinceRain, 0), day: date(f.lastRainyDay) }],
    }[a.code];
    return keys ? t("farmers." + keys[0], keys[1]) : "";
  }

  function alerts(d) {
    const level = (l) => el("span", { class: "level " + (LEVEL[l] || "none") }, t("farmers.level_" + (LEVEL[l] || "none")));
    const out = [el("p", { class: "big-line" }, t("farmers.alerts_now", { season: t("farmers.season_" + d.season) }), " ", level(d.level))];
    if (d.alerts.length) {
      out.push(el("ul", { class: "alerts" }, d.alerts.map((a) => el("li", { class: "alert " + (LEVEL[a.level] || ""), "data-code": a.code },
        el("p", {}, level(a.level), " ", el("strong", {}, t("farmers.kind_" + a.kind)), " · ", district(a.district)),
        el("p", {}, figures(a)),
        el("p", { class: "rule" }, t("farmers.rule_is"), " ", has("rule_" + a.code) ? t("farmers.rule_" + a.code) : a.rule)))));
    } else out.push(empty(t("farmers.no_alerts")));
    if (d.districts.length) {
      out.push(table([[t("farmers.district")], [t("farmers.kind_flood")], [t("farmers.kind_drought")]],
        d.districts.map((x) => el("tr", { "data-district": x.district || "" }, el("th", { scope: "row" }, district(x.district)),
          el("td", {}, level(x.flood)), el("td", {}, level(x.drought)))), { id: "alert-districts" }, t("farmers.per_district")));
    }
    return out;
  }

  /* prices: one tile per commodity, farm-gate first, with wholesale and the spread */
  function prices(d) {
    if (!d.series.length) return empty(t("farmers.no_prices"));
    const spreads = Object.fromEntries(d.spreads.map((s) => [s.farmGate.id, s]));
    const paired = new Set(d.spreads.map((s) => s.wholesale.id));
    const tiles = d.series.filter((s) => s.priceType === "farmGate" || !paired.has(s.id)).map((s) => {
      const sp = spreads[s.id];
      const label = sp ? name(sp) : name(s);
      const yoy = s.yoyPct;
      return el("figure", { class: "tile price-tile", "data-id": s.id },
        el("figcaption", {}, el("strong", {}, label), " ",
          el("span", { class: "badge " + s.priceType }, has("type_" + s.priceType) ? t("farmers.type_" + s.priceType) : s.priceType),
          el("small", { class: "muted block" }, [s.market, s.grade].filter(Boolean).join(" · "))),
        el("p", { class: "price-now" }, el("span", { class: "price" }, num(s.latest.price, 2)), " ", t("farmers.thb_kg"),
          el("small", { class: "muted block" }, date(s.latest.date))),
        el("p", { class: "yoy " + (yoy > 0 ? "up" : yoy < 0 ? "down" : "") },
          yoy === null || yoy === undefined ? t("farmers.no_last_year")
            : t("farmers.vs_last_year", { pct: (yoy > 0 ? "+" : "") + num(yoy, 1), price: num(s.lastYear.price, 2) })),
        sp ? el("p", { class: "spread" }, t("farmers.spread", { wholesale: num(sp.latest.wholesale, 2), thb: num(sp.latest.thb, 2),
          pct: num(sp.latest.pct, 1), mean: num(sp.mean365d.pct, 1) })) : null,
        trendChart(s.weekly.map((w) => [w.weekStart, w.price]), [], t("farmers.price_chart", { name: label })));
    });
    return [el("div", { class: "tiles" }, tiles), el("p", { class: "muted" }, t("farmers.prices_note"))];
  }

  /* a price chart: recent weeks (solid), and when given the shown forecast (dashed)
     with its 80 % band; a narrower drawing than common.js's lineChart, so that its
     labels stay readable in a tile on a phone */
  function trendChart(hist, fc, title) {
    const w = 400, h = 170, pad = 34;
    const chart = svg("svg", { viewBox: `0 0 ${w} ${h}`, role: "img", width: "100%", class: "chart" });
    chart.append(svg("title", {}, title));
    const at = (v) => new Date(v).getTime();
    const past = hist.filter((x) => typeof x[1] === "number").map((x) => [at(x[0]), x[1]]);
    const next = fc.map((x) => [at(x.weekEnd), x.price, x.low, x.high]);
    const xs = past.concat(next).map((p) => p[0]);
    const ys = past.map((p) => p[1]).concat(next.flatMap((p) => [p[1], p[2], p[3]]));
    if (!xs.length) return chart;
    const x0 = Math.min(...xs), x1 = Math.max(...xs);
    let y0 = Math.min(...ys), y1 = Math.max(...ys);
    if (y0 === y1) { y0 -= 1; y1 += 1; }
    const sx = (x) => pad + (w - 2 * pad) * (x1 === x0 ? 0.5 : (x - x0) / (x1 - x0));
    const sy = (y) => h - pad + (2 * pad - h) * (y - y0) / (y1 - y0);
    const line = (pts) => pts.map((p, i) => `${i ? "L" : "M"}${sx(p[0]).toFixed(1)},${sy(p[1]).toFixed(1)}`).join("");
    const label = (x, y, text, anchor) => svg("text", { x, y, "font-size": 13, fill: "#4b5563", "text-anchor": anchor || "start" }, text);
    const iso = (x) => new Date(x).toISOString().slice(0, 10);
    chart.append(svg("line", { x1: pad, y1: h - pad, x2: w - pad, y2: h - pad, stroke: "#9ca3af" }),
      label(2, sy(y1) + 4, num(y1, 2)), label(2, sy(y0) + 4, num(y0, 2)),
      label(pad, h - 8, date(iso(x0))), label(w - pad, h - 8, date(iso(x1)), "end"));
    if (next.length) {
      const band = next.map((p) => [p[0], p[3]]).concat(next.slice().reverse().map((p) => [p[0], p[2]]));
      chart.append(svg("path", { d: line(band) + "Z", class: "band" }));
      chart.append(svg("path", { d: line(past.slice(-1).concat(next)), fill: "none", class: "fc" }));
    }
    if (past.length) chart.append(svg("path", { d: line(past), fill: "none", class: "hist" }));
    return chart;
  }

  function outlook(d) {
    if (!d.series.length) return empty(t("farmers.no_outlook"));
    const method = (m) => (has("method_" + String(m).replace(/-/g, "_")) ? t("farmers.method_" + m.replace(/-/g, "_")) : m);
    const figs = d.series.map((s) => {
      const label = name(s);
      if (!s.forecast || !s.forecast.length) {
        return el("figure", { class: "tile outlook-tile", "data-id": s.id }, el("figcaption", {}, el("strong", {}, label)),
          empty(lang === "th" ? s.reason_th || t("farmers.no_outlook") : s.reason || t("farmers.no_outlook")));
      }
      const last = s.forecast[s.forecast.length - 1], b = s.backtest || {};
      const trust = b.mapeModel === null || b.mapeModel === undefined
        ? el("p", { class: "note-warn" }, t("farmers.backtest_none", { method: method(s.method) }))
        : el("p", { class: "backtest" }, t("farmers.backtest", { model: num(b.mapeModel, 1), naive: num(b.mapeNaive, 1), origins: num(b.origins, 0) }));
      const shown = s.shown === "naive"
        ? el("p", { class: "note-warn naive" }, t("farmers.shown_naive", { model: method(s.model), method: method(s.method) }))
        : el("p", { class: "muted" }, t("farmers.shown_model", { method: method(s.method) }));
      return el("figure", { class: "tile outlook-tile", "data-id": s.id, "data-shown": s.shown },
        trendChart(s.history.map((x) => [x.weekEnd, x.price]), s.forecast, t("farmers.outlook_chart", { name: label })),
        el("figcaption", {}, el("strong", {}, label),
          el("p", { class: "forecast-line" }, t("farmers.forecast_line", { weeks: s.forecast.length, day: date(last.weekEnd),
            price: num(last.price, 2), low: num(last.low, 2), high: num(last.high, 2) })), trust, shown));
    });
    return [el("p", { class: "legend muted" }, el("span", { class: "key hist" }), t("farmers.history"), " ",
      el("span", { class: "key fc" }), t("farmers.forecast"), " ", el("span", { class: "key band" }), t("farmers.band")),
    el("div", { class: "tiles" }, figs)];
  }

  /* rain per station: each window against its normal, days since rain, the forecast */
  function rain(d) {
    if (!d.stations.length) return empty(t("farmers.no_rain"));
    const cat = (c) => (c ? el("span", { class: "cat " + c }, t("farmers.cat_" + c)) : null);
    const tiles = d.stations.map((s) => {
      const rows = ["24h", "7d", "30d"].map((k) => {
        const r = s.rain[k];
        const max = Math.max(r.rainMm || 0, r.normalMm || 0);
        return el("tr", { "data-window": k }, el("th", { scope: "row" }, t("farmers.win_" + k)),
          el("td", { class: "num barcell" }, hbar(r.rainMm, max, "rain", r.normalMm), " ", num(r.rainMm, 1)),
          td(num(r.normalMm, 1), "num"), el("td", {}, cat(r.category)));
      });
      const o = s.outlook;
      const days = o && o.daily.length ? el("ol", { class: "days", "aria-label": t("farmers.forecast_7d") }, o.daily.map((x) =>
        el("li", { class: x.probability >= d.likelyProbability ? "likely" : null },
          el("span", {}, date(x.date).split(" ").slice(0, 2).join(" ")), el("strong", {}, num(x.rainMm, 1)),
          el("small", {}, `${num((x.probability || 0) * 100, 0)}%`)))) : null;
      return el("figure", { class: "tile rain-tile", "data-id": s.id, "data-district": s.district || "" },
        el("figcaption", {}, el("strong", {}, district(s.district))),
        el("table", { class: "rain" }, el("thead", {}, el("tr", {}, el("th", { scope: "col" }, t("farmers.window")),
          el("th", { scope: "col", class: "num" }, t("farmers.rain_mm")), el("th", { scope: "col", class: "num" }, t("farmers.normal_mm")),
          el("th", { scope: "col" }, t("farmers.category")))), el("tbody", {}, rows)),
        el("p", { class: "since" }, s.daysSinceRain === null || s.daysSinceRain === undefined ? t("farmers.no_rain_day")
          : t("farmers.days_since", { days: num(s.daysSinceRain, 0), day: date(s.lastRainyDay) })),
        o ? el("p", {}, t("farmers.outlook_rain", { days: o.days, mm: num(o.rainMm, 1), likely: num(o.likelyRainDays.length, 0) })) : null,
        days);
    });
    return [el("div", { class: "tiles" }, tiles), el("p", { class: "muted" }, t("farmers.rain_note", { mm: num(d.rainyDayMm, 1) }))];
  }

  load();
});
