// Build the offline basemap from npm world-atlas (Natural Earth, public domain):
// Syria and its neighbours at 1:10m, so borders look right at governorate zoom,
// the rest of the region at 1:50m and the world at 1:110m for context. Written as plain GeoJSON with
// rounded coordinates, so the browser needs no TopoJSON decoder.
// Usage: node tools/basemap.js NODE_MODULES OUT.geojson
"use strict";
const fs = require("fs");
const path = require("path");

const modules = process.argv[2];
const out = process.argv[3];
const topojson = require(path.join(modules, "topojson-client"));
const atlas = (name) => JSON.parse(fs.readFileSync(path.join(modules, "world-atlas", name), "utf8"));
// West, south, east, north: the Levant, Mesopotamia and their neighbours.
const REGION = [24, 26, 52, 43];

function bbox(geometry) {
  let w = 180, s = 90, e = -180, n = -90;
  const walk = (c) => {
    if (typeof c[0] === "number") {
      w = Math.min(w, c[0]); e = Math.max(e, c[0]); s = Math.min(s, c[1]); n = Math.max(n, c[1]);
    } else { c.forEach(walk); }
  };
  walk(geometry.coordinates);
  return [w, s, e, n];
}
const inRegion = (b) => b[0] <= REGION[2] && b[2] >= REGION[0] && b[1] <= REGION[3] && b[3] >= REGION[1];
const round = (c) => (typeof c[0] === "number" ? [+c[0].toFixed(3), +c[1].toFixed(3)] : c.map(round));

function countries(name) {
  const topo = atlas(name);
  return topojson.feature(topo, topo.objects.countries).features.filter((f) => f.geometry);
}

// Syria, its neighbours, and Cyprus (all of whose parts Natural Earth draws apart).
const NEAR = new Set(["Syria", "Lebanon", "Israel", "Palestine", "Jordan", "Iraq", "Turkey", "Cyprus", "N. Cyprus",
  "Cyprus U.N. Buffer Zone", "Akrotiri", "Dhekelia"]);
// Countries spanning much of the globe (Russia, France with its overseas parts) stay coarse.
const regional = (f) => { const b = bbox(f.geometry); return inRegion(b) && b[2] - b[0] < 40; };
const near = countries("countries-10m.json").filter((f) => NEAR.has(f.properties.name));
const middle = countries("countries-50m.json").filter((f) => !NEAR.has(f.properties.name) && regional(f));
const taken = new Set(near.concat(middle).map((f) => f.properties.name));
const far = countries("countries-110m.json").filter((f) => !taken.has(f.properties.name) && !NEAR.has(f.properties.name));
const features = near.map((f) => [f, "10m"]).concat(middle.map((f) => [f, "50m"]), far.map((f) => [f, "110m"])).map(([f, scale]) => ({
  type: "Feature",
  id: f.id,
  properties: { name: f.properties.name, scale: scale },
  geometry: { type: f.geometry.type, coordinates: round(f.geometry.coordinates) },
}));
fs.writeFileSync(out, JSON.stringify({ type: "FeatureCollection", features: features }));
console.log(`${out}: ${near.length} countries at 1:10m, ${middle.length} at 1:50m, ${far.length} at 1:110m`);
