// The configuration form: JSON Editor draws the kind's schema; on submit the value travels as JSON and the
// server validates it exactly as it validates the YAML.
(function () {
  "use strict";
  function start() {
    var holder = document.getElementById("config-form-editor");
    var data = document.getElementById("config-form-data");
    if (!holder || !data || !window.JSONEditor) return;
    var setup = JSON.parse(data.textContent);
    var lang = document.documentElement.lang || "en";
    window.JSONEditor.defaults.languages[lang] = Object.assign(
      {}, window.JSONEditor.defaults.languages.en, setup.texts);
    window.JSONEditor.defaults.language = lang;
    var editor = new window.JSONEditor(holder, {
      schema: setup.schema,
      startval: setup.value,
      theme: "bootstrap5",
      iconlib: null,
      show_opt_in: true,
      disable_edit_json: true,
      disable_properties: true,
      disable_collapse: true,
      disable_array_delete_last_row: true,
      disable_array_delete_all_rows: true,
      prompt_before_delete: false,
      no_additional_properties: true,
      enforce_const: true,
      compact: false
    });
    // JSON Editor names its hidden labels by the field's path ("root[tiers][0][sla] opt-in"); a screen
    // reader should hear the field's title in the reader's language instead.
    var PATH = /^root((?:\[[^\]]*\])*)(?:[ -](opt-in|switcher))?$/;
    function relabel() {
      holder.querySelectorAll("label, span.sr-only").forEach(function (el) {
        var found = PATH.exec((el.textContent || "").trim());
        if (!found) return;
        var keys = (found[1].match(/[^\[\]]+/g) || []).filter(function (k) { return !/^\d+$/.test(k); });
        var last = keys[keys.length - 1];
        var title = (last && setup.titles[last]) || setup.schema.title || "";
        el.textContent = found[2] === "opt-in" ? setup.opt_in.replace("{{0}}", title) : title;
      });
    }
    // A picker of the value's list items (the rule to backtest) follows the form as items are added,
    // renamed or removed: <select data-config-list="rules" data-config-key="key" data-config-label="name">.
    function refreshPickers() {
      var value = editor.getValue() || {};
      document.querySelectorAll("select[data-config-list]").forEach(function (select) {
        var items = value[select.getAttribute("data-config-list")];
        if (!Array.isArray(items)) return;
        var key = select.getAttribute("data-config-key");
        var label = select.getAttribute("data-config-label");
        var chosen = select.value;
        select.replaceChildren.apply(select, items.filter(function (item) { return item && item[key]; })
          .map(function (item) {
            var option = document.createElement("option");
            option.value = item[key];
            option.textContent = (item[label] || item[key]) + " (" + item[key] + ")";
            option.selected = item[key] === chosen;
            return option;
          }));
      });
    }
    editor.on("ready", function () {
      if (setup.readonly) editor.disable();
      relabel();
      refreshPickers();
      holder.setAttribute("data-ready", "true");
    });
    editor.on("change", function () { relabel(); refreshPickers(); });
    var form = document.getElementById("config-form");
    form.addEventListener("submit", function () {
      document.getElementById("config-json").value = JSON.stringify(editor.getValue());
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
