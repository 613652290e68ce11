/* The farmers page: what the store has now for the chosen province: crop prices (the
   latest value and a small history chart per crop), the latest weather per agro-weather
   station, and the parcels by crop and stage. Outlooks and drone planning come later. */
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const { el, t, num, day, time, api, lineChart, failed, lang } = window.ISANHUB;
  const root = document.getElementById("farmers");
  const select = document.getElementById("province");
  const STAGES = ["seeded", "justBorn", "growing", "maturing", "readyForHarvesting", "fallow"];
  const NGSI = "/ngsi-ld/v1";
  const query = (path, params) => `${NGSI}${path}?${new URLSearchParams(params)}`;
  const inProvince = (en) => `address[addressRegion]==${JSON.stringify(en)}`;

  const params = new URLSearchParams(location.search);
  const wanted = params.get("province") || localStorage.getItem("isanhub.province");
  if (wanted && Array.from(select.options).some((o) => o.value === wanted)) select.value = wanted;
  select.addEventListener("change", () => {
    localStorage.setItem("isanhub.province", select.value);
    const url = new URL(location.href);
    url.searchParams.set("province", select.value);
    history.replaceState(null, "", url);
    load();
  });

  const card = (id, title, ...body) => el("section", { class: "card", id, "aria-labelledby": id + "-h" },
    el("h2", { id: id + "-h" }, title), ...body);
  const head = (cols) => el("thead", {}, el("tr", {}, cols.map(([text, cls]) => el("th", { scope: "col", class: cls || null }, text))));

  async function load() {
    const option = select.selectedOptions[0];
    const en = option.dataset.en, name = option.textContent;
    root.setAttribute("aria-busy", "true");
    try {
      const region = inProvince(en);
      const [gate, wholesale, weather, parcels, crops, farms, details] = await Promise.all([
        api(query("/temporal/entities", { type: "CropPrice", q: region, attrs: "price", format: "temporalValues", lastN: 60 })),
        api(query("/temporal/entities", { type: "CropPrice", q: 'priceType=="wholesale"', attrs: "price", format: "temporalValues", lastN: 60 })),
        api(query("/entities", { type: "WeatherObserved", q: region, format: "simplified", lang, limit: 100 })),
        api(query("/entities", { type: "AgriParcel", q: region, format: "simplified", pick: "id,cropStatus,hasAgriCrop,areaRai", limit: 1000 })),
        api(query("/entities", { type: "AgriCrop", format: "simplified", pick: "id,name", lang, limit: 1000 })),
        api(query("/entities", { type: "AgriFarm", q: region, count: "true", limit: 0 })),
        api(query("/entities", { type: "CropPrice", format: "simplified", lang, pick: "id,name,grade", limit: 1000 })),
      ]);
      const info = Object.fromEntries(details.data.map((e) => [e.id, e]));
      const cropNames = Object.fromEntries(crops.data.map((c) => [c.id, c.name]));
      root.replaceChildren(
        card("prices", t("farmers.prices"),
          priceTable("gate", t("farmers.prices_gate", { province: name }), gate.data, info),
          wholesale.data.length ? priceTable("wholesale", t("farmers.prices_wholesale"), wholesale.data, info) : null),
        el("div", { class: "grid" },
          weatherCard(weather.data),
          parcelCard(parcels.data, cropNames, Number(farms.response.headers.get("NGSILD-Results-Count") || 0))));
    } catch (error) {
      failed(root, error);
    } finally {
      root.removeAttribute("aria-busy");
    }
  }

  /* the shared chart, small enough for a table cell */
  function spark(chart) {
    chart.setAttribute("width", "240");
    chart.setAttribute("height", "75");
    return chart;
  }

  function priceTable(kind, caption, entities, info) {
    if (!entities.length) return el("p", { class: "muted", "data-kind": kind }, t("farmers.no_prices"));
    const rows = entities.map((e) => {
      const values = ((e.price && e.price.values) || []).filter((v) => typeof v[0] === "number")
        .sort((a, b) => (a[1] < b[1] ? -1 : 1));
      const last = values[values.length - 1], first = values[0];
      const meta = info[e.id] || {};
      const label = meta.name || e.id;
      const change = last && first && first[0] ? (last[0] - first[0]) / first[0] : null;
      return el("tr", { "data-id": e.id },
        el("th", { scope: "row", style: "background:transparent" }, label, meta.grade ? el("small", { class: "muted", style: "display:block" }, meta.grade) : null),
        el("td", { class: "num price" }, last ? num(last[0], 2) : "–"),
        el("td", { class: "num" }, change === null ? "–" : `${change > 0 ? "+" : ""}${num(change * 100, 1)}%`,
          first ? el("small", { class: "muted", style: "display:block" }, t("farmers.since", { day: day(first[1]) })) : null),
        el("td", {}, last ? day(last[1]) : "–"),
        el("td", { class: "spark" }, spark(lineChart(values.map((v) => [v[1], v[0]]), t("farmers.price_chart", { name: label }), "฿/kg"))));
    });
    return el("div", { class: "scroll" }, el("table", { "data-kind": kind, class: "prices" },
      el("caption", { style: "text-align:left;font-weight:700;padding:.3rem 0" }, caption),
      head([[t("farmers.crop")], [t("farmers.price"), "num"], [t("farmers.change"), "num"], [t("farmers.date")], [t("farmers.trend")]]),
      el("tbody", {}, rows)));
  }

  function weatherCard(stations) {
    if (!stations.length) return card("weather", t("farmers.weather"), el("p", { class: "muted" }, t("farmers.no_weather")));
    const at = (s) => (s.dateObserved && s.dateObserved["@value"]) || s.dateObserved;
    const rows = stations.map((s) => el("tr", { "data-id": s.id },
      el("th", { scope: "row", style: "background:transparent" }, s.name || s.id),
      el("td", {}, at(s) ? time(at(s)) : "–"),
      el("td", { class: "num" }, num(s.temperature, 1)),
      el("td", { class: "num" }, typeof s.relativeHumidity === "number" ? num(s.relativeHumidity * 100, 0) : "–"),
      el("td", { class: "num" }, num(s.precipitation, 1)),
      el("td", { class: "num" }, num(s.windSpeed, 1))));
    return card("weather", t("farmers.weather"), el("div", { class: "scroll" }, el("table", {},
      head([[t("farmers.station")], [t("farmers.observed")], [t("farmers.temperature"), "num"], [t("farmers.humidity"), "num"],
        [t("farmers.rain"), "num"], [t("farmers.wind"), "num"]]),
      el("tbody", {}, rows))));
  }

  function parcelCard(parcels, cropNames, farms) {
    if (!parcels.length) return card("parcels", t("farmers.parcels"), el("p", { class: "muted" }, t("farmers.no_parcels")));
    const counts = new Map();
    let rai = 0;
    for (const p of parcels) {
      const crop = p.hasAgriCrop || "";
      const stage = STAGES.includes(p.cropStatus) ? p.cropStatus : "fallow";
      if (!counts.has(crop)) counts.set(crop, Object.fromEntries(STAGES.map((s) => [s, 0])));
      counts.get(crop)[stage] += 1;
      rai += typeof p.areaRai === "number" ? p.areaRai : 0;
    }
    const used = STAGES.filter((s) => Array.from(counts.values()).some((c) => c[s]));
    const rows = Array.from(counts.entries()).map(([crop, c]) => el("tr", {},
      el("th", { scope: "row", style: "background:transparent" }, cropNames[crop] || crop.split(":").pop() || "–"),
      used.map((s) => el("td", { class: "num" }, c[s] ? num(c[s], 0) : "·")),
      el("td", { class: "num" }, num(used.reduce((a, s) => a + c[s], 0), 0))));
    return card("parcels", t("farmers.parcels"),
      el("p", {}, t("farmers.parcels_total", { farms: num(farms, 0), parcels: num(parcels.length, 0), rai: num(rai, 0) })),
      el("div", { class: "scroll" }, el("table", {},
        head([[t("farmers.crop")], ...used.map((s) => [t("farmers.stage_" + s), "num"]), [t("farmers.total"), "num"]]),
        el("tbody", {}, rows))));
  }

  load();
});
