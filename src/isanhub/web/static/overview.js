/* The overview page (filled by its own issue step). */
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const { el, t } = window.ISANHUB;
  document.getElementById("overview").replaceChildren(el("p", { class: "muted" }, t("common.no_data")));
});
