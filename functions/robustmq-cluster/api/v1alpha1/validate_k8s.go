package v1alpha1

import (
	"fmt"
	"maps"
	"math"
	"net/netip"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Fields the function passes through to Kubernetes objects are checked here by the rules the API server applies
// to them (k8s.io/kubernetes pkg/apis/core/validation and networking/validation, which is not a library: the
// rules are restated with apimachinery's own validators). A config the function accepts must apply.

// ReservedPrefix is the domain of the labels and annotations the function sets itself (generated-by,
// generator-version, cluster, config-hash, role-*). A user value under it could make the function prune or mislabel
// objects.
const ReservedPrefix = "robustmq.io/"

// The robustmq.io/ annotations a user, or the Helm chart, may set on the RobustMQCluster itself.
const (
	// AnnotationApprove lists the ids of blocked changes to let through (package changes).
	AnnotationApprove = "robustmq.io/approve"
	// AnnotationHelmRelease names the Helm release; the chart sets it on upgrade (package helmpost).
	AnnotationHelmRelease = "robustmq.io/helm-release"
)

// AllowedClusterAnnotations are the robustmq.io/ annotations the RobustMQCluster may carry.
var AllowedClusterAnnotations = []string{AnnotationApprove, AnnotationHelmRelease}

// FunctionLabels are the labels the function sets on every object (naming, which cannot be imported here; a test
// there holds the two equal); user labels may not replace them.
var FunctionLabels = []string{
	"app.kubernetes.io/name", "app.kubernetes.io/instance", "app.kubernetes.io/component",
	"app.kubernetes.io/part-of", "app.kubernetes.io/managed-by", "app.kubernetes.io/version",
}

func (c *RobustMQCluster) validateKubernetes() field.ErrorList {
	var errs field.ErrorList
	s := &c.Spec
	spec := field.NewPath("spec")
	meta := field.NewPath("metadata")

	errs = append(errs, metav1validation.ValidateLabels(c.Labels, meta.Child("labels"))...)
	errs = append(errs, reservedKeys(c.Labels, meta.Child("labels"), nil)...)
	errs = append(errs, validateAnnotations(c.Annotations, meta.Child("annotations"))...)
	errs = append(errs, reservedKeys(c.Annotations, meta.Child("annotations"), AllowedClusterAnnotations)...)

	for i, ps := range s.Image.PullSecrets {
		errs = append(errs, dnsSubdomain(ps.Name, spec.Child("image", "pullSecrets").Index(i).Child("name"))...)
	}
	for i := range s.Pools {
		errs = append(errs, s.Pools[i].validateKubernetes(spec.Child("pools").Index(i))...)
	}
	errs = append(errs, s.Service.validateKubernetes(spec.Child("service"))...)
	if !slices.ContainsFunc(s.Ports(), func(np NamedPort) bool { return np.Expose }) {
		errs = append(errs, field.Required(spec.Child("listeners"),
			"at least one listener needs expose: true: Kubernetes refuses a Service without ports"))
	}
	errs = append(errs, s.Auth.validateKeys(spec.Child("auth"))...)
	errs = append(errs, s.TLS.validateKubernetes(spec.Child("tls"))...)
	errs = append(errs, s.Security.validateKubernetes(spec.Child("security"))...)
	np := spec.Child("networkPolicy")
	for _, l := range []struct {
		peers []Peer
		path  *field.Path
	}{{s.NetworkPolicy.Clients, np.Child("clients")}, {s.NetworkPolicy.Admin, np.Child("admin")}, {s.NetworkPolicy.DNS.Peers, np.Child("dns", "peers")}} {
		for i := range l.peers {
			errs = append(errs, l.peers[i].validateKubernetes(l.path.Index(i))...)
		}
	}
	mon := spec.Child("monitoring")
	errs = append(errs, metav1validation.ValidateLabels(s.Monitoring.Labels, mon.Child("labels"))...)
	errs = append(errs, reservedKeys(s.Monitoring.Labels, mon.Child("labels"), nil)...)
	errs = append(errs, functionKeys(s.Monitoring.Labels, mon.Child("labels"))...)
	errs = append(errs, selector(s.Monitoring.GrafanaInstanceSelector, mon.Child("grafanaInstanceSelector"))...)
	return errs
}

// reservedKeys refuses label or annotation keys in the function's own domain.
func reservedKeys(m map[string]string, p *field.Path, allowed []string) field.ErrorList {
	var errs field.ErrorList
	for _, k := range slices.Sorted(maps.Keys(m)) {
		if strings.HasPrefix(k, ReservedPrefix) && !slices.Contains(allowed, k) {
			errs = append(errs, field.Forbidden(p.Key(k), fmt.Sprintf(
				"%s* keys are reserved for the function, which marks and prunes its objects by them", ReservedPrefix)))
		}
	}
	return errs
}

// functionKeys refuses user labels that would replace the ones every generated object carries.
func functionKeys(m map[string]string, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	for _, k := range slices.Sorted(maps.Keys(m)) {
		if slices.Contains(FunctionLabels, k) {
			errs = append(errs, field.Forbidden(p.Key(k), "set by the function on every generated object; choose another key"))
		}
	}
	return errs
}

func dnsSubdomain(name string, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	for _, msg := range validation.IsDNS1123Subdomain(name) {
		errs = append(errs, field.Invalid(p, name, msg))
	}
	return errs
}

func selector(s *metav1.LabelSelector, p *field.Path) field.ErrorList {
	if s == nil {
		return nil
	}
	return metav1validation.ValidateLabelSelector(s, metav1validation.LabelSelectorValidationOptions{}, p)
}

func (pool *Pool) validateKubernetes(p *field.Path) field.ErrorList {
	var errs field.ErrorList
	errs = append(errs, validateResources(&pool.Resources, p.Child("resources"))...)
	if sc := pool.Storage.StorageClassName; sc != nil && *sc != "" {
		errs = append(errs, dnsSubdomain(*sc, p.Child("storage", "storageClassName"))...)
	}
	sp := p.Child("scheduling")
	errs = append(errs, metav1validation.ValidateLabels(pool.Scheduling.NodeSelector, sp.Child("nodeSelector"))...)
	errs = append(errs, validateTolerations(pool.Scheduling.Tolerations, sp.Child("tolerations"))...)
	if pc := pool.Scheduling.PriorityClassName; pc != "" {
		errs = append(errs, dnsSubdomain(pc, sp.Child("priorityClassName"))...)
	}
	return errs
}

var (
	tolerationOperators = []string{"Equal", "Exists"}
	taintEffects        = []string{"NoSchedule", "PreferNoSchedule", "NoExecute"}
	trafficPolicies     = []string{"Cluster", "Local"}
)

// validateTolerations applies the API server's toleration rules (Lt and Gt are alpha and off by default).
func validateTolerations(ts []corev1.Toleration, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	for i, t := range ts {
		tp := p.Index(i)
		if t.Key != "" {
			errs = append(errs, metav1validation.ValidateLabelName(t.Key, tp.Child("key"))...)
		} else if t.Operator != corev1.TolerationOpExists {
			errs = append(errs, field.Invalid(tp.Child("operator"), t.Operator,
				"must be Exists when key is empty (which tolerates every taint)"))
		}
		if t.TolerationSeconds != nil && t.Effect != corev1.TaintEffectNoExecute {
			errs = append(errs, field.Invalid(tp.Child("effect"), t.Effect, "must be NoExecute when tolerationSeconds is set"))
		}
		switch t.Operator {
		case corev1.TolerationOpEqual, "":
			for _, msg := range validation.IsValidLabelValue(t.Value) {
				errs = append(errs, field.Invalid(tp.Child("value"), t.Value, msg))
			}
		case corev1.TolerationOpExists:
			if t.Value != "" {
				errs = append(errs, field.Invalid(tp.Child("value"), t.Value, "must be empty when operator is Exists"))
			}
		default:
			errs = append(errs, field.NotSupported(tp.Child("operator"), string(t.Operator), tolerationOperators))
		}
		switch t.Effect {
		case "", corev1.TaintEffectNoSchedule, corev1.TaintEffectPreferNoSchedule, corev1.TaintEffectNoExecute:
		default:
			errs = append(errs, field.NotSupported(tp.Child("effect"), string(t.Effect), taintEffects))
		}
	}
	return errs
}

// validateResources applies the API server's container resource rules: names, non-negative quantities, whole
// numbers for extended resources, requests ≤ limits (= for hugepages and extended resources).
func validateResources(r *corev1.ResourceRequirements, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if len(r.Claims) > 0 {
		errs = append(errs, field.Forbidden(p.Child("claims"), "dynamic resource claims are not supported: the pods declare no resourceClaims"))
	}
	check := func(list corev1.ResourceList, lp *field.Path) {
		for _, name := range sortedResourceNames(list) {
			q := list[name]
			np := lp.Key(string(name))
			if msg := containerResourceName(name); msg != "" {
				errs = append(errs, field.Invalid(np, name, msg))
				continue
			}
			if q.Sign() < 0 {
				errs = append(errs, field.Invalid(np, q.String(), "must not be negative"))
			}
			if extendedResource(name) && q.MilliValue()%1000 != 0 {
				errs = append(errs, field.Invalid(np, q.String(), "must be a whole number (an extended resource)"))
			}
			if size, ok := strings.CutPrefix(string(name), corev1.ResourceHugePagesPrefix); ok {
				page, err := resource.ParseQuantity(size)
				if err != nil || page.Sign() <= 0 {
					errs = append(errs, field.Invalid(np, name, "hugepages-<size> needs a page size such as 2Mi or 1Gi"))
				} else if q.Value()%page.Value() != 0 {
					errs = append(errs, field.Invalid(np, q.String(), "must be a multiple of the page size "+size))
				}
			}
		}
	}
	check(r.Limits, p.Child("limits"))
	check(r.Requests, p.Child("requests"))
	for _, name := range sortedResourceNames(r.Requests) {
		req := r.Requests[name]
		lim, ok := r.Limits[name]
		np := p.Child("requests").Key(string(name))
		switch {
		case !ok && !overcommitAllowed(name):
			errs = append(errs, field.Required(p.Child("limits").Key(string(name)), "must be set, equal to the request, for "+string(name)))
		case ok && !overcommitAllowed(name) && req.Cmp(lim) != 0:
			errs = append(errs, field.Invalid(np, req.String(), fmt.Sprintf("must equal the limit %s (%s cannot be overcommitted)", lim.String(), name)))
		case ok && req.Cmp(lim) > 0:
			errs = append(errs, field.Invalid(np, req.String(), fmt.Sprintf("must not exceed the limit %s", lim.String())+limitHint(name)))
		}
	}
	return errs
}

func sortedResourceNames(l corev1.ResourceList) []corev1.ResourceName {
	names := make([]corev1.ResourceName, 0, len(l))
	for n := range l {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// containerResourceName returns why a name is not a container resource, or "".
func containerResourceName(name corev1.ResourceName) string {
	if msgs := validation.IsQualifiedName(string(name)); len(msgs) > 0 {
		return strings.Join(msgs, "; ")
	}
	if !strings.Contains(string(name), "/") {
		switch {
		case name == corev1.ResourceCPU, name == corev1.ResourceMemory, name == corev1.ResourceEphemeralStorage,
			strings.HasPrefix(string(name), corev1.ResourceHugePagesPrefix):
			return ""
		}
		return "must be cpu, memory, ephemeral-storage, hugepages-<size> or a fully qualified extended resource (example.com/gpu)"
	}
	if !nativeResource(name) && !extendedResource(name) {
		return "is not a valid extended resource name"
	}
	return ""
}

func nativeResource(name corev1.ResourceName) bool {
	return !strings.Contains(string(name), "/") || strings.Contains(string(name), corev1.ResourceDefaultNamespacePrefix)
}

func extendedResource(name corev1.ResourceName) bool {
	if nativeResource(name) || strings.HasPrefix(string(name), corev1.DefaultResourceRequestsPrefix) {
		return false
	}
	return len(validation.IsQualifiedName(corev1.DefaultResourceRequestsPrefix+string(name))) == 0
}

func overcommitAllowed(name corev1.ResourceName) bool {
	return nativeResource(name) && !strings.HasPrefix(string(name), corev1.ResourceHugePagesPrefix)
}

func (cs *ClientService) validateKubernetes(p *field.Path) field.ErrorList {
	var errs field.ErrorList
	errs = append(errs, validateAnnotations(cs.Annotations, p.Child("annotations"))...)
	errs = append(errs, reservedKeys(cs.Annotations, p.Child("annotations"), nil)...)
	for _, k := range slices.Sorted(maps.Keys(cs.Annotations)) {
		if strings.HasPrefix(k, "config.kubernetes.io/") || strings.HasPrefix(k, "internal.config.kubernetes.io/") {
			errs = append(errs, field.Forbidden(p.Child("annotations").Key(k),
				"kpt's annotation: local-config would keep the Service from being applied"))
		}
	}
	if len(cs.LoadBalancerSourceRanges) > 0 && cs.Type != corev1.ServiceTypeLoadBalancer {
		errs = append(errs, field.Forbidden(p.Child("loadBalancerSourceRanges"), fmt.Sprintf(
			"only with type LoadBalancer; a %s Service would drop it and stay open to every source", cs.Type)))
	}
	for i, r := range cs.LoadBalancerSourceRanges {
		errs = append(errs, cidr(r, p.Child("loadBalancerSourceRanges").Index(i))...)
	}
	switch cs.ExternalTrafficPolicy {
	case "":
	case corev1.ServiceExternalTrafficPolicyCluster, corev1.ServiceExternalTrafficPolicyLocal:
		if cs.Type == corev1.ServiceTypeClusterIP {
			errs = append(errs, field.Forbidden(p.Child("externalTrafficPolicy"), "only with type NodePort or LoadBalancer"))
		}
	default:
		errs = append(errs, field.NotSupported(p.Child("externalTrafficPolicy"), string(cs.ExternalTrafficPolicy), trafficPolicies))
	}
	return errs
}

// cidr checks a CIDR as the API server does with strict IP validation (on by default): parseable, no bits set
// beyond the prefix length, no IPv4-mapped IPv6.
func cidr(s string, p *field.Path) field.ErrorList {
	return validation.IsValidCIDRForLegacyField(p, s, true, nil)
}

func (a *Auth) validateKeys(p *field.Path) field.ErrorList {
	var errs field.ErrorList
	key := func(k string, kp *field.Path) {
		for _, msg := range validation.IsConfigMapKey(k) {
			errs = append(errs, field.Invalid(kp, k, msg))
		}
	}
	for _, c := range []struct {
		ref *CredentialsRef
		p   *field.Path
	}{{a.MQTT, p.Child("mqtt")}, {a.Admin, p.Child("admin")}} {
		if c.ref != nil {
			key(c.ref.UsernameKey, c.p.Child("usernameKey"))
			key(c.ref.PasswordKey, c.p.Child("passwordKey"))
		}
	}
	if a.JWTSecret != nil && a.JWTSecret.Key != "" {
		key(a.JWTSecret.Key, p.Child("jwtSecret", "key"))
	}
	return errs
}

// cert-manager's webhook refuses a duration under an hour and a renewBefore under five minutes or not below
// the duration.
const (
	minCertDuration    = 60 * 60
	minCertRenewBefore = 5 * 60
)

func (t *TLS) validateKubernetes(p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if t.SecretName != "" {
		errs = append(errs, dnsSubdomain(t.SecretName, p.Child("secretName"))...)
	}
	cm := t.CertManager
	if cm == nil {
		return errs
	}
	cp := p.Child("certManager")
	if cm.IssuerRef.Name != "" {
		errs = append(errs, dnsSubdomain(cm.IssuerRef.Name, cp.Child("issuerRef", "name"))...)
	}
	errs = append(errs, dnsSubdomain(cm.IssuerRef.Group, cp.Child("issuerRef", "group"))...)
	if d := cm.Duration; d != nil && d.Seconds() < minCertDuration {
		errs = append(errs, field.Invalid(cp.Child("duration"), d.Duration.String(), "must be at least 1h (cert-manager's minimum)"))
	}
	if rb := cm.RenewBefore; rb != nil {
		if rb.Seconds() < minCertRenewBefore {
			errs = append(errs, field.Invalid(cp.Child("renewBefore"), rb.Duration.String(), "must be at least 5m (cert-manager's minimum)"))
		}
		if d := cm.Duration; d != nil && rb.Duration >= d.Duration {
			errs = append(errs, field.Invalid(cp.Child("renewBefore"), rb.Duration.String(),
				fmt.Sprintf("must be shorter than the duration %s", d.Duration)))
		}
	}
	return errs
}

func (sec *Security) validateKubernetes(p *field.Path) field.ErrorList {
	var errs field.ErrorList
	for _, id := range []struct {
		v    *int64
		name string
		user bool
	}{{sec.RunAsUser, "runAsUser", true}, {sec.RunAsGroup, "runAsGroup", false}, {sec.FSGroup, "fsGroup", false}} {
		if id.v == nil {
			continue
		}
		switch v := *id.v; {
		case v < 0 || v > math.MaxInt32:
			errs = append(errs, field.Invalid(p.Child(id.name), v, fmt.Sprintf("must be between 0 and %d", math.MaxInt32)))
		case v == 0 && id.user:
			errs = append(errs, field.Invalid(p.Child(id.name), v,
				"must not be 0: the pods run with runAsNonRoot: true"))
		}
	}
	return errs
}

func (peer *Peer) validateKubernetes(p *field.Path) field.ErrorList {
	var errs field.ErrorList
	errs = append(errs, selector(peer.NamespaceSelector, p.Child("namespaceSelector"))...)
	errs = append(errs, selector(peer.PodSelector, p.Child("podSelector"))...)
	if peer.CIDR == "" {
		if len(peer.Except) > 0 {
			errs = append(errs, field.Forbidden(p.Child("except"), "only with cidr"))
		}
		return errs
	}
	cidrErrs := cidr(peer.CIDR, p.Child("cidr"))
	errs = append(errs, cidrErrs...)
	outer, _ := netip.ParsePrefix(peer.CIDR)
	for j, e := range peer.Except {
		ep := p.Child("except").Index(j)
		if sub := cidr(e, ep); len(sub) > 0 {
			errs = append(errs, sub...)
			continue
		}
		if len(cidrErrs) > 0 {
			continue
		}
		inner, _ := netip.ParsePrefix(e)
		if inner.Addr().Is4() != outer.Addr().Is4() || inner.Bits() <= outer.Bits() || !outer.Contains(inner.Addr()) {
			errs = append(errs, field.Invalid(ep, e, fmt.Sprintf("must be a strict subset of cidr %s", peer.CIDR)))
		}
	}
	return errs
}

// limitHint explains a request above a limit the function filled in from the profile.
func limitHint(name corev1.ResourceName) string {
	if name == corev1.ResourceCPU || name == corev1.ResourceMemory {
		return " (a request or limit not set is the environment's default; set both)"
	}
	return ""
}

// maxAnnotationBytes is the API server's limit on all annotations of an object together, keys and values
// (apimachinery's api/validation.TotalAnnotationSizeLimitB).
const maxAnnotationBytes = 256 << 10

// validateAnnotations is apimachinery's api/validation.ValidateAnnotations (keys are qualified names in any case;
// 256 KiB in all), restated because that package links apimachinery's equality and declarative validation too.
func validateAnnotations(m map[string]string, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	size := 0
	for _, k := range slices.Sorted(maps.Keys(m)) {
		for _, msg := range validation.IsQualifiedName(strings.ToLower(k)) {
			errs = append(errs, field.Invalid(p, k, msg))
		}
		size += len(k) + len(m[k])
	}
	if size > maxAnnotationBytes {
		errs = append(errs, field.TooLong(p, "", maxAnnotationBytes))
	}
	return errs
}
