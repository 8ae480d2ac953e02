package handlers

// What the external tests need to check the route table's secret marks
// (secret_urls.go).
var (
	SecretParam       = secretParam
	SecretQueryRoutes = secretQueryRoutes
	PublicParams      = publicParams
)
