# One image per KRM function (kpt function spec): reads a ResourceList on
# stdin, writes one on stdout. Select the function with --build-arg FUNCTION.
#
# Targets
#   release  (default, last stage)  the Go toolchain image cross-compiles the
#            function for $TARGETPLATFORM on $BUILDPLATFORM (no QEMU needed).
#            Needs BuildKit (docker buildx) and a registry to pull the Go image.
#   prebuilt takes a binary cross-compiled on the host from
#            bin/linux_${TARGETARCH}/${FUNCTION} (see `make image`). It works
#            with the legacy builder and without pulling any Go image. Pass
#            --build-arg TARGETARCH=<arch> when not building with BuildKit.
#
# Both targets derive from the `runtime` stage, so the user, labels and
# entrypoint are identical; only where the binary comes from differs.
#
# The one base image, the Go toolchain of the release path, is pinned in ONE
# place: the ARG below (tag for humans, digest for reproducibility; the digest
# wins). Refresh it with
#   docker buildx imagetools inspect golang:<tag> --format '{{.Manifest.Digest}}'
# GO_IMAGE: digest of the golang:1.26.8-bookworm multi-arch index as published
#   on 2026-09-08 (later rebuilds of the same tag exist; refresh before a
#   release).
# The runtime has no base image at all: it is `scratch` plus /etc/passwd and
# /etc/group from image/rootfs (see the runtime stage). So the image that the
# tests build here, with no registry, is the one a release ships.
ARG GO_IMAGE=golang:1.26.8-bookworm@sha256:9fdc884aacc3bec89b20ffc69f4bb369c78210e3e4f600387b5128b12c199f81

# ---------------------------------------------------------------------------
# runtime: everything the final image has except the binary.
# A function reads stdin and writes stdout: it needs no shell, no CA
# certificates (it never opens a connection), no time zones and no /tmp.
# /etc/passwd and /etc/group are there because kpt starts function containers
# with `--user nobody`, a name the runtime must resolve.
FROM scratch AS runtime
COPY image/rootfs/ /
ARG FUNCTION=robustmq-cluster
# VERSION sets the version label only (make and the release workflow pass the VERSION
# file, or unstable-<sha> for builds of main); the binary reports the VERSION file it embeds.
ARG VERSION=dev
ARG REVISION=unknown
ARG SOURCE=https://github.com/robustmq/robustmq-kpt
ARG DESCRIPTION="kpt KRM function ${FUNCTION} for RobustMQ"
LABEL org.opencontainers.image.title="${FUNCTION}" \
      org.opencontainers.image.description="${DESCRIPTION}" \
      org.opencontainers.image.source="${SOURCE}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.vendor="RobustMQ"
# Numeric, so that runtimes enforcing runAsNonRoot can verify it without
# reading /etc/passwd (65532 is `nonroot`, as in distroless). kpt itself runs
# function containers with `--user nobody` (65534) unless --as-current-user.
USER 65532:65532
WORKDIR /
ENTRYPOINT ["/usr/local/bin/function"]

# ---------------------------------------------------------------------------
# prebuilt: binary cross-compiled on the host (CGO_ENABLED=0, -trimpath).
# Kept before the builder stage: the legacy builder builds every stage up to
# --target, and must never reach the one that needs the Go image.
FROM runtime AS prebuilt
ARG FUNCTION=robustmq-cluster
ARG TARGETARCH
COPY bin/linux_${TARGETARCH}/${FUNCTION} /usr/local/bin/function

# ---------------------------------------------------------------------------
# builder: always runs on the build machine's platform and cross-compiles.
FROM --platform=$BUILDPLATFORM ${GO_IMAGE} AS builder
WORKDIR /src
ENV CGO_ENABLED=0 \
    GOTOOLCHAIN=local \
    GOFLAGS=-buildvcs=false
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod,sharing=locked \
    go mod download
COPY . .
ARG FUNCTION=robustmq-cluster
ARG TARGETOS
ARG TARGETARCH
# No -X: the binary embeds the VERSION file (version.go, copied with the sources above),
# so it reports the same version as any other build of this checkout.
# -gcflags=all=-l (no inlining) trades a few ms of CPU per render for 1.6 MB of
# binary (docs/images.md, docs/performance.md). Keep these flags equal to IMAGE_GCFLAGS and
# IMAGE_LDFLAGS in make/image.mk: both paths must give the same binary.
RUN --mount=type=cache,target=/go/pkg/mod,sharing=locked \
    --mount=type=cache,target=/root/.cache/go-build \
    GOOS=${TARGETOS} GOARCH=${TARGETARCH} \
    go build -trimpath -gcflags=all=-l \
      -ldflags "-s -w -buildid=" \
      -o /out/function "./functions/${FUNCTION}"

# ---------------------------------------------------------------------------
# release (default target).
FROM runtime AS release
COPY --from=builder /out/function /usr/local/bin/function
