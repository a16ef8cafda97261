/*
 * Packet pool: one allocation for all packet headers and one for all
 * storage, made at creation, then a free list. Taking and returning a
 * packet is O(1) and never allocates.
 */
#include <stdint.h>
#include <stdlib.h>

#include "l2tpsec/errors.h"
#include "l2tpsec/packet.h"

struct l2tpsec_pkt_pool {
  l2tpsec_pkt *pkts;
  uint8_t *storage;
  l2tpsec_pkt *free_list;
  size_t count;
  size_t available;
  size_t headroom;
};

void l2tpsec_pkt_pool_settings_default(l2tpsec_pkt_pool_settings *settings) {
  settings->count = 1024;
  settings->size = 2048;
  settings->headroom = 128;
}

static bool settings_valid(const l2tpsec_pkt_pool_settings *s) {
  if (s->count == 0 || s->size == 0 || s->headroom >= s->size)
    return false;
  return s->count <= SIZE_MAX / s->size;
}

int l2tpsec_pkt_pool_new(struct l2tpsec_pkt_pool **ppool,
                         const l2tpsec_pkt_pool_settings *settings) {
  struct l2tpsec_pkt_pool *pool;

  if (ppool == NULL || settings == NULL || !settings_valid(settings))
    return L2TPSEC_ERR_INVALID_ARGUMENT;

  pool = calloc(1, sizeof(*pool));
  if (pool == NULL)
    return L2TPSEC_ERR_NOMEM;
  pool->pkts = calloc(settings->count, sizeof(*pool->pkts));
  pool->storage = malloc(settings->count * settings->size);
  if (pool->pkts == NULL || pool->storage == NULL) {
    l2tpsec_pkt_pool_del(pool);
    return L2TPSEC_ERR_NOMEM;
  }

  pool->count = settings->count;
  pool->headroom = settings->headroom;
  for (size_t i = settings->count; i-- > 0;) {
    l2tpsec_pkt *pkt = &pool->pkts[i];

    l2tpsec_pkt_init(pkt, pool->storage + i * settings->size, settings->size,
                     settings->headroom);
    pkt->pool = pool;
    pkt->next = pool->free_list;
    pool->free_list = pkt;
  }
  pool->available = settings->count;

  *ppool = pool;
  return 0;
}

void l2tpsec_pkt_pool_del(struct l2tpsec_pkt_pool *pool) {
  if (pool == NULL)
    return;
  free(pool->storage);
  free(pool->pkts);
  free(pool);
}

l2tpsec_pkt *l2tpsec_pkt_pool_get(struct l2tpsec_pkt_pool *pool) {
  l2tpsec_pkt *pkt = pool->free_list;

  if (pkt == NULL)
    return NULL;
  pool->free_list = pkt->next;
  pool->available--;

  pkt->next = NULL;
  l2tpsec_pkt_reset(pkt, pool->headroom);
  return pkt;
}

void l2tpsec_pkt_free(l2tpsec_pkt *pkt) {
  struct l2tpsec_pkt_pool *pool;

  if (pkt == NULL || pkt->pool == NULL)
    return;
  pool = pkt->pool;
  pkt->next = pool->free_list;
  pool->free_list = pkt;
  pool->available++;
}

size_t l2tpsec_pkt_pool_available(const struct l2tpsec_pkt_pool *pool) {
  return pool->available;
}
