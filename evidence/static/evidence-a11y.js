// Accessibility fixes for markup the installed themes generate (found by axe-core):
// - controls whose aria-label differs from their visible text (search button, code-cell
//   toggles) get an accessible name that starts with the visible text;
// - the theme switch, whose visible text is the name of the icon its mode shows (Light, Dark,
//   System Settings), is named "Color mode: <that name>", again whenever the mode changes;
// - bibliography lists declare role="list" without list items: their entries become items.
(function () {
  "use strict";
  function nameThemeSwitch() {
    var mode = document.documentElement.dataset.mode || "auto";
    document.querySelectorAll(".theme-switch-button").forEach(function (button) {
      var icon = button.querySelector('[data-mode="' + mode + '"]');
      var shown = icon && (icon.getAttribute("aria-label") || icon.textContent.trim());
      if (shown) button.setAttribute("aria-label", "Color mode: " + shown);
    });
  }
  function fix() {
    document.querySelectorAll(".search-button-field[aria-label], .cell details > summary[aria-label]")
      .forEach(function (el) {
        var visible = (el.innerText || "").replace(/\s+/g, " ").trim();
        if (visible) el.setAttribute("aria-label", visible);  // an icon-only control keeps its label
      });
    nameThemeSwitch();
    new MutationObserver(nameThemeSwitch).observe(document.documentElement, { attributes: true, attributeFilter: ["data-mode"] });
    document.querySelectorAll('.citation-list[role="list"] > .citation').forEach(function (entry) {
      entry.setAttribute("role", "listitem");
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", fix);
  else fix();
})();
