// Package changes compares the objects the function generated before (they are in every render's input) with the
// new render, and says what applying the new render will do to the running cluster: which pools roll and why,
// which changes the API server will refuse, and which would break RobustMQ (Raft identities, quorum, data).
// It knows nothing of kpt: objects in, findings out.
package changes

import (
	"encoding/json"
	"fmt"
	"path"
	"reflect"
	"sort"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	sigsjson "sigs.k8s.io/json"
)

// Object is one generated object, from the package (before) or from the new render (after).
type Object struct {
	Kind, Name, Namespace string
	// Cluster is the robustmq.io/cluster annotation, Pool the app.kubernetes.io/component label ("" for objects
	// of the whole cluster).
	Cluster, Pool string
	// File is where the object is written, relative to the package.
	File string
	// Map returns the object's content as a fresh map (Compare may change it).
	Map func() (map[string]any, error)
	// Digest, when set, is a hash of the content without kpt's path and index annotations: equal digests mean
	// equal objects, so an unchanged cluster is recognised without decoding it.
	Digest string
}

// same says whether two objects have the same content.
func same(a, b Object) (bool, error) {
	if a.Digest != "" && b.Digest != "" {
		return a.Digest == b.Digest, nil
	}
	am, err := a.content()
	if err != nil {
		return false, err
	}
	bm, err := b.content()
	if err != nil {
		return false, err
	}
	return reflect.DeepEqual(am, bm), nil
}

// content reads an object without what kpt adds to it (file path and index annotations).
func (o Object) content() (map[string]any, error) {
	m, err := o.Map()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", o.File, err)
	}
	if md, ok := m["metadata"].(map[string]any); ok {
		if an, ok := md["annotations"].(map[string]any); ok {
			for k := range an {
				if strings.HasPrefix(k, "internal.config.kubernetes.io/") || strings.HasPrefix(k, "config.kubernetes.io/") && k != "config.kubernetes.io/local-config" {
					delete(an, k)
				}
			}
		}
	}
	return m, nil
}

// As decodes the object into a typed struct such as *appsv1.StatefulSet.
func (o Object) As(ptr any) error {
	m, err := o.content()
	if err != nil {
		return err
	}
	return decode(m, ptr, o.File)
}

// decode reads the object as the API server's JSON decoder does: field names case-sensitive, integers exact.
// Through JSON rather than apimachinery's reflection-based converter, which would add 60 kB to the image for the
// same result (docs/images.md).
func decode(m map[string]any, ptr any, file string) error {
	b, err := json.Marshal(m)
	if err == nil {
		err = sigsjson.UnmarshalCaseSensitivePreserveInts(b, ptr)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	return nil
}

// toMap is a typed value as generic JSON values (int64 for integers), as decode reads them.
func toMap(v any) (map[string]any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	return m, sigsjson.UnmarshalCaseSensitivePreserveInts(b, &m)
}

type Severity int

const (
	Info Severity = iota
	Warning
	Error
)

// Finding is one classified change.
type Finding struct {
	Severity Severity
	// Change names the kind of change ("rolls", "storage-size", "meta-replicas", …).
	Change string
	// Namespace and Cluster name the RobustMQCluster the change belongs to; Pool is "" for the whole cluster.
	Namespace, Cluster, Pool string
	// Field is the path in the RobustMQCluster that caused the change: under the pool's entry of spec.pools when
	// Pool is set and the path does not start with spec. or metadata.
	Field   string
	Message string
	// ID is set on errors that an approval can let through.
	ID       string
	Approved bool
	// Gone is set when the RobustMQCluster no longer exists: Object is then one of its generated objects, for
	// the result to point at.
	Gone   bool
	Object *Object
}

// Blocking is true for an error that is not approved.
func (f Finding) Blocking() bool { return f.Severity == Error && !f.Approved }

// Approvable says whether an approval can let this finding through.
func (f Finding) Approvable() bool { return f.ID != "" }

type key struct{ namespace, name string }

func (k key) String() string {
	if k.namespace == "" {
		return k.name
	}
	return k.namespace + "/" + k.name
}

// cluster is what Compare reads of one cluster's objects.
type cluster struct {
	key   key
	pools map[string]*pool
	// clientObj is the client Service, client its decoded form once the cluster changed.
	clientObj *Object
	client    *corev1.Service
	// certObj is the cert-manager Certificate of the listeners, if any.
	certObj *Object
	// ids are the kind and name of every object, sorted; poolOf maps them to their pool.
	ids    []string
	poolOf map[string]string
	// dir is the folder holding the cluster's output folder (where its RobustMQCluster lives).
	dir string
	any Object
}

type pool struct {
	name string
	obj  Object
	// sts is decoded from obj (the StatefulSet) only when the cluster changed.
	hasSTS    bool
	sts       *appsv1.StatefulSet
	configObj *Object
}

// config decodes the pool's ConfigMap, or returns nil.
func (p *pool) config() *corev1.ConfigMap {
	if p.configObj == nil {
		return nil
	}
	cm := &corev1.ConfigMap{}
	if p.configObj.As(cm) != nil {
		return nil
	}
	return cm
}

// Compare classifies every change from before to after, in a fixed order. No change, no finding.
func Compare(before, after []Object) ([]Finding, error) {
	b, err := group(before)
	if err != nil {
		return nil, fmt.Errorf("read previous render: %w", err)
	}
	a, err := group(after)
	if err != nil {
		return nil, fmt.Errorf("read new render: %w", err)
	}
	var out []Finding
	paired := map[key]bool{}
	for _, k := range sortedKeys(b) {
		old := b[k]
		if cur, ok := a[k]; ok {
			if same, err := unchanged(old, cur); err != nil {
				return nil, err
			} else if same {
				continue
			}
			if err := decodeAll(old, cur); err != nil {
				return nil, err
			}
			out = append(out, compareCluster(old, cur)...)
			continue
		}
		if err := decodeAll(old); err != nil {
			return nil, err
		}
		out = append(out, gone(old, a, b, paired))
	}
	return out, nil
}

// unchanged is true when both renders hold the same pools with the same StatefulSets and client Service: the
// common case, decided without decoding anything. (A ConfigMap changes only together with the config hash.)
func unchanged(old, cur *cluster) (bool, error) {
	if len(old.pools) != len(cur.pools) || (old.clientObj == nil) != (cur.clientObj == nil) || !reflect.DeepEqual(old.ids, cur.ids) {
		return false, nil
	}
	for _, pair := range [][2]*Object{{old.clientObj, cur.clientObj}, {old.certObj, cur.certObj}} {
		if pair[0] != nil && pair[1] != nil {
			if eq, err := same(*pair[0], *pair[1]); err != nil || !eq {
				return false, err
			}
		}
	}
	for n, p := range old.pools {
		q, ok := cur.pools[n]
		if !ok {
			return false, nil
		}
		if eq, err := same(p.obj, q.obj); err != nil || !eq {
			return false, err
		}
	}
	return true, nil
}

// decodeAll decodes the StatefulSets and client Service of clusters that changed.
func decodeAll(cs ...*cluster) error {
	for _, c := range cs {
		for _, p := range c.pools {
			p.sts = &appsv1.StatefulSet{}
			if err := p.obj.As(p.sts); err != nil {
				return err
			}
		}
		if c.clientObj != nil {
			c.client = &corev1.Service{}
			if err := c.clientObj.As(c.client); err != nil {
				return err
			}
		}
	}
	return nil
}

// gone classifies a cluster of the previous render that the new render no longer has: moved to another
// namespace, renamed (a new cluster in the same folder and namespace), or removed.
func gone(old *cluster, a, b map[key]*cluster, paired map[key]bool) Finding {
	var moved, renamed *cluster
	for _, k := range sortedKeys(a) {
		if _, existed := b[k]; existed || paired[k] {
			continue
		}
		c := a[k]
		switch {
		case k.name == old.key.name && moved == nil:
			moved = c
		case k.namespace == old.key.namespace && c.dir == old.dir && renamed == nil:
			renamed = c
		}
	}
	stsNames := old.statefulSets()
	switch {
	case moved != nil:
		paired[moved.key] = true
		f := Finding{Severity: Error, Change: "namespace", Namespace: moved.key.namespace, Cluster: moved.key.name,
			Field: "metadata.namespace"}
		f.Message = fmt.Sprintf("cluster %s moves from namespace %q to %q: applying creates a new, empty cluster there "+
			"and pruning deletes StatefulSets %s with their pods (their PVCs stay behind, unused); "+
			"migrate as described in docs/changes.md#namespace-move", old.key.name, old.key.namespace, moved.key.namespace, stsNames)
		return withID(f, old.key.namespace, moved.key.namespace)
	case renamed != nil:
		paired[renamed.key] = true
		f := Finding{Severity: Error, Change: "rename", Namespace: renamed.key.namespace, Cluster: renamed.key.name,
			Field: "metadata.name"}
		f.Message = fmt.Sprintf("cluster %s is renamed to %s: every object gets a new name, so applying creates a new, "+
			"empty cluster and pruning deletes StatefulSets %s with their pods (their PVCs stay behind, unused); "+
			"see docs/changes.md#rename", old.key.name, renamed.key.name, stsNames)
		return withID(f, old.key.name, renamed.key.name)
	}
	f := Finding{Severity: Error, Change: "cluster-removed", Namespace: old.key.namespace, Cluster: old.key.name,
		Gone: true, Object: &old.any}
	folder := path.Join(old.dir, old.key.name)
	f.Message = fmt.Sprintf("the RobustMQCluster %s that generated %s/ is gone (file deleted, or its kind or apiVersion "+
		"changed), so this render would delete every object of the cluster, StatefulSets %s included; "+
		"to keep the cluster, restore its RobustMQCluster; to delete it on purpose, delete the folder %s/ in the same "+
		"commit (docs/changes.md#remove-a-cluster)", old.key, folder, stsNames, folder)
	return withID(f, old.key.String(), "")
}

func (c *cluster) statefulSets() string {
	var names []string
	for _, n := range sortedNames(c.pools) {
		names = append(names, c.pools[n].sts.Name)
	}
	return joinList(names)
}

// group sorts objects by cluster and pool and decodes those Compare reads. A cluster without any StatefulSet has
// nothing running to protect and is left out.
func group(objs []Object) (map[key]*cluster, error) {
	all := map[key]*cluster{}
	for _, o := range objs {
		k := key{o.Namespace, o.Cluster}
		c := all[k]
		if c == nil {
			c = &cluster{key: k, pools: map[string]*pool{}, poolOf: map[string]string{}, any: o}
			all[k] = c
		}
		c.ids = append(c.ids, o.Kind+" "+o.Name)
		c.poolOf[o.Kind+" "+o.Name] = o.Pool
		switch {
		case o.Kind == "StatefulSet" && o.Pool != "":
			p := c.pool(o.Pool)
			p.obj, p.hasSTS = o, true
			// The output folder is <dir>/<cluster>/; StatefulSets sit right in it.
			c.dir = path.Dir(path.Dir(o.File))
			c.any = o
		case o.Kind == "ConfigMap" && o.Pool != "" && o.Name == o.Cluster+"-"+o.Pool+"-config":
			// Read only when the config hash changed: most renders change no config.
			c.pool(o.Pool).configObj = &o
		case o.Kind == "Service" && o.Pool == "" && o.Name == o.Cluster:
			c.clientObj = &o
		case o.Kind == "Certificate" && o.Pool == "":
			c.certObj = &o
		}
	}
	for k, c := range all {
		for n, p := range c.pools {
			if !p.hasSTS {
				delete(c.pools, n)
			}
		}
		if len(c.pools) == 0 {
			delete(all, k)
		}
		sort.Strings(c.ids)
	}
	return all, nil
}

func (c *cluster) pool(name string) *pool {
	p := c.pools[name]
	if p == nil {
		p = &pool{name: name}
		c.pools[name] = p
	}
	return p
}

func sortedKeys(m map[key]*cluster) []key {
	out := make([]key, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].namespace != out[j].namespace {
			return out[i].namespace < out[j].namespace
		}
		return out[i].name < out[j].name
	})
	return out
}

func sortedNames[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// joinList shortens long lists: the message must stay readable in a pull request.
func joinList(items []string) string {
	const max = 8
	if len(items) > max {
		return fmt.Sprintf("%s and %d more", joinList(items[:max]), len(items)-max)
	}
	s := ""
	for i, it := range items {
		if i > 0 {
			s += ", "
		}
		s += it
	}
	return s
}
