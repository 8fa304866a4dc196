/* The incident map: offline borders (Natural Earth GeoJSON served by this app), the
   gazetteer's governorates and districts as labels, and the filtered incidents as
   clustered markers styled by location precision. Nothing is fetched from another host
   (the CSP forbids it); popups are built from DOM nodes, never from HTML strings. */
(function () {
  "use strict";

  var el = document.getElementById("incident-map");
  if (!el || !window.L) { return; }
  var words = JSON.parse(el.getAttribute("data-words"));
  var rtl = document.documentElement.getAttribute("dir") === "rtl";
  var pageDir = rtl ? "rtl" : "ltr";
  var status = document.querySelector("[data-map-status]");

  var map = L.map(el, { zoomControl: false, minZoom: 3, maxZoom: 14, zoomSnap: 0.5 });
  L.control.zoom({ position: rtl ? "topright" : "topleft" }).addTo(map);
  map.attributionControl.setPrefix(false);
  map.attributionControl.addAttribution("Natural Earth");
  map.setView([35.0, 38.6], 6.5);  // Syria
  map.createPane("labels");
  map.getPane("labels").style.zIndex = 450;  // above the borders, below the markers
  map.getPane("labels").style.pointerEvents = "none";

  function node(tag, className, text) {
    var n = document.createElement(tag);
    if (className) { n.className = className; }
    if (text !== undefined && text !== null) { n.textContent = text; }
    return n;
  }

  // --- borders -------------------------------------------------------------------------------
  fetch(el.getAttribute("data-basemap-url"), { credentials: "same-origin" })
    .then(function (r) { return r.json(); })
    .then(function (data) {
      L.geoJSON(data, {
        interactive: false,
        style: function (f) {
          var home = f.properties.name === "Syria";
          return { className: home ? "border border-home" : "border", weight: home ? 1.6 : 0.8,
                   color: home ? "#3d4f5c" : "#8a969e", fillColor: home ? "#fbfaf5" : "#eceae2", fillOpacity: 1 };
        }
      }).addTo(map).bringToBack();
      el.setAttribute("data-borders", "drawn");
    });

  // --- labels: neighbouring countries, then the gazetteer's governorates and districts -------
  var COUNTRY_AT = { Lebanon: [33.95, 35.9], Israel: [30.9, 34.8], Palestine: [31.95, 35.3], Jordan: [31.0, 36.9],
                     Iraq: [33.3, 43.2], Turkey: [38.9, 35.0], Cyprus: [35.05, 33.1], Syria: [35.4, 38.6] };
  function label(text, latlng, className) {
    var span = node("span", null, text);
    span.setAttribute("dir", "auto");
    return L.marker(latlng, { pane: "labels", interactive: false, keyboard: false,
      icon: L.divIcon({ className: "map-label " + className, html: span, iconSize: null }) });
  }
  var countries = L.layerGroup(), governorates = L.layerGroup(), districts = L.layerGroup();
  Object.keys(COUNTRY_AT).forEach(function (name) {
    var cls = name === "Syria" ? "label-home" : "label-country";
    (name === "Syria" ? countries : countries).addLayer(label(words.countries[name] || name, COUNTRY_AT[name], cls));
  });
  JSON.parse(el.getAttribute("data-labels")).forEach(function (p) {
    (p[3] === 1 ? governorates : districts).addLayer(label(p[0], [p[1], p[2]], "label-level-" + p[3]));
  });
  function showLabels() {
    var z = map.getZoom();
    [[countries, z < 9], [governorates, z >= 6], [districts, z >= 8.5]].forEach(function (pair) {
      if (pair[1] && !map.hasLayer(pair[0])) { map.addLayer(pair[0]); }
      if (!pair[1] && map.hasLayer(pair[0])) { map.removeLayer(pair[0]); }
    });
  }
  map.on("zoomend", showLabels);
  showLabels();

  // --- incidents -----------------------------------------------------------------------------
  var detailUrl = el.getAttribute("data-detail-url");
  var tableUrl = el.getAttribute("data-table-url");
  function tableFor(placeKey) {
    var url = new URL(tableUrl, window.location.origin);
    url.searchParams.set("place", placeKey);
    return url.pathname + url.search;
  }
  function row(list, term, value) {
    if (!value) { return; }
    list.appendChild(node("dt", null, term));
    var dd = node("dd");
    var bdi = node("bdi", null, value);
    dd.appendChild(bdi);
    list.appendChild(dd);
  }
  function popupFor(p) {
    var box = node("div", "map-popup");
    box.setAttribute("dir", pageDir);
    var list = node("dl");
    if (p.count) {
      var head = node("p", "popup-count", p.count + " " + words.incidents_here);
      box.appendChild(head);
      row(list, words.place, p.place);
      row(list, words.date, p.first === p.last ? p.first : p.first + " – " + p.last);
      box.appendChild(list);
      if (p.place_key) {
        var a = node("a", null, words.show_table);
        a.href = tableFor(p.place_key);
        box.appendChild(a);
      }
      return box;
    }
    var link = node("a", "popup-code");
    link.href = detailUrl.replace("CODE", encodeURIComponent(p.code));
    link.appendChild(node("bdi", null, p.code));
    box.appendChild(link);
    if (p.title) {
      var title = node("p", "popup-title", p.title);
      title.setAttribute("dir", "auto");
      box.appendChild(title);
    }
    row(list, words.date, p.date);
    row(list, words.place, p.place);
    row(list, words.grade, words.grades[p.grade] || p.grade);
    row(list, words.precision, words[p.precision] || p.precision);
    box.appendChild(list);
    var open = node("a", null, words.open);
    open.href = link.href;
    box.appendChild(open);
    return box;
  }
  function markerFor(f) {
    var p = f.properties;
    var c = f.geometry.coordinates;
    var icon;
    if (p.count) {
      var span = node("span", null, String(p.count));
      icon = L.divIcon({ className: "incident-marker incident-group precision-" + p.precision, html: span,
                         iconSize: [30, 30] });
    } else {
      var size = { exact: 12, town: 14, district: 20, governorate: 28 }[p.precision] || 14;
      icon = L.divIcon({ className: "incident-marker precision-" + p.precision, iconSize: [size, size] });
    }
    var m = L.marker([c[1], c[0]], { icon: icon, title: p.code || p.place || "", count: p.count || 1 });
    m.bindPopup(function () { return popupFor(p); }, { maxWidth: 300 });
    return m;
  }
  // Towns that incidents are placed at, named once zoomed in far enough to read them.
  var towns = L.layerGroup();
  map.on("zoomend", function () {
    var show = map.getZoom() >= 10;
    if (show && !map.hasLayer(towns)) { map.addLayer(towns); }
    if (!show && map.hasLayer(towns)) { map.removeLayer(towns); }
  });
  function nameTowns(features) {
    var seen = {};
    features.forEach(function (f) {
      var p = f.properties;
      if (p.precision !== "town" || !p.place_key || seen[p.place_key]) { return; }
      seen[p.place_key] = true;
      var c = f.geometry.coordinates;
      towns.addLayer(label(p.place, [c[1], c[0]], "label-town"));
    });
  }
  var clusters = L.markerClusterGroup({
    showCoverageOnHover: false, maxClusterRadius: 40, spiderfyOnMaxZoom: true,
    iconCreateFunction: function (cluster) {  // count incidents, not markers, when groups come counted
      var n = cluster.getAllChildMarkers().reduce(function (s, m) { return s + (m.options.count || 1); }, 0);
      var size = n < 10 ? "small" : n < 100 ? "medium" : "large";
      var box = node("div");
      box.appendChild(node("span", null, String(n)));
      return L.divIcon({ html: box, className: "marker-cluster marker-cluster-" + size, iconSize: [40, 40] });
    }
  });
  map.addLayer(clusters);
  fetch(el.getAttribute("data-data-url"), { credentials: "same-origin", headers: { Accept: "application/geo+json" } })
    .then(function (r) { return r.json(); })
    .then(function (data) {
      var markers = data.features.map(markerFor);
      clusters.addLayers(markers);
      nameTowns(data.features);
      if (markers.length) {  // no animation: the map is ready (and its borders sharp) at once
        map.fitBounds(clusters.getBounds().pad(0.3), { maxZoom: 8, animate: false });
      }
      el.setAttribute("data-markers", String(markers.length));
      el.setAttribute("data-total", String(data.total));
      if (status) {
        status.textContent = words.status.replace("%(mapped)s", data.mapped).replace("%(unmapped)s", data.unmapped)
          + (data.aggregated ? " " + words.grouped : "");
      }
    })
    .catch(function () { if (status) { status.textContent = words.failed; } });
})();
