package policy

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"

	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/api/v1alpha1"
	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/configkeys"
	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/manifests"
	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/networking"
	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/output"
	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/servertoml"
	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/topology"
)

// secure is a cluster that breaks no rule: credentials and TLS from Secrets, a release tag, policies on.
const secure = `apiVersion: robustmq.io/v1alpha1
kind: RobustMQCluster
metadata: {name: rmq, namespace: mq}
spec:
  auth:
    admin: {secretName: rmq-admin}
    mqtt: {secretName: rmq-mqtt}
    jwtSecret: {name: rmq-jwt, key: secret}
  tls: {secretName: rmq-listener-tls}
`

var envs = []v1alpha1.Environment{v1alpha1.Dev, v1alpha1.Staging, v1alpha1.Prod}

// render decodes the secure cluster, lets edit change it as a user would, then defaults, validates and builds it.
func render(t *testing.T, env v1alpha1.Environment, edit func(*v1alpha1.RobustMQCluster)) (*topology.Cluster, []output.Object) {
	t.Helper()
	c, errs := v1alpha1.Decode([]byte(secure))
	require.Empty(t, errs)
	c.Spec.Environment = env
	if edit != nil {
		edit(c)
	}
	c.Default()
	require.Empty(t, c.Validate())
	tc, err := topology.Resolve(c)
	require.NoError(t, err)
	objs, err := manifests.Build(tc)
	require.NoError(t, err)
	more, err := networking.Build(tc)
	require.NoError(t, err)
	return tc, append(objs, more...)
}

func statefulSet(t *testing.T, objs []output.Object) *appsv1.StatefulSet {
	t.Helper()
	for _, o := range objs {
		if sts, ok := o.Object.(*appsv1.StatefulSet); ok {
			return sts
		}
	}
	require.Fail(t, "no StatefulSet")
	return nil
}

func containerSC(t *testing.T, objs []output.Object) *corev1.SecurityContext {
	return statefulSet(t, objs).Spec.Template.Spec.Containers[0].SecurityContext
}

// envIndex finds a variable of the broker container, for exact field paths.
func envIndex(t *testing.T, objs []output.Object, name string) int {
	t.Helper()
	for i, e := range statefulSet(t, objs).Spec.Template.Spec.Containers[0].Env {
		if e.Name == name {
			return i
		}
	}
	require.Failf(t, "no env", "no variable %s", name)
	return -1
}

const sts = "StatefulSet/rmq-node: spec.template.spec"

func TestSecureClusterPasses(t *testing.T) {
	for _, env := range envs {
		t.Run(string(env), func(t *testing.T) {
			c, objs := render(t, env, nil)
			assert.Empty(t, Check(c, objs))
		})
	}
}

type want struct{ rule, field string }

func TestRules(t *testing.T) {
	for _, tc := range []struct {
		name     string
		spec     func(*v1alpha1.RobustMQCluster)
		objs     func(*testing.T, []output.Object) []want // edits the objects, returns the expected findings
		want     []want
		prodOnly bool
	}{
		// auth-secret
		{name: "admin credentials missing", spec: func(c *v1alpha1.RobustMQCluster) { c.Spec.Auth.Admin = nil },
			want: []want{{RuleAuthSecret, "spec.auth.admin"}}},
		{name: "jwt secret missing", spec: func(c *v1alpha1.RobustMQCluster) { c.Spec.Auth.JWTSecret = nil },
			want: []want{{RuleAuthSecret, "spec.auth.jwtSecret"}}},
		{name: "mqtt credentials missing", spec: func(c *v1alpha1.RobustMQCluster) { c.Spec.Auth.MQTT = nil },
			want: []want{{RuleAuthSecret, "spec.auth.mqtt"}}},

		// tls-self-signed
		{name: "tls listeners exposed without spec.tls", spec: func(c *v1alpha1.RobustMQCluster) { c.Spec.TLS = v1alpha1.TLS{} },
			want: []want{{RuleSelfSignedTLS, "spec.tls"}}},
		{name: "no tls listener exposed, no spec.tls needed", spec: func(c *v1alpha1.RobustMQCluster) {
			c.Spec.TLS = v1alpha1.TLS{}
			c.Spec.Listeners.MQTT.TLS.Expose = ptr.To(false)
			c.Spec.Listeners.MQTT.WebSocketTLS.Expose = ptr.To(false)
		}},
		{name: "cert-manager counts as spec.tls", spec: func(c *v1alpha1.RobustMQCluster) {
			c.Spec.TLS = v1alpha1.TLS{CertManager: &v1alpha1.CertManager{IssuerRef: v1alpha1.IssuerRef{Name: "ca"}}}
		}},

		// image-tag
		{name: "latest", spec: func(c *v1alpha1.RobustMQCluster) { c.Spec.Image.Tag = "latest" },
			want: []want{{RuleImageTag, "spec.image.tag"}}},
		{name: "latest pinned by digest", spec: func(c *v1alpha1.RobustMQCluster) {
			c.Spec.Image.Tag = "latest"
			c.Spec.Image.Digest = "sha256:" + strings.Repeat("a", 64)
		}},
		{name: "branch tag", spec: func(c *v1alpha1.RobustMQCluster) { c.Spec.Image.Tag = "main" },
			want: []want{{RuleImageTag, "spec.image.digest"}}, prodOnly: true},
		{name: "minor tag", spec: func(c *v1alpha1.RobustMQCluster) { c.Spec.Image.Tag = "v0.4" },
			want: []want{{RuleImageTag, "spec.image.digest"}}, prodOnly: true},
		{name: "release candidate", spec: func(c *v1alpha1.RobustMQCluster) { c.Spec.Image.Tag = "v0.4.11-rc1" },
			want: []want{{RuleImageTag, "spec.image.digest"}}, prodOnly: true},
		{name: "mutable tag pinned by digest", spec: func(c *v1alpha1.RobustMQCluster) {
			c.Spec.Image.Tag = "main"
			c.Spec.Image.Digest = "sha256:" + strings.Repeat("b", 64)
		}},
		{name: "release tag", spec: func(c *v1alpha1.RobustMQCluster) { c.Spec.Version, c.Spec.Image.Tag = "v0.4.10", "v0.4.10" }},

		// network-policy
		{name: "network policies off", spec: func(c *v1alpha1.RobustMQCluster) { c.Spec.NetworkPolicy.Enabled = ptr.To(false) },
			want: []want{{RuleNetworkPolicy, "spec.networkPolicy.enabled"}}},

		// plaintext-exposed
		{name: "plain-text listeners on a LoadBalancer", spec: func(c *v1alpha1.RobustMQCluster) { c.Spec.Service.Type = corev1.ServiceTypeLoadBalancer },
			want: []want{{RulePlaintextExposed, "spec.listeners.mqtt.tcp.expose"}, {RulePlaintextExposed, "spec.listeners.mqtt.websocket.expose"}}},
		{name: "only TLS listeners on a NodePort", spec: func(c *v1alpha1.RobustMQCluster) {
			c.Spec.Service.Type = corev1.ServiceTypeNodePort
			c.Spec.Listeners.MQTT.TCP.Expose = ptr.To(false)
			c.Spec.Listeners.MQTT.WebSocket.Expose = ptr.To(false)
			c.Spec.Listeners.MQTT.QUIC.Expose = ptr.To(true)
		}},
		{name: "plain-text listener on a ClusterIP Service", spec: func(c *v1alpha1.RobustMQCluster) { c.Spec.Listeners.Kafka.Expose = ptr.To(true) }},
		{name: "http port on a LoadBalancer", objs: func(t *testing.T, objs []output.Object) []want {
			for _, o := range objs {
				if svc, ok := o.Object.(*corev1.Service); ok && svc.Name == "rmq" {
					svc.Spec.Type = corev1.ServiceTypeLoadBalancer
					svc.Spec.Ports = []corev1.ServicePort{
						{Name: "mqtts", Port: 8883, Protocol: corev1.ProtocolTCP},
						{Name: "http", Port: 80, TargetPort: intstrName("http")},
					}
				}
			}
			// 8883 matches no listener: unknown ports count as plain text.
			return []want{{RulePlaintextExposed, "Service/rmq: spec.ports[0]"}, {RulePlaintextExposed, "Service/rmq: spec.ports[1]"}}
		}},

		// pod-security
		{name: "runAsNonRoot unset", objs: func(t *testing.T, objs []output.Object) []want {
			statefulSet(t, objs).Spec.Template.Spec.SecurityContext.RunAsNonRoot = nil
			containerSC(t, objs).RunAsNonRoot = nil
			return []want{{RulePodSecurity, sts + ".containers[0].securityContext.runAsNonRoot"}}
		}},
		{name: "runAsNonRoot at pod level is enough", objs: func(t *testing.T, objs []output.Object) []want {
			containerSC(t, objs).RunAsNonRoot = nil
			containerSC(t, objs).SeccompProfile = nil
			return nil
		}},
		{name: "no seccomp profile", objs: func(t *testing.T, objs []output.Object) []want {
			statefulSet(t, objs).Spec.Template.Spec.SecurityContext.SeccompProfile = nil
			containerSC(t, objs).SeccompProfile = &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeUnconfined}
			return []want{{RulePodSecurity, sts + ".containers[0].securityContext.seccompProfile.type"}}
		}},
		{name: "capabilities kept and added", objs: func(t *testing.T, objs []output.Object) []want {
			containerSC(t, objs).Capabilities = &corev1.Capabilities{Add: []corev1.Capability{"NET_BIND_SERVICE", "SYS_ADMIN"}}
			return []want{
				{RulePodSecurity, sts + ".containers[0].securityContext.capabilities.drop"},
				{RulePodSecurity, sts + ".containers[0].securityContext.capabilities.add"},
			}
		}},
		{name: "privilege escalation allowed", objs: func(t *testing.T, objs []output.Object) []want {
			containerSC(t, objs).AllowPrivilegeEscalation = nil
			return []want{{RulePodSecurity, sts + ".containers[0].securityContext.allowPrivilegeEscalation"}}
		}},
		{name: "privileged", objs: func(t *testing.T, objs []output.Object) []want {
			containerSC(t, objs).Privileged = ptr.To(true)
			return []want{{RulePodSecurity, sts + ".containers[0].securityContext.privileged"}}
		}},
		{name: "writable root filesystem", objs: func(t *testing.T, objs []output.Object) []want {
			containerSC(t, objs).ReadOnlyRootFilesystem = ptr.To(false)
			return []want{{RulePodSecurity, sts + ".containers[0].securityContext.readOnlyRootFilesystem"}}
		}},
		{name: "unhardened init container", objs: func(t *testing.T, objs []output.Object) []want {
			spec := &statefulSet(t, objs).Spec.Template.Spec
			spec.InitContainers = []corev1.Container{{Name: "init", Resources: spec.Containers[0].Resources}}
			p := sts + ".initContainers[0].securityContext."
			return []want{
				{RulePodSecurity, p + "allowPrivilegeEscalation"},
				{RulePodSecurity, p + "capabilities.drop"},
				{RulePodSecurity, p + "readOnlyRootFilesystem"},
			}
		}},

		// resources
		{name: "no limits", objs: func(t *testing.T, objs []output.Object) []want {
			statefulSet(t, objs).Spec.Template.Spec.Containers[0].Resources.Limits = nil
			return []want{{RuleResources, sts + ".containers[0].resources"}}
		}},
		{name: "zero memory request", objs: func(t *testing.T, objs []output.Object) []want {
			delete(statefulSet(t, objs).Spec.Template.Spec.Containers[0].Resources.Requests, corev1.ResourceMemory)
			return []want{{RuleResources, sts + ".containers[0].resources"}}
		}},

		// service-account-token
		{name: "token mounted in pods", objs: func(t *testing.T, objs []output.Object) []want {
			statefulSet(t, objs).Spec.Template.Spec.AutomountServiceAccountToken = nil
			return []want{{RuleServiceAccountToken, sts + ".automountServiceAccountToken"}}
		}},
		{name: "token mounted by the ServiceAccount", objs: func(t *testing.T, objs []output.Object) []want {
			for _, o := range objs {
				if sa, ok := o.Object.(*corev1.ServiceAccount); ok {
					sa.AutomountServiceAccountToken = ptr.To(true)
				}
			}
			return []want{{RuleServiceAccountToken, "ServiceAccount/rmq: automountServiceAccountToken"}}
		}},

		// inline-secret
		{name: "credential written into the manifest", objs: func(t *testing.T, objs []output.Object) []want {
			name := configkeys.EnvOverride("admin.password")
			i := envIndex(t, objs, name)
			statefulSet(t, objs).Spec.Template.Spec.Containers[0].Env[i] = corev1.EnvVar{Name: name, Value: "'hunter2'"}
			return []want{{RuleInlineSecret, fmt.Sprintf("%s.containers[0].env[%d]", sts, i)}}
		}},
		{name: "reference to a variable not from a Secret", objs: func(t *testing.T, objs []output.Object) []want {
			raw := "SECRET_" + configkeys.EnvOverride("admin.jwt_secret")
			statefulSet(t, objs).Spec.Template.Spec.Containers[0].Env[envIndex(t, objs, raw)] = corev1.EnvVar{Name: raw, Value: "hunter2"}
			i := envIndex(t, objs, configkeys.EnvOverride("admin.jwt_secret"))
			return []want{{RuleInlineSecret, fmt.Sprintf("%s.containers[0].env[%d]", sts, i)}}
		}},
		{name: "credential written into server.toml", objs: func(t *testing.T, objs []output.Object) []want {
			for _, o := range objs {
				if cm, ok := o.Object.(*corev1.ConfigMap); ok && cm.Name == "rmq-node-config" {
					server := cm.Data[servertoml.ServerFile]
					require.Contains(t, server, "\npassword = ''\n")
					cm.Data[servertoml.ServerFile] = strings.Replace(server, "\npassword = ''\n", "\npassword = 'hunter2'\n", 1)
				}
			}
			return []want{{RuleInlineSecret, "ConfigMap/rmq-node-config: data[server.toml].admin.password"}}
		}},
	} {
		for _, env := range envs {
			t.Run(tc.name+"/"+string(env), func(t *testing.T) {
				c, objs := render(t, env, tc.spec)
				expected := tc.want
				if tc.objs != nil {
					expected = tc.objs(t, objs)
				}
				if tc.prodOnly && env != v1alpha1.Prod {
					expected = nil
				}
				var got []want
				for _, f := range Check(c, objs) {
					got = append(got, want{f.Rule, f.Field})
					assert.Equal(t, env == v1alpha1.Prod, f.Error, "%s: error only in prod", f.Rule)
					assert.NotEmpty(t, f.Message)
					assert.NotContains(t, f.Message, "hunter2", "a finding must never quote a secret")
					assert.NotContains(t, f.Field, "hunter2")
				}
				assert.Equal(t, expected, got)
			})
		}
	}
}

// TestDefaults shows what a cluster without credentials or TLS gets: warnings in dev and staging, errors in prod.
func TestDefaults(t *testing.T) {
	bare := func(c *v1alpha1.RobustMQCluster) { c.Spec.Auth = v1alpha1.Auth{}; c.Spec.TLS = v1alpha1.TLS{} }
	for _, env := range envs {
		c, objs := render(t, env, bare)
		var got []want
		for _, f := range Check(c, objs) {
			got = append(got, want{f.Rule, f.Field})
			assert.Equal(t, env == v1alpha1.Prod, f.Error)
		}
		assert.Equal(t, []want{
			{RuleAuthSecret, "spec.auth.admin"},
			{RuleAuthSecret, "spec.auth.jwtSecret"},
			{RuleAuthSecret, "spec.auth.mqtt"},
			{RuleSelfSignedTLS, "spec.tls"},
		}, got, string(env))
	}
}

// TestOpenShiftMode: the platform assigns the ids, so none is written, and the pods still pass every rule.
func TestOpenShiftMode(t *testing.T) {
	c, objs := render(t, v1alpha1.Prod, func(c *v1alpha1.RobustMQCluster) { c.Spec.Security.OpenShift = true })
	assert.Empty(t, Check(c, objs))
	spec := statefulSet(t, objs).Spec.Template.Spec
	psc := spec.SecurityContext
	assert.Nil(t, psc.RunAsUser)
	assert.Nil(t, psc.RunAsGroup)
	assert.Nil(t, psc.FSGroup)
	assert.Nil(t, psc.FSGroupChangePolicy)
	assert.Equal(t, ptr.To(true), psc.RunAsNonRoot)
	for _, ct := range spec.Containers {
		assert.Nil(t, ct.SecurityContext.RunAsUser)
		assert.Nil(t, ct.SecurityContext.RunAsGroup)
	}

	c, objs = render(t, v1alpha1.Prod, nil)
	psc = statefulSet(t, objs).Spec.Template.Spec.SecurityContext
	assert.Equal(t, ptr.To(v1alpha1.DefaultUID), psc.RunAsUser, "outside OpenShift the image's numeric user is written")
	assert.Empty(t, Check(c, objs))
}

// TestNoSecretValueInOutput: the function never sees a secret value; what it writes are references only.
func TestNoSecretValueInOutput(t *testing.T) {
	_, objs := render(t, v1alpha1.Prod, nil)
	refs := 0
	for _, e := range statefulSet(t, objs).Spec.Template.Spec.Containers[0].Env {
		if e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil {
			refs++
			assert.Empty(t, e.Value)
		}
	}
	assert.Equal(t, 5, refs, "admin user, password and jwt secret, mqtt user and password")
	for _, o := range objs {
		if cm, ok := o.Object.(*corev1.ConfigMap); ok {
			assert.Empty(t, inlineSecretsInConfig(cm))
		}
	}
}

func intstrName(name string) intstr.IntOrString { return intstr.FromString(name) }
