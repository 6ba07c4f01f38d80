package kubernetes

import (
	"bytes"
	"fmt"
	"os/exec"
	"strings"
	"testing"

	"github.com/pasarhq/pasar/deploy/deploytest"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"
)

// objects are the rendered objects of one overlay, by kind, decoded into the API types.
type objects struct {
	Namespaces   []corev1.Namespace
	ConfigMaps   []corev1.ConfigMap
	Services     []corev1.Service
	PVCs         []corev1.PersistentVolumeClaim
	Deployments  []appsv1.Deployment
	StatefulSets []appsv1.StatefulSet
	Jobs         []batchv1.Job
	PDBs         []policyv1.PodDisruptionBudget
	HPAs         []autoscalingv2.HorizontalPodAutoscaler
	Policies     []networkingv1.NetworkPolicy
}

// render runs `kubectl kustomize dir` and decodes every object strictly: a field the API type
// does not have (a typo, a wrong level) fails, as does a kind this test does not know.
func render(t *testing.T, dir string) *objects {
	t.Helper()
	kubectl := deploytest.Binary(t, "kubectl", "kubectl")
	var stderr bytes.Buffer
	cmd := exec.Command(kubectl, "kustomize", dir)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("kubectl kustomize %s: %v\n%s", dir, err, stderr.Bytes())
	}
	o := &objects{}
	for i, doc := range strings.Split(string(out), "\n---\n") {
		if strings.TrimSpace(doc) == "" {
			continue
		}
		var tm metav1.TypeMeta
		if err := yaml.Unmarshal([]byte(doc), &tm); err != nil {
			t.Fatalf("%s object %d: %v", dir, i, err)
		}
		var err error
		switch tm.APIVersion + " " + tm.Kind {
		case "v1 Namespace":
			o.Namespaces, err = decode(doc, o.Namespaces)
		case "v1 ConfigMap":
			o.ConfigMaps, err = decode(doc, o.ConfigMaps)
		case "v1 Service":
			o.Services, err = decode(doc, o.Services)
		case "v1 PersistentVolumeClaim":
			o.PVCs, err = decode(doc, o.PVCs)
		case "apps/v1 Deployment":
			o.Deployments, err = decode(doc, o.Deployments)
		case "apps/v1 StatefulSet":
			o.StatefulSets, err = decode(doc, o.StatefulSets)
		case "batch/v1 Job":
			o.Jobs, err = decode(doc, o.Jobs)
		case "policy/v1 PodDisruptionBudget":
			o.PDBs, err = decode(doc, o.PDBs)
		case "autoscaling/v2 HorizontalPodAutoscaler":
			o.HPAs, err = decode(doc, o.HPAs)
		case "networking.k8s.io/v1 NetworkPolicy":
			o.Policies, err = decode(doc, o.Policies)
		default:
			t.Fatalf("%s object %d: kind %s %s unknown to this test; teach render", dir, i, tm.APIVersion, tm.Kind)
		}
		if err != nil {
			t.Fatalf("%s object %d (%s):\n%v\n%s", dir, i, tm.Kind, err, doc)
		}
	}
	return o
}

func decode[T any](doc string, list []T) ([]T, error) {
	var v T
	if err := yaml.UnmarshalStrict([]byte(doc), &v); err != nil {
		return list, err
	}
	return append(list, v), nil
}

// workload is a pod template with the object that holds it.
type workload struct {
	Kind, Name string
	Selector   *metav1.LabelSelector // nil for a Job
	Replicas   int32
	Template   corev1.PodTemplateSpec
	Claims     []corev1.PersistentVolumeClaim // a StatefulSet's volumeClaimTemplates
}

func (w workload) String() string { return fmt.Sprintf("%s/%s", w.Kind, w.Name) }

// LongRunning tells a server (Deployment, StatefulSet) from a run-once Job.
func (w workload) LongRunning() bool { return w.Kind != "Job" }

func (o *objects) workloads() []workload {
	var ws []workload
	for _, d := range o.Deployments {
		ws = append(ws, workload{Kind: "Deployment", Name: d.Name, Selector: d.Spec.Selector, Replicas: deref(d.Spec.Replicas, 1), Template: d.Spec.Template})
	}
	for _, s := range o.StatefulSets {
		ws = append(ws, workload{Kind: "StatefulSet", Name: s.Name, Selector: s.Spec.Selector, Replicas: deref(s.Spec.Replicas, 1),
			Template: s.Spec.Template, Claims: s.Spec.VolumeClaimTemplates})
	}
	for _, j := range o.Jobs {
		ws = append(ws, workload{Kind: "Job", Name: j.Name, Template: j.Spec.Template})
	}
	return ws
}

func (o *objects) configMap(name string) (corev1.ConfigMap, bool) {
	for _, c := range o.ConfigMaps {
		if c.Name == name {
			return c, true
		}
	}
	return corev1.ConfigMap{}, false
}

func (o *objects) service(name string) (corev1.Service, bool) {
	for _, s := range o.Services {
		if s.Name == name {
			return s, true
		}
	}
	return corev1.Service{}, false
}

func deref[T any](p *T, def T) T {
	if p == nil {
		return def
	}
	return *p
}
