/* Address checks of the configuration that look beyond one key. */
#ifndef L2TPSEC_EXAMPLE_SERVER_CONFIG_NET_H
#define L2TPSEC_EXAMPLE_SERVER_CONFIG_NET_H

#include <stdbool.h>

/*
 * Tells whether a numeric IPv4 or IPv6 address is assigned to an
 * interface of this host (in the current network namespace). The
 * wildcard addresses 0.0.0.0 and :: count as present. Returns false
 * when the interface list cannot be read.
 */
bool config_host_has_address(const char *address);

/*
 * Tells whether the IPv4 `address` lies inside `range`, given as
 * "a.b.c.d-e.f.g.h", "a.b.c.d/nn" or "a.b.c.d". An unparsable range or
 * address contains nothing.
 */
bool config_range_contains(const char *range, const char *address);

#endif
