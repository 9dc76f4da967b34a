// Sortable and filterable tables.
// - A click (or Enter) on a column heading of a table with class "evidence-sortable" sorts its
//   rows by that column; a cell's data-sort value wins over its text; aria-sort shows the state.
// - A table with data-filters="verdict confidence topic" gets one select per named attribute,
//   filled from its rows' data-* values (in the order of the table's data-NAME-order, else
//   alphabetically, each with its count); rows that do not match are hidden, and a live line
//   says how many are shown. Without scripts the table is simply complete.
(function () {
  "use strict";
  function value(row, index) {
    var cell = row.cells[index];
    return cell.dataset.sort !== undefined ? cell.dataset.sort : cell.textContent.trim();
  }
  function sortBy(table, index, header) {
    var body = table.tBodies[0];
    var ascending = header.getAttribute("aria-sort") !== "ascending";
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var order = value(a, index).localeCompare(value(b, index), undefined, { numeric: true });
      return ascending ? order : -order;
    });
    rows.forEach(function (row) { body.appendChild(row); });
    table.querySelectorAll("thead th").forEach(function (th) { th.removeAttribute("aria-sort"); });
    header.setAttribute("aria-sort", ascending ? "ascending" : "descending");
  }
  function sortable(table) {
    table.querySelectorAll("thead th").forEach(function (th, index) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "evidence-sort";
      button.textContent = th.textContent;
      button.addEventListener("click", function () { sortBy(table, index, th); });
      th.textContent = "";
      th.appendChild(button);
    });
  }
  function filterable(table) {
    var names = (table.dataset.filters || "").split(/\s+/).filter(Boolean);
    if (!names.length) return;
    var rows = Array.prototype.slice.call(table.tBodies[0].rows);
    var bar = document.createElement("div");
    bar.className = "evidence-filters";
    var status = document.createElement("p");
    status.className = "evidence-filter-status";
    status.setAttribute("aria-live", "polite");
    var selects = names.map(function (name) {
      var label = document.createElement("label");
      label.textContent = name.charAt(0).toUpperCase() + name.slice(1) + " ";
      var select = document.createElement("select");
      select.dataset.filter = name;
      var all = document.createElement("option");
      all.value = ""; all.textContent = "all";
      select.appendChild(all);
      var seen = {};
      rows.forEach(function (row) { seen[row.dataset[name]] = (seen[row.dataset[name]] || 0) + 1; });
      var order = (table.dataset[name + "Order"] || "").split(/\s+/).filter(function (v) { return v in seen; });
      Object.keys(seen).sort().forEach(function (v) { if (order.indexOf(v) < 0) order.push(v); });
      order.forEach(function (v) {
        var option = document.createElement("option");
        option.value = v; option.textContent = v + " (" + seen[v] + ")";
        select.appendChild(option);
      });
      select.addEventListener("change", apply);
      label.appendChild(select);
      bar.appendChild(label);
      return select;
    });
    function apply() {
      var shown = 0;
      rows.forEach(function (row) {
        var ok = selects.every(function (s) { return !s.value || row.dataset[s.dataset.filter] === s.value; });
        row.hidden = !ok;
        if (ok) shown += 1;
      });
      status.textContent = shown + " of " + rows.length + " claims shown";
    }
    bar.appendChild(status);
    var wrap = table.closest(".evidence-table-wrap") || table;
    wrap.parentNode.insertBefore(bar, wrap);
    apply();
  }
  function setUp() {
    document.querySelectorAll("table.evidence-sortable").forEach(sortable);
    document.querySelectorAll("table[data-filters]").forEach(filterable);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setUp);
  else setUp();
})();
