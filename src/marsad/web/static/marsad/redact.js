/* Marsad redaction: drag on the picture to mark a region to blur. Each box is added to
   the form's list as x,y,w,h in pixels of the full picture; without this script the
   list is typed by hand, and the form works the same. */
(function () {
  "use strict";

  function scaleOf(area, img) {
    /* A photo is shown from its original (natural size is the picture's); a video from its
       poster, which may be smaller than the frames: scale to the video's own size. */
    var width = area.dataset.kind === "video" && area.dataset.width ? +area.dataset.width : img.naturalWidth;
    var height = area.dataset.kind === "video" && area.dataset.height ? +area.dataset.height : img.naturalHeight;
    return { x: width / img.clientWidth, y: height / img.clientHeight };
  }

  function setup(area) {
    var stage = area.querySelector(".draw-stage");
    var img = stage.querySelector("img");
    var list = area.closest("form").querySelector("textarea[name=boxes]");
    var start = null, box = null;
    area.querySelector("[data-draw-help]").hidden = false;

    function point(event) {
      var rect = img.getBoundingClientRect();
      return { x: Math.min(Math.max(event.clientX - rect.left, 0), rect.width),
               y: Math.min(Math.max(event.clientY - rect.top, 0), rect.height) };
    }

    function place(el, a, b) {
      /* Boxes are placed from the picture's left edge whatever the page's direction:
         pixels count from the left in every language. */
      el.style.left = Math.min(a.x, b.x) + "px";
      el.style.top = Math.min(a.y, b.y) + "px";
      el.style.width = Math.abs(a.x - b.x) + "px";
      el.style.height = Math.abs(a.y - b.y) + "px";
    }

    stage.addEventListener("pointerdown", function (event) {
      if (img.hidden || !img.naturalWidth) { return; }
      event.preventDefault();
      stage.setPointerCapture(event.pointerId);
      start = point(event);
      box = document.createElement("div");
      box.className = "drawn-box";
      stage.appendChild(box);
      place(box, start, start);
    });
    stage.addEventListener("pointermove", function (event) {
      if (start) { place(box, start, point(event)); }
    });
    stage.addEventListener("pointerup", function (event) {
      if (!start) { return; }
      var end = point(event), s = scaleOf(area, img);
      var x = Math.round(Math.min(start.x, end.x) * s.x), y = Math.round(Math.min(start.y, end.y) * s.y);
      var w = Math.round(Math.abs(start.x - end.x) * s.x), h = Math.round(Math.abs(start.y - end.y) * s.y);
      start = null;
      if (w < 4 || h < 4) { box.remove(); return; } /* a click, not a box */
      list.value = (list.value.trim() ? list.value.trim() + "\n" : "") + [x, y, w, h].join(",");
      list.dispatchEvent(new Event("input", { bubbles: true }));
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-draw]").forEach(setup);
  });
})();
