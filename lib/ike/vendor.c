/* Vendor ID recognition and the VIDs we send. */
#include <string.h>

#include "ike/vendor.h"

/* MD5 digests of the strings named in each comment (see ike-scan's
 * ike-vendor-ids list and RFC 3706 / RFC 3947). */
static const uint8_t vid_rfc3947[16] = {
    0x4a, 0x13, 0x1c, 0x81, 0x07, 0x03, 0x58, 0x45, /* "RFC 3947" */
    0x5c, 0x57, 0x28, 0xf2, 0x0e, 0x95, 0x45, 0x2f};
static const uint8_t vid_draft02[16] = {
    0xcd, 0x60, 0x46, 0x43, 0x35, 0xdf, 0x21, 0xf8, /* "...-nat-t-ike-02" */
    0x7c, 0xfd, 0xb2, 0xfc, 0x68, 0xb6, 0xa4, 0x48};
static const uint8_t vid_draft02n[16] = {
    0x90, 0xcb, 0x80, 0x91, 0x3e, 0xbb, 0x69, 0x6e, /* "...-02\n" */
    0x08, 0x63, 0x81, 0xb5, 0xec, 0x42, 0x7b, 0x1f};
static const uint8_t vid_draft03[16] = {
    0x7d, 0x94, 0x19, 0xa6, 0x53, 0x10, 0xca, 0x6f, /* "...-nat-t-ike-03" */
    0x2c, 0x17, 0x9d, 0x92, 0x15, 0x52, 0x9d, 0x56};
/* RFC 3706 section 7: 14 fixed bytes, then major 1 and minor 0. */
static const uint8_t vid_dpd[16] = {0xaf, 0xca, 0xd7, 0x13, 0x68, 0xa1,
                                    0xf1, 0xc9, 0x6b, 0x86, 0x96, 0xfc,
                                    0x77, 0x57, 0x01, 0x00};
static const uint8_t vid_frag[16] = {
    0x40, 0x48, 0xb7, 0xd5, 0x6e, 0xbc, 0xe8, 0x85, /* "FRAGMENTATION" */
    0x25, 0xe7, 0xde, 0x7f, 0x00, 0xd6, 0xc2, 0xd3};
static const uint8_t vid_ms_nt5[16] = {
    0x1e, 0x2b, 0x51, 0x69, 0x05, 0x99, 0x1c, 0x7d, /* "MS NT5 ISAKMPOAKLEY" */
    0x7c, 0x96, 0xfc, 0xbf, 0xb5, 0x87, 0xe4, 0x61};
static const uint8_t vid_racoon[16] = {
    0x70, 0x03, 0xcb, 0xc1, 0x09, 0x7d, 0xbe, 0x9c, /* "KAME/racoon" */
    0x26, 0x00, 0xba, 0x69, 0x83, 0xbc, 0x8b, 0x35};
static const uint8_t vid_strongswan[16] = {
    0x88, 0x2f, 0xe5, 0x6d, 0x6f, 0xd2, 0x0d, 0xbc, /* "strongSwan" */
    0x22, 0x51, 0x61, 0x3b, 0x2e, 0xbe, 0x5b, 0xeb};
/* Two VIDs seen from macOS (listed in ike-scan's ike-vendor-ids). */
static const uint8_t vid_apple1[12] = {0x4d, 0x61, 0x63, 0x20, 0x4f, 0x53,
                                       0x58, 0x20, 0x31, 0x30, 0x2e, 0x78};
static const uint8_t vid_apple2[16] = {0x4d, 0xf3, 0x79, 0x28, 0xe9, 0xfc,
                                       0x4f, 0xd1, 0xb3, 0x26, 0x21, 0x70,
                                       0xd5, 0x15, 0xc6, 0x62};
static const uint8_t vid_xauth[8] = {0x09, 0x00, 0x26, 0x89,
                                     0xdf, 0xd6, 0xb7, 0x12};
static const uint8_t vid_unity[14] = {0x12, 0xf5, 0xf2, 0x8c, 0x45, 0x71, 0x68,
                                      0xa9, 0x70, 0x2d, 0x9f, 0xe2, 0x74, 0xcc};

/* True when the VID starts with `prefix` (some add version bytes). */
static bool has_prefix(const isakmp_payload *v, const uint8_t *prefix,
                       size_t n) {
  return v->len >= n && memcmp(v->body, prefix, n) == 0;
}

/* True when the VID is exactly `id`. */
static bool equals(const isakmp_payload *v, const uint8_t *id, size_t n) {
  return v->len == n && memcmp(v->body, id, n) == 0;
}

static void raise_natt(ike_peer_caps *caps, enum ike_natt_method m) {
  if (m > caps->natt)
    caps->natt = m;
}

static void scan_natt(const isakmp_payload *v, ike_peer_caps *caps) {
  if (equals(v, vid_rfc3947, 16))
    raise_natt(caps, IKE_NATT_RFC3947);
  else if (equals(v, vid_draft03, 16))
    raise_natt(caps, IKE_NATT_DRAFT_03);
  else if (equals(v, vid_draft02n, 16))
    raise_natt(caps, IKE_NATT_DRAFT_02N);
  else if (equals(v, vid_draft02, 16))
    raise_natt(caps, IKE_NATT_DRAFT_02);
}

static void scan_kind(const isakmp_payload *v, ike_peer_caps *caps) {
  if (has_prefix(v, vid_ms_nt5, 16)) {
    caps->kind = IKE_PEER_WINDOWS;
    caps->dpd_by_l2tp = true;
    if (v->len >= 20)
      caps->ms_version = isakmp_get32(v->body + 16);
  } else if (equals(v, vid_racoon, 16)) {
    caps->kind = IKE_PEER_RACOON;
    caps->sha2_truncbug_hint = true;
  } else if (has_prefix(v, vid_apple1, 12) || equals(v, vid_apple2, 16)) {
    caps->kind = IKE_PEER_APPLE;
  } else if (has_prefix(v, vid_strongswan, 16)) {
    caps->kind = IKE_PEER_STRONGSWAN;
  } else if (v->len >= 12 && v->body[0] == 'O' && v->body[1] == 'E') {
    caps->kind = IKE_PEER_OPENSWAN;
  }
}

void l2tpsec__ike_vendor_scan(const isakmp_msg *msg, ike_peer_caps *caps) {
  for (size_t i = 0; i < msg->n_vid; i++) {
    const isakmp_payload *v = &msg->vid[i];

    scan_natt(v, caps);
    scan_kind(v, caps);
    if (has_prefix(v, vid_dpd, 14))
      caps->dpd = true;
    if (has_prefix(v, vid_frag, 16))
      caps->fragmentation = true;
    if (has_prefix(v, vid_xauth, 8))
      caps->xauth = true;
    if (has_prefix(v, vid_unity, 14))
      caps->cisco_unity = true;
  }
}

const char *l2tpsec__ike_peer_kind_name(enum ike_peer_kind kind) {
  switch (kind) {
  case IKE_PEER_UNKNOWN:
    break;
  case IKE_PEER_WINDOWS:
    return "windows";
  case IKE_PEER_APPLE:
    return "apple";
  case IKE_PEER_RACOON:
    return "racoon";
  case IKE_PEER_STRONGSWAN:
    return "strongswan";
  case IKE_PEER_OPENSWAN:
    return "openswan";
  }
  return "unknown";
}

static void put_vid(ike_writer *w, const uint8_t *id, size_t n) {
  l2tpsec__ike_put_payload(w, ISAKMP_NP_VID, id, n);
}

void l2tpsec__ike_vendor_write(ike_writer *w, bool initiator,
                               enum ike_natt_method natt) {
  if (initiator || natt == IKE_NATT_RFC3947)
    put_vid(w, vid_rfc3947, 16);
  if (initiator || natt == IKE_NATT_DRAFT_03)
    put_vid(w, vid_draft03, 16);
  if (initiator || natt == IKE_NATT_DRAFT_02N)
    put_vid(w, vid_draft02n, 16);
  if (initiator || natt == IKE_NATT_DRAFT_02)
    put_vid(w, vid_draft02, 16);
  put_vid(w, vid_dpd, 16);
  put_vid(w, vid_frag, 16);
}

uint8_t l2tpsec__ike_natd_type(enum ike_natt_method natt) {
  return natt == IKE_NATT_RFC3947 ? ISAKMP_NP_NATD : ISAKMP_NP_NATD_DRAFT;
}

uint8_t l2tpsec__ike_natoa_type(enum ike_natt_method natt) {
  return natt == IKE_NATT_RFC3947 ? ISAKMP_NP_NATOA : ISAKMP_NP_NATOA_DRAFT;
}
