#!/bin/sh
# Copy pinned front-end files from npm into src/marsad/web/static/vendor/.
# Run by hand when a pin in package.json changes; the app never downloads anything
# at run time. Install scripts are disabled: we only want the published files.
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
dest="$root/src/marsad/web/static/vendor"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cp "$root/package.json" "$work/"
if [ -f "$root/package-lock.json" ]; then
    cp "$root/package-lock.json" "$work/"
    (cd "$work" && npm ci --ignore-scripts --no-audit --no-fund)
else
    (cd "$work" && npm install --ignore-scripts --no-audit --no-fund)
    cp "$work/package-lock.json" "$root/package-lock.json"
fi

mkdir -p "$dest"
versions="$dest/VERSIONS.txt"
echo "# name version sha256 file (written by tools/vendor.sh)" > "$versions"

licence_of() {
    # sh has no local variables: keep these names apart from vendor()'s.
    pkgdir="$work/node_modules/$1"
    licence=$(ls "$pkgdir" | grep -i -m1 -E '^(mit-)?licen[cs]e') || { echo "no licence in $1" >&2; exit 1; }
    cat "$pkgdir/$licence"
}

# vendor PACKAGE FILE-IN-PACKAGE [BUNDLED-PACKAGE...]: copy the file and its licence
# (plus the licences of the packages bundled into it), record version and digest.
vendor() {
    pkg=$1 file=$2
    shift 2
    dir="$work/node_modules/$pkg"
    name=$(basename "$file")
    notice="$dest/${name%.min.js}.LICENSE"
    cp "$dir/$file" "$dest/$name"
    licence_of "$pkg" > "$notice"
    for bundled in "$@"; do
        printf '\n\n---- %s (bundled in %s) ----\n\n' "$bundled" "$name" >> "$notice"
        licence_of "$bundled" >> "$notice"
    done
    version=$(node -p "require('$dir/package.json').version")
    digest=$(sha256sum "$dest/$name" | cut -d' ' -f1)
    echo "$pkg $version $digest $name" >> "$versions"
}

vendor htmx.org dist/htmx.min.js
# tus.min.js is a browserify bundle: it also holds these packages, and browserify's
# own shims buffer (MIT), base64-js (MIT) and ieee754 (BSD-3-Clause), noted below.
vendor tus-js-client dist/tus.min.js js-base64 url-parse querystringify requires-port
printf '\n\n---- buffer (MIT), base64-js (MIT), ieee754 (BSD-3-Clause): browserify shims bundled in tus.min.js; see their npm packages ----\n' \
    >> "$dest/tus.LICENSE"

# The map: Leaflet and its clustering plug-in under vendor/leaflet/ (leaflet.css finds
# its images in images/ beside it).
mkdir -p "$dest/leaflet/images"
# place PACKAGE FILE-IN-PACKAGE DEST-RELATIVE: copy one more file of a package and record it.
place() {
    cp "$work/node_modules/$1/$2" "$dest/$3"
    version=$(node -p "require('$work/node_modules/$1/package.json').version")
    echo "$1 $version $(sha256sum "$dest/$3" | cut -d' ' -f1) $3" >> "$versions"
}
place leaflet dist/leaflet.js leaflet/leaflet.js
place leaflet dist/leaflet.css leaflet/leaflet.css
for image in layers.png layers-2x.png marker-icon.png marker-icon-2x.png marker-shadow.png; do
    place leaflet "dist/images/$image" "leaflet/images/$image"
done
licence_of leaflet > "$dest/leaflet/leaflet.LICENSE"
place leaflet.markercluster dist/leaflet.markercluster.js leaflet/leaflet.markercluster.js
place leaflet.markercluster dist/MarkerCluster.css leaflet/MarkerCluster.css
place leaflet.markercluster dist/MarkerCluster.Default.css leaflet/MarkerCluster.Default.css
licence_of leaflet.markercluster > "$dest/leaflet/leaflet.markercluster.LICENSE"

# The offline basemap: Natural Earth borders from world-atlas, decoded from TopoJSON
# with topojson-client here, once, so the browser loads plain GeoJSON.
node "$root/tools/basemap.js" "$work/node_modules" "$dest/leaflet/basemap.geojson"
atlas=$(node -p "require('$work/node_modules/world-atlas/package.json').version")
client=$(node -p "require('$work/node_modules/topojson-client/package.json').version")
echo "world-atlas+topojson-client $atlas+$client $(sha256sum "$dest/leaflet/basemap.geojson" | cut -d' ' -f1) leaflet/basemap.geojson" >> "$versions"
{
    echo "basemap.geojson: Natural Earth admin-0 countries (public domain, naturalearthdata.com),"
    echo "as packaged by world-atlas $atlas and decoded by topojson-client $client (tools/basemap.js)."
    echo
    echo "---- world-atlas ----"; echo; licence_of world-atlas
    echo; echo "---- topojson-client ----"; echo; licence_of topojson-client
} > "$dest/leaflet/basemap.LICENSE"
cat "$versions"
