// Package robustmqkpt holds what every program of the module shares about the release: its version.
package robustmqkpt

import (
	_ "embed"
	"strings"
)

// versionFile is the VERSION file, the one place the release version lives (make, the image labels, the release
// workflow and the Helm chart read it too). Embedded rather than set with -ldflags -X, so that go build, go run,
// go install, kpt's exec mode, the Helm post-renderer, a kustomize exec generator and the image all carry the same
// version with no build flag.
//
//go:embed VERSION
var versionFile string

// Version is the release of this checkout, e.g. v0.1.0: what the functions print for --version and stamp on the
// objects they generate.
var Version = strings.TrimSpace(versionFile)
