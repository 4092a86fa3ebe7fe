package relay

// Credentials are what enroll or self-provision obtains from the connector:
// the per-gateway id and upgrade secret, the tenant's delivery key, the
// tenant and the route keys the connector recorded. Secret and DeliveryKey
// redact themselves when printed or logged.
type Credentials struct {
	GatewayID   string
	Secret      Secret
	DeliveryKey Secret
	Tenant      string
	RouteKeys   []string
}
