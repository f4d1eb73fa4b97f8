package v1alpha1

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/configkeys"
)

// maxStatefulSetName keeps the controller-revision-hash label (name + "-" + 10 chars) within 63 characters.
const maxStatefulSetName = 52

// Replica caps. Every meta pod is a Raft voter and every write waits for a majority of them, so more than 7 only
// slows writes; 100 pods per pool is far beyond any RobustMQ deployment on record and keeps a typo (1000 for 10)
// from rendering a config that lists every pod. brokerIdStart stays far below int32, the type of ordinals.start.
const (
	maxMetaReplicas = 7
	maxPoolReplicas = 100
	maxBrokerID     = 1_000_000
)

var digestPattern = regexp.MustCompile(`^sha256:[a-f0-9]{64}$`)

// Validate returns every problem of a defaulted cluster at once, each with its field path.
func (c *RobustMQCluster) Validate() field.ErrorList {
	var errs field.ErrorList
	s := &c.Spec
	spec := field.NewPath("spec")

	if c.Name == "" {
		errs = append(errs, field.Required(field.NewPath("metadata", "name"), "it prefixes every generated object"))
	} else {
		for _, msg := range validation.IsDNS1123Label(c.Name) {
			errs = append(errs, field.Invalid(field.NewPath("metadata", "name"), c.Name, msg))
		}
	}
	if c.Namespace != "" {
		for _, msg := range validation.IsDNS1123Label(c.Namespace) {
			errs = append(errs, field.Invalid(field.NewPath("metadata", "namespace"), c.Namespace, msg))
		}
	}
	// The name prefixes every StatefulSet (<name>-<pool>); leave room for a short pool name.
	if n := len(c.Name); n > maxStatefulSetName-5 && n <= validation.DNS1123LabelMaxLength {
		errs = append(errs, field.TooLong(field.NewPath("metadata", "name"), c.Name, maxStatefulSetName-5))
	}
	if _, ok := Profiles[s.Environment]; !ok {
		errs = append(errs, field.NotSupported(spec.Child("environment"), s.Environment, []Environment{Dev, Staging, Prod}))
	}
	if !slices.Contains(SupportedVersions, s.Version) {
		errs = append(errs, field.Invalid(spec.Child("version"), s.Version, fmt.Sprintf(
			"this function generates the server.toml layout of RobustMQ %v (all MQTT settings under [mqtt_runtime.*], TLS under [broker_network]); older releases would silently ignore those keys",
			SupportedVersions)))
	}
	errs = append(errs, s.Image.validate(spec.Child("image"))...)
	capErrs, tooMany := s.validateCaps()
	errs = append(errs, capErrs...)
	if tooMany {
		return errs
	}
	errs = append(errs, c.validatePools(spec.Child("pools"))...)
	errs = append(errs, s.validatePorts(spec.Child("listeners"))...)
	errs = append(errs, s.Service.validate(spec.Child("service"))...)
	errs = append(errs, s.Auth.validate(spec.Child("auth"))...)
	errs = append(errs, s.TLS.validate(spec.Child("tls"))...)
	if sec := s.Security; sec.OpenShift && (sec.RunAsUser != nil || sec.RunAsGroup != nil || sec.FSGroup != nil) {
		errs = append(errs, field.Forbidden(spec.Child("security"),
			"openshift leaves runAsUser, runAsGroup and fsGroup to the platform; do not set them as well"))
	}
	errs = append(errs, s.NetworkPolicy.validate(spec.Child("networkPolicy"))...)
	for _, msg := range validation.IsDNS1123Label(s.Monitoring.Namespace) {
		errs = append(errs, field.Invalid(spec.Child("monitoring", "namespace"), s.Monitoring.Namespace, msg))
	}
	if r := *s.Runtime.DefaultTopicReplicas; r < 1 || r > s.engineReplicas() {
		errs = append(errs, field.Invalid(spec.Child("runtime", "defaultTopicReplicas"), r,
			fmt.Sprintf("must be between 1 and the number of engine pods (%d)", s.engineReplicas())))
	}
	if *s.Runtime.DefaultTopicPartitions < 1 {
		errs = append(errs, field.Invalid(spec.Child("runtime", "defaultTopicPartitions"), *s.Runtime.DefaultTopicPartitions, "must be at least 1"))
	}
	errs = append(errs, validateExtraConfig(spec.Child("extraConfig"), s.ExtraConfig)...)
	errs = append(errs, c.validateKubernetes()...)
	errs = append(errs, c.validateRobustMQ()...)
	errs = append(errs, c.validateLifecycle(spec)...)
	return errs
}

func (im *Image) validate(p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if im.Digest != "" && !digestPattern.MatchString(im.Digest) {
		errs = append(errs, field.Invalid(p.Child("digest"), im.Digest, "must be sha256:<64 lower-case hex digits>"))
	}
	switch im.PullPolicy {
	case corev1.PullAlways, corev1.PullIfNotPresent, corev1.PullNever:
	default:
		errs = append(errs, field.NotSupported(p.Child("pullPolicy"), im.PullPolicy,
			[]corev1.PullPolicy{corev1.PullAlways, corev1.PullIfNotPresent, corev1.PullNever}))
	}
	for i, s := range im.PullSecrets {
		if s.Name == "" {
			errs = append(errs, field.Required(p.Child("pullSecrets").Index(i).Child("name"), ""))
		}
	}
	return errs
}

func (c *RobustMQCluster) validatePools(p *field.Path) field.ErrorList {
	var errs field.ErrorList
	pools := c.Spec.Pools
	names := map[string]bool{}
	var metaPools []string
	var brokers, engines bool
	type idRange struct {
		pool       string
		start, end int32
	}
	var ranges []idRange
	for i := range pools {
		pool := &pools[i]
		pp := p.Index(i)
		for _, msg := range validation.IsDNS1123Label(pool.Name) {
			errs = append(errs, field.Invalid(pp.Child("name"), pool.Name, msg))
		}
		if names[pool.Name] {
			errs = append(errs, field.Duplicate(pp.Child("name"), pool.Name))
		}
		names[pool.Name] = true
		if sts := c.Name + "-" + pool.Name; len(sts) > maxStatefulSetName && len(c.Name) <= maxStatefulSetName-5 {
			errs = append(errs, field.Invalid(pp.Child("name"), pool.Name, fmt.Sprintf(
				"the StatefulSet name %q has %d characters, at most %d fit (its controller-revision-hash label adds 11 and must stay within 63): shorten the pool or the cluster name",
				sts, len(sts), maxStatefulSetName)))
		}
		seen := map[Role]bool{}
		for j, r := range pool.Roles {
			if r != RoleMeta && r != RoleBroker && r != RoleEngine {
				errs = append(errs, field.NotSupported(pp.Child("roles").Index(j), r, []Role{RoleMeta, RoleBroker, RoleEngine}))
			}
			if seen[r] {
				errs = append(errs, field.Duplicate(pp.Child("roles").Index(j), r))
			}
			seen[r] = true
		}
		replicas := *pool.Replicas
		switch {
		case replicas < 1:
			errs = append(errs, field.Invalid(pp.Child("replicas"), replicas, "must be at least 1"))
		case replicas > maxPoolReplicas:
			errs = append(errs, field.Invalid(pp.Child("replicas"), replicas, fmt.Sprintf("must be at most %d", maxPoolReplicas)))
		case pool.Has(RoleMeta) && replicas > maxMetaReplicas:
			errs = append(errs, field.Invalid(pp.Child("replicas"), replicas, fmt.Sprintf(
				"a pool with the meta role has at most %d replicas: each is a Raft voter, and more only slow every write; put brokers and engines in pools of their own to grow", maxMetaReplicas)))
		}
		if pool.Has(RoleMeta) {
			metaPools = append(metaPools, pool.Name)
			if replicas%2 == 0 {
				errs = append(errs, field.Invalid(pp.Child("replicas"), replicas,
					"a pool with the meta role needs an odd number of replicas: Raft quorum is a majority, so an even count adds a failure point without adding tolerance"))
			}
		}
		brokers = brokers || pool.Has(RoleBroker)
		engines = engines || pool.Has(RoleEngine)
		if pool.BrokerIDStart == nil {
			errs = append(errs, field.Required(pp.Child("brokerIdStart"),
				"with more than one pool every pool needs its own broker_id range; it becomes the Raft node id, so it is never derived from list order"))
		} else if start := *pool.BrokerIDStart; start < 1 {
			errs = append(errs, field.Invalid(pp.Child("brokerIdStart"), start, "must be at least 1 (RobustMQ refuses broker_id 0 in its leave API)"))
		} else if start > maxBrokerID {
			errs = append(errs, field.Invalid(pp.Child("brokerIdStart"), start, fmt.Sprintf("must be at most %d", maxBrokerID)))
		} else {
			ranges = append(ranges, idRange{pool.Name, start, start + replicas - 1})
		}
		if q := pool.Storage.Size; q.Sign() <= 0 {
			errs = append(errs, field.Invalid(pp.Child("storage", "size"), q.String(), "must be positive"))
		}
		for _, q := range []struct {
			name string
			size *resource.Quantity
		}{{"logsSize", pool.Storage.LogsSize}, {"localDataSize", pool.Storage.LocalDataSize}} {
			if q.size.Sign() <= 0 {
				errs = append(errs, field.Invalid(pp.Child("storage", q.name), q.size.String(), "must be positive"))
			}
		}
		errs = append(errs, pool.Rollout.validate(pp, pool)...)
		errs = append(errs, pool.Scheduling.validate(pp.Child("scheduling"))...)
		errs = append(errs, pool.validateAutoscaling(pp)...)
	}
	if len(metaPools) > 1 {
		errs = append(errs, field.Invalid(p, metaPools, "exactly one pool may carry the meta role, so that its PodDisruptionBudget can protect the whole Raft quorum"))
	}
	if len(metaPools) == 0 {
		errs = append(errs, field.Required(p, "one pool must carry the meta role"))
	}
	if !brokers {
		errs = append(errs, field.Required(p, "one pool must carry the broker role"))
	}
	if !engines {
		errs = append(errs, field.Required(p, "one pool must carry the engine role: RobustMQ exits at start-up when no engine node is registered (docs/robustmq.md §6)"))
	}
	sort.Slice(ranges, func(i, j int) bool { return ranges[i].start < ranges[j].start })
	for i := 1; i < len(ranges); i++ {
		if prev, cur := ranges[i-1], ranges[i]; cur.start <= prev.end {
			errs = append(errs, field.Invalid(p, cur.pool, fmt.Sprintf(
				"broker_id range %d-%d of pool %q overlaps range %d-%d of pool %q; broker_id must be unique across the cluster",
				cur.start, cur.end, cur.pool, prev.start, prev.end, prev.pool)))
		}
	}
	return errs
}

func (s *Scheduling) validate(p *field.Path) field.ErrorList {
	var errs field.ErrorList
	spreads := []Spread{SpreadRequired, SpreadPreferred, SpreadNone}
	if !slices.Contains(spreads, s.ZoneSpread) {
		errs = append(errs, field.NotSupported(p.Child("zoneSpread"), s.ZoneSpread, spreads))
	}
	if s.MinZones != nil && (*s.MinZones < 1 || s.ZoneSpread != SpreadRequired) {
		errs = append(errs, field.Invalid(p.Child("minZones"), *s.MinZones, "must be at least 1, with zoneSpread: required"))
	}
	if !slices.Contains(spreads, s.HostSpread) {
		errs = append(errs, field.NotSupported(p.Child("hostSpread"), s.HostSpread, spreads))
	}
	return errs
}

func (s *Spec) validatePorts(p *field.Path) field.ErrorList {
	var errs field.ErrorList
	used := map[string]string{}
	for _, np := range s.Ports() {
		path := p.Child(np.Path)
		if np.Path == "" {
			path = field.NewPath(np.Name + " (fixed)")
		} else if np.Port < 1 || np.Port > 65535 {
			errs = append(errs, field.Invalid(path.Child("port"), np.Port, "must be between 1 and 65535"))
			continue
		}
		// TCP and UDP may share a number, but RobustMQ binds every TCP listener, so TCP numbers must differ.
		key := fmt.Sprintf("%s/%d", np.Protocol, np.Port)
		if other, ok := used[key]; ok && np.Path != "" {
			if fixed, isFixed := strings.CutSuffix(other, " (fixed)"); isFixed {
				errs = append(errs, field.Invalid(path.Child("port"), np.Port, fmt.Sprintf(
					"reserved: RobustMQ's fixed inter-node %s port, which every node listens on", fixed)))
			} else {
				errs = append(errs, field.Duplicate(path.Child("port"), fmt.Sprintf("%d (also used by %s)", np.Port, other)))
			}
		}
		used[key] = path.String()
	}
	return errs
}

func (cs *ClientService) validate(p *field.Path) field.ErrorList {
	var errs field.ErrorList
	types := []corev1.ServiceType{corev1.ServiceTypeClusterIP, corev1.ServiceTypeNodePort, corev1.ServiceTypeLoadBalancer}
	if !slices.Contains(types, cs.Type) {
		errs = append(errs, field.NotSupported(p.Child("type"), cs.Type, types))
	}
	return errs
}

func (a *Auth) validate(p *field.Path) field.ErrorList {
	var errs field.ErrorList
	creds := func(c *CredentialsRef, cp *field.Path) {
		if c == nil {
			return
		}
		for _, msg := range validation.IsDNS1123Subdomain(c.SecretName) {
			errs = append(errs, field.Invalid(cp.Child("secretName"), c.SecretName, msg))
		}
	}
	creds(a.MQTT, p.Child("mqtt"))
	creds(a.Admin, p.Child("admin"))
	if a.JWTSecret != nil {
		for _, msg := range validation.IsDNS1123Subdomain(a.JWTSecret.Name) {
			errs = append(errs, field.Invalid(p.Child("jwtSecret", "name"), a.JWTSecret.Name, msg))
		}
		if a.JWTSecret.Key == "" {
			errs = append(errs, field.Required(p.Child("jwtSecret", "key"), ""))
		}
	}
	return errs
}

func (t *TLS) validate(p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if t.SecretName != "" && t.CertManager != nil {
		errs = append(errs, field.Forbidden(p.Child("certManager"), "set either secretName or certManager, not both"))
	}
	if cm := t.CertManager; cm != nil {
		if cm.IssuerRef.Name == "" {
			errs = append(errs, field.Required(p.Child("certManager", "issuerRef", "name"), ""))
		}
		if k := cm.IssuerRef.Kind; k != IssuerKind && k != ClusterIssuerKind {
			errs = append(errs, field.NotSupported(p.Child("certManager", "issuerRef", "kind"), k, []string{IssuerKind, ClusterIssuerKind}))
		}
		for i, n := range cm.ExtraDNSNames {
			for _, msg := range validation.IsWildcardDNS1123Subdomain(n) {
				if len(validation.IsDNS1123Subdomain(n)) > 0 {
					errs = append(errs, field.Invalid(p.Child("certManager", "extraDNSNames").Index(i), n, msg))
				}
			}
		}
	}
	return errs
}

func (np *NetworkPolicy) validate(p *field.Path) field.ErrorList {
	var errs field.ErrorList
	peers := func(list []Peer, lp *field.Path) {
		for i, peer := range list {
			pp := lp.Index(i)
			selectors := peer.NamespaceSelector != nil || peer.PodSelector != nil
			switch {
			case peer.CIDR != "" && selectors:
				errs = append(errs, field.Forbidden(pp, "set either cidr or selectors, not both"))
			case peer.CIDR == "" && !selectors:
				errs = append(errs, field.Required(pp, "set cidr, namespaceSelector or podSelector"))
			}
		}
	}
	peers(np.Clients, p.Child("clients"))
	peers(np.Admin, p.Child("admin"))
	peers(np.DNS.Peers, p.Child("dns", "peers"))
	if port := *np.DNS.Port; port < 1 || port > 65535 {
		errs = append(errs, field.Invalid(p.Child("dns", "port"), port, "must be between 1 and 65535"))
	}
	return errs
}

func validateExtraConfig(p *field.Path, extra map[string]ConfigValue) field.ErrorList {
	var errs field.ErrorList
	keys := make([]string, 0, len(extra))
	for k := range extra {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		kp := p.Key(k)
		typ, known := configkeys.Keys[k]
		if !known {
			errs = append(errs, field.Invalid(kp, k, fmt.Sprintf(
				"RobustMQ %s does not read this key and would silently ignore it; see configkeys/%s.tsv", DefaultVersion, DefaultVersion)))
			continue
		}
		if owner, managed := configkeys.Managed[k]; managed {
			errs = append(errs, field.Forbidden(kp, fmt.Sprintf("%q is managed by the function (%s)", k, owner)))
			continue
		}
		if rs, live := configkeys.RuntimeSectionOf(k); live {
			errs = append(errs, field.Forbidden(kp, runtimeKeyInFile(k, rs)))
			continue
		}
		var v any
		if err := json.Unmarshal(extra[k].Raw, &v); err != nil {
			errs = append(errs, field.Invalid(kp, string(extra[k].Raw), err.Error()))
			continue
		}
		if err := configkeys.CheckValue(typ, v); err != nil {
			errs = append(errs, field.Invalid(kp, v, fmt.Sprintf("%s: %s is %s", err, k, typ)))
		}
	}
	return errs
}
