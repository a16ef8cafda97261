/* The IKEv1 endpoint object: settings, SA table, input dispatch, timers. */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log_internal.h"
#include "ike/ike_internal.h"
#include "ike/natd.h"
#include "ike/selector.h"
#include "l2tpsec/errors.h"
#include "l2tpsec/mem.h"

void l2tpsec_ike_settings_default(l2tpsec_ike_settings *s) {
  memset(s, 0, sizeof(*s));
  s->rand = l2tpsec_rand_system();
  s->preset = L2TPSEC_IKE_PRESET_COMPATIBLE;
  s->ike_lifetime = 28800;
  s->esp_lifetime = 3600;
  s->nat_traversal = true;
  s->max_half_open = 512;
  s->max_half_open_per_address = 32;
  s->half_open_timeout = 30 * L2TPSEC_SECONDS;
  s->retransmit_timeout = 1 * L2TPSEC_SECONDS;
  s->retransmit_tries = 5;
  s->dpd_delay = 30 * L2TPSEC_SECONDS;
  s->dpd_timeout = 120 * L2TPSEC_SECONDS;
  s->l2tp_port = 1701;
  s->rekey = true;
  s->rekey_margin = 540 * L2TPSEC_SECONDS;
  s->rekey_fuzz = 100;
  s->natt_keepalive = 20 * L2TPSEC_SECONDS;
  s->frag_max_count = 64;
  s->frag_max_bytes = 65536;
  s->frag_size = 1280;
}

bool l2tpsec__ike_group_supported(int group) {
  return l2tpsec__dh_supported(group);
}

static int load_policy(l2tpsec_ike *ike, ike_policy *policy,
                       enum ike_phase phase, const char *text) {
  char bad[64];

  if (text == NULL) {
    l2tpsec__ike_policy_preset(policy, phase,
                               (enum ike_preset)ike->settings.preset);
    return 0;
  }
  if (l2tpsec__ike_policy_parse(policy, phase, text, bad, sizeof(bad)) != 0) {
    L2TPSEC_LOG(&ike->settings.log, L2TPSEC_LOG_ERROR, L2TPSEC_LOG_IKE,
                "invalid %s proposal string: unknown or incomplete \"%s\"; "
                "write proposals like aes256-sha256-modp2048",
                phase == IKE_PHASE1 ? "IKE" : "ESP", bad);
    return L2TPSEC_ERR_CONFIG;
  }
  return 0;
}

static void warn_weak(const l2tpsec_ike *ike) {
  if (l2tpsec__ike_policy_has_weak(&ike->p1_policy) ||
      l2tpsec__ike_policy_has_weak(&ike->p2_policy))
    L2TPSEC_LOG(&ike->settings.log, L2TPSEC_LOG_WARNING, L2TPSEC_LOG_IKE,
                "IKE policy allows weak algorithms (MD5, 3DES, MODP1024 or "
                "MODP1536); use the compatible preset unless old Android "
                "clients need them");
}

/* Keeps a private copy of the PSK; none when only certificates are set. */
static int copy_psk(l2tpsec_ike *ike, const l2tpsec_ike_settings *settings) {
  ike->settings.psk = NULL;
  ike->settings.psk_len = 0;
  if (settings->psk == NULL || settings->psk_len == 0)
    return 0;
  ike->psk = malloc(settings->psk_len);
  if (ike->psk == NULL)
    return L2TPSEC_ERR_NOMEM;
  memcpy(ike->psk, settings->psk, settings->psk_len);
  ike->settings.psk = ike->psk;
  ike->settings.psk_len = settings->psk_len;
  return 0;
}

int l2tpsec_ike_new(l2tpsec_ike **pike, const l2tpsec_ike_settings *settings,
                    const l2tpsec_ike_callbacks *callbacks, void *user_data) {
  *pike = NULL;
  bool has_psk = settings->psk != NULL && settings->psk_len > 0;

  if (callbacks->send == NULL || callbacks->child_sa_up == NULL ||
      (!has_psk && settings->cert == NULL) ||
      (settings->aggressive_mode && !has_psk))
    return L2TPSEC_ERR_INVALID_ARGUMENT;

  l2tpsec_ike *ike = calloc(1, sizeof(*ike));
  if (ike == NULL)
    return L2TPSEC_ERR_NOMEM;
  ike->settings = *settings;
  ike->cb = *callbacks;
  ike->user_data = user_data;
  ike->next_sa_id = 1;
  l2tpsec__ratelimit_init(&ike->log_limit, L2TPSEC_SECONDS, 10);
  l2tpsec__ratelimit_init(&ike->reply_limit, L2TPSEC_SECONDS, 20);
  l2tpsec__ratelimit_init(&ike->reject_log_limit, 10 * L2TPSEC_SECONDS, 64);

  if (ike->settings.frag_max_count > IKE_FRAG_COUNT_LIMIT)
    ike->settings.frag_max_count = IKE_FRAG_COUNT_LIMIT;
  if (ike->settings.frag_max_bytes > IKE_MSG_MAX)
    ike->settings.frag_max_bytes = IKE_MSG_MAX;
  int err = copy_psk(ike, settings);
  ike->settings.ike_proposals = NULL;
  ike->settings.esp_proposals = NULL;
  ike->settings.cert = NULL;
  ike->settings.private_key = NULL;
  ike->settings.ca_certs = NULL;
  ike->settings.local_id = NULL;
  ike->settings.remote_id = NULL;
  ike->settings.psk_id = NULL;

  if (err == 0)
    err = l2tpsec__ike_cert_init(ike, settings);
  if (err == 0)
    err =
        load_policy(ike, &ike->p1_policy, IKE_PHASE1, settings->ike_proposals);
  if (err == 0)
    err =
        load_policy(ike, &ike->p2_policy, IKE_PHASE2, settings->esp_proposals);
  if (settings->ike_proposals == NULL && !settings->offer_all_proposals)
    l2tpsec__ike_policy_preset_offer(&ike->p1_offer,
                                     (enum ike_preset)settings->preset);
  else
    ike->p1_offer = ike->p1_policy;
  if (err == 0 && settings->tunnel)
    err = l2tpsec__ike_tunnel_settings_check(settings);
  if (err == 0)
    err = l2tpsec__ike_am_configure(ike);
  if (err == 0)
    err = l2tpsec__ike_psk_id_configure(ike, settings->psk_id);
  if (err != 0) {
    l2tpsec_ike_del(ike);
    return err;
  }
  warn_weak(ike);
  l2tpsec__ike_set_fake_client_nat(ike, settings->fake_client_nat,
                                   "set in the settings");
  *pike = ike;
  return 0;
}

void l2tpsec_ike_del(l2tpsec_ike *ike) {
  if (ike == NULL)
    return;

  /* Deleting the object is not a protocol event: no callbacks. */
  ike->cb.child_sa_down = NULL;
  ike->cb.ike_sa_down = NULL;
  while (ike->sas != NULL)
    l2tpsec__ike_sa_free(ike, ike->sas, L2TPSEC_IKE_DOWN_CLOSED);
  if (ike->psk != NULL)
    l2tpsec_wipe(ike->psk, ike->settings.psk_len);
  free(ike->psk);
  l2tpsec__ike_cert_free(ike->cert);
  l2tpsec_wipe(ike->plain, sizeof(ike->plain));
  free(ike);
}

void l2tpsec_ike_get_stats(const l2tpsec_ike *ike, l2tpsec_ike_stats *stats) {
  *stats = ike->stats;
}

/* ---- SA table ----------------------------------------------------------- */

ike_sa *l2tpsec__ike_sa_new(l2tpsec_ike *ike, bool initiator,
                            const l2tpsec_ike_endpoint *local,
                            const l2tpsec_ike_endpoint *remote,
                            l2tpsec_tstamp now) {
  ike_sa *sa = calloc(1, sizeof(*sa));

  if (sa == NULL)
    return NULL;
  sa->id = ike->next_sa_id++;
  sa->initiator = initiator;
  sa->tunnel = ike->settings.tunnel;
  sa->local = *local;
  sa->remote = *remote;
  sa->created = now;
  sa->deadline = L2TPSEC_TSTAMP_NEVER;
  sa->expires = L2TPSEC_TSTAMP_NEVER;
  sa->rekey_at = L2TPSEC_TSTAMP_NEVER;
  sa->probe_at = L2TPSEC_TSTAMP_NEVER;
  sa->dead_at = L2TPSEC_TSTAMP_NEVER;
  sa->keepalive_at = L2TPSEC_TSTAMP_NEVER;

  sa->next = ike->sas;
  if (ike->sas != NULL)
    ike->sas->prev = sa;
  ike->sas = sa;
  ike->stats.ike_sas++;
  if (!initiator)
    ike->stats.half_open++;
  return sa;
}

static void free_sent(ike_sent *s) {
  free(s->data);
  s->data = NULL;
  s->len = 0;
}

void l2tpsec__ike_sa_free(l2tpsec_ike *ike, ike_sa *sa,
                          enum l2tpsec_ike_down_reason reason) {
  for (size_t i = 0; i < IKE_QM_MAX; i++) {
    ike_qm *qm = &sa->qm[i];
    /* A rekeyed phase 1 hands its child SAs on, and an expired one keeps
     * them as IKE_P1_GONE (rekey.c): neither reason ends a child here. */
    bool ends_child = reason != L2TPSEC_IKE_DOWN_EXPIRED &&
                      reason != L2TPSEC_IKE_DOWN_REKEYED;
    if (ike_qm_installed(qm) && ends_child) {
      if (ike->cb.child_sa_down != NULL)
        ike->cb.child_sa_down(ike->user_data, qm->spi_in, qm->spi_out, reason);
    }
    l2tpsec__ike_qm_abort(ike, qm);
  }
  l2tpsec__ike_frag_free(sa->frags);
  sa->frags = NULL;
  if (sa->state == IKE_ESTABLISHED && ike->cb.ike_sa_down != NULL)
    ike->cb.ike_sa_down(ike->user_data, sa->id, reason);
  if (ike_sa_half_open(sa))
    ike->stats.half_open--;
  ike->stats.ike_sas--;

  if (sa->prev != NULL)
    sa->prev->next = sa->next;
  else
    ike->sas = sa->next;
  if (sa->next != NULL)
    sa->next->prev = sa->prev;

  l2tpsec__dh_del(sa->dh);
  l2tpsec__cipher_del(sa->cipher);
  free(sa->sai_b);
  free_sent(&sa->sent);
  free(sa->last_rx);
  l2tpsec_wipe(sa, sizeof(*sa));
  free(sa);
}

static bool same_endpoint(const l2tpsec_ike_endpoint *a,
                          const l2tpsec_ike_endpoint *b) {
  size_t n = a->family == 6 ? 16 : 4;

  return a->family == b->family && a->port == b->port &&
         memcmp(a->addr, b->addr, n) == 0;
}

static bool zero_cookie(const uint8_t *c) {
  static const uint8_t zero[ISAKMP_COOKIE_LEN];

  return memcmp(c, zero, ISAKMP_COOKIE_LEN) == 0;
}

/*
 * Finds the SA of a message. A message without a responder cookie can
 * only be a retransmitted MM1, which also must come from the same
 * endpoint, so that two peers that chose the same cookie stay apart.
 */
static ike_sa *find_sa(l2tpsec_ike *ike, const isakmp_hdr *hdr,
                       const l2tpsec_ike_endpoint *remote) {
  bool no_rcookie = zero_cookie(hdr->rcookie);

  for (ike_sa *sa = ike->sas; sa != NULL; sa = sa->next) {
    if (sa->state == IKE_P1_GONE ||
        memcmp(sa->icookie, hdr->icookie, ISAKMP_COOKIE_LEN) != 0)
      continue;
    /* The reply to our MM1 is the first message with the peer's cookie. */
    if (sa->initiator &&
        (sa->state == IKE_I_MM_SENT_1 || sa->state == IKE_I_AM_SENT_1))
      return sa;
    if (no_rcookie && !sa->initiator && same_endpoint(&sa->remote, remote))
      return sa;
    if (!no_rcookie &&
        memcmp(sa->rcookie, hdr->rcookie, ISAKMP_COOKIE_LEN) == 0)
      return sa;
  }
  return NULL;
}

/* ---- Sending and receive-path helpers ----------------------------------- */

void l2tpsec__ike_send_raw(l2tpsec_ike *ike, const ike_sa *sa,
                           const uint8_t *data, size_t len) {
  if (l2tpsec__ike_frag_send(ike, sa, data, len))
    return;
  (void)ike->cb.send(ike->user_data, data, len, &sa->local, &sa->remote);
}

int l2tpsec__ike_send_keep(l2tpsec_ike *ike, ike_sa *sa, ike_sent *sent,
                           const uint8_t *data, size_t len) {
  uint8_t *copy = malloc(len);

  if (copy == NULL)
    return L2TPSEC_ERR_NOMEM;
  memcpy(copy, data, len);
  free_sent(sent);
  sent->data = copy;
  sent->len = len;
  l2tpsec__ike_send_raw(ike, sa, data, len);
  return 0;
}

int l2tpsec__ike_keep_rx(uint8_t **slot, size_t *slot_len, const uint8_t *data,
                         size_t len) {
  uint8_t *copy = malloc(len);

  if (copy == NULL)
    return L2TPSEC_ERR_NOMEM;
  memcpy(copy, data, len);
  free(*slot);
  *slot = copy;
  *slot_len = len;
  return 0;
}

bool l2tpsec__ike_is_dup(const uint8_t *slot, size_t slot_len,
                         const uint8_t *data, size_t len) {
  return slot != NULL && slot_len == len && memcmp(slot, data, len) == 0;
}

void l2tpsec__ike_drop(l2tpsec_ike *ike, uint64_t *counter, l2tpsec_tstamp now,
                       const char *fmt, ...) {
  char line[256], peer[64] = "";
  va_list ap;

  (*counter)++;
  if (!L2TPSEC_LOG_ENABLED(&ike->settings.log, L2TPSEC_LOG_INFO))
    return;
  va_start(ap, fmt);
  vsnprintf(line, sizeof(line), fmt, ap);
  va_end(ap);
  if (ike->rx_peer != NULL) {
    strcpy(peer, " from ");
    l2tpsec__ike_endpoint_text(ike->rx_peer, peer + 6, sizeof(peer) - 6);
  }
  l2tpsec__log_limited(&ike->settings.log, &ike->log_limit, now,
                       L2TPSEC_LOG_INFO, L2TPSEC_LOG_IKE, "dropped%s: %s", peer,
                       line);
}

void l2tpsec__ike_arm_retransmit(l2tpsec_ike *ike, l2tpsec_tstamp now,
                                 l2tpsec_tstamp *deadline,
                                 l2tpsec_duration *interval, uint32_t *tries) {
  *interval = ike->settings.retransmit_timeout;
  *tries = 0;
  *deadline = now + *interval;
}

void l2tpsec__ike_sa_update_endpoints(ike_sa *sa, const ike_rx *rx) {
  sa->local = *rx->local;
  sa->remote = *rx->remote;
}

/* ---- Input -------------------------------------------------------------- */

/* A phase-2 message shows that the initiator has MM6. A forged one only
 * stops the resends: the initiator's own MM5 repeats still get MM6. */
static void stop_mm6_resends(ike_sa *sa) {
  if (!sa->initiator && sa->state == IKE_ESTABLISHED)
    sa->deadline = L2TPSEC_TSTAMP_NEVER;
}

static int dispatch(l2tpsec_ike *ike, ike_sa *sa, const ike_rx *rx) {
  switch (rx->hdr.exchange) {
  case ISAKMP_XCHG_IDENT_PROT:
    return l2tpsec__ike_mm_input(ike, sa, rx);
  case ISAKMP_XCHG_AGGRESSIVE:
    return l2tpsec__ike_am_input(ike, sa, rx);
  case ISAKMP_XCHG_QUICK:
    if (sa->state != IKE_ESTABLISHED)
      break;
    stop_mm6_resends(sa);
    return l2tpsec__ike_qm_input(ike, sa, rx);
  case ISAKMP_XCHG_INFO:
    stop_mm6_resends(sa);
    return l2tpsec__ike_info_input(ike, sa, rx);
  default:
    break;
  }
  l2tpsec__ike_drop(ike, &ike->stats.drop_unexpected, rx->now,
                    "exchange type %u not handled in this state",
                    rx->hdr.exchange);
  return 0;
}

int l2tpsec_ike_input(l2tpsec_ike *ike, const uint8_t *data, size_t len,
                      const l2tpsec_ike_endpoint *local,
                      const l2tpsec_ike_endpoint *remote, l2tpsec_tstamp now) {
  int rv;

  ike->stats.rx_datagrams++;
  ike->rx_now = now;
  ike->rx_peer = remote;
  rv = l2tpsec__ike_input_message(ike, data, len, local, remote, now);
  ike->rx_peer = NULL;
  return rv;
}

int l2tpsec__ike_input_message(l2tpsec_ike *ike, const uint8_t *data,
                               size_t len, const l2tpsec_ike_endpoint *local,
                               const l2tpsec_ike_endpoint *remote,
                               l2tpsec_tstamp now) {
  ike_rx rx = {
      .data = data, .len = len, .local = local, .remote = remote, .now = now};
  isakmp_hdr *hdr = &rx.hdr;

  enum isakmp_parse_error e = l2tpsec__isakmp_parse_hdr(data, len, hdr);
  if (e == ISAKMP_PARSE_VERSION) {
    l2tpsec__ike_drop(ike, &ike->stats.drop_version, now,
                      "ISAKMP version 0x%02x; only IKEv1 is supported",
                      hdr->version);
    return 0;
  }
  if (e != ISAKMP_PARSE_OK) {
    l2tpsec__ike_drop(ike, &ike->stats.drop_malformed, now, "%s",
                      l2tpsec__isakmp_parse_error_name(e));
    return 0;
  }

  ike_sa *sa = find_sa(ike, hdr, remote);
  if (sa != NULL && hdr->next_payload == ISAKMP_NP_FRAG)
    return l2tpsec__ike_frag_input(ike, sa, &rx);
  if (sa != NULL)
    return dispatch(ike, sa, &rx);
  if (zero_cookie(hdr->rcookie) && hdr->exchange == ISAKMP_XCHG_IDENT_PROT)
    return l2tpsec__ike_mm_respond(ike, &rx);
  if (zero_cookie(hdr->rcookie) && hdr->exchange == ISAKMP_XCHG_AGGRESSIVE)
    return l2tpsec__ike_am_respond(ike, &rx);

  l2tpsec__ike_drop(ike, &ike->stats.drop_unknown_sa, now,
                    "no SA for the cookies of exchange type %u", hdr->exchange);
  return 0;
}

int l2tpsec_ike_connect(l2tpsec_ike *ike, const l2tpsec_ike_endpoint *local,
                        const l2tpsec_ike_endpoint *remote, l2tpsec_tstamp now,
                        uint64_t *ike_sa_id) {
  if (local == NULL || remote == NULL ||
      (remote->family != 4 && remote->family != 6))
    return L2TPSEC_ERR_INVALID_ARGUMENT;

  ike_sa *sa = l2tpsec__ike_sa_new(ike, true, local, remote, now);
  if (sa == NULL)
    return L2TPSEC_ERR_NOMEM;
  sa->want_qm = true;

  int err = ike->settings.aggressive_mode ? l2tpsec__ike_am_start(ike, sa, now)
                                          : l2tpsec__ike_mm_start(ike, sa, now);
  if (err != 0) {
    l2tpsec__ike_sa_free(ike, sa, L2TPSEC_IKE_DOWN_FAILED);
    return err;
  }
  if (ike_sa_id != NULL)
    *ike_sa_id = sa->id;
  return 0;
}

int l2tpsec_ike_close(l2tpsec_ike *ike, uint64_t ike_sa_id,
                      l2tpsec_tstamp now) {
  ike_sa *sa = ike->sas;

  while (sa != NULL && sa->id != ike_sa_id)
    sa = sa->next;
  if (sa == NULL)
    return L2TPSEC_ERR_NOT_FOUND;

  if (sa->state == IKE_ESTABLISHED) {
    for (size_t i = 0; i < IKE_QM_MAX; i++) {
      if (sa->qm[i].state == QM_R_DONE || sa->qm[i].state == QM_I_DONE)
        (void)l2tpsec__ike_send_delete_esp(ike, sa, sa->qm[i].spi_in);
    }
    (void)l2tpsec__ike_send_delete_isakmp(ike, sa);
  }
  (void)now;
  l2tpsec__ike_sa_free(ike, sa, L2TPSEC_IKE_DOWN_DELETED);
  return 0;
}

/* ---- Timers ------------------------------------------------------------- */

static l2tpsec_tstamp sa_deadline(const l2tpsec_ike *ike, const ike_sa *sa) {
  l2tpsec_tstamp t = sa->deadline < sa->expires ? sa->deadline : sa->expires;
  l2tpsec_tstamp half_open_end = sa->created + ike->settings.half_open_timeout;

  if (ike_sa_half_open(sa) && half_open_end < t)
    t = half_open_end;
  l2tpsec_tstamp dpd = l2tpsec__ike_dpd_deadline(ike, sa);
  if (dpd < t)
    t = dpd;
  l2tpsec_tstamp rekey = l2tpsec__ike_rekey_deadline(ike, sa);
  if (rekey < t)
    t = rekey;
  l2tpsec_tstamp keepalive = l2tpsec__ike_keepalive_deadline(ike, sa);
  if (keepalive < t)
    t = keepalive;

  for (size_t i = 0; i < IKE_QM_MAX; i++) {
    if (sa->qm[i].state != QM_FREE && sa->qm[i].deadline < t)
      t = sa->qm[i].deadline;
  }
  return t;
}

l2tpsec_tstamp l2tpsec_ike_next_deadline(const l2tpsec_ike *ike) {
  l2tpsec_tstamp t = L2TPSEC_TSTAMP_NEVER;

  for (const ike_sa *sa = ike->sas; sa != NULL; sa = sa->next) {
    l2tpsec_tstamp d = sa_deadline(ike, sa);
    if (d < t)
      t = d;
  }
  return t;
}

/* Names the message whose reply an initiator waits for, for logs. */
static const char *awaited_message(enum ike_sa_state state) {
  switch (state) {
  case IKE_I_MM_SENT_1:
    return "main mode message 1";
  case IKE_I_MM_SENT_3:
    return "main mode message 3";
  case IKE_I_MM_SENT_5:
    return "main mode message 5";
  case IKE_I_AM_SENT_1:
    return "aggressive mode message 1";
  default:
    return "its last message";
  }
}

void l2tpsec__ike_endpoint_text(const l2tpsec_ike_endpoint *ep, char *buf,
                                size_t cap) {
  char host[INET6_ADDRSTRLEN] = "?";

  inet_ntop(ep->family == 6 ? AF_INET6 : AF_INET, ep->addr, host, sizeof(host));
  snprintf(buf, cap, ep->family == 6 ? "[%s]:%u" : "%s:%u", host, ep->port);
}

/* What to check when the peer sent no reply in main mode. Message 5
 * is the first encrypted one: a responder whose pre-shared key differs
 * cannot decrypt it, and may drop it without a reply, as ours does. */
static const char *give_up_hint(const ike_sa *sa) {
  if (sa->state == IKE_I_MM_SENT_5 && !l2tpsec__ike_auth_is_sig(sa->chosen.auth))
    return "The server answered until the first encrypted message, which "
           "is what a pre-shared key that differs from the server's looks "
           "like: check the PSK";
  return "Check the server address, that UDP ports 500 and 4500 reach it, "
         "and that its IKE service runs";
}

/* Resends the initiator's last phase-1 message, or gives up. Each step
 * is logged, so a user whose server never replies sees why it waits.
 * Returns false when the SA was freed. */
static bool retransmit_mm(l2tpsec_ike *ike, ike_sa *sa, l2tpsec_tstamp now) {
  char peer[64];

  l2tpsec__ike_endpoint_text(&sa->remote, peer, sizeof(peer));
  if (sa->tries >= ike->settings.retransmit_tries) {
    L2TPSEC_LOG(&ike->settings.log, L2TPSEC_LOG_WARNING, L2TPSEC_LOG_IKE,
                "IKE SA %llu: no answer from %s to IKE %s after %u retries "
                "in %.3g s; giving up. %s",
                (unsigned long long)sa->id, peer, awaited_message(sa->state),
                sa->tries, (double)(now - sa->created) / L2TPSEC_SECONDS,
                give_up_hint(sa));
    l2tpsec__ike_sa_free(ike, sa, L2TPSEC_IKE_DOWN_TIMEOUT);
    return false;
  }
  sa->tries++;
  sa->interval *= 2;
  sa->deadline = now + sa->interval;
  ike->stats.retransmits++;
  L2TPSEC_LOG(&ike->settings.log, L2TPSEC_LOG_NOTICE, L2TPSEC_LOG_IKE,
              "no answer from %s to IKE %s, retry %u of %u now, next wait "
              "%.3g s",
              peer, awaited_message(sa->state), sa->tries,
              ike->settings.retransmit_tries,
              (double)sa->interval / L2TPSEC_SECONDS);
  l2tpsec__ike_send_raw(ike, sa, sa->sent.data, sa->sent.len);
  return true;
}

/* Runs one SA's timers. Returns false when the SA was freed. */
static bool sa_timeout(l2tpsec_ike *ike, ike_sa *sa, l2tpsec_tstamp now) {
  if (ike_sa_half_open(sa) &&
      now >= sa->created + ike->settings.half_open_timeout) {
    ike->stats.half_open_expired++;
    l2tpsec__ike_sa_free(ike, sa, L2TPSEC_IKE_DOWN_TIMEOUT);
    return false;
  }
  if (!l2tpsec__ike_rekey_timeout(ike, sa, now))
    return false;
  l2tpsec__ike_keepalive_timeout(ike, sa, now);
  if (sa->state == IKE_P1_GONE)
    return true;
  if (now >= sa->expires)
    return l2tpsec__ike_p1_end(ike, sa, L2TPSEC_IKE_DOWN_EXPIRED, now);
  if (now >= sa->deadline) {
    sa->deadline = L2TPSEC_TSTAMP_NEVER;
    if (sa->initiator && sa->state != IKE_ESTABLISHED)
      return retransmit_mm(ike, sa, now);
    if (!sa->initiator)
      l2tpsec__ike_resend_reply(ike, sa, now);
  }
  if (sa->state == IKE_ESTABLISHED && !l2tpsec__ike_dpd_timeout(ike, sa, now))
    return false;
  if (sa->state == IKE_ESTABLISHED)
    l2tpsec__ike_qm_timeout(ike, sa, now);
  return true;
}

int l2tpsec_ike_handle_timeout(l2tpsec_ike *ike, l2tpsec_tstamp now) {
  ike_sa *sa = ike->sas;

  while (sa != NULL) {
    ike_sa *next = sa->next;
    (void)sa_timeout(ike, sa, now);
    sa = next;
  }
  return 0;
}
