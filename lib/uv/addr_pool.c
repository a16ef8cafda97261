/* IPv4 address pool: a bitmap over the ranges plus static bindings. */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "l2tpsec/errors.h"
#include "uv/addr_pool.h"

struct static_binding {
  char user[L2TPSEC__ADDR_POOL_USER_MAX];
  uint32_t addr;
  bool leased; /* only used for addresses outside the ranges */
};

struct l2tpsec__addr_pool {
  l2tpsec__addr_range *ranges;
  size_t range_count;
  uint32_t total;    /* addresses in all ranges */
  uint8_t *leased;   /* one bit per address of the ranges */
  uint8_t *reserved; /* excluded or statically bound addresses */
  uint32_t next;     /* index where the next dynamic scan starts */
  size_t leased_count;
  struct static_binding *statics;
  size_t static_count;
  uint32_t dns[2];
  uint32_t nbns[2];
};

static bool bit_get(const uint8_t *map, uint32_t i) {
  return (map[i / 8] >> (i % 8)) & 1;
}

static void bit_set(uint8_t *map, uint32_t i, bool on) {
  if (on)
    map[i / 8] |= (uint8_t)(1u << (i % 8));
  else
    map[i / 8] &= (uint8_t) ~(1u << (i % 8));
}

/* Maps an address to its index over the ranges, or returns false. */
static bool addr_index(const l2tpsec__addr_pool *pool, uint32_t addr,
                       uint32_t *index) {
  uint32_t base = 0;

  for (size_t i = 0; i < pool->range_count; i++) {
    const l2tpsec__addr_range *r = &pool->ranges[i];

    if (addr >= r->first && addr <= r->last) {
      *index = base + (addr - r->first);
      return true;
    }
    base += r->last - r->first + 1;
  }
  return false;
}

static uint32_t index_addr(const l2tpsec__addr_pool *pool, uint32_t index) {
  for (size_t i = 0; i < pool->range_count; i++) {
    const l2tpsec__addr_range *r = &pool->ranges[i];
    uint32_t size = r->last - r->first + 1;

    if (index < size)
      return r->first + index;
    index -= size;
  }
  return 0;
}

static int check_ranges(const l2tpsec__addr_range *ranges, size_t count,
                        uint32_t *total) {
  uint64_t sum = 0;

  for (size_t i = 0; i < count; i++) {
    if (ranges[i].first == 0 || ranges[i].first > ranges[i].last)
      return L2TPSEC_ERR_INVALID_ARGUMENT;
    for (size_t j = 0; j < i; j++) {
      if (ranges[i].first <= ranges[j].last &&
          ranges[j].first <= ranges[i].last)
        return L2TPSEC_ERR_INVALID_ARGUMENT;
    }
    sum += (uint64_t)ranges[i].last - ranges[i].first + 1;
  }
  if (sum > L2TPSEC__ADDR_POOL_MAX)
    return L2TPSEC_ERR_LIMIT;
  *total = (uint32_t)sum;
  return 0;
}

int l2tpsec__addr_pool_new(l2tpsec__addr_pool **ppool,
                           const l2tpsec__addr_range *ranges, size_t count) {
  l2tpsec__addr_pool *pool;
  uint32_t total = 0;
  size_t map_bytes;
  int rv;

  *ppool = NULL;
  rv = check_ranges(ranges, count, &total);
  if (rv != 0)
    return rv;

  pool = calloc(1, sizeof(*pool));
  if (pool == NULL)
    return L2TPSEC_ERR_NOMEM;
  map_bytes = total / 8 + 1;
  pool->ranges = calloc(count ? count : 1, sizeof(*ranges));
  pool->leased = calloc(map_bytes, 1);
  pool->reserved = calloc(map_bytes, 1);
  if (!pool->ranges || !pool->leased || !pool->reserved) {
    l2tpsec__addr_pool_del(pool);
    return L2TPSEC_ERR_NOMEM;
  }

  if (count > 0)
    memcpy(pool->ranges, ranges, count * sizeof(*ranges));
  pool->range_count = count;
  pool->total = total;
  *ppool = pool;
  return 0;
}

void l2tpsec__addr_pool_del(l2tpsec__addr_pool *pool) {
  if (pool == NULL)
    return;
  free(pool->ranges);
  free(pool->leased);
  free(pool->reserved);
  free(pool->statics);
  free(pool);
}

void l2tpsec__addr_pool_set_servers(l2tpsec__addr_pool *pool,
                                    const uint32_t dns[2],
                                    const uint32_t nbns[2]) {
  memcpy(pool->dns, dns, sizeof(pool->dns));
  memcpy(pool->nbns, nbns, sizeof(pool->nbns));
}

int l2tpsec__addr_pool_exclude(l2tpsec__addr_pool *pool, uint32_t addr) {
  uint32_t i;

  if (!addr_index(pool, addr, &i))
    return 0;
  if (bit_get(pool->leased, i))
    return L2TPSEC_ERR_STATE;
  bit_set(pool->reserved, i, true);
  return 0;
}

static struct static_binding *find_user(l2tpsec__addr_pool *pool,
                                        const char *user) {
  for (size_t i = 0; i < pool->static_count; i++) {
    if (strcmp(pool->statics[i].user, user) == 0)
      return &pool->statics[i];
  }
  return NULL;
}

static struct static_binding *find_static_addr(l2tpsec__addr_pool *pool,
                                               uint32_t addr) {
  for (size_t i = 0; i < pool->static_count; i++) {
    if (pool->statics[i].addr == addr)
      return &pool->statics[i];
  }
  return NULL;
}

/* Returns whether addr is leased, wherever it lives. */
static bool is_leased(l2tpsec__addr_pool *pool, uint32_t addr) {
  struct static_binding *b;
  uint32_t i;

  if (addr_index(pool, addr, &i))
    return bit_get(pool->leased, i);
  b = find_static_addr(pool, addr);
  return b != NULL && b->leased;
}

static int check_static(l2tpsec__addr_pool *pool, const char *user,
                        uint32_t addr) {
  size_t len = user ? strlen(user) : 0;

  if (len == 0 || len >= L2TPSEC__ADDR_POOL_USER_MAX || addr == 0)
    return L2TPSEC_ERR_INVALID_ARGUMENT;
  if (find_user(pool, user) || find_static_addr(pool, addr))
    return L2TPSEC_ERR_CONFIG;
  if (is_leased(pool, addr))
    return L2TPSEC_ERR_STATE;
  return 0;
}

int l2tpsec__addr_pool_add_static(l2tpsec__addr_pool *pool, const char *user,
                                  uint32_t addr) {
  struct static_binding *grown;
  uint32_t i;
  int rv;

  rv = check_static(pool, user, addr);
  if (rv != 0)
    return rv;

  grown =
      realloc(pool->statics, (pool->static_count + 1) * sizeof(*pool->statics));
  if (grown == NULL)
    return L2TPSEC_ERR_NOMEM;
  pool->statics = grown;

  memset(&grown[pool->static_count], 0, sizeof(*grown));
  strcpy(grown[pool->static_count].user, user);
  grown[pool->static_count].addr = addr;
  pool->static_count++;
  if (addr_index(pool, addr, &i))
    bit_set(pool->reserved, i, true);
  return 0;
}

void l2tpsec__addr_pool_clear_static(l2tpsec__addr_pool *pool) {
  size_t kept = 0;

  for (size_t n = 0; n < pool->static_count; n++) {
    struct static_binding *b = &pool->statics[n];
    uint32_t i;

    if (is_leased(pool, b->addr)) {
      pool->statics[kept++] = *b;
      continue;
    }
    if (addr_index(pool, b->addr, &i))
      bit_set(pool->reserved, i, false);
  }
  pool->static_count = kept;
}

static int mark_leased(l2tpsec__addr_pool *pool, uint32_t addr) {
  struct static_binding *b;
  uint32_t i;

  if (is_leased(pool, addr))
    return L2TPSEC_ERR_STATE;
  if (addr_index(pool, addr, &i)) {
    bit_set(pool->leased, i, true);
  } else {
    b = find_static_addr(pool, addr);
    b->leased = true;
  }
  pool->leased_count++;
  return 0;
}

static int pick_dynamic(l2tpsec__addr_pool *pool, uint32_t *addr) {
  for (uint32_t n = 0; n < pool->total; n++) {
    uint32_t i = (pool->next + n) % pool->total;

    if (bit_get(pool->leased, i) || bit_get(pool->reserved, i))
      continue;
    pool->next = (i + 1) % pool->total;
    *addr = index_addr(pool, i);
    return 0;
  }
  return L2TPSEC_ERR_LIMIT;
}

int l2tpsec__addr_pool_acquire(l2tpsec__addr_pool *pool, const char *user,
                               l2tpsec__addr_lease *lease) {
  struct static_binding *b = user ? find_user(pool, user) : NULL;
  uint32_t addr = 0;
  int rv;

  if (b != NULL)
    addr = b->addr;
  else if ((rv = pick_dynamic(pool, &addr)) != 0)
    return rv;

  rv = mark_leased(pool, addr);
  if (rv != 0)
    return rv;

  lease->addr = addr;
  memcpy(lease->dns, pool->dns, sizeof(lease->dns));
  memcpy(lease->nbns, pool->nbns, sizeof(lease->nbns));
  return 0;
}

static int claim_address(l2tpsec__addr_pool *pool, const char *user,
                         uint32_t addr) {
  struct static_binding *b = find_static_addr(pool, addr);
  uint32_t i;

  if (b != NULL && user != NULL && strcmp(b->user, user) != 0)
    return L2TPSEC_ERR_STATE;
  if (addr_index(pool, addr, &i)) {
    if (b == NULL && bit_get(pool->reserved, i))
      return L2TPSEC_ERR_STATE; /* excluded, e.g. the server's address */
    return 0;
  }
  if (b != NULL)
    return 0;
  return l2tpsec__addr_pool_add_static(pool, user ? user : "", addr);
}

int l2tpsec__addr_pool_acquire_address(l2tpsec__addr_pool *pool,
                                       const char *user, uint32_t addr,
                                       l2tpsec__addr_lease *lease) {
  int rv;

  if (addr == 0)
    return L2TPSEC_ERR_INVALID_ARGUMENT;
  rv = claim_address(pool, user, addr);
  if (rv == L2TPSEC_ERR_CONFIG || rv == L2TPSEC_ERR_INVALID_ARGUMENT)
    rv = L2TPSEC_ERR_STATE;
  if (rv == 0)
    rv = mark_leased(pool, addr);
  if (rv != 0)
    return rv;

  lease->addr = addr;
  memcpy(lease->dns, pool->dns, sizeof(lease->dns));
  memcpy(lease->nbns, pool->nbns, sizeof(lease->nbns));
  return 0;
}

int l2tpsec__addr_pool_release(l2tpsec__addr_pool *pool, uint32_t addr) {
  struct static_binding *b;
  uint32_t i;

  if (!is_leased(pool, addr))
    return L2TPSEC_ERR_NOT_FOUND;
  if (addr_index(pool, addr, &i)) {
    bit_set(pool->leased, i, false);
  } else {
    b = find_static_addr(pool, addr);
    b->leased = false;
  }
  pool->leased_count--;
  return 0;
}

size_t l2tpsec__addr_pool_leased(const l2tpsec__addr_pool *pool) {
  return pool->leased_count;
}

static int parse_ipv4(const char *text, uint32_t *addr) {
  struct in_addr in;

  if (inet_pton(AF_INET, text, &in) != 1)
    return L2TPSEC_ERR_CONFIG;
  *addr = ntohl(in.s_addr);
  return 0;
}

static int parse_prefix(const char *text, l2tpsec__addr_range *range) {
  char *end;
  long bits = strtol(text, &end, 10);
  uint32_t mask;

  if (*text == '\0' || *end != '\0' || bits < 1 || bits > 32)
    return L2TPSEC_ERR_CONFIG;
  mask = bits == 32 ? UINT32_MAX : ~(UINT32_MAX >> bits);
  range->first &= mask;
  range->last = range->first | ~mask;
  if (bits < 31) {
    range->first++;
    range->last--;
  }
  return 0;
}

int l2tpsec__addr_range_parse(const char *text, l2tpsec__addr_range *range) {
  char buf[64];
  char kind = '\0';
  char *sep;
  int rv;

  if (strlen(text) >= sizeof(buf))
    return L2TPSEC_ERR_CONFIG;
  strcpy(buf, text);
  sep = strpbrk(buf, "-/");
  if (sep != NULL) {
    kind = *sep;
    *sep = '\0';
  }

  rv = parse_ipv4(buf, &range->first);
  if (rv != 0)
    return rv;
  range->last = range->first;
  if (kind == '/')
    rv = parse_prefix(sep + 1, range);
  else if (kind == '-')
    rv = parse_ipv4(sep + 1, &range->last);
  if (rv == 0 && (range->first == 0 || range->first > range->last))
    rv = L2TPSEC_ERR_CONFIG;
  return rv;
}
