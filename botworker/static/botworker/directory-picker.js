// Keeps a directory picker's select and id input in step: picking fills in the id, typing an id
// the select lists picks it, typing one it does not list sets the select to "not listed".
"use strict";
(function () {
  function bind(picker) {
    if (picker.dataset.bound) return;
    picker.dataset.bound = "1";
    const select = picker.querySelector("select");
    const input = picker.querySelector("input[type=text]");
    if (!select || !input) return;
    select.addEventListener("change", function () {
      input.value = select.value;
    });
    input.addEventListener("input", function () {
      const typed = input.value.trim();
      const listed = Array.prototype.some.call(select.options, function (option) {
        return option.value === typed;
      });
      select.value = listed ? typed : "";
    });
  }
  function bindAll() {
    document.querySelectorAll(".gh-picker").forEach(bind);
  }
  document.addEventListener("DOMContentLoaded", bindAll);
  // Inline rows added with "Add another" get their pickers bound too.
  document.addEventListener("formset:added", bindAll);
})();
