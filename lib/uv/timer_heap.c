/* Binary min-heap of timers ordered by deadline. */
#include <stdlib.h>

#include "l2tpsec/errors.h"
#include "uv/timer_heap.h"

static void place(l2tpsec__timer_heap *heap, size_t i, l2tpsec__timer *t) {
  heap->items[i] = t;
  t->slot = i + 1;
}

static void sift_up(l2tpsec__timer_heap *heap, size_t i) {
  l2tpsec__timer *t = heap->items[i];

  while (i > 0) {
    size_t parent = (i - 1) / 2;

    if (heap->items[parent]->deadline <= t->deadline)
      break;
    place(heap, i, heap->items[parent]);
    i = parent;
  }
  place(heap, i, t);
}

static void sift_down(l2tpsec__timer_heap *heap, size_t i) {
  l2tpsec__timer *t = heap->items[i];

  for (;;) {
    size_t child = 2 * i + 1;

    if (child >= heap->count)
      break;
    if (child + 1 < heap->count &&
        heap->items[child + 1]->deadline < heap->items[child]->deadline)
      child++;
    if (t->deadline <= heap->items[child]->deadline)
      break;
    place(heap, i, heap->items[child]);
    i = child;
  }
  place(heap, i, t);
}

static void remove_at(l2tpsec__timer_heap *heap, size_t i) {
  l2tpsec__timer *last = heap->items[--heap->count];

  heap->items[i]->slot = 0;
  if (i == heap->count)
    return;
  place(heap, i, last);
  sift_down(heap, i);
  sift_up(heap, last->slot - 1);
}

static int grow(l2tpsec__timer_heap *heap) {
  size_t capacity = heap->capacity ? heap->capacity * 2 : 16;
  l2tpsec__timer **items = realloc(heap->items, capacity * sizeof(*items));

  if (items == NULL)
    return L2TPSEC_ERR_NOMEM;
  heap->items = items;
  heap->capacity = capacity;
  return 0;
}

int l2tpsec__timer_heap_set(l2tpsec__timer_heap *heap, l2tpsec__timer *timer,
                            l2tpsec_tstamp deadline) {
  if (deadline == L2TPSEC_TSTAMP_NEVER) {
    if (timer->slot != 0)
      remove_at(heap, timer->slot - 1);
    return 0;
  }
  if (timer->slot != 0) {
    timer->deadline = deadline;
    sift_down(heap, timer->slot - 1);
    sift_up(heap, timer->slot - 1);
    return 0;
  }

  if (heap->count == heap->capacity && grow(heap) != 0)
    return L2TPSEC_ERR_NOMEM;
  timer->deadline = deadline;
  place(heap, heap->count++, timer);
  sift_up(heap, heap->count - 1);
  return 0;
}

l2tpsec_tstamp l2tpsec__timer_heap_next(const l2tpsec__timer_heap *heap) {
  return heap->count ? heap->items[0]->deadline : L2TPSEC_TSTAMP_NEVER;
}

void l2tpsec__timer_heap_run(l2tpsec__timer_heap *heap, l2tpsec_tstamp now) {
  while (heap->count > 0 && heap->items[0]->deadline <= now) {
    l2tpsec__timer *t = heap->items[0];

    remove_at(heap, 0);
    t->fn(t, now);
  }
}

void l2tpsec__timer_heap_free(l2tpsec__timer_heap *heap) {
  for (size_t i = 0; i < heap->count; i++)
    heap->items[i]->slot = 0;
  free(heap->items);
  heap->items = NULL;
  heap->count = heap->capacity = 0;
}
