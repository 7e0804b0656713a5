package master

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/fleetc/fleetc/renderer/master/kkpv1"
	"github.com/fleetc/fleetc/renderer/model"
	"github.com/fleetc/fleetc/renderer/object"
)

// UserName is the object name of the User with the given e-mail: the
// lower-case hex SHA-256 of the e-mail, exactly as Kubermatic's API names
// the Users it creates on first login (64 characters). Matching it means a
// user who logged in before fleetc managed the inventory is adopted instead
// of duplicated (Kubermatic rejects a second User with the same e-mail).
func UserName(email string) string {
	sum := sha256.Sum256([]byte(email))
	return hex.EncodeToString(sum[:])
}

// BindingName is the object name of the UserProjectBinding of a user in a
// project with a role: "<project>-<role>-<UserName(email)>". With a project
// name of at most 63 characters it is at most 63+1+7+1+64 = 136 characters,
// a valid DNS-1123 subdomain.
func BindingName(project string, role model.Role, email string) string {
	return project + "-" + string(role) + "-" + UserName(email)
}

// Group is the Kubermatic group of a role in a project, "<role>-<project>".
func Group(role model.Role, project string) string {
	return string(role) + "-" + project
}

// KubeconfigSecretName is the Secret (namespace kubermatic) that holds a
// seed's kubeconfig. fleetc references it by name only; it is created out
// of band.
func KubeconfigSecretName(seed string) string { return "kubeconfig-" + seed }

func inventory(cfg *model.Config) ([]object.Object, error) {
	var objs []object.Object
	users := make(map[string]bool, len(cfg.Users))
	for _, u := range cfg.Users {
		if u.Email == "" {
			return nil, fmt.Errorf("user with empty e-mail")
		}
		if users[u.Email] {
			return nil, fmt.Errorf("user %q: listed twice", u.Email)
		}
		users[u.Email] = true
		objs = append(objs, kkpv1.NewUser(meta(UserName(u.Email), ""), kkpv1.UserSpec{
			Name:    u.Name,
			Email:   u.Email,
			IsAdmin: u.Admin,
		}))
	}

	projects := make(map[string]bool, len(cfg.Projects))
	for i := range cfg.Projects {
		p := &cfg.Projects[i]
		if projects[p.Name] {
			return nil, fmt.Errorf("project %q: listed twice", p.Name)
		}
		projects[p.Name] = true
		display := p.DisplayName
		if display == "" {
			display = p.Name
		}
		objs = append(objs, kkpv1.NewProject(meta(p.Name, ""), kkpv1.ProjectSpec{Name: display}))

		seen := map[string]bool{}
		for _, m := range p.Members() {
			if !users[m.Email] {
				return nil, fmt.Errorf("project %q: %s %q is not a user", p.Name, m.Role, m.Email)
			}
			name := BindingName(p.Name, m.Role, m.Email)
			if seen[name] { // the same e-mail twice in one role: one binding
				continue
			}
			seen[name] = true
			objs = append(objs, kkpv1.NewUserProjectBinding(meta(name, ""), kkpv1.UserProjectBindingSpec{
				UserEmail: m.Email,
				ProjectID: p.Name,
				Group:     Group(m.Role, p.Name),
			}))
		}
	}

	// Clusters per SSH key, from the clusters that list the key.
	keyClusters := map[string][]string{}
	for _, c := range cfg.Clusters {
		for _, k := range c.SSHKeys {
			keyClusters[k] = append(keyClusters[k], c.Name)
		}
	}
	keys := make(map[string]bool, len(cfg.SSHKeys))
	for _, k := range cfg.SSHKeys {
		if keys[k.Name] {
			return nil, fmt.Errorf("ssh key %q: listed twice", k.Name)
		}
		keys[k.Name] = true
		if !projects[k.Project] {
			return nil, fmt.Errorf("ssh key %q: project %q does not exist", k.Name, k.Project)
		}
		clusters := slices.Clone(keyClusters[k.Name])
		slices.Sort(clusters)
		clusters = slices.Compact(clusters)
		if clusters == nil {
			clusters = []string{} // required by the CRD: never null
		}
		objs = append(objs, kkpv1.NewUserSSHKey(meta(k.Name, ""), kkpv1.SSHKeySpec{
			Name:        k.Name,
			Project:     k.Project,
			Clusters:    clusters,
			PublicKey:   k.PublicKey,
			Fingerprint: k.Fingerprint,
		}))
	}
	for _, name := range model.SortedKeys(keyClusters) {
		if !keys[name] {
			return nil, fmt.Errorf("cluster %q: ssh key %q does not exist", keyClusters[name][0], name)
		}
	}

	for i := range cfg.Seeds {
		s, err := seed(&cfg.Seeds[i])
		if err != nil {
			return nil, err
		}
		objs = append(objs, s)
	}
	return objs, nil
}

func seed(s *model.Seed) (*kkpv1.Seed, error) {
	dcs := s.Datacenters
	if dcs == nil && s.DCMap != nil { // tolerate a model whose loader did not fill Datacenters
		for _, name := range model.SortedKeys(s.DCMap) {
			d := s.DCMap[name]
			d.Name = name
			dcs = append(dcs, d)
		}
	}
	out := make(map[string]kkpv1.Datacenter, len(dcs))
	for i := range dcs {
		d := &dcs[i]
		if _, dup := out[d.Name]; dup {
			return nil, fmt.Errorf("seed %q: datacenter %q listed twice", s.Name, d.Name)
		}
		spec, err := datacenterSpec(d.Provider)
		if err != nil {
			return nil, fmt.Errorf("seed %q: datacenter %q: %w", s.Name, d.Name, err)
		}
		out[d.Name] = kkpv1.Datacenter{Country: d.Country, Location: d.Location, Spec: spec}
	}
	switch s.Expose {
	case "", kkpv1.ExposeStrategyNodePort, kkpv1.ExposeStrategyLoadBalancer, kkpv1.ExposeStrategyTunneling:
	default:
		return nil, fmt.Errorf("seed %q: unknown expose strategy %q", s.Name, s.Expose)
	}
	return kkpv1.NewSeed(meta(s.Name, Namespace), kkpv1.SeedSpec{
		Country:  s.Country,
		Location: s.Location,
		Kubeconfig: corev1.ObjectReference{
			Name:      KubeconfigSecretName(s.Name),
			Namespace: Namespace,
		},
		Datacenters:    out,
		ExposeStrategy: s.Expose,
	}), nil
}

// datacenterSpec maps fleetc's provider block to Kubermatic's. Fields that
// Kubermatic's CRD requires but fleetc's schema does not have yet are
// rendered empty (see package kkpv1).
func datacenterSpec(p model.Provider) (kkpv1.DatacenterSpec, error) {
	var spec kkpv1.DatacenterSpec
	n := 0
	if p.AWS != nil {
		n++
		spec.AWS = &kkpv1.DatacenterSpecAWS{Region: p.AWS.Region}
	}
	if p.GCP != nil {
		n++
		spec.GCP = &kkpv1.DatacenterSpecGCP{Region: p.GCP.Region, ZoneSuffixes: nonNil(p.GCP.ZoneSuffixes)}
	}
	if p.DigitalOcean != nil {
		n++
		spec.Digitalocean = &kkpv1.DatacenterSpecDigitalocean{Region: p.DigitalOcean.Region}
	}
	if p.Hetzner != nil {
		n++
		spec.Hetzner = &kkpv1.DatacenterSpecHetzner{Datacenter: p.Hetzner.Datacenter, Network: p.Hetzner.Network}
	}
	if p.OpenStack != nil {
		n++
		spec.Openstack = &kkpv1.DatacenterSpecOpenstack{
			AuthURL: p.OpenStack.AuthURL,
			Region:  p.OpenStack.Region,
			Images:  nonNilMap(p.OpenStack.Images),
		}
	}
	if p.VSphere != nil {
		n++
		spec.VSphere = &kkpv1.DatacenterSpecVSphere{
			Endpoint:   p.VSphere.Endpoint,
			Datacenter: p.VSphere.Datacenter,
			Cluster:    p.VSphere.Cluster,
			Datastore:  p.VSphere.Datastore,
			Templates:  nonNilMap(p.VSphere.Templates),
		}
	}
	if p.Azure != nil {
		n++
		spec.Azure = &kkpv1.DatacenterSpecAzure{Location: p.Azure.Location}
	}
	if p.BringYourOwn != nil {
		n++
		spec.BringYourOwn = &kkpv1.DatacenterSpecBringYourOwn{}
	}
	if n != 1 {
		return spec, fmt.Errorf("exactly one provider must be set, found %d", n)
	}
	return spec, nil
}

// meta returns ObjectMeta with fleetc's managed-by label.
func meta(name, namespace string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Name: name, Namespace: namespace, Labels: map[string]string{LabelManagedBy: ManagedBy}}
}

// nonNil and nonNilMap keep fields the CRD requires as [] and {}, never null.
func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func nonNilMap(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}
