/* Checks on the decrypted plaintext of an inbound ESP packet. */
#ifndef L2TPSEC_ESP_PAYLOAD_H
#define L2TPSEC_ESP_PAYLOAD_H

#include "esp/esp_internal.h"

/*
 * Takes the decrypted plaintext (payload, padding, pad length, next
 * header) in pkt and leaves the payload: validates and strips the
 * padding, checks the next header against the SA's mode, removes TFC
 * padding, and applies the inner UDP checksum rule of UDP-encapsulated
 * transport mode. Counts the packet on success and every error.
 */
int l2tpsec__esp_payload_finish(l2tpsec_esp_sa *sa, l2tpsec_pkt *pkt,
                                uint8_t *next_header, l2tpsec_tstamp now);

#endif
