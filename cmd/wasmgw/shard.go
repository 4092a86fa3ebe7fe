package main

import (
	"fmt"
	"os"

	"github.com/wasmgw/wasmgw/relay/shard"
	"github.com/wasmgw/wasmgw/runtime"
)

// parseShard reads --shard; "hostname/N" takes the index from $HOSTNAME,
// else the kernel's host name (a StatefulSet pod's name, e.g. wasmgw-2).
func parseShard(a *app, value string) (shard.Shard, error) {
	host := a.getenv("HOSTNAME")
	if host == "" {
		host, _ = os.Hostname()
	}
	s, err := shard.Parse(value, host)
	if err != nil {
		return shard.Shard{}, fmt.Errorf("--shard: %w", err)
	}
	return s, nil
}

// shardNames returns the profiles this gateway serves: names (every
// profile of the home when empty), keeping only those s owns. It is an
// error for a shard to own none of them: the gateway would serve nothing.
func shardNames(home *runtime.Home, names []string, s shard.Shard) ([]string, error) {
	if s.Whole() {
		return names, nil
	}
	all := names
	if len(all) == 0 {
		var err error
		if all, err = home.ProfileNames(); err != nil {
			return nil, err
		}
	}
	mine := s.Filter(all)
	if len(mine) == 0 {
		return nil, fmt.Errorf("shard %s owns none of the %d profiles to serve (%s over %d gateways): run fewer gateways, or add profiles",
			s, len(all), shard.Algorithm, s.Count)
	}
	return mine, nil
}
