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
    licence=$(ls "$pkgdir" | grep -i -m1 '^licen[cs]e') || { echo "no licence in $1" >&2; exit 1; }
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
cat "$versions"
