/* Chained hash map of 64-bit ids. */
#include <stdlib.h>

#include "l2tpsec/errors.h"
#include "uv/keymap.h"

struct l2tpsec__keymap_node {
  struct l2tpsec__keymap_node *next;
  uint64_t key;
  void *value;
};

/* Spreads sequential ids over the buckets (a 64-bit finaliser mix). */
static size_t bucket_of(const l2tpsec__keymap *map, uint64_t key) {
  key ^= key >> 33;
  key *= 0xff51afd7ed558ccdULL;
  key ^= key >> 33;
  return (size_t)key & (map->bucket_count - 1);
}

int l2tpsec__keymap_init(l2tpsec__keymap *map, size_t bucket_count) {
  size_t n = 16;

  while (n < bucket_count)
    n *= 2;
  map->buckets = calloc(n, sizeof(*map->buckets));
  map->bucket_count = n;
  map->count = 0;
  return map->buckets ? 0 : L2TPSEC_ERR_NOMEM;
}

void l2tpsec__keymap_free(l2tpsec__keymap *map) {
  for (size_t i = 0; map->buckets && i < map->bucket_count; i++) {
    struct l2tpsec__keymap_node *node = map->buckets[i];

    while (node != NULL) {
      struct l2tpsec__keymap_node *next = node->next;

      free(node);
      node = next;
    }
  }
  free(map->buckets);
  map->buckets = NULL;
  map->count = 0;
}

int l2tpsec__keymap_put(l2tpsec__keymap *map, uint64_t key, void *value) {
  size_t b = bucket_of(map, key);
  struct l2tpsec__keymap_node *node;

  if (l2tpsec__keymap_get(map, key) != NULL)
    return L2TPSEC_ERR_CONFIG;
  node = malloc(sizeof(*node));
  if (node == NULL)
    return L2TPSEC_ERR_NOMEM;
  node->key = key;
  node->value = value;
  node->next = map->buckets[b];
  map->buckets[b] = node;
  map->count++;
  return 0;
}

void *l2tpsec__keymap_get(const l2tpsec__keymap *map, uint64_t key) {
  struct l2tpsec__keymap_node *node = map->buckets[bucket_of(map, key)];

  for (; node != NULL; node = node->next) {
    if (node->key == key)
      return node->value;
  }
  return NULL;
}

void *l2tpsec__keymap_remove(l2tpsec__keymap *map, uint64_t key) {
  struct l2tpsec__keymap_node **link = &map->buckets[bucket_of(map, key)];

  for (; *link != NULL; link = &(*link)->next) {
    struct l2tpsec__keymap_node *node = *link;
    void *value = node->value;

    if (node->key != key)
      continue;
    *link = node->next;
    free(node);
    map->count--;
    return value;
  }
  return NULL;
}

void *l2tpsec__keymap_find(const l2tpsec__keymap *map,
                           int (*fn)(void *ctx, uint64_t key, void *value),
                           void *ctx) {
  for (size_t i = 0; i < map->bucket_count; i++) {
    struct l2tpsec__keymap_node *node = map->buckets[i];

    for (; node != NULL; node = node->next) {
      if (fn(ctx, node->key, node->value))
        return node->value;
    }
  }
  return NULL;
}
