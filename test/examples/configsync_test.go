package examples

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"
)

// Config Sync's Go module (kpt.dev/configsync) is not served by the module proxy here, so RootSync and RepoSync are
// decoded into the subset of their v1beta1 schema the examples use, written from Config Sync's documented API
// (configsync.gke.io/v1beta1: spec.sourceFormat, spec.sourceType, spec.git). Strict decoding makes any other field,
// or a typo, an error; it cannot prove a field the subset lacks is valid upstream.
const (
	configSyncAPIVersion = "configsync.gke.io/v1beta1"
	configSyncNamespace  = "config-management-system"
	defaultRepoSyncName  = "repo-sync"
)

type syncGit struct {
	Repo      string          `json:"repo"`
	Branch    string          `json:"branch,omitempty"`
	Revision  string          `json:"revision,omitempty"`
	Dir       string          `json:"dir,omitempty"`
	Period    metav1.Duration `json:"period,omitempty"`
	Auth      string          `json:"auth"`
	SecretRef *struct {
		Name string `json:"name,omitempty"`
	} `json:"secretRef,omitempty"`
}

type syncSpec struct {
	// RootSync: hierarchy | unstructured; RepoSync: unstructured only.
	SourceFormat string   `json:"sourceFormat,omitempty"`
	SourceType   string   `json:"sourceType,omitempty"`
	Git          *syncGit `json:"git,omitempty"`
}

// syncObject is a RootSync or a RepoSync: their spec subsets are the same.
type syncObject struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
	Spec              syncSpec `json:"spec"`
}

// nsReconcilerName is the ServiceAccount of a RepoSync's reconciler, as Config Sync documents it.
func nsReconcilerName(namespace, name string) string {
	if name == defaultRepoSyncName {
		return "ns-reconciler-" + namespace
	}
	return fmt.Sprintf("ns-reconciler-%s-%s-%d", namespace, name, len(name))
}

var gitAuthTypes = []string{"ssh", "cookiefile", "gcenode", "gcpserviceaccount", "token", "none"}

func TestConfigSyncExamples(t *testing.T) {
	r := root(t)
	dir := filepath.Join(r, "examples", "config-sync")
	var syncs []syncObject
	var roles []rbacv1.ClusterRole
	var bindings []rbacv1.RoleBinding
	for _, f := range []string{"root-sync.yaml", "repo-sync.yaml"} {
		for _, doc := range rawDocs(t, filepath.Join(dir, f)) {
			var tm metav1.TypeMeta
			require.NoError(t, yaml.Unmarshal(doc, &tm))
			switch {
			case tm.APIVersion == configSyncAPIVersion && (tm.Kind == "RootSync" || tm.Kind == "RepoSync"):
				var s syncObject
				require.NoError(t, yaml.UnmarshalStrict(doc, &s), f)
				syncs = append(syncs, s)
			case tm.APIVersion == "rbac.authorization.k8s.io/v1" && tm.Kind == "ClusterRole":
				var cr rbacv1.ClusterRole
				require.NoError(t, yaml.UnmarshalStrict(doc, &cr), f)
				roles = append(roles, cr)
			case tm.APIVersion == "rbac.authorization.k8s.io/v1" && tm.Kind == "RoleBinding":
				var rb rbacv1.RoleBinding
				require.NoError(t, yaml.UnmarshalStrict(doc, &rb), f)
				bindings = append(bindings, rb)
			default:
				t.Fatalf("%s: unexpected %s %s", f, tm.APIVersion, tm.Kind)
			}
		}
	}

	var rootSync, repoSync *syncObject
	for i := range syncs {
		s := &syncs[i]
		switch s.Kind {
		case "RootSync":
			require.Nil(t, rootSync, "one RootSync")
			rootSync = s
			assert.Equal(t, configSyncNamespace, s.Namespace, "RootSyncs live in %s", configSyncNamespace)
		case "RepoSync":
			require.Nil(t, repoSync, "one RepoSync")
			repoSync = s
		}
		assert.Equal(t, "unstructured", s.Spec.SourceFormat, "%s: rendered output is unstructured", s.Name)
		assert.Contains(t, []string{"", "git"}, s.Spec.SourceType, s.Name)
		require.NotNil(t, s.Spec.Git, s.Name)
		g := s.Spec.Git
		assert.True(t, strings.HasPrefix(g.Repo, "https://"), g.Repo)
		assert.NotEmpty(t, g.Branch+g.Revision, s.Name)
		assert.Contains(t, gitAuthTypes, g.Auth, s.Name)
		assert.Equal(t, g.Auth == "none", g.SecretRef == nil, "%s: auth none takes no secretRef, the others need one", s.Name)
	}
	require.NotNil(t, rootSync)
	require.NotNil(t, repoSync)

	// Both directories hold a kustomization.yaml: Config Sync renders it, as kustomize build does here.
	build := func(s *syncObject) []obj {
		d := filepath.Join(r, filepath.FromSlash(s.Spec.Git.Dir))
		require.False(t, filepath.IsAbs(s.Spec.Git.Dir) || strings.HasPrefix(s.Spec.Git.Dir, "."), "%s: dir from the repository root", s.Name)
		require.FileExists(t, filepath.Join(d, "kustomization.yaml"), s.Name)
		return kustomizeBuild(t, d)
	}
	rootObjs, repoObjs := build(rootSync), build(repoSync)
	require.NotEmpty(t, repoObjs)

	// Together they apply every unit of the environment's overlay, each object once.
	units := kustomizationDirs(t, filepath.Join(r, filepath.FromSlash(rootSync.Spec.Git.Dir)))
	assert.Equal(t, []string{
		filepath.Join(r, filepath.FromSlash(rootSync.Spec.Git.Dir)),
		filepath.Join(r, filepath.FromSlash(repoSync.Spec.Git.Dir)),
	}, units, "the RootSync and the RepoSync cover the overlay's units")
	rootIDs := ids(rootObjs)
	for _, o := range repoObjs {
		assert.NotContains(t, rootIDs, o.id(), "managed by both syncs: Config Sync reports a management conflict")
		// A namespace reconciler manages only namespaced objects of its own namespace.
		assert.Equal(t, repoSync.Namespace, o.namespace(), "%s: outside the RepoSync's namespace", o.id())
		assert.True(t, optionalCRDGroups[o.group()], "%s: the RepoSync holds the optional CRD kinds", o.id())
	}
	for _, o := range rootObjs {
		assert.False(t, optionalCRDGroups[o.group()], "%s: an optional CRD kind in the RootSync blocks it until the CRD exists", o.id())
	}
	assert.Contains(t, rootIDs, "/Namespace /"+repoSync.Namespace, "the RootSync creates the RepoSync's namespace")

	// The RepoSync's reconciler is granted every kind it applies, through a RoleBinding in its namespace.
	sa := nsReconcilerName(repoSync.Namespace, repoSync.Name)
	granted := map[string]map[string]bool{} // "group/resource" -> verbs
	for _, rb := range bindings {
		assert.Equal(t, repoSync.Namespace, rb.Namespace)
		bound := slices.ContainsFunc(rb.Subjects, func(s rbacv1.Subject) bool {
			return s.Kind == "ServiceAccount" && s.Name == sa && s.Namespace == configSyncNamespace
		})
		require.True(t, bound, "RoleBinding %s binds %s/%s", rb.Name, configSyncNamespace, sa)
		for _, cr := range roles {
			if rb.RoleRef.Kind != "ClusterRole" || rb.RoleRef.Name != cr.Name {
				continue
			}
			for _, rule := range cr.Rules {
				for _, g := range rule.APIGroups {
					for _, res := range rule.Resources {
						if granted[g+"/"+res] == nil {
							granted[g+"/"+res] = map[string]bool{}
						}
						for _, v := range rule.Verbs {
							granted[g+"/"+res][v] = true
						}
					}
				}
			}
		}
	}
	for _, o := range repoObjs {
		res := o.group() + "/" + strings.ToLower(o.kind()) + "s"
		for _, v := range []string{"get", "list", "watch", "create", "update", "patch", "delete"} {
			assert.True(t, granted[res][v], "%s: reconciler %s may not %s %s", o.id(), sa, v, res)
		}
	}
}
