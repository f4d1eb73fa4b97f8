package rules

import (
	"fmt"
	"net"
	"strconv"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/robustmq/robustmq-kpt/functions/robustmq-validate/inventory"
)

// DefaultGRPCPort is RobustMQ's code default of grpc_port (docs/robustmq.md §2).
const DefaultGRPCPort = 1228

// metaPod is a pod of a meta node, by its DNS identity.
type metaPod struct {
	n   *inventory.Node
	pod inventory.Pod
}

func (m metaPod) host() string { return m.pod.Name + "." + m.pod.Subdomain }

// metaAddrs: every node's meta_addrs names exactly the meta pods that exist, each under its own broker_id, by its
// stable DNS name <pod>.<headless service> and its grpc_port. A meta node whose id has no entry exits at
// start-up; an entry for a pod that does not exist is a voter that never answers (docs/robustmq.md §7).
func metaAddrs(inv *inventory.Inventory, c *inventory.Cluster) []Finding {
	var pods []metaPod
	for _, n := range c.Meta() {
		for _, p := range n.Pods {
			if p.Name != "" {
				pods = append(pods, metaPod{n, p})
			}
		}
	}
	var out []Finding
	for _, n := range c.Nodes {
		if n.Config == nil || n.ConfigMap == nil {
			continue
		}
		addrs, ids := n.MetaAddrs()
		if addrs == nil {
			continue
		}
		add := func(msg string) {
			out = append(out, Finding{Rule: MetaAddrs, Object: n.ConfigMap.Object, Field: n.ConfigField("meta_addrs"), Message: msg})
		}
		matched := map[int]bool{}
		for _, k := range ids {
			addr := addrs[k]
			id, err := strconv.ParseInt(k, 10, 64)
			if err != nil {
				add(fmt.Sprintf("key %q is not a broker_id", k))
				continue
			}
			host, portText, err := net.SplitHostPort(addr)
			port, perr := strconv.Atoi(portText)
			if err != nil || perr != nil {
				add(fmt.Sprintf("entry %s = %q is not host:port", k, addr))
				continue
			}
			if ip := net.ParseIP(host); ip != nil {
				if ip.IsLoopback() && len(pods) == 1 && pods[0].pod.ID == id {
					matched[0] = true
					continue
				}
				add(fmt.Sprintf("entry %s = %q is an IP address: Raft stores this string, and pod IPs change on every "+
					"reschedule; use the pod's DNS name <pod>.<headless service> (docs/robustmq.md §7)", k, addr))
				continue
			}
			i := resolve(pods, host, n.Namespace)
			if i < 0 {
				add(fmt.Sprintf("entry %s = %q names no meta pod of the manifests%s; the meta pods are %s", k, addr,
					otherPod(c, host), list(pods)))
				continue
			}
			m := pods[i]
			matched[i] = true
			if m.pod.IDKnown && m.pod.ID != id {
				add(fmt.Sprintf("entry %s = %q names pod %s, which runs broker_id %d", k, addr, m.pod.Name, m.pod.ID))
			}
			if g := m.n.Int("grpc_port", DefaultGRPCPort); int64(port) != g {
				add(fmt.Sprintf("entry %s = %q has port %d, but %s listens for gRPC on grpc_port %d", k, addr, port, m.pod.Name, g))
			}
		}
		for i, m := range pods {
			if !matched[i] && m.pod.IDKnown {
				add(fmt.Sprintf("no entry for meta pod %s (broker_id %d); write %d = \"%s:%d\"", m.pod.Name, m.pod.ID,
					m.pod.ID, m.host(), m.n.Int("grpc_port", DefaultGRPCPort)))
			}
		}
	}
	return out
}

// resolve finds the meta pod a DNS name points at: <pod>.<service>[.<namespace>[.svc[.<cluster domain>]]].
func resolve(pods []metaPod, host, ns string) int {
	parts := strings.Split(strings.TrimSuffix(host, "."), ".")
	if len(parts) < 2 {
		return -1
	}
	if len(parts) >= 3 {
		ns = parts[2]
	}
	if len(parts) >= 4 && parts[3] != "svc" {
		return -1
	}
	for i, m := range pods {
		if m.pod.Name == parts[0] && m.pod.Subdomain == parts[1] && m.n.Namespace == ns {
			return i
		}
	}
	return -1
}

func otherPod(c *inventory.Cluster, host string) string {
	name, _, _ := strings.Cut(host, ".")
	for _, n := range c.Nodes {
		for _, p := range n.Pods {
			if p.Name == name && !n.Has("meta") {
				return fmt.Sprintf(" (pod %s exists but does not run the meta role)", name)
			}
		}
	}
	return ""
}

func list(pods []metaPod) string {
	if len(pods) == 0 {
		return "none"
	}
	var s []string
	for _, m := range pods {
		s = append(s, fmt.Sprintf("%s (broker_id %d)", m.host(), m.pod.ID))
	}
	return strings.Join(s, ", ")
}

// formation: how the meta pods start and find each other (docs/robustmq.md §6, §7).
func formation(inv *inventory.Inventory, c *inventory.Cluster) []Finding {
	var out []Finding
	engine, meta := false, false
	for _, n := range c.Nodes {
		engine = engine || n.Has("engine")
		meta = meta || n.Has("meta")
	}
	if first := firstWithConfig(c); first != nil && (!engine || !meta) {
		missing := "engine"
		why := "the inner topics need a registered engine node, so every node exits at start-up (docs/robustmq.md §6)"
		if !meta {
			missing, why = "meta", "every node waits for meta quorum forever (docs/robustmq.md §4)"
		}
		out = append(out, Finding{Rule: ConfigRoles, Object: first.ConfigMap.Object, Field: first.ConfigField("roles"),
			Message: fmt.Sprintf("no node of the cluster runs the %s role: %s", missing, why)})
	}
	for _, n := range c.Meta() {
		if n.StatefulSet == nil {
			if n.Kind != "Pod" {
				out = append(out, Finding{Rule: MetaStatefulSet, Object: n.Object, Field: "kind", Message: fmt.Sprintf(
					"container %s runs the meta role in a %s: its pods have random names and no stable DNS name or broker_id, "+
						"which Raft needs; run meta nodes in a StatefulSet (docs/robustmq.md §7)", n.Container.Name, n.Kind)})
			}
			continue
		}
		sts := n.StatefulSet
		if sts.Spec.PodManagementPolicy == appsv1.ParallelPodManagement && n.Replicas > 1 {
			out = append(out, Finding{Rule: MetaParallel, Object: n.Object, Field: "spec.podManagementPolicy", Message: "meta pods " +
				"started in parallel may each find no reachable peer and bootstrap separate Raft clusters; use OrderedReady " +
				"(docs/robustmq.md §7)"})
		}
		if n.Replicas > 1 || !loopbackOnly(n) {
			out = append(out, headless(inv, n)...)
		}
	}
	return out
}

// loopbackOnly: a single node whose meta_addrs names only itself on 127.0.0.1 needs no DNS name.
func loopbackOnly(n *inventory.Node) bool {
	addrs, _ := n.MetaAddrs()
	if len(addrs) == 0 {
		return false
	}
	for _, a := range addrs {
		host, _, err := net.SplitHostPort(a)
		if ip := net.ParseIP(host); err != nil || ip == nil || !ip.IsLoopback() {
			return false
		}
	}
	return true
}

func firstWithConfig(c *inventory.Cluster) *inventory.Node {
	for _, n := range c.Nodes {
		if n.Config != nil && n.ConfigMap != nil {
			return n
		}
	}
	return nil
}

// headless: the meta pods' DNS names exist only through a headless Service named by serviceName that selects them;
// with publishNotReadyAddresses a pod is resolvable before it is ready, which Raft needs while a node starts.
func headless(inv *inventory.Inventory, n *inventory.Node) []Finding {
	name := n.StatefulSet.Spec.ServiceName
	if name == "" {
		return []Finding{{Rule: HeadlessService, Object: n.Object, Field: "spec.serviceName", Message: "a meta StatefulSet " +
			"needs serviceName, the headless Service that gives its pods the DNS names meta_addrs uses"}}
	}
	var svc *inventory.Service
	for _, s := range inv.Services {
		if s.Svc.Name == name && s.KO.GetNamespace() == n.Namespace {
			svc = s
		}
	}
	if svc == nil {
		return []Finding{{Rule: HeadlessService, Object: n.Object, Field: "spec.serviceName", Message: fmt.Sprintf(
			"Service %s is not in the manifests: without it the pods have no DNS names and meta_addrs resolves nowhere", name)}}
	}
	var out []Finding
	if svc.Svc.Spec.ClusterIP != corev1.ClusterIPNone {
		out = append(out, Finding{Rule: HeadlessService, Object: svc.Object, Field: "spec.clusterIP", Message: fmt.Sprintf(
			"Service %s is the serviceName of StatefulSet %s but not headless (clusterIP: None): no per-pod DNS names", name, n.Name)})
	}
	sel := svc.Svc.Spec.Selector
	if len(sel) == 0 || !labels.SelectorFromSet(sel).Matches(labels.Set(n.PodLabels)) {
		out = append(out, Finding{Rule: HeadlessService, Object: svc.Object, Field: "spec.selector", Message: fmt.Sprintf(
			"Service %s does not select the pods of StatefulSet %s: they get no DNS names", name, n.Name)})
	}
	if !svc.Svc.Spec.PublishNotReadyAddresses {
		out = append(out, Finding{Rule: HeadlessNotReady, Object: svc.Object, Field: "spec.publishNotReadyAddresses", Message: fmt.Sprintf(
			"Service %s resolves only ready pods: a meta pod that is starting cannot be reached by its peers; set "+
				"publishNotReadyAddresses: true (docs/robustmq.md §7)", name)})
	}
	return out
}
