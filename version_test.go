package robustmqkpt

import (
	"regexp"
	"testing"
)

// Release tags, image tags and the chart version are derived from VERSION: it must be a plain vX.Y.Z.
func TestVersionIsARelease(t *testing.T) {
	if !regexp.MustCompile(`^v\d+\.\d+\.\d+$`).MatchString(Version) {
		t.Fatalf("VERSION is %q, want vX.Y.Z", Version)
	}
}
