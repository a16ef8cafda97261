/*
 * Informational exchanges on an established phase-1 SA (RFC 2409 5.7):
 * hash-protected DELETE for ISAKMP and ESP SAs, INITIAL-CONTACT (RFC 2407
 * 4.6.3.3) and dead peer detection (RFC 3706).
 *
 *   HDR*, HASH(1), N/D     HASH(1) = prf(SKEYID_a, M-ID | N/D)
 */
#include <string.h>

#include "core/log_internal.h"
#include "ike/ike_internal.h"
#include "l2tpsec/errors.h"

#define DPD_SEQ_LEN 4

/* Sends one protected informational with a notify or delete body that
 * the caller wrote into body[0..len) (payload bodies without headers). */
static int send_info(l2tpsec_ike *ike, ike_sa *sa, uint8_t type,
                     const uint8_t *body, size_t len) {
  uint8_t mid_b[4], iv[IKE_BLOCK_MAX], next_iv[IKE_BLOCK_MAX];
  uint32_t mid;
  ike_writer w;

  int err = l2tpsec_rand_bytes(&ike->settings.rand, mid_b, 4);
  mid = isakmp_get32(mid_b) | 1; /* never 0, which is phase 1's */
  if (err != 0)
    return err;
  isakmp_put32(mid_b, mid);

  ike_writer_init(&w, ike->out, sizeof(ike->out));
  l2tpsec__ike_put_header(&w, sa, ISAKMP_XCHG_INFO, 0, mid);
  size_t hash_off = l2tpsec__ike_payload_begin(&w, ISAKMP_NP_HASH);
  ike_put(&w, sa->prf_len);
  l2tpsec__ike_payload_end(&w, hash_off);
  l2tpsec__ike_put_payload(&w, type, body, len);

  l2tpsec__iovec prefix[] = {{mid_b, 4}};
  err = l2tpsec__ike_fill_hash(sa, &w, hash_off, prefix, 1);
  l2tpsec__ike_phase2_iv(sa, mid, iv);
  if (err == 0)
    err = l2tpsec__ike_encrypt(sa, &w, iv, next_iv);
  if (err == 0)
    l2tpsec__ike_send_raw(ike, sa, w.buf, w.len);
  return err;
}

/* N(R-U-THERE or R-U-THERE-ACK): ISAKMP protocol, both cookies as SPI,
 * a 4-byte sequence number as data (RFC 3706 section 5). */
static int send_dpd(l2tpsec_ike *ike, ike_sa *sa, uint16_t type, uint32_t seq) {
  uint8_t body[8 + 2 * ISAKMP_COOKIE_LEN + DPD_SEQ_LEN];

  isakmp_put32(body, ISAKMP_DOI_IPSEC);
  body[4] = ISAKMP_PROTO_ISAKMP;
  body[5] = 2 * ISAKMP_COOKIE_LEN;
  isakmp_put16(body + 6, type);
  memcpy(body + 8, sa->icookie, ISAKMP_COOKIE_LEN);
  memcpy(body + 16, sa->rcookie, ISAKMP_COOKIE_LEN);
  isakmp_put32(body + 24, seq);
  return send_info(ike, sa, ISAKMP_NP_N, body, sizeof(body));
}

int l2tpsec__ike_send_delete_esp(l2tpsec_ike *ike, ike_sa *sa,
                                 uint32_t spi_in) {
  uint8_t body[12];

  isakmp_put32(body, ISAKMP_DOI_IPSEC);
  body[4] = ISAKMP_PROTO_ESP;
  body[5] = 4;
  isakmp_put16(body + 6, 1);
  isakmp_put32(body + 8, spi_in);
  return send_info(ike, sa, ISAKMP_NP_D, body, sizeof(body));
}

int l2tpsec__ike_send_delete_isakmp(l2tpsec_ike *ike, ike_sa *sa) {
  uint8_t body[8 + 2 * ISAKMP_COOKIE_LEN];

  isakmp_put32(body, ISAKMP_DOI_IPSEC);
  body[4] = ISAKMP_PROTO_ISAKMP;
  body[5] = 2 * ISAKMP_COOKIE_LEN;
  isakmp_put16(body + 6, 1);
  memcpy(body + 8, sa->icookie, ISAKMP_COOKIE_LEN);
  memcpy(body + 16, sa->rcookie, ISAKMP_COOKIE_LEN);
  return send_info(ike, sa, ISAKMP_NP_D, body, sizeof(body));
}

/* ---- Receiving ---------------------------------------------------------- */

static bool same_endpoint(const l2tpsec_ike_endpoint *a,
                          const l2tpsec_ike_endpoint *b) {
  size_t n = a->family == 6 ? 16 : 4;

  return a->family == b->family && a->port == b->port &&
         memcmp(a->addr, b->addr, n) == 0;
}

/*
 * INITIAL-CONTACT: the peer rebooted, so its older SAs are stale. Only
 * SAs with the same outer address AND port go: another client behind the
 * same NAT (same address and ID, other port) keeps its SAs.
 */
void l2tpsec__ike_initial_contact(l2tpsec_ike *ike, ike_sa *sa) {
  ike_sa *other = ike->sas;

  while (other != NULL) {
    ike_sa *next = other->next;
    bool has_sas =
        other->state == IKE_ESTABLISHED || other->state == IKE_P1_GONE;
    if (other != sa && has_sas && same_endpoint(&other->remote, &sa->remote)) {
      L2TPSEC_LOG(&ike->settings.log, L2TPSEC_LOG_INFO, L2TPSEC_LOG_IKE,
                  "IKE SA %llu replaced by IKE SA %llu after INITIAL-CONTACT",
                  (unsigned long long)other->id, (unsigned long long)sa->id);
      l2tpsec__ike_sa_free(ike, other, L2TPSEC_IKE_DOWN_DELETED);
    }
    other = next;
  }
}

/* Removes the child SA whose outbound SPI the peer deleted. */
static void delete_child(l2tpsec_ike *ike, ike_sa *sa, uint32_t spi_out) {
  for (size_t i = 0; i < IKE_QM_MAX; i++) {
    ike_qm *qm = &sa->qm[i];
    if (!ike_qm_holds_sa(qm) || qm->spi_out != spi_out)
      continue;

    if (ike->cb.child_sa_down != NULL)
      ike->cb.child_sa_down(ike->user_data, qm->spi_in, qm->spi_out,
                            L2TPSEC_IKE_DOWN_DELETED);
    l2tpsec__ike_qm_free(qm);
  }
}

/* Handles one DELETE; returns false when it deleted sa itself. */
static bool handle_delete(l2tpsec_ike *ike, ike_sa *sa, const isakmp_payload *d,
                          l2tpsec_tstamp now) {
  if (d->len < 8)
    return true;

  uint8_t proto = d->body[4], spi_len = d->body[5];
  size_t count = isakmp_get16(d->body + 6);
  if (spi_len == 0 || count > (d->len - 8) / spi_len)
    return true;
  for (size_t i = 0; i < count; i++) {
    const uint8_t *spi = d->body + 8 + i * spi_len;
    if (proto == ISAKMP_PROTO_ESP && spi_len == 4)
      delete_child(ike, sa, isakmp_get32(spi));
    if (proto == ISAKMP_PROTO_ISAKMP && spi_len == 16 &&
        memcmp(spi, sa->icookie, 8) == 0 &&
        memcmp(spi + 8, sa->rcookie, 8) == 0) {
      /* The ESP SAs outlive their ISAKMP SA until the peer deletes them
       * or their lifetime ends, as after a phase-1 expiry. */
      L2TPSEC_LOG(&ike->settings.log, L2TPSEC_LOG_INFO, L2TPSEC_LOG_IKE,
                  "IKE SA %llu deleted by the peer",
                  (unsigned long long)sa->id);
      (void)l2tpsec__ike_p1_end(ike, sa, L2TPSEC_IKE_DOWN_DELETED, now);
      return false;
    }
  }
  return true;
}

static void handle_notify(l2tpsec_ike *ike, ike_sa *sa, const isakmp_payload *n,
                          l2tpsec_tstamp now) {
  if (n->len < 8)
    return;

  uint16_t type = isakmp_get16(n->body + 6);
  size_t data_off = 8 + (size_t)n->body[5];
  bool has_seq = n->len >= data_off + DPD_SEQ_LEN;
  uint32_t seq = has_seq ? isakmp_get32(n->body + data_off) : 0;

  if (type == ISAKMP_N_DPD_R_U_THERE && has_seq) {
    (void)send_dpd(ike, sa, ISAKMP_N_DPD_R_U_THERE_ACK, seq);
  } else if (type == ISAKMP_N_DPD_R_U_THERE_ACK && has_seq &&
             seq - sa->dpd_first_seq <= sa->dpd_seq - sa->dpd_first_seq) {
    sa->dpd_pending = false;
  } else if (type == ISAKMP_N_INITIAL_CONTACT) {
    l2tpsec__ike_initial_contact(ike, sa);
  }
  sa->last_heard = now;
}

/* Decrypts with the IV derived from last_block and checks HASH(1). */
static bool open_with(l2tpsec_ike *ike, ike_sa *sa, const ike_rx *rx,
                      const uint8_t *last_block, size_t last_len,
                      isakmp_msg *msg) {
  uint8_t iv[IKE_BLOCK_MAX], iv_next[IKE_BLOCK_MAX], mid[4];
  l2tpsec__iovec prefix[] = {{mid, 4}};

  isakmp_put32(mid, rx->hdr.message_id);
  l2tpsec__ike_phase2_iv_from(sa, last_block, last_len, rx->hdr.message_id, iv);
  *msg = (isakmp_msg){0};
  return l2tpsec__ike_decrypt(sa, rx->data, rx->len, iv, ike->plain, msg,
                              iv_next) == 0 &&
         msg->first_type == ISAKMP_NP_HASH &&
         l2tpsec__ike_check_hash(sa, ike->plain + ISAKMP_HDR_LEN, msg, prefix,
                                 1);
}

/*
 * Decrypts an informational and checks HASH(1). The IV is hash(last
 * phase-1 CBC block | M-ID) (RFC 2409 Appendix B): before MM6 the last
 * block so far is that of our MM5. Libreswan (3.x to 5.x) sends error
 * notifications from a phase 1 it has not finished, such as INVALID-ID
 * after rejecting our ID, with hash(M-ID) alone, because it keeps the
 * last phase-1 block only once phase 1 succeeds. HASH(1) authenticates
 * either form, so both are tried; *peer_unfinished tells which matched.
 */
static bool open_info(l2tpsec_ike *ike, ike_sa *sa, const ike_rx *rx,
                      isakmp_msg *msg, bool *peer_unfinished) {
  const uint8_t *last = sa->state == IKE_ESTABLISHED ? sa->p1_last : sa->iv;

  *peer_unfinished = false;
  if (open_with(ike, sa, rx, last, sa->block_len, msg))
    return true;
  *peer_unfinished = true;
  return open_with(ike, sa, rx, NULL, 0, msg);
}

/* Before MM6 only the keys exist: the peer may report an error then. */
static bool accepts_info(const ike_sa *sa) {
  return sa->state == IKE_ESTABLISHED || sa->state == IKE_I_MM_SENT_5;
}

/* Returns false when sa was freed. */
static bool handle_notifies(l2tpsec_ike *ike, ike_sa *sa, const isakmp_msg *msg,
                            bool in_phase1, l2tpsec_tstamp now) {
  for (size_t i = 0; i < msg->n_notify; i++) {
    const isakmp_payload *n = &msg->notify[i];
    if (n->len < 8)
      continue;
    if (!l2tpsec__ike_peer_error(ike, sa, isakmp_get16(n->body + 6), in_phase1,
                                 now))
      return false;
    if (sa->state == IKE_ESTABLISHED)
      handle_notify(ike, sa, n, now);
  }
  return true;
}

int l2tpsec__ike_info_input(l2tpsec_ike *ike, ike_sa *sa, const ike_rx *rx) {
  isakmp_msg *msg = &(isakmp_msg){0};
  bool peer_unfinished;

  if (!accepts_info(sa) || !(rx->hdr.flags & ISAKMP_FLAG_ENCRYPTION)) {
    l2tpsec__ike_drop(ike, &ike->stats.drop_unexpected, rx->now,
                      "unprotected informational for IKE SA %llu ignored",
                      (unsigned long long)sa->id);
    return 0;
  }
  if (!open_info(ike, sa, rx, msg, &peer_unfinished)) {
    l2tpsec__ike_drop(ike, &ike->stats.drop_integrity, rx->now,
                      "informational 0x%08x for IKE SA %llu failed its HASH",
                      rx->hdr.message_id, (unsigned long long)sa->id);
    return 0;
  }

  bool in_phase1 = peer_unfinished || sa->state != IKE_ESTABLISHED;
  if (!handle_notifies(ike, sa, msg, in_phase1, rx->now) ||
      sa->state != IKE_ESTABLISHED)
    return 0;
  for (size_t i = 0; i < msg->n_del; i++) {
    if (!handle_delete(ike, sa, &msg->del[i], rx->now))
      return 0;
  }
  return 0;
}

/* ---- DPD timer ---------------------------------------------------------- */

l2tpsec_tstamp l2tpsec__ike_dpd_deadline(const l2tpsec_ike *ike,
                                         const ike_sa *sa) {
  if (ike->settings.dpd_delay == 0 || !sa->caps.dpd ||
      sa->state != IKE_ESTABLISHED || sa->superseded)
    return L2TPSEC_TSTAMP_NEVER;
  if (sa->dpd_pending) {
    l2tpsec_tstamp dead = sa->dpd_sent + ike->settings.dpd_timeout;
    return sa->dpd_retry < dead ? sa->dpd_retry : dead;
  }
  return sa->last_heard + ike->settings.dpd_delay;
}

bool l2tpsec__ike_dpd_timeout(l2tpsec_ike *ike, ike_sa *sa,
                              l2tpsec_tstamp now) {
  if (now < l2tpsec__ike_dpd_deadline(ike, sa))
    return true;

  bool dead = now >= sa->dpd_sent + ike->settings.dpd_timeout;
  if (sa->dpd_pending && dead) {
    L2TPSEC_LOG(
        &ike->settings.log, L2TPSEC_LOG_NOTICE, L2TPSEC_LOG_IKE,
        "IKE SA %llu: no R-U-THERE-ACK within %llu s; deleting the "
        "peer's SAs",
        (unsigned long long)sa->id,
        (unsigned long long)(ike->settings.dpd_timeout / L2TPSEC_SECONDS));
    l2tpsec__ike_sa_free(ike, sa, L2TPSEC_IKE_DOWN_TIMEOUT);
    return false;
  }
  /* Each repeat gets the next sequence number (RFC 3706 5.5); an ACK for
   * any R-U-THERE of this probe counts. */
  if (!sa->dpd_pending) {
    sa->dpd_pending = true;
    sa->dpd_sent = now;
    sa->dpd_first_seq = sa->dpd_seq + 1;
  }
  sa->dpd_seq++;
  sa->dpd_retry = now + ike->settings.dpd_delay;
  (void)send_dpd(ike, sa, ISAKMP_N_DPD_R_U_THERE, sa->dpd_seq);
  return true;
}
