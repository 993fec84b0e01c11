/* The national form's widgets (xueji/ui/widgets.py), from a static file (the Content-Security-Policy allows no
   inline script):
   - every code list searchable as one types (tom-select, served from node_modules);
   - the cascading region select: province -> city -> county, each level's children fetched on demand from
     /api/v1/regions/children/?parent=CODE (never the whole region tree in the page);
   - sex and birth date filled from a resident ID number, by the rule of xueji/core/idnumbers.py (GB 11643: the
     birth date in characters 7-14, the sex in the 17th, the ISO 7064 MOD 11-2 check character last). */
(function () {
  "use strict";

  var WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  var CHECK_CHARS = "10X98765432";

  function parseId(raw) {
    var number = (raw || "").normalize("NFKC").trim().toUpperCase().replace(/\s+/g, "");
    if (!/^[0-9]{17}[0-9X]$/.test(number)) { return null; }
    var total = 0;
    for (var i = 0; i < 17; i++) { total += Number(number.charAt(i)) * WEIGHTS[i]; }
    if (CHECK_CHARS.charAt(total % 11) !== number.charAt(17)) { return null; }
    var year = Number(number.slice(6, 10)), month = Number(number.slice(10, 12)), day = Number(number.slice(12, 14));
    var date = new Date(Date.UTC(year, month - 1, day));
    if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) { return null; }
    return {
      birthDate: number.slice(6, 10) + "-" + number.slice(10, 12) + "-" + number.slice(12, 14),
      sex: Number(number.charAt(16)) % 2 === 1 ? "1" : "2"
    };
  }
  window.xuejiParseId = parseId;  // for the browser test

  function setSelect(select, value) {
    if (!select) { return; }
    if (select.tomselect) { select.tomselect.setValue(value, false); } else { select.value = value; }
    select.dispatchEvent(new Event("change", { bubbles: true }));
  }

  function searchable(select) {
    if (select.tomselect || typeof window.TomSelect !== "function") { return; }
    new window.TomSelect(select, {
      allowEmptyOption: true, maxOptions: null, create: false, selectOnTab: true,
      render: { no_results: function () { return '<div class="no-results">—</div>'; } }
    });
  }

  // Sex and birth date from the ID number (only for a resident ID, document type 1).
  document.querySelectorAll("input[data-id-number]").forEach(function (input) {
    function fill() {
      var type = document.getElementById(input.getAttribute("data-id-type"));
      if (type && type.value && type.value !== "1") { return; }
      var parsed = parseId(input.value);
      if (!parsed) { return; }
      var birth = document.getElementById(input.getAttribute("data-birth-date"));
      if (birth) { birth.value = parsed.birthDate; birth.dispatchEvent(new Event("change", { bubbles: true })); }
      setSelect(document.getElementById(input.getAttribute("data-sex")), parsed.sex);
    }
    input.addEventListener("change", fill);
    input.addEventListener("input", function () { if (input.value.replace(/\s+/g, "").length === 18) { fill(); } });
  });

  // The cascading region selects.
  document.querySelectorAll("[data-region-cascade]").forEach(function (root) {
    var url = root.getAttribute("data-children-url");
    var selects = Array.prototype.slice.call(root.querySelectorAll("select[data-level]"));
    var kinds = {};
    selects.forEach(function (select) {
      Array.prototype.forEach.call(select.options, function (o) { if (o.value) { kinds[o.value] = o.getAttribute("data-kind"); } });
    });

    function placeholder(select) { return select.options.length ? select.options[0].text : ""; }

    function reset(select, rows) {
      var label = select.getAttribute("data-placeholder") || placeholder(select);
      select.setAttribute("data-placeholder", label);
      var ts = select.tomselect;
      if (ts) { ts.clear(true); ts.clearOptions(); }
      select.innerHTML = "";
      var blank = document.createElement("option");
      blank.value = ""; blank.textContent = label;
      select.appendChild(blank);
      (rows || []).forEach(function (row) {
        kinds[row.code] = row.level;
        var option = document.createElement("option");
        option.value = row.code; option.textContent = row.name; option.setAttribute("data-kind", row.level);
        select.appendChild(option);
      });
      select.disabled = !(rows && rows.length);
      if (ts) {
        ts.addOption({ value: "", text: label });
        (rows || []).forEach(function (row) { ts.addOption({ value: row.code, text: row.name }); });
        ts.refreshOptions(false);
        if (select.disabled) { ts.disable(); } else { ts.enable(); }
      }
    }

    selects.forEach(function (select, index) {
      searchable(select);
      select.addEventListener("change", function () {
        var next = selects[index + 1];
        if (!next) { return; }
        selects.slice(index + 1).forEach(function (later) { reset(later, []); });
        var code = select.value;
        if (!code || kinds[code] === "county") { return; }
        fetch(url + "?parent=" + encodeURIComponent(code), { credentials: "same-origin", headers: { Accept: "application/json" } })
          .then(function (response) { return response.ok ? response.json() : []; })
          .then(function (rows) { reset(next, rows); root.dispatchEvent(new CustomEvent("region:loaded", { detail: { level: index + 2 } })); });
      });
    });
  });

  // Every other code list.
  document.querySelectorAll("select[data-searchable]").forEach(searchable);
})();
