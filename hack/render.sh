#!/usr/bin/env bash
# Renders a kpt package with the real `kpt fn render`, running the functions (the generator robustmq-cluster and
# the validator robustmq-validate) from freshly built binaries (exec mode) instead of their published images. The
# package's Kptfile names the images; this script swaps them for exec lines for the duration of the render and puts
# the original Kptfile back, so the package stays publishable.
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
# The validator (pipeline.validators) is swapped the same way.
vbin=${ROBUSTMQ_VALIDATE_BIN:-$root/bin/robustmq-validate}
if [ -z "${ROBUSTMQ_VALIDATE_BIN:-}" ]; then
  (cd "$root" && CGO_ENABLED=0 go build -trimpath -o "$vbin" ./functions/robustmq-validate)
fi

find "$pkg" -name Kptfile | while read -r kf; do
  cp "$kf" "$kf.orig"
  sed -i -E -e "s#^([[:space:]]*-[[:space:]]*)image:[[:space:]]*ghcr.io/robustmq/kpt-fn/robustmq-cluster:.*#\1exec: $bin#" \
    -e "s#^([[:space:]]*-[[:space:]]*)image:[[:space:]]*ghcr.io/robustmq/kpt-fn/robustmq-validate:.*#\1exec: $vbin#" "$kf"
done
restore() {
  find "$pkg" -name Kptfile.orig | while read -r orig; do mv "$orig" "${orig%.orig}"; done
}
trap restore EXIT
kpt fn render "$pkg" --allow-exec --truncate-output=false "$@"
