/* The sellers page: a shop code, order files in (drag and drop or the file input), the
   import result per file, then the shop's report built from its JSON: the advice
   first, then each section. Data is never parsed as HTML (ISANHUB.el / svg only). */
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const { el, svg, t, num, baht, day, lang, failed } = window.ISANHUB;
  const form = document.getElementById("seller-form");
  const shopInput = document.getElementById("shop");
  const nameInput = document.getElementById("shop-name");
  const provinceInput = document.getElementById("shop-province");
  const fileInput = document.getElementById("files");
  const drop = document.getElementById("drop");
  const chosen = document.getElementById("chosen");
  const progress = document.getElementById("progress");
  const results = document.getElementById("import-results");
  const report = document.getElementById("report");
  const uploadButton = document.getElementById("upload");
  const SHOP = /^[A-Za-z0-9._-]{1,64}$/;

  const pct = (v, d) => (v === null || v === undefined ? "–" : num(v * 100, d === undefined ? 1 : d) + "%");
  const channelName = (c) => (window.ISANHUB.boot.texts["sellers.ch_" + c] ? t("sellers.ch_" + c) : c);
  const api = (shop) => `/hub/v1/sellers/${encodeURIComponent(shop)}`;
  const card = (id, title, ...body) => el("section", { class: "card", id, "aria-labelledby": id + "-h" },
    el("h2", { id: id + "-h" }, title), ...body);
  const table = (caption, heads, rows, attrs) => el("div", { class: "scroll" },
    el("table", attrs || {}, caption ? el("caption", {}, caption) : null,
      el("thead", {}, el("tr", {}, heads.map((h) => el("th", { scope: "col", class: h[1] || null }, h[0])))),
      el("tbody", {}, rows)));
  const td = (value, cls) => el("td", { class: cls || null }, value);

  /* the shop: ?shop= first, then what this browser remembers */
  const params = new URLSearchParams(location.search);
  shopInput.value = params.get("shop") || localStorage.getItem("isanhub.shop") || "";
  function remember(shop) {
    localStorage.setItem("isanhub.shop", shop);
    const url = new URL(location.href);
    url.searchParams.set("shop", shop);
    history.replaceState(null, "", url);
  }
  function currentShop() {
    const shop = shopInput.value.trim();
    if (!SHOP.test(shop)) {
      progress.replaceChildren(el("p", { role: "alert", class: "unmet" }, t("sellers.need_shop")));
      shopInput.focus();
      return null;
    }
    return shop;
  }

  /* files: the input and the drop zone fill the same list */
  function showChosen() {
    const names = Array.from(fileInput.files || []).map((f) => f.name);
    chosen.textContent = names.length ? t("sellers.chosen", { files: names.join(", ") }) : "";
  }
  fileInput.addEventListener("change", showChosen);
  for (const name of ["dragenter", "dragover"]) {
    drop.addEventListener(name, (e) => { e.preventDefault(); drop.classList.add("over"); });
  }
  for (const name of ["dragleave", "drop"]) {
    drop.addEventListener(name, (e) => { e.preventDefault(); drop.classList.remove("over"); });
  }
  drop.addEventListener("drop", (e) => {
    if (e.dataTransfer && e.dataTransfer.files.length) {
      fileInput.files = e.dataTransfer.files;
      showChosen();
    }
  });

  /* the upload: XMLHttpRequest for the sending progress, then "working" while the
     server reads the files */
  function send(shop, files) {
    const body = new FormData();
    for (const f of files) body.append("file", f, f.name);
    if (nameInput.value.trim()) body.append("name", nameInput.value.trim());
    if (provinceInput.value.trim()) body.append("province", provinceInput.value.trim());
    return new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open("POST", api(shop) + "/import");
      xhr.setRequestHeader("Accept", "application/json");
      const bar = el("progress", { max: 100, value: 0 });
      const label = el("span", {}, t("sellers.uploading", { percent: 0 }));
      progress.replaceChildren(el("p", { class: "working" }, bar, " ", label));
      xhr.upload.addEventListener("progress", (e) => {
        if (!e.lengthComputable) return;
        const p = Math.round((100 * e.loaded) / e.total);
        bar.value = p;
        label.textContent = t("sellers.uploading", { percent: p });
      });
      xhr.upload.addEventListener("load", () => {
        progress.replaceChildren(el("p", { class: "working" }, el("progress", {}), " ", t("sellers.working")));
      });
      xhr.addEventListener("load", () => {
        let data = null;
        try { data = JSON.parse(xhr.responseText); } catch (_) { data = null; }
        if (data && Array.isArray(data.files)) resolve(data);
        else reject(new Error((data && (data.detail || data.title)) || xhr.status));
      });
      xhr.addEventListener("error", () => reject(new Error("network")));
      xhr.send(body);
    });
  }

  function showResults(data) {
    const items = data.files.map((f) => {
      const status = ["imported", "duplicate", "rejected"].includes(f.status) ? f.status : "rejected";
      const parts = [el("strong", {}, f.file), " ", el("span", { class: "badge " + status }, t("sellers.status_" + status))];
      const body = [el("p", {}, parts)];
      if (status !== "rejected" && f.new !== undefined) {
        body.push(el("p", { class: "muted" }, t("sellers.file_counts", {
          format: f.format || "–", lines: num(f.lines, 0), new: num(f.new, 0), updated: num(f.updated, 0),
          unchanged: num(f.unchanged, 0), total: num(f.total, 0),
        })));
      }
      if (f.message) body.push(el("p", { class: status === "rejected" ? "message bad" : "message" }, f.message));
      const problems = f.problems || [];
      if (problems.length) {
        body.push(el("ul", { class: "problems" }, problems.slice(0, 20).map((p) => el("li", {}, p)),
          problems.length > 20 ? el("li", {}, t("sellers.more_problems", { count: num(problems.length - 20, 0) })) : null));
      }
      return el("li", { class: "file " + status, "data-status": status }, body);
    });
    results.replaceChildren(el("div", { class: "card" }, el("h2", {}, t("sellers.results")), el("ul", { class: "files" }, items)));
  }

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const shop = currentShop();
    if (!shop) return;
    const files = Array.from(fileInput.files || []);
    if (!files.length) {
      progress.replaceChildren(el("p", { role: "alert", class: "unmet" }, t("sellers.need_files")));
      return;
    }
    remember(shop);
    uploadButton.disabled = true;
    form.setAttribute("aria-busy", "true");
    try {
      const data = await send(shop, files);
      progress.replaceChildren();
      showResults(data);
      fileInput.value = "";
      showChosen();
      await load(shop);
    } catch (error) {
      failed(progress, error);
    } finally {
      uploadButton.disabled = false;
      form.removeAttribute("aria-busy");
    }
  });
  document.getElementById("show-report").addEventListener("click", () => {
    const shop = currentShop();
    if (!shop) return;
    progress.replaceChildren();
    remember(shop);
    load(shop);
  });

  /* the report */
  async function load(shop) {
    report.setAttribute("aria-busy", "true");
    report.replaceChildren(el("p", { class: "muted" }, t("common.loading")));
    try {
      /* the tenant's shops first: an unknown shop is an invitation, not a 404 */
      const known = (await window.ISANHUB.api("/hub/v1/sellers")).data.find((s) => s.shop === shop);
      const empty = () => report.replaceChildren(el("div", { class: "card empty" }, el("p", {}, t("sellers.empty", { shop })),
        el("p", {}, el("a", { href: "#files" }, t("sellers.step_files")))));
      if (!known || !(known.imports || []).some((i) => i.lines > 0)) { empty(); return; }
      const data = (await window.ISANHUB.api(`${api(shop)}/report?format=json&lang=${lang}`)).data;
      if (!data.lines) { empty(); return; }
      render(shop, data);
    } catch (error) {
      failed(report, error);
    } finally {
      report.removeAttribute("aria-busy");
    }
  }

  function render(shop, r) {
    const link = (format, text, cls) => el("a", {
      class: "button " + (cls || ""), href: `${api(shop)}/report?format=${format}&lang=${lang}`,
      ...(format === "html" ? { target: "_blank", rel: "noopener" } : {}),
      ...(format === "pdf" ? { download: `${shop}-${r.asOf}.pdf`, id: "pdf-link" } : {}),
      ...(format === "json" ? { id: "json-link" } : {}),
    }, text);
    const head = el("div", { class: "card report-head" },
      el("h2", {}, t("sellers.report_of", { name: r.shop.name || shop })),
      el("p", { class: "muted" }, t("sellers.period", { from: day(r.period.from), to: day(r.period.to), lines: num(r.lines, 0) })),
      el("p", { class: "row" }, link("pdf", t("sellers.pdf"), "primary"), link("json", t("sellers.json")), link("html", t("sellers.html"))));
    const advice = card("advice", t("sellers.advice"), r.advice.length
      ? el("ol", { class: "advice" }, r.advice.map((a) => el("li", { "data-section": a.section }, a.text)))
      : el("p", { class: "muted" }, t("sellers.no_advice")));
    report.replaceChildren(head, advice, channels(r.channels),
      time(r.time), el("div", { class: "grid" }, buyers(r.buyers), words(r.words)),
      products(r.products), price(r.price), outlook(r.outlook), creators(r.creators));
  }

  function channels(c) {
    const rows = c.rows.map((row) => {
      const share = row.netPerBaht === null ? 0 : Math.max(0, Math.min(1, row.netPerBaht));
      const bar = svg("svg", { viewBox: "0 0 100 12", class: "bar", "aria-hidden": "true", preserveAspectRatio: "none" },
        svg("rect", { x: 0, y: 0, width: 100, height: 12, fill: "#e5e7eb" }),
        svg("rect", { x: 0, y: 0, width: (100 * share).toFixed(1), height: 12, fill: row.channel === c.best ? "#15803d" : "#0f766e" }));
      return el("tr", { "data-channel": row.channel },
        el("th", { scope: "row" }, channelName(row.channel),
          row.channel === c.best ? el("span", { class: "badge imported" }, t("sellers.best_channel")) : null,
          row.feesKnown ? null : el("small", { class: "note" }, t("sellers.fees_unknown"))),
        td(num(row.orders, 0), "num"), td(baht(row.gmv), "num gmv"), td(baht(row.netRevenue), "num"),
        el("td", { class: "perbaht" }, bar, el("span", { class: "num" },
          row.netPerBaht === null ? "–" : "฿" + num(row.netPerBaht * 100, 2))),
        td(pct(row.cancellationRate), "num"));
    });
    return card("channels", t("sellers.sec_channels"),
      table(null, [[t("sellers.channel")], [t("sellers.orders"), "num"], [t("sellers.gmv"), "num"],
        [t("sellers.net"), "num"], [t("sellers.net_per_baht")], [t("sellers.cancel"), "num"]], rows, { id: "channel-table" }),
      el("p", { class: "muted" }, t("sellers.channels_note")));
  }

  function time(tm) {
    const max = Math.max(1, ...tm.heatmap.flat());
    const hours = Array.from({ length: 24 }, (_, h) => h);
    const rows = tm.heatmap.map((counts, wd) => el("tr", {},
      el("th", { scope: "row" }, t("sellers.wd" + wd)),
      counts.map((n, h) => {
        const level = Math.round((4 * n) / max);
        return el("td", { class: "heat h" + level, title: `${t("sellers.wd" + wd)} ${String(h).padStart(2, "0")}:00 · ${n}` }, n);
      })));
    const heat = el("div", { class: "scroll" }, el("table", { class: "heatmap" },
      el("caption", {}, t("sellers.heatmap")),
      el("thead", {}, el("tr", {}, el("td", {}), hours.map((h) => el("th", { scope: "col" }, h)))),
      el("tbody", {}, rows)));
    const slots = tm.bestSlots.map((s) => `${t("sellers.wd" + s.weekday)} ${String(s.hour).padStart(2, "0")}:00`).join(", ");
    const notes = [];
    if (slots) notes.push(el("p", {}, t("sellers.best_slots", { slots })));
    const camps = (tm.campaigns || []).slice().sort((a, b) => (a.day < b.day ? 1 : -1)).slice(0, 8);
    if (camps.length) {
      notes.push(table(t("sellers.campaigns"), [[t("sellers.campaign_day")], [t("sellers.gmv"), "num"], [t("sellers.campaign_normal"), "num"], [t("sellers.campaign_lift"), "num"]],
        camps.map((c) => el("tr", {}, td(`${c.name} · ${day(c.day)}`), td(baht(c.gmv), "num"), td(baht(c.baselineGmv), "num"),
          td(c.lift === null ? "–" : num(c.lift, 1) + "×", "num")))));
    }
    if (tm.payday && tm.payday.lift !== null && tm.payday.lift !== undefined) {
      notes.push(el("p", { class: "muted" }, t("sellers.payday", { gmv: baht(tm.payday.gmvPerDay), other: baht(tm.payday.otherGmvPerDay), lift: num(tm.payday.lift, 2) })));
    }
    return card("time", t("sellers.sec_time"), heat, notes);
  }

  function products(p) {
    const blocks = Object.entries(p.ranking).map(([channel, rows]) => table(t("sellers.top_on", { channel: channelName(channel) }),
      [[t("sellers.product")], [t("sellers.units"), "num"], [t("sellers.gmv"), "num"]],
      rows.slice(0, 5).map((r) => el("tr", {}, td(r.product), td(num(r.units, 0), "num"), td(baht(r.gmv), "num")))));
    const moving = (caption, rows) => (rows.length ? table(caption,
      [[t("sellers.product")], [t("sellers.units"), "num"], ["%", "num"]],
      rows.map((r) => el("tr", {}, td(r.product), td(`${num(r.unitsBefore, 0)} → ${num(r.unitsRecent, 0)}`, "num"),
        td(r.change === null ? t("sellers.new_product") : (r.change > 0 ? "+" : "") + pct(r.change, 0), "num")))) : null);
    const missing = p.missing.length ? el("div", {}, el("h3", {}, t("sellers.missing")), el("ul", {}, p.missing.map((m) =>
      el("li", {}, t("sellers.missing_row", { product: m.product, units: num(m.units, 0),
        on: m.soldOn.map(channelName).join(", "), off: m.missingOn.map(channelName).join(", ") }))))) : null;
    return card("products", t("sellers.sec_products"), el("div", { class: "grid" }, blocks),
      el("div", { class: "grid" }, moving(t("sellers.rising"), p.rising), moving(t("sellers.falling"), p.falling)), missing);
  }

  function buyers(b) {
    const name = (x) => (lang === "th" ? x.nameTh : x.nameEn);
    return card("buyers", t("sellers.sec_buyers"),
      el("p", {}, t("sellers.buyers_summary", { buyers: num(b.buyers, 0), repeat: num(b.repeatBuyers, 0), rate: pct(b.repeatRate), isan: pct(b.isanShare) })),
      table(null, [[t("sellers.buyer_province")], [t("sellers.orders"), "num"], [t("sellers.gmv"), "num"]],
        b.provinces.slice(0, 8).map((p) => el("tr", {}, td(name(p)), td(num(p.orders, 0), "num"), td(baht(p.gmv), "num")))));
  }

  function price(p) {
    const rows = p.rows.map((r) => el("tr", {}, td(r.product), td(baht(r.price), "num"),
      td(r.market ? `${baht(r.market.median)} (${baht(r.market.p25)}–${baht(r.market.p75)})` : t("sellers.no_market", { min: p.minSellers }), r.market ? "num" : "muted"),
      td(r.position ? t("sellers.pos_" + r.position) : "–")));
    return card("price", t("sellers.sec_price"),
      table(null, [[t("sellers.product")], [t("sellers.your_price"), "num"], [t("sellers.market_price")], [t("sellers.position")]], rows),
      el("p", { class: "muted" }, t("sellers.price_note", { min: p.minSellers })));
  }

  /* weekly units sold (solid) and the shown forecast (dashed, with its 80 % band) */
  function forecastChart(s, title) {
    const w = 400, h = 180, pad = 30;
    const chart = svg("svg", { viewBox: `0 0 ${w} ${h}`, role: "img", width: "100%", class: "chart" });
    chart.append(svg("title", {}, title));
    const hist = s.history.map((x) => [new Date(x.weekStart).getTime(), x.units]);
    const fc = s.forecast.map((x) => [new Date(x.weekStart).getTime(), x.units, x.low, x.high]);
    const xs = hist.concat(fc).map((p) => p[0]);
    const ys = hist.map((p) => p[1]).concat(fc.flatMap((p) => [p[1], p[2], p[3]])).filter((v) => typeof v === "number");
    if (!xs.length) return chart;
    const x0 = Math.min(...xs), x1 = Math.max(...xs);
    const y0 = 0, y1 = Math.max(1, ...ys);
    const sx = (x) => pad + (w - 2 * pad) * (x1 === x0 ? 0.5 : (x - x0) / (x1 - x0));
    const sy = (y) => h - pad + (2 * pad - h) * (y - y0) / (y1 - y0);
    const line = (pts) => pts.map((p, i) => `${i ? "L" : "M"}${sx(p[0]).toFixed(1)},${sy(p[1]).toFixed(1)}`).join("");
    chart.append(svg("line", { x1: pad, y1: h - pad, x2: w - pad, y2: h - pad, stroke: "#9ca3af" }));
    chart.append(svg("text", { x: 2, y: sy(y1) + 4, "font-size": 12, fill: "#4b5563" }, num(y1, 0)));
    chart.append(svg("text", { x: 2, y: sy(0) + 4, "font-size": 12, fill: "#4b5563" }, "0"));
    chart.append(svg("text", { x: pad, y: h - 8, "font-size": 12, fill: "#4b5563" }, day(x0)));
    chart.append(svg("text", { x: w - pad, y: h - 8, "font-size": 12, fill: "#4b5563", "text-anchor": "end" }, day(x1)));
    if (fc.length) {
      const last = hist.length ? [hist[hist.length - 1]] : [];
      const band = fc.map((p) => [p[0], p[3]]).concat(fc.slice().reverse().map((p) => [p[0], p[2]]));
      chart.append(svg("path", { d: line(band) + "Z", fill: "#fde68a", opacity: 0.6 }));
      chart.append(svg("path", { d: line(last.concat(fc)), fill: "none", stroke: "#b45309", "stroke-width": 2, "stroke-dasharray": "6 4" }));
    }
    if (hist.length) chart.append(svg("path", { d: line(hist), fill: "none", stroke: "#0f766e", "stroke-width": 2 }));
    chart.append(svg("text", { x: w - pad, y: 14, "font-size": 12, fill: "#4b5563", "text-anchor": "end" }, t("sellers.units")));
    return chart;
  }

  function outlook(o) {
    if (!o.series.length) return card("outlook", t("sellers.sec_outlook"), el("p", { class: "muted" }, t("sellers.no_outlook")));
    const legend = el("p", { class: "legend muted" }, el("span", { class: "key hist" }), t("sellers.history"), " ",
      el("span", { class: "key fc" }), t("sellers.forecast"));
    const charts = o.series.slice(0, 4).map((s) => {
      const title = t("sellers.outlook_chart", { product: s.product, channel: channelName(s.channel) });
      const total = s.forecast.reduce((a, x) => a + (x.units || 0), 0);
      return el("figure", { class: "outlook" }, forecastChart(s, title),
        el("figcaption", {}, el("strong", {}, `${s.product} · ${channelName(s.channel)}`), el("br"),
          t("sellers.outlook_total", { units: num(total, 0), weeks: o.horizonWeeks }), el("br"), el("span", { class: s.shown === "naive" ? "note naive" : "muted" },
            s.shown === "naive" ? t("sellers.shown_naive") : t("sellers.shown_model", { method: s.method }))));
    });
    return card("outlook", t("sellers.sec_outlook"), legend, el("div", { class: "grid" }, charts));
  }

  function words(wd) {
    const chips = (list) => el("ul", { class: "chips" }, list.map((x) => el("li", {}, typeof x === "string" ? x : `${x.word} ${pct(x.share, 0)}`)));
    const body = [el("h3", {}, t("sellers.words_best")), wd.best.length ? chips(wd.best.slice(0, 15)) : el("p", { class: "muted" }, t("sellers.none"))];
    if (wd.market === null) body.push(el("p", { class: "muted" }, t("sellers.words_no_market")));
    else {
      body.push(el("h3", {}, t("sellers.words_missing")), wd.missing.length ? chips(wd.missing) : el("p", { class: "muted" }, t("sellers.none")));
      for (const s of wd.suggestions) body.push(el("p", {}, t("sellers.words_add", { product: s.product, words: s.add.join(", ") })));
    }
    return card("words", t("sellers.sec_words"), body);
  }

  function creators(c) {
    if (!c.rows.length) return card("creators", t("sellers.sec_creators"), el("p", { class: "muted" }, t("sellers.no_creators")));
    return card("creators", t("sellers.sec_creators"), table(null,
      [[t("sellers.creator")], [t("sellers.followers"), "num"], [t("sellers.engagement"), "num"], [t("sellers.fee"), "num"], [t("sellers.fit"), "num"]],
      c.rows.slice(0, 6).map((r) => el("tr", {},
        td([el("strong", {}, r.handle), el("br"), el("small", {}, `${r.name} · ${r.platform}`)]),
        td(num(r.followers, 0), "num"), td(pct(r.engagementRate), "num"), td(baht(r.typicalFee), "num"), td(pct(r.fit, 0), "num")))));
  }

  if (SHOP.test(shopInput.value)) load(shopInput.value);
});
