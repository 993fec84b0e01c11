/* Searchable selects that load their options on demand (xueji/core/filters.py RemoteSelect): a list's filter over
   a large set (the schools of a province, their classes) carries only the chosen option in the page; tom-select
   asks the select's choices endpoint (data-remote: ?q=, at most 20 rows, {"results": [{"id", "text"}]}) as the
   user types or opens it. data-depends names another field of the form whose value goes along (the school of a
   class); when that field changes, the choice and the loaded options are dropped. */
(function () {
  "use strict";

  function remote(select) {
    if (select.tomselect || typeof window.TomSelect !== "function") { return; }
    var url = select.getAttribute("data-remote");
    var depends = select.getAttribute("data-depends");
    var form = select.form;
    var other = depends && form ? form.elements[depends] : null;
    var ts = new window.TomSelect(select, {
      valueField: "id", labelField: "text", searchField: ["text"], allowEmptyOption: true, create: false,
      maxOptions: 20, preload: "focus", loadThrottle: 250, selectOnTab: true,
      load: function (query, callback) {
        var params = new URLSearchParams({ q: query });
        if (other && other.value) { params.set(depends, other.value); }
        fetch(url + "?" + params.toString(), { credentials: "same-origin", headers: { Accept: "application/json" } })
          .then(function (response) { return response.ok ? response.json() : { results: [] }; })
          .then(function (data) { callback(data.results || []); })
          .catch(function () { callback(); });
      },
      render: { no_results: function () { return '<div class="no-results">—</div>'; } }
    });
    if (other) {
      other.addEventListener("change", function () {
        ts.clear(true);
        ts.clearOptions();
        ts.loadedSearches = {};
      });
    }
  }

  document.querySelectorAll("select[data-remote]").forEach(remote);
})();
