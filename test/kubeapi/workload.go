package kubeapi

import (
	"context"
	"fmt"
	"net/netip"
	"sync"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
)

// RestrictedNamespace creates namespace name with Pod Security "restricted"
// enforced, warned and audited, plus its "default" ServiceAccount (no
// serviceaccount controller runs, and pod admission needs it).
func (c *Cluster) RestrictedNamespace(t testing.TB, name string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{
		"pod-security.kubernetes.io/enforce": "restricted",
		"pod-security.kubernetes.io/warn":    "restricted",
		"pod-security.kubernetes.io/audit":   "restricted",
	}}}
	if _, err := c.clientset.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{}); err != nil {
		t.Fatalf("kubeapi: create namespace %s: %v", name, err)
	}
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "default"}}
	if _, err := c.clientset.CoreV1().ServiceAccounts(name).Create(ctx, sa, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatalf("kubeapi: create service account %s/default: %v", name, err)
	}
}

// podIPs hands out pod IPs from 192.0.2.0/24 (TEST-NET-1): only data in pod
// status, never routed; EndpointSlices need a pod IP to list a pod.
var podIPs = struct {
	sync.Mutex
	next netip.Addr
}{next: netip.MustParseAddr("192.0.2.10")}

func nextPodIP() string {
	podIPs.Lock()
	defer podIPs.Unlock()
	ip := podIPs.next
	podIPs.next = ip.Next()
	return ip.String()
}

// FakeNode is the Node object pods are bound to by MarkPodsReady. Nothing runs
// on it; the EndpointSlice controller skips pods whose node does not exist.
const FakeNode = "fake-node"

// bind creates FakeNode if needed and binds pod to it, as a scheduler would.
func (c *Cluster) bind(ctx context.Context, pod *corev1.Pod) (*corev1.Pod, error) {
	node := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: FakeNode, Labels: map[string]string{"kubernetes.io/hostname": FakeNode}}}
	if _, err := c.clientset.CoreV1().Nodes().Create(ctx, node, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return nil, fmt.Errorf("create node %s: %w", FakeNode, err)
	}
	b := &corev1.Binding{
		ObjectMeta: metav1.ObjectMeta{Name: pod.Name, UID: pod.UID},
		Target:     corev1.ObjectReference{Kind: "Node", Name: FakeNode},
	}
	if err := c.clientset.CoreV1().Pods(pod.Namespace).Bind(ctx, b, metav1.CreateOptions{}); err != nil {
		return nil, fmt.Errorf("bind pod %s: %w", pod.Name, err)
	}
	return c.clientset.CoreV1().Pods(pod.Namespace).Get(ctx, pod.Name, metav1.GetOptions{})
}

// MarkPodsReady does what a scheduler and kubelet would (as kwok does): every
// pod matching selector in namespace that is not Ready and not being deleted is
// bound to FakeNode and gets phase Running, a pod IP, running+ready container
// statuses and Ready conditions, written through the status subresource. It
// returns how many pods it marked.
func (c *Cluster) MarkPodsReady(ctx context.Context, namespace, selector string) (int, error) {
	pods, err := c.clientset.CoreV1().Pods(namespace).List(ctx, metav1.ListOptions{LabelSelector: selector})
	if err != nil {
		return 0, fmt.Errorf("list pods: %w", err)
	}
	marked := 0
	for i := range pods.Items {
		pod := &pods.Items[i]
		if pod.DeletionTimestamp != nil || podReady(pod) {
			continue
		}
		if pod.Spec.NodeName == "" {
			if pod, err = c.bind(ctx, pod); err != nil {
				return marked, err
			}
		}
		setReady(pod)
		if _, err := c.clientset.CoreV1().Pods(namespace).UpdateStatus(ctx, pod, metav1.UpdateOptions{}); err != nil {
			if apierrors.IsConflict(err) { // a controller wrote it meanwhile; next round
				continue
			}
			return marked, fmt.Errorf("mark pod %s ready: %w", pod.Name, err)
		}
		marked++
	}
	return marked, nil
}

func podReady(pod *corev1.Pod) bool {
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

func setReady(pod *corev1.Pod) {
	now := metav1.Now()
	ip := pod.Status.PodIP
	if ip == "" {
		ip = nextPodIP()
	}
	st := &pod.Status
	st.Phase = corev1.PodRunning
	st.PodIP, st.PodIPs = ip, []corev1.PodIP{{IP: ip}}
	st.HostIP, st.HostIPs = "192.0.2.1", []corev1.HostIP{{IP: "192.0.2.1"}}
	if st.StartTime == nil {
		st.StartTime = &now
	}
	st.Conditions = nil
	for _, t := range []corev1.PodConditionType{corev1.PodScheduled, corev1.PodInitialized, corev1.ContainersReady, corev1.PodReady} {
		st.Conditions = append(st.Conditions, corev1.PodCondition{Type: t, Status: corev1.ConditionTrue, LastTransitionTime: now})
	}
	st.InitContainerStatuses = nil
	for _, ct := range pod.Spec.InitContainers {
		st.InitContainerStatuses = append(st.InitContainerStatuses, corev1.ContainerStatus{
			Name: ct.Name, Image: ct.Image, Ready: true,
			State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{Reason: "Completed", StartedAt: now, FinishedAt: now}},
		})
	}
	st.ContainerStatuses = nil
	started := true
	for _, ct := range pod.Spec.Containers {
		st.ContainerStatuses = append(st.ContainerStatuses, corev1.ContainerStatus{
			Name: ct.Name, Image: ct.Image, Ready: true, Started: &started,
			State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: now}},
		})
	}
}

// WaitForStatefulSet marks the StatefulSet's pods Ready as the controller
// creates them (so OrderedReady progresses) until all spec.replicas pods are
// ready and updated, then returns the StatefulSet. Needs the controller manager.
func (c *Cluster) WaitForStatefulSet(t testing.TB, namespace, name string, timeout time.Duration) *appsv1.StatefulSet {
	t.Helper()
	var sts *appsv1.StatefulSet
	c.WaitFor(t, timeout, fmt.Sprintf("statefulset %s/%s ready", namespace, name), func(ctx context.Context) (bool, error) {
		var err error
		sts, err = c.clientset.AppsV1().StatefulSets(namespace).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		sel, err := metav1.LabelSelectorAsSelector(sts.Spec.Selector)
		if err != nil {
			return false, err
		}
		if _, err := c.MarkPodsReady(ctx, namespace, sel.String()); err != nil {
			return false, err
		}
		want := int32(1)
		if sts.Spec.Replicas != nil {
			want = *sts.Spec.Replicas
		}
		s := sts.Status
		return s.ObservedGeneration >= sts.Generation && s.Replicas == want &&
			s.ReadyReplicas == want && s.UpdatedReplicas == want, nil
	})
	return sts
}

// WaitFor polls cond every 200ms until it returns true, failing the test with
// what (and cond's last error) after timeout.
func (c *Cluster) WaitFor(t testing.TB, timeout time.Duration, what string, cond func(ctx context.Context) (bool, error)) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var last error
	err := wait.PollUntilContextCancel(ctx, 200*time.Millisecond, true, func(ctx context.Context) (bool, error) {
		ok, err := cond(ctx)
		if err != nil {
			last = err // keep polling: transient errors are normal while controllers work
		}
		return ok, nil
	})
	if err != nil {
		t.Fatalf("kubeapi: timed out after %s waiting for %s (last error: %v)", timeout, what, last)
	}
}
