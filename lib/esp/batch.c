/* Batches: one call for the N packets of a recvmmsg/sendmmsg round. */
#include "esp/esp_internal.h"

size_t l2tpsec_esp_encrypt_batch(l2tpsec_esp_sa *sa, l2tpsec_pkt *const *pkts,
                                 size_t n, uint8_t next_header,
                                 l2tpsec_tstamp now, int *results) {
  size_t ok = 0;

  for (size_t i = 0; i < n; i++) {
    results[i] = l2tpsec_esp_encrypt(sa, pkts[i], next_header, now);
    if (results[i] == 0)
      ok++;
  }
  return ok;
}

size_t l2tpsec_esp_decrypt_batch(l2tpsec_esp_table *table,
                                 l2tpsec_pkt *const *pkts, size_t n,
                                 l2tpsec_tstamp now, int *results,
                                 uint8_t *next_headers, l2tpsec_esp_sa **sas) {
  size_t ok = 0;

  for (size_t i = 0; i < n; i++) {
    results[i] = l2tpsec_esp_table_decrypt(
        table, pkts[i], now, sas != NULL ? &sas[i] : NULL, &next_headers[i]);
    if (results[i] == 0)
      ok++;
  }
  return ok;
}
