/* SA lifetimes: soft limits ask the owner to rekey, hard limits end it. */
#include "core/log_internal.h"
#include "esp/esp_internal.h"

void l2tpsec__esp_raise(l2tpsec_esp_sa *sa, enum l2tpsec_esp_event event) {
  if (sa->callbacks.event != NULL)
    sa->callbacks.event(sa->user_data, sa, event);
}

static void raise_soft(l2tpsec_esp_sa *sa, const char *reason) {
  if (sa->soft_raised || sa->hard_raised)
    return;
  sa->soft_raised = true;
  L2TPSEC_LOG(&sa->log, L2TPSEC_LOG_INFO, L2TPSEC_LOG_ESP,
              "ESP SA 0x%08x: soft %s limit reached, rekey", sa->spi, reason);
  l2tpsec__esp_raise(sa, L2TPSEC_ESP_EVENT_SOFT_EXPIRED);
}

void l2tpsec__esp_hard_expire(l2tpsec_esp_sa *sa, const char *reason) {
  if (sa->hard_raised)
    return;
  sa->hard_raised = true;
  L2TPSEC_LOG(&sa->log, L2TPSEC_LOG_NOTICE, L2TPSEC_LOG_ESP,
              "ESP SA 0x%08x: hard %s limit reached, SA closed", sa->spi,
              reason);
  l2tpsec__esp_raise(sa, L2TPSEC_ESP_EVENT_HARD_EXPIRED);
}

static bool reached(uint64_t value, uint64_t limit) {
  return limit != 0 && value >= limit;
}

static bool time_reached(const l2tpsec_esp_sa *sa, l2tpsec_duration limit,
                         l2tpsec_tstamp now) {
  return limit != 0 && now >= sa->created && now - sa->created >= limit;
}

bool l2tpsec__esp_lifetime_check(l2tpsec_esp_sa *sa, l2tpsec_tstamp now) {
  if (time_reached(sa, sa->hard.time, now))
    l2tpsec__esp_hard_expire(sa, "time");
  else if (time_reached(sa, sa->soft.time, now))
    raise_soft(sa, "time");
  return sa->hard_raised;
}

void l2tpsec__esp_lifetime_account(l2tpsec_esp_sa *sa, size_t bytes) {
  sa->stats.packets++;
  sa->stats.bytes += bytes;

  if (reached(sa->stats.packets, sa->hard.packets))
    l2tpsec__esp_hard_expire(sa, "packet");
  else if (reached(sa->stats.bytes, sa->hard.bytes))
    l2tpsec__esp_hard_expire(sa, "byte");
  else if (reached(sa->stats.packets, sa->soft.packets))
    raise_soft(sa, "packet");
  else if (reached(sa->stats.bytes, sa->soft.bytes))
    raise_soft(sa, "byte");
  else if (sa->direction == L2TPSEC_ESP_OUTBOUND &&
           sa->seq_out >= ESP_SEQ_SOFT_LIMIT)
    raise_soft(sa, "sequence number");
}

static l2tpsec_tstamp deadline_of(const l2tpsec_esp_sa *sa,
                                  l2tpsec_duration limit) {
  if (limit == 0 || limit > L2TPSEC_TSTAMP_NEVER - sa->created)
    return L2TPSEC_TSTAMP_NEVER;
  return sa->created + limit;
}

l2tpsec_tstamp l2tpsec_esp_sa_next_deadline(const l2tpsec_esp_sa *sa) {
  if (sa->hard_raised)
    return L2TPSEC_TSTAMP_NEVER;
  if (!sa->soft_raised && sa->soft.time != 0)
    return deadline_of(sa, sa->soft.time);
  return deadline_of(sa, sa->hard.time);
}

void l2tpsec_esp_sa_handle_timeout(l2tpsec_esp_sa *sa, l2tpsec_tstamp now) {
  l2tpsec__esp_lifetime_check(sa, now);
}

bool l2tpsec_esp_sa_expired(const l2tpsec_esp_sa *sa) {
  return sa->hard_raised;
}
