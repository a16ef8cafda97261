/*
 * Summaries of receive-path log lines that the per-kind rate limiters
 * suppressed, so that the count of a flood that stops is still logged.
 */
#include "l2tp/internal.h"

static const char *const kind_names[L2TP_RX_LOG_KINDS] = {
    [L2TP_RX_LOG_VERSION] = "wrong-version datagram",
    [L2TP_RX_LOG_HEADER] = "malformed header",
    [L2TP_RX_LOG_UNKNOWN_TUNNEL] = "unknown-tunnel",
    [L2TP_RX_LOG_INVALID] = "invalid-message",
    [L2TP_RX_LOG_UNEXPECTED] = "unexpected-message",
    [L2TP_RX_LOG_SESSION] = "session",
    [L2TP_RX_LOG_SCCRQ_REFUSED] = "refused-SCCRQ",
    [L2TP_RX_LOG_HALF_OPEN] = "half-open tunnel",
};

/* When the window with suppressed lines ends, or NEVER without any. */
static l2tpsec_tstamp window_end(const l2tpsec__ratelimit *rl) {
  if (rl->suppressed == 0)
    return L2TPSEC_TSTAMP_NEVER;
  return rl->window_start + rl->interval;
}

l2tpsec_tstamp l2tpsec__l2tp_rx_log_deadline(const l2tpsec_l2tp *ep) {
  l2tpsec_tstamp next = L2TPSEC_TSTAMP_NEVER;

  for (int i = 0; i < L2TP_RX_LOG_KINDS; i++) {
    l2tpsec_tstamp end = window_end(&ep->rx_log[i]);

    if (end < next)
      next = end;
  }
  return next;
}

void l2tpsec__l2tp_rx_log_summary(l2tpsec_l2tp *ep, l2tpsec_tstamp now) {
  for (int i = 0; i < L2TP_RX_LOG_KINDS; i++) {
    l2tpsec__ratelimit *rl = &ep->rx_log[i];

    if (window_end(rl) > now)
      continue;
    /* One summary line per window at most, since the count restarts. */
    L2TP_LOG(ep, L2TPSEC_LOG_INFO,
             "%u %s log lines suppressed in the last %llu ms",
             rl->suppressed, kind_names[i],
             (unsigned long long)((now - rl->window_start) /
                                  L2TPSEC_MILLISECONDS));
    rl->suppressed = 0;
  }
}
