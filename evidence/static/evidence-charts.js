// Draws every chart on the page from its embedded Vega-Lite spec.
// The vega bundle is loaded only on pages that have a chart, from this site's own
// _static folder (generated at build time from the installed vl-convert package):
// no CDN is ever contacted, and the browser caches the bundle across pages.
(function () {
  "use strict";
  var bundlePromise = null;

  function bundleUrl() {
    var root = document.documentElement.dataset.content_root || "";
    return root + "_static/vega-bundle.js";
  }

  function loadBundle() {
    if (window.vegaEmbed) return Promise.resolve();
    if (!bundlePromise) {
      bundlePromise = new Promise(function (resolve, reject) {
        var script = document.createElement("script");
        // A module keeps the bundle's top-level names out of the page's globals
        // (Sphinx already defines `_`); the bundle sets window.vegaEmbed itself.
        script.type = "module";
        script.src = bundleUrl();
        script.onload = resolve;
        script.onerror = function () { reject(new Error("could not load " + script.src)); };
        document.head.appendChild(script);
      });
    }
    return bundlePromise;
  }

  function drawAll() {
    var specs = document.querySelectorAll("script.evidence-spec");
    if (!specs.length) return;
    loadBundle().then(function () {
      specs.forEach(function (node) {
        var target = document.getElementById(node.dataset.chart);
        if (!target || target.dataset.drawn) return;
        target.dataset.drawn = "pending";
        window.vegaEmbed(target, JSON.parse(node.textContent), { renderer: "svg", actions: false })
          .then(function () { target.dataset.drawn = "yes"; })
          .catch(function (err) {
            target.dataset.drawn = "error";
            target.textContent = "This chart could not be drawn: " + err.message;
          });
      });
    }).catch(function (err) {
      specs.forEach(function (node) {
        var target = document.getElementById(node.dataset.chart);
        if (target) target.textContent = "Charts need " + bundleUrl() + ": " + err.message;
      });
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", drawAll);
  else drawAll();
})();
