/*
 * SA table: inbound SAs chained by SPI, outbound SAs chained by owner.
 * The bucket arrays are allocated at creation and the chains run through
 * the SAs themselves, so adding and finding never allocate.
 */
#include <stdlib.h>

#include "esp/table_internal.h"
#include "l2tpsec/errors.h"

void l2tpsec_esp_table_settings_default(l2tpsec_esp_table_settings *s) {
  s->max_sas = 4096;
  s->log.fn = NULL;
  s->log.user_data = NULL;
  s->log.max_level = L2TPSEC_LOG_INFO;
}

int l2tpsec_esp_table_new(l2tpsec_esp_table **ptable,
                          const l2tpsec_esp_table_settings *settings) {
  l2tpsec_esp_table *t;
  size_t buckets = 16;

  if (ptable == NULL || settings == NULL || settings->max_sas == 0 ||
      settings->max_sas > SIZE_MAX / 4)
    return L2TPSEC_ERR_INVALID_ARGUMENT;
  while (buckets < settings->max_sas)
    buckets *= 2;

  t = calloc(1, sizeof(*t));
  if (t == NULL)
    return L2TPSEC_ERR_NOMEM;
  t->by_spi = calloc(buckets, sizeof(*t->by_spi));
  t->by_owner = calloc(buckets, sizeof(*t->by_owner));
  if (t->by_spi == NULL || t->by_owner == NULL) {
    l2tpsec_esp_table_del(t);
    return L2TPSEC_ERR_NOMEM;
  }
  t->mask = buckets - 1;
  t->max_sas = settings->max_sas;
  t->log = settings->log;
  l2tpsec__ratelimit_init(&t->drop_log, L2TPSEC_SECONDS, 5);
  *ptable = t;
  return 0;
}

static void delete_chain(l2tpsec_esp_sa *sa, bool by_spi) {
  while (sa != NULL) {
    l2tpsec_esp_sa *next = by_spi ? sa->next_by_spi : sa->next_by_owner;

    l2tpsec_esp_sa_del(sa);
    sa = next;
  }
}

void l2tpsec_esp_table_del(l2tpsec_esp_table *t) {
  if (t == NULL)
    return;
  for (size_t i = 0; t->by_spi != NULL && i <= t->mask; i++)
    delete_chain(t->by_spi[i], true);
  for (size_t i = 0; t->by_owner != NULL && i <= t->mask; i++)
    delete_chain(t->by_owner[i], false);
  free(t->by_spi);
  free(t->by_owner);
  free(t);
}

/* Multiplicative hashing (Knuth); the high bits are the best mixed. */
static size_t spi_bucket(const l2tpsec_esp_table *t, uint32_t spi) {
  return (size_t)(((uint64_t)spi * 0x9E3779B97F4A7C15ull) >> 32) & t->mask;
}

size_t l2tpsec__esp_table_owner_bucket(const l2tpsec_esp_table *t,
                                       uint64_t owner) {
  return (size_t)((owner * 0x9E3779B97F4A7C15ull) >> 32) & t->mask;
}

/* Returns the address of the link that points at the SA's chain head. */
l2tpsec_esp_sa **l2tpsec__esp_table_chain(const l2tpsec_esp_table *t,
                                          const l2tpsec_esp_sa *sa) {
  if (sa->direction == L2TPSEC_ESP_INBOUND)
    return &t->by_spi[spi_bucket(t, sa->spi)];
  return &t->by_owner[l2tpsec__esp_table_owner_bucket(t, sa->owner)];
}

l2tpsec_esp_sa **l2tpsec__esp_table_next(l2tpsec_esp_sa *sa) {
  return sa->direction == L2TPSEC_ESP_INBOUND ? &sa->next_by_spi
                                              : &sa->next_by_owner;
}

int l2tpsec_esp_table_add(l2tpsec_esp_table *t, l2tpsec_esp_sa *sa) {
  l2tpsec_esp_sa **head;

  if (t == NULL || sa == NULL || sa->in_table)
    return L2TPSEC_ERR_INVALID_ARGUMENT;
  if (sa->direction == L2TPSEC_ESP_INBOUND &&
      l2tpsec_esp_table_find_inbound(t, sa->spi) != NULL)
    return L2TPSEC_ERR_CONFIG;
  if (t->count >= t->max_sas)
    return L2TPSEC_ERR_LIMIT;

  head = l2tpsec__esp_table_chain(t, sa);
  *l2tpsec__esp_table_next(sa) = *head;
  *head = sa;
  sa->in_table = true;
  sa->table_order = t->next_order++;
  t->count++;
  return 0;
}

int l2tpsec_esp_table_remove(l2tpsec_esp_table *t, l2tpsec_esp_sa *sa) {
  l2tpsec_esp_sa **link;

  if (t == NULL || sa == NULL || !sa->in_table)
    return L2TPSEC_ERR_NOT_FOUND;
  for (link = l2tpsec__esp_table_chain(t, sa); *link != NULL;
       link = l2tpsec__esp_table_next(*link)) {
    if (*link == sa) {
      *link = *l2tpsec__esp_table_next(sa);
      *l2tpsec__esp_table_next(sa) = NULL;
      sa->in_table = false;
      t->count--;
      return 0;
    }
  }
  return L2TPSEC_ERR_NOT_FOUND;
}

l2tpsec_esp_sa *l2tpsec_esp_table_find_inbound(const l2tpsec_esp_table *t,
                                               uint32_t spi) {
  l2tpsec_esp_sa *sa = t->by_spi[spi_bucket(t, spi)];

  while (sa != NULL && sa->spi != spi)
    sa = sa->next_by_spi;
  return sa;
}

l2tpsec_esp_sa *l2tpsec_esp_table_find_outbound(const l2tpsec_esp_table *t,
                                                uint64_t owner) {
  l2tpsec_esp_sa *best = NULL;

  for (l2tpsec_esp_sa *sa =
           t->by_owner[l2tpsec__esp_table_owner_bucket(t, owner)];
       sa != NULL; sa = sa->next_by_owner)
    if (sa->owner == owner &&
        (best == NULL || sa->table_order > best->table_order))
      best = sa;
  return best;
}

size_t l2tpsec_esp_table_count(const l2tpsec_esp_table *t) {
  return t->count;
}

int l2tpsec_esp_table_pick_spi(const l2tpsec_esp_table *t,
                               const l2tpsec_rand *rand, uint32_t *spi) {
  for (int attempt = 0; attempt < 64; attempt++) {
    uint8_t b[4];

    if (l2tpsec_rand_bytes(rand, b, sizeof(b)) != 0)
      return L2TPSEC_ERR_CRYPTO;
    *spi = l2tpsec__get32(b);
    if (*spi >= 256 && l2tpsec_esp_table_find_inbound(t, *spi) == NULL)
      return 0;
  }
  return L2TPSEC_ERR_LIMIT;
}

void l2tpsec_esp_table_stats_get(const l2tpsec_esp_table *t,
                                 l2tpsec_esp_table_stats *stats) {
  *stats = t->stats;
}
