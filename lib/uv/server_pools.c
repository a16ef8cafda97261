/*
 * Named address pools, which an authenticator's accept selects by name
 * (RADIUS Framed-Pool) in place of the main pool.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log_internal.h"
#include "l2tpsec/errors.h"
#include "uv/server_internal.h"

/* Most ranges all pools together may have, as the main pool's limit. */
#define MAX_RANGES 64

static int pool_error(l2tpsec_server *server, const char *what,
                      const char *value) {
  L2TPSEC_LOG(&server->log, L2TPSEC_LOG_ERROR, L2TPSEC_LOG_UV,
              "invalid %s '%s'", what, value ? value : "(missing)");
  return L2TPSEC_ERR_CONFIG;
}

/* Returns the prefix length of the longest prefix `a` and `b` share. */
static unsigned common_prefix(uint32_t a, uint32_t b) {
  unsigned prefix = 32;

  while (prefix > 0 && (a >> (32 - prefix)) != (b >> (32 - prefix)))
    prefix--;
  return prefix;
}

/* Parses every range of every pool, main pool first, into `all`. */
static int collect_ranges(l2tpsec_server *server,
                          const l2tpsec_server_settings *s,
                          l2tpsec__addr_range *all, size_t *count) {
  size_t n = 0;

  for (size_t i = 0; i < s->pool_range_count && n < MAX_RANGES; i++)
    l2tpsec__addr_range_parse(s->pool_ranges[i], &all[n++]);
  for (size_t p = 0; p < s->named_pool_count; p++) {
    const l2tpsec_server_pool *pool = &s->named_pools[p];

    if (pool->name == NULL || pool->name[0] == '\0' ||
        strlen(pool->name) >= sizeof(server->named_pools[0].name) ||
        pool->range_count == 0)
      return pool_error(server,
                        "named pool (name of 1 to 63 bytes and "
                        "at least one range)",
                        pool->name);
    for (size_t i = 0; i < pool->range_count; i++) {
      if (n == MAX_RANGES)
        return pool_error(server, "number of ranges of all pools", "over 64");
      if (l2tpsec__addr_range_parse(pool->ranges[i], &all[n++]) != 0)
        return pool_error(server, "pool range", pool->ranges[i]);
    }
  }
  *count = n;
  return 0;
}

/* The inner-address map is shared by all pools, so a trial pool over
 * every range rejects any overlap between them. */
static int check_overlap(l2tpsec_server *server, const l2tpsec__addr_range *all,
                         size_t count) {
  l2tpsec__addr_pool *trial;
  int rv = l2tpsec__addr_pool_new(&trial, all, count);

  if (rv == L2TPSEC_ERR_NOMEM)
    return rv;
  if (rv != 0)
    return pool_error(server,
                      "named pool ranges (overlapping another pool, or "
                      "over 2^20 addresses)",
                      "");
  l2tpsec__addr_pool_del(trial);
  return 0;
}

static int make_named(l2tpsec_server *server, const l2tpsec_server_pool *p,
                      const l2tpsec__addr_range *ranges,
                      struct l2tpsec__named_pool *out) {
  int rv = l2tpsec__addr_pool_new(&out->pool, ranges, p->range_count);

  if (rv != 0)
    return rv;
  snprintf(out->name, sizeof(out->name), "%s", p->name);
  l2tpsec__addr_pool_set_servers(out->pool, server->dns, server->nbns);
  l2tpsec__addr_pool_exclude(out->pool, server->local_address);
  return 0;
}

int l2tpsec__server_named_pools_init(l2tpsec_server *server,
                                     const l2tpsec_server_settings *s,
                                     unsigned *prefix) {
  l2tpsec__addr_range all[MAX_RANGES];
  size_t count = 0, next;
  int rv;

  if (s->named_pool_count == 0)
    return 0;
  rv = collect_ranges(server, s, all, &count);
  if (rv == 0)
    rv = check_overlap(server, all, count);
  if (rv != 0)
    return rv;

  server->named_pools =
      calloc(s->named_pool_count, sizeof(*server->named_pools));
  if (server->named_pools == NULL)
    return L2TPSEC_ERR_NOMEM;
  next = s->pool_range_count;
  for (size_t p = 0; p < s->named_pool_count; p++) {
    rv = make_named(server, &s->named_pools[p], &all[next],
                    &server->named_pools[p]);
    if (rv != 0)
      return rv;
    server->named_pool_count++;
    next += s->named_pools[p].range_count;
  }

  for (size_t i = s->pool_range_count; i < count; i++) {
    unsigned lo = common_prefix(server->local_address, all[i].first);
    unsigned hi = common_prefix(server->local_address, all[i].last);

    *prefix = lo < *prefix ? lo : *prefix;
    *prefix = hi < *prefix ? hi : *prefix;
  }
  return 0;
}

void l2tpsec__server_named_pools_free(l2tpsec_server *server) {
  for (size_t i = 0; i < server->named_pool_count; i++)
    l2tpsec__addr_pool_del(server->named_pools[i].pool);
  free(server->named_pools);
  server->named_pools = NULL;
  server->named_pool_count = 0;
}

l2tpsec__addr_pool *l2tpsec__server_pool_named(const l2tpsec_server *server,
                                               const char *name) {
  if (name == NULL || name[0] == '\0')
    return server->pool;
  for (size_t i = 0; i < server->named_pool_count; i++) {
    if (strcmp(server->named_pools[i].name, name) == 0)
      return server->named_pools[i].pool;
  }
  return NULL;
}

size_t l2tpsec__server_named_leased(const l2tpsec_server *server) {
  size_t leased = 0;

  for (size_t i = 0; i < server->named_pool_count; i++)
    leased += l2tpsec__addr_pool_leased(server->named_pools[i].pool);
  return leased;
}
