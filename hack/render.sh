#!/usr/bin/env bash
# Renders a kpt package with the real `kpt fn render`, running the function from a freshly built binary (exec
# mode) instead of its published image. The package's Kptfile names the image; this script swaps it for an exec
# line for the duration of the render and puts the original Kptfile back, so the package stays publishable.
#
# usage: hack/render.sh PACKAGE_DIR [kpt fn render flags...]
set -euo pipefail

pkg=${1:?usage: hack/render.sh PACKAGE_DIR [kpt flags]}
shift
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${ROBUSTMQ_FN_BIN:-$root/bin/robustmq-cluster}
if [ -z "${ROBUSTMQ_FN_BIN:-}" ]; then
  (cd "$root" && CGO_ENABLED=0 go build -trimpath -o "$bin" ./functions/robustmq-cluster)
fi

find "$pkg" -name Kptfile | while read -r kf; do
  cp "$kf" "$kf.orig"
  sed -i -E "s#^([[:space:]]*-[[:space:]]*)image:[[:space:]]*ghcr.io/robustmq/kpt-fn/robustmq-cluster:.*#\1exec: $bin#" "$kf"
done
restore() {
  find "$pkg" -name Kptfile.orig | while read -r orig; do mv "$orig" "${orig%.orig}"; done
}
trap restore EXIT
kpt fn render "$pkg" --allow-exec --truncate-output=false "$@"
