/* The web UI's own behaviour, served from a static file: the Content-Security-Policy allows no inline script
   and no inline event handlers. */
(function () {
  // Forms that ask before they act (data-confirm), and "select all" checkboxes of selectable tables.
  document.addEventListener("submit", function (event) {
    var form = event.target.closest("[data-confirm]");
    var button = event.submitter && event.submitter.closest("[data-confirm]");
    var question = (button || form) && (button || form).getAttribute("data-confirm");
    if (question && !window.confirm(question)) { event.preventDefault(); }
  });
  document.addEventListener("change", function (event) {
    var name = event.target.getAttribute("data-select-all");
    if (name) {
      document.querySelectorAll('input[data-select="' + name + '"]').forEach(function (box) { box.checked = event.target.checked; });
    }
    var selected = document.querySelectorAll("input[data-select]:checked").length;
    document.querySelectorAll("[data-selected-count]").forEach(function (el) { el.textContent = selected; });
  });

  // Progress bars take their width from data-progress (an inline style attribute would break the CSP);
  // htmx swaps new bars in while a job runs.
  function setProgress(root) {
    root.querySelectorAll("[data-progress]").forEach(function (bar) {
      bar.style.width = Math.max(0, Math.min(100, Number(bar.getAttribute("data-progress")) || 0)) + "%";
    });
  }
  setProgress(document);
  document.addEventListener("htmx:load", function () { setProgress(document); });
})();
