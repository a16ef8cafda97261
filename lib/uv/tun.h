/*
 * A Linux TUN device (IFF_TUN without packet information, so each read
 * or write is exactly one IP packet) and the interface settings the
 * library can apply to it: MTU, IPv4 and IPv6 addresses, link up.
 */
#ifndef L2TPSEC_UV_TUN_H
#define L2TPSEC_UV_TUN_H

#include <net/if.h>
#include <stdint.h>

/*
 * Opens /dev/net/tun and creates or attaches the interface `name` (an
 * empty name lets the kernel pick "tunN"). Stores the interface name in
 * `name_out` and returns a non-blocking, close-on-exec descriptor, or
 * L2TPSEC_ERR_IO (errno gives the reason: ENOENT without the tun module, EPERM
 * without CAP_NET_ADMIN) or L2TPSEC_ERR_INVALID_ARGUMENT for a name of
 * IFNAMSIZ bytes or more.
 */
int l2tpsec__tun_open(const char *name, char name_out[IFNAMSIZ]);

/* Sets the interface MTU. Returns 0 or L2TPSEC_ERR_IO (errno set). */
int l2tpsec__tun_set_mtu(const char *name, unsigned mtu);

/*
 * Adds an IPv4 address with a prefix length, and brings nothing up.
 * `addr` is in network byte order. Returns 0 or L2TPSEC_ERR_IO.
 */
int l2tpsec__tun_add_ipv4(const char *name, uint32_t addr, unsigned prefix);

/* Adds an IPv6 address with a prefix length. Returns 0 or L2TPSEC_ERR_IO. */
int l2tpsec__tun_add_ipv6(const char *name, const uint8_t addr[16],
                          unsigned prefix);

/* Sets the interface up. Returns 0 or L2TPSEC_ERR_IO (errno set). */
int l2tpsec__tun_up(const char *name);

/* Sets the point-to-point peer address (network byte order). Returns 0
 * or L2TPSEC_ERR_IO (errno set). */
int l2tpsec__tun_set_peer(const char *name, uint32_t addr);

/* Routes net/prefix (network byte order) through the interface. Returns
 * 0 or L2TPSEC_ERR_IO (errno set). */
int l2tpsec__tun_add_route(const char *name, uint32_t net, unsigned prefix);

#endif
