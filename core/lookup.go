package core

import "context"

// LookupDomain asks the Domain API (CSDS) at cfg.CSDSDomain for the msdkgw base URL of
// cfg.AccountID, under cfg.Retry and cfg.AttemptTimeout, exactly as a Client does before its
// first call (both answer shapes; https, or http for a loopback host named by a plain-http
// loopback CSDS). It caches nothing: it is for servers that keep the answer themselves, such
// as the edge gateway. cfg.Domain and cfg.Store are ignored. Failures are *Error with
// CodeDomainLookup, or CodeAborted/CodeTimeout when ctx ended.
func LookupDomain(ctx context.Context, cfg Config) (string, error) {
	cfg.Domain, cfg.Store = "", nil
	c, err := NewClient(cfg)
	if err != nil {
		return "", err
	}
	return c.lookupDomain(ctx)
}
