#!/usr/bin/env bash
# hack/base-image.sh: import a local stand-in for the distroless runtime base.
#
# Why: the machines this project is built on reach no image registry, so
# gcr.io/distroless/static-debian12:nonroot cannot be pulled. This script
# builds an equivalent minimal root filesystem from the host and imports it
# with `docker import`, tagged with the exact name:tag that the Dockerfile's
# BASE_IMAGE ARG names (the part before @sha256:). `docker import` images
# have no registry digest, so the digest-pinned default cannot match them:
# `make image` passes --build-arg BASE_IMAGE=<name:tag> to use this image.
#
# The rootfs holds what the distroless static image offers a static Go binary:
#   /etc/passwd, /etc/group   root (0), nobody (65534), nonroot (65532)
#   /etc/nsswitch.conf        hosts: files dns
#   /etc/ssl/certs/ca-certificates.crt   from the host's Debian ca-certificates
#   /tmp (1777), /home/nonroot (0700, 65532), /root (0700)
# and the same config: USER 65532:65532, WORKDIR /home/nonroot, PATH and
# SSL_CERT_FILE. It carries the label dev.robustmq.kpt.base=local-standin,
# which every image built on it inherits. Release images never use it:
# `make push` accepts only digest-pinned bases (an imported image has no
# registry digest), and CI builds on the Dockerfile's pinned distroless.
#
# Idempotent: the rootfs tarball is reproducible (sorted, fixed mtimes and
# owners); its sha256 is stored as a label and an image whose label matches
# is kept. A same-named image WITHOUT our label (a real distroless pulled on a
# machine with registry access) is never overwritten unless FORCE=1.
#
# Usage: hack/base-image.sh [--print-tag]
# Env:   BASE_TAG   override the name:tag (default: from the Dockerfile)
#        CA_BUNDLE  CA file (default /etc/ssl/certs/ca-certificates.crt)
#        ARCH       image architecture (default: go env GOARCH, else uname)
#        FORCE=1    re-import even if an up-to-date or foreign image exists
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
LABEL_KEY=dev.robustmq.kpt.base
HASH_KEY=dev.robustmq.kpt.base-rootfs

log() { echo "base-image.sh: $*" >&2; }
die() { log "$*"; exit 1; }

base_tag() {
  if [[ -n ${BASE_TAG:-} ]]; then echo "$BASE_TAG"; return; fi
  local ref
  ref=$(sed -n 's/^ARG BASE_IMAGE=//p' "$ROOT/Dockerfile" | head -n1)
  [[ -n $ref ]] || die "no 'ARG BASE_IMAGE=' line in $ROOT/Dockerfile"
  echo "${ref%%@*}"
}

TAG=$(base_tag)
if [[ ${1:-} == --print-tag ]]; then echo "$TAG"; exit 0; fi

command -v docker >/dev/null 2>&1 || die "docker is not installed"
docker info >/dev/null 2>&1 || die "the docker daemon is not reachable (docker info failed)"

CA_BUNDLE=${CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}
[[ -s $CA_BUNDLE ]] || die "no CA bundle at $CA_BUNDLE (Debian: apt-get install ca-certificates)"

if [[ -z ${ARCH:-} ]]; then
  ARCH=$(go env GOARCH 2>/dev/null || true)
  if [[ -z $ARCH ]]; then
    case $(uname -m) in
      x86_64) ARCH=amd64 ;;
      aarch64 | arm64) ARCH=arm64 ;;
      *) die "unknown machine $(uname -m); set ARCH" ;;
    esac
  fi
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
rootfs=$work/rootfs
mkdir -p "$rootfs"/{etc/ssl/certs,tmp,home/nonroot,root,usr/local/bin}

cat >"$rootfs/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin
nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin
EOF
cat >"$rootfs/etc/group" <<'EOF'
root:x:0:
nobody:x:65534:
nonroot:x:65532:
EOF
cat >"$rootfs/etc/nsswitch.conf" <<'EOF'
# Local stand-in for distroless (hack/base-image.sh).
hosts: files dns
EOF
cp "$CA_BUNDLE" "$rootfs/etc/ssl/certs/ca-certificates.crt"

chmod 0755 "$rootfs" "$rootfs"/etc "$rootfs"/etc/ssl "$rootfs"/etc/ssl/certs \
  "$rootfs"/home "$rootfs"/usr "$rootfs"/usr/local "$rootfs"/usr/local/bin
chmod 0644 "$rootfs"/etc/passwd "$rootfs"/etc/group "$rootfs"/etc/nsswitch.conf \
  "$rootfs"/etc/ssl/certs/ca-certificates.crt
chmod 1777 "$rootfs/tmp"
chmod 0700 "$rootfs/root" "$rootfs/home/nonroot"

# Reproducible tarball: fixed order, mtime and numeric owners. Everything is
# root-owned except /home/nonroot, which belongs to 65532 as in distroless.
tar_common=(--sort=name --mtime=@0 --numeric-owner --format=gnu -C "$rootfs")
if [[ $(id -u) == 0 ]]; then
  chown -R 0:0 "$rootfs"
  chown 65532:65532 "$rootfs/home/nonroot"
  tar "${tar_common[@]}" -cf "$work/rootfs.tar" .
else
  # Without root, map every file to root and /home/nonroot to 65532 via tar.
  tar "${tar_common[@]}" --owner=0 --group=0 --exclude=./home/nonroot -cf "$work/rootfs.tar" .
  tar "${tar_common[@]}" --owner=65532 --group=65532 --no-recursion -rf "$work/rootfs.tar" ./home/nonroot
fi
hash=sha256:$(sha256sum "$work/rootfs.tar" | cut -d' ' -f1)

if existing=$(docker image inspect --format "{{index .Config.Labels \"$LABEL_KEY\"}} {{index .Config.Labels \"$HASH_KEY\"}} {{.Architecture}}" "$TAG" 2>/dev/null); then
  read -r ex_label ex_hash ex_arch <<<"$existing"
  if [[ ${FORCE:-} != 1 ]]; then
    if [[ $ex_label != local-standin ]]; then
      die "$TAG exists and is not our local stand-in (a real pulled image?); not overwriting it. Set FORCE=1 to replace it."
    fi
    if [[ $ex_hash == "$hash" && $ex_arch == "$ARCH" ]]; then
      log "$TAG is up to date ($hash, $ARCH)"
      echo "$TAG"
      exit 0
    fi
  fi
fi

log "importing $TAG ($ARCH) from a $(du -k "$work/rootfs.tar" | cut -f1) KiB rootfs"
platform_flag=()
if [[ $ARCH != "$(docker version --format '{{.Server.Arch}}' 2>/dev/null)" ]]; then
  platform_flag=(--platform "linux/$ARCH")
fi
docker import "${platform_flag[@]}" \
  --change 'USER 65532:65532' \
  --change 'WORKDIR /home/nonroot' \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt' \
  --change "LABEL $LABEL_KEY=local-standin $HASH_KEY=$hash" \
  --message "local stand-in for ${TAG} (hack/base-image.sh)" \
  "$work/rootfs.tar" "$TAG" >/dev/null
got_arch=$(docker image inspect --format '{{.Architecture}}' "$TAG")
if [[ $got_arch != "$ARCH" ]]; then
  # Engines without experimental features ignore `docker import --platform`.
  log "warning: $TAG was imported as $got_arch, not $ARCH (this engine ignores 'docker import --platform')"
fi
echo "$TAG"
