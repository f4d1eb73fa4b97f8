// Package inventory reads a list of Kubernetes objects and finds the RobustMQ nodes in it: every container that
// runs the broker, with the server.toml it reads, its roles, its pods and their broker ids. It reads any
// manifests, not only the generator's: a workload is RobustMQ when its image is robustmq, when it mounts a
// ConfigMap holding server.toml, or when it carries the app.kubernetes.io/name=robustmq label.
package inventory

import (
	"fmt"
	"net"
	"path"
	"sort"
	"strings"

	"github.com/kptdev/krm-functions-sdk/go/fn"
	"github.com/pelletier/go-toml/v2"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"

	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/configkeys"
)

// Image facts of RobustMQ (docs/robustmq.md §1): WORKDIR /robustmq, CMD --conf=/robustmq/config/server.toml, and
// the binary's own default config/server.toml relative to the working directory.
const (
	ImageWorkDir     = "/robustmq"
	ImageConfigDir   = "/robustmq/config"
	ImageServerToml  = "/robustmq/config/server.toml"
	binaryConfigPath = "config/server.toml"
	LabelName        = "app.kubernetes.io/name"
	AppName          = "robustmq"
	ServerFileName   = "server.toml"
)

// Object is one item of the ResourceList and where it came from.
type Object struct {
	KO    *fn.KubeObject
	File  string
	Index int
}

// Inventory is everything the rules read.
type Inventory struct {
	Objects         []*Object
	ConfigMaps      map[string]*ConfigMap // by namespace/name
	Services        []*Service
	NetworkPolicies []*NetworkPolicy
	ServiceAccounts map[string]*ServiceAccount
	Nodes           []*Node
	Clusters        []*Cluster
	// Sources are the RobustMQCluster objects in the list (kpt render passes local-config objects too).
	Sources []*Object
}

type ConfigMap struct {
	*Object
	CM corev1.ConfigMap
}

type Service struct {
	*Object
	Svc corev1.Service
}

type NetworkPolicy struct {
	*Object
	NP networkingv1.NetworkPolicy
}

type ServiceAccount struct {
	*Object
	SA corev1.ServiceAccount
}

// Read builds the inventory of a ResourceList's items. Objects that do not decode are skipped: kpt and the API
// server report those, and no RobustMQ rule can read them.
func Read(items fn.KubeObjects) *Inventory {
	inv := &Inventory{ConfigMaps: map[string]*ConfigMap{}, ServiceAccounts: map[string]*ServiceAccount{}}
	type workload struct {
		obj  *Object
		kind string
		typ  any
	}
	var workloads []workload
	for _, ko := range items {
		o := &Object{KO: ko, File: ko.PathAnnotation(), Index: max(ko.IndexAnnotation(), 0)}
		inv.Objects = append(inv.Objects, o)
		gk := ko.GroupKind()
		switch {
		case gk.Group == "robustmq.io" && gk.Kind == "RobustMQCluster":
			inv.Sources = append(inv.Sources, o)
		case gk.Group == "" && gk.Kind == "ConfigMap":
			var cm corev1.ConfigMap
			if ko.As(&cm) == nil {
				inv.ConfigMaps[key(ko.GetNamespace(), ko.GetName())] = &ConfigMap{o, cm}
			}
		case gk.Group == "" && gk.Kind == "Service":
			var s corev1.Service
			if ko.As(&s) == nil {
				inv.Services = append(inv.Services, &Service{o, s})
			}
		case gk.Group == "" && gk.Kind == "ServiceAccount":
			var s corev1.ServiceAccount
			if ko.As(&s) == nil {
				inv.ServiceAccounts[key(ko.GetNamespace(), ko.GetName())] = &ServiceAccount{o, s}
			}
		case gk.Group == "networking.k8s.io" && gk.Kind == "NetworkPolicy":
			var np networkingv1.NetworkPolicy
			if ko.As(&np) == nil {
				inv.NetworkPolicies = append(inv.NetworkPolicies, &NetworkPolicy{o, np})
			}
		case gk.Group == "apps" && gk.Kind == "StatefulSet":
			var s appsv1.StatefulSet
			if ko.As(&s) == nil {
				workloads = append(workloads, workload{o, gk.Kind, &s})
			}
		case gk.Group == "apps" && gk.Kind == "Deployment":
			var d appsv1.Deployment
			if ko.As(&d) == nil {
				workloads = append(workloads, workload{o, gk.Kind, &d})
			}
		case gk.Group == "apps" && gk.Kind == "DaemonSet":
			var d appsv1.DaemonSet
			if ko.As(&d) == nil {
				workloads = append(workloads, workload{o, gk.Kind, &d})
			}
		case gk.Group == "" && gk.Kind == "Pod":
			var p corev1.Pod
			if ko.As(&p) == nil {
				workloads = append(workloads, workload{o, gk.Kind, &p})
			}
		}
	}
	for _, w := range workloads {
		inv.Nodes = append(inv.Nodes, inv.nodes(w.obj, w.kind, w.typ)...)
	}
	inv.Clusters = group(inv.Nodes)
	return inv
}

func key(ns, name string) string { return ns + "/" + name }

// Workload is the typed object a node runs in, and the parts of it the rules read.
type Workload struct {
	*Object
	Kind string
	// Typed is *appsv1.StatefulSet, *appsv1.Deployment, *appsv1.DaemonSet or *corev1.Pod, for the shared policy.
	Typed       any
	StatefulSet *appsv1.StatefulSet
	Namespace   string
	Name        string
	Spec        *corev1.PodSpec
	SpecPath    string
	PodLabels   map[string]string
}

// Node is one RobustMQ container of a workload: the set of pods that run one server.toml.
type Node struct {
	*Workload
	Container     corev1.Container
	ContainerPath string
	WorkDir       string
	// ConfPath is the absolute path of the server.toml the process reads.
	ConfPath string
	// ConfigMap holds the server.toml, ConfigKey is its key; nil when the file is not from a ConfigMap of the list.
	ConfigMap   *ConfigMap
	ConfigKey   string
	ConfigText  string
	Config      map[string]any
	ConfigError error
	// MissingConfigMap names a ConfigMap the mount references but the list does not hold.
	MissingConfigMap string
	// FromImage: no mount covers ConfPath, so the process reads the image's own file.
	FromImage bool
	// Script: the container runs a shell, which may compute broker_id or other values the rules cannot see.
	Script bool
	Roles  []string
	Pods   []Pod
	// Replicas and OrdinalStart of a StatefulSet; Replicas of a Deployment; -1 for a DaemonSet (one per node).
	Replicas, OrdinalStart int32
}

// Pod is one pod a node's workload creates.
type Pod struct {
	// Name is "" when the controller picks random names (Deployment, DaemonSet).
	Name    string
	Ordinal int32
	// ID is the broker_id the pod runs; IDKnown is false when a script decides it.
	ID      int64
	IDKnown bool
	// IDField is the field path that decides the id, for results.
	IDField string
	// Subdomain is the headless Service that gives the pod a DNS name (StatefulSet serviceName, Pod subdomain).
	Subdomain string
}

// Config field path of a key of a node's server.toml, e.g. data[server.toml].meta_addrs.
func (n *Node) ConfigField(k string) string {
	if k == "" {
		return fmt.Sprintf("data[%s]", n.ConfigKey)
	}
	return fmt.Sprintf("data[%s].%s", n.ConfigKey, k)
}

// Has reports whether the node runs a role.
func (n *Node) Has(role string) bool {
	for _, r := range n.Roles {
		if r == role {
			return true
		}
	}
	return false
}

// Lookup returns the value of a dotted server.toml key.
func (n *Node) Lookup(dotted string) (any, bool) {
	if n.Config == nil {
		return nil, false
	}
	return configkeys.Lookup(n.Config, dotted)
}

// Int returns an integer key's value, or def when the key is absent or not an integer.
func (n *Node) Int(dotted string, def int64) int64 {
	v, ok := n.Lookup(dotted)
	if !ok {
		return def
	}
	if i, ok := v.(int64); ok {
		return i
	}
	return def
}

// Abs resolves a path of the config against the working directory, as the process does.
func (n *Node) Abs(p string) string {
	if path.IsAbs(p) {
		return path.Clean(p)
	}
	return path.Join(n.WorkDir, p)
}

func (inv *Inventory) nodes(o *Object, kind string, typed any) []*Node {
	w := &Workload{Object: o, Kind: kind, Typed: typed, Namespace: o.KO.GetNamespace(), Name: o.KO.GetName()}
	replicas, start := int32(1), int32(0)
	switch t := typed.(type) {
	case *appsv1.StatefulSet:
		w.StatefulSet, w.Spec, w.SpecPath, w.PodLabels = t, &t.Spec.Template.Spec, "spec.template.spec", t.Spec.Template.Labels
		if t.Spec.Replicas != nil {
			replicas = *t.Spec.Replicas
		}
		if t.Spec.Ordinals != nil {
			start = t.Spec.Ordinals.Start
		}
	case *appsv1.Deployment:
		w.Spec, w.SpecPath, w.PodLabels = &t.Spec.Template.Spec, "spec.template.spec", t.Spec.Template.Labels
		if t.Spec.Replicas != nil {
			replicas = *t.Spec.Replicas
		}
	case *appsv1.DaemonSet:
		w.Spec, w.SpecPath, w.PodLabels = &t.Spec.Template.Spec, "spec.template.spec", t.Spec.Template.Labels
		replicas = -1
	case *corev1.Pod:
		w.Spec, w.SpecPath, w.PodLabels = &t.Spec, "spec", t.Labels
	}
	var out []*Node
	for i, c := range w.Spec.Containers {
		n := &Node{Workload: w, Container: c, ContainerPath: fmt.Sprintf("%s.containers[%d]", w.SpecPath, i),
			Replicas: replicas, OrdinalStart: start}
		inv.resolveConfig(n)
		labelled := w.PodLabels[LabelName] == AppName && (c.Name == AppName || len(w.Spec.Containers) == 1)
		if !isRobustMQImage(c.Image) && n.ConfigMap == nil && !labelled {
			continue
		}
		n.Roles = roles(n)
		n.Pods = pods(n)
		out = append(out, n)
	}
	return out
}

// isRobustMQImage matches the broker image by its repository's last path element: ghcr.io/robustmq/robustmq,
// robustmq/robustmq. The kpt function images (kpt-fn/robustmq-cluster) do not match.
func isRobustMQImage(ref string) bool {
	if i := strings.Index(ref, "@"); i >= 0 {
		ref = ref[:i]
	}
	last := ref[strings.LastIndex(ref, "/")+1:]
	if i := strings.Index(last, ":"); i >= 0 {
		last = last[:i]
	}
	return last == AppName
}

// resolveConfig finds the server.toml the container reads: the --conf/-c flag (default config/server.toml in
// the working directory, docs/robustmq.md §1), then the volume mounted over that path.
func (inv *Inventory) resolveConfig(n *Node) {
	c := &n.Container
	n.WorkDir = ImageWorkDir
	if c.WorkingDir != "" {
		n.WorkDir = c.WorkingDir
	}
	args := append(append([]string{}, c.Command...), c.Args...)
	conf := ""
	if len(c.Command) == 0 && len(c.Args) == 0 {
		conf = ImageServerToml // the image's CMD
	}
	if len(c.Command) > 0 && isShell(c.Command[0]) {
		n.Script = true
		args = strings.Fields(strings.Join(args, " "))
	}
	for i, a := range args {
		switch {
		case strings.HasPrefix(a, "--conf="):
			conf = strings.TrimPrefix(a, "--conf=")
		case (a == "--conf" || (a == "-c" && !n.Script)) && i+1 < len(args):
			conf = args[i+1]
		}
	}
	if conf == "" {
		conf = binaryConfigPath
	}
	n.ConfPath = n.Abs(strings.Trim(conf, `"'`))

	mount, rel := n.MountFor(n.ConfPath)
	if mount == nil {
		n.FromImage = true
		return
	}
	vol := n.Volume(mount.Name)
	if vol == nil {
		return
	}
	var cmName string
	var items []corev1.KeyToPath
	switch {
	case vol.ConfigMap != nil:
		cmName, items = vol.ConfigMap.Name, vol.ConfigMap.Items
	case vol.Projected != nil:
		for _, s := range vol.Projected.Sources {
			if s.ConfigMap != nil && (len(s.ConfigMap.Items) == 0 || hasPath(s.ConfigMap.Items, rel)) {
				cmName, items = s.ConfigMap.Name, s.ConfigMap.Items
				break
			}
		}
	}
	if cmName == "" {
		return
	}
	k := rel
	for _, it := range items {
		if it.Path == rel {
			k = it.Key
		}
	}
	if len(items) > 0 && !hasPath(items, rel) {
		return
	}
	cm := inv.ConfigMaps[key(n.Namespace, cmName)]
	if cm == nil {
		n.MissingConfigMap = cmName
		return
	}
	text, ok := cm.CM.Data[k]
	if !ok {
		n.MissingConfigMap = cmName + " (key " + k + ")"
		return
	}
	n.ConfigMap, n.ConfigKey, n.ConfigText = cm, k, text
	var doc map[string]any
	if err := toml.Unmarshal([]byte(text), &doc); err != nil {
		n.ConfigError = err
		return
	}
	n.Config = doc
}

func hasPath(items []corev1.KeyToPath, p string) bool {
	for _, it := range items {
		if it.Path == p {
			return true
		}
	}
	return false
}

func isShell(cmd string) bool {
	switch path.Base(cmd) {
	case "sh", "bash", "dash", "ash":
		return true
	}
	return false
}

// MountFor returns the volume mount that holds an absolute path (the deepest one) and the path relative to it.
func (n *Node) MountFor(p string) (*corev1.VolumeMount, string) {
	var best *corev1.VolumeMount
	rel := ""
	for i := range n.Container.VolumeMounts {
		m := &n.Container.VolumeMounts[i]
		mp := path.Clean(m.MountPath)
		switch {
		case m.SubPath != "" && p == mp:
			if best == nil || len(mp) >= len(best.MountPath) {
				best, rel = m, m.SubPath
			}
		case m.SubPath == "" && (p == mp || strings.HasPrefix(p, mp+"/")):
			if best == nil || len(mp) > len(path.Clean(best.MountPath)) {
				best, rel = m, strings.TrimPrefix(p, mp+"/")
			}
		}
	}
	return best, rel
}

// Volume returns the pod volume of a name, or nil.
func (n *Node) Volume(name string) *corev1.Volume {
	for i := range n.Spec.Volumes {
		if n.Spec.Volumes[i].Name == name {
			return &n.Spec.Volumes[i]
		}
	}
	return nil
}

// roles are the config's roles; RobustMQ's code default is ["broker","meta"] (docs/robustmq.md §2).
func roles(n *Node) []string {
	v, ok := n.Lookup("roles")
	if !ok {
		return []string{"broker", "meta"}
	}
	l, _ := v.([]any)
	var out []string
	for _, r := range l {
		if s, ok := r.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// Cluster is the nodes that form one RobustMQ cluster: in one namespace, with the same explicit cluster_name, or
// joined by a shared meta_addrs address.
type Cluster struct {
	Namespace string
	Nodes     []*Node
}

// Meta are the nodes that run the meta role.
func (c *Cluster) Meta() []*Node {
	var out []*Node
	for _, n := range c.Nodes {
		if n.Has("meta") {
			out = append(out, n)
		}
	}
	return out
}

func group(nodes []*Node) []*Cluster {
	parent := make([]int, len(nodes))
	for i := range parent {
		parent[i] = i
	}
	var find func(int) int
	find = func(i int) int {
		if parent[i] != i {
			parent[i] = find(parent[i])
		}
		return parent[i]
	}
	union := func(a, b int) { parent[find(a)] = find(b) }
	for i, a := range nodes {
		for j := i + 1; j < len(nodes); j++ {
			b := nodes[j]
			if a.Namespace != b.Namespace {
				continue
			}
			an, aok := clusterName(a)
			bn, bok := clusterName(b)
			if (aok && bok && an == bn) || sharesMetaAddr(a, b) {
				union(i, j)
			}
		}
	}
	byRoot := map[int]*Cluster{}
	var out []*Cluster
	for i, n := range nodes {
		r := find(i)
		c := byRoot[r]
		if c == nil {
			c = &Cluster{Namespace: n.Namespace}
			byRoot[r] = c
			out = append(out, c)
		}
		c.Nodes = append(c.Nodes, n)
	}
	return out
}

// clusterName is the explicit cluster_name of a node's config; two unrelated deployments that both leave it at
// the default are not one cluster for that.
func clusterName(n *Node) (string, bool) {
	if v, ok := n.Lookup("cluster_name"); ok {
		if s, ok := v.(string); ok {
			return s, true
		}
	}
	return "", false
}

// MetaAddrs returns a node's meta_addrs as id -> address, and the ids in order.
func (n *Node) MetaAddrs() (map[string]string, []string) {
	v, ok := n.Lookup("meta_addrs")
	if !ok {
		return nil, nil
	}
	t, _ := v.(map[string]any)
	out := map[string]string{}
	var ids []string
	for k, a := range t {
		s, _ := a.(string)
		out[k] = s
		ids = append(ids, k)
	}
	sort.Strings(ids)
	return out, ids
}

// sharesMetaAddr: the two nodes name a common meta node. Loopback addresses name each node itself, so they join
// nothing.
func sharesMetaAddr(a, b *Node) bool {
	am, _ := a.MetaAddrs()
	bm, _ := b.MetaAddrs()
	seen := map[string]bool{}
	for _, v := range am {
		seen[v] = true
	}
	for _, v := range bm {
		host, _, err := net.SplitHostPort(v)
		if ip := net.ParseIP(host); err == nil && ip != nil && ip.IsLoopback() {
			continue
		}
		if seen[v] {
			return true
		}
	}
	return false
}
