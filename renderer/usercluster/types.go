package usercluster

import (
	"encoding/json"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// Typed objects of APIs fleetc has no Go module for: the aggregation
// layer's APIService (apiregistration.k8s.io/v1) and machine-controller's
// MachineDeployment (cluster.k8s.io/v1alpha1), with the fields fleetc
// sets. Their deep copies go through JSON: the types are plain data.

// APIService is apiregistration.k8s.io/v1 APIService.
type APIService struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
	Spec              APIServiceSpec `json:"spec"`
}

type APIServiceSpec struct {
	Service               *ServiceReference `json:"service,omitempty"`
	Group                 string            `json:"group"`
	Version               string            `json:"version"`
	InsecureSkipTLSVerify bool              `json:"insecureSkipTLSVerify,omitempty"`
	GroupPriorityMinimum  int32             `json:"groupPriorityMinimum"`
	VersionPriority       int32             `json:"versionPriority"`
}

type ServiceReference struct {
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
	Port      *int32 `json:"port,omitempty"`
}

func (in *APIService) DeepCopyObject() runtime.Object { return jsonCopy(in, new(APIService)) }

// newAPIService registers metrics-server's API. metrics-server serves
// with a self-signed certificate it makes at start, so the apiserver
// cannot verify it (as in metrics-server's own manifests).
func newAPIService() *APIService {
	m := clusterMeta("v1beta1.metrics.k8s.io")
	m.Labels["app"] = appMetricsServer
	return &APIService{
		TypeMeta:   typeMeta("apiregistration.k8s.io/v1", "APIService"),
		ObjectMeta: m,
		Spec: APIServiceSpec{
			Service:               &ServiceReference{Namespace: namespace, Name: appMetricsServer, Port: ptr(int32(443))},
			Group:                 "metrics.k8s.io",
			Version:               "v1beta1",
			InsecureSkipTLSVerify: true,
			GroupPriorityMinimum:  100,
			VersionPriority:       100,
		},
	}
}

// MachineDeployment is cluster.k8s.io/v1alpha1 MachineDeployment.
type MachineDeployment struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
	Spec              MachineDeploymentSpec `json:"spec"`
}

type MachineDeploymentSpec struct {
	Replicas        *int32                    `json:"replicas"`
	Selector        metav1.LabelSelector      `json:"selector"`
	Template        MachineTemplateSpec       `json:"template"`
	Strategy        MachineDeploymentStrategy `json:"strategy"`
	MinReadySeconds *int32                    `json:"minReadySeconds,omitempty"`
}

type MachineDeploymentStrategy struct {
	Type          string                `json:"type"`
	RollingUpdate *MachineRollingUpdate `json:"rollingUpdate,omitempty"`
}

type MachineRollingUpdate struct {
	MaxSurge       *int32 `json:"maxSurge"`
	MaxUnavailable *int32 `json:"maxUnavailable"`
}

type MachineTemplateSpec struct {
	ObjectMeta MachineTemplateMeta `json:"metadata"`
	Spec       MachineSpec         `json:"spec"`
}

// MachineTemplateMeta is the metadata of a Machine template (labels only).
type MachineTemplateMeta struct {
	Labels map[string]string `json:"labels,omitempty"`
}

type MachineSpec struct {
	ObjectMeta   MachineTemplateMeta `json:"metadata"`
	ProviderSpec ProviderSpec        `json:"providerSpec"`
	Versions     MachineVersionInfo  `json:"versions"`
}

type MachineVersionInfo struct {
	Kubelet string `json:"kubelet"`
}

type ProviderSpec struct {
	Value *ProviderConfig `json:"value"`
}

// ProviderConfig is machine-controller's provider configuration.
type ProviderConfig struct {
	SSHPublicKeys       []string       `json:"sshPublicKeys"`
	CloudProvider       string         `json:"cloudProvider"`
	CloudProviderSpec   map[string]any `json:"cloudProviderSpec"`
	OperatingSystem     string         `json:"operatingSystem"`
	OperatingSystemSpec map[string]any `json:"operatingSystemSpec"`
}

func (in *MachineDeployment) DeepCopyObject() runtime.Object {
	return jsonCopy(in, new(MachineDeployment))
}

// jsonCopy returns a deep copy of in made through its JSON form (the
// types above hold plain data only).
func jsonCopy[T runtime.Object](in, out T) runtime.Object {
	data, err := json.Marshal(in)
	if err != nil {
		panic("usercluster: deep copy: " + err.Error())
	}
	if err := json.Unmarshal(data, out); err != nil {
		panic("usercluster: deep copy: " + err.Error())
	}
	return out
}
