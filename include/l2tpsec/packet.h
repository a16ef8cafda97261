/*
 * Packet buffers. One contiguous storage area with headroom before the
 * data and tailroom after it, so that each layer prepends or strips its
 * header in place and ESP encrypts in place: a packet read from the TUN
 * device reaches the UDP socket without being copied between layers.
 *
 *   head                data              data+len          head+size
 *    |<--- headroom --->|<----- len ------>|<-- tailroom -->|
 *
 * The struct is public so that the helpers below can be inline on the
 * fast path; change its fields only through them.
 */
#ifndef L2TPSEC_PACKET_H
#define L2TPSEC_PACKET_H

#include <stdbool.h>

#include "l2tpsec/common.h"

#ifdef __cplusplus
extern "C" {
#endif

struct l2tpsec_pkt_pool;

typedef struct l2tpsec_pkt {
  uint8_t *head;                 /* start of the storage area */
  uint8_t *data;                 /* first valid byte */
  size_t len;                    /* valid bytes from data on */
  size_t size;                   /* bytes of storage from head on */
  struct l2tpsec_pkt_pool *pool; /* owning pool; NULL for caller storage */
  struct l2tpsec_pkt *next;      /* free list or batch link */
} l2tpsec_pkt;

/*
 * Points a packet at caller-owned storage with `headroom` bytes reserved
 * in front and no valid data. Returns L2TPSEC_ERR_INVALID_ARGUMENT when
 * headroom exceeds size.
 */
L2TPSEC_API int l2tpsec_pkt_init(l2tpsec_pkt *pkt, uint8_t *storage,
                                 size_t size, size_t headroom);

/* Empties a packet and reserves `headroom` bytes (clamped to the size). */
static inline void l2tpsec_pkt_reset(l2tpsec_pkt *pkt, size_t headroom) {
  if (headroom > pkt->size)
    headroom = pkt->size;
  pkt->data = pkt->head + headroom;
  pkt->len = 0;
}

static inline size_t l2tpsec_pkt_headroom(const l2tpsec_pkt *pkt) {
  return (size_t)(pkt->data - pkt->head);
}

static inline size_t l2tpsec_pkt_tailroom(const l2tpsec_pkt *pkt) {
  return pkt->size - l2tpsec_pkt_headroom(pkt) - pkt->len;
}

/*
 * Grows the data by n bytes at the front (to write a header) and returns
 * the new start, or NULL without change when the headroom is too small.
 */
static inline uint8_t *l2tpsec_pkt_push(l2tpsec_pkt *pkt, size_t n) {
  if (n > l2tpsec_pkt_headroom(pkt))
    return NULL;
  pkt->data -= n;
  pkt->len += n;
  return pkt->data;
}

/*
 * Removes n bytes from the front (a parsed header) and returns a pointer
 * to the removed bytes, or NULL without change when fewer than n are
 * present.
 */
static inline uint8_t *l2tpsec_pkt_pull(l2tpsec_pkt *pkt, size_t n) {
  uint8_t *old = pkt->data;

  if (n > pkt->len)
    return NULL;
  pkt->data += n;
  pkt->len -= n;
  return old;
}

/*
 * Grows the data by n bytes at the end (a trailer, padding, an ICV) and
 * returns a pointer to them, or NULL without change when the tailroom is
 * too small.
 */
static inline uint8_t *l2tpsec_pkt_put(l2tpsec_pkt *pkt, size_t n) {
  uint8_t *tail = pkt->data + pkt->len;

  if (n > l2tpsec_pkt_tailroom(pkt))
    return NULL;
  pkt->len += n;
  return tail;
}

/*
 * Shortens the data to len bytes (drops a trailer). Returns false without
 * change when len exceeds the current length.
 */
static inline bool l2tpsec_pkt_trim(l2tpsec_pkt *pkt, size_t len) {
  if (len > pkt->len)
    return false;
  pkt->len = len;
  return true;
}

/* Settings of a packet pool; fill with l2tpsec_pkt_pool_settings_default. */
typedef struct l2tpsec_pkt_pool_settings {
  size_t count;    /* packets allocated up front */
  size_t size;     /* storage bytes per packet */
  size_t headroom; /* bytes reserved in front of a fresh packet's data */
} l2tpsec_pkt_pool_settings;

/*
 * Defaults: 1024 packets of 2048 bytes with 128 bytes of headroom, enough
 * for outer IPv6 + UDP + ESP + inner UDP + L2TP + PPP in front of a
 * 1500-byte IP packet.
 */
L2TPSEC_API void
l2tpsec_pkt_pool_settings_default(l2tpsec_pkt_pool_settings *settings);

/*
 * Allocates every packet of the pool at once, so that taking and
 * returning packets never calls malloc. A pool is not thread-safe: use
 * one per event loop. Returns L2TPSEC_ERR_INVALID_ARGUMENT for a zero
 * count or size, a headroom not smaller than the size, or a total size
 * that overflows; L2TPSEC_ERR_NOMEM when allocation fails.
 */
L2TPSEC_API int l2tpsec_pkt_pool_new(struct l2tpsec_pkt_pool **ppool,
                                     const l2tpsec_pkt_pool_settings *settings);

/* Frees the pool and its storage. Accepts NULL. Packets must be returned. */
L2TPSEC_API void l2tpsec_pkt_pool_del(struct l2tpsec_pkt_pool *pool);

/*
 * Takes an empty packet with the pool's headroom, or returns NULL when
 * all packets are in use.
 */
L2TPSEC_API l2tpsec_pkt *l2tpsec_pkt_pool_get(struct l2tpsec_pkt_pool *pool);

/* Returns a packet to its pool. Accepts NULL and caller-owned packets. */
L2TPSEC_API void l2tpsec_pkt_free(l2tpsec_pkt *pkt);

/* Returns how many packets the pool can still hand out. */
L2TPSEC_API size_t l2tpsec_pkt_pool_available(const struct l2tpsec_pkt_pool *pool);

#ifdef __cplusplus
}
#endif

#endif
