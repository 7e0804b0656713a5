// Package envoy holds the part of Envoy's bootstrap configuration
// (envoy.config.bootstrap.v3.Bootstrap, static resources only) that
// fleetc's three Envoys use: the per-cluster nodeport-proxy and the seed's
// nodeport-proxy (TCP proxying, SNI routing, an HTTP/2 CONNECT listener),
// and the envoy-agent inside a customer cluster (TCP proxying, in a
// CONNECT tunnel on Tunneling seeds). Field names are Envoy's proto field
// names as its JSON/YAML bootstrap reads them; a field fleetc never sets
// is left out of the types.
package envoy

// Type URLs and names of the extensions used.
const (
	TCPProxyType     = "type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy"
	TCPProxyName     = "envoy.filters.network.tcp_proxy"
	TLSInspectorType = "type.googleapis.com/envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector"
	TLSInspectorName = "envoy.filters.listener.tls_inspector"
	HCMType          = "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager"
	HCMName          = "envoy.filters.network.http_connection_manager"
	RouterType       = "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router"
	RouterName       = "envoy.filters.http.router"
	HTTPOptionsType  = "type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions"
	HTTPOptionsName  = "envoy.extensions.upstreams.http.v3.HttpProtocolOptions"
)

// Bootstrap is the configuration file's root.
type Bootstrap struct {
	StaticResources StaticResources `json:"static_resources"`
}

type StaticResources struct {
	Listeners []Listener `json:"listeners"`
	Clusters  []Cluster  `json:"clusters"`
}

type Listener struct {
	Name            string           `json:"name"`
	Address         Address          `json:"address"`
	ListenerFilters []ListenerFilter `json:"listener_filters,omitempty"`
	FilterChains    []FilterChain    `json:"filter_chains"`
}

type Address struct {
	SocketAddress SocketAddress `json:"socket_address"`
}

type SocketAddress struct {
	Address   string `json:"address"`
	PortValue int32  `json:"port_value"`
}

// At is the socket address host:port.
func At(host string, port int32) Address {
	return Address{SocketAddress: SocketAddress{Address: host, PortValue: port}}
}

type ListenerFilter struct {
	Name        string         `json:"name"`
	TypedConfig map[string]any `json:"typed_config"`
}

type FilterChain struct {
	FilterChainMatch *ChainMatch `json:"filter_chain_match,omitempty"`
	Filters          []Filter    `json:"filters"`
}

type ChainMatch struct {
	ServerNames []string `json:"server_names"`
}

// Filter is a network filter: a TCP proxy, or an HTTP connection manager.
type Filter struct {
	Name        string       `json:"name"`
	TypedConfig FilterConfig `json:"typed_config"`
}

// FilterConfig holds the fields of
// envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy and of
// envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
// that fleetc sets; @type says which one it is.
type FilterConfig struct {
	Type       string `json:"@type"`
	StatPrefix string `json:"stat_prefix"`
	// TcpProxy.
	Cluster     string `json:"cluster,omitempty"`
	IdleTimeout string `json:"idle_timeout,omitempty"`
	// TunnelingConfig makes the TCP proxy open an HTTP CONNECT tunnel to
	// its hostname (the request's authority) over the upstream.
	TunnelingConfig *TunnelingConfig `json:"tunneling_config,omitempty"`
	// HttpConnectionManager.
	CodecType            string                `json:"codec_type,omitempty"`
	HTTP2ProtocolOptions *HTTP2ProtocolOptions `json:"http2_protocol_options,omitempty"`
	UpgradeConfigs       []UpgradeConfig       `json:"upgrade_configs,omitempty"`
	RouteConfig          *RouteConfig          `json:"route_config,omitempty"`
	HTTPFilters          []HTTPFilter          `json:"http_filters,omitempty"`
}

type TunnelingConfig struct {
	Hostname string `json:"hostname"`
}

type HTTP2ProtocolOptions struct {
	AllowConnect bool `json:"allow_connect"`
}

type UpgradeConfig struct {
	UpgradeType   string    `json:"upgrade_type"`
	ConnectConfig *struct{} `json:"connect_config,omitempty"`
}

type RouteConfig struct {
	Name         string        `json:"name"`
	VirtualHosts []VirtualHost `json:"virtual_hosts"`
}

type VirtualHost struct {
	Name    string   `json:"name"`
	Domains []string `json:"domains"`
	Routes  []Route  `json:"routes"`
}

type Route struct {
	Match RouteMatch  `json:"match"`
	Route RouteAction `json:"route"`
}

type RouteMatch struct {
	ConnectMatcher struct{} `json:"connect_matcher"`
}

type RouteAction struct {
	Cluster        string          `json:"cluster"`
	UpgradeConfigs []UpgradeConfig `json:"upgrade_configs"`
	IdleTimeout    string          `json:"idle_timeout"`
}

type HTTPFilter struct {
	Name        string            `json:"name"`
	TypedConfig map[string]string `json:"typed_config"`
}

// Cluster is an upstream cluster (envoy.config.cluster.v3.Cluster).
type Cluster struct {
	Name           string `json:"name"`
	Type           string `json:"type"`
	ConnectTimeout string `json:"connect_timeout"`
	// DNSLookupFamily V4_ONLY: the seeds' and the agents' address family.
	DNSLookupFamily string `json:"dns_lookup_family"`
	// TypedExtensionProtocolOptions selects HTTP/2 towards the upstream
	// (the agent's CONNECT over HTTP/2).
	TypedExtensionProtocolOptions map[string]HTTPProtocolOptions `json:"typed_extension_protocol_options,omitempty"`
	LoadAssignment                LoadAssignment                 `json:"load_assignment"`
}

// HTTPProtocolOptions is envoy.extensions.upstreams.http.v3.HttpProtocolOptions.
type HTTPProtocolOptions struct {
	Type               string             `json:"@type"`
	ExplicitHTTPConfig ExplicitHTTPConfig `json:"explicit_http_config"`
}

type ExplicitHTTPConfig struct {
	HTTP2ProtocolOptions struct{} `json:"http2_protocol_options"`
}

type LoadAssignment struct {
	ClusterName string              `json:"cluster_name"`
	Endpoints   []LocalityEndpoints `json:"endpoints"`
}

type LocalityEndpoints struct {
	LBEndpoints []LBEndpoint `json:"lb_endpoints"`
}

type LBEndpoint struct {
	Endpoint Endpoint `json:"endpoint"`
}

type Endpoint struct {
	Address Address `json:"address"`
}

// DNSCluster is the cluster name of one endpoint, host:port, resolved
// by DNS (typ STRICT_DNS or LOGICAL_DNS) over IPv4, connecting within
// connectTimeout.
func DNSCluster(name, typ, connectTimeout, host string, port int32) Cluster {
	return Cluster{
		Name: name, Type: typ, ConnectTimeout: connectTimeout, DNSLookupFamily: "V4_ONLY",
		LoadAssignment: LoadAssignment{ClusterName: name, Endpoints: []LocalityEndpoints{{
			LBEndpoints: []LBEndpoint{{Endpoint: Endpoint{Address: At(host, port)}}},
		}}},
	}
}

// TCPProxy is the network filter that proxies to cluster, its statistics
// under the cluster's name.
func TCPProxy(cluster, idleTimeout string) Filter {
	return Filter{Name: TCPProxyName, TypedConfig: FilterConfig{
		Type: TCPProxyType, StatPrefix: cluster, Cluster: cluster, IdleTimeout: idleTimeout,
	}}
}
