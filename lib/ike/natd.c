/*
 * NAT discovery (RFC 3947 sections 3 and 4): the NAT-D hashes, which side
 * sits behind a NAT, and the float to port 4500; and the responder's
 * optional claim that only the peer is behind a NAT.
 */
#include <string.h>

#include "core/log_internal.h"
#include "ike/ike_internal.h"
#include "ike/isakmp.h"
#include "ike/natd.h"
#include "ike/vendor.h"
#include "ike/writer.h"
#include "l2tpsec/errors.h"

bool l2tpsec__ike_hash_alg(uint16_t ike_hash, enum l2tpsec__hash_alg *alg) {
  switch (ike_hash) {
  case IKE_HASH_MD5:
    *alg = L2TPSEC_HASH_MD5;
    return true;
  case IKE_HASH_SHA1:
    *alg = L2TPSEC_HASH_SHA1;
    return true;
  case IKE_HASH_SHA256:
    *alg = L2TPSEC_HASH_SHA256;
    return true;
  case IKE_HASH_SHA384:
    *alg = L2TPSEC_HASH_SHA384;
    return true;
  case IKE_HASH_SHA512:
    *alg = L2TPSEC_HASH_SHA512;
    return true;
  }
  return false;
}

int l2tpsec__ike_natd_hash(enum l2tpsec__hash_alg alg, const uint8_t icookie[8],
                           const uint8_t rcookie[8],
                           const l2tpsec_ike_endpoint *ep, uint8_t *out) {
  uint8_t port[2] = {(uint8_t)(ep->port >> 8), (uint8_t)ep->port};
  size_t addr_len = ep->family == 6 ? 16 : 4;

  if (ep->family != 4 && ep->family != 6)
    return L2TPSEC_ERR_INVALID_ARGUMENT;

  l2tpsec__iovec parts[] = {
      {icookie, ISAKMP_COOKIE_LEN},
      {rcookie, ISAKMP_COOKIE_LEN},
      {ep->addr, addr_len},
      {port, sizeof(port)},
  };
  return l2tpsec__hash(alg, parts, 4, out);
}

/* ---- Detection in main and aggressive mode ------------------------------ */

static void put_natd(ike_writer *w, const ike_sa *sa,
                     const l2tpsec_ike_endpoint *ep) {
  uint8_t hash[L2TPSEC_HASH_MAX];

  if (l2tpsec__ike_natd_hash(sa->prf, sa->icookie, sa->rcookie, ep, hash) != 0)
    w->failed = true;
  l2tpsec__ike_put_payload(w, l2tpsec__ike_natd_type(sa->natt), hash,
                           sa->prf_len);
}

/*
 * fake_client_nat: the hash of the peer's endpoint covers port 0, which
 * no peer sends from, so the peer concludes that it sits behind a NAT.
 * The hash of our endpoint is the one the peer computed for the address
 * it sent to, so a server behind a NAT looks like one without. Windows
 * then accepts the SA without its AssumeUDPEncapsulationContextOnSendRule
 * change, and every peer puts ESP in UDP 4500.
 */
static void put_fake_natd_pair(ike_writer *w, const ike_sa *sa) {
  l2tpsec_ike_endpoint peer = sa->remote;

  peer.port = 0;
  put_natd(w, sa, &peer);
  if (sa->natd_seen_len == sa->prf_len)
    l2tpsec__ike_put_payload(w, l2tpsec__ike_natd_type(sa->natt), sa->natd_seen,
                             sa->natd_seen_len);
  else
    put_natd(w, sa, &sa->local);
}

/* RFC 3947 3.2: the first NAT-D hashes the destination, the rest the
 * sources the sender may use. */
void l2tpsec__ike_put_natd_pair(ike_writer *w, const ike_sa *sa) {
  if (sa->natt == IKE_NATT_NONE)
    return;
  if (sa->fake_client_nat) {
    put_fake_natd_pair(w, sa);
    return;
  }
  put_natd(w, sa, &sa->remote);
  put_natd(w, sa, &sa->local);
}

static bool natd_matches(const ike_sa *sa, const isakmp_payload *p,
                         const l2tpsec_ike_endpoint *ep) {
  uint8_t hash[L2TPSEC_HASH_MAX];

  if (p->len != sa->prf_len ||
      l2tpsec__ike_natd_hash(sa->prf, sa->icookie, sa->rcookie, ep, hash) != 0)
    return false;
  return memcmp(hash, p->body, sa->prf_len) == 0;
}

/* Keeps the peer's hash of our endpoint for put_fake_natd_pair, and
 * treats the peer as behind a NAT, as we made it believe. */
static void keep_fake_natd(ike_sa *sa, const isakmp_payload *ours) {
  sa->nat_remote = true;
  if (ours->len != sa->prf_len)
    return;
  memcpy(sa->natd_seen, ours->body, ours->len);
  sa->natd_seen_len = ours->len;
}

void l2tpsec__ike_detect_nat(ike_sa *sa, const isakmp_msg *msg,
                             const l2tpsec_ike_endpoint *local,
                             const l2tpsec_ike_endpoint *remote) {
  if (sa->natt == IKE_NATT_NONE || msg->n_natd < 2)
    return;

  sa->nat_local = !natd_matches(sa, &msg->natd[0], local);
  sa->nat_remote = true;
  for (size_t i = 1; i < msg->n_natd; i++) {
    if (natd_matches(sa, &msg->natd[i], remote))
      sa->nat_remote = false;
  }
  if (sa->fake_client_nat)
    keep_fake_natd(sa, &msg->natd[0]);
}

/* RFC 3947 section 4. A main mode that a rekey starts on 4500 keeps its
 * ports: the peer's may be the one a NAT mapped its 4500 to. */
void l2tpsec__ike_float_ports(ike_sa *sa) {
  if (sa->natt == IKE_NATT_NONE || !(sa->nat_local || sa->nat_remote))
    return;
  if (sa->local.port == 500)
    sa->local.port = 4500;
  if (sa->remote.port == 500)
    sa->remote.port = 4500;
}

void l2tpsec__ike_set_fake_client_nat(l2tpsec_ike *ike, bool on,
                                      const char *why) {
  ike->settings.fake_client_nat = on;
  if (!on)
    return;
  L2TPSEC_LOG(&ike->settings.log, L2TPSEC_LOG_WARNING, L2TPSEC_LOG_IKE,
              "fake_client_nat on (%s): every client is told that it sits "
              "behind a NAT and this server does not, so ESP always travels "
              "in UDP 4500; turn it off to let clients without a NAT send "
              "plain ESP",
              why);
}
