package v1alpha1

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

const head = "apiVersion: robustmq.io/v1alpha1\nkind: RobustMQCluster\nmetadata: {name: rmq}\n"

// The value "hunter2" stands for a secret: no error may ever quote it.
const secretValue = "hunter2"

func TestDecode(t *testing.T) {
	for _, tc := range []struct {
		name  string
		doc   string
		field string
		typ   field.ErrorType
		// detail is a substring of the error detail.
		detail string
	}{
		{name: "minimal", doc: head},
		{name: "credentials by reference", doc: head + "spec: {auth: {admin: {secretName: a, passwordKey: pw}, jwtSecret: {name: j, key: k}}}"},
		{name: "wrong apiVersion", doc: "apiVersion: robustmq.io/v1\nkind: RobustMQCluster\n", field: "apiVersion",
			typ: field.ErrorTypeInvalid, detail: "supported: apiVersion robustmq.io/v1alpha1"},
		{name: "wrong kind", doc: "apiVersion: robustmq.io/v1alpha1\nkind: RobustMQ\n", field: "apiVersion",
			typ: field.ErrorTypeInvalid, detail: "kind RobustMQCluster"},

		// Plain-text secrets, whatever the spelling or place.
		{name: "admin password", doc: head + "spec: {auth: {admin: {secretName: a, password: hunter2}}}",
			field: "spec.auth.admin.password", typ: field.ErrorTypeForbidden, detail: "plain-text secrets are not accepted"},
		{name: "mqtt password", doc: head + "spec: {auth: {mqtt: {secretName: m, password: hunter2}}}",
			field: "spec.auth.mqtt.password", typ: field.ErrorTypeForbidden, detail: "plain-text secrets are not accepted"},
		{name: "jwt secret value", doc: head + "spec: {auth: {jwtSecret: {name: j, key: k, secret: hunter2}}}",
			field: "spec.auth.jwtSecret.secret", typ: field.ErrorTypeForbidden, detail: "plain-text secrets are not accepted"},
		{name: "capitalised", doc: head + "spec: {auth: {admin: {secretName: a, Password: hunter2}}}",
			field: "spec.auth.admin.Password", typ: field.ErrorTypeForbidden, detail: "plain-text secrets are not accepted"},
		{name: "camel case suffix", doc: head + "spec: {auth: {adminPassword: hunter2}}",
			field: "spec.auth.adminPassword", typ: field.ErrorTypeForbidden, detail: "plain-text secrets are not accepted"},
		{name: "token", doc: head + "spec: {auth: {apiToken: hunter2}}",
			field: "spec.auth.apiToken", typ: field.ErrorTypeForbidden, detail: "plain-text secrets are not accepted"},
		{name: "password secret field of the old operator", doc: head + "spec: {auth: {passwordSecret: hunter2}}",
			field: "spec.auth.passwordSecret", typ: field.ErrorTypeForbidden, detail: "plain-text secrets are not accepted"},
		{name: "tls private key", doc: head + "spec: {tls: {privateKey: hunter2}}",
			field: "spec.tls.privateKey", typ: field.ErrorTypeForbidden, detail: "plain-text secrets are not accepted"},
		{name: "in a list", doc: head + "spec: {pools: [{name: node, passwd: hunter2}]}",
			field: "spec.pools[0].passwd", typ: field.ErrorTypeForbidden, detail: "plain-text secrets are not accepted"},
		{name: "credential", doc: head + "spec: {auth: {mqtt: {secretName: m, credential: hunter2}}}",
			field: "spec.auth.mqtt.credential", typ: field.ErrorTypeForbidden, detail: "plain-text secrets are not accepted"},
		// Any other unknown field is refused too, so a secret under an unforeseen name never passes silently.
		{name: "unforeseen name", doc: head + "spec: {auth: {mqtt: {secretName: m, pass: hunter2}}}",
			field: "spec.auth.mqtt.pass", typ: field.ErrorTypeForbidden, detail: "unknown field"},
		{name: "typo", doc: head + "spec: {enviroment: prod}",
			field: "spec.enviroment", typ: field.ErrorTypeForbidden, detail: "unknown field"},

		// Values of the wrong type name their field, and never quote a string value (it may be a misplaced secret).
		{name: "secret where a reference belongs", doc: head + "spec: {auth: {mqtt: hunter2}}",
			field: "spec.auth.mqtt", typ: field.ErrorTypeInvalid, detail: "must be an object, not a string"},
		{name: "list as a string", doc: head + "spec: {pools: [{name: node, roles: meta}]}",
			field: "spec.pools[0].roles", typ: field.ErrorTypeInvalid, detail: "must be a list, not a string"},
		{name: "number as a word", doc: head + "spec: {pools: [{name: node, replicas: three}]}",
			field: "spec.pools[0].replicas", typ: field.ErrorTypeInvalid, detail: "must be a whole number, not a string"},
		{name: "fractional port", doc: head + "spec: {listeners: {mqtt: {tcp: {port: 1883.5}}}}",
			field: "spec.listeners.mqtt.tcp.port", typ: field.ErrorTypeInvalid, detail: "must be a whole number"},
		{name: "port beyond int32", doc: head + "spec: {listeners: {mqtt: {tcp: {port: 4294967296}}}}",
			field: "spec.listeners.mqtt.tcp.port", typ: field.ErrorTypeInvalid, detail: "out of range for a 32-bit number"},
		{name: "quantity with a unit typo", doc: head + "spec: {pools: [{name: node, storage: {size: 10Gb}}]}",
			field: "spec.pools[0].storage.size", typ: field.ErrorTypeInvalid, detail: "must be a quantity such as 500m"},
		{name: "resource quantity", doc: head + "spec: {pools: [{name: node, resources: {limits: {memory: lots}}}]}",
			field: "spec.pools[0].resources.limits[memory]", typ: field.ErrorTypeInvalid, detail: "must be a quantity such as 500m"},
		{name: "label value as a number", doc: "apiVersion: robustmq.io/v1alpha1\nkind: RobustMQCluster\nmetadata: {name: rmq, labels: {tier: 1}}\n",
			field: "metadata.labels[tier]", typ: field.ErrorTypeInvalid, detail: "must be a string, not a number"},
		{name: "YAML 1.1 boolean where a name belongs", doc: head + "spec: {tls: {certManager: {issuerRef: {name: y}}}}",
			field: "spec.tls.certManager.issuerRef.name", typ: field.ErrorTypeInvalid, detail: "quote it"},
		{name: "boolean as a string", doc: head + "spec: {networkPolicy: {enabled: \"yes\"}}",
			field: "spec.networkPolicy.enabled", typ: field.ErrorTypeInvalid, detail: "must be true or false, not a string"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, errs := Decode([]byte(tc.doc))
			for _, e := range errs {
				assert.NotContains(t, e.Error(), secretValue, "an error must never quote a secret")
			}
			if tc.field == "" {
				require.Empty(t, errs)
				require.NotNil(t, c)
				return
			}
			assert.Nil(t, c)
			require.Len(t, errs, 1, errs.ToAggregate())
			assert.Equal(t, tc.field, errs[0].Field)
			assert.Equal(t, tc.typ, errs[0].Type)
			assert.Contains(t, errs[0].Detail, tc.detail)
		})
	}
}

// Every problem comes back at once: values of the wrong type and unknown fields together, in document order.
func TestDecodeReportsEveryProblem(t *testing.T) {
	_, errs := Decode([]byte(head + `spec:
  pools:
    - {name: node, replicas: three, storage: {size: 10Gb}, zones: 3}
  listeners: {mqtt: {tcp: {port: x}}}
  enviroment: prod
`))
	var got []string
	for _, e := range errs {
		got = append(got, e.Field)
	}
	assert.Equal(t, []string{"spec.pools[0].replicas", "spec.pools[0].storage.size", "spec.listeners.mqtt.tcp.port",
		"spec.enviroment", "spec.pools[0].zones"}, got)
}

// A key given twice (a pasted second value) is refused, not silently resolved to one of them.
func TestDecodeDuplicateKey(t *testing.T) {
	_, errs := Decode([]byte(head + "spec: {auth: {admin: {secretName: a}}}\nspec: {auth: {admin: {secretName: b}}}"))
	assert.NotEmpty(t, errs)
}

// TestExtraConfigRefusesSecrets: extraConfig is the one free-form map of the spec, so credentials are refused by
// key there, after decoding.
func TestExtraConfigRefusesSecrets(t *testing.T) {
	for _, key := range []string{"admin.password", "admin.username", "admin.jwt_secret",
		"mqtt_runtime.auth.default_user", "mqtt_runtime.auth.default_password", "llm_client.token"} {
		t.Run(key, func(t *testing.T) {
			c, errs := Decode([]byte(head + "spec: {extraConfig: {" + key + ": hunter2}}"))
			require.Empty(t, errs)
			c.Default()
			errs = c.Validate()
			require.Len(t, errs, 1)
			assert.Equal(t, "spec.extraConfig["+key+"]", errs[0].Field)
			assert.Equal(t, field.ErrorTypeForbidden, errs[0].Type)
			assert.False(t, strings.Contains(errs[0].Error(), secretValue), "an error must never quote a secret")
		})
	}
}

func TestDNSEgressDefaultsAndValidation(t *testing.T) {
	c, errs := Decode([]byte(head))
	require.Empty(t, errs)
	c.Default()
	d := c.Spec.NetworkPolicy.DNS
	require.Len(t, d.Peers, 1)
	assert.Equal(t, map[string]string{"kubernetes.io/metadata.name": "kube-system"}, d.Peers[0].NamespaceSelector.MatchLabels)
	assert.Equal(t, map[string]string{"k8s-app": "kube-dns"}, d.Peers[0].PodSelector.MatchLabels)
	assert.Equal(t, int32(53), *d.Port)

	c, errs = Decode([]byte(head + "spec: {security: {openshift: true}}"))
	require.Empty(t, errs)
	c.Default()
	d = c.Spec.NetworkPolicy.DNS
	assert.Equal(t, map[string]string{"kubernetes.io/metadata.name": "openshift-dns"}, d.Peers[0].NamespaceSelector.MatchLabels)
	assert.Equal(t, map[string]string{"dns.operator.openshift.io/daemonset-dns": "default"}, d.Peers[0].PodSelector.MatchLabels)
	assert.Equal(t, int32(5353), *d.Port)

	c, errs = Decode([]byte(head + "spec: {networkPolicy: {dns: {port: 70000, peers: [{cidr: not-a-cidr}, {}]}}}"))
	require.Empty(t, errs)
	c.Default()
	var fields []string
	for _, e := range c.Validate() {
		fields = append(fields, e.Field)
	}
	assert.ElementsMatch(t, []string{"spec.networkPolicy.dns.peers[0].cidr", "spec.networkPolicy.dns.peers[1]", "spec.networkPolicy.dns.port"}, fields)
}
