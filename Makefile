# robustmq-kpt: KRM functions, kpt packages and blueprints for RobustMQ on Kubernetes.
# `make help` lists the targets.

SHELL := /usr/bin/env bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

GO ?= go
CONTROLLER_GEN ?= $(GO) run sigs.k8s.io/controller-tools/cmd/controller-gen@v0.23.0
FN_BIN := bin/robustmq-cluster
CRD_DIR := functions/robustmq-cluster/crd
CHART_DIR := charts/robustmq
OUT ?= out

.PHONY: help build test unit e2e render update-golden generate verify tools clean helm-plugin helm-chart

help: ## List the targets
	@grep -hE '^[a-zA-Z0-9_.-]+:.*## ' $(MAKEFILE_LIST) | sed 's|$$(OUT)|$(OUT)|g' | awk -F':.*## ' '{printf "  %-16s %s\n", $$1, $$2}'

build: ## Build the function binaries into bin/
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "-s -w" -o $(FN_BIN) ./functions/robustmq-cluster
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "-s -w" -o bin/robustmq-validate ./functions/robustmq-validate

render: ## Render packages/robustmq into $(OUT)/robustmq with the real kpt fn render
	rm -rf $(OUT)/robustmq && mkdir -p $(OUT) && cp -r packages/robustmq $(OUT)/robustmq
	hack/render.sh $(OUT)/robustmq
	@echo "rendered manifests: $(OUT)/robustmq/robustmq/"

test: ## Run every test: unit, golden, kpt/kustomize end-to-end, real API server, simulated-node rollouts, promtool, images
	$(GO) test ./... -count=1 -timeout 30m

unit: ## Run every unit, invariant and golden test; no external tool, under a minute (go test -short)
	$(GO) test -short ./... -count=1

e2e: ## Run the end-to-end tests only (kpt, kustomize, API server, promtool, images)
	$(GO) test ./test/... -count=1 -timeout 30m

tools: ## Build and cache the test tools (etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kwok, kustomize, promtool, helm3, helm4, registry, kube-score)
	hack/tools.sh etcd kube-apiserver kube-controller-manager kube-scheduler kwok kustomize promtool helm3 helm4 registry kube-score

HELM_PLUGIN_DIR := $(OUT)/helm-plugin
PLUGIN_GOOS ?= $(shell $(GO) env GOOS)
PLUGIN_GOARCH ?= $(shell $(GO) env GOARCH)

# Helm 4 runs post-renderers only as plugins: plugin.yaml plus the function binary, as a directory and a tarball
# (`helm plugin install <dir>`, or `--verify=false <.tgz>`: unsigned). Helm takes the plugin's directory in the
# tarball from its file name up to "-<digit>", hence robustmq-<version>-<os>-<arch>.tgz.
helm-plugin: ## Build the Helm 4 post-renderer plugin (PLUGIN_GOOS/PLUGIN_GOARCH, default: this host) into $(OUT)/helm-plugin/
	rm -rf $(HELM_PLUGIN_DIR)/robustmq && mkdir -p $(HELM_PLUGIN_DIR)/robustmq/bin
	cp helm-plugin/plugin.yaml $(HELM_PLUGIN_DIR)/robustmq/
	CGO_ENABLED=0 GOOS=$(PLUGIN_GOOS) GOARCH=$(PLUGIN_GOARCH) $(GO) build -trimpath -ldflags "-s -w" \
	  -o $(HELM_PLUGIN_DIR)/robustmq/bin/robustmq-cluster ./functions/robustmq-cluster
	tar -C $(HELM_PLUGIN_DIR) -czf $(HELM_PLUGIN_DIR)/robustmq-$(VERSION:v%=%)-$(PLUGIN_GOOS)-$(PLUGIN_GOARCH).tgz robustmq
	@echo "Helm 4: helm plugin install $(HELM_PLUGIN_DIR)/robustmq"

helm-chart: ## Package charts/robustmq into $(OUT)/charts/ (push with: helm push <tgz> oci://<registry>/charts)
	mkdir -p $(OUT)/charts
	$$(hack/tools.sh helm3) package charts/robustmq -d $(OUT)/charts

# One pass: rewritten files are logged, not failed (internal/golden), so every failure shown is a real one.
# Read the diff before committing.
update-golden: ## Refresh golden files and the rendered packages' expected output (read the diff!)
	WRITE_GOLDEN_OUTPUT=1 $(GO) test ./functions/... ./test/e2e/... -count=1 -run 'Golden|Expected'
	$(GO) run ./hack/catalog
	$(GO) run ./examples/kustomize-overlays/generate

generate: ## Generate the RobustMQCluster CRD (OpenAPI schema) from the Go types, and the Helm chart's values from both
	$(CONTROLLER_GEN) crd paths=./functions/robustmq-cluster/api/... output:crd:dir=$(CRD_DIR)
	$(GO) run ./hack/crdconstraints
	$(GO) run ./hack/helmchart

verify: generate ## Check formatting, vet, generated files and goldens are up to date
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo "gofmt needed"; exit 1; }
	$(GO) vet ./...
	$(GO) mod tidy -diff
	git diff --exit-code -- $(CRD_DIR) || { echo "CRD out of date: run make generate"; exit 1; }
	git diff --exit-code -- $(CHART_DIR) || { echo "Helm chart values out of date: run make generate"; exit 1; }
	$(GO) run ./hack/catalog -check

clean: ## Remove build output
	rm -rf bin $(OUT)

include make/image.mk
