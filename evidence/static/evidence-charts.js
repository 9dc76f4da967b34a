// The interactive layer of the book's charts.
// Every chart is already in the page as SVG, drawn at build time (tools/sphinx_charts.py), one
// drawing per page width; CSS shows the one that fits. Nothing here runs until a reader points
// at, touches or focuses a chart: then the vega runtime (served from this site's _static
// folder, made at build time from the installed vl-convert package: no CDN) and the chart's
// compiled Vega spec are fetched, and the drawing on screen is replaced in place by the same
// chart, now with tooltips (vega-embed's), drawn at the same size. In dark mode the chart uses
// dark colours, and it is drawn again when the reader switches the theme.
(function () {
  "use strict";
  var runtime = null;
  var live = [];  // {variant, spec, result}
  var DARK = {
    background: null,
    axis: { labelColor: "#ced6dd", titleColor: "#ced6dd", gridColor: "#3a3f44", domainColor: "#8a9199",
            tickColor: "#8a9199" },
    legend: { labelColor: "#ced6dd", titleColor: "#ced6dd" },
    title: { color: "#ced6dd", subtitleColor: "#aab3bb" },
    header: { labelColor: "#ced6dd", titleColor: "#ced6dd" },
    style: { "guide-label": { fill: "#ced6dd" }, "guide-title": { fill: "#ced6dd" },
             "group-title": { fill: "#ced6dd" }, "group-subtitle": { fill: "#aab3bb" } }
  };

  function root() { return document.documentElement.dataset.content_root || ""; }
  function dark() { return document.documentElement.dataset.theme === "dark"; }

  function loadRuntime() {
    if (window.vegaEmbed) return Promise.resolve();
    if (!runtime) {
      runtime = new Promise(function (resolve, reject) {
        var script = document.createElement("script");
        // A module keeps the bundle's top-level names out of the page's globals (Sphinx already
        // defines `_`); the bundle sets window.vegaEmbed itself.
        script.type = "module";
        script.src = root() + "_static/vega-bundle.js";
        script.onload = resolve;
        script.onerror = function () { reject(new Error("could not load " + script.src)); };
        document.head.appendChild(script);
      });
    }
    return runtime;
  }

  // The compiled Vega spec, drawn as SVG into a holder that replaces the build-time drawing once
  // it is complete (same spec, same size: nothing moves).
  function draw(entry) {
    var holder = document.createElement("div");
    holder.className = "evidence-live";
    holder.style.position = "absolute";
    holder.style.visibility = "hidden";
    entry.variant.appendChild(holder);
    var options = { mode: "vega", renderer: "svg", actions: false, config: dark() ? DARK : {},
                    tooltip: { theme: dark() ? "dark" : "light" } };
    return window.vegaEmbed(holder, entry.spec, options).then(function (result) {
      var svg = holder.querySelector("svg");
      if (svg) svg.classList.add("marks");
      holder.removeAttribute("style");
      Array.prototype.forEach.call(entry.variant.children, function (child) {
        if (child !== holder) child.remove();
      });
      if (entry.result) entry.result.finalize();
      entry.result = result;
    }, function (err) { holder.remove(); throw err; });
  }

  function activate(variant) {
    if (variant.dataset.drawn) return;
    variant.dataset.drawn = "pending";
    Promise.all([loadRuntime(), fetch(variant.dataset.spec).then(function (r) {
      if (!r.ok) throw new Error(variant.dataset.spec + ": " + r.status);
      return r.json();
    })]).then(function (loaded) {
      var entry = { variant: variant, spec: loaded[1], result: null };
      return draw(entry).then(function () { live.push(entry); variant.dataset.drawn = "interactive"; });
    }).catch(function (err) {
      // The drawing made at build time stays: the chart is complete, only without tooltips.
      variant.dataset.drawn = "static";
      console.warn("chart kept as drawn at build time: " + err.message);
    });
  }

  function visibleVariant(chart) {
    return Array.prototype.find.call(chart.querySelectorAll(".evidence-variant"), function (v) {
      return v.offsetParent !== null;
    });
  }

  function onInteraction(event) {
    var chart = event.currentTarget;
    var variant = visibleVariant(chart);
    if (variant) activate(variant);
  }

  function setUp() {
    document.querySelectorAll(".evidence-chart[data-drawn]").forEach(function (chart) {
      ["pointerenter", "focusin", "touchstart"].forEach(function (type) {
        chart.addEventListener(type, onInteraction, { passive: true });
      });
    });
    new MutationObserver(function () {
      live.forEach(function (entry) { draw(entry); });
    }).observe(document.documentElement, { attributes: true, attributeFilter: ["data-theme"] });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setUp);
  else setUp();
})();
