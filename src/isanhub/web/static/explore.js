/* The explore page (filled by its own issue step). */
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const { el, t } = window.ISANHUB;
  document.getElementById("explore").replaceChildren(el("p", { class: "muted" }, t("common.no_data")));
});
