package controlplane

import (
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"

	"github.com/fleetc/fleetc/renderer/model"
	"github.com/fleetc/fleetc/renderer/object"
)

// renewalInputs are control planes with every workload fleetc renders:
// every variant, with node pools (machine-controller, OSM) and backups.
func renewalInputs() map[string]Input {
	out := map[string]Input{}
	for _, v := range variants {
		in := machineInput(v, "cloud-creds")
		in.Seed.Backups = &model.Backups{Bucket: "b", Endpoint: "https://s3.example.com", Credentials: "backup-creds", Schedule: "0 * * * *", Keep: 5}
		in.Images.S3Client = "mirror.example.com/amazon/aws-cli:2.22.35"
		out[v.name] = in
	}
	return out
}

// rollerOf returns the cert-roller's Deployment and what its ROLL says:
// Secrets by Deployment.
func rollerOf(t *testing.T, objs []object.Object) (*appsv1.Deployment, map[string][]string) {
	t.Helper()
	dep := find[*appsv1.Deployment](objs, "Deployment", appCertRoller)
	if dep == nil {
		t.Fatal("no cert-roller")
	}
	roll := map[string][]string{}
	for _, e := range dep.Spec.Template.Spec.Containers[0].Env {
		if e.Name != "ROLL" {
			continue
		}
		for _, entry := range strings.Fields(e.Value) {
			d, secrets, _ := strings.Cut(entry, "=")
			roll[d] = strings.Split(secrets, ",")
		}
	}
	return dep, roll
}

// TestEveryCertificateRenewalReachesItsComponent: every container of a
// control plane that mounts a Secret (every Secret there is cert-manager's)
// either reloads the files itself, runs anew per job, or is rolled by the
// cert-roller, which then watches each Secret it mounts and may patch its
// Deployment.
func TestEveryCertificateRenewalReachesItsComponent(t *testing.T) {
	// Which components read their certificates once: the facts in renewal,
	// pinned here so that a change to them is deliberate.
	wantRolled := []string{"apiserver/konnectivity-server", "apiserver/openvpn-client", "dns-resolver/openvpn-client", "openvpn-server/openvpn-server"}
	var rolled []string
	for k, r := range renewal {
		if r.kind == reloadRoll {
			rolled = append(rolled, k)
		}
		if r.why == "" {
			t.Errorf("renewal[%s] says not why", k)
		}
	}
	slices.Sort(rolled)
	if !slices.Equal(rolled, wantRolled) {
		t.Errorf("rolled components %v, want %v", rolled, wantRolled)
	}
	for name, in := range renewalInputs() {
		t.Run(name, func(t *testing.T) {
			objs := render(t, in)
			dep, roll := rollerOf(t, objs)
			watched := map[string]bool{}
			for _, v := range dep.Spec.Template.Spec.Volumes {
				if v.Projected == nil {
					continue
				}
				for _, src := range v.Projected.Sources {
					if len(src.Secret.Items) != 1 || src.Secret.Items[0].Key != keyCert || src.Secret.Items[0].Path != src.Secret.Name+"/"+keyCert {
						t.Errorf("roller mounts %+v: want its certificate only, at <Secret>/tls.crt", src.Secret)
					}
					watched[src.Secret.Name] = true
				}
			}
			role := find[*rbacv1.Role](objs, "Role", appCertRoller)
			mounting := 0
			for _, o := range objs {
				var spec *corev1.PodSpec
				switch w := o.(type) {
				case *appsv1.Deployment:
					spec = &w.Spec.Template.Spec
				case *appsv1.StatefulSet:
					spec = &w.Spec.Template.Spec
				case *batchv1.CronJob:
					spec = &w.Spec.JobTemplate.Spec.Template.Spec
				default:
					continue
				}
				for _, c := range slices.Concat(spec.InitContainers, spec.Containers) {
					secrets := mountedSecrets(spec, c)
					if len(secrets) == 0 {
						continue
					}
					mounting++
					key := o.GetName() + "/" + c.Name
					r, ok := renewal[key]
					if !ok {
						t.Errorf("%s mounts %v and has no way to renewed certificates", key, secrets)
						continue
					}
					if r.kind == reloadRun && object.Kind(o) != "CronJob" {
						t.Errorf("%s: only a CronJob starts anew per run", key)
					}
					if r.kind != reloadRoll {
						continue
					}
					if object.Kind(o) != "Deployment" {
						t.Errorf("%s: the roller rolls Deployments only", key)
					}
					if !slices.Contains(role.Rules[0].ResourceNames, o.GetName()) {
						t.Errorf("%s: the roller may not patch Deployment %s", key, o.GetName())
					}
					for _, s := range secrets {
						if !slices.Contains(roll[o.GetName()], s) || !watched[s] {
							t.Errorf("%s: a renewal of Secret %s does not roll it (ROLL %v, watched %v)", key, s, roll, watched)
						}
					}
				}
			}
			if mounting < 8 {
				t.Errorf("only %d containers mount Secrets: the walk missed workloads", mounting)
			}
		})
	}
}

// TestRenderFailsWithoutRenewal: a container that mounts a certificate
// and is not in the renewal table cannot be rendered.
func TestRenderFailsWithoutRenewal(t *testing.T) {
	objs := render(t, renewalInputs()["konnectivity-tunneling"])
	if _, err := rollTargets(objs, renewal); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"apiserver/konnectivity-server", "etcd/etcd", "etcd-backup/snapshot"} {
		table := maps.Clone(renewal)
		delete(table, key)
		_, err := rollTargets(objs, table)
		if err == nil || !strings.Contains(err.Error(), "no way for a renewed certificate") || !strings.Contains(err.Error(), strings.Split(key, "/")[1]) {
			t.Errorf("without renewal[%s]: err %v", key, err)
		}
	}
}

// TestCertRollerLeastPrivilege: the roller may get and patch the
// Deployments it rolls, nothing else; it sees no private key.
func TestCertRollerLeastPrivilege(t *testing.T) {
	in := renewalInputs()["openvpn-tunneling"]
	objs := render(t, in)
	dep, roll := rollerOf(t, objs)
	role := find[*rbacv1.Role](objs, "Role", appCertRoller)
	var names []string
	for d := range roll {
		names = append(names, d)
	}
	slices.Sort(names)
	if !slices.Equal(names, []string{appAPIServer, appDNSResolver, appOpenVPN}) {
		t.Errorf("rolled Deployments %v", names)
	}
	if len(role.Rules) != 1 || !slices.Equal(role.Rules[0].APIGroups, []string{"apps"}) || !slices.Equal(role.Rules[0].Resources, []string{"deployments"}) ||
		!slices.Equal(role.Rules[0].Verbs, []string{"get", "patch"}) || !slices.Equal(role.Rules[0].ResourceNames, names) {
		t.Errorf("Role rules %+v", role.Rules)
	}
	rb := find[*rbacv1.RoleBinding](objs, "RoleBinding", appCertRoller)
	if rb.RoleRef.Kind != "Role" || rb.RoleRef.Name != appCertRoller || len(rb.Subjects) != 1 || rb.Subjects[0].Name != dep.Spec.Template.Spec.ServiceAccountName {
		t.Errorf("RoleBinding %+v", rb)
	}
	for _, v := range dep.Spec.Template.Spec.Volumes {
		if v.Secret != nil {
			t.Errorf("volume %s mounts a whole Secret", v.Name)
		}
	}
}

// TestCertRollerScript runs the roller's script against a fake kubectl:
// the first hash it sees is recorded on the Deployment without rolling
// it; a renewed certificate then patches the pod template too.
func TestCertRollerScript(t *testing.T) {
	dir := t.TempDir()
	certs := filepath.Join(dir, "certs")
	state := filepath.Join(dir, "seen")
	calls := filepath.Join(dir, "calls")
	write := func(p, s string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(s), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(certs, "tls-a", keyCert), "A1")
	write(state, "")
	// kubectl get prints the recorded hash; kubectl patch records it and
	// the patch; sleep ends the loop after one round.
	write(filepath.Join(dir, "bin", "kubectl"), `#!/bin/sh
case "$1" in
get) cat "$STATE" ;;
patch) echo "$@" >>"$CALLS"; for a; do last="$a"; done; echo "$last" | sed 's/.*"fleetc.io\/certificates":"\([0-9a-f]*\)".*/\1/' >"$STATE" ;;
esac
`)
	write(filepath.Join(dir, "bin", "sleep"), "#!/bin/sh\nexit 1\n")
	run := func() {
		t.Helper()
		sh, err := exec.LookPath("sh")
		if err != nil {
			t.Fatal(err)
		}
		script := strings.Replace(certRollerScript, `sleep "$PERIOD"`, `sleep "$PERIOD" || exit 0`, 1)
		cmd := exec.Command(sh, "-c", script)
		cmd.Env = []string{
			"PATH=" + filepath.Join(dir, "bin") + ":" + os.Getenv("PATH"), "ROLL=apiserver=tls-a", "CERT_DIR=" + certs,
			"NAMESPACE=cluster-x", "ANNOTATION=" + AnnotationCertificates, "PERIOD=1", "STATE=" + state, "CALLS=" + calls,
		}
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("script: %v\n%s", err, out)
		}
	}
	patches := func() []string {
		data, _ := os.ReadFile(calls)
		return strings.Split(strings.TrimSpace(string(data)), "\n")
	}
	run()
	if p := patches(); len(p) != 1 || strings.Contains(p[0], "template") || !strings.Contains(p[0], "deployment apiserver --namespace cluster-x") {
		t.Fatalf("first sight: patches %q, want the Deployment's annotation only", p)
	}
	run()
	if p := patches(); len(p) != 1 {
		t.Fatalf("unchanged certificate: patches %q, want none more", p)
	}
	write(filepath.Join(certs, "tls-a", keyCert), "A2")
	run()
	if p := patches(); len(p) != 2 || !strings.Contains(p[1], `"template":{"metadata":{"annotations":{"fleetc.io/certificates"`) {
		t.Fatalf("renewed certificate: patches %q, want the pod template rolled", p)
	}
}
