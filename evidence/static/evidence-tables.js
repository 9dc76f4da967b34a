// Sortable tables: a click (or Enter) on a column heading of a table with class
// "evidence-sortable" sorts its rows by that column; a cell's data-sort value wins over its text.
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
      var x = value(a, index), y = value(b, index);
      var order = x.localeCompare(y, undefined, { numeric: true });
      return ascending ? order : -order;
    });
    rows.forEach(function (row) { body.appendChild(row); });
    table.querySelectorAll("th").forEach(function (th) { th.removeAttribute("aria-sort"); });
    header.setAttribute("aria-sort", ascending ? "ascending" : "descending");
  }
  function setUp() {
    document.querySelectorAll("table.evidence-sortable").forEach(function (table) {
      table.querySelectorAll("thead th").forEach(function (th, index) {
        var button = document.createElement("button");
        button.type = "button";
        button.className = "evidence-sort";
        button.textContent = th.textContent;
        button.addEventListener("click", function () { sortBy(table, index, th); });
        th.textContent = "";
        th.appendChild(button);
      });
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setUp);
  else setUp();
})();
