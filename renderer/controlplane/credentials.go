package controlplane

// CredentialKey is one key of a cloud credentials Secret and the
// environment variable machine-controller (and the cloud-controller-
// manager) reads it from.
type CredentialKey struct {
	Key, Env string
}

// credentialKeys are the keys of the credentials Secret per provider
// (Kubermatic's key names in its credential Secrets) and machine-
// controller's environment variables for them. docs/credentials.md lists
// the same table.
var credentialKeys = map[string][]CredentialKey{
	"aws":          {{"accessKeyId", "AWS_ACCESS_KEY_ID"}, {"secretAccessKey", "AWS_SECRET_ACCESS_KEY"}},
	"azure":        {{"tenantID", "AZURE_TENANT_ID"}, {"subscriptionID", "AZURE_SUBSCRIPTION_ID"}, {"clientID", "AZURE_CLIENT_ID"}, {"clientSecret", "AZURE_CLIENT_SECRET"}},
	"digitalocean": {{"token", "DO_TOKEN"}},
	"gcp":          {{"serviceAccount", "GOOGLE_SERVICE_ACCOUNT"}},
	"hetzner":      {{"token", "HZ_TOKEN"}},
	"openstack":    {{"username", "OS_USER_NAME"}, {"password", "OS_PASSWORD"}, {"domain", "OS_DOMAIN_NAME"}, {"project", "OS_PROJECT_NAME"}},
	"vsphere":      {{"username", "VSPHERE_USERNAME"}, {"password", "VSPHERE_PASSWORD"}},
}

// CredentialKeys returns the keys of provider's credentials Secret (nil
// for bringyourown).
func CredentialKeys(provider string) []CredentialKey {
	return append([]CredentialKey(nil), credentialKeys[provider]...)
}
