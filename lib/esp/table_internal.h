/* The SA table's layout, shared by table.c and table_io.c. */
#ifndef L2TPSEC_ESP_TABLE_INTERNAL_H
#define L2TPSEC_ESP_TABLE_INTERNAL_H

#include "esp/esp_internal.h"

struct l2tpsec_esp_table {
  l2tpsec_esp_sa **by_spi;   /* inbound SAs */
  l2tpsec_esp_sa **by_owner; /* outbound SAs */
  size_t mask;               /* bucket count - 1, a power of two - 1 */
  size_t count;
  size_t max_sas;
  uint64_t next_order;
  l2tpsec_esp_table_stats stats;
  l2tpsec_log log;
  l2tpsec__ratelimit drop_log;
};

/* Index of the by_owner bucket for owner. */
size_t l2tpsec__esp_table_owner_bucket(const l2tpsec_esp_table *t,
                                       uint64_t owner);

/* Bucket heads of the SA's chain, and the SA's own link in it. */
l2tpsec_esp_sa **l2tpsec__esp_table_chain(const l2tpsec_esp_table *t,
                                          const l2tpsec_esp_sa *sa);
l2tpsec_esp_sa **l2tpsec__esp_table_next(l2tpsec_esp_sa *sa);

#endif
