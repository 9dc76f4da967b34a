// Accessibility fixes for markup the installed themes generate (found by axe-core):
// - controls whose aria-label differs from their visible text (search button, code-cell
//   toggles, theme switch) get an accessible name that starts with the visible text;
// - bibliography lists declare role="list" without list items: their entries become items.
(function () {
  "use strict";
  function fix() {
    document.querySelectorAll(".search-button-field[aria-label], .cell details > summary[aria-label], .theme-switch-button[aria-label]")
      .forEach(function (el) {
        var visible = (el.innerText || "").replace(/\s+/g, " ").trim();
        if (visible) el.setAttribute("aria-label", visible);  // an icon-only control keeps its label
      });
    document.querySelectorAll('.citation-list[role="list"] > .citation').forEach(function (entry) {
      entry.setAttribute("role", "listitem");
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", fix);
  else fix();
})();
