package controlplane

import (
	"fmt"
	"path"

	"github.com/fleetc/fleetc/renderer/encode"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/fleetc/fleetc/renderer/object"
)

// kubeconfig is the subset of client-go's clientcmd v1 Config that fleetc
// writes: one cluster, one user authenticating by client certificate, one
// context. Credentials are always file paths, never inline data.
type kubeconfig struct {
	APIVersion     string                   `json:"apiVersion"`
	Kind           string                   `json:"kind"`
	Clusters       []kubeconfigNamedCluster `json:"clusters"`
	Users          []kubeconfigNamedUser    `json:"users"`
	Contexts       []kubeconfigNamedContext `json:"contexts"`
	CurrentContext string                   `json:"current-context"`
}

type kubeconfigNamedCluster struct {
	Name    string            `json:"name"`
	Cluster kubeconfigCluster `json:"cluster"`
}

type kubeconfigCluster struct {
	Server               string `json:"server"`
	CertificateAuthority string `json:"certificate-authority"`
}

type kubeconfigNamedUser struct {
	Name string         `json:"name"`
	User kubeconfigUser `json:"user"`
}

type kubeconfigUser struct {
	ClientCertificate string `json:"client-certificate"`
	ClientKey         string `json:"client-key"`
}

type kubeconfigNamedContext struct {
	Name    string            `json:"name"`
	Context kubeconfigContext `json:"context"`
}

type kubeconfigContext struct {
	Cluster string `json:"cluster"`
	User    string `json:"user"`
}

// Kubeconfig ConfigMaps, the key holding the file, and where components
// mount it and its client certificate Secret.
const (
	cmControllerManagerKubeconfig = "controllermanager-kubeconfig"
	cmSchedulerKubeconfig         = "scheduler-kubeconfig"
	cmKonnectivityKubeconfig      = "konnectivity-kubeconfig"
	cmAdminKubeconfig             = "admin-kubeconfig"
	kubeconfigKey                 = "kubeconfig"

	kubeconfigDir       = "/etc/kubernetes/kubeconfig"
	kubeconfigClientDir = "/etc/kubernetes/pki/kubeconfig-client"
)

// kubeconfigFile is the path of the mounted kubeconfig.
var kubeconfigFile = path.Join(kubeconfigDir, kubeconfigKey)

// kubeconfigs returns the kubeconfig ConfigMaps. The component kubeconfigs
// point at the in-seed apiserver address and at the client certificate
// Secret mounted at kubeconfigClientDir; admin-kubeconfig points at the
// external address and at files next to itself (relative paths resolve
// against the kubeconfig's own directory).
func (b *builder) kubeconfigs() ([]object.Object, error) {
	type kc struct {
		name, user, server, dir string
	}
	kcs := []kc{
		{cmControllerManagerKubeconfig, "system:kube-controller-manager", b.internalURL, kubeconfigClientDir},
		{cmSchedulerKubeconfig, "system:kube-scheduler", b.internalURL, kubeconfigClientDir},
		{cmAdminKubeconfig, "kubermatic:admin", b.externalURL(), ""},
	}
	if b.konnectivity {
		kcs = append(kcs, kc{cmKonnectivityKubeconfig, "system:konnectivity-server", b.internalURL, kubeconfigClientDir})
	}
	var out []object.Object
	for _, k := range kcs {
		file := func(name string) string {
			if k.dir == "" {
				return name
			}
			return path.Join(k.dir, name)
		}
		cfg := kubeconfig{
			APIVersion: "v1",
			Kind:       "Config",
			Clusters: []kubeconfigNamedCluster{{
				Name:    b.c.Name,
				Cluster: kubeconfigCluster{Server: k.server, CertificateAuthority: file(keyCA)},
			}},
			Users: []kubeconfigNamedUser{{
				Name: k.user,
				User: kubeconfigUser{ClientCertificate: file(keyCert), ClientKey: file(keyKey)},
			}},
			Contexts: []kubeconfigNamedContext{{
				Name:    "default",
				Context: kubeconfigContext{Cluster: b.c.Name, User: k.user},
			}},
			CurrentContext: "default",
		}
		data, err := encode.Marshal(cfg)
		if err != nil {
			return nil, fmt.Errorf("cluster %s: kubeconfig %s: %w", b.c.Name, k.name, err)
		}
		out = append(out, &corev1.ConfigMap{
			TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
			ObjectMeta: b.meta(k.name, ""),
			Data:       map[string]string{kubeconfigKey: string(data)},
		})
	}
	return out, nil
}

// externalURL is the apiserver's address outside the seed, which is also
// the service-account issuer.
func (b *builder) externalURL() string {
	return fmt.Sprintf("https://%s:%d", b.externalName, b.externalPort)
}
