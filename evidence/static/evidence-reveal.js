// A claim's permanent address (#claim-…) lands on its card even when the card is folded into a
// closed <details>: on load and on every change of the address, each closed <details> around the
// target is opened and the target scrolled into view. (Chromium does this itself for a
// navigation; other browsers, and an address set without one, rely on this script.)
(function () {
  "use strict";
  function reveal() {
    var id = decodeURIComponent(location.hash.slice(1));
    var target = id && document.getElementById(id);
    if (!target) return;
    var opened = false;
    for (var fold = target.closest("details"); fold; fold = fold.parentElement.closest("details")) {
      if (!fold.open) { fold.open = true; opened = true; }
    }
    var box = target.getBoundingClientRect();
    if (opened || box.top < 0 || box.top >= window.innerHeight) target.scrollIntoView();
  }
  window.addEventListener("hashchange", reveal);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", reveal);
  else reveal();
})();
