/*
 * Limits on responder phase-1 SAs that are not established yet. Each
 * costs memory and, after MM3, a Diffie-Hellman computation, and an MM1
 * needs no proof of the source address. The limit per address keeps one
 * source, whatever ports it uses, from taking every slot and locking out
 * the other clients. It is not 1, because many clients behind one NAT
 * share an address.
 */
#include <string.h>

#include "ike/ike_internal.h"

static bool same_address(const l2tpsec_ike_endpoint *a,
                         const l2tpsec_ike_endpoint *b) {
  size_t n = a->family == 6 ? 16 : 4;

  return a->family == b->family && memcmp(a->addr, b->addr, n) == 0;
}

static uint32_t half_open_from(const l2tpsec_ike *ike,
                               const l2tpsec_ike_endpoint *remote) {
  uint32_t n = 0;

  for (const ike_sa *sa = ike->sas; sa != NULL; sa = sa->next) {
    if (ike_sa_half_open(sa) && same_address(&sa->remote, remote))
      n++;
  }
  return n;
}

bool l2tpsec__ike_half_open_admit(l2tpsec_ike *ike, const ike_rx *rx) {
  const l2tpsec_ike_settings *s = &ike->settings;

  if (ike->stats.half_open >= s->max_half_open) {
    l2tpsec__ike_drop(ike, &ike->stats.drop_half_open, rx->now,
                      "phase-1 request over the half-open limit of %u SAs "
                      "(max_half_open)",
                      s->max_half_open);
    return false;
  }
  if (half_open_from(ike, rx->remote) >= s->max_half_open_per_address) {
    l2tpsec__ike_drop(ike, &ike->stats.drop_half_open, rx->now,
                      "phase-1 request over the limit of %u half-open SAs "
                      "from one address (max_half_open_per_address)",
                      s->max_half_open_per_address);
    return false;
  }
  return true;
}
