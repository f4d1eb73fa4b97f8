package v1alpha1

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/distribution/reference"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Checks of what RobustMQ itself, or the container runtime, would refuse after a clean apply.

var (
	// LogLevels and LogFormats are what the generated logger.toml may carry: RobustMQ refuses an unknown level
	// at start-up (a parse error panics, src/common/base/src/logging/mod.rs), and any other format
	// would silently fall back to text.
	LogLevels  = []LogLevel{"trace", "debug", "info", "warn", "error"}
	LogFormats = []LogFormat{"text", "json"}

	anchoredTag = regexp.MustCompile(`^` + reference.TagRegexp.String() + `$`)
	// releaseTag is the vX.Y.Z start of a tag, which names the release the image runs.
	releaseTag = regexp.MustCompile(`^v?(\d+\.\d+\.\d+)`)
)

func (c *RobustMQCluster) validateRobustMQ() field.ErrorList {
	var errs field.ErrorList
	s := &c.Spec
	lp := field.NewPath("spec", "logging")
	if !slices.Contains(LogLevels, s.Logging.Level) {
		errs = append(errs, field.NotSupported(lp.Child("level"), s.Logging.Level, LogLevels))
	}
	if !slices.Contains(LogFormats, s.Logging.Format) {
		errs = append(errs, field.NotSupported(lp.Child("format"), s.Logging.Format, LogFormats))
	}
	errs = append(errs, s.Image.validateReference(field.NewPath("spec", "image"), s.Version)...)
	return errs
}

// validateReference parses <registry>/<repository>:<tag> with the distribution reference grammar, which the
// container runtime uses, and checks the tag against spec.version: the function writes that release's config.
func (im *Image) validateReference(p *field.Path, version string) field.ErrorList {
	var errs field.ErrorList
	registryOK := true
	if strings.Contains(im.Registry, "://") {
		errs = append(errs, field.Invalid(p.Child("registry"), im.Registry, "must be a host[:port] without a scheme such as https://"))
		registryOK = false
	} else if _, err := reference.ParseNamed(im.Registry + "/x"); err != nil || strings.Contains(im.Registry, "/") {
		errs = append(errs, field.Invalid(p.Child("registry"), im.Registry, "must be a registry host[:port] such as ghcr.io or mirror.example.com:5000"))
		registryOK = false
	}
	if registryOK {
		if _, err := reference.ParseNamed(im.Registry + "/" + im.Repository); err != nil {
			errs = append(errs, field.Invalid(p.Child("repository"), im.Repository,
				"must be a repository path of lower-case letters, digits and separators (. _ -), components joined by /: "+err.Error()))
		}
	}
	if !anchoredTag.MatchString(im.Tag) {
		errs = append(errs, field.Invalid(p.Child("tag"), im.Tag,
			"must be up to 128 letters, digits, _, . and -, not starting with . or -"))
	} else if m := releaseTag.FindStringSubmatch(im.Tag); m != nil && m[1] != strings.TrimPrefix(version, "v") {
		errs = append(errs, field.Invalid(p.Child("tag"), im.Tag, fmt.Sprintf(
			"names release %s, but spec.version is %s, whose config layout the function writes: set spec.version to the release instead (the tag follows it)",
			m[1], version)))
	}
	return errs
}
