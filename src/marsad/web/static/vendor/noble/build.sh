#!/bin/sh
# Rebuild noble.min.js: @noble/ed25519 + @noble/hashes (sha256, sha512) as one classic
# script (module scripts do not run from file://), exposing window.noble = {ed, sha256, sha512}.
# Run by hand when the pins below change; record the result in ../VERSIONS.txt.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
npm init -y >/dev/null
npm install --no-audit --no-fund @noble/ed25519@3.2.0 @noble/hashes@2.4.0 esbuild@0.28.2 >/dev/null
cat > entry.js <<'JS'
import * as ed from '@noble/ed25519';
import { sha256, sha512 } from '@noble/hashes/sha2.js';
ed.hashes.sha512 = sha512;
export { ed, sha256, sha512 };
JS
./node_modules/.bin/esbuild entry.js --bundle --format=iife --global-name=noble --minify --target=es2020 \
  --legal-comments=inline --outfile="$here/noble.min.js"
cp node_modules/@noble/ed25519/LICENSE "$here/noble-ed25519.LICENSE"
cp node_modules/@noble/hashes/LICENSE "$here/noble-hashes.LICENSE"
