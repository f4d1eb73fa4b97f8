package v1alpha1

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Checks of what RobustMQ itself, or the container runtime, would refuse after a clean apply.

var (
	// LogLevels and LogFormats are what the generated logger.toml may carry: RobustMQ refuses an unknown level
	// at start-up (a parse error panics, src/common/base/src/logging/mod.rs), and any other format
	// would silently fall back to text.
	LogLevels  = []LogLevel{"trace", "debug", "info", "warn", "error"}
	LogFormats = []LogFormat{"text", "json"}

	// The image reference grammar of the OCI distribution spec, which container runtimes parse references with.
	// Restated here because github.com/distribution/reference builds many more expressions at start-up and costs
	// the image 28 kB; TestImageGrammarMatchesDistribution holds the two to the same answers.
	pathComponent   = `[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*`
	domainComponent = `(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])`
	// A registry is a host[:port], optionally with a path for mirrors that serve under one (a Harbor proxy
	// project: harbor.example.com/dockerhub).
	registryRef   = regexp.MustCompile(`^(?:` + domainComponent + `(?:\.` + domainComponent + `)*|\[[a-fA-F0-9:]+\])(?::[0-9]+)?(?:/` + pathComponent + `)*$`)
	repositoryRef = regexp.MustCompile(`^` + pathComponent + `(?:/` + pathComponent + `)*$`)
	anchoredTag   = regexp.MustCompile(`^[\w][\w.-]{0,127}$`)
	// releaseTag is the vX.Y.Z start of a tag, which names the release the image runs (RobustMQ tags its
	// releases vX.Y.Z; a date such as 2026.01.31 is not one).
	releaseTag = regexp.MustCompile(`^v(\d+\.\d+\.\d+)`)
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

// maxImageName is the grammar's limit on <registry>/<repository>.
const maxImageName = 255

// validateReference checks <registry>/<repository>:<tag> against the image reference grammar, and checks the tag against spec.version: the function writes that release's config.
func (im *Image) validateReference(p *field.Path, version string) field.ErrorList {
	var errs field.ErrorList
	if strings.Contains(im.Registry, "://") {
		errs = append(errs, field.Invalid(p.Child("registry"), im.Registry, "must be a host[:port] without a scheme such as https://"))
	} else if !registryRef.MatchString(im.Registry) {
		errs = append(errs, field.Invalid(p.Child("registry"), im.Registry, "must be a registry host[:port], optionally with a path, such as ghcr.io or mirror.example.com:5000/robustmq"))
	} else if host, _, _ := strings.Cut(im.Registry, "/"); !strings.ContainsAny(host, ".:[") && host != "localhost" {
		// Runtimes read a first component without a dot or a port as a Docker Hub user, not a registry.
		errs = append(errs, field.Invalid(p.Child("registry"), im.Registry, fmt.Sprintf(
			"container runtimes would read %q as a Docker Hub path, not a registry: a registry host has a dot or a port, or is localhost", host)))
	}
	if !repositoryRef.MatchString(im.Repository) || len(im.Registry)+1+len(im.Repository) > maxImageName {
		errs = append(errs, field.Invalid(p.Child("repository"), im.Repository, fmt.Sprintf(
			"must be lower-case path components joined by /, with the registry at most %d characters", maxImageName)))
	}
	if !anchoredTag.MatchString(im.Tag) {
		errs = append(errs, field.Invalid(p.Child("tag"), im.Tag,
			"must be up to 128 letters, digits, _, . and -, not starting with . or -"))
	} else if m := releaseTag.FindStringSubmatch(im.Tag); m != nil && m[1] != strings.TrimPrefix(version, "v") {
		errs = append(errs, field.Invalid(p.Child("tag"), im.Tag, fmt.Sprintf(
			"names release %s, but spec.version is %s: set spec.version instead (the tag follows it)",
			m[1], version)))
	}
	return errs
}
