/*
 * Internal state of the IKEv1 endpoint: the object, its phase-1 SAs and
 * their quick mode exchanges, shared by the files of lib/ike.
 */
#ifndef L2TPSEC_IKE_INTERNAL_H
#define L2TPSEC_IKE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/ratelimit.h"
#include "crypto/crypto.h"
#include "ike/cert_auth.h"
#include "ike/fragment.h"
#include "ike/isakmp.h"
#include "ike/policy.h"
#include "ike/vendor.h"
#include "l2tpsec/ike.h"

/* Largest message we build. Messages longer than frag_size go out as
 * fragments to peers that support them; received fragments reassemble
 * up to frag_max_bytes. */
#define IKE_MSG_MAX 65536
#define IKE_NONCE_LEN 32
#define IKE_NONCE_MAX 256
#define IKE_DH_MAX 512 /* MODP4096 public value */
#define IKE_ID_MAX 256
#define IKE_BLOCK_MAX 16
/* Quick mode slots per phase-1 SA; a finished exchange keeps its slot
 * as the record of its child SA pair. */
#define IKE_QM_MAX 8

enum ike_sa_state {
  /* Responder, main mode: waiting for MM3, then MM5. */
  IKE_R_MM_SENT_2,
  IKE_R_MM_SENT_4,
  /* Initiator, main mode: waiting for MM2, MM4, MM6. */
  IKE_I_MM_SENT_1,
  IKE_I_MM_SENT_3,
  IKE_I_MM_SENT_5,
  IKE_ESTABLISHED,
  /* The phase-1 SA expired or was deleted while child SAs live: it is
   * kept, unusable for messages, as the record of those children until
   * a new phase 1 with the peer adopts them or they expire. */
  IKE_P1_GONE,
  /* Aggressive mode: the responder waits for AM3, the initiator for
   * AM2. */
  IKE_R_AM_SENT_2,
  IKE_I_AM_SENT_1,
};

/* A message we sent, kept for retransmission. */
typedef struct ike_sent {
  uint8_t *data;
  size_t len;
} ike_sent;

enum qm_state {
  QM_FREE = 0,
  QM_I_SENT_1, /* initiator: waiting for QM2 */
  QM_I_DONE,   /* initiator: QM3 sent; resent if QM2 comes again */
  QM_R_SENT_2, /* responder: waiting for QM3 */
  QM_R_DONE,   /* responder: installed */
};

/* One quick mode exchange, identified by its message ID. */
typedef struct ike_qm {
  enum qm_state state;
  uint32_t message_id;
  uint8_t iv[IKE_BLOCK_MAX];
  uint8_t ni[IKE_NONCE_MAX], nr[IKE_NONCE_MAX];
  size_t ni_len, nr_len;
  uint32_t spi_in, spi_out;
  ike_xform chosen;
  l2tpsec__dh *dh; /* PFS key pair, or NULL */
  uint16_t pfs_group;
  l2tpsec_ike_child_sa child; /* keys wiped once installed */
  ike_sent sent;
  /* Bytes of the last request received, to spot a duplicate. */
  uint8_t *last_rx;
  size_t last_rx_len;
  l2tpsec_tstamp deadline; /* retransmission or cleanup */
  l2tpsec_duration interval;
  uint32_t tries;
  uint32_t lifetime;
  /* Installed pairs only: when the replacement starts and when the pair
   * ends; replaced is set once a newer pair with the peer exists. */
  l2tpsec_tstamp rekey_at;
  l2tpsec_tstamp expires;
  bool replaced;
  bool inbound_early; /* responder: child_sa_inbound took the inbound half */
} ike_qm;

typedef struct ike_sa {
  struct ike_sa *next, *prev;
  uint64_t id;
  bool initiator;
  enum ike_sa_state state;
  uint8_t icookie[ISAKMP_COOKIE_LEN], rcookie[ISAKMP_COOKIE_LEN];
  l2tpsec_ike_endpoint local, remote;
  ike_peer_caps caps;
  enum ike_natt_method natt;
  bool nat_local, nat_remote; /* NAT detected in front of us / the peer */
  /* Responder with settings.fake_client_nat (natd.c): the peer's NAT-D
   * hash of our address as it saw it, echoed back; natd_seen_len 0 until
   * the peer's NAT-D came. */
  bool fake_client_nat;
  uint8_t natd_seen[L2TPSEC_HASH_MAX];
  size_t natd_seen_len;

  /* The chosen phase-1 transform and what it maps to. */
  ike_xform chosen;
  enum l2tpsec__hash_alg prf;
  enum l2tpsec__cipher_alg cipher_alg;
  size_t enc_key_len, block_len;

  uint8_t *sai_b; /* initiator's SA payload body, for HASH_I/HASH_R */
  size_t sai_b_len;
  l2tpsec__dh *dh;
  uint8_t gxi[IKE_DH_MAX], gxr[IKE_DH_MAX];
  size_t gx_len;
  uint8_t ni[IKE_NONCE_MAX], nr[IKE_NONCE_MAX];
  size_t ni_len, nr_len;

  uint8_t skeyid[L2TPSEC_HASH_MAX], skeyid_d[L2TPSEC_HASH_MAX];
  uint8_t skeyid_a[L2TPSEC_HASH_MAX], skeyid_e[L2TPSEC_HASH_MAX];
  size_t prf_len;
  l2tpsec__cipher *cipher;
  uint8_t iv[IKE_BLOCK_MAX];      /* phase-1 CBC chain (Appendix B) */
  uint8_t p1_last[IKE_BLOCK_MAX]; /* last phase-1 CBC block, for phase 2 */

  ike_sent sent;
  uint8_t *last_rx; /* last request received (responder duplicates) */
  size_t last_rx_len;
  uint32_t dup_replies; /* replies resent for repeats of last_rx */
  l2tpsec_tstamp deadline; /* retransmission (initiator) */
  l2tpsec_duration interval;
  uint32_t tries;
  l2tpsec_tstamp created;
  l2tpsec_tstamp expires;    /* phase-1 lifetime, once established */
  bool want_qm;              /* initiator: start quick mode when established */
  bool tunnel;               /* quick modes negotiate tunnel mode */
  l2tpsec_tstamp last_heard; /* last authenticated message from the peer */
  uint32_t dpd_seq;          /* last R-U-THERE sequence number sent */
  uint32_t dpd_first_seq;    /* first R-U-THERE of the current probe */
  bool dpd_pending;          /* R-U-THERE sent, no ACK yet */
  l2tpsec_tstamp dpd_sent;   /* first R-U-THERE of the current probe */
  l2tpsec_tstamp dpd_retry;  /* next repeat while no ACK has come */

  l2tpsec_tstamp rekey_at; /* start of the phase-1 rekey, once established */
  uint64_t replaces;       /* id of the SA this rekey replaces, or 0 */
  bool superseded;         /* a newer phase 1 with the peer took over */
  l2tpsec_tstamp probe_at; /* IKE_P1_GONE: start a new phase 1 */
  l2tpsec_tstamp dead_at;  /* IKE_P1_GONE: children end unless adopted */
  l2tpsec_tstamp keepalive_at; /* next NAT-keepalive */
  uint8_t peer_id[IKE_ID_MAX]; /* aggressive mode: IDii body, for HASH_I */
  size_t peer_id_len;

  ike_qm qm[IKE_QM_MAX];
  ike_frag_set *frags; /* fragments of a message being reassembled */
} ike_sa;

struct l2tpsec_ike {
  l2tpsec_ike_settings settings;
  l2tpsec_ike_callbacks cb;
  void *user_data;
  uint8_t *psk;
  ike_cert_cfg *cert; /* NULL without certificate authentication */
  ike_policy p1_policy, p2_policy;
  ike_policy p1_offer; /* what our main and aggressive mode offer */
  ike_sa *sas; /* doubly linked list */
  uint64_t next_sa_id;
  l2tpsec_ike_stats stats;
  l2tpsec__ratelimit log_limit;
  l2tpsec__ratelimit reply_limit; /* unauthenticated error replies */
  /* Per-transform rejection lines: one first message may reject dozens. */
  l2tpsec__ratelimit reject_log_limit;
  l2tpsec_tstamp rx_now;          /* time of the message being processed */
  /* Sender of the datagram being processed, named in drop lines; NULL
   * outside l2tpsec_ike_input. */
  const l2tpsec_ike_endpoint *rx_peer;
  char aggressive_id[IKE_ID_MAX]; /* FQDN we send in aggressive mode */
  /* Our ID with the pre-shared key (identity.c); psk_id_len 0 sends the
   * local address. */
  uint8_t psk_id_type;
  uint8_t psk_id[IKE_ID_MAX];
  size_t psk_id_len;
  uint8_t out[IKE_MSG_MAX];   /* message being built */
  uint8_t plain[IKE_MSG_MAX]; /* decrypted message being parsed */
};

/* One received datagram with its endpoints and parsed header. */
typedef struct ike_rx {
  const uint8_t *data;
  size_t len;
  const l2tpsec_ike_endpoint *local, *remote;
  isakmp_hdr hdr;
  l2tpsec_tstamp now;
} ike_rx;

/* A responder SA whose main mode has not finished. */
static inline bool ike_sa_half_open(const ike_sa *sa) {
  return !sa->initiator && sa->state != IKE_ESTABLISHED &&
         sa->state != IKE_P1_GONE;
}

/* True when the quick mode slot has an installed child SA pair. */
static inline bool ike_qm_installed(const ike_qm *qm) {
  return qm->state == QM_R_DONE || qm->state == QM_I_DONE;
}

/* True when the ESP layer has at least the inbound half of the pair,
 * so a child_sa_down must follow when the slot is freed. */
static inline bool ike_qm_holds_sa(const ike_qm *qm) {
  return ike_qm_installed(qm) || qm->inbound_early;
}

/* ---- ike.c: SA table, sending, logging ---------------------------------- */

/* Processes one whole ISAKMP message (a datagram or a reassembled set
 * of fragments). */
int l2tpsec__ike_input_message(l2tpsec_ike *ike, const uint8_t *data,
                               size_t len, const l2tpsec_ike_endpoint *local,
                               const l2tpsec_ike_endpoint *remote,
                               l2tpsec_tstamp now);

ike_sa *l2tpsec__ike_sa_new(l2tpsec_ike *ike, bool initiator,
                            const l2tpsec_ike_endpoint *local,
                            const l2tpsec_ike_endpoint *remote,
                            l2tpsec_tstamp now);
void l2tpsec__ike_sa_free(l2tpsec_ike *ike, ike_sa *sa,
                          enum l2tpsec_ike_down_reason reason);
/* Sends data and keeps a copy in *sent for retransmission. */
int l2tpsec__ike_send_keep(l2tpsec_ike *ike, ike_sa *sa, ike_sent *sent,
                           const uint8_t *data, size_t len);
void l2tpsec__ike_send_raw(l2tpsec_ike *ike, const ike_sa *sa,
                           const uint8_t *data, size_t len);
/* Stores a copy of a received request to recognise its duplicate. */
int l2tpsec__ike_keep_rx(uint8_t **slot, size_t *slot_len, const uint8_t *data,
                         size_t len);
bool l2tpsec__ike_is_dup(const uint8_t *slot, size_t slot_len,
                         const uint8_t *data, size_t len);
void l2tpsec__ike_drop(l2tpsec_ike *ike, uint64_t *counter, l2tpsec_tstamp now,
                       const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
bool l2tpsec__ike_group_supported(int group);
void l2tpsec__ike_arm_retransmit(l2tpsec_ike *ike, l2tpsec_tstamp now,
                                 l2tpsec_tstamp *deadline,
                                 l2tpsec_duration *interval, uint32_t *tries);

/* ---- ike_crypt.c: phase-1 keys, encryption and HASH payloads ------------ */

/* Maps the chosen transform to algorithms; false if unsupported. */
bool l2tpsec__ike_sa_set_algorithms(ike_sa *sa);
/* Derives SKEYID... and the encryption key after KE and nonces. */
int l2tpsec__ike_derive_keys(l2tpsec_ike *ike, ike_sa *sa);
/* prf(key, parts...) with the negotiated hash. */
int l2tpsec__ike_prf(const ike_sa *sa, const uint8_t *key, size_t key_len,
                     const l2tpsec__iovec *parts, size_t n, uint8_t *out);
/* Writes the fixed header for a message of sa. */
void l2tpsec__ike_put_header(ike_writer *w, const ike_sa *sa, uint8_t exchange,
                             uint8_t flags, uint32_t message_id);
/*
 * Pads and encrypts the body after the header in place with iv, sets the
 * header length, and writes the last ciphertext block to iv_out.
 */
int l2tpsec__ike_encrypt(ike_sa *sa, ike_writer *w, const uint8_t *iv,
                         uint8_t *iv_out);
/*
 * Decrypts the body of data into plain (header copied) with iv, parses
 * its payloads into msg and writes the last ciphertext block to
 * iv_out. Returns 0, L2TPSEC_ERR_MALFORMED or L2TPSEC_ERR_CRYPTO.
 */
int l2tpsec__ike_decrypt(ike_sa *sa, const uint8_t *data, size_t len,
                         const uint8_t *iv, uint8_t *plain, isakmp_msg *msg,
                         uint8_t *iv_out);
/* IV of a phase-2 exchange: hash(last phase-1 block | M-ID). */
void l2tpsec__ike_phase2_iv(const ike_sa *sa, uint32_t message_id, uint8_t *iv);
/* The same over last_block[0..last_len), which may be empty. */
void l2tpsec__ike_phase2_iv_from(const ike_sa *sa, const uint8_t *last_block,
                                 size_t last_len, uint32_t message_id,
                                 uint8_t *iv);
/* Fills the HASH payload that starts at hash_off (body of prf_len bytes)
 * with prf(SKEYID_a, prefix | message after HASH) (RFC 2409 5.5). */
int l2tpsec__ike_fill_hash(ike_sa *sa, ike_writer *w, size_t hash_off,
                           const l2tpsec__iovec *prefix, size_t n_prefix);
/* Compares a HASH in constant time (every HASH matches in the
 * L2TPSEC_FUZZ_NULL_CRYPTO build). */
bool l2tpsec__ike_hash_equal(const uint8_t *expected, const uint8_t *received,
                             size_t len);
/* Checks such a HASH in a received message; true when it matches. */
bool l2tpsec__ike_check_hash(ike_sa *sa, const uint8_t *plain,
                             const isakmp_msg *msg,
                             const l2tpsec__iovec *prefix, size_t n_prefix);

/* ---- main_mode.c -------------------------------------------------------- */

int l2tpsec__ike_mm_start(l2tpsec_ike *ike, ike_sa *sa, l2tpsec_tstamp now);
int l2tpsec__ike_mm_input(l2tpsec_ike *ike, ike_sa *sa, const ike_rx *rx);
/* Responder: a new MM1. */
int l2tpsec__ike_mm_respond(l2tpsec_ike *ike, const ike_rx *rx);

/* Steps of main mode that aggressive mode reuses, each the function of
 * the same name in main_mode.c. of_initiator picks g^xi and Ni, else
 * g^xr and Nr. */
int l2tpsec__ike_new_cookie(l2tpsec_ike *ike, uint8_t *cookie);
int l2tpsec__ike_auth_hash(const ike_sa *sa, bool of_initiator,
                           const uint8_t *id_b, size_t id_len, uint8_t *out);
bool l2tpsec__ike_take_ke_nonce(ike_sa *sa, const isakmp_msg *msg,
                                bool of_initiator);
int l2tpsec__ike_make_ke_nonce(l2tpsec_ike *ike, ike_sa *sa, bool of_initiator);
bool l2tpsec__ike_choose_p1(l2tpsec_ike *ike, const isakmp_msg *msg,
                            ike_sa_offer *offer, size_t *pi, size_t *xi);
int l2tpsec__ike_init_responder(l2tpsec_ike *ike, ike_sa *sa,
                                const isakmp_msg *msg, const ike_xform *xf);
bool l2tpsec__ike_accept_p1_choice(l2tpsec_ike *ike, ike_sa *sa,
                                   const isakmp_msg *msg);
void l2tpsec__ike_establish(l2tpsec_ike *ike, ike_sa *sa, l2tpsec_tstamp now);

/* ---- identity.c: phase-1 IDs ------------------------------------------- */

/* Parses settings.psk_id (NULL keeps the local address). Returns 0 or
 * L2TPSEC_ERR_CONFIG after logging the invalid value. */
int l2tpsec__ike_psk_id_configure(l2tpsec_ike *ike, const char *text);
/* Each writes an ID payload and returns its offset: one of type with
 * data, the address of ep, or ours for PSK authentication. */
size_t l2tpsec__ike_put_id_payload(ike_writer *w, uint8_t type,
                                   const void *data, size_t len);
size_t l2tpsec__ike_put_id(ike_writer *w, const l2tpsec_ike_endpoint *ep);
size_t l2tpsec__ike_put_psk_id(const l2tpsec_ike *ike, ike_writer *w,
                               const l2tpsec_ike_endpoint *local);
/* Writes a printable form of an ID payload for log lines: the address,
 * the name with unprintable bytes replaced, or the type and length. The
 * body must hold at least the 4 bytes before the data. */
void l2tpsec__ike_id_text(const isakmp_payload *id, char *out, size_t cap);
/* Logs the ID an authenticated peer sent, at level info. */
void l2tpsec__ike_log_peer_id(l2tpsec_ike *ike, const ike_sa *sa,
                              const isakmp_payload *id);

/* ---- natd.c: NAT discovery (RFC 3947 sections 3 and 4) ------------------ */

/* Writes our two NAT-D payloads, the peer's endpoint first; nothing
 * without NAT-T. */
void l2tpsec__ike_put_natd_pair(ike_writer *w, const ike_sa *sa);
/* Compares the peer's NAT-D payloads with the endpoints the message
 * came on, setting nat_local and nat_remote. */
void l2tpsec__ike_detect_nat(ike_sa *sa, const isakmp_msg *msg,
                             const l2tpsec_ike_endpoint *local,
                             const l2tpsec_ike_endpoint *remote);
/* Moves both ends from port 500 to 4500 when a NAT was found. */
void l2tpsec__ike_float_ports(ike_sa *sa);

/* ---- aggressive_mode.c ----------------------------------------------------
 */

/* Copies aggressive_id and warns when the responder is on. Returns 0 or
 * L2TPSEC_ERR_INVALID_ARGUMENT. */
int l2tpsec__ike_am_configure(l2tpsec_ike *ike);
int l2tpsec__ike_am_start(l2tpsec_ike *ike, ike_sa *sa, l2tpsec_tstamp now);
int l2tpsec__ike_am_input(l2tpsec_ike *ike, ike_sa *sa, const ike_rx *rx);
/* Responder: a new AM1 (dropped unless aggressive_responder is on). */
int l2tpsec__ike_am_respond(l2tpsec_ike *ike, const ike_rx *rx);

/* ---- quick_mode.c ------------------------------------------------------- */

int l2tpsec__ike_qm_start(l2tpsec_ike *ike, ike_sa *sa, l2tpsec_tstamp now);
int l2tpsec__ike_qm_input(l2tpsec_ike *ike, ike_sa *sa, const ike_rx *rx);
/* Adopts the endpoints of an authenticated message (the NAT-T float to
 * port 4500, or a NAT mapping that changed). */
void l2tpsec__ike_sa_update_endpoints(ike_sa *sa, const ike_rx *rx);
void l2tpsec__ike_qm_timeout(l2tpsec_ike *ike, ike_sa *sa, l2tpsec_tstamp now);
void l2tpsec__ike_qm_free(ike_qm *qm);
/* Writes ep as "address:port" ("[address]:port" for IPv6) into buf. */
void l2tpsec__ike_endpoint_text(const l2tpsec_ike_endpoint *ep, char *buf,
                                size_t cap);
/* Stores the request rx as sa's last one, for spotting repeats. */
int l2tpsec__ike_sa_keep_rx(ike_sa *sa, const ike_rx *rx);
/* Resends sa's stored reply to a repeated request, at most
 * retransmit_tries times per request; later repeats are dropped. */
void l2tpsec__ike_answer_repeat(l2tpsec_ike *ike, ike_sa *sa);
/* Whether a new responder phase-1 SA for rx fits the half-open limits;
 * logs and counts the drop when it does not (half_open.c). */
bool l2tpsec__ike_half_open_admit(l2tpsec_ike *ike, const ike_rx *rx);
/* Frees a slot whose quick mode did not finish; an inbound half that
 * child_sa_inbound installed is reported down (reason FAILED) first. */
void l2tpsec__ike_qm_abort(l2tpsec_ike *ike, ike_qm *qm);
/*
 * Decodes a NAT-OA payload (RFC 3947 5.2): ID type 1 or 5 and the
 * address. Non-zero reserved bytes, which some gateways send, are
 * accepted and reported through *reserved_set.
 */
bool l2tpsec__ike_natoa_parse(const isakmp_payload *p, l2tpsec_ike_endpoint *ep,
                              bool *reserved_set);

/* ---- info.c: informational exchanges and DPD ---------------------------- */

int l2tpsec__ike_info_input(l2tpsec_ike *ike, ike_sa *sa, const ike_rx *rx);
/* Deletes the other SAs of the same peer endpoint (INITIAL-CONTACT). */
void l2tpsec__ike_initial_contact(l2tpsec_ike *ike, ike_sa *sa);
int l2tpsec__ike_send_delete_esp(l2tpsec_ike *ike, ike_sa *sa, uint32_t spi_in);
int l2tpsec__ike_send_delete_isakmp(l2tpsec_ike *ike, ike_sa *sa);
/* When the DPD timer of sa fires next, or L2TPSEC_TSTAMP_NEVER. */
l2tpsec_tstamp l2tpsec__ike_dpd_deadline(const l2tpsec_ike *ike,
                                         const ike_sa *sa);
/* Sends R-U-THERE or declares the peer dead; false when sa was freed. */
bool l2tpsec__ike_dpd_timeout(l2tpsec_ike *ike, ike_sa *sa, l2tpsec_tstamp now);

/* ---- rekey.c: lifetimes, rekeying and phase-1 succession ---------------- */

bool l2tpsec__ike_same_endpoint(const l2tpsec_ike_endpoint *a,
                                const l2tpsec_ike_endpoint *b);
/* Starts the lifetime and rekey timers of a pair just installed and
 * marks the peer's older pairs as replaced. */
void l2tpsec__ike_child_installed(l2tpsec_ike *ike, ike_sa *sa, ike_qm *qm,
                                  l2tpsec_tstamp now);
/* Runs after sa reached IKE_ESTABLISHED (and after INITIAL-CONTACT):
 * arms its rekey timer and takes over the child SAs of older phase-1
 * SAs with the same peer endpoint. */
void l2tpsec__ike_p1_established(l2tpsec_ike *ike, ike_sa *sa,
                                 l2tpsec_tstamp now);
/* Ends the phase-1 SA (expiry or the peer's DELETE) but not its child
 * SAs: they move to another phase 1 with the peer, or sa stays as
 * IKE_P1_GONE. Returns false when sa was freed. */
bool l2tpsec__ike_p1_end(l2tpsec_ike *ike, ike_sa *sa,
                         enum l2tpsec_ike_down_reason reason,
                         l2tpsec_tstamp now);
l2tpsec_tstamp l2tpsec__ike_rekey_deadline(const l2tpsec_ike *ike,
                                           const ike_sa *sa);
/* Runs child expiry, both rekey timers and the IKE_P1_GONE timers.
 * Returns false when sa was freed. */
bool l2tpsec__ike_rekey_timeout(l2tpsec_ike *ike, ike_sa *sa,
                                l2tpsec_tstamp now);

/* ---- resend.c: the responder's own retransmissions ---------------------- */

/* Resends MM4 or MM6 after the timer armed when it was sent, up to
 * retransmit_tries times. */
void l2tpsec__ike_resend_reply(l2tpsec_ike *ike, ike_sa *sa,
                               l2tpsec_tstamp now);

/* ---- keepalive.c: NAT-keepalives (RFC 3948 section 2.3) ----------------- */

l2tpsec_tstamp l2tpsec__ike_keepalive_deadline(const l2tpsec_ike *ike,
                                               const ike_sa *sa);
void l2tpsec__ike_keepalive_timeout(l2tpsec_ike *ike, ike_sa *sa,
                                    l2tpsec_tstamp now);

/* ---- peer_error.c ------------------------------------------------------- */

/*
 * Handles an authenticated notification of type `type`: an error type is
 * counted and logged, and with in_phase1 (the peer rejected main mode
 * message 5 or 6) the SA is freed unless child SAs use it. Returns false
 * when sa was freed.
 */
bool l2tpsec__ike_peer_error(l2tpsec_ike *ike, ike_sa *sa, uint16_t type,
                             bool in_phase1, l2tpsec_tstamp now);

/* ---- notify.c ----------------------------------------------------------- */

/* Sends an unencrypted informational notify about a main mode failure,
 * rate-limited because the request it replies to is unauthenticated. */
void l2tpsec__ike_send_notify_clear(l2tpsec_ike *ike, const ike_rx *rx,
                                    uint16_t type);

#endif
