/*
 * IKEv1 (RFC 2409) over ISAKMP (RFC 2408) for L2TP/IPsec, as an I/O-free
 * state machine: it is fed datagrams from UDP 500/4500 with their
 * addresses, emits datagrams through a callback, and reports negotiated
 * ESP SAs through callbacks for the ESP layer to install.
 */
#ifndef L2TPSEC_IKE_H
#define L2TPSEC_IKE_H

#include "l2tpsec/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A UDP endpoint. family is 4 or 6; an IPv4 address fills addr[0..4). */
typedef struct l2tpsec_ike_endpoint {
  uint8_t family;
  uint8_t addr[16];
  uint16_t port;
} l2tpsec_ike_endpoint;

#ifdef __cplusplus
}
#endif

#endif
