/*
 * Main mode with pre-shared keys (RFC 2409 section 5), both roles, with
 * NAT discovery and the float to port 4500 (RFC 3947 sections 3 and 4).
 * With signatures, cert_auth.c adds CERTREQ to MM3 and MM4 and writes
 * ID, CERT and SIG in place of ID and HASH; cert_verify.c checks them.
 *
 *   MM1  HDR, SA, VID...            MM2  HDR, SA, VID...
 *   MM3  HDR, KE, Ni, NAT-D, NAT-D  MM4  HDR, KE, Nr, NAT-D, NAT-D
 *   MM5  HDR*, IDii, HASH_I         MM6  HDR*, IDir, HASH_R
 *
 * A responder replies to a byte-identical repeat of the last request
 * with its stored reply and never computes a new one. An initiator
 * repeats its last request on a timer.
 */
#include <stdlib.h>
#include <string.h>

#include "core/log_internal.h"
#include "ike/ike_internal.h"
#include "ike/natd.h"
#include "l2tpsec/errors.h"
#include "l2tpsec/mem.h"

static int random_bytes(l2tpsec_ike *ike, uint8_t *out, size_t n) {
  return l2tpsec_rand_bytes(&ike->settings.rand, out, n);
}

/* A cookie is any non-zero value (RFC 2408 2.5.3 requires uniqueness). */
static int new_cookie(l2tpsec_ike *ike, uint8_t *cookie) {
  static const uint8_t zero[ISAKMP_COOKIE_LEN];
  int err;

  do {
    err = random_bytes(ike, cookie, ISAKMP_COOKIE_LEN);
  } while (err == 0 && memcmp(cookie, zero, ISAKMP_COOKIE_LEN) == 0);
  return err;
}

static uint32_t min_lifetime(uint32_t peer, uint32_t ours) {
  return peer == 0 || peer > ours ? ours : peer;
}

/* ---- Payload helpers ---------------------------------------------------- */

/* Copies KE and NONCE of MM3/MM4 into the SA after checking sizes. */
static bool take_ke_nonce(ike_sa *sa, const isakmp_msg *msg, uint8_t *gx,
                          uint8_t *nonce, size_t *nonce_len) {
  size_t want = l2tpsec__dh_public_len(sa->chosen.group);

  if (msg->ke.body == NULL || msg->nonce.body == NULL || want == 0 ||
      msg->ke.len != want || msg->nonce.len < 8 ||
      msg->nonce.len > IKE_NONCE_MAX)
    return false;
  memcpy(gx, msg->ke.body, want);
  sa->gx_len = want;
  memcpy(nonce, msg->nonce.body, msg->nonce.len);
  *nonce_len = msg->nonce.len;
  return true;
}

/* Creates our DH key pair and nonce. */
static int make_ke_nonce(l2tpsec_ike *ike, ike_sa *sa, uint8_t *gx,
                         uint8_t *nonce, size_t *nonce_len) {
  int err = l2tpsec__dh_new(&sa->dh, sa->chosen.group, &ike->settings.rand);

  if (err == 0)
    err = l2tpsec__dh_public(sa->dh, gx, sa->gx_len);
  if (err == 0)
    err = random_bytes(ike, nonce, IKE_NONCE_LEN);
  *nonce_len = IKE_NONCE_LEN;
  return err;
}

/*
 * HASH_I = prf(SKEYID, g^xi | g^xr | CKY-I | CKY-R | SAi_b | IDii_b) and
 * HASH_R = prf(SKEYID, g^xr | g^xi | CKY-R | CKY-I | SAi_b | IDir_b),
 * where an ECDSA method replaces the PRF (l2tpsec__ike_auth_prf).
 */
static int auth_hash(const ike_sa *sa, bool of_initiator, const uint8_t *id_b,
                     size_t id_len, uint8_t *out) {
  const uint8_t *g1 = of_initiator ? sa->gxi : sa->gxr;
  const uint8_t *g2 = of_initiator ? sa->gxr : sa->gxi;
  const uint8_t *c1 = of_initiator ? sa->icookie : sa->rcookie;
  const uint8_t *c2 = of_initiator ? sa->rcookie : sa->icookie;
  l2tpsec__iovec parts[] = {
      {g1, sa->gx_len},           {g2, sa->gx_len},
      {c1, ISAKMP_COOKIE_LEN},    {c2, ISAKMP_COOKIE_LEN},
      {sa->sai_b, sa->sai_b_len}, {id_b, id_len},
  };
  return l2tpsec__hmac(l2tpsec__ike_auth_prf(sa), sa->skeyid, sa->prf_len,
                       parts, 6, out);
}

/* Builds MM5 or MM6: ID, then HASH over it (or CERT and SIG), encrypted. */
static int build_auth(l2tpsec_ike *ike, ike_sa *sa, ike_writer *w) {
  uint8_t hash[L2TPSEC_HASH_MAX];

  l2tpsec__ike_put_header(w, sa, ISAKMP_XCHG_IDENT_PROT, 0, 0);
  if (l2tpsec__ike_auth_is_sig(sa->chosen.auth)) {
    int err = l2tpsec__ike_put_sig_auth(ike, sa, w);
    return err != 0 ? err : l2tpsec__ike_encrypt(sa, w, sa->iv, sa->iv);
  }
  size_t id = l2tpsec__ike_put_psk_id(ike, w, &sa->local);
  if (w->failed)
    return L2TPSEC_ERR_NOBUFS;

  const uint8_t *id_b = w->buf + id + ISAKMP_GENERIC_LEN;
  size_t id_len = w->len - id - ISAKMP_GENERIC_LEN;
  int err = auth_hash(sa, sa->initiator, id_b, id_len, hash);
  if (err != 0)
    return err;
  l2tpsec__ike_put_payload(w, ISAKMP_NP_HASH, hash, sa->prf_len);
  return l2tpsec__ike_encrypt(sa, w, sa->iv, sa->iv);
}

/* Checks the peer's ID and HASH in a decrypted MM5/MM6. */
static bool verify_auth(const ike_sa *sa, const isakmp_msg *msg) {
  uint8_t expected[L2TPSEC_HASH_MAX];

  if (msg->n_id != 1 || msg->hash.body == NULL || msg->hash.len != sa->prf_len)
    return false;
  if (auth_hash(sa, !sa->initiator, msg->id[0].body, msg->id[0].len,
                expected) != 0)
    return false;
  return l2tpsec__ike_hash_equal(expected, msg->hash.body, sa->prf_len);
}

static void establish(l2tpsec_ike *ike, ike_sa *sa, l2tpsec_tstamp now) {
  uint32_t life =
      min_lifetime(sa->chosen.life_seconds, ike->settings.ike_lifetime);

  memcpy(sa->p1_last, sa->iv, sa->block_len);
  if (!sa->initiator)
    ike->stats.half_open--;
  sa->state = IKE_ESTABLISHED;
  sa->deadline = L2TPSEC_TSTAMP_NEVER;
  sa->last_heard = now;
  sa->expires = now + (l2tpsec_duration)life * L2TPSEC_SECONDS;
  ike->stats.ike_sas_established++;
  L2TPSEC_LOG(&ike->settings.log, L2TPSEC_LOG_INFO, L2TPSEC_LOG_IKE,
              "IKE SA %llu established (%s-%u %s %s, peer %s, NAT %s)",
              (unsigned long long)sa->id,
              l2tpsec__ike_cipher_name(IKE_PHASE1, sa->chosen.cipher),
              (unsigned)(sa->enc_key_len * 8),
              l2tpsec__ike_hash_name(IKE_PHASE1, sa->chosen.hash),
              l2tpsec__ike_group_name(sa->chosen.group),
              l2tpsec__ike_peer_kind_name(sa->caps.kind),
              sa->nat_local || sa->nat_remote ? "detected" : "none");
  if (ike->cb.ike_sa_up != NULL)
    ike->cb.ike_sa_up(ike->user_data, sa->id, &sa->remote);
}

/* Sends the initiator's next request after the reply in rx. */
static int send_request(l2tpsec_ike *ike, ike_sa *sa, ike_writer *w,
                        const ike_rx *rx, l2tpsec_tstamp now) {
  int err = 0;

  if (rx != NULL)
    err =
        l2tpsec__ike_sa_keep_rx(sa, rx);
  if (err == 0)
    err = l2tpsec__ike_send_keep(ike, sa, &sa->sent, w->buf, w->len);

  if (err == 0)
    l2tpsec__ike_arm_retransmit(ike, now, &sa->deadline, &sa->interval,
                                &sa->tries);
  return err;
}

/* ---- Responder ---------------------------------------------------------- */

static void log_reject(void *user_data, const ike_proposal *prop,
                       const ike_xform *xf, const char *reason) {
  l2tpsec_ike *ike = user_data;

  if (xf == NULL) {
    l2tpsec__log_limited(&ike->settings.log, &ike->reject_log_limit,
                         ike->rx_now, L2TPSEC_LOG_INFO, L2TPSEC_LOG_IKE,
                         "proposal %u rejected: %s", prop->number, reason);
    return;
  }
  l2tpsec__log_limited(
      &ike->settings.log, &ike->reject_log_limit, ike->rx_now, L2TPSEC_LOG_INFO,
      L2TPSEC_LOG_IKE, "transform %u (%s-%u %s %s auth %u) rejected: %s",
      xf->number, l2tpsec__ike_cipher_name(IKE_PHASE1, xf->cipher),
      xf->key_bits, l2tpsec__ike_hash_name(IKE_PHASE1, xf->hash),
      l2tpsec__ike_group_name(xf->group), xf->auth, reason);
}

/* Selects our transform from the first message's SA with one of the
 * given authentication methods; false when none fits. */
static bool choose_p1_with(l2tpsec_ike *ike, const isakmp_msg *msg,
                           ike_sa_offer *offer, size_t *pi, size_t *xi,
                           const uint16_t *methods, size_t n_methods) {
  ike_select_params params = {.policy = &ike->p1_policy,
                              .auth_methods = methods,
                              .n_auth_methods = n_methods,
                              .group_supported = l2tpsec__ike_group_supported,
                              .reject = log_reject,
                              .user_data = ike};

  if (l2tpsec__ike_sa_parse(msg->sa.body, msg->sa.len, IKE_PHASE1, offer) !=
      IKE_SA_OK)
    return false;
  return l2tpsec__ike_select(offer, &params, pi, xi);
}

static bool choose_p1(l2tpsec_ike *ike, const isakmp_msg *msg,
                      ike_sa_offer *offer, size_t *pi, size_t *xi) {
  uint16_t methods[2];
  size_t n = l2tpsec__ike_auth_accepted(ike, methods);

  return choose_p1_with(ike, msg, offer, pi, xi, methods, n);
}

static int build_mm2(l2tpsec_ike *ike, ike_sa *sa, const ike_proposal *prop,
                     const ike_xform *xf, ike_writer *w) {
  ike_writer_init(w, ike->out, sizeof(ike->out));
  l2tpsec__ike_put_header(w, sa, ISAKMP_XCHG_IDENT_PROT, 0, 0);
  l2tpsec__ike_sa_write(w, IKE_PHASE1, prop, xf, 1);
  l2tpsec__ike_vendor_write(w, false, sa->natt);
  if (w->failed)
    return L2TPSEC_ERR_NOBUFS;
  isakmp_put32(w->buf + 24, (uint32_t)w->len);
  return 0;
}

/* Fills a new responder SA from MM1 and the chosen transform. */
static int init_responder(l2tpsec_ike *ike, ike_sa *sa, const isakmp_msg *msg,
                          const ike_xform *xf) {
  memcpy(sa->icookie, msg->hdr.icookie, ISAKMP_COOKIE_LEN);
  int err = new_cookie(ike, sa->rcookie);
  if (err != 0)
    return err;

  sa->chosen = *xf;
  sa->chosen.raw = NULL;
  sa->chosen.raw_len = 0;
  l2tpsec__ike_vendor_scan(msg, &sa->caps);
  sa->natt = ike->settings.nat_traversal ? sa->caps.natt : IKE_NATT_NONE;
  sa->fake_client_nat = ike->settings.fake_client_nat;
  if (!l2tpsec__ike_sa_set_algorithms(sa))
    return L2TPSEC_ERR_UNSUPPORTED;

  sa->sai_b = malloc(msg->sa.len);
  if (sa->sai_b == NULL)
    return L2TPSEC_ERR_NOMEM;
  memcpy(sa->sai_b, msg->sa.body, msg->sa.len);
  sa->sai_b_len = msg->sa.len;
  sa->state = IKE_R_MM_SENT_2;
  return 0;
}

int l2tpsec__ike_mm_respond(l2tpsec_ike *ike, const ike_rx *rx) {
  isakmp_msg *msg = &(isakmp_msg){0};
  ike_sa_offer *offer = &(ike_sa_offer){0};
  size_t pi, xi;
  ike_writer w;

  if (!l2tpsec__ike_half_open_admit(ike, rx))
    return 0;
  enum isakmp_parse_error e =
      l2tpsec__isakmp_parse_clear(rx->data, rx->len, msg);
  if (e != ISAKMP_PARSE_OK || msg->sa.body == NULL ||
      msg->hdr.message_id != 0 || (msg->hdr.flags & ISAKMP_FLAG_ENCRYPTION)) {
    l2tpsec__ike_drop(ike, &ike->stats.drop_malformed, rx->now,
                      "main mode MM1 invalid: %s",
                      e != ISAKMP_PARSE_OK ? l2tpsec__isakmp_parse_error_name(e)
                                           : "no SA payload or bad header");
    return 0;
  }
  if (!choose_p1(ike, msg, offer, &pi, &xi)) {
    l2tpsec__ike_drop(ike, &ike->stats.drop_no_proposal, rx->now,
                      "no acceptable phase-1 transform in MM1");
    l2tpsec__ike_send_notify_clear(ike, rx, ISAKMP_N_NO_PROPOSAL_CHOSEN);
    return 0;
  }

  ike_sa *sa = l2tpsec__ike_sa_new(ike, false, rx->local, rx->remote, rx->now);
  if (sa == NULL)
    return L2TPSEC_ERR_NOMEM;
  int err = init_responder(ike, sa, msg, &offer->prop[pi].xf[xi]);
  if (err == 0)
    err = build_mm2(ike, sa, &offer->prop[pi], &offer->prop[pi].xf[xi], &w);
  if (err == 0)
    err =
        l2tpsec__ike_sa_keep_rx(sa, rx);
  if (err == 0)
    err = l2tpsec__ike_send_keep(ike, sa, &sa->sent, w.buf, w.len);
  if (err != 0)
    l2tpsec__ike_sa_free(ike, sa, L2TPSEC_IKE_DOWN_FAILED);
  return err == L2TPSEC_ERR_NOMEM ? err : 0;
}

/* MM3 -> MM4: KE, nonce, NAT-D; derive keys. */
static int respond_mm3(l2tpsec_ike *ike, ike_sa *sa, const ike_rx *rx) {
  isakmp_msg *msg = &(isakmp_msg){0};
  ike_writer w;

  if (l2tpsec__isakmp_parse_clear(rx->data, rx->len, msg) != ISAKMP_PARSE_OK ||
      !take_ke_nonce(sa, msg, sa->gxi, sa->ni, &sa->ni_len)) {
    l2tpsec__ike_drop(ike, &ike->stats.drop_malformed, rx->now,
                      "MM3 of IKE SA %llu invalid: KE or nonce missing or "
                      "of the wrong size",
                      (unsigned long long)sa->id);
    return 0;
  }
  l2tpsec__ike_detect_nat(sa, msg, rx->local, rx->remote);
  l2tpsec__ike_check_certreq(ike, sa, msg, rx->now);

  int err = make_ke_nonce(ike, sa, sa->gxr, sa->nr, &sa->nr_len);
  if (err == 0)
    err = l2tpsec__ike_derive_keys(ike, sa);
  if (err != 0) {
    l2tpsec__ike_drop(ike, &ike->stats.drop_malformed, rx->now,
                      "MM3 of IKE SA %llu: key exchange failed (%s)",
                      (unsigned long long)sa->id, l2tpsec_strerror(err));
    l2tpsec__ike_sa_free(ike, sa, L2TPSEC_IKE_DOWN_FAILED);
    return 0;
  }

  ike_writer_init(&w, ike->out, sizeof(ike->out));
  l2tpsec__ike_put_header(&w, sa, ISAKMP_XCHG_IDENT_PROT, 0, 0);
  l2tpsec__ike_put_payload(&w, ISAKMP_NP_KE, sa->gxr, sa->gx_len);
  l2tpsec__ike_put_payload(&w, ISAKMP_NP_NONCE, sa->nr, sa->nr_len);
  l2tpsec__ike_put_natd_pair(&w, sa);
  l2tpsec__ike_put_certreq(ike, sa, &w);
  if (w.failed)
    return 0;
  isakmp_put32(w.buf + 24, (uint32_t)w.len);

  err = l2tpsec__ike_sa_keep_rx(sa, rx);
  if (err == 0)
    err = l2tpsec__ike_send_keep(ike, sa, &sa->sent, w.buf, w.len);
  sa->state = IKE_R_MM_SENT_4;
  l2tpsec__ike_arm_retransmit(ike, rx->now, &sa->deadline, &sa->interval,
                              &sa->tries);
  return err;
}

/* MM5 -> MM6: authenticate the initiator, then prove ourselves. */
static int respond_mm5(l2tpsec_ike *ike, ike_sa *sa, const ike_rx *rx) {
  isakmp_msg *msg = &(isakmp_msg){0};
  uint8_t iv_next[IKE_BLOCK_MAX];
  ike_writer w;

  if (!(rx->hdr.flags & ISAKMP_FLAG_ENCRYPTION) ||
      l2tpsec__ike_decrypt(sa, rx->data, rx->len, sa->iv, ike->plain, msg,
                           iv_next) != 0) {
    l2tpsec__ike_drop(ike, &ike->stats.drop_decrypt, rx->now,
                      "MM5 of IKE SA %llu could not be decrypted; a wrong "
                      "pre-shared key looks like this",
                      (unsigned long long)sa->id);
    return 0;
  }
  if (l2tpsec__ike_auth_is_sig(sa->chosen.auth)) {
    if (!l2tpsec__ike_verify_sig_auth(ike, sa, msg, rx->now))
      return 0;
  } else if (!verify_auth(sa, msg)) {
    l2tpsec__ike_drop(ike, &ike->stats.drop_integrity, rx->now,
                      "MM5 of IKE SA %llu: HASH_I mismatch; check that both "
                      "sides use the same pre-shared key",
                      (unsigned long long)sa->id);
    return 0;
  }
  l2tpsec__ike_log_peer_id(ike, sa, &msg->id[0]);

  memcpy(sa->iv, iv_next, sa->block_len);
  l2tpsec__ike_sa_update_endpoints(sa, rx);
  ike_writer_init(&w, ike->out, sizeof(ike->out));
  int err = build_auth(ike, sa, &w);
  if (err == 0)
    err =
        l2tpsec__ike_sa_keep_rx(sa, rx);
  if (err == 0)
    err = l2tpsec__ike_send_keep(ike, sa, &sa->sent, w.buf, w.len);
  if (err != 0)
    return err == L2TPSEC_ERR_NOMEM ? err : 0;
  establish(ike, sa, rx->now);
  l2tpsec__ike_arm_retransmit(ike, rx->now, &sa->deadline, &sa->interval,
                              &sa->tries);

  /* Windows sends INITIAL-CONTACT inside MM5. */
  for (size_t i = 0; i < msg->n_notify; i++) {
    const isakmp_payload *n = &msg->notify[i];
    if (n->len >= 8 && isakmp_get16(n->body + 6) == ISAKMP_N_INITIAL_CONTACT)
      l2tpsec__ike_initial_contact(ike, sa);
  }
  l2tpsec__ike_p1_established(ike, sa, rx->now);
  return 0;
}

/* ---- Initiator ---------------------------------------------------------- */

int l2tpsec__ike_mm_start(l2tpsec_ike *ike, ike_sa *sa, l2tpsec_tstamp now) {
  ike_xform xf[IKE_MAX_XFORMS];
  ike_proposal prop = {.number = 1, .protocol = ISAKMP_PROTO_ISAKMP};
  ike_writer w;

  int err = new_cookie(ike, sa->icookie);
  if (err != 0)
    return err;
  size_t n =
      l2tpsec__ike_policy_offer(&ike->p1_offer, l2tpsec__ike_group_supported,
                                l2tpsec__ike_auth_offered(ike), 0,
                                ike->settings.ike_lifetime, xf, IKE_MAX_XFORMS);
  if (n == 0)
    return L2TPSEC_ERR_CONFIG;

  ike_writer_init(&w, ike->out, sizeof(ike->out));
  l2tpsec__ike_put_header(&w, sa, ISAKMP_XCHG_IDENT_PROT, 0, 0);
  size_t sa_off = w.len;
  l2tpsec__ike_sa_write(&w, IKE_PHASE1, &prop, xf, n);
  size_t sa_end = w.len;
  l2tpsec__ike_vendor_write(&w, ike->settings.nat_traversal, IKE_NATT_NONE);
  if (w.failed)
    return L2TPSEC_ERR_NOBUFS;
  isakmp_put32(w.buf + 24, (uint32_t)w.len);

  size_t body_len = sa_end - sa_off - ISAKMP_GENERIC_LEN;
  sa->sai_b = malloc(body_len);
  if (sa->sai_b == NULL)
    return L2TPSEC_ERR_NOMEM;
  memcpy(sa->sai_b, w.buf + sa_off + ISAKMP_GENERIC_LEN, body_len);
  sa->sai_b_len = body_len;
  sa->state = IKE_I_MM_SENT_1;
  return send_request(ike, sa, &w, NULL, now);
}

/* Checks that MM2 chose exactly one of the transforms we offered. */
static bool accept_mm2_choice(l2tpsec_ike *ike, ike_sa *sa,
                              const isakmp_msg *msg) {
  ike_sa_offer *offer = &(ike_sa_offer){0};
  uint16_t offered = l2tpsec__ike_auth_offered(ike);
  ike_select_params params = {.policy = &ike->p1_policy,
                              .auth_methods = &offered,
                              .n_auth_methods = 1,
                              .group_supported = l2tpsec__ike_group_supported};

  if (msg->sa.body == NULL ||
      l2tpsec__ike_sa_parse(msg->sa.body, msg->sa.len, IKE_PHASE1, offer) !=
          IKE_SA_OK ||
      offer->n_proposals != 1 || offer->prop[0].n_xforms != 1)
    return false;
  const ike_xform *xf = &offer->prop[0].xf[0];
  if (l2tpsec__ike_xform_check(xf, &params) != NULL)
    return false;

  sa->chosen = *xf;
  sa->chosen.raw = NULL;
  sa->chosen.raw_len = 0;
  return l2tpsec__ike_sa_set_algorithms(sa);
}

/* MM2 -> MM3. */
static int initiate_mm3(l2tpsec_ike *ike, ike_sa *sa, const ike_rx *rx) {
  isakmp_msg *msg = &(isakmp_msg){0};
  ike_writer w;

  if (l2tpsec__isakmp_parse_clear(rx->data, rx->len, msg) != ISAKMP_PARSE_OK ||
      !accept_mm2_choice(ike, sa, msg)) {
    l2tpsec__ike_drop(ike, &ike->stats.drop_no_proposal, rx->now,
                      "MM2 of IKE SA %llu invalid or chose a transform we "
                      "did not offer",
                      (unsigned long long)sa->id);
    return 0;
  }
  memcpy(sa->rcookie, rx->hdr.rcookie, ISAKMP_COOKIE_LEN);
  l2tpsec__ike_vendor_scan(msg, &sa->caps);
  sa->natt = ike->settings.nat_traversal ? sa->caps.natt : IKE_NATT_NONE;
  sa->gx_len = l2tpsec__dh_public_len(sa->chosen.group);

  int err = make_ke_nonce(ike, sa, sa->gxi, sa->ni, &sa->ni_len);
  if (err != 0)
    return err == L2TPSEC_ERR_NOMEM ? err : 0;
  ike_writer_init(&w, ike->out, sizeof(ike->out));
  l2tpsec__ike_put_header(&w, sa, ISAKMP_XCHG_IDENT_PROT, 0, 0);
  l2tpsec__ike_put_payload(&w, ISAKMP_NP_KE, sa->gxi, sa->gx_len);
  l2tpsec__ike_put_payload(&w, ISAKMP_NP_NONCE, sa->ni, sa->ni_len);
  l2tpsec__ike_put_natd_pair(&w, sa);
  l2tpsec__ike_put_certreq(ike, sa, &w);
  if (w.failed)
    return 0;
  isakmp_put32(w.buf + 24, (uint32_t)w.len);
  sa->state = IKE_I_MM_SENT_3;
  return send_request(ike, sa, &w, rx, rx->now);
}

/* MM4 -> MM5. */
static int initiate_mm5(l2tpsec_ike *ike, ike_sa *sa, const ike_rx *rx) {
  isakmp_msg *msg = &(isakmp_msg){0};
  ike_writer w;

  if (l2tpsec__isakmp_parse_clear(rx->data, rx->len, msg) != ISAKMP_PARSE_OK ||
      !take_ke_nonce(sa, msg, sa->gxr, sa->nr, &sa->nr_len)) {
    l2tpsec__ike_drop(ike, &ike->stats.drop_malformed, rx->now,
                      "MM4 of IKE SA %llu invalid: KE or nonce missing or "
                      "of the wrong size",
                      (unsigned long long)sa->id);
    return 0;
  }
  l2tpsec__ike_detect_nat(sa, msg, rx->local, rx->remote);
  l2tpsec__ike_check_certreq(ike, sa, msg, rx->now);
  int err = l2tpsec__ike_derive_keys(ike, sa);
  if (err != 0) {
    l2tpsec__ike_drop(ike, &ike->stats.drop_malformed, rx->now,
                      "MM4 of IKE SA %llu: key exchange failed (%s)",
                      (unsigned long long)sa->id, l2tpsec_strerror(err));
    l2tpsec__ike_sa_free(ike, sa, L2TPSEC_IKE_DOWN_FAILED);
    return 0;
  }

  l2tpsec__ike_float_ports(sa);
  ike_writer_init(&w, ike->out, sizeof(ike->out));
  err = build_auth(ike, sa, &w);
  if (err != 0)
    return err == L2TPSEC_ERR_NOMEM ? err : 0;
  sa->state = IKE_I_MM_SENT_5;
  return send_request(ike, sa, &w, rx, rx->now);
}

/* MM6: authenticate the responder; phase 1 is done. */
static int finish_mm6(l2tpsec_ike *ike, ike_sa *sa, const ike_rx *rx) {
  isakmp_msg *msg = &(isakmp_msg){0};
  uint8_t iv_next[IKE_BLOCK_MAX];

  bool sig = l2tpsec__ike_auth_is_sig(sa->chosen.auth);

  if (!(rx->hdr.flags & ISAKMP_FLAG_ENCRYPTION) ||
      l2tpsec__ike_decrypt(sa, rx->data, rx->len, sa->iv, ike->plain, msg,
                           iv_next) != 0 ||
      (!sig && !verify_auth(sa, msg))) {
    l2tpsec__ike_drop(ike, &ike->stats.drop_integrity, rx->now,
                      "MM6 of IKE SA %llu failed authentication; check the "
                      "pre-shared key",
                      (unsigned long long)sa->id);
    return 0;
  }
  if (sig && !l2tpsec__ike_verify_sig_auth(ike, sa, msg, rx->now))
    return 0;
  l2tpsec__ike_log_peer_id(ike, sa, &msg->id[0]);
  memcpy(sa->iv, iv_next, sa->block_len);
  int err =
      l2tpsec__ike_sa_keep_rx(sa, rx);
  if (err != 0)
    return err;
  establish(ike, sa, rx->now);
  l2tpsec__ike_p1_established(ike, sa, rx->now);
  if (sa->want_qm)
    return l2tpsec__ike_qm_start(ike, sa, rx->now);
  return 0;
}

/* ---- Dispatch ----------------------------------------------------------- */

/* Responder: a repeat of the last request gets the stored reply. */
static bool resend_if_dup(l2tpsec_ike *ike, ike_sa *sa, const ike_rx *rx) {
  if (!l2tpsec__ike_is_dup(sa->last_rx, sa->last_rx_len, rx->data, rx->len))
    return false;
  l2tpsec__ike_answer_repeat(ike, sa);
  return true;
}

static int unexpected(l2tpsec_ike *ike, ike_sa *sa, const ike_rx *rx) {
  l2tpsec__ike_drop(ike, &ike->stats.drop_unexpected, rx->now,
                    "main mode message not expected by IKE SA %llu in "
                    "state %d",
                    (unsigned long long)sa->id, (int)sa->state);
  return 0;
}

int l2tpsec__ike_mm_input(l2tpsec_ike *ike, ike_sa *sa, const ike_rx *rx) {
  if (!sa->initiator && resend_if_dup(ike, sa, rx))
    return 0;
  /* The initiator ignores a repeated reply: its own timer resends. */
  if (sa->initiator &&
      l2tpsec__ike_is_dup(sa->last_rx, sa->last_rx_len, rx->data, rx->len)) {
    ike->stats.drop_duplicate++;
    return 0;
  }

  switch (sa->state) {
  case IKE_R_MM_SENT_2:
    return respond_mm3(ike, sa, rx);
  case IKE_R_MM_SENT_4:
    return respond_mm5(ike, sa, rx);
  case IKE_I_MM_SENT_1:
    return initiate_mm3(ike, sa, rx);
  case IKE_I_MM_SENT_3:
    return initiate_mm5(ike, sa, rx);
  case IKE_I_MM_SENT_5:
    return finish_mm6(ike, sa, rx);
  case IKE_ESTABLISHED:
  case IKE_P1_GONE:
  case IKE_R_AM_SENT_2:
  case IKE_I_AM_SENT_1:
    break;
  }
  return unexpected(ike, sa, rx);
}

/* ---- Steps shared with aggressive mode ---------------------------------- */

int l2tpsec__ike_new_cookie(l2tpsec_ike *ike, uint8_t *cookie) {
  return new_cookie(ike, cookie);
}

int l2tpsec__ike_auth_hash(const ike_sa *sa, bool of_initiator,
                           const uint8_t *id_b, size_t id_len, uint8_t *out) {
  return auth_hash(sa, of_initiator, id_b, id_len, out);
}

bool l2tpsec__ike_take_ke_nonce(ike_sa *sa, const isakmp_msg *msg,
                                bool of_initiator) {
  return of_initiator ? take_ke_nonce(sa, msg, sa->gxi, sa->ni, &sa->ni_len)
                      : take_ke_nonce(sa, msg, sa->gxr, sa->nr, &sa->nr_len);
}

int l2tpsec__ike_make_ke_nonce(l2tpsec_ike *ike, ike_sa *sa,
                               bool of_initiator) {
  return of_initiator ? make_ke_nonce(ike, sa, sa->gxi, sa->ni, &sa->ni_len)
                      : make_ke_nonce(ike, sa, sa->gxr, sa->nr, &sa->nr_len);
}

/* Aggressive mode has no signature variant here, so it takes only PSK
 * transforms, and none without a PSK. */
bool l2tpsec__ike_choose_p1(l2tpsec_ike *ike, const isakmp_msg *msg,
                            ike_sa_offer *offer, size_t *pi, size_t *xi) {
  static const uint16_t psk_only[] = {IKE_AUTH_PSK};

  return choose_p1_with(ike, msg, offer, pi, xi, psk_only,
                        ike->psk != NULL ? 1 : 0);
}

int l2tpsec__ike_init_responder(l2tpsec_ike *ike, ike_sa *sa,
                                const isakmp_msg *msg, const ike_xform *xf) {
  return init_responder(ike, sa, msg, xf);
}

bool l2tpsec__ike_accept_p1_choice(l2tpsec_ike *ike, ike_sa *sa,
                                   const isakmp_msg *msg) {
  return accept_mm2_choice(ike, sa, msg);
}

void l2tpsec__ike_establish(l2tpsec_ike *ike, ike_sa *sa, l2tpsec_tstamp now) {
  establish(ike, sa, now);
}
