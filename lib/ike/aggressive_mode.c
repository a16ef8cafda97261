/*
 * Aggressive mode with pre-shared keys (RFC 2409 section 5), both roles,
 * with NAT discovery (RFC 3947 section 3.2).
 *
 *   AM1  HDR, SA, KE, Ni, IDii, VID...
 *   AM2  HDR, SA, KE, Nr, IDir, HASH_R, VID..., NAT-D, NAT-D
 *   AM3  HDR*, HASH_I, NAT-D, NAT-D
 *
 * The responder is off unless aggressive_responder is set, because AM2
 * carries HASH_R, which is keyed with the pre-shared key: whoever sends
 * an AM1, or sees an AM2, can test guesses of the key offline.
 *
 * We send AM3 encrypted and accept it either way. Its last CBC block,
 * or the initial phase-1 IV when it came in the clear, starts the
 * phase-2 IVs. Behind a NAT the initiator sends AM3 from port 4500
 * (RFC 3947 section 4); its NAT-D hashes still describe the ports of
 * AM1 and AM2.
 */
#include <stdlib.h>
#include <string.h>

#include "core/log_internal.h"
#include "ike/ike_internal.h"
#include "l2tpsec/errors.h"

static const size_t id_fixed = 4; /* ID type, protocol, port */

int l2tpsec__ike_am_configure(l2tpsec_ike *ike) {
  const char *id = ike->settings.aggressive_id;

  if (id != NULL) {
    size_t n = strlen(id);
    if (n == 0 || n >= IKE_ID_MAX - id_fixed)
      return L2TPSEC_ERR_INVALID_ARGUMENT;
    memcpy(ike->aggressive_id, id, n + 1);
    ike->settings.aggressive_id = ike->aggressive_id;
  }
  if (ike->settings.aggressive_responder)
    L2TPSEC_LOG(&ike->settings.log, L2TPSEC_LOG_WARNING, L2TPSEC_LOG_IKE,
                "aggressive mode responder enabled: every answer carries a "
                "hash of the pre-shared key that can be attacked offline; "
                "use a long random key, or turn aggressive_responder off");
  return 0;
}

/* Keeps the body of IDii, which HASH_I covers. */
static bool keep_idi(ike_sa *sa, const uint8_t *body, size_t len) {
  if (len > sizeof(sa->peer_id))
    return false;
  memcpy(sa->peer_id, body, len);
  sa->peer_id_len = len;
  return true;
}

/* Writes the ID payload and returns the offset of its body. */
static size_t put_identity(l2tpsec_ike *ike, ike_writer *w, const ike_sa *sa) {
  const char *fqdn = ike->settings.aggressive_id;

  if (fqdn == NULL)
    return l2tpsec__ike_put_id(w, &sa->local) + ISAKMP_GENERIC_LEN;

  return l2tpsec__ike_put_id_payload(w, IPSEC_ID_FQDN, fqdn, strlen(fqdn)) +
         ISAKMP_GENERIC_LEN;
}

static void set_length(ike_writer *w) {
  if (!w->failed)
    isakmp_put32(w->buf + 24, (uint32_t)w->len);
}

/* ---- Responder ---------------------------------------------------------- */

/* Checks AM1's structure; false (with a counter) when it is invalid. */
static bool am1_valid(l2tpsec_ike *ike, const ike_rx *rx, isakmp_msg *msg) {
  enum isakmp_parse_error e =
      l2tpsec__isakmp_parse_clear(rx->data, rx->len, msg);

  if (e == ISAKMP_PARSE_OK && msg->sa.body != NULL && msg->ke.body != NULL &&
      msg->nonce.body != NULL && msg->n_id == 1 && msg->hdr.message_id == 0 &&
      !(msg->hdr.flags & ISAKMP_FLAG_ENCRYPTION))
    return true;
  l2tpsec__ike_drop(ike, &ike->stats.drop_malformed, rx->now,
                    "aggressive mode AM1 invalid: %s",
                    e != ISAKMP_PARSE_OK ? l2tpsec__isakmp_parse_error_name(e)
                                         : "SA, KE, nonce or ID missing, or "
                                           "a bad header");
  return false;
}

static int build_am2(l2tpsec_ike *ike, ike_sa *sa, const ike_proposal *prop,
                     ike_writer *w) {
  uint8_t hash[L2TPSEC_HASH_MAX];

  ike_writer_init(w, ike->out, sizeof(ike->out));
  l2tpsec__ike_put_header(w, sa, ISAKMP_XCHG_AGGRESSIVE, 0, 0);
  l2tpsec__ike_sa_write(w, IKE_PHASE1, prop, &sa->chosen, 1);
  l2tpsec__ike_put_payload(w, ISAKMP_NP_KE, sa->gxr, sa->gx_len);
  l2tpsec__ike_put_payload(w, ISAKMP_NP_NONCE, sa->nr, sa->nr_len);
  size_t id = l2tpsec__ike_put_psk_id(ike, w, &sa->local) + ISAKMP_GENERIC_LEN;
  if (w->failed)
    return L2TPSEC_ERR_NOBUFS;

  int err = l2tpsec__ike_auth_hash(sa, false, w->buf + id, w->len - id, hash);
  if (err != 0)
    return err;
  l2tpsec__ike_put_payload(w, ISAKMP_NP_HASH, hash, sa->prf_len);
  l2tpsec__ike_vendor_write(w, false, sa->natt);
  l2tpsec__ike_put_natd_pair(w, sa);
  set_length(w);
  return w->failed ? L2TPSEC_ERR_NOBUFS : 0;
}

/* Fills the new responder SA from AM1: transform, IDii, both KEs and
 * nonces, and the keys. */
static int init_am_responder(l2tpsec_ike *ike, ike_sa *sa,
                             const isakmp_msg *msg, const ike_xform *xf) {
  int err = l2tpsec__ike_init_responder(ike, sa, msg, xf);

  sa->state = IKE_R_AM_SENT_2;
  if (err == 0 && !keep_idi(sa, msg->id[0].body, msg->id[0].len))
    err = L2TPSEC_ERR_MALFORMED;
  if (err == 0 && !l2tpsec__ike_take_ke_nonce(sa, msg, true))
    err = L2TPSEC_ERR_MALFORMED;
  if (err == 0)
    err = l2tpsec__ike_make_ke_nonce(ike, sa, false);
  if (err == 0)
    err = l2tpsec__ike_derive_keys(ike, sa);
  return err;
}

/* Selects a transform whose group matches AM1's KE. */
static bool choose_am(l2tpsec_ike *ike, const ike_rx *rx, const isakmp_msg *msg,
                      ike_sa_offer *offer, size_t *pi, size_t *xi) {
  if (!l2tpsec__ike_choose_p1(ike, msg, offer, pi, xi)) {
    l2tpsec__ike_drop(ike, &ike->stats.drop_no_proposal, rx->now,
                      "no acceptable phase-1 transform in AM1");
    l2tpsec__ike_send_notify_clear(ike, rx, ISAKMP_N_NO_PROPOSAL_CHOSEN);
    return false;
  }
  uint16_t group = offer->prop[*pi].xf[*xi].group;
  if (l2tpsec__dh_public_len(group) == msg->ke.len)
    return true;
  l2tpsec__ike_drop(ike, &ike->stats.drop_no_proposal, rx->now,
                    "AM1: the KE (%zu bytes) is not of the chosen group %s",
                    msg->ke.len, l2tpsec__ike_group_name(group));
  l2tpsec__ike_send_notify_clear(ike, rx, ISAKMP_N_NO_PROPOSAL_CHOSEN);
  return false;
}

int l2tpsec__ike_am_respond(l2tpsec_ike *ike, const ike_rx *rx) {
  isakmp_msg *msg = &(isakmp_msg){0};
  ike_sa_offer *offer = &(ike_sa_offer){0};
  size_t pi, xi;
  ike_writer w;

  if (!ike->settings.aggressive_responder) {
    l2tpsec__ike_drop(ike, &ike->stats.drop_unexpected, rx->now,
                      "aggressive mode request rejected: aggressive mode "
                      "with a pre-shared key exposes an offline-crackable "
                      "hash; set aggressive_responder to accept it");
    return 0;
  }
  if (!l2tpsec__ike_half_open_admit(ike, rx))
    return 0;
  if (!am1_valid(ike, rx, msg) || !choose_am(ike, rx, msg, offer, &pi, &xi))
    return 0;

  ike_sa *sa = l2tpsec__ike_sa_new(ike, false, rx->local, rx->remote, rx->now);
  if (sa == NULL)
    return L2TPSEC_ERR_NOMEM;
  int err = init_am_responder(ike, sa, msg, &offer->prop[pi].xf[xi]);
  if (err == 0)
    err = build_am2(ike, sa, &offer->prop[pi], &w);
  if (err == 0)
    err =
        l2tpsec__ike_sa_keep_rx(sa, rx);
  if (err == 0)
    err = l2tpsec__ike_send_keep(ike, sa, &sa->sent, w.buf, w.len);
  if (err != 0) {
    l2tpsec__ike_drop(ike, &ike->stats.drop_malformed, rx->now,
                      "AM1 not answered: %s", l2tpsec_strerror(err));
    l2tpsec__ike_sa_free(ike, sa, L2TPSEC_IKE_DOWN_FAILED);
    return err == L2TPSEC_ERR_NOMEM ? err : 0;
  }
  l2tpsec__ike_arm_retransmit(ike, rx->now, &sa->deadline, &sa->interval,
                              &sa->tries);
  return 0;
}

/* Reads AM3, encrypted or not, into msg. */
static bool read_am3(l2tpsec_ike *ike, ike_sa *sa, const ike_rx *rx,
                     isakmp_msg *msg, uint8_t *iv_next, bool *encrypted) {
  *encrypted = rx->hdr.flags & ISAKMP_FLAG_ENCRYPTION;
  if (*encrypted) {
    if (l2tpsec__ike_decrypt(sa, rx->data, rx->len, sa->iv, ike->plain, msg,
                             iv_next) == 0)
      return true;
  } else if (l2tpsec__isakmp_parse_clear(rx->data, rx->len, msg) ==
             ISAKMP_PARSE_OK) {
    return true;
  }
  l2tpsec__ike_drop(ike, &ike->stats.drop_decrypt, rx->now,
                    "AM3 of IKE SA %llu could not be read; a wrong "
                    "pre-shared key looks like this",
                    (unsigned long long)sa->id);
  return false;
}

/* AM3: authenticate the initiator; phase 1 is done. */
static int respond_am3(l2tpsec_ike *ike, ike_sa *sa, const ike_rx *rx) {
  isakmp_msg *msg = &(isakmp_msg){0};
  uint8_t iv_next[IKE_BLOCK_MAX], expected[L2TPSEC_HASH_MAX];
  bool encrypted;

  if (!read_am3(ike, sa, rx, msg, iv_next, &encrypted))
    return 0;
  if (msg->hash.body == NULL || msg->hash.len != sa->prf_len ||
      l2tpsec__ike_auth_hash(sa, true, sa->peer_id, sa->peer_id_len,
                             expected) != 0 ||
      !l2tpsec__ike_hash_equal(expected, msg->hash.body, sa->prf_len)) {
    l2tpsec__ike_drop(ike, &ike->stats.drop_integrity, rx->now,
                      "AM3 of IKE SA %llu: HASH_I mismatch; check that both "
                      "sides use the same pre-shared key",
                      (unsigned long long)sa->id);
    return 0;
  }

  if (encrypted)
    memcpy(sa->iv, iv_next, sa->block_len);
  l2tpsec__ike_detect_nat(sa, msg, &sa->local, &sa->remote);
  l2tpsec__ike_sa_update_endpoints(sa, rx);
  l2tpsec__ike_establish(ike, sa, rx->now);
  for (size_t i = 0; i < msg->n_notify; i++) {
    const isakmp_payload *n = &msg->notify[i];
    if (n->len >= 8 && isakmp_get16(n->body + 6) == ISAKMP_N_INITIAL_CONTACT)
      l2tpsec__ike_initial_contact(ike, sa);
  }
  l2tpsec__ike_p1_established(ike, sa, rx->now);
  return 0;
}

/* ---- Initiator ---------------------------------------------------------- */

/* Our phase-1 transforms of the first group: AM1 carries one KE. */
static size_t am_offer(l2tpsec_ike *ike, ike_xform *xf) {
  size_t n = l2tpsec__ike_policy_offer(
      &ike->p1_offer, l2tpsec__ike_group_supported, IKE_AUTH_PSK, 0,
      ike->settings.ike_lifetime, xf, IKE_MAX_XFORMS);
  size_t kept = 0;

  for (size_t i = 0; i < n; i++) {
    if (xf[i].group == xf[0].group)
      xf[kept++] = xf[i];
  }
  return kept;
}

static int build_am1(l2tpsec_ike *ike, ike_sa *sa, const ike_xform *xf,
                     size_t n, ike_writer *w) {
  ike_proposal prop = {.number = 1, .protocol = ISAKMP_PROTO_ISAKMP};

  ike_writer_init(w, ike->out, sizeof(ike->out));
  l2tpsec__ike_put_header(w, sa, ISAKMP_XCHG_AGGRESSIVE, 0, 0);
  size_t sa_off = w->len;
  l2tpsec__ike_sa_write(w, IKE_PHASE1, &prop, xf, n);
  size_t sa_end = w->len;
  l2tpsec__ike_put_payload(w, ISAKMP_NP_KE, sa->gxi, sa->gx_len);
  l2tpsec__ike_put_payload(w, ISAKMP_NP_NONCE, sa->ni, sa->ni_len);
  size_t id = put_identity(ike, w, sa);
  size_t id_len = w->len - id;
  l2tpsec__ike_vendor_write(w, ike->settings.nat_traversal, IKE_NATT_NONE);
  set_length(w);
  if (w->failed || !keep_idi(sa, w->buf + id, id_len))
    return L2TPSEC_ERR_NOBUFS;

  size_t body_len = sa_end - sa_off - ISAKMP_GENERIC_LEN;
  sa->sai_b = malloc(body_len);
  if (sa->sai_b == NULL)
    return L2TPSEC_ERR_NOMEM;
  memcpy(sa->sai_b, w->buf + sa_off + ISAKMP_GENERIC_LEN, body_len);
  sa->sai_b_len = body_len;
  return 0;
}

int l2tpsec__ike_am_start(l2tpsec_ike *ike, ike_sa *sa, l2tpsec_tstamp now) {
  ike_xform xf[IKE_MAX_XFORMS];
  ike_writer w;
  size_t n = am_offer(ike, xf);

  if (n == 0)
    return L2TPSEC_ERR_CONFIG;
  int err = l2tpsec__ike_new_cookie(ike, sa->icookie);
  sa->chosen.group = xf[0].group;
  sa->gx_len = l2tpsec__dh_public_len(xf[0].group);
  if (err == 0)
    err = l2tpsec__ike_make_ke_nonce(ike, sa, true);
  if (err == 0)
    err = build_am1(ike, sa, xf, n, &w);
  if (err == 0)
    err = l2tpsec__ike_send_keep(ike, sa, &sa->sent, w.buf, w.len);
  if (err != 0)
    return err;

  sa->state = IKE_I_AM_SENT_1;
  l2tpsec__ike_arm_retransmit(ike, now, &sa->deadline, &sa->interval,
                              &sa->tries);
  return 0;
}

/* Reads AM2: the responder's choice, KE, nonce, and its HASH_R. */
static bool accept_am2(l2tpsec_ike *ike, ike_sa *sa, const ike_rx *rx,
                       isakmp_msg *msg) {
  uint16_t group = sa->chosen.group;
  uint8_t expected[L2TPSEC_HASH_MAX];

  if (l2tpsec__isakmp_parse_clear(rx->data, rx->len, msg) != ISAKMP_PARSE_OK ||
      msg->n_id != 1 || msg->hash.body == NULL ||
      !l2tpsec__ike_accept_p1_choice(ike, sa, msg) ||
      sa->chosen.group != group) {
    sa->chosen.group = group;
    l2tpsec__ike_drop(ike, &ike->stats.drop_no_proposal, rx->now,
                      "AM2 of IKE SA %llu invalid or chose a transform we "
                      "did not offer",
                      (unsigned long long)sa->id);
    return false;
  }
  memcpy(sa->rcookie, rx->hdr.rcookie, ISAKMP_COOKIE_LEN);
  l2tpsec__ike_vendor_scan(msg, &sa->caps);
  sa->natt = ike->settings.nat_traversal ? sa->caps.natt : IKE_NATT_NONE;
  if (!l2tpsec__ike_take_ke_nonce(sa, msg, false) ||
      l2tpsec__ike_derive_keys(ike, sa) != 0 || msg->hash.len != sa->prf_len ||
      l2tpsec__ike_auth_hash(sa, false, msg->id[0].body, msg->id[0].len,
                             expected) != 0 ||
      !l2tpsec__ike_hash_equal(expected, msg->hash.body, sa->prf_len)) {
    l2tpsec__ike_drop(ike, &ike->stats.drop_integrity, rx->now,
                      "AM2 of IKE SA %llu failed authentication; check the "
                      "pre-shared key",
                      (unsigned long long)sa->id);
    return false;
  }
  return true;
}

static int build_am3(ike_sa *sa, ike_writer *w, uint8_t *buf, size_t size) {
  uint8_t hash[L2TPSEC_HASH_MAX];
  int err =
      l2tpsec__ike_auth_hash(sa, true, sa->peer_id, sa->peer_id_len, hash);

  if (err != 0)
    return err;
  ike_writer_init(w, buf, size);
  l2tpsec__ike_put_header(w, sa, ISAKMP_XCHG_AGGRESSIVE, 0, 0);
  l2tpsec__ike_put_payload(w, ISAKMP_NP_HASH, hash, sa->prf_len);
  l2tpsec__ike_put_natd_pair(w, sa);
  return l2tpsec__ike_encrypt(sa, w, sa->iv, sa->iv);
}

/* AM2 -> AM3; phase 1 is done. */
static int initiate_am3(l2tpsec_ike *ike, ike_sa *sa, const ike_rx *rx) {
  isakmp_msg *msg = &(isakmp_msg){0};
  ike_writer w;

  if (!accept_am2(ike, sa, rx, msg)) {
    /* Once the DH secret is used a second AM2 cannot be processed. */
    if (sa->dh == NULL)
      l2tpsec__ike_sa_free(ike, sa, L2TPSEC_IKE_DOWN_FAILED);
    return 0;
  }
  l2tpsec__ike_log_peer_id(ike, sa, &msg->id[0]);
  l2tpsec__ike_detect_nat(sa, msg, rx->local, rx->remote);
  int err = build_am3(sa, &w, ike->out, sizeof(ike->out));
  if (err == 0)
    err =
        l2tpsec__ike_sa_keep_rx(sa, rx);
  l2tpsec__ike_float_ports(sa);
  if (err == 0)
    err = l2tpsec__ike_send_keep(ike, sa, &sa->sent, w.buf, w.len);
  if (err != 0)
    return err == L2TPSEC_ERR_NOMEM ? err : 0;

  l2tpsec__ike_establish(ike, sa, rx->now);
  l2tpsec__ike_p1_established(ike, sa, rx->now);
  if (sa->want_qm)
    return l2tpsec__ike_qm_start(ike, sa, rx->now);
  return 0;
}

/* ---- Dispatch ----------------------------------------------------------- */

/* Resends the stored reply to a repeat of the last message received:
 * AM2 for a repeated AM1, AM3 for a repeated AM2 once established. */
static bool resend_if_dup(l2tpsec_ike *ike, ike_sa *sa, const ike_rx *rx) {
  if (!l2tpsec__ike_is_dup(sa->last_rx, sa->last_rx_len, rx->data, rx->len))
    return false;
  if (sa->initiator && sa->state != IKE_ESTABLISHED) {
    ike->stats.drop_duplicate++;
    return true;
  }
  l2tpsec__ike_answer_repeat(ike, sa);
  return true;
}

int l2tpsec__ike_am_input(l2tpsec_ike *ike, ike_sa *sa, const ike_rx *rx) {
  if (resend_if_dup(ike, sa, rx))
    return 0;

  switch (sa->state) {
  case IKE_R_AM_SENT_2:
    return respond_am3(ike, sa, rx);
  case IKE_I_AM_SENT_1:
    return initiate_am3(ike, sa, rx);
  default:
    break;
  }
  l2tpsec__ike_drop(ike, &ike->stats.drop_unexpected, rx->now,
                    "aggressive mode message not expected by IKE SA %llu in "
                    "state %d",
                    (unsigned long long)sa->id, (int)sa->state);
  return 0;
}
