package kubeapi_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/robustmq/robustmq-kpt/test/kubeapi"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// restrictedPod is a pod spec body that satisfies Pod Security "restricted";
// containerExtra is appended to the container's securityContext.
func restrictedPod(containerExtra string) string {
	return `
      securityContext:
        runAsNonRoot: true
        runAsUser: 1000
        seccompProfile: {type: RuntimeDefault}
      containers:
      - name: app
        image: registry.example/app:1.0
        ports: [{name: http, containerPort: 8080}]
        securityContext:
          allowPrivilegeEscalation: false
          capabilities: {drop: [ALL]}` + containerExtra + "\n"
}

func deployment(name, extra string) string {
	return fmt.Sprintf(`apiVersion: apps/v1
kind: Deployment
metadata: {name: %s}
spec:
  replicas: 1
  selector: {matchLabels: {app: %[1]s}}
  template:
    metadata: {labels: {app: %[1]s}}
    spec:`, name) + restrictedPod(extra)
}

// statefulSet has ordinals starting at 1, OrderedReady and one volume claim of size.
func statefulSet(name, size, containerExtra string) string {
	return fmt.Sprintf(`apiVersion: apps/v1
kind: StatefulSet
metadata: {name: %s}
spec:
  serviceName: %[1]s
  replicas: 2
  ordinals: {start: 1}
  podManagementPolicy: OrderedReady
  selector: {matchLabels: {app: %[1]s}}
  volumeClaimTemplates:
  - metadata: {name: data}
    spec:
      accessModes: [ReadWriteOnce]
      resources: {requests: {storage: %s}}
  template:
    metadata: {labels: {app: %[1]s}}
    spec:`, name, size) + restrictedPod(containerExtra)
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return c
}

// mustFail asserts err is non-nil and mentions every one of wants.
func mustFail(t *testing.T, err error, wants ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("expected an error mentioning %q, got none", wants)
	}
	for _, w := range wants {
		if !strings.Contains(err.Error(), w) {
			t.Fatalf("error does not mention %q:\n%v", w, err)
		}
	}
	t.Logf("rejected as expected: %v", err)
}

func TestAPIServer(t *testing.T) {
	c := kubeapi.Start(t, kubeapi.Options{})
	c.RestrictedNamespace(t, "good")

	t.Run("version matches pin", func(t *testing.T) {
		want, err := kubeapi.PinnedVersion("KUBERNETES_VERSION")
		if err != nil {
			t.Fatal(err)
		}
		got, err := c.Version()
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Fatalf("server gitVersion %q, want %q", got, want)
		}
	})

	t.Run("restricted workloads apply cleanly and re-apply is a no-op", func(t *testing.T) {
		manifest := []byte(deployment("web", "") + "---\n" + statefulSet("db", "1Gi", ""))
		res, err := c.ApplyYAML(ctx(t), "good", manifest)
		if err != nil {
			t.Fatal(err)
		}
		if !res.Changed || len(res.Objects) != 2 {
			t.Fatalf("first apply: changed=%v objects=%d, want changed and 2", res.Changed, len(res.Objects))
		}
		res, err = c.ApplyYAML(ctx(t), "good", manifest)
		if err != nil {
			t.Fatal(err)
		}
		if res.Changed {
			t.Fatalf("re-applying the same manifest changed something: %+v", res.Objects)
		}
		// A real change is seen as one.
		res, err = c.ApplyYAML(ctx(t), "good", []byte(strings.Replace(deployment("web", ""), "replicas: 1", "replicas: 3", 1)))
		if err != nil || !res.Changed {
			t.Fatalf("changing replicas: changed=%v err=%v, want changed", res.Changed, err)
		}
	})

	t.Run("unknown field is rejected", func(t *testing.T) {
		_, err := c.ApplyYAML(ctx(t), "good", []byte(deployment("typo", "\n        imagePullPolicyy: Always")))
		mustFail(t, err, "field not declared in schema", "imagePullPolicyy")
	})

	t.Run("privileged statefulset template warns and fails", func(t *testing.T) {
		// privileged: true is valid only without allowPrivilegeEscalation: false.
		priv := strings.Replace(statefulSet("priv", "1Gi", ""), "allowPrivilegeEscalation: false", "privileged: true", 1)
		res, err := c.ApplyYAML(ctx(t), "good", []byte(priv))
		mustFail(t, err, "warning", "PodSecurity", "privileged")
		if len(res.Warnings) == 0 {
			t.Fatal("result lists no warnings")
		}
	})

	t.Run("privileged bare pod is forbidden", func(t *testing.T) {
		pod := `apiVersion: v1
kind: Pod
metadata: {name: priv}
spec:
  containers:
  - name: app
    image: registry.example/app:1.0
    securityContext: {privileged: true}
`
		_, err := c.ApplyYAML(ctx(t), "good", []byte(pod))
		mustFail(t, err, "violates PodSecurity", "privileged")
		if !apierrors.IsForbidden(err) {
			t.Fatalf("want a Forbidden API error, got %v", err)
		}
	})

	t.Run("volumeClaimTemplates size change is rejected", func(t *testing.T) {
		if _, err := c.ApplyYAML(ctx(t), "good", []byte(statefulSet("imm", "1Gi", ""))); err != nil {
			t.Fatal(err)
		}
		_, err := c.ApplyYAML(ctx(t), "good", []byte(statefulSet("imm", "2Gi", "")))
		mustFail(t, err, "Forbidden", "updates to statefulset spec for fields other than")
		if !apierrors.IsInvalid(err) {
			t.Fatalf("want an Invalid API error, got %v", err)
		}
	})

	t.Run("prometheus-operator and cert-manager CRDs", func(t *testing.T) {
		c.InstallCRDs(t, append(kubeapi.PrometheusOperatorCRDs(t), kubeapi.CertManagerCRDs(t)...)...)
		sm := `apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  endpoints: [{port: http, interval: 30s%s}]
`
		if _, err := c.ApplyYAML(ctx(t), "good", []byte(fmt.Sprintf(sm, ""))); err != nil {
			t.Fatal(err)
		}
		_, err := c.ApplyYAML(ctx(t), "good", []byte(fmt.Sprintf(sm, ", intervall: 30s")))
		mustFail(t, err, "field not declared in schema", "intervall")

		cert := `apiVersion: cert-manager.io/v1
kind: Certificate
metadata: {name: web}
spec:
  secretName: web-tls
  dnsNames: [web.good.svc]
  issuerRef: {name: ca, kind: Issuer}
`
		if _, err := c.ApplyYAML(ctx(t), "good", []byte(cert)); err != nil {
			t.Fatal(err)
		}
	})
}

func TestControllerManager(t *testing.T) {
	c := kubeapi.Start(t, kubeapi.Options{ControllerManager: true})
	c.RestrictedNamespace(t, "mq")
	cs := c.Clientset()
	manifest := statefulSet("broker", "1Gi", "") + `---
apiVersion: v1
kind: Service
metadata: {name: broker}
spec:
  clusterIP: None
  selector: {app: broker}
  ports: [{name: http, port: 8080, targetPort: http}]
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: broker}
spec:
  minAvailable: 1
  selector: {matchLabels: {app: broker}}
`
	if _, err := c.ApplyYAML(ctx(t), "mq", []byte(manifest)); err != nil {
		t.Fatal(err)
	}

	// OrderedReady: broker-1 comes first and broker-2 waits until it is Ready.
	c.WaitFor(t, time.Minute, "pod broker-1", func(ctx context.Context) (bool, error) {
		_, err := cs.CoreV1().Pods("mq").Get(ctx, "broker-1", metav1.GetOptions{})
		return err == nil, err
	})
	time.Sleep(2 * time.Second)
	if _, err := cs.CoreV1().Pods("mq").Get(ctx(t), "broker-2", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Fatalf("broker-2 exists (err=%v) before broker-1 is ready: OrderedReady not honoured", err)
	}

	sts := c.WaitForStatefulSet(t, "mq", "broker", 2*time.Minute)
	t.Logf("statefulset ready: %d/%d, revision %s", sts.Status.ReadyReplicas, sts.Status.Replicas, sts.Status.CurrentRevision)

	pods, err := cs.CoreV1().Pods("mq").List(ctx(t), metav1.ListOptions{LabelSelector: "app=broker"})
	if err != nil {
		t.Fatal(err)
	}
	var names, ips []string
	for _, p := range pods.Items {
		names = append(names, p.Name)
		ips = append(ips, p.Status.PodIP)
		if want := strings.TrimPrefix(p.Name, "broker-"); p.Labels["apps.kubernetes.io/pod-index"] != want {
			t.Errorf("pod %s: label apps.kubernetes.io/pod-index=%q, want %q", p.Name, p.Labels["apps.kubernetes.io/pod-index"], want)
		}
	}
	slices.Sort(names)
	slices.Sort(ips)
	if !slices.Equal(names, []string{"broker-1", "broker-2"}) {
		t.Fatalf("pods %v, want [broker-1 broker-2]", names)
	}
	for _, pvc := range []string{"data-broker-1", "data-broker-2"} {
		if _, err := cs.CoreV1().PersistentVolumeClaims("mq").Get(ctx(t), pvc, metav1.GetOptions{}); err != nil {
			t.Errorf("pvc %s: %v", pvc, err)
		}
	}

	c.WaitFor(t, time.Minute, "pdb status", func(ctx context.Context) (bool, error) {
		pdb, err := cs.PolicyV1().PodDisruptionBudgets("mq").Get(ctx, "broker", metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		s := pdb.Status
		return s.ExpectedPods == 2 && s.CurrentHealthy == 2 && s.DesiredHealthy == 1 && s.DisruptionsAllowed == 1, nil
	})

	c.WaitFor(t, time.Minute, "endpointslices selecting both pods", func(ctx context.Context) (bool, error) {
		slices_, err := cs.DiscoveryV1().EndpointSlices("mq").List(ctx, metav1.ListOptions{LabelSelector: "kubernetes.io/service-name=broker"})
		if err != nil {
			return false, err
		}
		var got []string
		for _, s := range slices_.Items {
			for _, e := range s.Endpoints {
				if e.Conditions.Ready != nil && *e.Conditions.Ready && e.TargetRef != nil {
					got = append(got, e.Addresses...)
				}
			}
		}
		slices.Sort(got)
		return slices.Equal(got, ips), fmt.Errorf("ready endpoint addresses %v, want %v", got, ips)
	})
}
