/*
 * NAT-keepalives (RFC 3948 section 2.3): the side behind a NAT sends the
 * single byte 0xFF to the peer's port 4500 every natt_keepalive, so that
 * the NAT keeps the mapping ESP in UDP uses. One phase-1 SA per peer
 * sends them: the newest, or an IKE_P1_GONE one, which still has child
 * SAs. NOTE: they go out on the timer even while ESP traffic would keep
 * the mapping open, because this layer does not see that traffic.
 */
#include "ike/ike_internal.h"

static bool sends_keepalives(const l2tpsec_ike *ike, const ike_sa *sa) {
  if (ike->cb.send_keepalive == NULL || ike->settings.natt_keepalive == 0 ||
      sa->natt == IKE_NATT_NONE || !sa->nat_local)
    return false;
  if (sa->state == IKE_ESTABLISHED)
    return !sa->superseded;
  return sa->state == IKE_P1_GONE;
}

l2tpsec_tstamp l2tpsec__ike_keepalive_deadline(const l2tpsec_ike *ike,
                                               const ike_sa *sa) {
  return sends_keepalives(ike, sa) ? sa->keepalive_at : L2TPSEC_TSTAMP_NEVER;
}

void l2tpsec__ike_keepalive_timeout(l2tpsec_ike *ike, ike_sa *sa,
                                    l2tpsec_tstamp now) {
  if (!sends_keepalives(ike, sa) || now < sa->keepalive_at)
    return;

  ike->cb.send_keepalive(ike->user_data, &sa->local, &sa->remote);
  ike->stats.keepalives_sent++;
  sa->keepalive_at = now + ike->settings.natt_keepalive;
}
