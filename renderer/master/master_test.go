package master

import (
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	sigsjson "sigs.k8s.io/json"

	"github.com/fleetc/fleetc/catalog"
	"github.com/fleetc/fleetc/renderer/master/kkpv1"
	"github.com/fleetc/fleetc/renderer/model"
	"github.com/fleetc/fleetc/renderer/object"
)

const (
	alice = "alice@example.com"
	bob   = "bob@example.com"
)

var testImages = catalog.Images{
	KubermaticAPI:               "quay.io/kubermatic/dashboard:v2.31.0",
	KubermaticControllerManager: "quay.io/kubermatic/kubermatic:v2.31.0",
	KubermaticDashboard:         "quay.io/kubermatic/dashboard:v2.31.0",

	KubermaticAPIEE:               "quay.io/kubermatic/dashboard-ee:v2.31.0",
	KubermaticControllerManagerEE: "quay.io/kubermatic/kubermatic-ee:v2.31.0",
	KubermaticDashboardEE:         "quay.io/kubermatic/dashboard-ee:v2.31.0",
}

// testConfig is a small validated configuration: 2 users, 2 projects using
// all three roles, 1 SSH key used by two of three clusters, 2 seeds whose
// datacenters use all eight providers.
func testConfig() *model.Config {
	dc := func(name, seed, country string, p model.Provider) model.Datacenter {
		return model.Datacenter{Name: name, Seed: seed, Location: "loc " + name, Country: country, Provider: p}
	}
	return &model.Config{
		Master: model.Master{
			Domain:  "kkp.example.com",
			GitOps:  model.GitOps{URL: "https://git.example.com/fleet/rendered.git", Branch: "main", Path: "rendered", Interval: "5m"},
			Ingress: model.Ingress{ClassName: "nginx", CertificateIssuer: "letsencrypt-prod"},
		},
		Users: []model.User{
			{Email: alice, Name: "Alice", Admin: true},
			{Email: bob, Name: "Bob"},
		},
		Projects: []model.Project{
			{Name: "alpha", DisplayName: "Alpha Team", Owners: []string{alice}, Editors: []string{bob}},
			{Name: "beta", Owners: []string{bob, alice}, Viewers: []string{alice, alice}},
		},
		SSHKeys: []model.SSHKey{{
			Name: "ops", Owner: alice, Project: "alpha",
			PublicKey:   "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMq2Ckf2dZl8F0Xb7v3d7ZQz2VJx6Lr2WJkzW7p2WvZk ops@example.com",
			Fingerprint: "3a:6f:0e:4b:8e:2c:1d:9a:55:77:aa:bb:cc:dd:ee:ff",
		}},
		Seeds: []model.Seed{
			{
				Name: "eu", Location: "Frankfurt", Country: "DE", Expose: "Tunneling", NodePortRange: "30000-32767",
				Datacenters: []model.Datacenter{
					dc("aws-fra", "eu", "DE", model.Provider{AWS: &model.AWS{Region: "eu-central-1"}}),
					dc("byo-fra", "eu", "DE", model.Provider{BringYourOwn: &model.BringYourOwn{}}),
					dc("hetzner-nbg", "eu", "DE", model.Provider{Hetzner: &model.Hetzner{Datacenter: "nbg1-dc3"}}),
					dc("os-ham", "eu", "DE", model.Provider{OpenStack: &model.OpenStack{AuthURL: "https://keystone.example.com:5000/v3", Region: "ham1"}}),
				},
			},
			{
				Name: "us", Location: "Virginia", Country: "US", Expose: "LoadBalancer", NodePortRange: "30000-32767",
				Datacenters: []model.Datacenter{
					dc("azure-east", "us", "US", model.Provider{Azure: &model.Azure{Location: "eastus"}}),
					dc("do-nyc", "us", "US", model.Provider{DigitalOcean: &model.DigitalOcean{Region: "nyc3"}}),
					dc("gcp-east", "us", "US", model.Provider{GCP: &model.GCP{Region: "us-east1"}}),
					dc("vsphere-dc1", "us", "US", model.Provider{VSphere: &model.VSphere{Endpoint: "https://vcenter.example.com", Datacenter: "dc1", Cluster: "cl1"}}),
				},
			},
		},
		Clusters: []model.Cluster{
			{Name: "c1", Project: "alpha", Datacenter: "aws-fra", SSHKeys: []string{"ops"}, Resolved: model.Resolved{Seed: "eu"}},
			{Name: "c2", Project: "beta", Datacenter: "gcp-east", Resolved: model.Resolved{Seed: "us"}},
			{Name: "c0", Project: "alpha", Datacenter: "do-nyc", SSHKeys: []string{"ops"}, Resolved: model.Resolved{Seed: "us"}},
		},
	}
}

func render(t *testing.T, cfg *model.Config) []object.Object {
	t.Helper()
	objs, err := Objects(Input{Config: cfg, Images: testImages})
	if err != nil {
		t.Fatalf("Objects: %v", err)
	}
	return objs
}

func byKind[T object.Object](objs []object.Object) []T {
	var out []T
	for _, o := range objs {
		if t, ok := o.(T); ok {
			out = append(out, t)
		}
	}
	return out
}

func find[T object.Object](t *testing.T, objs []object.Object, name string) T {
	t.Helper()
	for _, o := range byKind[T](objs) {
		if o.GetName() == name {
			return o
		}
	}
	var zero T
	t.Fatalf("no %T named %q", zero, name)
	return zero
}

func TestCounts(t *testing.T) {
	objs := render(t, testConfig())
	got := map[string]int{}
	for _, o := range objs {
		got[object.Kind(o)]++
	}
	want := map[string]int{
		"Namespace":           1,
		"ServiceAccount":      3,
		"ClusterRole":         1,
		"ClusterRoleBinding":  2,
		"Role":                1,
		"RoleBinding":         1,
		"Deployment":          3,
		"Service":             2,
		"PodDisruptionBudget": 2,
		"User":                2,
		"Project":             2,
		"UserProjectBinding":  5, // alpha: owner, editor; beta: 2 owners, 1 viewer (listed twice)
		"UserSSHKey":          1,
		"Seed":                2,
		// ca-bundle, ui-config; the KubermaticConfiguration; the Ingress
		// of master.domain and its Certificate.
		"ConfigMap":               2,
		"KubermaticConfiguration": 1,
		"Ingress":                 1,
		"Certificate":             1,
		// Refuses Kubermatic's operator.
		"ValidatingAdmissionPolicy":        1,
		"ValidatingAdmissionPolicyBinding": 1,
	}
	for kind, n := range want {
		if got[kind] != n {
			t.Errorf("%s: %d objects, want %d", kind, got[kind], n)
		}
	}
	for kind := range got {
		if _, ok := want[kind]; !ok {
			t.Errorf("unexpected kind %s", kind)
		}
	}
}

func TestObjectsAreTypedAndLabelled(t *testing.T) {
	for _, o := range render(t, testConfig()) {
		id := object.Kind(o) + " " + o.GetNamespace() + "/" + o.GetName()
		if object.Kind(o) == "" || object.APIVersion(o) == "" {
			t.Errorf("%s: TypeMeta not set", id)
		}
		if o.GetLabels()[LabelManagedBy] != ManagedBy {
			t.Errorf("%s: labels %v lack %s=%s", id, o.GetLabels(), LabelManagedBy, ManagedBy)
		}
		if errs := validation.IsDNS1123Subdomain(o.GetName()); len(errs) > 0 {
			t.Errorf("%s: name: %v", id, errs)
		}
		if _, ok := o.(*corev1.Secret); ok {
			t.Errorf("%s: Secrets must never be rendered", id)
		}
	}
}

func TestUsers(t *testing.T) {
	objs := render(t, testConfig())
	tests := []struct {
		email, name string
		admin       bool
	}{
		{alice, "Alice", true},
		{bob, "Bob", false},
	}
	for _, tt := range tests {
		t.Run(tt.email, func(t *testing.T) {
			u := find[*kkpv1.User](t, objs, UserName(tt.email))
			want := kkpv1.UserSpec{Name: tt.name, Email: tt.email, IsAdmin: tt.admin}
			if u.Spec != want {
				t.Errorf("spec = %+v, want %+v", u.Spec, want)
			}
			if u.Namespace != "" {
				t.Errorf("User is cluster-scoped, got namespace %q", u.Namespace)
			}
		})
	}
	// Kubermatic's own scheme: hex sha256 of the e-mail.
	if got, want := UserName("alice@example.com"), "ff8d9819fc0e12bf0d24892e45987e249a28dce836a85cad60e28eaaa8c6d976"; got != want {
		t.Errorf("UserName = %s, want %s", got, want)
	}
}

func TestProjects(t *testing.T) {
	objs := render(t, testConfig())
	for _, tt := range []struct{ name, display string }{{"alpha", "Alpha Team"}, {"beta", "beta"}} {
		if p := find[*kkpv1.Project](t, objs, tt.name); p.Spec.Name != tt.display {
			t.Errorf("project %s: spec.name = %q, want %q", tt.name, p.Spec.Name, tt.display)
		}
	}
}

func TestBindings(t *testing.T) {
	objs := render(t, testConfig())
	want := []kkpv1.UserProjectBindingSpec{
		{UserEmail: alice, ProjectID: "alpha", Group: "owners-alpha"},
		{UserEmail: bob, ProjectID: "alpha", Group: "editors-alpha"},
		{UserEmail: bob, ProjectID: "beta", Group: "owners-beta"},
		{UserEmail: alice, ProjectID: "beta", Group: "owners-beta"},
		{UserEmail: alice, ProjectID: "beta", Group: "viewers-beta"},
	}
	got := byKind[*kkpv1.UserProjectBinding](objs)
	if len(got) != len(want) {
		t.Fatalf("%d bindings, want %d", len(got), len(want))
	}
	for _, w := range want {
		role := model.Role(strings.TrimSuffix(w.Group, "-"+w.ProjectID))
		name := BindingName(w.ProjectID, role, w.UserEmail)
		b := find[*kkpv1.UserProjectBinding](t, objs, name)
		if b.Spec != w {
			t.Errorf("%s: spec = %+v, want %+v", name, b.Spec, w)
		}
		if !strings.HasPrefix(name, w.ProjectID+"-"+string(role)+"-") || len(name) > 253 {
			t.Errorf("binding name %q", name)
		}
	}
}

func TestSSHKeyClusters(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*model.Config)
		want   []string
	}{
		{"listed by two clusters", func(*model.Config) {}, []string{"c0", "c1"}},
		{"listed by none", func(c *model.Config) {
			for i := range c.Clusters {
				c.Clusters[i].SSHKeys = nil
			}
		}, []string{}},
		{"listed twice by one cluster", func(c *model.Config) {
			c.Clusters[1].SSHKeys = []string{"ops", "ops"}
		}, []string{"c0", "c1", "c2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := testConfig()
			tt.mutate(cfg)
			k := find[*kkpv1.UserSSHKey](t, render(t, cfg), "ops")
			if k.Spec.Clusters == nil || !slices.Equal(k.Spec.Clusters, tt.want) {
				t.Errorf("clusters = %#v, want %#v", k.Spec.Clusters, tt.want)
			}
			want := cfg.SSHKeys[0]
			if k.Spec.Name != "ops" || k.Spec.Project != want.Project || k.Spec.PublicKey != want.PublicKey || k.Spec.Fingerprint != want.Fingerprint {
				t.Errorf("spec = %+v", k.Spec)
			}
		})
	}
}

func TestSeeds(t *testing.T) {
	objs := render(t, testConfig())
	tests := []struct {
		seed, country, location, expose string
		dcs                             map[string]kkpv1.Datacenter
	}{
		{"eu", "DE", "Frankfurt", "Tunneling", map[string]kkpv1.Datacenter{
			"aws-fra":     {Country: "DE", Location: "loc aws-fra", Spec: kkpv1.DatacenterSpec{AWS: &kkpv1.DatacenterSpecAWS{Region: "eu-central-1"}}},
			"byo-fra":     {Country: "DE", Location: "loc byo-fra", Spec: kkpv1.DatacenterSpec{BringYourOwn: &kkpv1.DatacenterSpecBringYourOwn{}}},
			"hetzner-nbg": {Country: "DE", Location: "loc hetzner-nbg", Spec: kkpv1.DatacenterSpec{Hetzner: &kkpv1.DatacenterSpecHetzner{Datacenter: "nbg1-dc3"}}},
			"os-ham": {Country: "DE", Location: "loc os-ham", Spec: kkpv1.DatacenterSpec{Openstack: &kkpv1.DatacenterSpecOpenstack{
				AuthURL: "https://keystone.example.com:5000/v3", Region: "ham1", Images: map[string]string{},
			}}},
		}},
		{"us", "US", "Virginia", "LoadBalancer", map[string]kkpv1.Datacenter{
			"azure-east": {Country: "US", Location: "loc azure-east", Spec: kkpv1.DatacenterSpec{Azure: &kkpv1.DatacenterSpecAzure{Location: "eastus"}}},
			"do-nyc":     {Country: "US", Location: "loc do-nyc", Spec: kkpv1.DatacenterSpec{Digitalocean: &kkpv1.DatacenterSpecDigitalocean{Region: "nyc3"}}},
			"gcp-east":   {Country: "US", Location: "loc gcp-east", Spec: kkpv1.DatacenterSpec{GCP: &kkpv1.DatacenterSpecGCP{Region: "us-east1", ZoneSuffixes: []string{}}}},
			"vsphere-dc1": {Country: "US", Location: "loc vsphere-dc1", Spec: kkpv1.DatacenterSpec{VSphere: &kkpv1.DatacenterSpecVSphere{
				Endpoint: "https://vcenter.example.com", Datacenter: "dc1", Cluster: "cl1", Templates: map[string]string{},
			}}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.seed, func(t *testing.T) {
			s := find[*kkpv1.Seed](t, objs, tt.seed)
			if s.Namespace != Namespace {
				t.Errorf("namespace = %q, want %q", s.Namespace, Namespace)
			}
			if s.Spec.Country != tt.country || s.Spec.Location != tt.location || s.Spec.ExposeStrategy != tt.expose {
				t.Errorf("spec = %+v", s.Spec)
			}
			wantRef := corev1.ObjectReference{Name: "kubeconfig-" + tt.seed, Namespace: Namespace}
			if s.Spec.Kubeconfig != wantRef {
				t.Errorf("kubeconfig = %+v, want %+v", s.Spec.Kubeconfig, wantRef)
			}
			if !reflect.DeepEqual(s.Spec.Datacenters, tt.dcs) {
				g, _ := json.MarshalIndent(s.Spec.Datacenters, "", "  ")
				w, _ := json.MarshalIndent(tt.dcs, "", "  ")
				t.Errorf("datacenters:\n%s\nwant:\n%s", g, w)
			}
		})
	}
}

func TestComponents(t *testing.T) {
	cfg := testConfig()
	cfg.Master.Registry = "mirror.example.com"
	objs := render(t, cfg)
	tests := []struct {
		name     string
		replicas int32
		image    string
		args     []string // must be present
		scrape   string   // prometheus.io/port annotation, "" for none
	}{
		// Two seeds: Enterprise images.
		{APIName, 2, testImages.KubermaticAPIEE, []string{
			"-domain=kkp.example.com", "-oidc-url=https://kkp.example.com/dex", "-oidc-authenticator-client-id=kubermatic",
			"-namespace=kubermatic", "-overwrite-registry=mirror.example.com",
			"-service-account-signing-key=$(SERVICE_ACCOUNT_SIGNING_KEY)",
			"-ca-bundle=/opt/ca-bundle/ca-bundle.pem", "-expose-strategy=Tunneling",
		}, "8085"},
		{DashboardName, 2, testImages.KubermaticDashboardEE, nil, ""},
		{MasterControllerManagerName, 1, testImages.KubermaticControllerManagerEE, []string{"-namespace=kubermatic"}, "8085"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := find[*appsv1.Deployment](t, objs, tt.name)
			if d.Namespace != Namespace || *d.Spec.Replicas != tt.replicas {
				t.Errorf("namespace %q replicas %d", d.Namespace, *d.Spec.Replicas)
			}
			ps := d.Spec.Template.Spec
			if ps.ServiceAccountName != tt.name {
				t.Errorf("serviceAccountName = %q", ps.ServiceAccountName)
			}
			find[*corev1.ServiceAccount](t, objs, tt.name)
			if got := d.Spec.Template.Annotations["prometheus.io/port"]; got != tt.scrape {
				t.Errorf("prometheus.io/port = %q, want %q", got, tt.scrape)
			}
			if sc := ps.SecurityContext; sc == nil || !*sc.RunAsNonRoot || sc.SeccompProfile == nil || sc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
				t.Errorf("pod securityContext = %+v", sc)
			}
			if len(ps.Containers) != 1 {
				t.Fatalf("%d containers", len(ps.Containers))
			}
			c := ps.Containers[0]
			if c.Image != tt.image {
				t.Errorf("image = %q, want %q", c.Image, tt.image)
			}
			sc := c.SecurityContext
			if sc == nil || *sc.AllowPrivilegeEscalation || !*sc.ReadOnlyRootFilesystem || !*sc.RunAsNonRoot ||
				sc.SeccompProfile == nil || sc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
				t.Errorf("container securityContext = %+v", sc)
			}
			for _, r := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
				if c.Resources.Requests.Name(r, "").IsZero() || c.Resources.Limits.Name(r, "").IsZero() {
					t.Errorf("%s: missing request or limit", r)
				}
			}
			for _, a := range tt.args {
				if !slices.Contains(c.Args, a) {
					t.Errorf("args %q lack %q", c.Args, a)
				}
			}
			sel := d.Spec.Selector.MatchLabels
			for k, v := range sel {
				if d.Spec.Template.Labels[k] != v {
					t.Errorf("selector %v does not match template labels %v", sel, d.Spec.Template.Labels)
				}
			}
		})
	}
	// Secrets are referenced by name only.
	api := find[*appsv1.Deployment](t, objs, APIName).Spec.Template.Spec.Containers[0]
	if len(api.Env) != 1 || api.Env[0].ValueFrom == nil || api.Env[0].ValueFrom.SecretKeyRef.Name != APISecretName || api.Env[0].Value != "" {
		t.Errorf("api env = %+v", api.Env)
	}
	for _, s := range []string{APIName, DashboardName} {
		svc := find[*corev1.Service](t, objs, s)
		if !reflect.DeepEqual(svc.Spec.Selector, map[string]string{"app.kubernetes.io/name": s}) {
			t.Errorf("service %s selector = %v", s, svc.Spec.Selector)
		}
	}
}

func TestOIDCOverride(t *testing.T) {
	cfg := testConfig()
	cfg.Master.OIDC = &model.OIDC{IssuerURL: "https://sso.example.com/realms/kkp", ClientID: "kkp"}
	args := find[*appsv1.Deployment](t, render(t, cfg), APIName).Spec.Template.Spec.Containers[0].Args
	for _, a := range []string{"-oidc-url=https://sso.example.com/realms/kkp", "-oidc-authenticator-client-id=kkp"} {
		if !slices.Contains(args, a) {
			t.Errorf("args %q lack %q", args, a)
		}
	}
}

func TestErrors(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*model.Config, *catalog.Images)
		want   string
	}{
		{"no domain", func(c *model.Config, _ *catalog.Images) { c.Master.Domain = "" }, "domain"},
		{"no api image", func(_ *model.Config, i *catalog.Images) { i.KubermaticAPIEE = "" }, "KubermaticAPI"},
		{"no ce api image", func(c *model.Config, i *catalog.Images) { c.Master.Edition = model.EditionCE; i.KubermaticAPI = "" }, "KubermaticAPI"},
		{"no ingress class", func(c *model.Config, _ *catalog.Images) { c.Master.Ingress.ClassName = "" }, "className"},
		{"member not a user", func(c *model.Config, _ *catalog.Images) {
			c.Projects[0].Viewers = []string{"carol@example.com"}
		}, "carol@example.com"},
		{"key of unknown project", func(c *model.Config, _ *catalog.Images) { c.SSHKeys[0].Project = "gamma" }, "gamma"},
		{"cluster lists unknown key", func(c *model.Config, _ *catalog.Images) { c.Clusters[1].SSHKeys = []string{"nope"} }, "nope"},
		{"two providers", func(c *model.Config, _ *catalog.Images) {
			c.Seeds[0].Datacenters[0].Provider.GCP = &model.GCP{Region: "x"}
		}, "exactly one provider"},
		{"no provider", func(c *model.Config, _ *catalog.Images) {
			c.Seeds[0].Datacenters[0].Provider = model.Provider{}
		}, "exactly one provider"},
		{"bad expose", func(c *model.Config, _ *catalog.Images) { c.Seeds[0].Expose = "Ingress" }, "expose"},
		{"duplicate user", func(c *model.Config, _ *catalog.Images) { c.Users = append(c.Users, c.Users[0]) }, "twice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, imgs := testConfig(), testImages
			tt.mutate(cfg, &imgs)
			objs, err := Objects(Input{Config: cfg, Images: imgs})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want one mentioning %q", err, tt.want)
			}
			if objs != nil {
				t.Errorf("objects returned with an error")
			}
		})
	}
	if _, err := Objects(Input{}); err == nil {
		t.Error("nil config: no error")
	}
}

// TestStrictRoundTrip marshals every object and decodes it strictly (unknown,
// duplicate or case-mismatched fields are errors) into a new value of its own
// type; the result must marshal to the same bytes.
func TestStrictRoundTrip(t *testing.T) {
	for _, o := range render(t, testConfig()) {
		roundTrip(t, o)
	}
}

func roundTrip(t *testing.T, o object.Object) {
	t.Helper()
	id := object.Kind(o) + " " + o.GetNamespace() + "/" + o.GetName()
	b, err := json.Marshal(o)
	if err != nil {
		t.Fatalf("%s: %v", id, err)
	}
	fresh := reflect.New(reflect.TypeOf(o).Elem()).Interface()
	strict, err := sigsjson.UnmarshalStrict(b, fresh)
	if err != nil || len(strict) > 0 {
		t.Errorf("%s: strict decode: %v %v", id, err, strict)
		return
	}
	b2, err := json.Marshal(fresh)
	if err != nil {
		t.Fatalf("%s: %v", id, err)
	}
	if string(b) != string(b2) {
		t.Errorf("%s: round trip changed the object:\n%s\n%s", id, b, b2)
	}
}

func marshalAll(t *testing.T, objs []object.Object) string {
	t.Helper()
	var sb strings.Builder
	for _, o := range objs {
		b, err := json.Marshal(o)
		if err != nil {
			t.Fatal(err)
		}
		sb.Write(b)
		sb.WriteByte('\n')
	}
	return sb.String()
}

// TestDeterministic renders repeatedly, also from shuffled input slices, and
// requires the same bytes each time.
func TestDeterministic(t *testing.T) {
	want := marshalAll(t, render(t, testConfig()))
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 20 {
		cfg := testConfig()
		if i > 0 {
			r.Shuffle(len(cfg.Users), func(a, b int) { cfg.Users[a], cfg.Users[b] = cfg.Users[b], cfg.Users[a] })
			r.Shuffle(len(cfg.Projects), func(a, b int) { cfg.Projects[a], cfg.Projects[b] = cfg.Projects[b], cfg.Projects[a] })
			r.Shuffle(len(cfg.Seeds), func(a, b int) { cfg.Seeds[a], cfg.Seeds[b] = cfg.Seeds[b], cfg.Seeds[a] })
			r.Shuffle(len(cfg.Clusters), func(a, b int) { cfg.Clusters[a], cfg.Clusters[b] = cfg.Clusters[b], cfg.Clusters[a] })
			for j := range cfg.Seeds {
				dcs := cfg.Seeds[j].Datacenters
				r.Shuffle(len(dcs), func(a, b int) { dcs[a], dcs[b] = dcs[b], dcs[a] })
			}
		}
		if got := marshalAll(t, render(t, cfg)); got != want {
			t.Fatalf("render %d differs from the first", i)
		}
	}
}
