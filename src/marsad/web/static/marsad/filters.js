/* The shared filter form: leave empty fields out of the URL, so a filtered view's link
   reads "?place=…&grade=fair" and not every field of the form. (The form works without
   this script; the server ignores empty values.) */
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-filters]")) { return; }
    Array.prototype.forEach.call(form.elements, function (field) {
      if (field.name && !field.value) { field.disabled = true; }
    });
    // Re-enable after the navigation starts, for the back button's restored page.
    window.setTimeout(function () {
      Array.prototype.forEach.call(form.elements, function (field) { field.disabled = false; });
    }, 0);
  });
})();
