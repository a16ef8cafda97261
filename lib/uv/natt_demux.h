/*
 * Demultiplexing of the NAT-T port (RFC 3948 section 2): IKE messages,
 * UDP-encapsulated ESP and NAT-keepalives share UDP port 4500.
 */
#ifndef L2TPSEC_UV_NATT_DEMUX_H
#define L2TPSEC_UV_NATT_DEMUX_H

#include <stddef.h>
#include <stdint.h>

enum l2tpsec__natt_kind {
  L2TPSEC__NATT_IKE,       /* non-ESP marker, then an IKE message */
  L2TPSEC__NATT_ESP,       /* an ESP packet starting with its SPI */
  L2TPSEC__NATT_KEEPALIVE, /* the one-byte 0xFF NAT-keepalive */
  L2TPSEC__NATT_INVALID,   /* too short to be any of them */
};

/*
 * Classifies one datagram received on the NAT-T port and stores in
 * *offset where the IKE or ESP message starts (after the 4-byte non-ESP
 * marker for IKE, 0 for ESP).
 */
enum l2tpsec__natt_kind l2tpsec__natt_classify(const uint8_t *data, size_t len,
                                               size_t *offset);

#endif
