#!/usr/bin/env bash
# hack/bench-fleet.sh: the robustmq-cluster function against its floor, at fleet sizes.
#
# The floor is hack/identityfn, a KRM function on the same SDK that parses a ResourceList and writes it back
# unchanged. For each fleet size N it renders N copies of the prod split-pool cluster
# (functions/robustmq-cluster/testdata/prod-split-pools/cluster.yaml, cluster i named mq-i in namespace
# messaging-i), feeds the function's own output to the floor, and then runs the two alternately, RUNS times,
# each as a whole process under /usr/bin/time. It prints, run by run, wall time, CPU time and max RSS of both and their
# ratios (function / floor), then the median ratios. Wall time includes waiting for a core on a busy machine; CPU
# time (user + system) is the steadier ratio there.
#
# usage: hack/bench-fleet.sh [N...]      (default: 1 100 1000)
# Env: RUNS (default 5; 3 when N >= 1000), GCFLAGS (go build -gcflags, e.g. all=-l as in the release image),
# FN_BIN / FLOOR_BIN (prebuilt binaries instead of building them), KEEP (a dir to keep inputs and outputs in).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
sizes=("$@")
((${#sizes[@]})) || sizes=(1 100 1000)
die() { echo "bench-fleet.sh: $*" >&2; exit 1; }
[[ -x /usr/bin/time ]] || die "needs GNU time at /usr/bin/time (Debian: apt-get install time)"

work=${KEEP:-$(mktemp -d)}
mkdir -p "$work"
[[ -n ${KEEP:-} ]] || trap 'rm -rf "$work"' EXIT

build() { # $1 = package, $2 = output
  CGO_ENABLED=0 go build -C "$ROOT" -trimpath -buildvcs=false -ldflags '-s -w' ${GCFLAGS:+-gcflags "$GCFLAGS"} -o "$2" "$1"
}
fn_bin=${FN_BIN:-$work/robustmq-cluster}
floor_bin=${FLOOR_BIN:-$work/identityfn}
[[ -n ${FN_BIN:-} ]] || build ./functions/robustmq-cluster "$fn_bin"
[[ -n ${FLOOR_BIN:-} ]] || build ./hack/identityfn "$floor_bin"

# input N > file: a ResourceList of N clusters, as kpt would send it.
input() {
  local n=$1 i
  printf 'apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n'
  for ((i = 0; i < n; i++)); do
    sed -e "s/^  name: mq$/  name: mq-$i/" -e "s/^  namespace: messaging$/  namespace: messaging-$i/" \
      -e 's/^/  /' -e '1s/^  /- /' "$ROOT/functions/robustmq-cluster/testdata/prod-split-pools/cluster.yaml"
  done
}

# run BIN IN -> "wall_ms cpu_ms maxrss_kib": times from bash's `time` (1 ms resolution; GNU time's is 10 ms), max
# RSS from GNU time. Both add the same small cost of /usr/bin/time itself to either side.
run() {
  local TIMEFORMAT='%3R %3U %3S' t
  t=$({ time /usr/bin/time -o "$work/rss" -f '%M' "$1" <"$2" >/dev/null 2>"$work/stderr"; } 2>&1)
  echo "$t $(tail -n1 "$work/rss")" | awk '{ printf "%d %d %d\n", $1 * 1000, ($2 + $3) * 1000, $4 }'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / (b ? b : 1) }'; }
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
median() { sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

printf '# robustmq-cluster vs identity floor (same SDK, same output), %s CPUs, gcflags=%s\n' "$(nproc)" "${GCFLAGS:-none}"
for n in "${sizes[@]}"; do
  in=$work/in-$n.yaml out=$work/out-$n.yaml
  input "$n" >"$in"
  "$fn_bin" <"$in" >"$out" || die "the function failed on $n clusters"
  "$floor_bin" <"$out" | cmp -s - "$out" || die "the floor does not reproduce the function's output byte for byte"
  runs=${RUNS:-$((n >= 1000 ? 3 : 5))}
  printf '\n## %d clusters: output %.1f MiB, %d runs\n' "$n" "$(stat -c %s "$out" | awk '{ print $1 / 1048576 }')" "$runs"
  printf '%4s %9s %9s %7s %9s %9s %7s %9s %9s %7s\n' run fn_ms floor_ms wall_x fn_cpu floor_cpu cpu_x fn_MiB floor_MiB rss_x
  : >"$work/wx" && : >"$work/cx" && : >"$work/mx"
  for ((r = 1; r <= runs; r++)); do
    read -r fw fc fk < <(run "$fn_bin" "$in")
    read -r iw ic ik < <(run "$floor_bin" "$out")
    wx=$(ratio "$fw" "$iw") cx=$(ratio "$fc" "$ic") mx=$(ratio "$fk" "$ik")
    echo "$wx" >>"$work/wx" && echo "$cx" >>"$work/cx" && echo "$mx" >>"$work/mx"
    printf '%4d %9d %9d %7s %9d %9d %7s %9s %9s %7s\n' "$r" "$fw" "$iw" "$wx" "$fc" "$ic" "$cx" "$(mib "$fk")" "$(mib "$ik")" "$mx"
  done
  printf 'median ratio (function / floor): wall %s×, CPU %s×, max RSS %s×\n' "$(median <"$work/wx")" "$(median <"$work/cx")" "$(median <"$work/mx")"
done
