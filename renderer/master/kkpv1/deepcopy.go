package kkpv1

import (
	"maps"
	"slices"

	"k8s.io/apimachinery/pkg/runtime"
)

// Hand-written deep copies, in the shape deepcopy-gen would produce.
// Every field of every spec is covered; deepcopy_test.go checks that a copy
// is equal to its original and shares no memory with it.

func (in *User) DeepCopyInto(out *User) {
	*out = *in
	in.ObjectMeta.DeepCopyInto(&out.ObjectMeta)
	out.Spec = in.Spec
}

func (in *User) DeepCopy() *User {
	if in == nil {
		return nil
	}
	out := new(User)
	in.DeepCopyInto(out)
	return out
}

func (in *User) DeepCopyObject() runtime.Object { return nilSafe(in.DeepCopy()) }

func (in *Project) DeepCopyInto(out *Project) {
	*out = *in
	in.ObjectMeta.DeepCopyInto(&out.ObjectMeta)
	out.Spec = in.Spec
}

func (in *Project) DeepCopy() *Project {
	if in == nil {
		return nil
	}
	out := new(Project)
	in.DeepCopyInto(out)
	return out
}

func (in *Project) DeepCopyObject() runtime.Object { return nilSafe(in.DeepCopy()) }

func (in *UserProjectBinding) DeepCopyInto(out *UserProjectBinding) {
	*out = *in
	in.ObjectMeta.DeepCopyInto(&out.ObjectMeta)
	out.Spec = in.Spec
}

func (in *UserProjectBinding) DeepCopy() *UserProjectBinding {
	if in == nil {
		return nil
	}
	out := new(UserProjectBinding)
	in.DeepCopyInto(out)
	return out
}

func (in *UserProjectBinding) DeepCopyObject() runtime.Object { return nilSafe(in.DeepCopy()) }

func (in *UserSSHKey) DeepCopyInto(out *UserSSHKey) {
	*out = *in
	in.ObjectMeta.DeepCopyInto(&out.ObjectMeta)
	in.Spec.DeepCopyInto(&out.Spec)
}

func (in *UserSSHKey) DeepCopy() *UserSSHKey {
	if in == nil {
		return nil
	}
	out := new(UserSSHKey)
	in.DeepCopyInto(out)
	return out
}

func (in *UserSSHKey) DeepCopyObject() runtime.Object { return nilSafe(in.DeepCopy()) }

func (in *SSHKeySpec) DeepCopyInto(out *SSHKeySpec) {
	*out = *in
	out.Clusters = slices.Clone(in.Clusters)
}

func (in *Seed) DeepCopyInto(out *Seed) {
	*out = *in
	in.ObjectMeta.DeepCopyInto(&out.ObjectMeta)
	in.Spec.DeepCopyInto(&out.Spec)
}

func (in *Seed) DeepCopy() *Seed {
	if in == nil {
		return nil
	}
	out := new(Seed)
	in.DeepCopyInto(out)
	return out
}

func (in *Seed) DeepCopyObject() runtime.Object { return nilSafe(in.DeepCopy()) }

func (in *SeedSpec) DeepCopyInto(out *SeedSpec) {
	*out = *in
	if in.Datacenters != nil {
		out.Datacenters = make(map[string]Datacenter, len(in.Datacenters))
		for k, v := range in.Datacenters {
			var c Datacenter
			v.DeepCopyInto(&c)
			out.Datacenters[k] = c
		}
	}
}

func (in *Datacenter) DeepCopyInto(out *Datacenter) {
	*out = *in
	in.Spec.DeepCopyInto(&out.Spec)
}

func (in *DatacenterSpec) DeepCopyInto(out *DatacenterSpec) {
	*out = DatacenterSpec{
		AWS:          clonePtr(in.AWS),
		Digitalocean: clonePtr(in.Digitalocean),
		Azure:        clonePtr(in.Azure),
		BringYourOwn: clonePtr(in.BringYourOwn),
	}
	if in.GCP != nil {
		out.GCP = &DatacenterSpecGCP{Region: in.GCP.Region, ZoneSuffixes: slices.Clone(in.GCP.ZoneSuffixes)}
	}
	if in.Hetzner != nil {
		h := *in.Hetzner
		out.Hetzner = &h
	}
	if in.Openstack != nil {
		o := *in.Openstack
		o.Images = maps.Clone(in.Openstack.Images)
		out.Openstack = &o
	}
	if in.VSphere != nil {
		v := *in.VSphere
		v.Templates = maps.Clone(in.VSphere.Templates)
		out.VSphere = &v
	}
}

// clonePtr copies a pointer to a struct without reference fields.
func clonePtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	c := *p
	return &c
}

// nilSafe returns a typed nil pointer as an untyped nil runtime.Object, as
// deepcopy-gen does.
func nilSafe[T any, P interface {
	*T
	runtime.Object
}](p P) runtime.Object {
	if p == nil {
		return nil
	}
	return p
}

func (in *Cluster) DeepCopyInto(out *Cluster) {
	*out = *in
	in.ObjectMeta.DeepCopyInto(&out.ObjectMeta)
	in.Spec.DeepCopyInto(&out.Spec)
}

func (in *Cluster) DeepCopy() *Cluster {
	if in == nil {
		return nil
	}
	out := new(Cluster)
	in.DeepCopyInto(out)
	return out
}

func (in *Cluster) DeepCopyObject() runtime.Object { return nilSafe(in.DeepCopy()) }

func (in *ClusterSpec) DeepCopyInto(out *ClusterSpec) {
	*out = *in
	out.Cloud.AWS = clonePtr(in.Cloud.AWS)
	out.Cloud.GCP = clonePtr(in.Cloud.GCP)
	out.Cloud.Digitalocean = clonePtr(in.Cloud.Digitalocean)
	out.Cloud.Hetzner = clonePtr(in.Cloud.Hetzner)
	out.Cloud.Openstack = clonePtr(in.Cloud.Openstack)
	out.Cloud.VSphere = clonePtr(in.Cloud.VSphere)
	out.Cloud.Azure = clonePtr(in.Cloud.Azure)
	out.Cloud.BringYourOwn = clonePtr(in.Cloud.BringYourOwn)
	out.ClusterNetwork.Pods.CIDRBlocks = slices.Clone(in.ClusterNetwork.Pods.CIDRBlocks)
	out.ClusterNetwork.Services.CIDRBlocks = slices.Clone(in.ClusterNetwork.Services.CIDRBlocks)
	out.ComponentsOverride.Apiserver.Replicas = clonePtr(in.ComponentsOverride.Apiserver.Replicas)
	out.ComponentsOverride.Etcd.ClusterSize = clonePtr(in.ComponentsOverride.Etcd.ClusterSize)
}

func (in *KubermaticConfiguration) DeepCopyInto(out *KubermaticConfiguration) {
	*out = *in
	in.ObjectMeta.DeepCopyInto(&out.ObjectMeta)
	out.Spec.CABundle.APIGroup = clonePtr(in.Spec.CABundle.APIGroup)
	if in.Spec.Ingress.CertificateIssuer != nil {
		ci := *in.Spec.Ingress.CertificateIssuer
		ci.APIGroup = clonePtr(ci.APIGroup)
		out.Spec.Ingress.CertificateIssuer = &ci
	}
	out.Spec.UserCluster = clonePtr(in.Spec.UserCluster)
}

func (in *KubermaticConfiguration) DeepCopy() *KubermaticConfiguration {
	if in == nil {
		return nil
	}
	out := new(KubermaticConfiguration)
	in.DeepCopyInto(out)
	return out
}

func (in *KubermaticConfiguration) DeepCopyObject() runtime.Object { return nilSafe(in.DeepCopy()) }
