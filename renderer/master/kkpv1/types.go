package kkpv1

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// GroupName is Kubermatic's API group.
const GroupName = "kubermatic.k8c.io"

// SchemeGroupVersion is the group and version of every type in this package.
var SchemeGroupVersion = schema.GroupVersion{Group: GroupName, Version: "v1"}

// Kinds.
const (
	KindUser               = "User"
	KindProject            = "Project"
	KindUserProjectBinding = "UserProjectBinding"
	KindUserSSHKey         = "UserSSHKey"
	KindSeed               = "Seed"
	KindCluster            = "Cluster"

	KindKubermaticConfiguration = "KubermaticConfiguration"
)

var (
	schemeBuilder = runtime.NewSchemeBuilder(addKnownTypes)
	// AddToScheme registers the types of this package in a runtime.Scheme.
	AddToScheme = schemeBuilder.AddToScheme
)

func addKnownTypes(s *runtime.Scheme) error {
	s.AddKnownTypes(SchemeGroupVersion, &User{}, &Project{}, &UserProjectBinding{}, &UserSSHKey{}, &Seed{}, &Cluster{}, &KubermaticConfiguration{})
	metav1.AddToGroupVersion(s, SchemeGroupVersion)
	return nil
}

func typeMeta(kind string) metav1.TypeMeta {
	return metav1.TypeMeta{APIVersion: SchemeGroupVersion.String(), Kind: kind}
}

// User is a Kubermatic user (cluster-scoped).
type User struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec UserSpec `json:"spec"`
}

// UserSpec is the subset of Kubermatic's UserSpec that fleetc sets.
type UserSpec struct {
	// Name is the user's full name.
	Name string `json:"name"`
	// Email is globally unique and immutable.
	Email string `json:"email"`
	// IsAdmin makes the user a Kubermatic administrator.
	IsAdmin bool `json:"admin"`
}

// NewUser returns a User with its TypeMeta set.
func NewUser(meta metav1.ObjectMeta, spec UserSpec) *User {
	return &User{TypeMeta: typeMeta(KindUser), ObjectMeta: meta, Spec: spec}
}

// Project is a Kubermatic project (cluster-scoped); its object name is the
// project ID.
type Project struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec ProjectSpec `json:"spec"`
}

// ProjectSpec is the subset of Kubermatic's ProjectSpec that fleetc sets.
type ProjectSpec struct {
	// Name is the human-readable name of the project.
	Name string `json:"name"`
}

// NewProject returns a Project with its TypeMeta set.
func NewProject(meta metav1.ObjectMeta, spec ProjectSpec) *Project {
	return &Project{TypeMeta: typeMeta(KindProject), ObjectMeta: meta, Spec: spec}
}

// UserProjectBinding makes a user a member of a project (cluster-scoped).
type UserProjectBinding struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec UserProjectBindingSpec `json:"spec"`
}

// UserProjectBindingSpec is Kubermatic's UserProjectBindingSpec.
type UserProjectBindingSpec struct {
	UserEmail string `json:"userEmail"`
	ProjectID string `json:"projectID"`
	// Group is "<prefix>-<projectID>", prefix one of owners, editors,
	// viewers, projectmanagers.
	Group string `json:"group"`
}

// NewUserProjectBinding returns a UserProjectBinding with its TypeMeta set.
func NewUserProjectBinding(meta metav1.ObjectMeta, spec UserProjectBindingSpec) *UserProjectBinding {
	return &UserProjectBinding{TypeMeta: typeMeta(KindUserProjectBinding), ObjectMeta: meta, Spec: spec}
}

// UserSSHKey is an SSH public key of a project (cluster-scoped).
type UserSSHKey struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec SSHKeySpec `json:"spec"`
}

// SSHKeySpec is the subset of Kubermatic's SSHKeySpec that fleetc sets
// (the deprecated owner field is left out).
type SSHKeySpec struct {
	// Name is the human-readable name of the key.
	Name string `json:"name"`
	// Project is the Project object's name; immutable.
	Project string `json:"project"`
	// Clusters are the names of the clusters that receive the key.
	// Required by the CRD: never nil when rendered.
	Clusters []string `json:"clusters"`
	// PublicKey is in authorized_keys format.
	PublicKey string `json:"publicKey"`
	// Fingerprint is the legacy MD5 fingerprint; Kubermatic's webhook
	// computes the same value when it is empty.
	Fingerprint string `json:"fingerprint,omitempty"`
}

// NewUserSSHKey returns a UserSSHKey with its TypeMeta set.
func NewUserSSHKey(meta metav1.ObjectMeta, spec SSHKeySpec) *UserSSHKey {
	return &UserSSHKey{TypeMeta: typeMeta(KindUserSSHKey), ObjectMeta: meta, Spec: spec}
}

// Seed is a seed cluster (namespaced, in namespace kubermatic on the master).
type Seed struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec SeedSpec `json:"spec"`
}

// Expose strategies (SeedSpec.ExposeStrategy).
const (
	ExposeStrategyNodePort     = "NodePort"
	ExposeStrategyLoadBalancer = "LoadBalancer"
	ExposeStrategyTunneling    = "Tunneling"
)

// SeedSpec is the subset of Kubermatic's SeedSpec that fleetc sets.
type SeedSpec struct {
	// Country is an ISO 3166-1 alpha-2 code, informational.
	Country string `json:"country,omitempty"`
	// Location is informational, e.g. "Hamburg".
	Location string `json:"location,omitempty"`
	// Kubeconfig references the Secret holding the seed's cluster-admin
	// kubeconfig. Required.
	Kubeconfig corev1.ObjectReference `json:"kubeconfig"`
	// Datacenters are keyed by datacenter name, unique across all seeds.
	Datacenters map[string]Datacenter `json:"datacenters,omitempty"`
	// ExposeStrategy is NodePort, LoadBalancer or Tunneling.
	ExposeStrategy string `json:"exposeStrategy,omitempty"`
}

// NewSeed returns a Seed with its TypeMeta set.
func NewSeed(meta metav1.ObjectMeta, spec SeedSpec) *Seed {
	return &Seed{TypeMeta: typeMeta(KindSeed), ObjectMeta: meta, Spec: spec}
}

// Datacenter is a value of SeedSpec.Datacenters.
type Datacenter struct {
	Country  string `json:"country,omitempty"`
	Location string `json:"location,omitempty"`
	// Spec has exactly one provider set.
	Spec DatacenterSpec `json:"spec"`
}

// DatacenterSpec holds the provider blocks fleetc supports; exactly one is set.
type DatacenterSpec struct {
	AWS          *DatacenterSpecAWS          `json:"aws,omitempty"`
	GCP          *DatacenterSpecGCP          `json:"gcp,omitempty"`
	Digitalocean *DatacenterSpecDigitalocean `json:"digitalocean,omitempty"`
	Hetzner      *DatacenterSpecHetzner      `json:"hetzner,omitempty"`
	Openstack    *DatacenterSpecOpenstack    `json:"openstack,omitempty"`
	VSphere      *DatacenterSpecVSphere      `json:"vsphere,omitempty"`
	Azure        *DatacenterSpecAzure        `json:"azure,omitempty"`
	BringYourOwn *DatacenterSpecBringYourOwn `json:"bringyourown,omitempty"`
}

type DatacenterSpecAWS struct {
	Region string `json:"region"`
}

type DatacenterSpecGCP struct {
	Region string `json:"region"`
	// ZoneSuffixes (e.g. ["a", "b"]) is required by the CRD; never nil
	// when rendered.
	ZoneSuffixes []string `json:"zoneSuffixes"`
}

type DatacenterSpecDigitalocean struct {
	Region string `json:"region"`
}

type DatacenterSpecHetzner struct {
	// Datacenter is the Hetzner datacenter, e.g. "nbg1-dc3".
	Datacenter string `json:"datacenter"`
	// Network is the pre-existing Hetzner network of the machines; required
	// by the CRD.
	Network string `json:"network"`
}

type DatacenterSpecOpenstack struct {
	AuthURL string `json:"authURL"`
	Region  string `json:"region"`
	// Images maps operating system to image name; required by the CRD,
	// never nil when rendered.
	Images map[string]string `json:"images"`
}

type DatacenterSpecVSphere struct {
	Endpoint   string `json:"endpoint"`
	Datacenter string `json:"datacenter"`
	Cluster    string `json:"cluster"`
	// Datastore and Templates are required by the CRD; Templates is never
	// nil when rendered.
	Datastore string            `json:"datastore"`
	Templates map[string]string `json:"templates"`
}

type DatacenterSpecAzure struct {
	Location string `json:"location"`
}

type DatacenterSpecBringYourOwn struct{}

// Cluster is a customer cluster (cluster-scoped, on the seed that hosts its
// control plane). fleetc renders it paused: its control plane is rendered
// by fleetc, and the object is there so that Kubermatic's API and dashboard
// list the cluster.
type Cluster struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec ClusterSpec `json:"spec"`
}

// NewCluster returns a Cluster with its TypeMeta set.
func NewCluster(meta metav1.ObjectMeta, spec ClusterSpec) *Cluster {
	return &Cluster{TypeMeta: typeMeta(KindCluster), ObjectMeta: meta, Spec: spec}
}

// ClusterSpec is the subset of Kubermatic's ClusterSpec that fleetc sets.
// The fields the CRD requires carry no omitempty.
type ClusterSpec struct {
	HumanReadableName  string                  `json:"humanReadableName"`
	Version            string                  `json:"version"`
	Cloud              CloudSpec               `json:"cloud"`
	ClusterNetwork     ClusterNetworkingConfig `json:"clusterNetwork"`
	ExposeStrategy     string                  `json:"exposeStrategy"`
	ComponentsOverride ComponentSettings       `json:"componentsOverride"`
	// Pause: Kubermatic's seed-controller-manager does not reconcile a
	// paused cluster.
	Pause       bool   `json:"pause"`
	PauseReason string `json:"pauseReason,omitempty"`
}

// CloudSpec names the datacenter and its provider; exactly one provider
// block is set, with the fields the CRD requires (empty: they are filled by
// Kubermatic's cloud controllers, which do not run for a paused cluster).
type CloudSpec struct {
	DatacenterName string              `json:"dc"`
	ProviderName   string              `json:"providerName"`
	AWS            *AWSCloudSpec       `json:"aws,omitempty"`
	GCP            *GCPCloudSpec       `json:"gcp,omitempty"`
	Digitalocean   *EmptyCloudSpec     `json:"digitalocean,omitempty"`
	Hetzner        *EmptyCloudSpec     `json:"hetzner,omitempty"`
	Openstack      *OpenstackCloudSpec `json:"openstack,omitempty"`
	VSphere        *VSphereCloudSpec   `json:"vsphere,omitempty"`
	Azure          *AzureCloudSpec     `json:"azure,omitempty"`
	BringYourOwn   *EmptyCloudSpec     `json:"bringyourown,omitempty"`
}

type EmptyCloudSpec struct{}

type AWSCloudSpec struct {
	InstanceProfileName string `json:"instanceProfileName"`
	RoleARN             string `json:"roleARN"`
	RouteTableID        string `json:"routeTableID"`
	SecurityGroupID     string `json:"securityGroupID"`
	VPCID               string `json:"vpcID"`
}

type GCPCloudSpec struct {
	Network    string `json:"network"`
	Subnetwork string `json:"subnetwork"`
}

type OpenstackCloudSpec struct {
	FloatingIPPool string `json:"floatingIPPool"`
	Network        string `json:"network"`
	RouterID       string `json:"routerID"`
	SecurityGroups string `json:"securityGroups"`
	SubnetID       string `json:"subnetID"`
}

type VSphereCloudSpec struct {
	InfraManagementUser EmptyCloudSpec `json:"infraManagementUser"`
	StoragePolicy       string         `json:"storagePolicy"`
}

type AzureCloudSpec struct {
	AvailabilitySet   string `json:"availabilitySet"`
	LoadBalancerSKU   string `json:"loadBalancerSKU"`
	ResourceGroup     string `json:"resourceGroup"`
	RouteTable        string `json:"routeTable"`
	SecurityGroup     string `json:"securityGroup"`
	Subnet            string `json:"subnet"`
	VNetName          string `json:"vnet"`
	VNetResourceGroup string `json:"vnetResourceGroup"`
}

// ClusterNetworkingConfig is the cluster's network.
type ClusterNetworkingConfig struct {
	IPFamily            string        `json:"ipFamily,omitempty"`
	Pods                NetworkRanges `json:"pods"`
	Services            NetworkRanges `json:"services"`
	DNSDomain           string        `json:"dnsDomain"`
	ProxyMode           string        `json:"proxyMode"`
	KonnectivityEnabled bool          `json:"konnectivityEnabled"`
}

// NetworkRanges holds CIDRs; CIDRBlocks is never nil when rendered.
type NetworkRanges struct {
	CIDRBlocks []string `json:"cidrBlocks"`
}

// ComponentSettings overrides Kubermatic's defaults for the control plane.
type ComponentSettings struct {
	Apiserver APIServerSettings `json:"apiserver"`
	Etcd      EtcdSettings      `json:"etcd"`
}

type APIServerSettings struct {
	Replicas *int32 `json:"replicas,omitempty"`
}

type EtcdSettings struct {
	ClusterSize  *int32 `json:"clusterSize,omitempty"`
	DiskSize     string `json:"diskSize,omitempty"`
	StorageClass string `json:"storageClass,omitempty"`
}

// KubermaticConfiguration is read by Kubermatic's API and
// master-controller-manager (one per namespace, namespace kubermatic).
type KubermaticConfiguration struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec KubermaticConfigurationSpec `json:"spec"`
}

// NewKubermaticConfiguration returns a KubermaticConfiguration with its
// TypeMeta set.
func NewKubermaticConfiguration(meta metav1.ObjectMeta, spec KubermaticConfigurationSpec) *KubermaticConfiguration {
	return &KubermaticConfiguration{TypeMeta: typeMeta(KindKubermaticConfiguration), ObjectMeta: meta, Spec: spec}
}

// KubermaticConfigurationSpec is the subset fleetc sets; Kubermatic
// defaults the rest when it reads the object.
type KubermaticConfigurationSpec struct {
	CABundle       TypedLocalObjectReference `json:"caBundle"`
	ExposeStrategy string                    `json:"exposeStrategy,omitempty"`
	Ingress        IngressConfiguration      `json:"ingress"`
	Auth           AuthConfiguration         `json:"auth"`
	UserCluster    *UserClusterConfiguration `json:"userCluster,omitempty"`
}

type TypedLocalObjectReference struct {
	APIGroup *string `json:"apiGroup,omitempty"`
	Kind     string  `json:"kind"`
	Name     string  `json:"name"`
}

type IngressConfiguration struct {
	Domain            string                     `json:"domain"`
	ClassName         string                     `json:"className,omitempty"`
	CertificateIssuer *TypedLocalObjectReference `json:"certificateIssuer,omitempty"`
}

// AuthConfiguration holds no secret: the API's signing key is passed to it
// from a Secret, not through this object.
type AuthConfiguration struct {
	ClientID                 string `json:"clientID,omitempty"`
	TokenIssuer              string `json:"tokenIssuer,omitempty"`
	SkipTokenIssuerTLSVerify bool   `json:"skipTokenIssuerTLSVerify"`
}

type UserClusterConfiguration struct {
	OverwriteRegistry string `json:"overwriteRegistry,omitempty"`
}
