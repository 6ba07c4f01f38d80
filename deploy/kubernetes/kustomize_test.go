package kubernetes

import (
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/pasarhq/pasar/internal/app"
	"github.com/pasarhq/pasar/internal/gateway"
	"github.com/pasarhq/pasar/internal/platform/config"
)

const image = "registry.example.com/pasar:latest"

// checked is an overlay's render with every pasar container resolved.
type checked struct {
	*objects
	procs map[string]process // by workload name
	loads map[string]workload
}

// checkCommon renders dir and checks what holds in every overlay: selectors match their pods,
// Services and probes reach a named container port, budgets and autoscalers name real
// workloads, and every container's settings load as pasar would load them.
func checkCommon(t *testing.T, dir string) checked {
	t.Helper()
	o := render(t, dir)
	c := checked{objects: o, procs: map[string]process{}, loads: map[string]workload{}}
	for _, w := range o.workloads() {
		c.loads[w.Name] = w
		if w.Selector != nil && !matches(t, w.Selector, w.Template.Labels) {
			t.Errorf("%s: selector %v does not match its pod labels %v", w, w.Selector, w.Template.Labels)
		}
		if len(w.Template.Spec.Containers) != 1 {
			t.Fatalf("%s: %d containers, want the one pasar container", w, len(w.Template.Spec.Containers))
		}
		ctr := w.Template.Spec.Containers[0]
		if ctr.Image != image {
			t.Errorf("%s: image %q, want the overlay's %q", w, ctr.Image, image)
		}
		p := resolve(t, o, w, ctr)
		c.procs[w.Name] = p
		if w.LongRunning() {
			checkPod(t, w, ctr, p)
		} else {
			checkSecurity(t, w, ctr, p)
		}
	}
	for _, s := range o.Services {
		sel := s.Spec.Selector
		var hit []workload
		for _, w := range o.workloads() {
			if len(sel) > 0 && matches(t, selectorOf(sel), w.Template.Labels) {
				hit = append(hit, w)
			}
		}
		if len(hit) == 0 {
			t.Errorf("Service %s selects no pod (selector %v)", s.Name, sel)
		}
		for _, w := range hit {
			for _, sp := range s.Spec.Ports {
				if containerPort(w.Template.Spec.Containers[0], sp.TargetPort.String()) == 0 {
					t.Errorf("Service %s port %d targets %s, which %s's container does not declare", s.Name, sp.Port, sp.TargetPort.String(), w)
				}
			}
		}
	}
	for _, b := range o.PDBs {
		n := 0
		for _, w := range o.workloads() {
			if w.LongRunning() && matches(t, b.Spec.Selector, w.Template.Labels) {
				n++
			}
		}
		if n != 1 {
			t.Errorf("PodDisruptionBudget %s selects %d workloads, want 1", b.Name, n)
		}
	}
	for _, h := range o.HPAs {
		ref := h.Spec.ScaleTargetRef
		w, ok := c.loads[ref.Name]
		if !ok || w.Kind != ref.Kind || ref.APIVersion != "apps/v1" {
			t.Errorf("HorizontalPodAutoscaler %s scales %s %s/%s, which is not in the render", h.Name, ref.APIVersion, ref.Kind, ref.Name)
			continue
		}
		if w.Template.Spec.Containers[0].Resources.Requests.Cpu().IsZero() {
			t.Errorf("HorizontalPodAutoscaler %s keys on CPU utilization, but %s requests no CPU", h.Name, w)
		}
		if deref(h.Spec.MinReplicas, 1) < 2 {
			t.Errorf("HorizontalPodAutoscaler %s: minReplicas below 2 leaves no replica during a rollout or node drain", h.Name)
		}
	}
	return c
}

func selectorOf(m map[string]string) *metav1.LabelSelector {
	return &metav1.LabelSelector{MatchLabels: m}
}

// runner returns the workload whose pasar serve runs service s.
func (c checked) runner(t *testing.T, s string) (workload, process) {
	t.Helper()
	var found []string
	var w workload
	var p process
	for name, proc := range c.procs {
		if proc.Command == "serve" && proc.Config.Services == s {
			found = append(found, name)
			w, p = c.loads[name], proc
		}
	}
	if len(found) != 1 {
		t.Fatalf("service %s: %d workloads run serve --services=%s (%v), want 1", s, len(found), s, found)
	}
	return w, p
}

// checkURL checks that raw, a service's base URL as a pasar process has it, names a cluster
// Service, on one of its ports, that selects the pods running service s.
func (c checked) checkURL(t *testing.T, who, s, raw string) {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "http" {
		t.Errorf("%s: %s URL %q: want http://<service>:<port>", who, s, raw)
		return
	}
	host, _, _ := strings.Cut(u.Hostname(), ".") // identity, identity.pasar, identity.pasar.svc...
	svc, ok := c.service(host)
	if !ok {
		t.Errorf("%s: %s URL %q names Service %q, which is not in the render", who, s, raw, host)
		return
	}
	if !slices.ContainsFunc(svc.Spec.Ports, func(p corev1.ServicePort) bool { return u.Port() == itoa(p.Port) }) {
		t.Errorf("%s: %s URL %q: Service %s has no port %s", who, s, raw, host, u.Port())
	}
	w, _ := c.runner(t, s)
	if !matches(t, selectorOf(svc.Spec.Selector), w.Template.Labels) {
		t.Errorf("%s: %s URL %q: Service %s does not select %s, which runs %s", who, s, raw, host, w, s)
	}
}

func itoa(n int32) string { return strconv.Itoa(int(n)) }

// TestDistributed renders overlays/distributed and checks the shape: a Deployment (or, for
// search, a StatefulSet) per service running serve --services=<it>, each process's settings
// accepted by pasar (app.CheckServices included), every PASAR_<SERVICE>_URL and gateway route
// pointing at the Service of that service's pods, shared stores everywhere (no SQLite in an
// emptyDir), autoscalers and budgets, and network policies that let the gateway in.
func TestDistributed(t *testing.T) {
	checkDistributed(t, "overlays/distributed")
}

// TestDistributedLinkerd renders the same shape with the Linkerd component: every server pod
// meshed, with the proxy outliving the drain; the migrate Job left out of the mesh.
func TestDistributedLinkerd(t *testing.T) {
	c := checkDistributed(t, "overlays/distributed-linkerd")
	for _, w := range c.loads {
		a := w.Template.Annotations
		want := "enabled"
		if !w.LongRunning() {
			want = "disabled" // a proxy would keep the Job's pod running after pasar migrate exits
		}
		if a["linkerd.io/inject"] != want {
			t.Errorf("%s: linkerd.io/inject %q, want %q", w, a["linkerd.io/inject"], want)
		}
		if w.LongRunning() {
			wait := a["config.alpha.linkerd.io/proxy-wait-before-exit-seconds"]
			if d := c.procs[w.Name].Config.DrainDelay; wait != itoa(int32(d.Seconds())) {
				t.Errorf("%s: the proxy waits %qs before exit, but pasar drains for %s", w, wait, d)
			}
		}
	}
}

func checkDistributed(t *testing.T, dir string) checked {
	c := checkCommon(t, dir)
	if t.Failed() {
		t.FailNow()
	}
	if len(c.Namespaces) != 1 || c.Namespaces[0].Labels["pod-security.kubernetes.io/enforce"] != "restricted" {
		t.Errorf("want one Namespace enforcing the restricted Pod Security Standard")
	}
	for _, s := range config.ServiceNames {
		w, p := c.runner(t, s)
		if err := app.CheckServices(p.Config); err != nil {
			t.Errorf("%s: pasar serve would stop at start: %v", w, err)
		}
		if p.Config.PostgresURL == "" || p.Config.NATSURL == "" || p.Config.RedisURL == "" {
			t.Errorf("%s: without PostgreSQL, NATS and Redis URLs it keeps its data in the pod (SQLite, embedded NATS)", w)
		}
		if !w.LongRunning() {
			t.Errorf("service %s runs in a %s", s, w.Kind)
		}
		id := envVar(w, "PASAR_REPLICA_ID")
		if id == nil || id.ValueFrom == nil || id.ValueFrom.FieldRef == nil || id.ValueFrom.FieldRef.FieldPath != "metadata.name" {
			t.Errorf("%s: PASAR_REPLICA_ID must be the pod's name, so its durable consumers are its own", w)
		}
		for _, called := range config.ServiceNames {
			if raw := p.Config.ServiceURL(called); raw != "" && called != s {
				for _, u := range strings.Split(raw, ",") {
					c.checkURL(t, w.String(), called, strings.TrimSpace(u))
				}
			}
		}
		if !slices.ContainsFunc(c.PDBs, func(b policyv1.PodDisruptionBudget) bool { return matches(t, b.Spec.Selector, w.Template.Labels) }) {
			t.Errorf("%s: no PodDisruptionBudget", w)
		}
	}

	// Search: each replica's index on a volume of its own that outlives the pod, like its schema.
	w, _ := c.runner(t, "search")
	if v := volumeAt(w, w.Template.Spec.Containers[0], c.procs[w.Name].Config.DataDir); w.Kind != "StatefulSet" || v == nil || v.PersistentVolumeClaim == nil {
		t.Errorf("%s: search replicas need a StatefulSet with a persistent volume per pod for their index", w)
	}

	// The gateway: every route it has goes to the pods of that service.
	gw, ok := c.loads["gateway"]
	if !ok || c.procs["gateway"].Command != "gateway" {
		t.Fatal("no gateway Deployment running pasar gateway")
	}
	gp := c.procs["gateway"]
	routes := c.routesFile(t, gw, gp)
	for _, s := range gateway.Services {
		list := gp.Config.ServiceURL(s)
		if list == "" {
			list = strings.Join(routes[s], ",")
		}
		if list == "" {
			t.Errorf("gateway: no upstream for %s: its routes would answer 503", s)
			continue
		}
		for _, u := range strings.Split(list, ",") {
			c.checkURL(t, "gateway", s, strings.TrimSpace(u))
		}
	}
	for _, name := range []string{"gateway", "catalog", "search"} {
		if !slices.ContainsFunc(c.HPAs, func(h autoscalingv2.HorizontalPodAutoscaler) bool { return h.Spec.ScaleTargetRef.Name == name }) {
			t.Errorf("no HorizontalPodAutoscaler for %s", name)
		}
	}
	if !slices.ContainsFunc(c.PDBs, func(b policyv1.PodDisruptionBudget) bool { return matches(t, b.Spec.Selector, gw.Template.Labels) }) {
		t.Error("gateway: no PodDisruptionBudget")
	}

	// Migrations run once, on the same stores.
	var migrated bool
	for name, p := range c.procs {
		if p.Command == "migrate" {
			migrated = true
			if p.Config.PostgresURL == "" {
				t.Errorf("%s: migrate without PASAR_POSTGRES_URL migrates an SQLite file in the Job's pod", name)
			}
		}
	}
	if !migrated {
		t.Error("no Job running pasar migrate")
	}

	c.checkPolicies(t)
	return c
}

// checkPolicies: the gateway takes traffic from anywhere; a service only from pasar pods
// (gateway and the other services) and the monitoring namespace's scrapes, never from outside
// or from other pods.
func (c checked) checkPolicies(t *testing.T) {
	gw := c.loads["gateway"]
	ns := map[string]string{"kubernetes.io/metadata.name": "pasar"}
	outside := peer{name: "a client outside the cluster", external: true}
	fromGateway := peer{name: "the gateway", sameNS: true, podLabels: gw.Template.Labels, nsLabels: ns}
	stranger := peer{name: "another pod of the namespace", sameNS: true, podLabels: map[string]string{"app": "other"}, nsLabels: ns}
	monitoring := peer{name: "Prometheus", podLabels: map[string]string{"app.kubernetes.io/name": "prometheus"},
		nsLabels: map[string]string{"kubernetes.io/metadata.name": "monitoring", "pasar.dev/monitoring": "true"}}
	http := func(w workload) corev1.ContainerPort { return w.Template.Spec.Containers[0].Ports[0] }
	if !admits(t, c.Policies, gw.Template.Labels, http(gw), outside) {
		t.Error("network policies keep clients outside the cluster from the gateway")
	}
	for _, s := range config.ServiceNames {
		w, _ := c.runner(t, s)
		for _, p := range []peer{fromGateway, monitoring} {
			if !admits(t, c.Policies, w.Template.Labels, http(w), p) {
				t.Errorf("network policies keep %s from %s", p.name, w)
			}
		}
		for _, other := range config.ServiceNames {
			ow, _ := c.runner(t, other)
			p := peer{name: ow.String(), sameNS: true, podLabels: ow.Template.Labels, nsLabels: ns}
			if !admits(t, c.Policies, w.Template.Labels, http(w), p) {
				t.Errorf("network policies keep %s from %s", p.name, w)
			}
		}
		for _, p := range []peer{outside, stranger} {
			if admits(t, c.Policies, w.Template.Labels, http(w), p) {
				t.Errorf("network policies let %s reach %s", p.name, w)
			}
		}
	}
}

// routesFile reads the gateway's routes file from the ConfigMap mounted where
// PASAR_GATEWAY_ROUTES points, with the gateway's own parser.
func (c checked) routesFile(t *testing.T, gw workload, p process) map[string][]string {
	t.Helper()
	path := p.Config.GatewayRoutes
	if path == "" {
		return nil
	}
	ctr := gw.Template.Spec.Containers[0]
	for _, m := range ctr.VolumeMounts {
		if !strings.HasPrefix(path, m.MountPath+"/") {
			continue
		}
		key := strings.TrimPrefix(path, m.MountPath+"/")
		for _, v := range gw.Template.Spec.Volumes {
			if v.Name != m.Name || v.ConfigMap == nil {
				continue
			}
			cm, ok := c.configMap(v.ConfigMap.Name)
			data, has := cm.Data[key]
			if !ok || !has {
				t.Fatalf("gateway: PASAR_GATEWAY_ROUTES %s: ConfigMap %s has no key %s", path, v.ConfigMap.Name, key)
			}
			routes, err := gateway.ParseUpstreams(strings.NewReader(data))
			if err != nil {
				t.Fatalf("gateway: routes file %s: %v", path, err)
			}
			return routes
		}
	}
	t.Fatalf("gateway: PASAR_GATEWAY_ROUTES %s is on no ConfigMap volume", path)
	return nil
}

func envVar(w workload, name string) *corev1.EnvVar {
	for _, e := range w.Template.Spec.Containers[0].Env {
		if e.Name == name {
			return &e
		}
	}
	return nil
}

// TestAllInOne renders overlays/all-in-one: one pod running every service on its persistent
// volume, one replica (SQLite has one writer) replaced by stopping the old pod first, and open
// to clients on its HTTP port.
func TestAllInOne(t *testing.T) {
	c := checkCommon(t, "overlays/all-in-one")
	if len(c.Deployments) != 1 || len(c.StatefulSets) != 0 || len(c.Jobs) != 0 {
		t.Fatalf("want one Deployment and nothing else that runs pasar")
	}
	d := c.Deployments[0]
	w, p := c.loads[d.Name], c.procs[d.Name]
	if p.Command != "serve" || p.Config.Services != "" || p.Config.PostgresURL != "" {
		t.Errorf("%s: runs pasar %s --services=%q postgres=%v; want serve of every service on SQLite", w, p.Command, p.Config.Services, p.Config.PostgresURL != "")
	}
	if w.Replicas != 1 || d.Spec.Strategy.Type != "Recreate" {
		t.Errorf("%s: %d replicas, strategy %q; SQLite on a ReadWriteOnce volume needs 1 and Recreate", w, w.Replicas, d.Spec.Strategy.Type)
	}
	v := volumeAt(w, w.Template.Spec.Containers[0], p.Config.DataDir)
	if v == nil || v.PersistentVolumeClaim == nil || !slices.ContainsFunc(c.PVCs, func(pvc corev1.PersistentVolumeClaim) bool { return pvc.Name == v.PersistentVolumeClaim.ClaimName }) {
		t.Errorf("%s: the data folder %s must be on a PersistentVolumeClaim of the render", w, p.Config.DataDir)
	}
	if !admits(t, c.Policies, w.Template.Labels, w.Template.Spec.Containers[0].Ports[0], peer{name: "outside", external: true}) {
		t.Error("network policies keep clients from the all-in-one pod")
	}
}
