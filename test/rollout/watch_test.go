package rollout

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
	watchtools "k8s.io/client-go/tools/watch"
)

// step is one observed change of one pod, in the order the API server reports them.
type step struct {
	at       time.Time // when the test saw it
	pod      string
	ordinal  int
	what     string // created, ready, unready, deleting
	revision string // controller-revision-hash label
}

func (s step) String() string {
	return fmt.Sprintf("%s %s %s (%s)", s.at.Format("15:04:05.000"), s.pod, s.what, s.revision)
}

// recorder follows the pods of one pool through a watch and keeps every transition.
type recorder struct {
	mu    sync.Mutex
	steps []step
	ready map[string]bool // pod -> Ready, for pods that exist and are not being deleted
	seen  map[string]bool
}

// watchPods starts recording the pods matching selector in namespace until the test ends.
func watchPods(t *testing.T, cs kubernetes.Interface, namespace, selector string) *recorder {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	lw := &cache.ListWatch{
		ListFunc: func(o metav1.ListOptions) (runtime.Object, error) {
			o.LabelSelector = selector
			return cs.CoreV1().Pods(namespace).List(ctx, o)
		},
		WatchFunc: func(o metav1.ListOptions) (watch.Interface, error) {
			o.LabelSelector = selector
			return cs.CoreV1().Pods(namespace).Watch(ctx, o)
		},
	}
	list, err := cs.CoreV1().Pods(namespace).List(ctx, metav1.ListOptions{LabelSelector: selector})
	if err != nil {
		t.Fatalf("list pods: %v", err)
	}
	r := &recorder{ready: map[string]bool{}, seen: map[string]bool{}}
	for i := range list.Items {
		r.observe(watch.Added, &list.Items[i])
	}
	w, err := watchtools.NewRetryWatcherWithContext(ctx, list.ResourceVersion, lw)
	if err != nil {
		t.Fatalf("watch pods: %v", err)
	}
	go func() {
		defer w.Stop()
		for ev := range w.ResultChan() {
			if pod, ok := ev.Object.(*corev1.Pod); ok {
				r.observe(ev.Type, pod)
			}
		}
	}()
	return r
}

func (r *recorder) observe(typ watch.EventType, pod *corev1.Pod) {
	r.mu.Lock()
	defer r.mu.Unlock()
	add := func(what string) {
		ord, _ := strconv.Atoi(pod.Labels["apps.kubernetes.io/pod-index"])
		r.steps = append(r.steps, step{at: time.Now(), pod: pod.Name, ordinal: ord, what: what,
			revision: pod.Labels["controller-revision-hash"]})
	}
	name := pod.Name
	gone := typ == watch.Deleted || pod.DeletionTimestamp != nil
	was, exists := r.ready[name]
	switch {
	case gone:
		if exists {
			delete(r.ready, name)
			add("deleting")
		}
		if typ == watch.Deleted {
			delete(r.seen, name)
		}
	case !exists:
		if r.seen[name] { // already reported as deleting; the final DELETED event is pending
			return
		}
		r.seen[name] = true
		r.ready[name] = false
		add("created")
		if podReady(pod) {
			r.ready[name] = true
			add("ready")
		}
	case podReady(pod) != was:
		r.ready[name] = !was
		if was {
			add("unready")
		} else {
			add("ready")
		}
	}
}

// snapshot returns the steps so far.
func (r *recorder) snapshot() []step {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]step(nil), r.steps...)
}

// since returns the steps from index i on.
func (r *recorder) since(i int) []step { return r.snapshot()[i:] }

func (r *recorder) len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.steps)
}

func podReady(pod *corev1.Pod) bool {
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// maxDown replays steps from a state where every pod in wanted is Ready and returns the largest number of the
// wanted pods (by name) that were not Ready at any one moment.
func maxDown(steps []step, wanted []string) int {
	ready := map[string]bool{}
	for _, w := range wanted {
		ready[w] = true
	}
	worst := 0
	for _, s := range steps {
		if _, ok := ready[s.pod]; !ok {
			continue
		}
		ready[s.pod] = s.what == "ready"
		down := 0
		for _, r := range ready {
			if !r {
				down++
			}
		}
		worst = max(worst, down)
	}
	return worst
}

// filter keeps the steps of one kind.
func filter(steps []step, what string) []step {
	var out []step
	for _, s := range steps {
		if s.what == what {
			out = append(out, s)
		}
	}
	return out
}

// deletedForRoll keeps the deletions of pods at a revision other than update: the ones a roll to update makes.
// The others are the simulator's: kwok finalizes a terminating pod with a delete by name and no UID
// precondition (sigs.k8s.io/kwok v0.8.0, pkg/kwok/controllers/pod_controller.go, deleteResource), so a stale
// second delete queued for the old pod can remove the pod the StatefulSet controller has just recreated under
// the same name, already at update. A kubelet deletes with a UID precondition and cannot do that.
func deletedForRoll(steps []step, update string) []step {
	var out []step
	for _, s := range filter(steps, "deleting") {
		if s.revision != update {
			out = append(out, s)
		}
	}
	return out
}

func ordinals(steps []step) []int {
	out := make([]int, 0, len(steps))
	for _, s := range steps {
		out = append(out, s.ordinal)
	}
	return out
}

func dump(steps []step) string {
	lines := make([]string, 0, len(steps))
	for _, s := range steps {
		lines = append(lines, s.String())
	}
	return strings.Join(lines, "\n")
}

func descending(n, start int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = start + n - 1 - i
	}
	return out
}

func ascending(n, start int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = start + i
	}
	return out
}

func sortedNames(names []string) []string {
	out := append([]string(nil), names...)
	sort.Strings(out)
	return out
}
