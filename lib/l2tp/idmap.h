/*
 * A map from non-zero 16-bit ids to pointers: open addressing with
 * linear probing and backward-shift deletion, so lookups on the data
 * path touch one or two slots.
 */
#ifndef L2TPSEC_L2TP_IDMAP_H
#define L2TPSEC_L2TP_IDMAP_H

#include <stddef.h>
#include <stdint.h>

typedef struct l2tpsec__idmap_slot {
  uint16_t id; /* 0 = empty */
  void *value;
} l2tpsec__idmap_slot;

typedef struct l2tpsec__idmap {
  l2tpsec__idmap_slot *slots;
  size_t cap; /* power of two, or 0 before the first insert */
  size_t count;
} l2tpsec__idmap;

void *l2tpsec__idmap_get(const l2tpsec__idmap *map, uint16_t id);

/* Inserts id (non-zero, absent). Returns 0 or L2TPSEC_ERR_NOMEM. */
int l2tpsec__idmap_put(l2tpsec__idmap *map, uint16_t id, void *value);

void l2tpsec__idmap_remove(l2tpsec__idmap *map, uint16_t id);

void l2tpsec__idmap_free(l2tpsec__idmap *map);

#endif
