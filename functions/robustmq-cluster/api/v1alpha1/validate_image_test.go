package v1alpha1

import (
	"regexp"
	"strings"
	"testing"

	"github.com/distribution/reference"
	"github.com/stretchr/testify/assert"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// The function restates the image reference grammar (to keep the image small); distribution/reference, the
// library container runtimes build on, must agree on every registry, repository and tag here.
func TestImageGrammarMatchesDistribution(t *testing.T) {
	registries := []string{"ghcr.io", "docker.io", "localhost", "localhost:5000", "mirror.example.com:5000", "[::1]:5000",
		"Mirror.Example.COM", "harbor.example.com/dockerhub", "harbor.example.com/Docker", "a", "a-b.c", "-a.com", "a-.com", "a_b.com", "a..b", "a.b.", "host:port", "host:", "ex ample.com",
		"", "xn--bcher-kva.example", "192.168.0.1:443", "a/b"}
	repos := []string{"robustmq/robustmq", "robustmq", "a/b/c", "a.b/c_d", "a__b", "a___b", "a--b", "a-b", "A/b", "a/", "/a",
		"a//b", "_a", "a_", "a..b", "a.-b", "", "robust mq", "x/ROBUSTMQ", "team/robust.mq-kafka_x"}
	tags := []string{"v0.4.11", "latest", "0.4.11-debug", "_x", "x_", ".x", "-x", "v0.4.11+build", "a:b", "", "UPPER",
		string(make([]byte, 129))}
	anchored := func(r *regexp.Regexp) *regexp.Regexp { return regexp.MustCompile(`^(?:` + r.String() + `)$`) }
	domain, name, tagRE := anchored(reference.DomainRegexp), anchored(reference.NameRegexp), anchored(reference.TagRegexp)
	for _, reg := range registries {
		im := Image{Registry: reg, Repository: "robustmq/robustmq", Tag: "v0.4.11"}
		mine := len(im.validateReference(field.NewPath("image"), "v0.4.11")) == 0
		// A registry may carry a mirror's path: the library must read <registry>/<repository> as one name.
		// The library's own rule for when a first component is a registry (ParseNormalizedNamed keeps it).
		want := domain.MatchString(reg) || strings.Contains(reg, "/") && name.MatchString(reg+"/robustmq/robustmq") && domain.MatchString(reg[:strings.Index(reg, "/")])
		if want {
			n, err := reference.ParseNormalizedNamed(reg + "/robustmq/robustmq")
			want = err == nil && strings.HasPrefix(n.Name(), reg+"/")
		}
		assert.Equal(t, want, mine, "registry %q", reg)
	}
	for _, repo := range repos {
		im := Image{Registry: "ghcr.io", Repository: repo, Tag: "v0.4.11"}
		mine := len(im.validateReference(field.NewPath("image"), "v0.4.11")) == 0
		assert.Equal(t, name.MatchString("ghcr.io/"+repo), mine, "repository %q", repo)
	}
	for _, tag := range tags {
		im := Image{Registry: "ghcr.io", Repository: "robustmq/robustmq", Tag: tag}
		mine := len(im.validateReference(field.NewPath("image"), "v0.4.11")) == 0
		if tag == "0.4.11-debug" {
			mine = true // refused only against spec.version
		}
		assert.Equal(t, tagRE.MatchString(tag), mine, "tag %q", tag)
	}
	// Whole references the runtime will parse.
	for _, ref := range []string{"ghcr.io/robustmq/robustmq:v0.4.11", "mirror.example.com:5000/team/robustmq:v0.4.11"} {
		_, err := reference.ParseNamed(ref)
		assert.NoError(t, err, ref)
	}
}
