package kubernetes

import (
	"flag"
	"io"
	"strconv"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/pasarhq/pasar/internal/platform/config"
)

// secretValues stand in for the Secret "pasar", which operators create (docs/KUBERNETES.md): its
// keys, with values of the shape each setting takes.
var secretValues = map[string]string{
	"postgres-url":            "postgres://pasar:pw@postgres:5432/pasar?sslmode=disable",
	"redis-url":               "redis://redis:6379/0",
	"nats-url":                "nats://nats:4222",
	"signing-key-secret":      "0123456789abcdef0123456789abcdef0123",
	"payment-callback-secret": "callback-secret",
	"service-client-id":       "svc_0123456789",
	"service-client-secret":   "service-client-secret",
	"smtp-url":                "smtp://mail:587",
}

// notPasar are environment variables a pod may set that are not Pasar settings, and why.
var notPasar = map[string]string{
	"GOMEMLIMIT": "the Go runtime's soft memory limit, from the container's limit",
}

// process is what one container runs: its command, its environment resolved the way the kubelet
// would (ConfigMaps from the render, the Secret from secretValues, the pod name), and the
// configuration pasar would load from them.
type process struct {
	Command string // serve, gateway or migrate
	Args    []string
	Env     map[string]string
	Config  config.Config
}

// scopes are the settings each pasar command reads (cmd/pasar: loadConfig calls).
var scopes = map[string]config.Scope{
	"serve":   config.Storage | config.Server,
	"gateway": config.Gateway,
	"migrate": config.Storage,
}

// settings maps each PASAR_* variable to its scope.
func settings() map[string]config.Scope {
	c := config.Default()
	m := map[string]config.Scope{}
	for _, s := range c.Settings() {
		m[s.Env] = s.Scope
	}
	return m
}

// resolve checks a container's environment against Pasar's settings and loads its configuration
// exactly as the pasar command would.
func resolve(t *testing.T, o *objects, w workload, c corev1.Container) process {
	t.Helper()
	known := settings()
	if len(c.Command) > 0 {
		t.Errorf("%s: command %v overrides the image's entrypoint (pasar); use args", w, c.Command)
	}
	if len(c.Args) == 0 {
		t.Fatalf("%s: no args; want serve, gateway or migrate", w)
	}
	p := process{Command: c.Args[0], Args: c.Args[1:], Env: map[string]string{}}
	scope, ok := scopes[p.Command]
	if !ok {
		t.Fatalf("%s: runs pasar %s; this test knows serve, gateway and migrate", w, p.Command)
	}
	check := func(name, from string, explicit bool) {
		if _, ok := notPasar[name]; ok {
			return
		}
		sc, ok := known[name]
		switch {
		case !ok:
			t.Errorf("%s: %s sets %s, which is not a Pasar setting (docs/CONFIGURATION.md)", w, from, name)
		case explicit && sc&scope == 0:
			t.Errorf("%s: %s sets %s, which pasar %s does not read", w, from, name, p.Command)
		}
	}
	for _, ef := range c.EnvFrom {
		if ef.ConfigMapRef == nil {
			t.Errorf("%s: envFrom other than a ConfigMap; name Secret keys one by one so they can be checked", w)
			continue
		}
		cm, ok := o.configMap(ef.ConfigMapRef.Name)
		if !ok {
			t.Errorf("%s: envFrom ConfigMap %q does not exist", w, ef.ConfigMapRef.Name)
			continue
		}
		for k, v := range cm.Data {
			check(ef.Prefix+k, "ConfigMap "+cm.Name, false)
			p.Env[ef.Prefix+k] = v
		}
	}
	for _, e := range c.Env { // env wins over envFrom, as in the kubelet
		check(e.Name, "env", true)
		switch {
		case e.ValueFrom == nil:
			p.Env[e.Name] = e.Value
		case e.ValueFrom.SecretKeyRef != nil:
			ref := e.ValueFrom.SecretKeyRef
			v, ok := secretValues[ref.Key]
			if ref.Name != "pasar" || !ok {
				t.Errorf("%s: %s from Secret %s key %s; the documented Secret is \"pasar\" with keys %v", w, e.Name, ref.Name, ref.Key, keys(secretValues))
			}
			p.Env[e.Name] = v
		case e.ValueFrom.ConfigMapKeyRef != nil:
			ref := e.ValueFrom.ConfigMapKeyRef
			cm, ok := o.configMap(ref.Name)
			v, has := cm.Data[ref.Key]
			if !ok || !has {
				t.Errorf("%s: %s from ConfigMap %s key %s, which does not exist", w, e.Name, ref.Name, ref.Key)
			}
			p.Env[e.Name] = v
		case e.ValueFrom.FieldRef != nil:
			if e.ValueFrom.FieldRef.FieldPath != "metadata.name" {
				t.Errorf("%s: %s from field %s; only the pod name is expected", w, e.Name, e.ValueFrom.FieldRef.FieldPath)
			}
			p.Env[e.Name] = w.Name + "-0"
		case e.ValueFrom.ResourceFieldRef != nil:
			p.Env[e.Name] = "536870912"
		default:
			t.Errorf("%s: %s has a source this test does not know", w, e.Name)
		}
	}
	p.Config = config.Default()
	fs := flag.NewFlagSet(p.Command, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	if err := p.Config.Load(fs, scope, p.Args, func(k string) string { return p.Env[k] }); err != nil {
		t.Errorf("%s: pasar %s would not start: %v", w, strings.Join(c.Args, " "), err)
	}
	return p
}

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// checkPod checks what every long-running pasar pod needs: probes on the listener, a grace period
// that covers drain and shutdown, a locked-down container with its writable folders on volumes.
func checkPod(t *testing.T, w workload, c corev1.Container, p process) {
	t.Helper()
	spec := w.Template.Spec
	_, port, _ := strings.Cut(p.Config.Addr, ":")
	probe := func(kind string, pr *corev1.Probe, path string) {
		if pr == nil || pr.HTTPGet == nil {
			t.Errorf("%s: no HTTP %s probe", w, kind)
			return
		}
		if pr.HTTPGet.Path != path {
			t.Errorf("%s: %s probe asks %s, want %s", w, kind, pr.HTTPGet.Path, path)
		}
		if got := containerPort(c, pr.HTTPGet.Port.String()); strconv.Itoa(int(got)) != port {
			t.Errorf("%s: %s probe port %s is %d, but pasar listens on %s", w, kind, pr.HTTPGet.Port.String(), got, p.Config.Addr)
		}
	}
	probe("liveness", c.LivenessProbe, "/healthz")
	probe("readiness", c.ReadinessProbe, "/readyz")
	probe("startup", c.StartupProbe, "/healthz")

	need := int64((p.Config.DrainDelay + p.Config.ShutdownTimeout).Seconds())
	if p.Config.DrainDelay == 0 {
		t.Errorf("%s: PASAR_DRAIN_DELAY is 0: requests routed during the endpoint removal would be refused", w)
	}
	if g := deref(spec.TerminationGracePeriodSeconds, 30); g <= need {
		t.Errorf("%s: terminationGracePeriodSeconds %d does not exceed drain + shutdown (%ds): SIGKILL mid-drain", w, g, need)
	}
	checkSecurity(t, w, c, p)
	if c.Resources.Requests.Cpu().IsZero() || c.Resources.Requests.Memory().IsZero() || c.Resources.Limits.Memory().IsZero() {
		t.Errorf("%s: want CPU and memory requests and a memory limit, have %v", w, c.Resources)
	}
}

// checkSecurity: non-root, no privilege escalation, no capabilities, read-only root with the data
// folder and /tmp on volumes.
func checkSecurity(t *testing.T, w workload, c corev1.Container, p process) {
	t.Helper()
	spec := w.Template.Spec
	psc, sc := spec.SecurityContext, c.SecurityContext
	if psc == nil || !deref(psc.RunAsNonRoot, false) || deref(psc.RunAsUser, 0) == 0 {
		t.Errorf("%s: pod must run as a non-root uid (runAsNonRoot, runAsUser)", w)
	}
	if psc == nil || psc.SeccompProfile == nil || psc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
		t.Errorf("%s: want seccompProfile RuntimeDefault", w)
	}
	if sc == nil || !deref(sc.ReadOnlyRootFilesystem, false) || deref(sc.AllowPrivilegeEscalation, true) ||
		sc.Capabilities == nil || len(sc.Capabilities.Drop) != 1 || sc.Capabilities.Drop[0] != "ALL" || len(sc.Capabilities.Add) > 0 {
		t.Errorf("%s: container must have a read-only root, no privilege escalation, capabilities drop ALL", w)
	}
	if deref(spec.AutomountServiceAccountToken, true) {
		t.Errorf("%s: pasar does not call the Kubernetes API: set automountServiceAccountToken false", w)
	}
	for _, dir := range []string{p.Config.DataDir, "/tmp"} {
		if volumeAt(w, c, dir) == nil {
			t.Errorf("%s: nothing mounted at %s, which pasar writes and the root filesystem is read-only", w, dir)
		}
	}
}

func containerPort(c corev1.Container, port string) int32 {
	for _, p := range c.Ports {
		if p.Name == port || strconv.Itoa(int(p.ContainerPort)) == port {
			return p.ContainerPort
		}
	}
	return 0
}

// volumeAt returns the volume (or the StatefulSet's claim, as a volume) mounted at dir.
func volumeAt(w workload, c corev1.Container, dir string) *corev1.Volume {
	for _, m := range c.VolumeMounts {
		if m.MountPath != dir {
			continue
		}
		for _, v := range w.Template.Spec.Volumes {
			if v.Name == m.Name {
				return &v
			}
		}
		for _, cl := range w.Claims {
			if cl.Name == m.Name {
				return &corev1.Volume{Name: cl.Name, VolumeSource: corev1.VolumeSource{
					PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: cl.Name}}}
			}
		}
	}
	return nil
}
