/* Id map: open addressing, linear probing, backward-shift deletion. */
#include <stdbool.h>
#include <stdlib.h>

#include "l2tp/idmap.h"
#include "l2tpsec/errors.h"

static size_t home(const l2tpsec__idmap *map, uint16_t id) {
  /* Ids are random, but a multiplicative hash also spreads chosen ones. */
  return ((size_t)id * 40503u) & (map->cap - 1);
}

void *l2tpsec__idmap_get(const l2tpsec__idmap *map, uint16_t id) {
  if (map->cap == 0 || id == 0)
    return NULL;

  for (size_t i = home(map, id);; i = (i + 1) & (map->cap - 1)) {
    if (map->slots[i].id == id)
      return map->slots[i].value;
    if (map->slots[i].id == 0)
      return NULL;
  }
}

static void insert_slot(l2tpsec__idmap *map, uint16_t id, void *value) {
  size_t i = home(map, id);

  while (map->slots[i].id != 0)
    i = (i + 1) & (map->cap - 1);
  map->slots[i].id = id;
  map->slots[i].value = value;
  map->count++;
}

static int grow(l2tpsec__idmap *map) {
  size_t cap = map->cap == 0 ? 8 : map->cap * 2;
  l2tpsec__idmap old = *map;

  map->slots = calloc(cap, sizeof(*map->slots));
  if (map->slots == NULL) {
    *map = old;
    return L2TPSEC_ERR_NOMEM;
  }
  map->cap = cap;
  map->count = 0;
  for (size_t i = 0; i < old.cap; i++)
    if (old.slots[i].id != 0)
      insert_slot(map, old.slots[i].id, old.slots[i].value);
  free(old.slots);
  return 0;
}

int l2tpsec__idmap_put(l2tpsec__idmap *map, uint16_t id, void *value) {
  /* Keep the load at or below 1/2 so probe runs stay short. */
  if ((map->count + 1) * 2 > map->cap) {
    int rc = grow(map);
    if (rc != 0)
      return rc;
  }
  insert_slot(map, id, value);
  return 0;
}

void l2tpsec__idmap_remove(l2tpsec__idmap *map, uint16_t id) {
  size_t mask = map->cap - 1;
  size_t i;

  if (map->cap == 0 || id == 0)
    return;
  for (i = home(map, id); map->slots[i].id != id; i = (i + 1) & mask)
    if (map->slots[i].id == 0)
      return;

  /* Shift later members of the probe run back into the hole. */
  for (size_t j = (i + 1) & mask; map->slots[j].id != 0; j = (j + 1) & mask) {
    size_t h = home(map, map->slots[j].id);
    bool movable = ((j - h) & mask) >= ((j - i) & mask);

    if (movable) {
      map->slots[i] = map->slots[j];
      i = j;
    }
  }
  map->slots[i].id = 0;
  map->slots[i].value = NULL;
  map->count--;
}

void l2tpsec__idmap_free(l2tpsec__idmap *map) {
  free(map->slots);
  map->slots = NULL;
  map->cap = 0;
  map->count = 0;
}
