package manifests

import (
	"testing"

	"github.com/pelletier/go-toml/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/utils/ptr"

	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/api/v1alpha1"
	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/configkeys"
	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/naming"
	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/output"
	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/servertoml"
	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/topology"
)

func clusters() map[string]*v1alpha1.RobustMQCluster {
	mk := func(env v1alpha1.Environment, mutate func(*v1alpha1.RobustMQCluster)) *v1alpha1.RobustMQCluster {
		c := &v1alpha1.RobustMQCluster{}
		c.Name, c.Namespace = "mq", "brokers"
		c.Spec.Environment = env
		if mutate != nil {
			mutate(c)
		}
		c.Default()
		return c
	}
	return map[string]*v1alpha1.RobustMQCluster{
		"dev":       mk(v1alpha1.Dev, nil),
		"staging":   mk(v1alpha1.Staging, func(c *v1alpha1.RobustMQCluster) { c.Spec.TLS.SecretName = "tls" }),
		"openshift": mk(v1alpha1.Staging, func(c *v1alpha1.RobustMQCluster) { c.Spec.Security.OpenShift = true }),
		"split": mk(v1alpha1.Prod, func(c *v1alpha1.RobustMQCluster) {
			c.Spec.Auth.Admin = &v1alpha1.CredentialsRef{SecretName: "admin"}
			c.Spec.Pools = []v1alpha1.Pool{
				{Name: "meta", Roles: []v1alpha1.Role{v1alpha1.RoleMeta}, Replicas: ptr.To[int32](5), BrokerIDStart: ptr.To[int32](1)},
				{Name: "broker", Roles: []v1alpha1.Role{v1alpha1.RoleBroker}, Replicas: ptr.To[int32](2), BrokerIDStart: ptr.To[int32](101)},
				{Name: "engine", Roles: []v1alpha1.Role{v1alpha1.RoleEngine}, Replicas: ptr.To[int32](3), BrokerIDStart: ptr.To[int32](201)},
			}
		}),
	}
}

func resolved(t *testing.T, c *v1alpha1.RobustMQCluster) *topology.Cluster {
	t.Helper()
	require.Empty(t, c.Validate())
	tc, err := topology.Resolve(c)
	require.NoError(t, err)
	return tc
}

func built(t *testing.T, c *v1alpha1.RobustMQCluster) []output.Object {
	t.Helper()
	objs, err := Build(resolved(t, c))
	require.NoError(t, err)
	return objs
}

func statefulSets(objs []output.Object) []*appsv1.StatefulSet {
	var out []*appsv1.StatefulSet
	for _, o := range objs {
		if s, ok := o.Object.(*appsv1.StatefulSet); ok {
			out = append(out, s)
		}
	}
	return out
}

func TestEveryPodIsHardened(t *testing.T) {
	for name, c := range clusters() {
		for _, sts := range statefulSets(built(t, c)) {
			t.Run(name+"/"+sts.Name, func(t *testing.T) {
				pod := sts.Spec.Template.Spec
				psc := pod.SecurityContext
				assert.True(t, *psc.RunAsNonRoot)
				assert.Equal(t, corev1.SeccompProfileTypeRuntimeDefault, psc.SeccompProfile.Type)
				if c.Spec.Security.OpenShift {
					assert.Nil(t, psc.RunAsUser, "the platform assigns ids")
					assert.Nil(t, psc.FSGroup)
				} else {
					assert.Equal(t, int64(999), *psc.RunAsUser)
					assert.Equal(t, int64(999), *psc.RunAsGroup)
					assert.Equal(t, int64(999), *psc.FSGroup)
				}
				assert.False(t, *pod.AutomountServiceAccountToken)
				assert.GreaterOrEqual(t, *pod.TerminationGracePeriodSeconds, int64(30))
				for _, ctr := range pod.Containers {
					sc := ctr.SecurityContext
					assert.False(t, *sc.AllowPrivilegeEscalation)
					assert.False(t, *sc.Privileged)
					assert.True(t, *sc.ReadOnlyRootFilesystem)
					assert.Equal(t, []corev1.Capability{"ALL"}, sc.Capabilities.Drop)
					assert.Empty(t, sc.Capabilities.Add)
					for _, r := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
						assert.Contains(t, ctr.Resources.Requests, r)
						assert.Contains(t, ctr.Resources.Limits, r)
					}
					assert.NotNil(t, ctr.StartupProbe)
					assert.NotNil(t, ctr.ReadinessProbe)
					assert.NotNil(t, ctr.LivenessProbe)
					// Every path the server writes is a volume, so the read-only root holds.
					mounted := map[string]bool{}
					for _, m := range ctr.VolumeMounts {
						mounted[m.MountPath] = true
					}
					for _, dir := range []string{servertoml.DataDir, servertoml.LogDir, servertoml.ConfigDir} {
						assert.True(t, mounted[dir], dir)
					}
				}
			})
		}
	}
}

func TestSelectorsAreInsideLabels(t *testing.T) {
	for name, c := range clusters() {
		objs := built(t, c)
		pods := map[string]labels.Set{}
		for _, sts := range statefulSets(objs) {
			sel := labels.SelectorFromSet(sts.Spec.Selector.MatchLabels)
			assert.True(t, sel.Matches(labels.Set(sts.Spec.Template.Labels)), name+"/"+sts.Name)
			assert.NotContains(t, sts.Spec.Selector.MatchLabels, naming.LabelVersion, "selectors are immutable")
			for _, vct := range sts.Spec.VolumeClaimTemplates {
				assert.NotContains(t, vct.Labels, naming.LabelVersion, "volumeClaimTemplates are immutable")
			}
			pods[sts.Name] = sts.Spec.Template.Labels
		}
		for _, o := range objs {
			switch x := o.Object.(type) {
			case *corev1.Service:
				matched := 0
				for _, l := range pods {
					if labels.SelectorFromSet(x.Spec.Selector).Matches(l) {
						matched++
					}
				}
				assert.Positive(t, matched, "%s: service %s selects no pool", name, x.Name)
			case *policyv1.PodDisruptionBudget:
				matched := 0
				for _, l := range pods {
					if labels.SelectorFromSet(x.Spec.Selector.MatchLabels).Matches(l) {
						matched++
					}
				}
				assert.Equal(t, 1, matched, "%s: pdb %s selects exactly one pool", name, x.Name)
			}
		}
	}
}

// Container ports, server.toml, probes and Service ports all come from one model and must agree.
func TestPortsAgreeEverywhere(t *testing.T) {
	for name, c := range clusters() {
		objs := built(t, c)
		containerPorts := map[string]map[string]int32{} // pool -> name -> port
		for _, sts := range statefulSets(objs) {
			ctr := sts.Spec.Template.Spec.Containers[0]
			byName := map[string]int32{}
			for _, p := range ctr.Ports {
				byName[p.Name] = p.ContainerPort
			}
			containerPorts[sts.Spec.Template.Labels[naming.LabelComponent]] = byName
			for _, probe := range []*corev1.Probe{ctr.StartupProbe, ctr.ReadinessProbe, ctr.LivenessProbe} {
				assert.Contains(t, values(byName), probe.TCPSocket.Port.IntVal, "%s/%s probe port is a container port", name, sts.Name)
			}
		}
		tc := resolved(t, c)
		for _, p := range tc.Pools {
			b, err := servertoml.Server(tc, p)
			require.NoError(t, err)
			var doc map[string]any
			require.NoError(t, toml.Unmarshal(b, &doc))
			tomlPorts := portsIn(doc, "")
			assert.ElementsMatch(t, values(containerPorts[p.Name]), tomlPorts, "%s/%s: server.toml ports = container ports", name, p.Name)
		}
		for _, o := range objs {
			svc, ok := o.Object.(*corev1.Service)
			if !ok {
				continue
			}
			for _, sts := range statefulSets(objs) {
				if !labels.SelectorFromSet(svc.Spec.Selector).Matches(labels.Set(sts.Spec.Template.Labels)) {
					continue
				}
				byName := containerPorts[sts.Spec.Template.Labels[naming.LabelComponent]]
				for _, sp := range svc.Spec.Ports {
					assert.Equal(t, sp.Port, byName[sp.TargetPort.StrVal], "%s: service %s port %s targets a port of %s", name, svc.Name, sp.Name, sts.Name)
				}
			}
		}
	}
}

func TestBrokerIDsAreUniqueByConstruction(t *testing.T) {
	c := clusters()["split"]
	ids := map[int32]string{}
	for _, sts := range statefulSets(built(t, c)) {
		start := sts.Spec.Ordinals.Start
		for id := start; id < start+*sts.Spec.Replicas; id++ {
			assert.NotContains(t, ids, id)
			ids[id] = sts.Name
		}
		env := sts.Spec.Template.Spec.Containers[0].Env
		assert.Equal(t, "ROBUST_MQ_SERVER_BROKER_ID", env[1].Name)
		assert.Equal(t, "metadata.labels['apps.kubernetes.io/pod-index']", env[1].ValueFrom.FieldRef.FieldPath)
		assert.Equal(t, "status.podIP", env[0].ValueFrom.FieldRef.FieldPath)
	}
	assert.Len(t, ids, 10)
}

func TestPodManagementAndStorageByRole(t *testing.T) {
	var pools []string
	for _, sts := range statefulSets(built(t, clusters()["split"])) {
		pool := sts.Spec.Template.Labels[naming.LabelComponent]
		pools = append(pools, pool)
		switch pool {
		case "meta":
			assert.Equal(t, appsv1.OrderedReadyPodManagement, sts.Spec.PodManagementPolicy, "meta pods must not bootstrap in parallel")
			assert.Equal(t, v1alpha1.GRPCPort, sts.Spec.Template.Spec.Containers[0].ReadinessProbe.TCPSocket.Port.IntVal,
				"meta readiness passes before quorum")
			assert.Len(t, sts.Spec.VolumeClaimTemplates, 1)
		case "broker":
			assert.Equal(t, appsv1.ParallelPodManagement, sts.Spec.PodManagementPolicy)
			assert.Empty(t, sts.Spec.VolumeClaimTemplates, "broker-only pods keep no state")
			assert.Equal(t, v1alpha1.DefaultMQTTTCPPort, sts.Spec.Template.Spec.Containers[0].ReadinessProbe.TCPSocket.Port.IntVal)
		case "engine":
			assert.Len(t, sts.Spec.VolumeClaimTemplates, 1)
			assert.Equal(t, v1alpha1.EnginePort, sts.Spec.Template.Spec.Containers[0].ReadinessProbe.TCPSocket.Port.IntVal)
		default:
			t.Errorf("unexpected pool %q", pool)
		}
	}
	assert.ElementsMatch(t, []string{"meta", "broker", "engine"}, pools, "every pool is checked")
}

func TestPDBKeepsMetaQuorum(t *testing.T) {
	objs := built(t, clusters()["split"])
	pdbs := map[string]*policyv1.PodDisruptionBudget{}
	for _, o := range objs {
		if pdb, ok := o.Object.(*policyv1.PodDisruptionBudget); ok {
			pdbs[pdb.Spec.Selector.MatchLabels[naming.LabelComponent]] = pdb
		}
	}
	require.Len(t, pdbs, 3, "one PDB per pool")
	require.Contains(t, pdbs, "meta")
	meta := pdbs["meta"]
	require.NotNil(t, meta.Spec.MinAvailable)
	assert.Equal(t, int32(3), meta.Spec.MinAvailable.IntVal, "3 of 5 voters stay up")
	assert.Nil(t, meta.Spec.MaxUnavailable)
	for _, pool := range []string{"broker", "engine"} {
		require.Contains(t, pdbs, pool)
		require.NotNil(t, pdbs[pool].Spec.MaxUnavailable)
		assert.Equal(t, int32(1), pdbs[pool].Spec.MaxUnavailable.IntVal)
		assert.Nil(t, pdbs[pool].Spec.MinAvailable)
	}
	for _, o := range built(t, clusters()["dev"]) {
		_, isPDB := o.Object.(*policyv1.PodDisruptionBudget)
		assert.False(t, isPDB, "no PDB in dev")
	}
}

func TestConfigChangeRollsPods(t *testing.T) {
	hash := func(mutate func(*v1alpha1.RobustMQCluster)) string {
		c := clusters()["staging"]
		mutate(c)
		return statefulSets(built(t, c))[0].Spec.Template.Annotations[naming.AnnotationConfigHash]
	}
	base := hash(func(*v1alpha1.RobustMQCluster) {})
	assert.Equal(t, base, hash(func(*v1alpha1.RobustMQCluster) {}), "stable")
	assert.NotEqual(t, base, hash(func(c *v1alpha1.RobustMQCluster) { c.Spec.Logging.Level = "warn" }))
	assert.NotEqual(t, base, hash(func(c *v1alpha1.RobustMQCluster) { c.Spec.Listeners.MQTT.TCP.Port = 11883 }))
}

// Every credential override is a reference to a variable filled from the Secret; none carries a value.
func TestSecretsOnlyByReference(t *testing.T) {
	c := clusters()["split"]
	want := map[string]string{
		configkeys.EnvOverride(configkeys.KeyAdminUsername): "username",
		configkeys.EnvOverride(configkeys.KeyAdminPassword): "password",
	}
	stss := statefulSets(built(t, c))
	require.Len(t, stss, 3)
	for _, sts := range stss {
		env := map[string]corev1.EnvVar{}
		for _, e := range sts.Spec.Template.Spec.Containers[0].Env {
			env[e.Name] = e
		}
		for override, key := range want {
			require.Contains(t, env, override, sts.Name)
			assert.Nil(t, env[override].ValueFrom, "%s: %s is a reference, not a source", sts.Name, override)
			raw := "SECRET_" + override
			assert.Equal(t, "'$("+raw+")'", env[override].Value, "%s: %s refers to the Secret variable", sts.Name, override)
			require.Contains(t, env, raw, sts.Name)
			ref := env[raw].ValueFrom
			require.NotNil(t, ref, "%s: %s comes from a Secret", sts.Name, raw)
			require.NotNil(t, ref.SecretKeyRef, "%s: %s comes from a Secret", sts.Name, raw)
			assert.Equal(t, "admin", ref.SecretKeyRef.Name)
			assert.Equal(t, key, ref.SecretKeyRef.Key)
		}
		for _, key := range configkeys.CredentialKeys {
			if _, configured := want[configkeys.EnvOverride(key)]; !configured {
				assert.NotContains(t, env, configkeys.EnvOverride(key), "%s: %s has no Secret, so no override", sts.Name, key)
			}
		}
	}
}

func values(m map[string]int32) []int32 {
	var out []int32
	for _, v := range m {
		out = append(out, v)
	}
	return out
}

// portsIn collects every *_port value of a server.toml document.
func portsIn(doc map[string]any, prefix string) []int32 {
	var out []int32
	for k, v := range doc {
		switch x := v.(type) {
		case map[string]any:
			if k != "meta_addrs" {
				out = append(out, portsIn(x, prefix+k+".")...)
			}
		case int64:
			if len(k) > 5 && k[len(k)-5:] == "_port" {
				out = append(out, int32(x))
			}
		}
	}
	return out
}
