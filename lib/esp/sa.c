/* SA objects: creation from settings, accessors and counters. */
#include <stdlib.h>
#include <string.h>

#include "esp/esp_internal.h"
#include "l2tpsec/errors.h"
#include "l2tpsec/mem.h"

void l2tpsec_esp_sa_settings_default(l2tpsec_esp_sa_settings *s) {
  memset(s, 0, sizeof(*s));
  s->direction = L2TPSEC_ESP_INBOUND;
  s->mode = L2TPSEC_ESP_TRANSPORT;
  s->family = L2TPSEC_ESP_IPV4;
  s->encr = L2TPSEC_ESP_ENCR_AES_CBC;
  s->integ = L2TPSEC_ESP_INTEG_HMAC_SHA256_128;
  s->sha256_icv = L2TPSEC_ESP_SHA256_ICV_128;
  s->replay_window = 128;
  s->rand = l2tpsec_rand_system();
  s->log.max_level = L2TPSEC_LOG_INFO;
}

static bool enums_valid(const l2tpsec_esp_sa_settings *s) {
  return (s->direction == L2TPSEC_ESP_INBOUND ||
          s->direction == L2TPSEC_ESP_OUTBOUND) &&
         (s->mode == L2TPSEC_ESP_TRANSPORT || s->mode == L2TPSEC_ESP_TUNNEL) &&
         (s->family == L2TPSEC_ESP_IPV4 || s->family == L2TPSEC_ESP_IPV6) &&
         (unsigned)s->sha256_icv <= L2TPSEC_ESP_SHA256_ICV_DETECT &&
         s->encr_key_len <= L2TPSEC_ESP_KEY_MAX &&
         s->integ_key_len <= L2TPSEC_ESP_KEY_MAX;
}

static void copy_settings(l2tpsec_esp_sa *sa, const l2tpsec_esp_sa_settings *s,
                          const l2tpsec_esp_callbacks *callbacks,
                          void *user_data) {
  sa->spi = s->spi;
  sa->direction = s->direction;
  sa->mode = s->mode;
  sa->family = s->family;
  sa->encr = s->encr;
  sa->integ = s->integ;
  sa->soft = s->soft;
  sa->hard = s->hard;
  sa->created = s->created;
  sa->encap_local_port = s->encap_local_port;
  sa->encap_remote_port = s->encap_remote_port;
  sa->owner = s->owner;
  sa->rand = s->rand;
  sa->log = s->log;
  if (callbacks != NULL)
    sa->callbacks = *callbacks;
  sa->user_data = user_data;
  l2tpsec__ratelimit_init(&sa->drop_log, L2TPSEC_SECONDS, 5);
}

int l2tpsec_esp_sa_new(l2tpsec_esp_sa **psa,
                       const l2tpsec_esp_sa_settings *settings,
                       const l2tpsec_esp_callbacks *callbacks,
                       void *user_data) {
  l2tpsec_esp_sa *sa;
  int rv;

  if (psa == NULL || settings == NULL || !enums_valid(settings))
    return L2TPSEC_ERR_INVALID_ARGUMENT;
  *psa = NULL;
  if (settings->esn)
    return L2TPSEC_ERR_UNSUPPORTED;

  sa = calloc(1, sizeof(*sa));
  if (sa == NULL)
    return L2TPSEC_ERR_NOMEM;
  copy_settings(sa, settings, callbacks, user_data);

  rv = l2tpsec__esp_transform_setup(sa, settings);
  if (rv == 0 && sa->direction == L2TPSEC_ESP_INBOUND)
    rv = l2tpsec__replay_init(&sa->replay, settings->replay_window);
  if (rv != 0) {
    l2tpsec_esp_sa_del(sa);
    return rv;
  }
  *psa = sa;
  return 0;
}

void l2tpsec_esp_sa_del(l2tpsec_esp_sa *sa) {
  if (sa == NULL)
    return;
  l2tpsec__cipher_del(sa->cipher);
  l2tpsec__hmac_del(sa->hmac);
  l2tpsec__replay_free(&sa->replay);
  l2tpsec_wipe(sa, sizeof(*sa));
  free(sa);
}

uint32_t l2tpsec_esp_sa_spi(const l2tpsec_esp_sa *sa) {
  return sa->spi;
}

enum l2tpsec_esp_direction l2tpsec_esp_sa_direction(const l2tpsec_esp_sa *sa) {
  return sa->direction;
}

uint64_t l2tpsec_esp_sa_owner(const l2tpsec_esp_sa *sa) {
  return sa->owner;
}

void *l2tpsec_esp_sa_user_data(const l2tpsec_esp_sa *sa) {
  return sa->user_data;
}

size_t l2tpsec_esp_sa_icv_len(const l2tpsec_esp_sa *sa) {
  return sa->icv_len;
}

int l2tpsec_esp_sa_set_sha256_icv96(l2tpsec_esp_sa *sa) {
  if (sa->integ != L2TPSEC_ESP_INTEG_HMAC_SHA256_128)
    return L2TPSEC_ERR_STATE;
  sa->icv_len = 12;
  sa->sha256_icv = L2TPSEC_ESP_SHA256_ICV_96;
  return 0;
}

void l2tpsec_esp_sa_stats_get(const l2tpsec_esp_sa *sa,
                              l2tpsec_esp_sa_stats *stats) {
  *stats = sa->stats;
  if (sa->direction == L2TPSEC_ESP_OUTBOUND)
    stats->seq = sa->seq_out;
  else
    stats->seq = sa->replay.top;
}

size_t l2tpsec_esp_sa_overhead_head(const l2tpsec_esp_sa *sa) {
  return ESP_HEADER_LEN + sa->iv_len;
}

size_t l2tpsec_esp_sa_overhead_tail(const l2tpsec_esp_sa *sa) {
  return sa->align - 1 + ESP_TRAILER_LEN + sa->icv_len;
}
