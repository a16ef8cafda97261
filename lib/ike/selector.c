/*
 * Tunnel-mode traffic selectors carried in quick mode ID payloads
 * (RFC 2407 section 4.6.2): host addresses and subnets of IPv4 and IPv6.
 */
#include <string.h>

#include "core/log_internal.h"
#include "ike/isakmp.h"
#include "ike/selector.h"
#include "l2tpsec/errors.h"

#define ID_FIXED 4 /* ID type, protocol, port */

/* Address length in bytes of an address family; 0 when it is invalid. */
static size_t addr_len(uint8_t family) {
  if (family == 4)
    return 4;
  if (family == 6)
    return 16;
  return 0;
}

/* True when the first prefix_len bits of a and b are equal. */
static bool prefix_equal(const uint8_t *a, const uint8_t *b,
                         unsigned prefix_len) {
  size_t whole = prefix_len / 8;
  unsigned rest = prefix_len % 8;

  if (memcmp(a, b, whole) != 0)
    return false;
  if (rest == 0)
    return true;
  uint8_t mask = (uint8_t)(0xff << (8 - rest));
  return (a[whole] & mask) == (b[whole] & mask);
}

bool l2tpsec__ike_selector_valid(const l2tpsec_ike_selector *sel) {
  size_t alen = addr_len(sel->family);

  if (alen == 0 || sel->prefix_len > alen * 8)
    return false;
  /* Every bit beyond the prefix must be zero. */
  for (size_t bit = sel->prefix_len; bit < alen * 8; bit++) {
    if (sel->addr[bit / 8] & (0x80 >> (bit % 8)))
      return false;
  }
  return true;
}

int l2tpsec__ike_tunnel_settings_check(const l2tpsec_ike_settings *settings) {
  const char *bad = NULL;

  if (!l2tpsec__ike_selector_valid(&settings->tunnel_local))
    bad = "tunnel_local";
  else if (!l2tpsec__ike_selector_valid(&settings->tunnel_remote))
    bad = "tunnel_remote";
  if (bad == NULL)
    return 0;
  L2TPSEC_LOG(&settings->log, L2TPSEC_LOG_ERROR, L2TPSEC_LOG_IKE,
              "invalid %s selector: set family 4 or 6, a prefix length up "
              "to the address length, and no address bits beyond it",
              bad);
  return L2TPSEC_ERR_CONFIG;
}

/* Writes the netmask of prefix_len bits for an address of alen bytes. */
static void put_mask(ike_writer *w, unsigned prefix_len, size_t alen) {
  for (size_t i = 0; i < alen; i++) {
    unsigned bits = prefix_len > i * 8 ? prefix_len - (unsigned)i * 8 : 0;
    ike_put8(w, bits >= 8 ? 0xff : (uint8_t)(0xff << (8 - bits)));
  }
}

void l2tpsec__ike_put_selector(ike_writer *w, const l2tpsec_ike_selector *sel) {
  size_t alen = addr_len(sel->family);
  bool host = sel->prefix_len == alen * 8;
  uint8_t type = sel->family == 6
                     ? (host ? IPSEC_ID_IPV6_ADDR : IPSEC_ID_IPV6_ADDR_SUBNET)
                     : (host ? IPSEC_ID_IPV4_ADDR : IPSEC_ID_IPV4_ADDR_SUBNET);
  size_t off = l2tpsec__ike_payload_begin(w, ISAKMP_NP_ID);

  ike_put8(w, type);
  ike_put8(w, sel->protocol);
  ike_put16(w, sel->port);
  ike_put_bytes(w, sel->addr, alen);
  if (!host)
    put_mask(w, sel->prefix_len, alen);
  l2tpsec__ike_payload_end(w, off);
}

/* Counts the leading one bits of a netmask; -1 when it has a hole. */
static int mask_prefix_len(const uint8_t *mask, size_t alen) {
  int len = 0;
  bool ended = false;

  for (size_t bit = 0; bit < alen * 8; bit++) {
    bool one = mask[bit / 8] & (0x80 >> (bit % 8));
    if (one && ended)
      return -1;
    if (one)
      len++;
    else
      ended = true;
  }
  return len;
}

bool l2tpsec__ike_selector_parse(const isakmp_payload *id,
                                 l2tpsec_ike_selector *sel) {
  if (id->len < ID_FIXED)
    return false;

  uint8_t type = id->body[0];
  bool v6 = type == IPSEC_ID_IPV6_ADDR || type == IPSEC_ID_IPV6_ADDR_SUBNET;
  bool subnet =
      type == IPSEC_ID_IPV4_ADDR_SUBNET || type == IPSEC_ID_IPV6_ADDR_SUBNET;
  bool known = v6 || type == IPSEC_ID_IPV4_ADDR || subnet;
  size_t alen = v6 ? 16 : 4;
  if (!known || id->len != ID_FIXED + alen * (subnet ? 2 : 1))
    return false;

  memset(sel, 0, sizeof(*sel));
  sel->family = v6 ? 6 : 4;
  sel->protocol = id->body[1];
  sel->port = isakmp_get16(id->body + 2);
  memcpy(sel->addr, id->body + ID_FIXED, alen);
  int prefix = (int)alen * 8;
  if (subnet)
    prefix = mask_prefix_len(id->body + ID_FIXED + alen, alen);
  if (prefix < 0)
    return false;
  sel->prefix_len = (uint8_t)prefix;
  /* A subnet ID with host bits set names the same network without them. */
  for (size_t bit = sel->prefix_len; bit < alen * 8; bit++)
    sel->addr[bit / 8] &= (uint8_t) ~(0x80 >> (bit % 8));
  return true;
}

bool l2tpsec__ike_selector_within(const l2tpsec_ike_selector *inner,
                                  const l2tpsec_ike_selector *outer) {
  if (inner->family != outer->family || inner->prefix_len < outer->prefix_len ||
      !prefix_equal(inner->addr, outer->addr, outer->prefix_len))
    return false;
  if (outer->protocol != 0 && inner->protocol != outer->protocol)
    return false;
  return outer->port == 0 || inner->port == outer->port;
}

/* The selector of one phase-1 endpoint: that host, any protocol. */
static void host_selector(const l2tpsec_ike_endpoint *ep,
                          l2tpsec_ike_selector *sel) {
  memset(sel, 0, sizeof(*sel));
  sel->family = ep->family;
  memcpy(sel->addr, ep->addr, addr_len(ep->family));
  sel->prefix_len = (uint8_t)(addr_len(ep->family) * 8);
}

bool l2tpsec__ike_tunnel_ids(const l2tpsec_ike_settings *settings,
                             const ike_sa *sa, const isakmp_msg *msg,
                             bool we_initiated, l2tpsec_ike_child_sa *child) {
  l2tpsec_ike_selector ci, cr;

  if (msg->n_id == 0) {
    host_selector(we_initiated ? &sa->local : &sa->remote, &ci);
    host_selector(we_initiated ? &sa->remote : &sa->local, &cr);
  } else if (msg->n_id != 2 || !l2tpsec__ike_selector_parse(&msg->id[0], &ci) ||
             !l2tpsec__ike_selector_parse(&msg->id[1], &cr)) {
    return false;
  }

  /* IDci names the initiator's networks and IDcr the responder's. */
  const l2tpsec_ike_selector *ours = we_initiated ? &ci : &cr;
  const l2tpsec_ike_selector *theirs = we_initiated ? &cr : &ci;
  if (!l2tpsec__ike_selector_within(ours, &settings->tunnel_local) ||
      !l2tpsec__ike_selector_within(theirs, &settings->tunnel_remote))
    return false;
  child->ts_local = *ours;
  child->ts_remote = *theirs;
  return true;
}

uint16_t l2tpsec__ike_tunnel_encap(const ike_sa *sa) {
  if (sa->natt == IKE_NATT_NONE || !(sa->nat_local || sa->nat_remote))
    return IPSEC_ENCAP_TUNNEL;
  return sa->natt == IKE_NATT_RFC3947 ? IPSEC_ENCAP_UDP_TUNNEL
                                      : IPSEC_ENCAP_UDP_TUNNEL_DRAFT;
}
