/*
 * IPv4 address pool for PPP clients (IPCP, RFC 1332): dynamic ranges,
 * per-user static addresses (the IP column of a chap-secrets file) and
 * the DNS/NBNS servers offered with every lease (RFC 1877).
 */
#ifndef L2TPSEC_UV_ADDR_POOL_H
#define L2TPSEC_UV_ADDR_POOL_H

#include <stdbool.h>
#include <stdint.h>

#include "l2tpsec/common.h"

/* Addresses are IPv4 in host byte order; 0 means "none". */
typedef struct l2tpsec__addr_range {
  uint32_t first; /* inclusive */
  uint32_t last;  /* inclusive */
} l2tpsec__addr_range;

/* One address handed to a client, with the servers IPCP offers. */
typedef struct l2tpsec__addr_lease {
  uint32_t addr;
  uint32_t dns[2];
  uint32_t nbns[2];
} l2tpsec__addr_lease;

typedef struct l2tpsec__addr_pool l2tpsec__addr_pool;

/* Upper bound on the addresses of all ranges together (a /12). */
#define L2TPSEC__ADDR_POOL_MAX ((uint32_t)1 << 20)

/* Longest user name a static address can be bound to, with the NUL. */
#define L2TPSEC__ADDR_POOL_USER_MAX 256

/*
 * Creates a pool over `count` ranges. Returns L2TPSEC_ERR_INVALID_ARGUMENT
 * for a range with first > last, first == 0, or ranges that overlap;
 * L2TPSEC_ERR_LIMIT when they hold more than L2TPSEC__ADDR_POOL_MAX
 * addresses; L2TPSEC_ERR_NOMEM.
 */
int l2tpsec__addr_pool_new(l2tpsec__addr_pool **ppool,
                           const l2tpsec__addr_range *ranges, size_t count);

/* Frees the pool. Accepts NULL. */
void l2tpsec__addr_pool_del(l2tpsec__addr_pool *pool);

/* Sets the DNS and NBNS servers of every later lease (0 = none). */
void l2tpsec__addr_pool_set_servers(l2tpsec__addr_pool *pool,
                                    const uint32_t dns[2],
                                    const uint32_t nbns[2]);

/*
 * Keeps `addr` out of dynamic allocation, e.g. the server's own end of
 * the PPP link. Returns L2TPSEC_ERR_STATE when the address is leased.
 */
int l2tpsec__addr_pool_exclude(l2tpsec__addr_pool *pool, uint32_t addr);

/*
 * Binds `user` to a fixed address, inside or outside the ranges. An
 * address inside a range is never handed out dynamically. Returns
 * L2TPSEC_ERR_INVALID_ARGUMENT for an empty or too long user name or a
 * zero address; L2TPSEC_ERR_CONFIG when the user or the address is
 * already bound; L2TPSEC_ERR_STATE when the address is leased;
 * L2TPSEC_ERR_NOMEM.
 */
int l2tpsec__addr_pool_add_static(l2tpsec__addr_pool *pool, const char *user,
                                  uint32_t addr);

/* Removes every static binding that is not leased (before a reload). */
void l2tpsec__addr_pool_clear_static(l2tpsec__addr_pool *pool);

/*
 * Leases an address to `user`: the user's static address when one is
 * bound, otherwise the next free address of the ranges, scanning onward
 * from the previous lease so that a released address is reused last.
 * Returns L2TPSEC_ERR_STATE when the user's static address is already
 * leased (a second session of the same user); L2TPSEC_ERR_LIMIT when
 * the ranges are exhausted.
 */
int l2tpsec__addr_pool_acquire(l2tpsec__addr_pool *pool, const char *user,
                               l2tpsec__addr_lease *lease);

/*
 * Leases exactly `addr` to `user`, as an authenticator's static address
 * (the IP column of chap-secrets, RADIUS Framed-IP-Address) requests. An
 * address outside the ranges is bound to the user on first use. Returns
 * L2TPSEC_ERR_STATE when the address is leased, excluded, or bound to
 * another user; L2TPSEC_ERR_INVALID_ARGUMENT for 0; L2TPSEC_ERR_NOMEM.
 */
int l2tpsec__addr_pool_acquire_address(l2tpsec__addr_pool *pool,
                                       const char *user, uint32_t addr,
                                       l2tpsec__addr_lease *lease);

/*
 * Returns a leased address to the pool. Returns L2TPSEC_ERR_NOT_FOUND
 * when the address is not leased.
 */
int l2tpsec__addr_pool_release(l2tpsec__addr_pool *pool, uint32_t addr);

/* Returns how many addresses are leased. */
size_t l2tpsec__addr_pool_leased(const l2tpsec__addr_pool *pool);

/*
 * Parses "a.b.c.d-e.f.g.h", "a.b.c.d" or "a.b.c.d/nn". A prefix shorter
 * than /31 leaves out its network and broadcast addresses. Returns
 * L2TPSEC_ERR_CONFIG for anything else.
 */
int l2tpsec__addr_range_parse(const char *text, l2tpsec__addr_range *range);

#endif
