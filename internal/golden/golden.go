// Package golden compares test output with a checked-in file. With WRITE_GOLDEN_OUTPUT set (make update-golden)
// it rewrites the file instead and logs it, so one pass refreshes everything and only real failures fail.
package golden

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Update reports whether the goldens are being rewritten.
func Update() bool { return os.Getenv("WRITE_GOLDEN_OUTPUT") != "" }

// Compare checks got against the file at path, or writes it there in update mode.
func Compare(t testing.TB, path string, got []byte) {
	t.Helper()
	want, err := os.ReadFile(path)
	if Update() {
		if err == nil && string(want) == string(got) {
			return
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatalf("write golden %s: %v", path, err)
		}
		t.Logf("wrote %s", path)
		return
	}
	if err != nil {
		t.Fatalf("read golden %s: %v (make update-golden writes it)", path, err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s differs (-want +got; make update-golden refreshes it, then read the diff):\n%s", path, diff)
	}
}
