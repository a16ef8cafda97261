/*
 * Quick mode (RFC 2409 section 5.5) for L2TP in transport mode, or in
 * tunnel mode between configured selectors (selector.c), both roles, with
 * optional PFS, NAT-OA (RFC 3947 section 5.2) and RESPONDER-LIFETIME
 * (RFC 2407 section 4.6.3.1).
 *
 *   QM1  HDR*, HASH(1), SA, Ni [, KE] [, IDci, IDcr] [, NAT-OAi, NAT-OAr]
 *   QM2  HDR*, HASH(2), SA, Nr [, KE] [, IDci, IDcr] [, NAT-OAi, NAT-OAr]
 *   QM3  HDR*, HASH(3)
 *
 * The responder installs the inbound half of the child SA when it sends
 * QM2, because the initiator's first ESP packet may overtake QM3. It
 * installs the whole pair when QM3 arrives, and resends QM2 on a timer
 * until then. The initiator installs the pair when it sends QM3, and resends
 * QM3 when QM2 comes again.
 */
#include <stdlib.h>
#include <string.h>

#include "core/log_internal.h"
#include "ike/ike_internal.h"
#include "ike/selector.h"
#include "l2tpsec/errors.h"
#include "l2tpsec/mem.h"

#define IPPROTO_UDP_NUMBER 17
#define NATOA_FIXED 4 /* ID type, reserved, reserved2 */

void l2tpsec__ike_qm_free(ike_qm *qm) {
  free(qm->sent.data);
  free(qm->last_rx);
  l2tpsec__dh_del(qm->dh);
  l2tpsec_wipe(qm, sizeof(*qm));
}

void l2tpsec__ike_qm_abort(l2tpsec_ike *ike, ike_qm *qm) {
  if (qm->inbound_early && !ike_qm_installed(qm) &&
      ike->cb.child_sa_down != NULL)
    ike->cb.child_sa_down(ike->user_data, qm->spi_in, qm->spi_out,
                          L2TPSEC_IKE_DOWN_FAILED);
  l2tpsec__ike_qm_free(qm);
}

static ike_qm *find_qm(ike_sa *sa, uint32_t message_id) {
  for (size_t i = 0; i < IKE_QM_MAX; i++) {
    if (sa->qm[i].state != QM_FREE && sa->qm[i].message_id == message_id)
      return &sa->qm[i];
  }
  return NULL;
}

static ike_qm *free_qm(ike_sa *sa) {
  for (size_t i = 0; i < IKE_QM_MAX; i++) {
    if (sa->qm[i].state == QM_FREE)
      return &sa->qm[i];
  }
  return NULL;
}

/* Whether child a should give up its slot before child b: a pair that a
 * newer one replaced first, then the one that expires first. */
static bool reclaim_before(const ike_qm *a, const ike_qm *b) {
  if (a->replaced != b->replaced)
    return a->replaced;
  return a->expires < b->expires;
}

/*
 * Ends the oldest installed child SA and returns its slot, or NULL when
 * every slot contains an exchange in progress. A new main mode from the same
 * address and port adopts every child of the old one, so a client that
 * keeps coming back (failed logins, or rekeys of both phases by both
 * sides) would otherwise fill the slots and have every later quick mode
 * dropped until the old pairs expire. No DELETE is sent: the peer either
 * moved to a newer pair already or is gone.
 */
static ike_qm *reclaim_qm(l2tpsec_ike *ike, ike_sa *sa) {
  ike_qm *oldest = NULL;

  for (size_t i = 0; i < IKE_QM_MAX; i++) {
    ike_qm *qm = &sa->qm[i];
    if (ike_qm_installed(qm) && (oldest == NULL || reclaim_before(qm, oldest)))
      oldest = qm;
  }
  if (oldest == NULL)
    return NULL;

  L2TPSEC_LOG(&ike->settings.log, L2TPSEC_LOG_NOTICE, L2TPSEC_LOG_IKE,
              "IKE SA %llu: all %d quick mode slots in use; ending ESP SA "
              "pair in 0x%08x, the oldest, to make room",
              (unsigned long long)sa->id, IKE_QM_MAX, oldest->spi_in);
  if (ike->cb.child_sa_down != NULL)
    ike->cb.child_sa_down(ike->user_data, oldest->spi_in, oldest->spi_out,
                          L2TPSEC_IKE_DOWN_DELETED);
  l2tpsec__ike_qm_free(oldest);
  return oldest;
}

static int random_u32(l2tpsec_ike *ike, uint32_t *v, uint32_t min) {
  uint8_t b[4];
  int err;

  do {
    err = l2tpsec_rand_bytes(&ike->settings.rand, b, 4);
    *v = isakmp_get32(b);
  } while (err == 0 && *v < min);
  return err;
}

/* ---- Algorithms and keys ------------------------------------------------ */

static size_t integ_key_len(uint16_t integ) {
  switch (integ) {
  case IPSEC_AUTH_HMAC_MD5:
    return 16;
  case IPSEC_AUTH_HMAC_SHA1:
    return 20;
  case IPSEC_AUTH_HMAC_SHA256:
    return 32;
  case IPSEC_AUTH_HMAC_SHA384:
    return 48;
  case IPSEC_AUTH_HMAC_SHA512:
    return 64;
  }
  return 0;
}

/* Cipher key length in bytes; AES-GCM adds its 4-byte salt. */
static size_t encr_key_len(const ike_xform *xf) {
  size_t bits = xf->key_bits ? xf->key_bits : 128;

  switch (xf->cipher) {
  case ESP_ID_3DES:
    return 24;
  case ESP_ID_AES_CBC:
    return bits / 8;
  case ESP_ID_AES_GCM_8:
  case ESP_ID_AES_GCM_12:
  case ESP_ID_AES_GCM_16:
    return bits / 8 + 4;
  }
  return 0;
}

static bool encap_is_transport(uint16_t encap) {
  return encap == IPSEC_ENCAP_TRANSPORT || encap == IPSEC_ENCAP_UDP_TRANSPORT ||
         encap == IPSEC_ENCAP_UDP_TRANSPORT_DRAFT;
}

static bool encap_is_udp(uint16_t encap) {
  return encap == IPSEC_ENCAP_UDP_TUNNEL ||
         encap == IPSEC_ENCAP_UDP_TRANSPORT ||
         encap == IPSEC_ENCAP_UDP_TUNNEL_DRAFT ||
         encap == IPSEC_ENCAP_UDP_TRANSPORT_DRAFT;
}

/* The one encapsulation mode we accept and offer: transport for L2TP,
 * or tunnel mode when configured, UDP-encapsulated behind a NAT with the
 * negotiated method's number. */
static uint16_t wanted_encap(const ike_sa *sa) {
  if (sa->tunnel)
    return l2tpsec__ike_tunnel_encap(sa);
  if (sa->natt == IKE_NATT_NONE || !(sa->nat_local || sa->nat_remote))
    return IPSEC_ENCAP_TRANSPORT;
  return sa->natt == IKE_NATT_RFC3947 ? IPSEC_ENCAP_UDP_TRANSPORT
                                      : IPSEC_ENCAP_UDP_TRANSPORT_DRAFT;
}

/* KEYMAT for one direction, split into cipher and integrity keys. */
static int keymat(const ike_sa *sa, const ike_qm *qm, const uint8_t *gqm,
                  size_t gqm_len, uint32_t spi, uint8_t *encr, uint8_t *integ) {
  uint8_t spi_b[4], out[2 * L2TPSEC_IKE_KEY_MAX];
  size_t elen = qm->child.encr_key_len, ilen = qm->child.integ_key_len;

  isakmp_put32(spi_b, spi);
  int err = l2tpsec__ikev1_keymat(sa->prf, sa->skeyid_d, gqm, gqm_len,
                                  ISAKMP_PROTO_ESP, spi_b, qm->ni, qm->ni_len,
                                  qm->nr, qm->nr_len, out, elen + ilen);
  if (err == 0) {
    memcpy(encr, out, elen);
    memcpy(integ, out + elen, ilen);
  }
  l2tpsec_wipe(out, sizeof(out));
  return err;
}

/* Fills qm->child from the chosen transform and derives both keys. */
static int make_child(const ike_sa *sa, ike_qm *qm, const uint8_t *peer_ke,
                      size_t peer_ke_len) {
  l2tpsec_ike_child_sa *c = &qm->child;
  uint8_t gqm[IKE_DH_MAX];
  size_t gqm_len = 0;
  int err = 0;

  c->spi_in = qm->spi_in;
  c->spi_out = qm->spi_out;
  c->esp_transform = qm->chosen.cipher;
  c->key_bits = qm->chosen.cipher == ESP_ID_3DES
                    ? 192
                    : (qm->chosen.key_bits ? qm->chosen.key_bits : 128);
  c->integ = qm->chosen.integ;
  c->encr_key_len = encr_key_len(&qm->chosen);
  c->integ_key_len = integ_key_len(qm->chosen.integ);
  c->encap_mode = qm->chosen.encap;
  c->transport = encap_is_transport(qm->chosen.encap);
  c->udp_encap = encap_is_udp(qm->chosen.encap);
  c->local = sa->local;
  c->remote = sa->remote;
  c->lifetime_seconds = qm->lifetime;
  c->lifetime_kbytes = qm->chosen.life_kbytes;
  c->initiator = qm->state == QM_I_SENT_1; /* we sent QM1 */
  c->ike_sa_id = sa->id;
  c->sha256_icv96_hint = sa->caps.sha2_truncbug_hint;

  if (qm->dh != NULL) {
    gqm_len = l2tpsec__dh_shared_len(qm->pfs_group);
    err = l2tpsec__dh_shared(qm->dh, peer_ke, peer_ke_len, gqm, gqm_len);
  }
  if (err == 0)
    err = keymat(sa, qm, qm->dh ? gqm : NULL, gqm_len, qm->spi_in,
                 c->encr_key_in, c->integ_key_in);
  if (err == 0)
    err = keymat(sa, qm, qm->dh ? gqm : NULL, gqm_len, qm->spi_out,
                 c->encr_key_out, c->integ_key_out);
  l2tpsec_wipe(gqm, sizeof(gqm));
  return err;
}

/* Hands the pair to the ESP layer, then wipes the keys. */
static int install_child(l2tpsec_ike *ike, ike_sa *sa, ike_qm *qm,
                         l2tpsec_tstamp now) {
  int err = ike->cb.child_sa_up(ike->user_data, &qm->child);

  L2TPSEC_LOG(&ike->settings.log, L2TPSEC_LOG_INFO, L2TPSEC_LOG_IKE,
              "IKE SA %llu: ESP SA pair in 0x%08x out 0x%08x %s (%s-%u %s, "
              "encapsulation %u, %u s)",
              (unsigned long long)sa->id, qm->spi_in, qm->spi_out,
              err == 0 ? "installed" : "rejected by the ESP layer",
              l2tpsec__ike_cipher_name(IKE_PHASE2, qm->chosen.cipher),
              qm->child.key_bits,
              l2tpsec__ike_hash_name(IKE_PHASE2, qm->chosen.integ),
              qm->chosen.encap, qm->lifetime);
  l2tpsec_wipe(qm->child.encr_key_in, sizeof(qm->child.encr_key_in));
  l2tpsec_wipe(qm->child.encr_key_out, sizeof(qm->child.encr_key_out));
  l2tpsec_wipe(qm->child.integ_key_in, sizeof(qm->child.integ_key_in));
  l2tpsec_wipe(qm->child.integ_key_out, sizeof(qm->child.integ_key_out));
  if (err == 0) {
    ike->stats.child_sas_established++;
    l2tpsec__ike_child_installed(ike, sa, qm, now);
  }
  return err;
}

/*
 * Hands the inbound half to the ESP layer before QM3, so that ESP which
 * overtakes QM3 decrypts. The keys stay for install_child. A rejection
 * only delays the inbound half until QM3.
 */
static void install_inbound_early(l2tpsec_ike *ike, const ike_sa *sa,
                                  ike_qm *qm) {
  if (ike->cb.child_sa_inbound == NULL)
    return;

  int err = ike->cb.child_sa_inbound(ike->user_data, &qm->child);
  qm->inbound_early = err == 0;
  L2TPSEC_LOG(&ike->settings.log, L2TPSEC_LOG_DEBUG, L2TPSEC_LOG_IKE,
              "IKE SA %llu: inbound ESP SA 0x%08x %s before QM3",
              (unsigned long long)sa->id, qm->spi_in,
              err == 0 ? "installed" : "not installed");
}

/* ---- Payload helpers ---------------------------------------------------- */

static void put_proxy_id(ike_writer *w, const l2tpsec_ike_endpoint *ep,
                         uint16_t port) {
  size_t off = l2tpsec__ike_payload_begin(w, ISAKMP_NP_ID);

  ike_put8(w, ep->family == 6 ? IPSEC_ID_IPV6_ADDR : IPSEC_ID_IPV4_ADDR);
  ike_put8(w, IPPROTO_UDP_NUMBER);
  ike_put16(w, port);
  ike_put_bytes(w, ep->addr, ep->family == 6 ? 16 : 4);
  l2tpsec__ike_payload_end(w, off);
}

static void put_natoa(ike_writer *w, const ike_sa *sa,
                      const l2tpsec_ike_endpoint *ep) {
  size_t off = l2tpsec__ike_payload_begin(w, l2tpsec__ike_natoa_type(sa->natt));

  ike_put8(w, ep->family == 6 ? IPSEC_ID_IPV6_ADDR : IPSEC_ID_IPV4_ADDR);
  ike_put8(w, 0);
  ike_put16(w, 0);
  ike_put_bytes(w, ep->addr, ep->family == 6 ? 16 : 4);
  l2tpsec__ike_payload_end(w, off);
}

/* NAT-OAi then NAT-OAr, only in UDP-encapsulated transport mode
 * (RFC 3947 section 5.2). */
static void put_natoa_pair(ike_writer *w, const ike_sa *sa,
                           const l2tpsec_ike_endpoint *initiator,
                           const l2tpsec_ike_endpoint *responder) {
  uint16_t encap = wanted_encap(sa);

  if (!encap_is_udp(encap) || !encap_is_transport(encap))
    return;
  put_natoa(w, sa, initiator);
  put_natoa(w, sa, responder);
}

bool l2tpsec__ike_natoa_parse(const isakmp_payload *p, l2tpsec_ike_endpoint *ep,
                              bool *reserved_set) {
  if (p->len < NATOA_FIXED)
    return false;

  uint8_t type = p->body[0];
  size_t alen = type == IPSEC_ID_IPV4_ADDR   ? 4
                : type == IPSEC_ID_IPV6_ADDR ? 16
                                             : 0;
  if (alen == 0 || p->len != NATOA_FIXED + alen)
    return false;
  *reserved_set = p->body[1] != 0 || p->body[2] != 0 || p->body[3] != 0;
  memset(ep, 0, sizeof(*ep));
  ep->family = alen == 4 ? 4 : 6;
  memcpy(ep->addr, p->body + NATOA_FIXED, alen);
  return true;
}

/* Reads one NAT-OA payload, logging non-zero reserved bytes. */
static bool parse_natoa(l2tpsec_ike *ike, const isakmp_payload *p,
                        l2tpsec_ike_endpoint *ep, l2tpsec_tstamp now) {
  bool reserved_set;

  if (!l2tpsec__ike_natoa_parse(p, ep, &reserved_set))
    return false;
  if (reserved_set)
    l2tpsec__log_limited(&ike->settings.log, &ike->log_limit, now,
                         L2TPSEC_LOG_INFO, L2TPSEC_LOG_IKE,
                         "NAT-OA with non-zero reserved bytes accepted");
  return true;
}

/* The first NAT-OA is the initiator's original address, the second the
 * responder's (RFC 3947 5.2); zero, one or two may come. */
static bool take_natoa(l2tpsec_ike *ike, const isakmp_msg *msg, ike_qm *qm,
                       l2tpsec_tstamp now) {
  l2tpsec_ike_endpoint *slots[2] = {&qm->child.original_initiator,
                                    &qm->child.original_responder};

  for (size_t i = 0; i < msg->n_natoa; i++) {
    if (!parse_natoa(ike, &msg->natoa[i], slots[i], now))
      return false;
  }
  return true;
}

/*
 * Checks one proxy ID for L2TP: an address (0.0.0.0 tolerated, as
 * 464XLAT clients send it), protocol UDP and the L2TP port, where the
 * peer's side may also use port 0 (any).
 */
static bool proxy_id_ok(const isakmp_payload *id, uint16_t l2tp_port,
                        bool any_port) {
  if (id->len < 4)
    return false;

  uint8_t type = id->body[0];
  size_t alen = type == IPSEC_ID_IPV4_ADDR   ? 4
                : type == IPSEC_ID_IPV6_ADDR ? 16
                                             : 0;
  uint16_t port = isakmp_get16(id->body + 2);
  if (alen == 0 || id->len != 4 + alen)
    return false;
  if (id->body[1] != IPPROTO_UDP_NUMBER)
    return false;
  return port == l2tp_port || (any_port && port == 0);
}

static int send_encrypted(l2tpsec_ike *ike, ike_sa *sa, ike_qm *qm,
                          ike_writer *w, const uint8_t *iv) {
  int err = l2tpsec__ike_encrypt(sa, w, iv, qm->iv);

  if (err == 0)
    err = l2tpsec__ike_send_keep(ike, sa, &qm->sent, w->buf, w->len);
  return err;
}

/* Decrypts a quick mode message and checks HASH is its first payload. */
static bool decrypt_qm(l2tpsec_ike *ike, ike_sa *sa, const ike_rx *rx,
                       const uint8_t *iv, isakmp_msg *msg, uint8_t *iv_next) {
  if (!(rx->hdr.flags & ISAKMP_FLAG_ENCRYPTION) ||
      l2tpsec__ike_decrypt(sa, rx->data, rx->len, iv, ike->plain, msg,
                           iv_next) != 0) {
    l2tpsec__ike_drop(ike, &ike->stats.drop_decrypt, rx->now,
                      "quick mode message 0x%08x of IKE SA %llu could not be "
                      "decrypted",
                      rx->hdr.message_id, (unsigned long long)sa->id);
    return false;
  }
  if (msg->first_type != ISAKMP_NP_HASH) {
    l2tpsec__ike_drop(ike, &ike->stats.drop_malformed, rx->now,
                      "quick mode message 0x%08x does not start with HASH",
                      rx->hdr.message_id);
    return false;
  }
  return true;
}

static bool hash_ok(l2tpsec_ike *ike, ike_sa *sa, const isakmp_msg *msg,
                    const l2tpsec__iovec *prefix, size_t n, const ike_rx *rx) {
  if (l2tpsec__ike_check_hash(sa, ike->plain + ISAKMP_HDR_LEN, msg, prefix, n))
    return true;
  l2tpsec__ike_drop(ike, &ike->stats.drop_integrity, rx->now,
                    "quick mode message 0x%08x of IKE SA %llu: HASH mismatch",
                    rx->hdr.message_id, (unsigned long long)sa->id);
  return false;
}

/* ---- Initiator ---------------------------------------------------------- */

/* Our transforms: the ESP policy with the one PFS group we ask for. */
static size_t initiator_offer(l2tpsec_ike *ike, const ike_sa *sa,
                              uint16_t pfs_group, ike_xform *xf) {
  ike_xform all[IKE_MAX_XFORMS];
  size_t n = l2tpsec__ike_policy_offer(
      &ike->p2_policy, l2tpsec__ike_group_supported, 0, wanted_encap(sa),
      ike->settings.esp_lifetime, all, IKE_MAX_XFORMS);
  size_t kept = 0;

  for (size_t i = 0; i < n; i++) {
    if (all[i].group == pfs_group)
      xf[kept++] = all[i];
  }
  return kept;
}

static int build_qm1(l2tpsec_ike *ike, ike_sa *sa, ike_qm *qm,
                     const ike_xform *xf, size_t n, ike_writer *w) {
  ike_proposal prop = {.number = 1, .protocol = ISAKMP_PROTO_ESP, .spi_len = 4};
  uint8_t ke[IKE_DH_MAX], mid[4];
  uint16_t port = ike->settings.l2tp_port;

  isakmp_put32(prop.spi, qm->spi_in);
  ike_writer_init(w, ike->out, sizeof(ike->out));
  l2tpsec__ike_put_header(w, sa, ISAKMP_XCHG_QUICK, 0, qm->message_id);
  size_t hash_off = l2tpsec__ike_payload_begin(w, ISAKMP_NP_HASH);
  ike_put(w, sa->prf_len);
  l2tpsec__ike_payload_end(w, hash_off);
  l2tpsec__ike_sa_write(w, IKE_PHASE2, &prop, xf, n);
  l2tpsec__ike_put_payload(w, ISAKMP_NP_NONCE, qm->ni, qm->ni_len);
  if (qm->dh != NULL) {
    size_t len = l2tpsec__dh_public_len(qm->pfs_group);
    if (l2tpsec__dh_public(qm->dh, ke, len) != 0)
      return L2TPSEC_ERR_CRYPTO;
    l2tpsec__ike_put_payload(w, ISAKMP_NP_KE, ke, len);
  }
  if (sa->tunnel) {
    l2tpsec__ike_put_selector(w, &ike->settings.tunnel_local);
    l2tpsec__ike_put_selector(w, &ike->settings.tunnel_remote);
  } else {
    put_proxy_id(w, &sa->local, port);
    put_proxy_id(w, &sa->remote, port);
  }
  put_natoa_pair(w, sa, &sa->local, &sa->remote);

  isakmp_put32(mid, qm->message_id);
  l2tpsec__iovec prefix[] = {{mid, 4}};
  return l2tpsec__ike_fill_hash(sa, w, hash_off, prefix, 1);
}

static int prepare_initiator(l2tpsec_ike *ike, ike_sa *sa, ike_qm *qm) {
  memset(qm, 0, sizeof(*qm));
  int err = random_u32(ike, &qm->message_id, 1);
  if (err == 0)
    err = random_u32(ike, &qm->spi_in, 256);
  if (err == 0)
    err = l2tpsec_rand_bytes(&ike->settings.rand, qm->ni, IKE_NONCE_LEN);
  qm->ni_len = IKE_NONCE_LEN;
  if (err == 0 && ike->settings.pfs) {
    qm->pfs_group = sa->chosen.group;
    err = l2tpsec__dh_new(&qm->dh, qm->pfs_group, &ike->settings.rand);
  }
  return err;
}

int l2tpsec__ike_qm_start(l2tpsec_ike *ike, ike_sa *sa, l2tpsec_tstamp now) {
  ike_xform xf[IKE_MAX_XFORMS];
  uint8_t iv[IKE_BLOCK_MAX];
  ike_writer w;
  ike_qm *qm = free_qm(sa);

  if (qm == NULL)
    qm = reclaim_qm(ike, sa);
  if (qm == NULL)
    return L2TPSEC_ERR_LIMIT;
  int err = prepare_initiator(ike, sa, qm);
  size_t n = initiator_offer(ike, sa, qm->pfs_group, xf);
  if (err == 0 && n == 0)
    err = L2TPSEC_ERR_CONFIG;
  if (err == 0)
    err = build_qm1(ike, sa, qm, xf, n, &w);
  l2tpsec__ike_phase2_iv(sa, qm->message_id, iv);
  if (err == 0)
    err = send_encrypted(ike, sa, qm, &w, iv);
  if (err != 0) {
    L2TPSEC_LOG(&ike->settings.log, L2TPSEC_LOG_ERROR, L2TPSEC_LOG_IKE,
                "IKE SA %llu: quick mode not started: %s",
                (unsigned long long)sa->id, l2tpsec_strerror(err));
    l2tpsec__ike_qm_free(qm);
    return err == L2TPSEC_ERR_NOMEM ? err : 0;
  }
  qm->state = QM_I_SENT_1;
  l2tpsec__ike_arm_retransmit(ike, now, &qm->deadline, &qm->interval,
                              &qm->tries);
  return 0;
}

/* Reads one TV or TLV attribute (values up to 4 bytes); returns its
 * encoded size, or 0 when it is truncated or too long. */
static size_t read_life_attr(const uint8_t *p, size_t avail, uint16_t *type,
                             uint32_t *value) {
  if (avail < 4)
    return 0;
  uint16_t t = isakmp_get16(p);
  *type = t & 0x7fff;
  if (t & 0x8000) {
    *value = isakmp_get16(p + 2);
    return 4;
  }

  size_t len = isakmp_get16(p + 2);
  if (len > 4 || len > avail - 4)
    return 0;
  *value = 0;
  for (size_t i = 0; i < len; i++)
    *value = (*value << 8) | p[4 + i];
  return 4 + len;
}

/* Reads RESPONDER-LIFETIME notifies and lowers the lifetime. */
static void apply_responder_lifetime(const isakmp_msg *msg, ike_qm *qm) {
  for (size_t i = 0; i < msg->n_notify; i++) {
    const isakmp_payload *n = &msg->notify[i];
    if (n->len < 8 || isakmp_get16(n->body + 6) != ISAKMP_N_RESPONDER_LIFETIME)
      continue;

    size_t off = 8 + (size_t)n->body[5];
    uint16_t life_type = 0, type;
    uint32_t value;
    size_t used;
    while (off < n->len && (used = read_life_attr(n->body + off, n->len - off,
                                                  &type, &value)) != 0) {
      if (type == IPSEC_ATTR_LIFE_TYPE)
        life_type = (uint16_t)value;
      else if (type == IPSEC_ATTR_LIFE_DURATION &&
               life_type == IKE_LIFE_SECONDS && value < qm->lifetime)
        qm->lifetime = value;
      off += used;
    }
  }
}

/* Checks that QM2 chose one of our transforms. */
static bool accept_qm2_choice(l2tpsec_ike *ike, const ike_sa *sa, ike_qm *qm,
                              const isakmp_msg *msg) {
  ike_sa_offer *offer = &(ike_sa_offer){0};
  uint16_t encap = wanted_encap(sa);
  ike_select_params params = {.policy = &ike->p2_policy,
                              .encaps = &encap,
                              .n_encaps = 1,
                              .group_supported = l2tpsec__ike_group_supported};

  if (msg->sa.body == NULL || msg->nonce.body == NULL || msg->nonce.len < 8 ||
      msg->nonce.len > IKE_NONCE_MAX ||
      l2tpsec__ike_sa_parse(msg->sa.body, msg->sa.len, IKE_PHASE2, offer) !=
          IKE_SA_OK ||
      offer->n_proposals != 1 || offer->prop[0].n_xforms != 1 ||
      offer->prop[0].protocol != ISAKMP_PROTO_ESP ||
      offer->prop[0].spi_len != 4)
    return false;
  const ike_xform *xf = &offer->prop[0].xf[0];
  if (l2tpsec__ike_xform_check(xf, &params) != NULL ||
      xf->group != qm->pfs_group)
    return false;

  qm->chosen = *xf;
  qm->chosen.raw = NULL;
  qm->spi_out = isakmp_get32(offer->prop[0].spi);
  memcpy(qm->nr, msg->nonce.body, msg->nonce.len);
  qm->nr_len = msg->nonce.len;
  qm->lifetime =
      xf->life_seconds ? xf->life_seconds : ike->settings.esp_lifetime;
  return true;
}

static int build_qm3(l2tpsec_ike *ike, ike_sa *sa, ike_qm *qm, ike_writer *w) {
  uint8_t zero = 0, mid[4], hash[L2TPSEC_HASH_MAX];

  isakmp_put32(mid, qm->message_id);
  l2tpsec__iovec parts[] = {
      {&zero, 1}, {mid, 4}, {qm->ni, qm->ni_len}, {qm->nr, qm->nr_len}};
  int err = l2tpsec__ike_prf(sa, sa->skeyid_a, sa->prf_len, parts, 4, hash);
  if (err != 0)
    return err;
  ike_writer_init(w, ike->out, sizeof(ike->out));
  l2tpsec__ike_put_header(w, sa, ISAKMP_XCHG_QUICK, 0, qm->message_id);
  l2tpsec__ike_put_payload(w, ISAKMP_NP_HASH, hash, sa->prf_len);
  return 0;
}

/* QM2 -> QM3, then install. */
static int initiator_qm2(l2tpsec_ike *ike, ike_sa *sa, ike_qm *qm,
                         const ike_rx *rx) {
  isakmp_msg *msg = &(isakmp_msg){0};
  uint8_t iv_next[IKE_BLOCK_MAX], mid[4];
  ike_writer w;

  if (!decrypt_qm(ike, sa, rx, qm->iv, msg, iv_next))
    return 0;
  isakmp_put32(mid, qm->message_id);
  l2tpsec__iovec prefix[] = {{mid, 4}, {qm->ni, qm->ni_len}};
  if (!hash_ok(ike, sa, msg, prefix, 2, rx))
    return 0;
  if (!accept_qm2_choice(ike, sa, qm, msg) ||
      !take_natoa(ike, msg, qm, rx->now) ||
      (sa->tunnel &&
       !l2tpsec__ike_tunnel_ids(&ike->settings, sa, msg, true, &qm->child)) ||
      (qm->dh != NULL) != (msg->ke.body != NULL)) {
    l2tpsec__ike_drop(ike, &ike->stats.drop_no_proposal, rx->now,
                      "QM2 0x%08x of IKE SA %llu chose a transform we did "
                      "not offer or lacks a payload",
                      qm->message_id, (unsigned long long)sa->id);
    return 0;
  }
  apply_responder_lifetime(msg, qm);

  int err = make_child(sa, qm, msg->ke.body, msg->ke.len);
  if (err == 0)
    err = build_qm3(ike, sa, qm, &w);
  if (err == 0)
    err =
        l2tpsec__ike_keep_rx(&qm->last_rx, &qm->last_rx_len, rx->data, rx->len);
  if (err == 0)
    err = send_encrypted(ike, sa, qm, &w, iv_next);
  if (err != 0)
    return err == L2TPSEC_ERR_NOMEM ? err : 0;

  qm->state = QM_I_DONE;
  qm->deadline = L2TPSEC_TSTAMP_NEVER;
  if (install_child(ike, sa, qm, rx->now) != 0)
    l2tpsec__ike_qm_free(qm); /* never installed: nothing to delete */
  return 0;
}

/* ---- Responder ---------------------------------------------------------- */

static void log_reject(void *user_data, const ike_proposal *prop,
                       const ike_xform *xf, const char *reason) {
  l2tpsec_ike *ike = user_data;

  l2tpsec__log_limited(
      &ike->settings.log, &ike->reject_log_limit, ike->rx_now, L2TPSEC_LOG_INFO,
      L2TPSEC_LOG_IKE,
      "ESP proposal %u transform %u (%s-%u %s PFS %s encapsulation "
      "%u) rejected: %s",
      prop->number, xf ? xf->number : 0,
      xf ? l2tpsec__ike_cipher_name(IKE_PHASE2, xf->cipher) : "-",
      xf ? xf->key_bits : 0,
      xf ? l2tpsec__ike_hash_name(IKE_PHASE2, xf->integ) : "-",
      xf ? l2tpsec__ike_group_name(xf->group) : "-", xf ? xf->encap : 0,
      reason);
}

/* Picks the ESP transform; PFS is taken only with a KE of its group. */
static bool choose_p2(l2tpsec_ike *ike, const ike_sa *sa, const isakmp_msg *msg,
                      ike_sa_offer *offer, size_t *pi, size_t *xi) {
  uint16_t encap = wanted_encap(sa);
  ike_select_params params = {.policy = &ike->p2_policy,
                              .encaps = &encap,
                              .n_encaps = 1,
                              .group_supported = l2tpsec__ike_group_supported,
                              .reject = log_reject,
                              .user_data = ike};

  if (l2tpsec__ike_sa_parse(msg->sa.body, msg->sa.len, IKE_PHASE2, offer) !=
          IKE_SA_OK ||
      !l2tpsec__ike_select(offer, &params, pi, xi))
    return false;

  const ike_xform *xf = &offer->prop[*pi].xf[*xi];
  if (xf->group == 0)
    return msg->ke.body == NULL;
  return msg->ke.body != NULL &&
         msg->ke.len == l2tpsec__dh_public_len(xf->group);
}

/* Checks QM1's proxy IDs: absent, or a pair for L2TP over UDP; in
 * tunnel mode, within the configured selectors. */
static bool ids_ok(l2tpsec_ike *ike, const ike_sa *sa, const isakmp_msg *msg,
                   ike_qm *qm) {
  uint16_t port = ike->settings.l2tp_port;

  if (sa->tunnel)
    return l2tpsec__ike_tunnel_ids(&ike->settings, sa, msg, false, &qm->child);
  if (msg->n_id == 0)
    return true;
  return msg->n_id == 2 && proxy_id_ok(&msg->id[0], port, true) &&
         proxy_id_ok(&msg->id[1], port, false);
}

/* Reads QM1 into qm; false (with a counter) when it is unacceptable. */
static bool accept_qm1(l2tpsec_ike *ike, ike_sa *sa, ike_qm *qm,
                       const isakmp_msg *msg, ike_sa_offer *offer, size_t *pi,
                       size_t *xi, const ike_rx *rx) {
  if (msg->sa.body == NULL || msg->nonce.body == NULL || msg->nonce.len < 8 ||
      msg->nonce.len > IKE_NONCE_MAX || !take_natoa(ike, msg, qm, rx->now)) {
    l2tpsec__ike_drop(ike, &ike->stats.drop_malformed, rx->now,
                      "QM1 0x%08x: SA or nonce missing, or NAT-OA invalid",
                      rx->hdr.message_id);
    return false;
  }
  if (!ids_ok(ike, sa, msg, qm)) {
    l2tpsec__ike_drop(ike, &ike->stats.drop_no_proposal, rx->now,
                      "QM1 0x%08x: proxy IDs are not %s", rx->hdr.message_id,
                      sa->tunnel ? "within the tunnel selectors"
                                 : "for L2TP over UDP");
    return false;
  }
  if (!choose_p2(ike, sa, msg, offer, pi, xi)) {
    l2tpsec__ike_drop(ike, &ike->stats.drop_no_proposal, rx->now,
                      "QM1 0x%08x: no acceptable ESP transform (expected "
                      "encapsulation %u)",
                      rx->hdr.message_id, wanted_encap(sa));
    return false;
  }

  const ike_proposal *prop = &offer->prop[*pi];
  qm->chosen = prop->xf[*xi];
  qm->spi_out = isakmp_get32(prop->spi);
  memcpy(qm->ni, msg->nonce.body, msg->nonce.len);
  qm->ni_len = msg->nonce.len;
  return true;
}

/* A lifetime longer than ours is cut and announced (RFC 2407 4.6.3.1). */
static void put_responder_lifetime(ike_writer *w, const ike_qm *qm) {
  size_t off = l2tpsec__ike_payload_begin(w, ISAKMP_NP_N);

  ike_put32(w, ISAKMP_DOI_IPSEC);
  ike_put8(w, ISAKMP_PROTO_ESP);
  ike_put8(w, 4);
  ike_put16(w, ISAKMP_N_RESPONDER_LIFETIME);
  ike_put32(w, qm->spi_in);
  ike_put16(w, 0x8000 | IPSEC_ATTR_LIFE_TYPE);
  ike_put16(w, IKE_LIFE_SECONDS);
  ike_put16(w, IPSEC_ATTR_LIFE_DURATION);
  ike_put16(w, 4);
  ike_put32(w, qm->lifetime);
  l2tpsec__ike_payload_end(w, off);
}

static int build_qm2(l2tpsec_ike *ike, ike_sa *sa, ike_qm *qm,
                     const isakmp_msg *msg, const ike_proposal *prop,
                     ike_writer *w) {
  ike_proposal ours = *prop;
  uint8_t ke[IKE_DH_MAX], mid[4];

  ours.spi_len = 4;
  isakmp_put32(ours.spi, qm->spi_in);
  ike_writer_init(w, ike->out, sizeof(ike->out));
  l2tpsec__ike_put_header(w, sa, ISAKMP_XCHG_QUICK, 0, qm->message_id);
  size_t hash_off = l2tpsec__ike_payload_begin(w, ISAKMP_NP_HASH);
  ike_put(w, sa->prf_len);
  l2tpsec__ike_payload_end(w, hash_off);
  l2tpsec__ike_sa_write(w, IKE_PHASE2, &ours, &qm->chosen, 1);
  l2tpsec__ike_put_payload(w, ISAKMP_NP_NONCE, qm->nr, qm->nr_len);
  if (qm->dh != NULL) {
    size_t len = l2tpsec__dh_public_len(qm->pfs_group);
    if (l2tpsec__dh_public(qm->dh, ke, len) != 0)
      return L2TPSEC_ERR_CRYPTO;
    l2tpsec__ike_put_payload(w, ISAKMP_NP_KE, ke, len);
  }
  for (size_t i = 0; i < msg->n_id; i++)
    l2tpsec__ike_put_payload(w, ISAKMP_NP_ID, msg->id[i].body, msg->id[i].len);
  put_natoa_pair(w, sa, &sa->remote, &sa->local);
  if (qm->lifetime < qm->chosen.life_seconds || qm->chosen.life_seconds == 0)
    put_responder_lifetime(w, qm);

  isakmp_put32(mid, qm->message_id);
  l2tpsec__iovec prefix[] = {{mid, 4}, {qm->ni, qm->ni_len}};
  return l2tpsec__ike_fill_hash(sa, w, hash_off, prefix, 2);
}

/* Our SPI, nonce and (with PFS) key pair, then the keys. */
static int prepare_responder(l2tpsec_ike *ike, ike_sa *sa, ike_qm *qm,
                             const isakmp_msg *msg) {
  uint32_t ours = ike->settings.esp_lifetime;

  qm->lifetime = qm->chosen.life_seconds && qm->chosen.life_seconds < ours
                     ? qm->chosen.life_seconds
                     : ours;
  int err = random_u32(ike, &qm->spi_in, 256);
  if (err == 0)
    err = l2tpsec_rand_bytes(&ike->settings.rand, qm->nr, IKE_NONCE_LEN);
  qm->nr_len = IKE_NONCE_LEN;
  if (err == 0 && qm->chosen.group != 0) {
    qm->pfs_group = qm->chosen.group;
    err = l2tpsec__dh_new(&qm->dh, qm->pfs_group, &ike->settings.rand);
  }
  if (err == 0)
    err = make_child(sa, qm, msg->ke.body, msg->ke.len);
  return err;
}

/* QM1 -> QM2. */
static int responder_qm1(l2tpsec_ike *ike, ike_sa *sa, const ike_rx *rx) {
  isakmp_msg *msg = &(isakmp_msg){0};
  ike_sa_offer *offer = &(ike_sa_offer){0};
  uint8_t iv[IKE_BLOCK_MAX], iv_next[IKE_BLOCK_MAX], mid[4];
  size_t pi, xi;
  ike_writer w;
  ike_qm *qm = free_qm(sa);

  if (rx->hdr.message_id == 0) {
    l2tpsec__ike_drop(ike, &ike->stats.drop_unexpected, rx->now,
                      "QM1 with message ID zero");
    return 0;
  }
  l2tpsec__ike_phase2_iv(sa, rx->hdr.message_id, iv);
  if (!decrypt_qm(ike, sa, rx, iv, msg, iv_next))
    return 0;
  isakmp_put32(mid, rx->hdr.message_id);
  l2tpsec__iovec prefix[] = {{mid, 4}};
  if (!hash_ok(ike, sa, msg, prefix, 1, rx))
    return 0;

  /* Only an authenticated QM1 may end an older child to make room. */
  if (qm == NULL)
    qm = reclaim_qm(ike, sa);
  if (qm == NULL) {
    l2tpsec__ike_drop(ike, &ike->stats.drop_unexpected, rx->now,
                      "QM1 0x%08x: no free quick mode slot",
                      rx->hdr.message_id);
    return 0;
  }

  memset(qm, 0, sizeof(*qm));
  qm->message_id = rx->hdr.message_id;
  if (!accept_qm1(ike, sa, qm, msg, offer, &pi, &xi, rx)) {
    l2tpsec__ike_qm_free(qm);
    return 0;
  }
  l2tpsec__ike_sa_update_endpoints(sa, rx);
  int err = prepare_responder(ike, sa, qm, msg);
  if (err == 0)
    err = build_qm2(ike, sa, qm, msg, &offer->prop[pi], &w);
  if (err == 0)
    err =
        l2tpsec__ike_keep_rx(&qm->last_rx, &qm->last_rx_len, rx->data, rx->len);
  if (err == 0)
    err = send_encrypted(ike, sa, qm, &w, iv_next);
  if (err != 0) {
    l2tpsec__ike_qm_free(qm);
    return err == L2TPSEC_ERR_NOMEM ? err : 0;
  }
  qm->chosen.raw = NULL;
  qm->state = QM_R_SENT_2;
  l2tpsec__ike_arm_retransmit(ike, rx->now, &qm->deadline, &qm->interval,
                              &qm->tries);
  install_inbound_early(ike, sa, qm);
  return 0;
}

/* QM3: the initiator proved liveness; install. */
static int responder_qm3(l2tpsec_ike *ike, ike_sa *sa, ike_qm *qm,
                         const ike_rx *rx) {
  isakmp_msg *msg = &(isakmp_msg){0};
  uint8_t iv_next[IKE_BLOCK_MAX], zero = 0, mid[4];

  if (!decrypt_qm(ike, sa, rx, qm->iv, msg, iv_next))
    return 0;
  isakmp_put32(mid, qm->message_id);
  l2tpsec__iovec prefix[] = {
      {&zero, 1}, {mid, 4}, {qm->ni, qm->ni_len}, {qm->nr, qm->nr_len}};
  if (!hash_ok(ike, sa, msg, prefix, 4, rx))
    return 0;

  memcpy(qm->iv, iv_next, sa->block_len);
  qm->deadline = L2TPSEC_TSTAMP_NEVER;
  if (install_child(ike, sa, qm, rx->now) != 0)
    l2tpsec__ike_qm_abort(ike, qm); /* takes back the inbound half */
  else
    qm->state = QM_R_DONE;
  return 0;
}

/* ---- Dispatch and timers ------------------------------------------------ */

int l2tpsec__ike_qm_input(l2tpsec_ike *ike, ike_sa *sa, const ike_rx *rx) {
  ike_qm *qm = find_qm(sa, rx->hdr.message_id);

  /* Either side of the phase-1 SA may start a quick mode: the phase-1
   * responder does so to rekey a child SA. */
  if (qm == NULL)
    return responder_qm1(ike, sa, rx);

  bool dup =
      l2tpsec__ike_is_dup(qm->last_rx, qm->last_rx_len, rx->data, rx->len);
  switch (qm->state) {
  case QM_R_SENT_2:
  case QM_I_DONE:
    if (dup) {
      ike->stats.replies_resent++;
      l2tpsec__ike_send_raw(ike, sa, qm->sent.data, qm->sent.len);
      return 0;
    }
    if (qm->state == QM_R_SENT_2)
      return responder_qm3(ike, sa, qm, rx);
    break;
  case QM_I_SENT_1:
    return initiator_qm2(ike, sa, qm, rx);
  case QM_R_DONE:
    ike->stats.drop_duplicate++;
    return 0;
  case QM_FREE:
    break;
  }
  l2tpsec__ike_drop(ike, &ike->stats.drop_unexpected, rx->now,
                    "quick mode message 0x%08x not expected in state %d",
                    rx->hdr.message_id, (int)qm->state);
  return 0;
}

void l2tpsec__ike_qm_timeout(l2tpsec_ike *ike, ike_sa *sa, l2tpsec_tstamp now) {
  for (size_t i = 0; i < IKE_QM_MAX; i++) {
    ike_qm *qm = &sa->qm[i];
    if (qm->state == QM_FREE || now < qm->deadline)
      continue;

    if (qm->tries >= ike->settings.retransmit_tries) {
      L2TPSEC_LOG(&ike->settings.log, L2TPSEC_LOG_NOTICE, L2TPSEC_LOG_IKE,
                  "IKE SA %llu: quick mode 0x%08x timed out",
                  (unsigned long long)sa->id, qm->message_id);
      l2tpsec__ike_qm_abort(ike, qm);
      continue;
    }
    qm->tries++;
    qm->interval *= 2;
    qm->deadline = now + qm->interval;
    ike->stats.retransmits++;
    l2tpsec__ike_send_raw(ike, sa, qm->sent.data, qm->sent.len);
  }
}
