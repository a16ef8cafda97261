/*
 * A map from 64-bit ids to pointers, for the server's tables (connection
 * id, inner address, L2TP tunnel and session ids). Lookups never
 * allocate; inserts allocate one node.
 */
#ifndef L2TPSEC_UV_KEYMAP_H
#define L2TPSEC_UV_KEYMAP_H

#include <stddef.h>
#include <stdint.h>

struct l2tpsec__keymap_node;

typedef struct l2tpsec__keymap {
  struct l2tpsec__keymap_node **buckets;
  size_t bucket_count; /* a power of two */
  size_t count;
} l2tpsec__keymap;

/* Prepares an empty map. Returns 0 or L2TPSEC_ERR_NOMEM. */
int l2tpsec__keymap_init(l2tpsec__keymap *map, size_t bucket_count);

/* Frees the nodes, not the values. */
void l2tpsec__keymap_free(l2tpsec__keymap *map);

/*
 * Adds key -> value. Returns L2TPSEC_ERR_CONFIG when the key is present,
 * L2TPSEC_ERR_NOMEM.
 */
int l2tpsec__keymap_put(l2tpsec__keymap *map, uint64_t key, void *value);

/* Returns the value of key, or NULL. */
void *l2tpsec__keymap_get(const l2tpsec__keymap *map, uint64_t key);

/* Removes key and returns its value, or NULL when absent. */
void *l2tpsec__keymap_remove(l2tpsec__keymap *map, uint64_t key);

/*
 * Calls fn for every entry; fn may not change the map. Stops early and
 * returns the value for which fn returned non-zero, else NULL.
 */
void *l2tpsec__keymap_find(const l2tpsec__keymap *map,
                           int (*fn)(void *ctx, uint64_t key, void *value),
                           void *ctx);

#endif
