/* Packets and timers through the SA table. */
#include "esp/table_internal.h"
#include "l2tpsec/errors.h"

/*
 * Applies a 96-bit SHA2-256 ICV that an inbound SA detected to the
 * outbound SAs of the same owner that were waiting for it.
 */
static void share_icv96(l2tpsec_esp_table *t, const l2tpsec_esp_sa *in) {
  size_t b = l2tpsec__esp_table_owner_bucket(t, in->owner);

  for (l2tpsec_esp_sa *sa = t->by_owner[b]; sa != NULL; sa = sa->next_by_owner)
    if (sa->owner == in->owner &&
        sa->sha256_icv == L2TPSEC_ESP_SHA256_ICV_DETECT)
      l2tpsec_esp_sa_set_sha256_icv96(sa);
}

static l2tpsec_esp_sa *lookup(l2tpsec_esp_table *t, const l2tpsec_pkt *pkt,
                              l2tpsec_tstamp now, int *rv) {
  l2tpsec_esp_sa *sa;
  uint32_t spi;

  if (pkt->len < ESP_HEADER_LEN) {
    t->stats.truncated++;
    *rv = L2TPSEC_ERR_TRUNCATED;
    return NULL;
  }
  spi = l2tpsec__get32(pkt->data);
  sa = l2tpsec_esp_table_find_inbound(t, spi);
  if (sa == NULL) {
    t->stats.unknown_spi++;
    l2tpsec__log_limited(&t->log, &t->drop_log, now, L2TPSEC_LOG_INFO,
                         L2TPSEC_LOG_ESP,
                         "ESP: no inbound SA for SPI 0x%08x, dropped", spi);
    *rv = L2TPSEC_ERR_NOT_FOUND;
  }
  return sa;
}

int l2tpsec_esp_table_decrypt(l2tpsec_esp_table *t, l2tpsec_pkt *pkt,
                              l2tpsec_tstamp now, l2tpsec_esp_sa **psa,
                              uint8_t *next_header) {
  l2tpsec_esp_sa *sa;
  bool detecting;
  int rv = 0;

  if (t == NULL || pkt == NULL || next_header == NULL)
    return L2TPSEC_ERR_INVALID_ARGUMENT;
  sa = lookup(t, pkt, now, &rv);
  if (psa != NULL)
    *psa = sa;
  if (sa == NULL)
    return rv;

  detecting = sa->sha256_icv == L2TPSEC_ESP_SHA256_ICV_DETECT;
  rv = l2tpsec_esp_decrypt(sa, pkt, now, next_header);
  if (detecting && sa->sha256_icv == L2TPSEC_ESP_SHA256_ICV_96)
    share_icv96(t, sa);
  return rv;
}

/* Calls fn on every SA; fn may unlink the SA it is given. */
static void for_each(l2tpsec_esp_table *t,
                     void (*fn)(l2tpsec_esp_table *, l2tpsec_esp_sa *, void *),
                     void *arg) {
  l2tpsec_esp_sa **heads[2] = {t->by_spi, t->by_owner};

  for (int h = 0; h < 2; h++) {
    for (size_t i = 0; i <= t->mask; i++) {
      l2tpsec_esp_sa *sa = heads[h][i];

      while (sa != NULL) {
        l2tpsec_esp_sa *next = *l2tpsec__esp_table_next(sa);

        fn(t, sa, arg);
        sa = next;
      }
    }
  }
}

/* Earliest deadline among the SAs of one bucket array. */
static l2tpsec_tstamp earliest(l2tpsec_esp_sa *const *heads, size_t mask) {
  l2tpsec_tstamp min = L2TPSEC_TSTAMP_NEVER;

  for (size_t i = 0; i <= mask; i++) {
    for (const l2tpsec_esp_sa *sa = heads[i]; sa != NULL;
         sa = sa->direction == L2TPSEC_ESP_INBOUND ? sa->next_by_spi
                                                   : sa->next_by_owner) {
      /* An expired SA waits for handle_timeout to delete it: due now. */
      l2tpsec_tstamp d =
          l2tpsec_esp_sa_expired(sa) ? 0 : l2tpsec_esp_sa_next_deadline(sa);

      if (d < min)
        min = d;
    }
  }
  return min;
}

l2tpsec_tstamp l2tpsec_esp_table_next_deadline(const l2tpsec_esp_table *t) {
  l2tpsec_tstamp in = earliest(t->by_spi, t->mask);
  l2tpsec_tstamp out = earliest(t->by_owner, t->mask);

  /* TODO: a timer heap once tables hold many thousands of SAs. */
  return in < out ? in : out;
}

static void expire(l2tpsec_esp_table *t, l2tpsec_esp_sa *sa, void *arg) {
  l2tpsec_esp_sa_handle_timeout(sa, *(const l2tpsec_tstamp *)arg);
  if (!l2tpsec_esp_sa_expired(sa))
    return;
  l2tpsec_esp_table_remove(t, sa);
  l2tpsec_esp_sa_del(sa);
}

void l2tpsec_esp_table_handle_timeout(l2tpsec_esp_table *t,
                                      l2tpsec_tstamp now) {
  for_each(t, expire, &now);
}
