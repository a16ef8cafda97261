/*
 * The responder's own retransmissions in main mode. Resending a reply
 * only for a repeated request fails when the initiator does not
 * retransmit, or its repeats are lost too. So MM4 and MM6 are also
 * resent on a timer until the next message from the initiator arrives
 * or retransmit_tries resends have gone out. QM2 has its own timer in
 * quick_mode.c.
 */
#include "ike/ike_internal.h"

int l2tpsec__ike_sa_keep_rx(ike_sa *sa, const ike_rx *rx) {
  sa->dup_replies = 0;
  return l2tpsec__ike_keep_rx(&sa->last_rx, &sa->last_rx_len, rx->data,
                              rx->len);
}

/* A reply is larger than its request, so replying to every repeat of a
 * request with a forged source would amplify a flood towards that
 * address. A real initiator repeats at most retransmit_tries times. */
void l2tpsec__ike_answer_repeat(l2tpsec_ike *ike, ike_sa *sa) {
  if (sa->dup_replies >= ike->settings.retransmit_tries) {
    ike->stats.drop_duplicate++;
    return;
  }
  sa->dup_replies++;
  ike->stats.replies_resent++;
  l2tpsec__ike_send_raw(ike, sa, sa->sent.data, sa->sent.len);
}

void l2tpsec__ike_resend_reply(l2tpsec_ike *ike, ike_sa *sa,
                               l2tpsec_tstamp now) {
  if (sa->sent.data == NULL || sa->tries >= ike->settings.retransmit_tries) {
    sa->deadline = L2TPSEC_TSTAMP_NEVER;
    return;
  }

  sa->tries++;
  sa->interval *= 2;
  sa->deadline = now + sa->interval;
  ike->stats.retransmits++;
  l2tpsec__ike_send_raw(ike, sa, sa->sent.data, sa->sent.len);
}
