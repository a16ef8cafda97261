/*
 * Anti-replay window of RFC 4303 section 3.4.3, as a ring of 64-bit
 * words in the manner of RFC 6479: sliding the window clears whole words
 * instead of shifting the bitmap, so a packet costs O(1) work however far
 * it moves the window.
 *
 * Sequence numbers are 64-bit here so that extended sequence numbers
 * only change how the upper half is inferred, not the window.
 */
#ifndef L2TPSEC_ESP_REPLAY_H
#define L2TPSEC_ESP_REPLAY_H

#include <stdbool.h>
#include <stdint.h>

/* Window sizes the settings accept, in packets. */
#define L2TPSEC_REPLAY_WINDOW_MIN 64
#define L2TPSEC_REPLAY_WINDOW_MAX 4096

typedef struct l2tpsec__replay {
  uint64_t *bits;  /* ring of nwords words; bit s % (64 * nwords) = seen */
  uint32_t nwords; /* a power of two with 64 * nwords >= window + 64 */
  uint32_t window; /* packets accepted left of the highest one */
  uint64_t top;    /* highest sequence number accepted, 0 before any */
} l2tpsec__replay;

/*
 * Allocates the bitmap for a window of 64..4096 packets. Returns
 * L2TPSEC_ERR_CONFIG outside that range, L2TPSEC_ERR_NOMEM.
 */
int l2tpsec__replay_init(l2tpsec__replay *r, uint32_t window);
void l2tpsec__replay_free(l2tpsec__replay *r);

/*
 * Returns true when seq may be accepted: it is not 0, not left of the
 * window, and not seen before. Changes nothing.
 */
bool l2tpsec__replay_check(const l2tpsec__replay *r, uint64_t seq);

/* Marks seq as seen and slides the window when seq is the new highest. */
void l2tpsec__replay_update(l2tpsec__replay *r, uint64_t seq);

#endif
