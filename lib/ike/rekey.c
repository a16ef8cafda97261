/*
 * Lifetimes and rekeying, make-before-break, for both phases and both
 * roles.
 *
 * A child SA pair gets a rekey time some margin before its lifetime
 * ends. Whichever side reaches it first starts a new quick mode on the
 * current phase-1 SA. The new pair replaces every older pair with the
 * peer for sending, and the old pairs stay installed until their own
 * lifetime ends, so the ESP layer keeps decrypting packets in flight.
 *
 * A phase-1 SA is rekeyed the same way with a new main mode to the same
 * endpoint. Once the new one is established it adopts the child SAs of
 * every older phase-1 SA with that endpoint. The side that started the
 * rekey deletes the old ISAKMP SA, and the peer lets its copy run out.
 *
 * When a phase-1 SA ends while child SAs live (rekeying off, or the
 * rekey failed), the children are not touched: the SA stays as
 * IKE_P1_GONE until a new phase 1 adopts them. When DPD needs a probe
 * the phase-1 initiator starts that new phase 1 itself, and only an
 * unanswered probe on it ends the children (RFC 3706 section 5.5 leaves
 * this to the implementation).
 *
 * NOTE: the quick mode responder installs a pair only when QM3 arrives,
 * and the initiator starts sending on it as it sends QM3. When that QM3
 * is lost, the responder drops the packets under the new SPI until the
 * QM2 resend brings QM3 again (retransmit_timeout, 1 s by default).
 */
#include <stdlib.h>
#include <string.h>

#include "core/log_internal.h"
#include "ike/ike_internal.h"
#include "l2tpsec/errors.h"
#include "l2tpsec/mem.h"

bool l2tpsec__ike_same_endpoint(const l2tpsec_ike_endpoint *a,
                                const l2tpsec_ike_endpoint *b) {
  size_t n = a->family == 6 ? 16 : 4;

  return a->family == b->family && a->port == b->port &&
         memcmp(a->addr, b->addr, n) == 0;
}

static l2tpsec_duration min_duration(l2tpsec_duration a, l2tpsec_duration b) {
  return a < b ? a : b;
}

static l2tpsec_tstamp min_tstamp(l2tpsec_tstamp a, l2tpsec_tstamp b) {
  return a < b ? a : b;
}

/*
 * The time to start replacing an SA that started at `start` with a
 * lifetime of life_s seconds: the margin and a random extra before its
 * end, each at most a quarter of the lifetime. The jitter keeps both
 * sides, and many clients, from rekeying at the same instant.
 *
 * For an SA the peer started, the margin is halved and the extra
 * quartered, so a peer with the same settings rekeys first. IKEv1 has
 * no way to settle two rekeys started at once: both sides then install
 * two new pairs and may send on different ones.
 */
static l2tpsec_tstamp rekey_time(l2tpsec_ike *ike, l2tpsec_tstamp start,
                                 uint32_t life_s, bool peer_started) {
  const l2tpsec_ike_settings *s = &ike->settings;
  uint8_t b[8];

  if (!s->rekey || life_s == 0)
    return L2TPSEC_TSTAMP_NEVER;

  l2tpsec_duration life = (l2tpsec_duration)life_s * L2TPSEC_SECONDS;
  l2tpsec_duration margin = min_duration(s->rekey_margin, life / 4);
  l2tpsec_duration spread =
      min_duration(margin / 100 * s->rekey_fuzz, life / 4);
  l2tpsec_duration extra = 0;
  if (peer_started) {
    margin /= 2;
    spread /= 4;
  }
  if (spread > 0 && l2tpsec_rand_bytes(&s->rand, b, sizeof(b)) == 0) {
    uint64_t r = (uint64_t)isakmp_get32(b) << 32 | isakmp_get32(b + 4);
    extra = (l2tpsec_duration)(r % ((uint64_t)spread + 1));
  }
  return start + life - margin - extra;
}

/* The time to try again after a rekey that started at now: half way to
 * the end, or never when less than a second would be left. */
static l2tpsec_tstamp retry_time(l2tpsec_tstamp now, l2tpsec_tstamp end) {
  if (end == L2TPSEC_TSTAMP_NEVER || end - now < 2 * L2TPSEC_SECONDS)
    return L2TPSEC_TSTAMP_NEVER;
  return now + (end - now) / 2;
}

static bool has_children(const ike_sa *sa) {
  for (size_t i = 0; i < IKE_QM_MAX; i++) {
    if (ike_qm_installed(&sa->qm[i]))
      return true;
  }
  return false;
}

/* ---- Child SAs ---------------------------------------------------------- */

/* Marks every installed pair with the peer of sa, except keep, as
 * replaced. NOTE: this assumes one child SA per peer, as L2TP in
 * transport mode has; several tunnel-mode children would need their
 * proxy IDs compared. */
static void mark_replaced(l2tpsec_ike *ike, const ike_sa *sa,
                          const ike_qm *keep) {
  for (ike_sa *o = ike->sas; o != NULL; o = o->next) {
    if (o != sa && !l2tpsec__ike_same_endpoint(&o->remote, &sa->remote))
      continue;
    for (size_t i = 0; i < IKE_QM_MAX; i++) {
      if (&o->qm[i] != keep && ike_qm_installed(&o->qm[i]))
        o->qm[i].replaced = true;
    }
  }
}

void l2tpsec__ike_child_installed(l2tpsec_ike *ike, ike_sa *sa, ike_qm *qm,
                                  l2tpsec_tstamp now) {
  qm->expires = qm->lifetime == 0
                    ? L2TPSEC_TSTAMP_NEVER
                    : now + (l2tpsec_duration)qm->lifetime * L2TPSEC_SECONDS;
  qm->rekey_at = rekey_time(ike, now, qm->lifetime, !qm->child.initiator);
  qm->replaced = false;
  mark_replaced(ike, sa, qm);
}

/* Ends a pair whose lifetime ran out; the peer hears of it when a
 * phase-1 SA is there to carry the DELETE. */
static void expire_child(l2tpsec_ike *ike, ike_sa *sa, ike_qm *qm) {
  L2TPSEC_LOG(&ike->settings.log, L2TPSEC_LOG_INFO, L2TPSEC_LOG_IKE,
              "IKE SA %llu: ESP SA pair in 0x%08x out 0x%08x expired after "
              "%u s%s",
              (unsigned long long)sa->id, qm->spi_in, qm->spi_out, qm->lifetime,
              qm->replaced ? " (already replaced)" : "");
  if (sa->state == IKE_ESTABLISHED)
    (void)l2tpsec__ike_send_delete_esp(ike, sa, qm->spi_in);
  if (ike->cb.child_sa_down != NULL)
    ike->cb.child_sa_down(ike->user_data, qm->spi_in, qm->spi_out,
                          L2TPSEC_IKE_DOWN_EXPIRED);
  l2tpsec__ike_qm_free(qm);
}

/* Starts the quick mode that replaces qm, and arms a retry in case that
 * one fails. */
static int rekey_child(l2tpsec_ike *ike, ike_sa *sa, ike_qm *qm,
                       l2tpsec_tstamp now) {
  L2TPSEC_LOG(&ike->settings.log, L2TPSEC_LOG_INFO, L2TPSEC_LOG_IKE,
              "IKE SA %llu: rekeying ESP SA pair in 0x%08x out 0x%08x",
              (unsigned long long)sa->id, qm->spi_in, qm->spi_out);
  qm->rekey_at = retry_time(now, qm->expires);
  return l2tpsec__ike_qm_start(ike, sa, now);
}

/* Expires and rekeys the child SAs of sa. */
static void child_timers(l2tpsec_ike *ike, ike_sa *sa, l2tpsec_tstamp now) {
  for (size_t i = 0; i < IKE_QM_MAX; i++) {
    ike_qm *qm = &sa->qm[i];
    if (!ike_qm_installed(qm))
      continue;

    if (now >= qm->expires)
      expire_child(ike, sa, qm);
    else if (sa->state == IKE_ESTABLISHED && !qm->replaced &&
             now >= qm->rekey_at)
      (void)rekey_child(ike, sa, qm, now);
  }
}

/* ---- Phase-1 succession ------------------------------------------------- */

/* Moves the installed pairs of from into free slots of to. The stored
 * messages are dropped: they were protected with the old keys. */
static void adopt_children(l2tpsec_ike *ike, ike_sa *to, ike_sa *from) {
  size_t j = 0;

  for (size_t i = 0; i < IKE_QM_MAX; i++) {
    ike_qm *qm = &from->qm[i];
    if (!ike_qm_installed(qm))
      continue;
    while (j < IKE_QM_MAX && to->qm[j].state != QM_FREE)
      j++;
    if (j == IKE_QM_MAX)
      return;

    free(qm->sent.data);
    free(qm->last_rx);
    qm->sent = (ike_sent){0};
    qm->last_rx = NULL;
    qm->last_rx_len = 0;
    to->qm[j] = *qm;
    memset(qm, 0, sizeof(*qm));
    L2TPSEC_LOG(&ike->settings.log, L2TPSEC_LOG_INFO, L2TPSEC_LOG_IKE,
                "IKE SA %llu took over ESP SA pair in 0x%08x from IKE SA %llu",
                (unsigned long long)to->id, to->qm[j].spi_in,
                (unsigned long long)from->id);
  }
}

/* The newest established phase-1 SA with the peer of sa, other than
 * sa, that a newer SA has not taken over. */
static ike_sa *heir_of(l2tpsec_ike *ike, const ike_sa *sa) {
  ike_sa *best = NULL;

  for (ike_sa *o = ike->sas; o != NULL; o = o->next) {
    if (o == sa || o->state != IKE_ESTABLISHED || o->superseded ||
        !l2tpsec__ike_same_endpoint(&o->remote, &sa->remote))
      continue;
    if (best == NULL || o->id > best->id)
      best = o;
  }
  return best;
}

/* Starts a new main mode to the peer of old, to replace it. */
static void start_phase1(l2tpsec_ike *ike, ike_sa *old, l2tpsec_tstamp now) {
  ike_sa *sa = l2tpsec__ike_sa_new(ike, true, &old->local, &old->remote, now);
  int err =
      sa == NULL ? L2TPSEC_ERR_NOMEM : l2tpsec__ike_mm_start(ike, sa, now);

  L2TPSEC_LOG(
      &ike->settings.log, err == 0 ? L2TPSEC_LOG_INFO : L2TPSEC_LOG_ERROR,
      L2TPSEC_LOG_IKE, "IKE SA %llu: new main mode to replace it %s%s",
      (unsigned long long)old->id,
      err == 0 ? "started" : "failed: ", err == 0 ? "" : l2tpsec_strerror(err));
  if (sa == NULL)
    return;
  if (err != 0) {
    l2tpsec__ike_sa_free(ike, sa, L2TPSEC_IKE_DOWN_FAILED);
    return;
  }
  sa->replaces = old->id;
  /* The peer of a fake_client_nat responder must keep thinking it is
   * behind a NAT, so that the new child SAs stay in UDP. */
  sa->fake_client_nat = old->fake_client_nat;
}

/* Ends an older phase-1 SA whose children sa has adopted. */
static void retire(l2tpsec_ike *ike, ike_sa *sa, ike_sa *old) {
  if (old->state == IKE_P1_GONE) {
    l2tpsec__ike_sa_free(ike, old, L2TPSEC_IKE_DOWN_REKEYED);
    return;
  }
  if (old->id == sa->replaces) {
    L2TPSEC_LOG(&ike->settings.log, L2TPSEC_LOG_INFO, L2TPSEC_LOG_IKE,
                "IKE SA %llu replaced by IKE SA %llu",
                (unsigned long long)old->id, (unsigned long long)sa->id);
    (void)l2tpsec__ike_send_delete_isakmp(ike, old);
    l2tpsec__ike_sa_free(ike, old, L2TPSEC_IKE_DOWN_REKEYED);
    return;
  }
  /* The peer started this rekey; it deletes the old SA or lets it run
   * out. Meanwhile the old SA neither rekeys nor probes. */
  old->superseded = true;
}

/* A DPD probe that needed a new phase 1 goes on at once on that phase 1,
 * which has adopted the children of the IKE_P1_GONE SA. */
static void continue_probe(l2tpsec_ike *ike, ike_sa *sa, const ike_sa *old,
                           l2tpsec_tstamp now) {
  if (old->state == IKE_P1_GONE && old->dead_at != L2TPSEC_TSTAMP_NEVER &&
      ike->settings.dpd_delay != 0 && sa->caps.dpd)
    sa->last_heard = now - ike->settings.dpd_delay;
}

void l2tpsec__ike_p1_established(l2tpsec_ike *ike, ike_sa *sa,
                                 l2tpsec_tstamp now) {
  uint32_t life = (uint32_t)((sa->expires - now) / L2TPSEC_SECONDS);
  ike_sa *o = ike->sas;

  sa->rekey_at = sa->expires == L2TPSEC_TSTAMP_NEVER
                     ? L2TPSEC_TSTAMP_NEVER
                     : rekey_time(ike, now, life, !sa->initiator);
  sa->keepalive_at = now + ike->settings.natt_keepalive;
  while (o != NULL) {
    ike_sa *next = o->next;
    bool older =
        o != sa && (o->state == IKE_ESTABLISHED || o->state == IKE_P1_GONE);
    if (older && l2tpsec__ike_same_endpoint(&o->remote, &sa->remote)) {
      /* The NAT-keepalives keep their 20 s rhythm across the rekey. */
      sa->keepalive_at = min_tstamp(sa->keepalive_at, o->keepalive_at);
      adopt_children(ike, sa, o);
      continue_probe(ike, sa, o, now);
      retire(ike, sa, o);
    }
    o = next;
  }
}

/* ---- Phase-1 end without its children ------------------------------------ */

/* When an IKE_P1_GONE SA starts a new phase 1: as the phase-1 initiator,
 * when DPD would probe or a child SA is due for rekeying. */
static l2tpsec_tstamp probe_time(const l2tpsec_ike *ike, const ike_sa *sa) {
  l2tpsec_tstamp t = L2TPSEC_TSTAMP_NEVER;

  if (!sa->initiator)
    return t;
  if (ike->settings.dpd_delay != 0 && sa->caps.dpd)
    t = sa->last_heard + ike->settings.dpd_delay;
  for (size_t i = 0; i < IKE_QM_MAX; i++) {
    const ike_qm *qm = &sa->qm[i];
    if (ike_qm_installed(qm) && !qm->replaced)
      t = min_tstamp(t, qm->rekey_at);
  }
  return t;
}

/* Keeps sa, without its keys, as the record of its child SAs. */
static void keep_children(l2tpsec_ike *ike, ike_sa *sa,
                          enum l2tpsec_ike_down_reason reason) {
  for (size_t i = 0; i < IKE_QM_MAX; i++) {
    if (!ike_qm_installed(&sa->qm[i]))
      l2tpsec__ike_qm_abort(ike, &sa->qm[i]);
  }
  if (ike->cb.ike_sa_down != NULL)
    ike->cb.ike_sa_down(ike->user_data, sa->id, reason);
  sa->state = IKE_P1_GONE;
  l2tpsec__cipher_del(sa->cipher);
  sa->cipher = NULL;
  l2tpsec_wipe(sa->skeyid, sizeof(sa->skeyid));
  l2tpsec_wipe(sa->skeyid_d, sizeof(sa->skeyid_d));
  l2tpsec_wipe(sa->skeyid_a, sizeof(sa->skeyid_a));
  l2tpsec_wipe(sa->skeyid_e, sizeof(sa->skeyid_e));
  sa->expires = L2TPSEC_TSTAMP_NEVER;
  sa->deadline = L2TPSEC_TSTAMP_NEVER;
  sa->rekey_at = L2TPSEC_TSTAMP_NEVER;
  sa->dpd_pending = false;
  sa->probe_at = probe_time(ike, sa);
  sa->dead_at = L2TPSEC_TSTAMP_NEVER;
}

bool l2tpsec__ike_p1_end(l2tpsec_ike *ike, ike_sa *sa,
                         enum l2tpsec_ike_down_reason reason,
                         l2tpsec_tstamp now) {
  ike_sa *heir = heir_of(ike, sa);

  if (heir != NULL)
    adopt_children(ike, heir, sa);
  if (!has_children(sa)) {
    l2tpsec__ike_sa_free(ike, sa, reason);
    return false;
  }

  L2TPSEC_LOG(&ike->settings.log, L2TPSEC_LOG_INFO, L2TPSEC_LOG_IKE,
              "IKE SA %llu %s; its ESP SAs stay until a new phase 1 takes "
              "them over or their lifetime ends",
              (unsigned long long)sa->id,
              reason == L2TPSEC_IKE_DOWN_EXPIRED ? "expired"
                                                 : "deleted by the peer");
  keep_children(ike, sa, reason);
  (void)now;
  return true;
}

/* Timers of an IKE_P1_GONE SA. Returns false when sa was freed. */
static bool gone_timers(l2tpsec_ike *ike, ike_sa *sa, l2tpsec_tstamp now) {
  if (!has_children(sa)) {
    l2tpsec__ike_sa_free(ike, sa, L2TPSEC_IKE_DOWN_EXPIRED);
    return false;
  }
  if (now >= sa->dead_at) {
    L2TPSEC_LOG(
        &ike->settings.log, L2TPSEC_LOG_NOTICE, L2TPSEC_LOG_IKE,
        "IKE SA %llu: no new phase 1 with the peer within %llu s of "
        "the probe; deleting its ESP SAs",
        (unsigned long long)sa->id,
        (unsigned long long)(ike->settings.dpd_timeout / L2TPSEC_SECONDS));
    l2tpsec__ike_sa_free(ike, sa, L2TPSEC_IKE_DOWN_TIMEOUT);
    return false;
  }
  if (now >= sa->probe_at) {
    sa->probe_at = L2TPSEC_TSTAMP_NEVER;
    if (ike->settings.dpd_delay != 0 && sa->caps.dpd)
      sa->dead_at = now + ike->settings.dpd_timeout;
    start_phase1(ike, sa, now);
  }
  return true;
}

/* ---- Timer entry points ------------------------------------------------- */

l2tpsec_tstamp l2tpsec__ike_rekey_deadline(const l2tpsec_ike *ike,
                                           const ike_sa *sa) {
  l2tpsec_tstamp t = L2TPSEC_TSTAMP_NEVER;

  (void)ike;
  for (size_t i = 0; i < IKE_QM_MAX; i++) {
    const ike_qm *qm = &sa->qm[i];
    if (!ike_qm_installed(qm))
      continue;
    t = min_tstamp(t, qm->expires);
    if (sa->state == IKE_ESTABLISHED && !qm->replaced)
      t = min_tstamp(t, qm->rekey_at);
  }
  if (sa->state == IKE_ESTABLISHED && !sa->superseded)
    t = min_tstamp(t, sa->rekey_at);
  if (sa->state == IKE_P1_GONE)
    t = min_tstamp(t, min_tstamp(sa->probe_at, sa->dead_at));
  return t;
}

bool l2tpsec__ike_rekey_timeout(l2tpsec_ike *ike, ike_sa *sa,
                                l2tpsec_tstamp now) {
  child_timers(ike, sa, now);
  if (sa->state == IKE_P1_GONE)
    return gone_timers(ike, sa, now);

  if (sa->state == IKE_ESTABLISHED && !sa->superseded && now >= sa->rekey_at) {
    sa->rekey_at = retry_time(now, sa->expires);
    start_phase1(ike, sa, now);
  }
  return true;
}
