# Sourced by the fetch_*.sh scripts: `npm_unpack PACKAGE@VERSION...` packs each package from the
# npm registry as published and unpacks it into "$work/NAME-VERSION/package" (the tarball's
# name, scope flattened); "$work" is removed when the script exits.
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

npm_unpack() {
    (cd "$work" && npm pack --silent "$@" >/dev/null)
    for archive in "$work"/*.tgz; do
        mkdir -p "${archive%.tgz}" && tar xzf "$archive" -C "${archive%.tgz}"
    done
}
