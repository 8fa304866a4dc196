/* Incidents pages: select all rows, and the place picker. (Graphic media is revealed by
   media.js.) Classic script, no inline code (the CSP forbids it). */
(function () {
  "use strict";

  // Select every incident on the page.
  document.addEventListener("change", function (event) {
    var box = event.target;
    if (!box.classList || !box.classList.contains("select-all")) { return; }
    var table = box.closest("table");
    table.querySelectorAll("input[type=checkbox][name=code]").forEach(function (b) { b.checked = box.checked; });
  });

  // The place picker: a text box whose candidates (an htmx fragment) are buttons in a listbox.
  function picker(el) { return el && el.closest ? el.closest("[data-place-picker]") : null; }
  function parts(root) {
    return {
      text: root.querySelector("input[name=place_text]"),
      key: root.querySelector("input[name=place]"),
      list: root.querySelector(".place-options"),
      chosen: root.querySelector("[data-chosen]")
    };
  }
  function options(root) { return Array.prototype.slice.call(root.querySelectorAll(".place-option")); }
  function close(root) {
    var p = parts(root);
    p.list.replaceChildren();
    p.text.setAttribute("aria-expanded", "false");
  }
  function choose(root, button) {
    var p = parts(root);
    p.key.value = button.getAttribute("data-key");
    p.text.value = button.getAttribute("data-label");
    p.chosen.hidden = false;
    var label = p.chosen.querySelector("[data-chosen-label]");
    var bdi = document.createElement("bdi");
    bdi.textContent = button.getAttribute("data-label");
    label.replaceChildren(bdi);
    p.chosen.querySelector("[data-chosen-key]").textContent = button.getAttribute("data-key");
    close(root);
    p.text.focus();
  }
  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest(".place-option") : null;
    if (button && picker(button)) { choose(picker(button), button); }
  });
  document.addEventListener("input", function (event) {
    var root = picker(event.target);
    if (!root || event.target.name !== "place_text") { return; }
    var p = parts(root);
    p.key.value = "";  // the text no longer names the chosen place
    p.chosen.hidden = true;
  });
  document.addEventListener("keydown", function (event) {
    var root = picker(event.target);
    if (!root) { return; }
    var list = options(root);
    var at = list.indexOf(event.target);
    if (event.key === "ArrowDown" && list.length) {
      event.preventDefault();
      list[Math.min(at + 1, list.length - 1)].focus();
    } else if (event.key === "ArrowUp" && at >= 0) {
      event.preventDefault();
      if (at === 0) { parts(root).text.focus(); } else { list[at - 1].focus(); }
    } else if (event.key === "Escape" && list.length) {
      close(root);
      parts(root).text.focus();
    } else if (event.key === "Enter" && event.target.name === "place_text") {
      event.preventDefault();  // Enter in the place box picks, it does not send the whole form
      if (list.length) { list[0].focus(); }
    }
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    var root = picker(event.target);
    if (root) { parts(root).text.setAttribute("aria-expanded", options(root).length ? "true" : "false"); }
  });
})();
