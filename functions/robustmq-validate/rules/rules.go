// Package rules checks RobustMQ nodes found by package inventory against RobustMQ's own rules: its config keys,
// broker ids, cluster formation, ports, probes, state and the generator's hardening rules. Every rule has a
// stable id (README.md lists them) and a default severity the functionConfig may change.
package rules

import (
	"sort"

	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/policy"
	"github.com/robustmq/robustmq-kpt/functions/robustmq-validate/inventory"
)

// Severity of a finding, as kpt names them.
type Severity string

const (
	Error   Severity = "error"
	Warning Severity = "warning"
	Info    Severity = "info"
)

// Rule ids. Stable: users set severities and skips by them.
const (
	ConfigSource      = "config-source"
	ConfigParse       = "config-parse"
	ConfigUnknownKey  = "config-unknown-key"
	ConfigValueType   = "config-value-type"
	ConfigRequired    = "config-required"
	ConfigRoles       = "config-roles"
	ConfigFile        = "config-file"
	BrokerIDUnique    = "broker-id-unique"
	BrokerIDRange     = "broker-id-range"
	BrokerIDOverride  = "broker-id-override"
	MetaAddrs         = "meta-addrs"
	MetaStatefulSet   = "meta-statefulset"
	MetaParallel      = "meta-parallel"
	HeadlessService   = "headless-service"
	HeadlessNotReady  = "headless-not-ready"
	Ports             = "ports"
	ProbeHTTP         = "probe-http"
	ProbeHTTPNoop     = "probe-http-noop"
	ProbeGRPC         = "probe-grpc"
	ProbeQUIC         = "probe-quic"
	ProbeDeadlock     = "probe-deadlock"
	StateVolume       = "state-volume"
	ImageVersion      = "image-version"
	AuthSecret        = policy.RuleAuthSecret
	NetworkPolicy     = policy.RuleNetworkPolicy
	ImageTag          = policy.RuleImageTag
	PodSecurity       = policy.RulePodSecurity
	Resources         = policy.RuleResources
	ServiceAccountTok = policy.RuleServiceAccountToken
	InlineSecret      = policy.RuleInlineSecret
	PlaintextExposed  = policy.RulePlaintextExposed
	SelfSignedTLS     = policy.RuleSelfSignedTLS
)

// Rule is one check and its default severity. Hardening rules follow the environment, as in the generator: errors
// in prod, warnings elsewhere; the others are the same everywhere.
type Rule struct {
	ID        string
	Default   Severity
	Hardening bool
}

// All lists every rule, in the order the README documents them.
var All = []Rule{
	{ConfigSource, Error, false},
	{ConfigParse, Error, false},
	{ConfigUnknownKey, Error, false},
	{ConfigValueType, Error, false},
	{ConfigRequired, Error, false},
	{ConfigRoles, Error, false},
	{ConfigFile, Error, false},
	{BrokerIDUnique, Error, false},
	{BrokerIDRange, Error, false},
	{BrokerIDOverride, Error, false},
	{MetaAddrs, Error, false},
	{MetaStatefulSet, Error, false},
	{MetaParallel, Error, false},
	{HeadlessService, Error, false},
	{HeadlessNotReady, Warning, false},
	{Ports, Error, false},
	{ProbeHTTP, Error, false},
	{ProbeHTTPNoop, Warning, false},
	{ProbeGRPC, Error, false},
	{ProbeQUIC, Error, false},
	{ProbeDeadlock, Error, false},
	{StateVolume, Error, false},
	{ImageVersion, Error, false},
	{AuthSecret, Error, true},
	{NetworkPolicy, Error, true},
	{ImageTag, Error, true},
	{PodSecurity, Error, true},
	{Resources, Error, true},
	{ServiceAccountTok, Error, true},
	{InlineSecret, Error, true},
	{PlaintextExposed, Error, true},
	{SelfSignedTLS, Error, true},
}

// Known reports whether id names a rule.
func Known(id string) bool {
	for _, r := range All {
		if r.ID == id {
			return true
		}
	}
	return false
}

// Lookup returns the rule of an id.
func Lookup(id string) Rule {
	for _, r := range All {
		if r.ID == id {
			return r
		}
	}
	return Rule{ID: id, Default: Error}
}

// Finding is one broken rule on one object, with the field to change.
type Finding struct {
	Rule    string
	Object  *inventory.Object
	Field   string
	Message string
}

// Options are what the rules depend on besides the manifests.
type Options struct {
	// Version is the RobustMQ release the manifests run, e.g. v0.4.11.
	Version string
	// VersionSet: the functionConfig names Version, so every image must run it. Otherwise an image may run any
	// supported release.
	VersionSet bool
	// Prod: hardening rules that the generator applies only in prod (non-release image tags) apply too.
	Prod bool
}

// Check runs every rule on the inventory. Findings are sorted by file, object, field and rule, and duplicates
// (several nodes reading one ConfigMap) are dropped, so results are stable from one run to the next.
func Check(inv *inventory.Inventory, opts Options) []Finding {
	var out []Finding
	for _, n := range inv.Nodes {
		out = append(out, config(n)...)
		out = append(out, files(inv, n)...)
		out = append(out, state(n)...)
		out = append(out, probes(n, opts)...)
		out = append(out, image(n, opts)...)
		out = append(out, auth(n)...)
	}
	for _, c := range inv.Clusters {
		out = append(out, brokerIDs(c)...)
		out = append(out, metaAddrs(inv, c)...)
		out = append(out, formation(inv, c)...)
	}
	out = append(out, ports(inv)...)
	out = append(out, hardening(inv)...)
	out = append(out, exposure(inv)...)
	return sortUnique(out)
}

func sortUnique(fs []Finding) []Finding {
	sort.SliceStable(fs, func(i, j int) bool {
		a, b := fs[i], fs[j]
		if a.Object.File != b.Object.File {
			return a.Object.File < b.Object.File
		}
		if a.Object.Index != b.Object.Index {
			return a.Object.Index < b.Object.Index
		}
		if ka, kb := objKey(a.Object), objKey(b.Object); ka != kb {
			return ka < kb
		}
		if a.Field != b.Field {
			return a.Field < b.Field
		}
		if a.Rule != b.Rule {
			return a.Rule < b.Rule
		}
		return a.Message < b.Message
	})
	var out []Finding
	for i, f := range fs {
		if i > 0 && f == fs[i-1] {
			continue
		}
		out = append(out, f)
	}
	return out
}

func objKey(o *inventory.Object) string {
	return o.KO.GetKind() + "/" + o.KO.GetNamespace() + "/" + o.KO.GetName()
}
