#!/usr/bin/env bash
# hack/bench-image.sh: size and speed of the function images.
#
# For each function it prints
#   - the size of the host-built binary bin/linux_<arch>/<function>,
#   - the image size uncompressed (docker image inspect .Size),
#   - the gzip-compressed size of the image's layers (docker save, then each
#     layer tar through gzip -6, the level registries see from docker push):
#     all layers, and the top (function) layer alone,
#   - the mean wall time of `kpt fn render` over RUNS runs, in container mode
#     (`--image-pull-policy never`, the Kptfile's `image:`) and in exec mode
#     (`--allow-exec`, the same Kptfile with `exec: <binary>`), each run on a
#     fresh copy of the package.
# The package is packages/robustmq when it exists, else a temporary package
# with a Kptfile and one ConfigMap.
#
# Run through `make bench-image` (builds the images first), or directly after
# `make image`. Env: REGISTRY VERSION FUNCTIONS ARCH BIN_DIR RUNS DOCKER KPT
# PACKAGE (a package dir to use instead) and LIMIT_MIB (default 14).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
REGISTRY=${REGISTRY:-ghcr.io/robustmq/kpt-fn}
VERSION=${VERSION:-$(tr -d '[:space:]' <"$ROOT/VERSION")}
FUNCTIONS=${FUNCTIONS:-robustmq-cluster}
ARCH=${ARCH:-$(go env GOARCH)}
BIN_DIR=${BIN_DIR:-$ROOT/bin}
RUNS=${RUNS:-5}
DOCKER=${DOCKER:-docker}
KPT=${KPT:-kpt}
LIMIT_MIB=${LIMIT_MIB:-14}

die() { echo "bench-image.sh: $*" >&2; exit 1; }
command -v "$DOCKER" >/dev/null 2>&1 || die "docker is not installed"
"$DOCKER" info >/dev/null 2>&1 || die "the docker daemon is not reachable"
command -v "$KPT" >/dev/null 2>&1 || die "kpt is not installed (https://kpt.dev/installation/)"
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "RUNS must be a positive integer"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

mib() { awk -v b="$1" 'BEGIN { printf "%.2f", b / 1048576 }'; }
now_ns() { date +%s%N; }

# gzip sizes of the image's layers: prints "<total bytes> <top layer bytes>".
layer_gzip_sizes() {
  local img=$1 dir=$work/save total=0 top=0 layer n
  rm -rf "$dir" && mkdir -p "$dir"
  "$DOCKER" save "$img" | tar -x -C "$dir"
  # manifest.json: [{"Config":..., "RepoTags":[...], "Layers":["a/layer.tar", ...]}]
  # (older engines) or blobs/sha256/<digest> paths (OCI layout, newer ones).
  while read -r layer; do
    [[ -n $layer ]] || continue
    n=$(gzip -6 -c "$dir/$layer" | wc -c)
    total=$((total + n))
    top=$n
  done < <(sed -n 's/.*"Layers":\[\([^]]*\)\].*/\1/p' "$dir/manifest.json" | tr ',' '\n' | tr -d '"')
  echo "$total $top"
}

# Package to render: $1 = destination dir.
make_package() {
  local dst=$1 fn=$2
  if [[ -n ${PACKAGE:-} ]]; then
    cp -a "$PACKAGE/." "$dst/"
  elif [[ -f $ROOT/packages/robustmq/Kptfile ]]; then
    cp -a "$ROOT/packages/robustmq/." "$dst/"
  else
    cat >"$dst/Kptfile" <<EOF
apiVersion: kpt.dev/v1
kind: Kptfile
metadata:
  name: bench
pipeline:
  mutators:
    - image: $REGISTRY/$fn:$VERSION
EOF
    cat >"$dst/configmap.yaml" <<'EOF'
apiVersion: v1
kind: ConfigMap
metadata:
  name: bench
data:
  key: value
EOF
  fi
}

# Rewrites every Kptfile under $1 so that our function's `image:` becomes
# `exec: <binary>`.
to_exec() {
  local dir=$1 fn=$2 bin=$3 kf
  while IFS= read -r -d '' kf; do
    sed -E -i "s#image:[[:space:]]*\"?${REGISTRY//./\\.}/${fn}(:[^\"[:space:]]*)?(@sha256:[0-9a-f]+)?\"?#exec: ${bin}#" "$kf"
  done < <(find "$dir" -name Kptfile -print0)
  grep -rq "exec: ${bin}" "$dir" || die "no '$REGISTRY/$fn' image in the package's Kptfiles to switch to exec mode"
}

# Mean render time in ms over RUNS runs: $1 = mode (container|exec).
render_ms() {
  local mode=$1 fn=$2 bin=$3 i start end sum=0 pkg log=$work/render.log
  for ((i = 0; i < RUNS; i++)); do
    pkg=$work/pkg-$mode-$i
    mkdir -p "$pkg"
    make_package "$pkg" "$fn"
    local args=(fn render "$pkg" --truncate-output=false)
    if [[ $mode == exec ]]; then
      to_exec "$pkg" "$fn" "$bin"
      args+=(--allow-exec)
    else
      args+=(--image-pull-policy never)
    fi
    start=$(now_ns)
    if ! "$KPT" "${args[@]}" >"$log" 2>&1; then
      cat "$log" >&2
      die "kpt fn render failed in $mode mode"
    fi
    end=$(now_ns)
    sum=$((sum + (end - start) / 1000000))
    rm -rf "$pkg"
  done
  echo $((sum / RUNS))
}

pkg_desc="temporary package (Kptfile + ConfigMap)"
if [[ -n ${PACKAGE:-} ]]; then pkg_desc=$PACKAGE
elif [[ -f $ROOT/packages/robustmq/Kptfile ]]; then pkg_desc=packages/robustmq; fi

echo "# kpt function images: $REGISTRY/<function>:$VERSION, linux/$ARCH, $RUNS runs, package: $pkg_desc"
printf '%-20s %10s %12s %12s %12s %14s %12s %s\n' \
  function binary_MiB image_MiB gzip_MiB fn_layer_gz container_ms exec_ms budget
status=0
for fn in $FUNCTIONS; do
  img=$REGISTRY/$fn:$VERSION
  bin=$BIN_DIR/linux_$ARCH/$fn
  [[ -x $bin ]] || die "no binary $bin (run: make -f make/image.mk image)"
  "$DOCKER" image inspect "$img" >/dev/null 2>&1 || die "no image $img (run: make -f make/image.mk image)"
  bin_bytes=$(stat -c %s "$bin")
  img_bytes=$("$DOCKER" image inspect --format '{{.Size}}' "$img")
  read -r gz_total gz_top < <(layer_gzip_sizes "$img")
  c_ms=$(render_ms container "$fn" "$bin")
  e_ms=$(render_ms exec "$fn" "$bin")
  budget=ok
  if ((img_bytes > LIMIT_MIB * 1048576)); then budget="OVER ${LIMIT_MIB}MiB"; status=1; fi
  printf '%-20s %10s %12s %12s %12s %14s %12s %s\n' "$fn" "$(mib "$bin_bytes")" "$(mib "$img_bytes")" \
    "$(mib "$gz_total")" "$(mib "$gz_top")" "$c_ms" "$e_ms" "$budget"
done
exit $status
