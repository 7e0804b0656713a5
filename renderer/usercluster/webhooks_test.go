package usercluster_test

import (
	"slices"
	"testing"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	rbacv1 "k8s.io/api/rbac/v1"

	"github.com/fleetc/fleetc/renderer/model"
	"github.com/fleetc/fleetc/renderer/object"
)

// TestWebhookRegistrations: machine-controller's and OSM's webhooks are
// registered by URL at their Services in the cluster's namespace on the
// seed, fail closed, and carry no caBundle (the apiserver trusts the
// cluster CA as a system root).
func TestWebhookRegistrations(t *testing.T) {
	objs := render(t, input(model.ExposeTunneling, aws))
	const base = "https://machine-controller-webhook.cluster-shop.svc.cluster.local."
	const osm = "https://operating-system-manager-webhook.cluster-shop.svc.cluster.local."
	type hook struct {
		url, resource string
		cc            admissionregistrationv1.WebhookClientConfig
		fail          *admissionregistrationv1.FailurePolicyType
		ops           []admissionregistrationv1.OperationType
		group         []string
	}
	var got []hook
	for _, o := range objs {
		switch w := o.(type) {
		case *admissionregistrationv1.MutatingWebhookConfiguration:
			for _, h := range w.Webhooks {
				got = append(got, hook{*h.ClientConfig.URL, h.Rules[0].Resources[0], h.ClientConfig, h.FailurePolicy, h.Rules[0].Operations, h.Rules[0].APIGroups})
			}
		case *admissionregistrationv1.ValidatingWebhookConfiguration:
			for _, h := range w.Webhooks {
				got = append(got, hook{*h.ClientConfig.URL, h.Rules[0].Resources[0], h.ClientConfig, h.FailurePolicy, h.Rules[0].Operations, h.Rules[0].APIGroups})
			}
		}
	}
	want := map[string]string{
		base + "/machinedeployments":               "machinedeployments",
		base + "/machines":                         "machines",
		osm + "/mutate-v1alpha1-machinedeployment": "machinedeployments",
		osm + "/operatingsystemprofile":            "operatingsystemprofiles",
		osm + "/operatingsystemconfig":             "operatingsystemconfigs",
	}
	if len(got) != len(want) {
		t.Fatalf("%d webhooks, want %d: %+v", len(got), len(want), got)
	}
	for _, h := range got {
		if want[h.url] != h.resource {
			t.Errorf("webhook %s for %s, want %q", h.url, h.resource, want[h.url])
		}
		if len(h.cc.CABundle) != 0 || h.cc.Service != nil {
			t.Errorf("%s: clientConfig %+v: want a URL and no caBundle", h.url, h.cc)
		}
		if h.fail == nil || *h.fail != admissionregistrationv1.Fail {
			t.Errorf("%s: failurePolicy %v, want Fail", h.url, h.fail)
		}
		if !slices.Equal(h.ops, []admissionregistrationv1.OperationType{admissionregistrationv1.Create, admissionregistrationv1.Update}) {
			t.Errorf("%s: operations %v", h.url, h.ops)
		}
	}
	for _, kind := range []string{"MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"} {
		if !has(objs, kind, "operating-system-manager.kubermatic.io") {
			t.Errorf("no %s operating-system-manager.kubermatic.io", kind)
		}
	}
	// Nothing to call without machine-controller.
	for _, in := range []func() []object.Object{
		func() []object.Object {
			i := input(model.ExposeTunneling, aws)
			i.Cluster.NodePools = nil
			return render(t, i)
		},
		func() []object.Object {
			return render(t, input(model.ExposeTunneling, model.Provider{BringYourOwn: &model.BringYourOwn{}}))
		},
	} {
		for _, o := range in() {
			if k := object.Kind(o); k == "MutatingWebhookConfiguration" || k == "ValidatingWebhookConfiguration" {
				t.Errorf("%s %s without machine-controller", k, o.GetName())
			}
		}
	}
}

// TestCloudControllerManagerRBAC: the CCM's identity is bound where a CCM
// runs, and nowhere else.
func TestCloudControllerManagerRBAC(t *testing.T) {
	for _, tc := range []struct {
		p    model.Provider
		want bool
	}{
		{aws, true},
		{model.Provider{Hetzner: &model.Hetzner{Datacenter: "fsn1-dc14"}}, true},
		{model.Provider{DigitalOcean: &model.DigitalOcean{Region: "fra1"}}, true},
		{model.Provider{OpenStack: &model.OpenStack{AuthURL: "https://k.example.com", Region: "r", Images: map[string]string{"flatcar": "f", "ubuntu": "u"}}}, true},
		{model.Provider{GCP: &model.GCP{Region: "europe-west3"}}, true},
		{model.Provider{BringYourOwn: &model.BringYourOwn{}}, false},
	} {
		objs := render(t, input(model.ExposeTunneling, tc.p))
		var crb *rbacv1.ClusterRoleBinding
		for _, o := range objs {
			if b, ok := o.(*rbacv1.ClusterRoleBinding); ok && b.Name == "cloud-controller-manager" {
				crb = b
			}
		}
		if (crb != nil) != tc.want {
			t.Fatalf("%s: binding rendered = %v, want %v", tc.p.Name(), crb != nil, tc.want)
		}
		if crb != nil && (crb.RoleRef.Name != "cluster-admin" || len(crb.Subjects) != 1 ||
			crb.Subjects[0] != (rbacv1.Subject{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: "system:cloud-controller-manager"})) {
			t.Errorf("%s: %+v", tc.p.Name(), crb)
		}
	}
}
