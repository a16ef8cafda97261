/* Anti-replay window (RFC 4303 section 3.4.3, RFC 6479 layout). */
#include <stdlib.h>

#include "esp/replay.h"
#include "l2tpsec/errors.h"

#define WORD_BITS 64u

int l2tpsec__replay_init(l2tpsec__replay *r, uint32_t window) {
  uint32_t nwords = 1;

  if (window < L2TPSEC_REPLAY_WINDOW_MIN || window > L2TPSEC_REPLAY_WINDOW_MAX)
    return L2TPSEC_ERR_CONFIG;

  /*
   * One spare word: the word holding the highest sequence number is only
   * partly inside the window, and clearing a word must never drop bits
   * that are still inside it.
   */
  while (nwords * WORD_BITS < window + WORD_BITS)
    nwords *= 2;

  r->bits = calloc(nwords, sizeof(*r->bits));
  if (r->bits == NULL)
    return L2TPSEC_ERR_NOMEM;
  r->nwords = nwords;
  r->window = window;
  r->top = 0;
  return 0;
}

void l2tpsec__replay_free(l2tpsec__replay *r) {
  free(r->bits);
  r->bits = NULL;
}

static uint64_t *word_of(const l2tpsec__replay *r, uint64_t seq) {
  return &r->bits[(seq / WORD_BITS) & (r->nwords - 1)];
}

static uint64_t bit_of(uint64_t seq) {
  return (uint64_t)1 << (seq % WORD_BITS);
}

bool l2tpsec__replay_check(const l2tpsec__replay *r, uint64_t seq) {
  /* The sender starts at 1, so 0 is never valid (section 3.3.3). */
  if (seq == 0)
    return false;
  if (seq > r->top)
    return true;
  if (r->top - seq >= r->window)
    return false;
  return (*word_of(r, seq) & bit_of(seq)) == 0;
}

/* Clears the words that the window enters when top moves up to seq. */
static void slide_to(l2tpsec__replay *r, uint64_t seq) {
  uint64_t first = r->top / WORD_BITS + 1;
  uint64_t last = seq / WORD_BITS;

  if (last >= first && last - first >= r->nwords) {
    for (uint32_t i = 0; i < r->nwords; i++)
      r->bits[i] = 0;
  } else {
    for (uint64_t w = first; w <= last; w++)
      r->bits[w & (r->nwords - 1)] = 0;
  }
  r->top = seq;
}

void l2tpsec__replay_update(l2tpsec__replay *r, uint64_t seq) {
  if (seq > r->top)
    slide_to(r, seq);
  *word_of(r, seq) |= bit_of(seq);
}
