#!/usr/bin/env bash
# hack/tools.sh <tool>... builds (once) and prints the absolute path of each tool,
# one line per argument, in argument order. Build logs go to stderr only.
#
# Tools: etcd kube-apiserver kube-controller-manager kube-scheduler kwok kustomize promtool helm3 helm4 registry kube-score
# Versions come from hack/versions.env; binaries are cached as <tool>-<version>
# under ${ROBUSTMQ_KPT_TOOLS:-${XDG_CACHE_HOME:-$HOME/.cache}/robustmq-kpt/tools},
# so bumping a pin rebuilds. Everything is built from the Go module proxy.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=versions.env
source "$ROOT/hack/versions.env"

CACHE=${ROBUSTMQ_KPT_TOOLS:-${XDG_CACHE_HOME:-$HOME/.cache}/robustmq-kpt/tools}
mkdir -p "$CACHE"
CACHE=$(cd "$CACHE" && pwd)

# Throwaway modules must not see the repo's go.work or -mod flags.
export GOWORK=off CGO_ENABLED=0

log() { echo "tools.sh: $*" >&2; }

usage() {
  echo "usage: $0 {etcd|kube-apiserver|kube-controller-manager|kube-scheduler|kwok|kustomize|promtool|helm3|helm4|registry|kube-score}..." >&2
  exit 2
}

version_of() {
  case $1 in
    etcd) echo "$ETCD_VERSION" ;;
    kube-apiserver | kube-controller-manager | kube-scheduler) echo "$KUBERNETES_VERSION" ;;
    kwok) echo "$KWOK_VERSION" ;;
    kustomize) echo "$KUSTOMIZE_VERSION" ;;
    promtool) echo "$PROMTOOL_VERSION" ;;
    helm3) echo "$HELM3_VERSION" ;;
    helm4) echo "$HELM4_VERSION" ;;
    registry) echo "$REGISTRY_VERSION" ;;
    kube-score) echo "$KUBE_SCORE_VERSION" ;;
    *) return 1 ;;
  esac
}

# Scratch space for this run, removed on exit. It lives under $CACHE so the
# final rename is on the same file system (atomic) and outside the repo.
WORK=$(mktemp -d "$CACHE/.build.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
newtmp() { mktemp -d "$WORK/XXXXXX"; }

build_etcd() { # $1 = output dir
  local out=$1 mod
  mod=$(newtmp)
  (
    cd "$mod"
    export GOFLAGS=-mod=mod
    go mod init tools.local/etcd 2>/dev/null
    go mod edit -require="go.etcd.io/etcd/server/v3@$ETCD_VERSION"
    go build -trimpath -ldflags "-s -w" -o "$out/etcd" go.etcd.io/etcd/server/v3 >&2
  )
}

# kube-apiserver, kube-controller-manager and kube-scheduler come from one throwaway module that
# requires k8s.io/kubernetes and replaces its ./staging modules with published
# k8s.io/<module> v0.<minor>.<patch> (go install refuses modules with replaces).
build_kube() { # $1 = output dir; builds all three binaries (they share nearly every package)
  local out=$1 mod gomod pub major minor ldflags v
  v=$KUBERNETES_VERSION
  mod=$(newtmp)
  # From outside any module, so no go.mod/go.sum is touched.
  gomod=$(cd "$WORK" && go mod download -json "k8s.io/kubernetes@$v" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",$/\1/p')
  [[ -f $gomod ]] || { log "cannot download k8s.io/kubernetes@$v"; return 1; }
  pub="v0.${v#v1.}" # v1.36.3 -> v0.36.3
  major=1
  minor=$(echo "$v" | cut -d. -f2)
  (
    cd "$mod"
    export GOFLAGS=-mod=mod
    go mod init tools.local/kubernetes 2>/dev/null
    go mod edit -go="$(sed -n 's/^go \([0-9.]*\)$/\1/p' "$gomod")"
    go mod edit -require="k8s.io/kubernetes@$v"
    # Only modules kubernetes actually requires: some staging dirs (e.g.
    # sample-cli-plugin) are never published.
    local m
    for m in $(sed -n 's#^[[:space:]]*\(k8s\.io/[A-Za-z0-9._-]*\) => \./staging/.*#\1#p' "$gomod"); do
      if grep -Eq "^[[:space:]]*$m v0\.0\.0" "$gomod"; then
        go mod edit -replace="$m=$m@$pub"
      fi
    done
    ldflags="-s -w"
    local p
    for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
      ldflags+=" -X $p.gitVersion=$v -X $p.gitMajor=$major -X $p.gitMinor=$minor -X $p.gitTreeState=clean"
    done
    log "building kube-apiserver, kube-controller-manager and kube-scheduler $v (cold: ~10-20 min on 2 cores)"
    go build -trimpath -ldflags "$ldflags" -o "$out/" \
      k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
      k8s.io/kubernetes/cmd/kube-scheduler >&2
  )
}

build_goinstall() { # $1 = output dir, $2 = name, $3 = pkg@version, $4 = extra -ldflags
  local out=$1 name=$2 pkg=$3 bin
  bin=$(newtmp)
  GOFLAGS='' GOBIN=$bin go install -trimpath -ldflags "-s -w ${4:-}" "$pkg" >&2
  # $bin holds just the one binary; its name drops a major-version suffix (.../kustomize/v5 -> kustomize).
  local built=("$bin"/*)
  [[ ${#built[@]} == 1 && -x ${built[0]} ]] || { log "go install $pkg left ${built[*]}"; return 1; }
  mv "${built[0]}" "$out/$name"
}

helm3_ldflags() {
  local gomod minor p
  gomod=$(cd "$WORK" && go mod download -json "helm.sh/helm/v3@$HELM3_VERSION" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",$/\1/p')
  minor=$(sed -n 's#^[[:space:]]*k8s\.io/client-go v0\.\([0-9]*\)\..*#\1#p' "$gomod")
  [[ -n $minor ]] || { log "no k8s.io/client-go in $gomod"; return 1; }
  echo -n "-X helm.sh/helm/v3/internal/version.version=$HELM3_VERSION"
  for p in helm.sh/helm/v3/pkg/lint/rules helm.sh/helm/v3/pkg/chartutil; do
    echo -n " -X $p.k8sVersionMajor=1 -X $p.k8sVersionMinor=$minor"
  done
}

# ensure <tool>: build if missing (under a per-group lock), print the path.
ensure() {
  local tool=$1 ver group final out fd t ldflags
  ver=$(version_of "$tool") || usage
  final="$CACHE/$tool-$ver"
  if [[ ! -x $final ]]; then
    group=$tool
    [[ $tool == kube-apiserver || $tool == kube-controller-manager || $tool == kube-scheduler ]] && group=kubernetes
    exec {fd}>"$CACHE/.lock-$group"
    flock "$fd"
    if [[ ! -x $final ]]; then # another caller may have built it while we waited
      log "building $tool $ver into $CACHE"
      out=$(newtmp)
      case $tool in
        etcd) build_etcd "$out" ;;
        kube-apiserver | kube-controller-manager | kube-scheduler) build_kube "$out" ;;
        kustomize) build_goinstall "$out" kustomize "sigs.k8s.io/kustomize/kustomize/v5@$KUSTOMIZE_VERSION" ;;
        promtool) build_goinstall "$out" promtool "github.com/prometheus/prometheus/cmd/promtool@$PROMTOOL_VERSION" ;;
        kwok) build_goinstall "$out" kwok "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION" ;;
        # The -X flags are those of Helm's own Makefile: `helm version` reports the version, and Helm 3's offline
        # Kubernetes version (helm template, lint; checked against a chart's kubeVersion) is that of its
        # client-go, not 1.20.
        helm3)
          ldflags=$(helm3_ldflags)
          build_goinstall "$out" helm3 "helm.sh/helm/v3/cmd/helm@$HELM3_VERSION" "$ldflags"
          ;;
        helm4) build_goinstall "$out" helm4 "helm.sh/helm/v4/cmd/helm@$HELM4_VERSION" \
          "-X helm.sh/helm/v4/internal/version.version=$HELM4_VERSION" ;;
        registry) build_goinstall "$out" registry "github.com/distribution/distribution/v3/cmd/registry@$REGISTRY_VERSION" ;;
        kube-score) build_goinstall "$out" kube-score "github.com/zegl/kube-score/cmd/kube-score@$KUBE_SCORE_VERSION" \
          "-X main.version=$KUBE_SCORE_VERSION" ;;
      esac
      # Atomic renames: readers see either nothing or a complete binary.
      for t in "$out"/*; do
        mv -f "$t" "$CACHE/$(basename "$t")-$ver"
      done
    fi
    flock -u "$fd"
    exec {fd}>&-
  fi
  [[ -x $final ]] || { log "$tool was not built"; exit 1; }
  echo "$final"
}

[[ $# -gt 0 ]] || usage
for tool in "$@"; do
  version_of "$tool" >/dev/null || usage
done
for tool in "$@"; do
  ensure "$tool"
done
