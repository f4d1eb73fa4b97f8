package e2e

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Every reference to the function image in the repository (Kptfiles, kustomize generator configs, docs) uses the
// release tag in VERSION, the one place the version lives. Release tags are immutable; a floating or `latest`
// tag here would make renders unreproducible.
func TestImageReferencesFollowVERSION(t *testing.T) {
	root, err := Root()
	require.NoError(t, err)
	b, err := os.ReadFile(filepath.Join(root, "VERSION"))
	require.NoError(t, err)
	version := strings.TrimSpace(string(b))
	require.Regexp(t, `^v\d+\.\d+\.\d+$`, version)

	ref := regexp.MustCompile(`ghcr\.io/robustmq/kpt-fn/robustmq-cluster:([A-Za-z0-9._-]+)`)
	found := 0
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); name == ".git" || name == "bin" || name == "out" {
				return filepath.SkipDir
			}
			return nil
		}
		if ext := filepath.Ext(path); ext != ".yaml" && ext != ".md" && d.Name() != "Kptfile" {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range ref.FindAllStringSubmatch(string(data), -1) {
			found++
			rel, _ := filepath.Rel(root, path)
			assert.Equal(t, version, m[1], "%s references %s", rel, m[0])
		}
		return nil
	})
	require.NoError(t, err)
	assert.GreaterOrEqual(t, found, 7, "Kptfiles of the base package and the blueprints at least")
}
