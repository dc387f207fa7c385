#!/usr/bin/env bash
# The web UI's two libraries, from the npm registry as published (no build, no bundle):
# marked renders the model's Markdown and DOMPurify cleans the HTML before the page shows it.
# `make setup` runs it once; llmos serves them itself (nothing from a CDN).
set -euo pipefail
target="${1:?usage: fetch_webui_vendor.sh TARGET_DIR}"
packages=(marked@18.2.1 dompurify@3.4.18)

source "$(dirname "$0")/npm_unpack.sh"
npm_unpack "${packages[@]}"
marked="$work/marked-18.2.1/package"
purify="$work/dompurify-3.4.18/package"

next="$target.partial"
rm -rf "$next" && mkdir -p "$next/marked" "$next/dompurify"
cp "$marked"/lib/marked.esm.js{,.map} "$marked"/{LICENSE,README.md} "$next/marked/"
cp "$purify"/dist/purify.es.mjs{,.map} "$purify"/{LICENSE,README.md} "$next/dompurify/"
rm -rf "$target" && mv "$next" "$target"  # all or nothing
