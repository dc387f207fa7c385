#!/usr/bin/env bash
# Icons and flags for llmos's image composer, from the npm registry (MIT, licences kept):
# Fluent Emoji Flat as Iconify JSON, emojibase-data's English and Chinese names, flag-icons.
# `make setup` runs it once; llmos never downloads at run time.
set -euo pipefail
target="${1:?usage: fetch_icons.sh TARGET_DIR}"
packages=(@iconify-json/fluent-emoji-flat@1.2.6 emojibase-data@17.0.0 flag-icons@7.5.0)

source "$(dirname "$0")/npm_unpack.sh"
npm_unpack "${packages[@]}"
fluent="$work/iconify-json-fluent-emoji-flat-1.2.6/package"
emojibase="$work/emojibase-data-17.0.0/package"
flags="$work/flag-icons-7.5.0/package"

next="$target.partial"
rm -rf "$next" && mkdir -p "$next/fluent-emoji-flat" "$next/emojibase/en" "$next/emojibase/zh" \
    "$next/flag-icons/flags"
cp "$fluent"/{icons.json,chars.json,info.json,README.md} "$next/fluent-emoji-flat/"
cp "$emojibase/en/data.json" "$next/emojibase/en/"
cp "$emojibase/zh/data.json" "$next/emojibase/zh/"
cp "$emojibase"/{LICENSE,README.md} "$next/emojibase/"
cp -r "$flags/flags/4x3" "$next/flag-icons/flags/"
cp "$flags"/{country.json,LICENSE} "$next/flag-icons/"
rm -rf "$target" && mv "$next" "$target"  # all or nothing
