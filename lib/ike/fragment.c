/*
 * IKEv1 fragmentation in the Cisco format, which strongSwan and Windows
 * also use. A message too large for the path travels as datagrams, each
 * an ISAKMP header (the original's cookies, exchange type and message
 * ID) followed by one fragment payload (type 132):
 *
 *   next payload (1), reserved (1), payload length (2),
 *   fragment ID (2), fragment number (1, from 1), flags (1, bit 0 marks
 *   the last fragment), then a slice of the whole original message.
 *
 * Reassembly is per SA, so only peers whose cookies match an SA can
 * make us buffer anything, and it is bounded by frag_max_count and
 * frag_max_bytes. We fragment our own messages only for peers that sent
 * the FRAGMENTATION vendor ID.
 */
#include <stdlib.h>
#include <string.h>

#include "core/log_internal.h"
#include "ike/fragment.h"
#include "ike/ike_internal.h"
#include "l2tpsec/errors.h"

#define FRAG_HDR_LEN 8 /* generic header, ID, number, flags */
#define FRAG_FLAG_LAST 0x01
/* A partial set older than this is dropped when the next fragment of
 * its SA arrives; the SA's own timers free it otherwise. */
#define FRAG_MAX_AGE (30 * L2TPSEC_SECONDS)

struct ike_frag_set {
  uint16_t id;
  uint8_t last;         /* number of the last fragment, 0 until seen */
  uint32_t count;       /* fragments held */
  size_t bytes;         /* data bytes held */
  l2tpsec_tstamp first; /* arrival of the set's first fragment */
  uint8_t *data[IKE_FRAG_COUNT_LIMIT + 1]; /* by number */
  uint16_t len[IKE_FRAG_COUNT_LIMIT + 1];
};

void l2tpsec__ike_frag_free(ike_frag_set *set) {
  if (set == NULL)
    return;
  for (size_t i = 0; i <= IKE_FRAG_COUNT_LIMIT; i++)
    free(set->data[i]);
  free(set);
}

static void drop_set(ike_sa *sa) {
  l2tpsec__ike_frag_free(sa->frags);
  sa->frags = NULL;
}

/* One parsed fragment datagram. */
typedef struct frag_in {
  uint16_t id;
  uint8_t number;
  bool last;
  const uint8_t *data;
  size_t len;
} frag_in;

/* The datagram must hold exactly one non-empty fragment payload. */
static bool parse_fragment(const ike_rx *rx, frag_in *f) {
  const uint8_t *p = rx->data + ISAKMP_HDR_LEN;
  size_t avail = rx->len - ISAKMP_HDR_LEN;

  if (rx->len < ISAKMP_HDR_LEN + FRAG_HDR_LEN + 1)
    return false;
  size_t plen = isakmp_get16(p + 2);
  if (p[0] != ISAKMP_NP_NONE || plen != avail)
    return false;
  f->id = isakmp_get16(p + 4);
  f->number = p[6];
  f->last = (p[7] & FRAG_FLAG_LAST) != 0;
  f->data = p + FRAG_HDR_LEN;
  f->len = plen - FRAG_HDR_LEN;
  return f->number > 0;
}

/* Starts a new set for f, or keeps the current one. Returns NULL when
 * out of memory. */
static ike_frag_set *set_for(ike_sa *sa, const frag_in *f, l2tpsec_tstamp now) {
  if (sa->frags != NULL &&
      (sa->frags->id != f->id || now - sa->frags->first > FRAG_MAX_AGE))
    drop_set(sa);
  if (sa->frags == NULL) {
    sa->frags = calloc(1, sizeof(*sa->frags));
    if (sa->frags == NULL)
      return NULL;
    sa->frags->id = f->id;
    sa->frags->first = now;
  }
  return sa->frags;
}

/* Checks f against the caps before it is stored. */
static const char *over_limit(const l2tpsec_ike *ike, const ike_frag_set *set,
                              const frag_in *f) {
  if (f->number > ike->settings.frag_max_count ||
      (f->last && f->number < set->count))
    return "fragment number over the limit";
  if (set->last != 0 && f->number > set->last)
    return "fragment number after the last fragment";
  if (set->bytes + f->len > ike->settings.frag_max_bytes)
    return "fragments exceed the byte limit";
  return NULL;
}

static bool complete(const ike_frag_set *set) {
  return set->last != 0 && set->count == set->last;
}

/* Concatenates the fragments in order and processes the whole message. */
static int reassemble(l2tpsec_ike *ike, ike_sa *sa, const ike_rx *rx) {
  ike_frag_set *set = sa->frags;
  uint8_t *whole = malloc(set->bytes);
  size_t off = 0;

  if (whole == NULL)
    return L2TPSEC_ERR_NOMEM;
  for (uint8_t i = 1; i <= set->last; i++) {
    memcpy(whole + off, set->data[i], set->len[i]);
    off += set->len[i];
  }
  sa->frags = NULL;
  l2tpsec__ike_frag_free(set);
  ike->stats.frag_reassembled++;

  int err = 0;
  if (off >= ISAKMP_HDR_LEN && whole[16] != ISAKMP_NP_FRAG)
    err = l2tpsec__ike_input_message(ike, whole, off, rx->local, rx->remote,
                                     rx->now);
  else
    l2tpsec__ike_drop(ike, &ike->stats.drop_malformed, rx->now,
                      "reassembled IKE message invalid: too short or "
                      "itself a fragment");
  free(whole);
  return err;
}

int l2tpsec__ike_frag_input(l2tpsec_ike *ike, ike_sa *sa, const ike_rx *rx) {
  frag_in f;

  if (!parse_fragment(rx, &f)) {
    l2tpsec__ike_drop(ike, &ike->stats.drop_malformed, rx->now,
                      "IKE fragment for SA %llu invalid: payload length, "
                      "number 0 or more than one payload",
                      (unsigned long long)sa->id);
    return 0;
  }
  ike_frag_set *set = set_for(sa, &f, rx->now);
  if (set == NULL)
    return L2TPSEC_ERR_NOMEM;
  if (set->data[f.number] != NULL) {
    ike->stats.drop_duplicate++;
    return 0;
  }
  const char *why = over_limit(ike, set, &f);
  if (why != NULL) {
    drop_set(sa);
    l2tpsec__ike_drop(ike, &ike->stats.drop_fragment, rx->now,
                      "IKE fragments of SA %llu discarded: %s (at most %u "
                      "fragments and %u bytes)",
                      (unsigned long long)sa->id, why,
                      ike->settings.frag_max_count,
                      ike->settings.frag_max_bytes);
    return 0;
  }

  set->data[f.number] = malloc(f.len);
  if (set->data[f.number] == NULL)
    return L2TPSEC_ERR_NOMEM;
  memcpy(set->data[f.number], f.data, f.len);
  set->len[f.number] = (uint16_t)f.len;
  set->count++;
  set->bytes += f.len;
  if (f.last)
    set->last = f.number;
  return complete(set) ? reassemble(ike, sa, rx) : 0;
}

/* ---- Sending ------------------------------------------------------------ */

/* The fragment ID is a hash of the message, so a retransmission reuses
 * it and the peer can complete a set from both copies. */
static uint16_t fragment_id(const uint8_t *data, size_t len) {
  uint32_t h = 2166136261u; /* FNV-1a */

  for (size_t i = 0; i < len; i++)
    h = (h ^ data[i]) * 16777619u;
  return (uint16_t)(h ^ (h >> 16));
}

static size_t build_fragment(const uint8_t *msg, uint16_t id, uint8_t number,
                             bool last, const uint8_t *slice, size_t slice_len,
                             uint8_t *out) {
  size_t len = ISAKMP_HDR_LEN + FRAG_HDR_LEN + slice_len;

  memcpy(out, msg, ISAKMP_HDR_LEN);
  out[16] = ISAKMP_NP_FRAG;
  out[19] = 0; /* the fragment itself is not encrypted */
  isakmp_put32(out + 24, (uint32_t)len);

  uint8_t *p = out + ISAKMP_HDR_LEN;
  p[0] = ISAKMP_NP_NONE;
  p[1] = 0;
  isakmp_put16(p + 2, (uint16_t)(FRAG_HDR_LEN + slice_len));
  isakmp_put16(p + 4, id);
  p[6] = number;
  p[7] = last ? FRAG_FLAG_LAST : 0;
  memcpy(p + FRAG_HDR_LEN, slice, slice_len);
  return len;
}

bool l2tpsec__ike_frag_send(l2tpsec_ike *ike, const ike_sa *sa,
                            const uint8_t *data, size_t len) {
  size_t size = ike->settings.frag_size;
  uint8_t out[IKE_FRAG_DATAGRAM_MAX];

  if (!sa->caps.fragmentation || size == 0 || len <= size ||
      len < ISAKMP_HDR_LEN || size > sizeof(out) ||
      size <= ISAKMP_HDR_LEN + FRAG_HDR_LEN)
    return false;

  size_t slice = size - ISAKMP_HDR_LEN - FRAG_HDR_LEN;
  size_t count = (len + slice - 1) / slice;
  if (count > IKE_FRAG_COUNT_LIMIT)
    return false;
  uint16_t id = fragment_id(data, len);
  for (size_t i = 0; i < count; i++) {
    size_t off = i * slice;
    size_t n = len - off < slice ? len - off : slice;
    size_t out_len = build_fragment(data, id, (uint8_t)(i + 1), i + 1 == count,
                                    data + off, n, out);
    (void)ike->cb.send(ike->user_data, out, out_len, &sa->local, &sa->remote);
  }
  ike->stats.frag_sent += count;
  return true;
}
