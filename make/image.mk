# make/image.mk: container images for the KRM functions (one per function).
#
# The root Makefile includes it with
#
#     include make/image.mk
#
# and it also works alone: `make -f make/image.mk image`. Every public target
# has a `## description` after its prerequisites, for a `help` target such as
#     grep -hE '^[a-zA-Z0-9_.-]+:.*## ' $(MAKEFILE_LIST)
#
# Two build paths share the Dockerfile's `runtime` stage (scratch plus
# /etc/passwd: same files, user, labels, entrypoint):
#   image           host arch; binary cross-compiled here, `--target prebuilt`.
#                   Works with no registry and no Go image (the situation here).
#   image-multiarch / push   release path (`--target release`) with buildx for
#                   $(PLATFORMS), on the Go image pinned by digest.

IMAGE_MK := $(lastword $(MAKEFILE_LIST))
IMAGE_ROOT := $(abspath $(dir $(IMAGE_MK))..)

REGISTRY ?= ghcr.io/robustmq/kpt-fn
FUNCTIONS ?= robustmq-cluster robustmq-validate
# The one place the release version lives is the VERSION file. The binaries embed it (version.go), so VERSION
# here names the images and sets their version label; it cannot change what a function reports or stamps.
ifndef VERSION
VERSION := $(strip $(shell cat $(IMAGE_ROOT)/VERSION))
endif
# Floating minor tag: v1.2.3 -> v1.2. There is never a `latest`.
VERSION_MINOR := $(shell echo '$(VERSION)' | sed -nE 's/^(v[0-9]+\.[0-9]+)\.[0-9]+$$/\1/p')
IMAGE_TAGS ?= $(VERSION) $(VERSION_MINOR)
ifndef REVISION
REVISION := $(shell git -C $(IMAGE_ROOT) rev-parse --verify -q HEAD 2>/dev/null || echo unknown)
endif
ifndef ARCH
ARCH := $(shell go env GOARCH)
endif
PLATFORMS ?= linux/amd64,linux/arm64
DOCKER ?= docker
IMAGE_BIN_DIR ?= $(IMAGE_ROOT)/bin
IMAGE_OUT_DIR ?= $(IMAGE_ROOT)/out/image
# Keep both equal to the Dockerfile's builder stage. -l (no inlining) makes the
# binary 1.6 MB smaller for a few ms more CPU per render (docs/images.md).
IMAGE_GCFLAGS ?= all=-l
IMAGE_LDFLAGS ?= -s -w -buildid=
# Where syft/trivy read the image from: docker: (local daemon) or registry:.
IMAGE_SOURCE ?= docker:
BENCH_RUNS ?= 5
# Extra cosign flags, e.g. `--key cosign.key --tlog-upload=false` to test
# against a local registry; empty means keyless (needs an OIDC identity).
COSIGN_FLAGS ?=

image_ref = $(REGISTRY)/$(1):$(VERSION)

# $(call require_tool,NAME,HINT): fail with a clear message if NAME is missing.
define require_tool
command -v $(1) >/dev/null 2>&1 || { echo "image.mk: '$(1)' is not installed: $(2)" >&2; exit 1; }
endef
define require_docker
$(call require_tool,$(DOCKER),install Docker Engine); \
$(DOCKER) info >/dev/null 2>&1 || { echo "image.mk: the docker daemon is not reachable ('$(DOCKER) info' failed)" >&2; exit 1; }
endef
define require_buildx
$(call require_docker); \
$(DOCKER) buildx version >/dev/null 2>&1 || { echo "image.mk: 'docker buildx' is not installed: install the buildx CLI plugin (Debian/Ubuntu: docker-buildx, or docker-buildx-plugin from Docker's apt repository)" >&2; exit 1; }
endef

# digest_of (with $$fn set) -> prints sha256:... of the pushed image. From
# the metadata file `push` wrote if it names $(REGISTRY)/$$fn:$(VERSION),
# else asks the registry.
define digest_of
{ f='$(IMAGE_OUT_DIR)/'"$$fn"'.metadata.json'; d=''; \
  if [ -f "$$f" ] && grep -q '"image.name": *"\([^"]*,\)\{0,1\}$(REGISTRY)/'"$$fn"':$(VERSION)[,"]' "$$f"; then \
    d=$$(sed -n 's/.*"containerimage.digest": *"\(sha256:[0-9a-f]*\)".*/\1/p' "$$f" | head -n1 || true); fi; \
  [ -n "$$d" ] || d=$$($(DOCKER) buildx imagetools inspect '$(REGISTRY)/'"$$fn"':$(VERSION)' --format '{{.Manifest.Digest}}' 2>/dev/null || true); \
  [ -n "$$d" ] || { echo "image.mk: no digest for $(REGISTRY)/$$fn:$(VERSION); run 'make push' first" >&2; exit 1; }; \
  echo "$$d"; }
endef

.PHONY: image image-binaries image-multiarch push sbom scan sign bench-image

image-binaries: ## Cross-compile the functions to bin/linux_$(ARCH)/ (CGO off, -trimpath, no build id)
	@set -e; for fn in $(FUNCTIONS); do \
	  echo "image.mk: go build linux/$(ARCH) $$fn -> $(IMAGE_BIN_DIR)/linux_$(ARCH)/$$fn"; \
	  CGO_ENABLED=0 GOOS=linux GOARCH=$(ARCH) go build -C $(IMAGE_ROOT) -trimpath -buildvcs=false \
	    -gcflags '$(IMAGE_GCFLAGS)' -ldflags '$(IMAGE_LDFLAGS)' -o $(IMAGE_BIN_DIR)/linux_$(ARCH)/$$fn ./functions/$$fn; \
	done

image: image-binaries ## Build $(REGISTRY)/<function>:$(VERSION) for the host arch from prebuilt binaries
	@set -e; $(require_docker); \
	for fn in $(FUNCTIONS); do \
	  echo "image.mk: docker build --target prebuilt $(call image_ref,$$fn)"; \
	  $(DOCKER) build --target prebuilt -f $(IMAGE_ROOT)/Dockerfile \
	    --build-arg TARGETARCH=$(ARCH) \
	    --build-arg FUNCTION=$$fn \
	    --build-arg VERSION=$(VERSION) \
	    --build-arg REVISION=$(REVISION) \
	    -t $(call image_ref,$$fn) $(IMAGE_ROOT); \
	done

# Shared by image-multiarch and push. $(1) = extra buildx flags.
define buildx_release
set -e; $(require_buildx); \
case ' $(IMAGE_TAGS) ' in *' latest '*) echo "image.mk: refusing the 'latest' tag (see docs/images.md)" >&2; exit 1;; esac; \
mkdir -p $(IMAGE_OUT_DIR); \
for fn in $(FUNCTIONS); do \
  tags=''; for t in $(IMAGE_TAGS); do tags="$$tags -t $(REGISTRY)/$$fn:$$t"; done; \
  echo "image.mk: buildx $(PLATFORMS) $(REGISTRY)/$$fn [$(IMAGE_TAGS)]"; \
  $(DOCKER) buildx build --platform $(PLATFORMS) --target release -f $(IMAGE_ROOT)/Dockerfile \
    $(if $(filter command line environment,$(origin GO_IMAGE)),--build-arg GO_IMAGE=$(GO_IMAGE)) \
    --build-arg FUNCTION=$$fn \
    --build-arg VERSION=$(VERSION) \
    --build-arg REVISION=$(REVISION) \
    $$tags $(1) $(IMAGE_ROOT); \
done
endef

image-multiarch: ## Build the release images for $(PLATFORMS) with buildx (Go image pinned by digest)
	@$(call buildx_release,--metadata-file $(IMAGE_OUT_DIR)/$$fn.build.json)

push: ## Build and push the multi-arch release images, tags $(IMAGE_TAGS); refuses an existing vX.Y.Z or an undigested Go image
	@set -e; $(require_buildx); \
	for ref in $(if $(filter command line environment,$(origin GO_IMAGE)),$(GO_IMAGE)); do \
	  case "$$ref" in *@sha256:*) ;; *) echo "image.mk: push builds only on a digest-pinned Go image (name@sha256:...), not $$ref" >&2; exit 1;; esac; \
	done; \
	for fn in $(FUNCTIONS); do for t in $(IMAGE_TAGS); do \
	  if echo "$$t" | grep -Eq '^v[0-9]+\.[0-9]+\.[0-9]+$$' && \
	     $(DOCKER) buildx imagetools inspect $(REGISTRY)/$$fn:$$t >/dev/null 2>&1; then \
	    echo "image.mk: $(REGISTRY)/$$fn:$$t already exists; release tags are immutable" >&2; exit 1; fi; \
	done; done
	@$(call buildx_release,--push --metadata-file $(IMAGE_OUT_DIR)/$$fn.metadata.json)

sbom: ## Write an SPDX JSON SBOM per image with syft to out/image/<function>.spdx.json
	@set -e; $(call require_tool,syft,see https://github.com/anchore/syft#installation); \
	mkdir -p $(IMAGE_OUT_DIR); \
	for fn in $(FUNCTIONS); do \
	  syft scan $(IMAGE_SOURCE)$(call image_ref,$$fn) -o spdx-json=$(IMAGE_OUT_DIR)/$$fn.spdx.json; \
	  echo "image.mk: wrote $(IMAGE_OUT_DIR)/$$fn.spdx.json"; \
	done

scan: ## Scan each image with trivy; fails on HIGH or CRITICAL findings
	@set -e; $(call require_tool,trivy,see https://trivy.dev/latest/getting-started/installation/); \
	for fn in $(FUNCTIONS); do \
	  trivy image --severity HIGH,CRITICAL --exit-code 1 --no-progress $(call image_ref,$$fn); \
	done

sign: ## Keyless cosign signature (and SBOM attestation, if out/image/<fn>.spdx.json exists) by digest
	@set -e; $(call require_tool,cosign,see https://docs.sigstore.dev/cosign/system_config/installation/); \
	for fn in $(FUNCTIONS); do \
	  digest=$$($(digest_of)); ref=$(REGISTRY)/$$fn@$$digest; \
	  echo "image.mk: cosign sign $$ref"; \
	  cosign sign --yes $(COSIGN_FLAGS) $$ref; \
	  if [ -f $(IMAGE_OUT_DIR)/$$fn.spdx.json ]; then \
	    cosign attest --yes $(COSIGN_FLAGS) --type spdxjson --predicate $(IMAGE_OUT_DIR)/$$fn.spdx.json $$ref; fi; \
	done

bench-image: image ## Report binary/image sizes and kpt render time, container vs exec mode (BENCH_RUNS=$(BENCH_RUNS))
	@REGISTRY=$(REGISTRY) VERSION=$(VERSION) ARCH=$(ARCH) FUNCTIONS='$(FUNCTIONS)' \
	  BIN_DIR=$(IMAGE_BIN_DIR) RUNS=$(BENCH_RUNS) DOCKER=$(DOCKER) \
	  $(IMAGE_ROOT)/hack/bench-image.sh
