/*
 * Vendor ID payloads: the capabilities a peer announces (NAT traversal
 * method, DPD, IKE fragmentation) and the implementation it names, which
 * selects a quirk profile.
 */
#ifndef L2TPSEC_IKE_VENDOR_H
#define L2TPSEC_IKE_VENDOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ike/isakmp.h"
#include "ike/writer.h"

/* NAT traversal methods, weakest first, so a larger value wins. */
enum ike_natt_method {
  IKE_NATT_NONE = 0,
  IKE_NATT_DRAFT_02,  /* draft-ietf-ipsec-nat-t-ike-02 */
  IKE_NATT_DRAFT_02N, /* the same draft's hash with a trailing newline */
  IKE_NATT_DRAFT_03,  /* draft-ietf-ipsec-nat-t-ike-03 */
  IKE_NATT_RFC3947,
};

/* Implementations with known behaviour, recognised by their VIDs. */
enum ike_peer_kind {
  IKE_PEER_UNKNOWN = 0,
  IKE_PEER_WINDOWS, /* MS NT5 ISAKMPOAKLEY */
  IKE_PEER_APPLE,   /* macOS / iOS */
  IKE_PEER_RACOON,  /* KAME/racoon, as in Android's native client */
  IKE_PEER_STRONGSWAN,
  IKE_PEER_OPENSWAN, /* Openswan and Libreswan ("OE" prefix) */
};

/*
 * Per-peer behaviour derived from its VIDs. Quirks:
 * - dpd_by_l2tp: the peer runs no DPD (Windows sends no DPD VID), so
 *   liveness is left to L2TP HELLO and LCP echo;
 * - sha2_truncbug_hint: Android's racoon-based client truncates
 *   HMAC-SHA2-256 to 96 bits in ESP; the ESP layer may need its
 *   96-bit option for this peer.
 */
typedef struct ike_peer_caps {
  enum ike_natt_method natt;
  bool dpd;
  bool fragmentation;
  bool xauth;
  bool cisco_unity;
  enum ike_peer_kind kind;
  uint32_t ms_version; /* the 4 bytes after the Windows VID's hash */
  bool dpd_by_l2tp;
  bool sha2_truncbug_hint;
} ike_peer_caps;

/* Scans a message's VID payloads; caps accumulate over the exchange. */
void l2tpsec__ike_vendor_scan(const isakmp_msg *msg, ike_peer_caps *caps);

/* Returns the name of a peer kind, for log lines. */
const char *l2tpsec__ike_peer_kind_name(enum ike_peer_kind kind);

/*
 * Appends our VIDs: the NAT-T ones (all four as initiator, or only the
 * chosen one as responder, given by `natt`), DPD and FRAGMENTATION.
 */
void l2tpsec__ike_vendor_write(ike_writer *w, bool initiator,
                               enum ike_natt_method natt);

/* NAT-D and NAT-OA payload numbers for a method (RFC 3947 or draft). */
uint8_t l2tpsec__ike_natd_type(enum ike_natt_method natt);
uint8_t l2tpsec__ike_natoa_type(enum ike_natt_method natt);

#endif
