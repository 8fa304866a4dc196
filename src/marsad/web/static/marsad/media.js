/* Marsad media: veiled (graphic) media is fetched only when the person clicks "Show";
   a dropped file is sent to "Have we seen this?". No inline script: the CSP forbids it. */
(function () {
  "use strict";

  function reveal(veil) {
    veil.querySelectorAll("[data-poster]").forEach(function (el) {
      el.setAttribute("poster", el.getAttribute("data-poster"));
      el.removeAttribute("data-poster");
    });
    veil.querySelectorAll("[data-src]").forEach(function (el) {
      el.setAttribute("src", el.getAttribute("data-src"));
      el.removeAttribute("data-src");
      el.hidden = false;
      if (el.tagName === "VIDEO" || el.tagName === "AUDIO") {
        el.preload = "metadata"; /* load its first frame and length; playing still waits for the person */
      }
    });
    veil.querySelectorAll(".preview, .veil-cover, [data-veil-note]").forEach(function (el) { el.remove(); });
    veil.classList.remove("veil");
    veil.removeAttribute("data-veil");
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-reveal]");
    if (!button) { return; }
    var veil = button.closest("[data-veil]");
    if (veil) { event.preventDefault(); reveal(veil); }
  });

  function dropzone(form) {
    var input = form.querySelector("input[type=file]");
    ["dragenter", "dragover"].forEach(function (name) {
      form.addEventListener(name, function (event) { event.preventDefault(); form.classList.add("dragging"); });
    });
    ["dragleave", "drop"].forEach(function (name) {
      form.addEventListener(name, function () { form.classList.remove("dragging"); });
    });
    form.addEventListener("drop", function (event) {
      event.preventDefault();
      if (!event.dataTransfer || !event.dataTransfer.files.length) { return; }
      input.files = event.dataTransfer.files;
      form.requestSubmit();
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-dropzone]").forEach(dropzone);
  });
})();
