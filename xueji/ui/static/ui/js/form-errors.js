// Focus the first error of a form that came back with errors (every error is shown at once; the user starts at
// the first). A static file, no inline script: the pages run under a Content-Security-Policy without it.
(function () {
  function focusFirstError() {
    var first = document.querySelector("[data-error-for]");
    var field = first && document.querySelector('form [name="' + first.getAttribute("data-error-for") + '"]');
    if (field) {
      field.setAttribute("aria-invalid", "true");
      field.focus();
      if (field.scrollIntoView) { field.scrollIntoView({block: "center"}); }
      return;
    }
    var summary = document.querySelector('[data-testid="form-errors"]');
    if (summary) {
      summary.setAttribute("tabindex", "-1");
      summary.focus();
    }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", focusFirstError);
  } else {
    focusFirstError();
  }
})();
