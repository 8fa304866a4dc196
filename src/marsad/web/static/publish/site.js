/* The index and timeline pages' filters (kept in the URL's query, so a filtered list can be linked),
   the index's map and the timeline's histogram (drawn on the server; here only narrowed to the filters).
   A classic script: module scripts do not run from file://. Without JavaScript the whole list shows. */
(function () {
  "use strict";
  var params = new URLSearchParams(window.location.search);
  var form = document.querySelector("form.filters");
  var rows = Array.prototype.slice.call(
    document.querySelectorAll("#incidents tbody tr[data-grade], #timeline li[data-grade]"));
  var shown = {};

  function fill() {
    if (!form) return;
    params.forEach(function (value, key) {
      var field = form.elements.namedItem(key);
      if (field) field.value = value;
    });
  }

  function matches(row) {
    var grade = params.get("grade"), type = params.get("type"), from = params.get("from"), to = params.get("to");
    var words = (params.get("q") || "").trim().toLowerCase();
    var date = row.getAttribute("data-date") || "";
    if (grade && row.getAttribute("data-grade") !== grade) return false;
    if (type && row.getAttribute("data-type") !== type) return false;
    if (from && (!date || date < from)) return false;
    if (to && (!date || date > to)) return false;
    if (words && row.textContent.toLowerCase().indexOf(words) < 0) return false;
    return true;
  }

  function filter() {
    var n = 0;
    rows.forEach(function (row) {
      var ok = matches(row);
      row.hidden = !ok;
      var link = row.querySelector("a");
      if (link) shown[link.textContent] = ok;
      if (ok) n += 1;
    });
    var count = document.getElementById("count");
    if (count) {
      count.textContent = count.getAttribute("data-template")
        .replace("%(shown)s", String(n)).replace("%(total)s", count.getAttribute("data-total"));
    }
  }

  function map() {
    var holder = document.getElementById("map"), data = document.getElementById("points");
    if (!holder || !data || typeof L === "undefined") return;
    var points = JSON.parse(data.textContent).filter(function (p) { return shown[p.code] !== false; });
    holder.classList.add("live");
    var m = L.map(holder, { attributionControl: false, zoomSnap: 0.5 });
    if (window.MARSAD_BASEMAP) {
      L.geoJSON(window.MARSAD_BASEMAP, { style: { color: "#8aa1ad", weight: 1, fillColor: "#f4f1ea", fillOpacity: 1 },
                                          interactive: false }).addTo(m);
    }
    var group = L.featureGroup();
    points.forEach(function (p) {
      var marker = L.circleMarker([p.lat, p.lon], { radius: 7, color: "#8a1c1c", weight: 2, fillOpacity: 0.6 });
      var a = document.createElement("a");
      a.href = p.href;
      a.textContent = p.code + " " + p.title;
      marker.bindPopup(a);
      group.addLayer(marker);
    });
    group.addTo(m);
    if (points.length) m.fitBounds(group.getBounds().pad(0.5), { maxZoom: 9 });
    else m.setView([35, 38], 6);
  }

  function histogram() {
    var svg = document.getElementById("histogram");
    if (!svg) return;
    var per = {}, most = 0;
    rows.forEach(function (row) {
      if (row.hidden) return;
      var d = row.getAttribute("data-date");
      per[d] = (per[d] || 0) + 1;
      most = Math.max(most, per[d]);
    });
    var base = svg.querySelector("line.axis"), height = Number(base ? base.getAttribute("y1") : 120);
    Array.prototype.forEach.call(svg.querySelectorAll("rect[data-date]"), function (bar) {
      var n = per[bar.getAttribute("data-date")] || 0, h = n ? Math.max(height * n / most, 2) : 0;
      bar.setAttribute("height", h.toFixed(2));
      bar.setAttribute("y", (height - h).toFixed(2));
    });
    Array.prototype.forEach.call(document.querySelectorAll("#timeline li.day"), function (day) {
      day.hidden = !day.querySelector("li[data-grade]:not([hidden])");
    });
  }

  fill();
  filter();
  histogram();
  map();
})();
