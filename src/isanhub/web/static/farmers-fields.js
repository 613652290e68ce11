/* The farmers page, part one (loaded before farmers.js): helpers both parts share, and
   the sections about the land and the work on it: parcels and harvest, the drone
   community and its plan, production and income. Each renderer gets the insight API's
   JSON (/hub/v1/agri/...) and returns the card's body; it never fetches. */
"use strict";
(function () {
  const { el, svg, t, num, baht, day, time, lang } = window.ISANHUB;

  /* The insight answers carry Bangkok local times without a zone ("2026-11-25T00:03"):
     read as +07:00, else the browser's own zone would shift them. */
  const local = (v) => (typeof v === "string" && /T\d\d:\d\d(:\d\d(\.\d+)?)?$/.test(v) ? v + "+07:00" : v);
  const date = (v) => (v ? day(local(v)) : "–");
  const when = (v) => (v ? time(local(v)) : "–");
  const name = (x) => (lang === "th" ? x.nameTh || x.name_th || x.nameEn || x.name_en : x.nameEn || x.name_en) || "–";
  const has = (key) => window.ISANHUB.boot.texts["farmers." + key] !== undefined;
  const family = (f) => (f && has("family_" + f) ? t("farmers.family_" + f) : f || "–");
  const shortId = (id) => String(id || "").split(":").slice(-2).join(":");
  const district = (d) => d || t("farmers.no_district");
  const td = (value, cls) => el("td", { class: cls || null }, value);
  const empty = (text) => el("p", { class: "muted empty-state" }, text);
  const table = (heads, rows, attrs, caption) => el("div", { class: "scroll" },
    el("table", attrs || {}, caption ? el("caption", {}, caption) : null,
      el("thead", {}, el("tr", {}, heads.map((h) => el("th", { scope: "col", class: h[1] || null }, h[0])))),
      el("tbody", {}, rows)));

  /* A small horizontal bar: the value against the row's maximum, with a tick at the
     normal when one is given, for tables read on a phone (the number beside it carries
     the meaning; the bar only helps the eye). */
  function hbar(value, max, cls, normal) {
    const share = (v) => (max > 0 && typeof v === "number" ? Math.max(0, Math.min(1, v / max)) : 0);
    return svg("svg", { viewBox: "0 0 100 10", class: "hbar " + (cls || ""), "aria-hidden": "true", preserveAspectRatio: "none" },
      svg("rect", { x: 0, y: 0, width: 100, height: 10, fill: "#e5e7eb" }),
      svg("rect", { x: 0, y: 0, width: (100 * share(value)).toFixed(1), height: 10, class: "fill" }),
      typeof normal === "number" ? svg("rect", { x: Math.min(98, 100 * share(normal)).toFixed(1), y: 0, width: 2, height: 10, class: "normal" }) : null);
  }

  /* Vertical bars with a label under each and a <title> per bar, so that a screen
     reader (and a finger on a phone) gets every value, not only the shape. */
  function bars(items, title, unit) {
    const w = 640, h = 180, pad = 28, n = Math.max(1, items.length);
    const max = Math.max(0, ...items.map((i) => i.value || 0)) || 1;
    const chart = svg("svg", { viewBox: `0 0 ${w} ${h}`, role: "img", width: "100%", class: "chart bars" });
    chart.append(svg("title", {}, title));
    const step = (w - pad) / n;
    items.forEach((item, k) => {
      const bh = ((item.value || 0) / max) * (h - 2 * pad);
      const x = pad + k * step + step * 0.15;
      chart.append(svg("rect", { x: x.toFixed(1), y: (h - pad - bh).toFixed(1), width: (step * 0.7).toFixed(1), height: bh.toFixed(1), class: "bar" },
        svg("title", {}, `${item.label}: ${num(item.value)} ${unit}`)));
      chart.append(svg("text", { x: (x + step * 0.35).toFixed(1), y: h - pad + 14, "font-size": 11, fill: "#4b5563", "text-anchor": "middle" }, item.label));
    });
    chart.append(svg("text", { x: 2, y: pad - 8, "font-size": 11, fill: "#4b5563" }, `${num(max)} ${unit}`));
    chart.append(svg("line", { x1: pad, y1: h - pad, x2: w, y2: h - pad, stroke: "#9ca3af" }));
    return chart;
  }

  const STAGES = ["seeded", "justBorn", "growing", "maturing", "readyForHarvesting", "fallow"];
  const months = () => t("farmers.months").split(",");

  /* parcels (stages, calendar) and harvest (weeks, districts) share one card */
  function fields(parcels, harvest) {
    if (!parcels.total.parcels) return [empty(t("farmers.no_parcels"))];
    const used = STAGES.filter((s) => parcels.total.stages[s] && parcels.total.stages[s].parcels);
    const stageRow = (row, sub) => el("tr", { class: sub ? "sub" : null, "data-crop": row.id || row.family },
      el("th", { scope: "row" }, sub ? "· " + name(row) : name(row)),
      used.map((s) => {
        const c = row.stages[s];
        return td(c.parcels ? [num(c.rai), el("small", { class: "muted block" }, t("farmers.n_parcels", { n: num(c.parcels, 0) }))] : "·", "num");
      }),
      td([num(row.rai), el("small", { class: "muted block" }, t("farmers.n_parcels", { n: num(row.parcels, 0) }))], "num"));
    const stages = table([[t("farmers.crop")], ...used.map((s) => [t("farmers.stage_" + s), "num"]), [t("farmers.total_rai"), "num"]],
      parcels.crops.flatMap((f) => [stageRow(f, false), ...(f.crops.length > 1 ? f.crops.map((c) => stageRow(c, true)) : [])]),
      { id: "stage-table" }, t("farmers.stages_caption"));
    return [
      el("p", { class: "big-line" }, t("farmers.parcels_total", { parcels: num(parcels.total.parcels, 0), rai: num(parcels.total.rai) })),
      stages, calendar(parcels.calendar), harvestWeeks(harvest), harvestDistricts(harvest),
    ];
  }

  /* the crop calendar: 12 months, planting and harvest marked, the current month framed */
  function calendar(rows) {
    if (!rows.length) return null;
    const names = months();
    const now = rows[0].now.month;
    const body = rows.map((r) => el("tr", { "data-family": r.family },
      el("th", { scope: "row" }, name(r)),
      names.map((m, i) => {
        const plant = r.planting.months.includes(i + 1), cut = r.harvest.months.includes(i + 1);
        const what = [plant ? t("farmers.cal_plant") : null, cut ? t("farmers.cal_harvest") : null].filter(Boolean).join(", ");
        return el("td", { class: `cal${plant ? " plant" : ""}${cut ? " cut" : ""}${i + 1 === now ? " now" : ""}`, title: `${m}: ${what || "–"}` },
          el("span", { class: "sr" }, what), plant ? "●" : "", cut ? "▲" : "");
      }),
      td(r.now.phases.map((p) => (has("phase_" + p) ? t("farmers.phase_" + p) : p)).join(", "))));
    return el("div", {}, el("h3", {}, t("farmers.calendar")),
      el("p", { class: "legend muted" }, el("span", { class: "cal-key plant" }, "●"), " ", t("farmers.cal_plant"), "  ",
        el("span", { class: "cal-key cut" }, "▲"), " ", t("farmers.cal_harvest"), "  ",
        el("span", { class: "cal-key now" }, "▢"), " ", t("farmers.cal_now", { month: names[now - 1] })),
      table([[t("farmers.crop")], ...names.map((m, i) => [m, "cal" + (i + 1 === now ? " now" : "")]), [t("farmers.cal_phase")]], body, { class: "calendar" }));
  }

  function harvestWeeks(h) {
    if (!h.total.parcels) return el("div", {}, el("h3", {}, t("farmers.harvest_weeks")), empty(t("farmers.no_harvest")));
    const max = Math.max(...h.weeks.map((w) => w.tonnes || 0), 1);
    const rows = h.weeks.map((w) => el("tr", { "data-week": w.week },
      el("th", { scope: "row" }, `${date(w.from)} – ${date(w.to)}`),
      td(num(w.parcels, 0), "num"), td(num(w.rai), "num"),
      el("td", { class: "num barcell" }, hbar(w.tonnes, max), " ", num(w.tonnes))));
    const extra = [["overdue", h.overdue], ["later", h.later], ["undated", h.undated]].filter(([, x]) => x && x.parcels)
      .map(([k, x]) => el("tr", { class: "sub" }, el("th", { scope: "row" }, t("farmers.harvest_" + k, { day: date(x.from) })),
        td(num(x.parcels, 0), "num"), td(num(x.rai), "num"), td(num(x.tonnes), "num")));
    return el("div", {}, el("h3", {}, t("farmers.harvest_weeks")),
      table([[t("farmers.week")], [t("farmers.parcels_n"), "num"], [t("farmers.rai"), "num"], [t("farmers.tonnes"), "num"]],
        [...rows, ...extra], { id: "harvest-weeks" }),
      el("p", { class: "muted" }, t("farmers.harvest_total", { parcels: num(h.total.parcels, 0), rai: num(h.total.rai), tonnes: num(h.total.tonnes),
        from: date(h.total.earliest), to: date(h.total.latest) })));
  }

  function harvestDistricts(h) {
    if (!h.districts.length) return null;
    const yields = Object.entries(h.yieldKgPerRai || {}).map(([f, kg]) => `${family(f)} ${num(kg, 0)}`).join(" · ");
    return el("div", {}, el("h3", {}, t("farmers.yield_districts")),
      table([[t("farmers.district")], [t("farmers.rai"), "num"], [t("farmers.tonnes"), "num"], [t("farmers.median_harvest")], [t("farmers.crops")]],
        h.districts.map((d) => el("tr", { "data-district": d.district || "" },
          el("th", { scope: "row" }, district(d.district)), td(num(d.rai), "num"), td(num(d.tonnes), "num"),
          td(date(d.median)), td(d.crops.map((c) => `${name(c)} ${num(c.tonnes)} ${t("farmers.t")}`).join(" · ")))), { id: "yield-table" }),
      el("p", { class: "muted" }, t("farmers.yield_note", { yields, source: h.yieldSource || "–" })));
  }

  /* the drone community: the year's work, then next week's due parcels and the plan */
  function drones(d, plan) {
    const names = Object.fromEntries(d.drones.map((x) => [x.id, name(x)]));
    const droneName = (x) => names[x.id] || name(x) || shortId(x.id);
    const out = [];
    if (!d.totals.jobs) out.push(empty(t("farmers.no_jobs")));
    else {
      const s = d.timeSaved;
      out.push(el("ul", { class: "figures" },
        el("li", {}, el("strong", {}, num(d.totals.rai)), " ", t("farmers.rai_sprayed")),
        el("li", {}, el("strong", {}, num(d.totals.jobs, 0)), " ", t("farmers.jobs")),
        el("li", {}, el("strong", {}, baht(d.totals.revenue)), " ", t("farmers.revenue")),
        el("li", { id: "time-saved" }, el("strong", {}, num(s.savedHours)), " ", t("farmers.hours_saved", { manual: num(s.manualHours), drone: num(s.droneHours), min: num(s.manualMinPerRai, 0) }))));
      const mnames = months();
      out.push(bars(d.months.map((m) => ({ label: mnames[Number(m.month.slice(5, 7)) - 1], value: m.rai })),
        t("farmers.rai_per_month", { from: date(d.window.from), to: date(d.window.to) }), t("farmers.rai")));
      /* the busiest five that worked at all: a drone idle all year is not a "top" one */
      const busy = (list) => list.filter((x) => x.jobs > 0).slice(0, 5);
      const top = (list, label) => busy(list).map((x) => el("tr", {}, el("th", { scope: "row" }, label(x)),
        td(num(x.jobs, 0), "num"), td(num(x.rai), "num"), td(baht(x.revenue), "num"), td(num(x.hours), "num")));
      const heads = (first) => [[first], [t("farmers.jobs"), "num"], [t("farmers.rai"), "num"], [t("farmers.revenue"), "num"], [t("farmers.hours"), "num"]];
      out.push(el("div", { class: "grid" },
        table(heads(t("farmers.drone")), top(d.drones, droneName), { id: "top-drones" }, t("farmers.top_drones", { n: busy(d.drones).length })),
        table(heads(t("farmers.pilot")), top(d.pilots, (p) => p.pilot), { id: "top-pilots" }, t("farmers.top_pilots", { n: busy(d.pilots).length }))));
    }
    out.push(el("h3", {}, t("farmers.due_next_week")),
      el("p", { id: "due-line", class: "big-line" }, t("farmers.due", { parcels: num(d.due.parcels, 0), rai: num(d.due.rai), from: date(d.due.from), to: date(d.due.to) })));
    out.push(planTable(plan, droneName));
    return out;
  }

  function planTable(plan, droneName) {
    if (!plan.totals.due) return empty(t("farmers.no_due"));
    const rows = plan.drones.flatMap((x) => x.days.map((dd) => el("tr", { "data-drone": x.id, "data-date": dd.date },
      el("th", { scope: "row" }, droneName(x)), td(date(dd.date)),
      td(dd.parcels.map((p) => shortId(p.parcel)).join(", ")),
      td(num(dd.rai), "num"), td(num(dd.parcels.reduce((a, p) => a + (p.km || 0), 0)), "num"),
      td(`${num(dd.load * 100, 0)}%`, "num"))));
    const left = plan.unassigned.map((u) => el("tr", { "data-operation": u.operation },
      el("th", { scope: "row" }, shortId(u.parcel)), td(num(u.rai), "num"), td(date(u.due)),
      td(has("reason_" + u.reason.replace(/[^a-z]+/gi, "_")) ? t("farmers.reason_" + u.reason.replace(/[^a-z]+/gi, "_")) : u.reason)));
    const tot = plan.totals;
    return el("div", {},
      el("p", {}, t("farmers.plan_summary", { assigned: num(tot.assigned, 0), due: num(tot.due, 0), rai: num(tot.assignedRai),
        drones: num(tot.dronesUsed, 0), km: num(tot.km), max: num(plan.assumptions.maxKm, 0) })),
      table([[t("farmers.drone")], [t("farmers.day")], [t("farmers.parcels_of")], [t("farmers.rai"), "num"], [t("farmers.km"), "num"], [t("farmers.load"), "num"]],
        rows, { id: "plan-table" }, t("farmers.plan_caption", { from: date(plan.window.from), to: date(plan.window.to) })),
      left.length ? table([[t("farmers.parcel")], [t("farmers.rai"), "num"], [t("farmers.due_day")], [t("farmers.reason")]], left,
        { id: "unassigned-table" }, t("farmers.unassigned", { n: num(left.length, 0) })) : el("p", { class: "muted" }, t("farmers.all_assigned")));
  }

  /* production and income per district, with the prices the estimate used */
  function production(p) {
    if (!p.total.parcels) return [empty(t("farmers.no_production"))];
    const max = Math.max(...p.districts.map((d) => d.incomeThb || 0), 1);
    const row = (d, cls) => el("tr", { class: cls || null, "data-district": d.district || "" },
      el("th", { scope: "row" }, cls ? t("farmers.total") : district(d.district)),
      td(num(d.farms, 0), "num"), td(num(d.parcels, 0), "num"), td(num(d.rai), "num"), td(num(d.tonnes), "num"),
      el("td", { class: "num barcell" }, cls ? null : hbar(d.incomeThb, max), " ", baht(d.incomeThb)));
    const out = [
      el("p", { class: "big-line" }, t("farmers.production_total", { tonnes: num(p.total.tonnes), income: num(p.total.incomeMillionThb, 2) })),
      table([[t("farmers.district")], [t("farmers.farms"), "num"], [t("farmers.parcels_n"), "num"], [t("farmers.rai"), "num"], [t("farmers.tonnes"), "num"], [t("farmers.income"), "num"]],
        [...p.districts.map((d) => row(d)), row(p.total, "total")], { id: "production-table" }),
    ];
    if (p.total.tonnesWithoutPrice) out.push(el("p", { class: "note-warn" }, t("farmers.without_price", { tonnes: num(p.total.tonnesWithoutPrice) })));
    out.push(table([[t("farmers.crop")], [t("farmers.price_used"), "num"], [t("farmers.date")], [t("farmers.price_rule")]],
      p.prices.map((x) => el("tr", { "data-crop": x.cropId },
        el("th", { scope: "row" }, name(x)), td(num(x.thbPerKg, 2), "num"), td(date(x.at)),
        td(t("farmers.rule_price_" + (has("rule_price_" + x.rule) ? x.rule : "none"))))), { id: "prices-used" }, t("farmers.prices_used")));
    out.push(el("p", { class: "muted" }, t("farmers.season", { from: date(p.season.from), to: date(p.season.to) })));
    return out;
  }

  window.FARMERS = { local, date, when, name, family, has, shortId, district, td, empty, table, hbar, bars, months,
    fields, drones, production };
})();
