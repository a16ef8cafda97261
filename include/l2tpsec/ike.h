/*
 * IKEv1 (RFC 2409) over ISAKMP (RFC 2408) for L2TP/IPsec, as an I/O-free
 * state machine: it is fed datagrams from UDP 500/4500 with their
 * addresses, emits datagrams through a callback, and reports negotiated
 * ESP SAs through callbacks for the ESP layer to install.
 *
 * One l2tpsec_ike object serves every peer of one local endpoint, as
 * responder and as initiator. The caller strips the 4-byte non-ESP marker
 * from datagrams that arrive on UDP 4500 before l2tpsec_ike_input and
 * adds it to datagrams the send callback emits to port 4500 (RFC 3948
 * section 2.2).
 */
#ifndef L2TPSEC_IKE_H
#define L2TPSEC_IKE_H

#include <stdbool.h>

#include "l2tpsec/common.h"
#include "l2tpsec/log.h"
#include "l2tpsec/rand.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A UDP endpoint. family is 4 or 6; an IPv4 address fills addr[0..4). */
typedef struct l2tpsec_ike_endpoint {
  uint8_t family;
  uint8_t addr[16];
  uint16_t port;
} l2tpsec_ike_endpoint;

typedef struct l2tpsec_ike l2tpsec_ike;

/* Named algorithm policies; COMPATIBLE is the default. */
enum l2tpsec_ike_preset {
  /* AES with SHA-1 or SHA-2 over MODP >= 2048 or ECP: Windows 10/11,
   * macOS, iOS and NetworkManager-l2tp clients. */
  L2TPSEC_IKE_PRESET_COMPATIBLE = 0,
  /* AES with SHA-2 only, MODP >= 2048 or ECP. */
  L2TPSEC_IKE_PRESET_STRICT = 1,
  /* COMPATIBLE plus MODP1024/1536, 3DES and MD5 (Android 11 and older);
   * a warning is logged at creation. */
  L2TPSEC_IKE_PRESET_LEGACY = 2,
};

/*
 * A tunnel-mode traffic selector: an address prefix, optionally narrowed
 * to one IP protocol and port. Quick mode carries it as an ID payload
 * (RFC 2407 section 4.6.2): IPV4_ADDR or IPV6_ADDR for a full-length
 * prefix, IPV4_ADDR_SUBNET or IPV6_ADDR_SUBNET otherwise.
 */
typedef struct l2tpsec_ike_selector {
  uint8_t family;     /* 4 or 6; 0 = unset */
  uint8_t addr[16];   /* network address; IPv4 fills addr[0..4) */
  uint8_t prefix_len; /* 0..32 or 0..128; the full length is one host */
  uint8_t protocol;   /* IP protocol number; 0 = any */
  uint16_t port;      /* 0 = any */
} l2tpsec_ike_selector;

/* Phase-1 identity types we send with certificates (RFC 2407 4.6.2.1). */
enum l2tpsec_ike_id_type {
  L2TPSEC_IKE_ID_ADDRESS = 0, /* ID_IPV4_ADDR or ID_IPV6_ADDR, local address */
  L2TPSEC_IKE_ID_FQDN = 2,    /* ID_FQDN, such as vpn.example.com */
  L2TPSEC_IKE_ID_USER_FQDN = 3, /* ID_USER_FQDN, such as alice@example.com */
  L2TPSEC_IKE_ID_DN = 9,        /* ID_DER_ASN1_DN: our certificate's subject */
};

/* Largest key of either kind in a child SA, in bytes. */
#define L2TPSEC_IKE_KEY_MAX 64

/*
 * A negotiated ESP SA pair, as quick mode produced it. Keys are split
 * from KEYMAT (RFC 2409 section 5.5): the cipher key first (for AES-GCM
 * followed by its 4-byte salt, RFC 4106 section 8.1), then the
 * integrity key. "in" protects traffic the peer sends to us.
 */
typedef struct l2tpsec_ike_child_sa {
  uint32_t spi_in;        /* host byte order; chosen by us */
  uint32_t spi_out;       /* host byte order; chosen by the peer */
  uint16_t esp_transform; /* ESP transform ID: 3, 12, 18, 19 or 20 */
  uint16_t key_bits;      /* cipher key length without the GCM salt */
  uint16_t integ;         /* IPsec authentication algorithm; 0 for GCM */
  uint8_t encr_key_in[L2TPSEC_IKE_KEY_MAX];
  uint8_t encr_key_out[L2TPSEC_IKE_KEY_MAX];
  size_t encr_key_len;
  uint8_t integ_key_in[L2TPSEC_IKE_KEY_MAX];
  uint8_t integ_key_out[L2TPSEC_IKE_KEY_MAX];
  size_t integ_key_len;
  /* Encapsulation mode attribute as negotiated (RFC 2407 4.5, RFC 3947
   * section 5.1 and the draft values 61443/61444). */
  uint16_t encap_mode;
  bool transport;             /* transport (true) or tunnel mode */
  bool udp_encap;             /* ESP in UDP (RFC 3948) on the endpoints below */
  l2tpsec_ike_endpoint local; /* outer endpoint on our side */
  l2tpsec_ike_endpoint remote; /* outer endpoint of the peer, after NAT */
  /* Original addresses from NAT-OA (RFC 3947 section 5.2), port 0, for
   * the inner checksum fix-up of transport mode; family 0 when absent. */
  l2tpsec_ike_endpoint original_initiator;
  l2tpsec_ike_endpoint original_responder;
  /* Tunnel mode: the traffic selectors quick mode agreed on, from our
   * point of view. Family 0 in transport mode. */
  l2tpsec_ike_selector ts_local;
  l2tpsec_ike_selector ts_remote;
  uint32_t lifetime_seconds; /* 0 = no time limit */
  uint64_t lifetime_kbytes;  /* 0 = no volume limit */
  bool initiator;            /* we started this quick mode */
  uint64_t ike_sa_id;        /* the IKE SA that negotiated it */
  /* Peer quirk: Android's racoon-based client truncates HMAC-SHA-256 to
   * 96 bits; a hint for the ESP layer's detection mode. */
  bool sha256_icv96_hint;
} l2tpsec_ike_child_sa;

/* Reasons an IKE or child SA goes away. */
enum l2tpsec_ike_down_reason {
  L2TPSEC_IKE_DOWN_DELETED, /* the peer sent a DELETE, or we did */
  L2TPSEC_IKE_DOWN_EXPIRED, /* its lifetime ran out */
  L2TPSEC_IKE_DOWN_TIMEOUT, /* retransmissions or DPD went unanswered */
  L2TPSEC_IKE_DOWN_FAILED,  /* negotiation or authentication failed */
  L2TPSEC_IKE_DOWN_CLOSED,  /* the object was deleted */
  L2TPSEC_IKE_DOWN_REKEYED, /* a newer phase 1 took over its child SAs */
};

typedef struct l2tpsec_ike_callbacks {
  /*
   * Sends one datagram from local to remote. Required. The bytes are
   * valid only during the call. Returns 0 or a negative error code,
   * which only counts as a send failure: retransmission covers it.
   */
  int (*send)(void *user_data, const uint8_t *data, size_t len,
              const l2tpsec_ike_endpoint *local,
              const l2tpsec_ike_endpoint *remote);
  /*
   * Installs a child SA pair. Required. A negative return is logged and
   * the pair is forgotten, so no child_sa_down follows for it. The keys
   * are wiped after the call.
   */
  int (*child_sa_up)(void *user_data, const l2tpsec_ike_child_sa *sa);
  /*
   * Removes a child SA pair installed before. Optional. After a rekey
   * the old pair stays until its lifetime ends (reason EXPIRED) or the
   * peer deletes it, so the ESP layer should decrypt with every pair it
   * has installed and encrypt with the one installed last.
   */
  void (*child_sa_down)(void *user_data, uint32_t spi_in, uint32_t spi_out,
                        enum l2tpsec_ike_down_reason reason);
  /* Reports a phase-1 SA with a peer established. Optional. */
  void (*ike_sa_up)(void *user_data, uint64_t ike_sa_id,
                    const l2tpsec_ike_endpoint *remote);
  /* Reports a phase-1 SA gone. Optional. */
  void (*ike_sa_down)(void *user_data, uint64_t ike_sa_id,
                      enum l2tpsec_ike_down_reason reason);
  /*
   * Sends one NAT-keepalive, the single byte 0xFF in a UDP datagram from
   * local to remote on port 4500, WITHOUT the non-ESP marker (RFC 3948
   * section 2.3). Optional: without it no keepalives are sent.
   */
  void (*send_keepalive)(void *user_data, const l2tpsec_ike_endpoint *local,
                         const l2tpsec_ike_endpoint *remote);
  /*
   * Installs only the inbound half of a pair. Optional. A quick-mode
   * responder calls it right after it sends QM2, because the initiator
   * may send ESP as soon as it has sent QM3. That packet can arrive
   * before QM3, or on another socket; RFC 2409 section 5.5 leaves the
   * order open. child_sa_up follows with the whole pair, the same inbound SPI
   * and keys, when QM3 arrives; child_sa_down with reason FAILED follows
   * instead when quick mode ends without QM3. A negative return only
   * means the inbound half waits for child_sa_up. The keys stay with the
   * IKE layer until child_sa_up.
   */
  int (*child_sa_inbound)(void *user_data, const l2tpsec_ike_child_sa *sa);
} l2tpsec_ike_callbacks;

typedef struct l2tpsec_ike_settings {
  l2tpsec_log log;
  l2tpsec_rand rand;

  enum l2tpsec_ike_preset preset;
  /* strongSwan-style proposals ("aes256-sha256-modp2048,...") replacing
   * the preset for phase 1 and for ESP; NULL keeps the preset. */
  const char *ike_proposals;
  const char *esp_proposals;
  /*
   * Initiator with a preset: offer in phase 1 every combination the
   * preset accepts (64 transforms, about 2.5 KB, which needs IP
   * fragmentation on a 1500-byte path) in place of its short list of
   * strong suites: AES-256 and AES-128, with SHA-256 and SHA-1 (SHA-384
   * in place of SHA-1 for strict), over MODP2048, MODP3072, ECP256 and
   * ECP384, plus AES and 3DES with SHA-1 over MODP1024 for legacy. The
   * short list fits in one datagram of 1280 bytes. Default off.
   */
  bool offer_all_proposals;

  /* Pre-shared key for every peer. Copied at creation. */
  const uint8_t *psk;
  size_t psk_len;

  /*
   * Certificate authentication: RSA signatures (auth method 3, RFC 2409
   * section 5.1) or ECDSA (methods 9, 10 and 11 for P-256, P-384 and
   * P-521, RFC 4754), chosen by the type of private_key. Each is PEM or
   * DER and copied at creation; cert may hold intermediates after the
   * leaf, which are sent too. With cert set, the initiator offers only
   * the signature method and the responder accepts it beside the PSK
   * when a PSK is set too. ca_certs are the trust anchors for the peer's
   * certificate and are required with cert.
   */
  const uint8_t *cert;
  size_t cert_len;
  const uint8_t *private_key;
  size_t private_key_len;
  const uint8_t *ca_certs;
  size_t ca_certs_len;
  /* Our ID with certificates, and its value for FQDN and USER_FQDN (it
   * must be a subjectAltName of cert). Copied. Default ADDRESS. */
  enum l2tpsec_ike_id_type local_id_type;
  const char *local_id;
  /* Name the peer's certificate must carry as a subjectAltName: an IPv4
   * address, user@domain (rfc822Name) or a DNS name. NULL accepts any
   * certificate from ca_certs whose names match the peer's ID. Copied. */
  const char *remote_id;
  /*
   * Our phase-1 ID with the pre-shared key, in main mode and as the
   * aggressive mode responder: NULL sends the local address. A numeric
   * IPv4 or IPv6 address is sent as that address (the public address of
   * a server behind a NAT), user@domain as a USER_FQDN and any other
   * name as an FQDN; at most 251 characters. Copied.
   */
  const char *psk_id;
  /* Unix time in seconds when the monotonic `now` passed to this object
   * was 0, so that certificate validity can be checked. Required with
   * cert. */
  int64_t unix_time_origin;

  /* Lifetimes we accept at most, and offer as initiator, in seconds.
   * Defaults: 28800 for phase 1, 3600 for ESP. */
  uint32_t ike_lifetime;
  uint32_t esp_lifetime;

  /* Initiator: ask for PFS in quick mode with the phase-1 group. */
  bool pfs;
  /* NAT traversal (RFC 3947 and drafts 02/03). Default on. */
  bool nat_traversal;
  /*
   * Responder: make each peer believe that it sits behind a NAT and that
   * we do not. Our NAT-D hash of the peer's endpoint deliberately fails
   * to match, and our hash of our own endpoint is the one the peer
   * computed for the address it sent to (RFC 3947 section 3.2). Windows
   * then connects to a server behind a NAT without its
   * AssumeUDPEncapsulationContextOnSendRule registry change, and every
   * peer puts ESP in UDP 4500 even without a NAT, which a server without
   * a raw ESP socket needs. Needs nat_traversal and a peer that does
   * NAT-T. A warning is logged at creation when it is on. Default off.
   */
  bool fake_client_nat;

  /* Responder limits on phase-1 SAs that are not yet established: in
   * all, and from one address (any port), so that one source cannot
   * take every slot. Defaults: 512 and 32 at a time, each at most 30 s.
   * A repeated request gets the stored reply at most retransmit_tries
   * times. */
  uint32_t max_half_open;
  uint32_t max_half_open_per_address;
  l2tpsec_duration half_open_timeout;

  /* Initiator retransmission: first timeout, doubled after each try,
   * and the number of retransmissions. Defaults: 1 s, 5. */
  l2tpsec_duration retransmit_timeout;
  uint32_t retransmit_tries;

  /* Dead peer detection (RFC 3706) with peers that sent its vendor ID:
   * R-U-THERE after dpd_delay without a message from the peer, repeated
   * every dpd_delay, and the peer's SAs deleted when no ACK comes within
   * dpd_timeout of the first. A zero
   * dpd_delay turns it off. Defaults: 30 s and 120 s. */
  l2tpsec_duration dpd_delay;
  l2tpsec_duration dpd_timeout;

  /* UDP port of L2TP in the quick mode proxy IDs. Default 1701. */
  uint16_t l2tp_port;

  /*
   * Tunnel mode (RFC 2401) between the two selectors below, in place of
   * L2TP transport mode, for site-to-site peers such as strongSwan. The
   * encapsulation mode is 1, or 3 (61443 with the NAT-T drafts) when a
   * NAT was detected. As initiator we propose exactly these selectors.
   * As responder we accept a peer's IDs only when each lies within the
   * matching selector, and we echo them. Off by default.
   */
  bool tunnel;
  l2tpsec_ike_selector tunnel_local;  /* the networks on our side */
  l2tpsec_ike_selector tunnel_remote; /* the networks on the peer's side */

  /*
   * Rekeying, make-before-break, by whichever side's timer fires first:
   * a new quick mode before a child SA's lifetime ends and a new main
   * mode before the ISAKMP SA's ends. The old child SA stays installed
   * until its own lifetime ends, so both pairs decrypt meanwhile. A rekey
   * starts rekey_margin plus a random extra of up to rekey_fuzz percent
   * of it before the end. Margin and extra are each cut to a quarter of
   * the lifetime, so a 60 s lifetime rekeys between 30 s and 45 s. For
   * an SA the peer started, margin and extra are halved and quartered
   * (48.75 s to 52.5 s of 60 s), so that the peer rekeys first.
   * Defaults: on, 540 s, 100 (as in strongSwan's margintime and
   * rekeyfuzz).
   */
  bool rekey;
  l2tpsec_duration rekey_margin;
  uint32_t rekey_fuzz;

  /* Interval of NAT-keepalives from the side behind a NAT, which keep
   * the NAT's UDP 4500 mapping open for ESP (RFC 3948 section 2.3). Zero
   * turns them off. Default 20 s. */
  l2tpsec_duration natt_keepalive;

  /*
   * Initiator: aggressive mode (RFC 2409 section 5) in place of main mode,
   * for gateways that need the client's identity in the first message.
   * aggressive_id is sent as an FQDN (ID type 2), or the local address
   * when NULL; it is copied at creation. Only the transforms of the first
   * DH group of the policy are offered, because the KE goes out at once.
   * Aggressive mode authenticates with the PSK only, in both roles.
   */
  bool aggressive_mode;
  const char *aggressive_id;
  /*
   * Responder: accept aggressive mode. Off by default because the second
   * message carries a hash keyed with the pre-shared key, which anyone
   * who sends a first message, or captures a reply to one, can attack
   * offline. A warning is logged at creation when it is on.
   */
  bool aggressive_responder;

  /* IKE fragmentation (payload 132, the Cisco format). Reassembly keeps
   * at most frag_max_count fragments (at most 255) and frag_max_bytes
   * of data (at most 65536) per SA; defaults 64 and 65536. Messages
   * longer than frag_size bytes (default 1280, so that a datagram with
   * IPv4, UDP and the non-ESP marker stays below 1500 bytes) go out as
   * fragments of at most that size to peers that sent the
   * FRAGMENTATION vendor ID. Zero turns sending fragments off. */
  uint32_t frag_max_count;
  uint32_t frag_max_bytes;
  uint32_t frag_size;
} l2tpsec_ike_settings;

/* Counters; every dropped datagram increments exactly one drop counter. */
typedef struct l2tpsec_ike_stats {
  uint64_t rx_datagrams;
  uint64_t drop_malformed;   /* header or payload structure invalid */
  uint64_t drop_unknown_sa;  /* cookies match no SA */
  uint64_t drop_unexpected;  /* message not valid in the SA's state */
  uint64_t drop_decrypt;     /* ciphertext length or padding invalid */
  uint64_t drop_integrity;   /* HASH payload wrong */
  uint64_t drop_half_open;   /* half-open limit reached */
  uint64_t drop_no_proposal; /* nothing acceptable in the SA payload */
  uint64_t drop_version;     /* major version other than 1 */
  uint64_t drop_duplicate;   /* repeat of a message already handled */
  uint64_t drop_cert;        /* peer certificate missing, untrusted, expired */
  uint64_t drop_id_mismatch; /* peer ID not in its certificate, or remote_id */
  uint64_t drop_signature;   /* SIG payload missing or wrong */
  uint64_t drop_fragment;    /* fragments over frag_max_count or _bytes */
  uint64_t frag_reassembled; /* messages rebuilt from fragments */
  uint64_t frag_sent;        /* fragment datagrams sent */
  uint64_t retransmits;      /* messages resent after a timeout */
  uint64_t replies_resent;   /* replies resent for a duplicate request */
  uint64_t ike_sas_established;
  uint64_t child_sas_established;
  uint64_t half_open_expired;
  uint64_t keepalives_sent; /* NAT-keepalives */
  uint64_t peer_errors;     /* authenticated error notifications received */
  uint32_t ike_sas;         /* current phase-1 SAs, established or not */
  uint32_t half_open;       /* current responder half-open SAs */
} l2tpsec_ike_stats;

/* Fills settings with the defaults listed at each field. */
L2TPSEC_API void l2tpsec_ike_settings_default(l2tpsec_ike_settings *settings);

/*
 * Creates an IKE endpoint. Returns 0, L2TPSEC_ERR_INVALID_ARGUMENT,
 * L2TPSEC_ERR_CONFIG or L2TPSEC_ERR_NOMEM.
 *
 * L2TPSEC_ERR_INVALID_ARGUMENT: the send or child_sa_up callback is
 * missing, neither a PSK nor a cert is set, a cert lacks private_key,
 * ca_certs or unix_time_origin, aggressive_mode has no PSK, or
 * aggressive_id is 256 bytes or longer.
 *
 * L2TPSEC_ERR_CONFIG for any of:
 * - a psk_id that is neither an address nor a name
 * - a tunnel selector with an invalid family or prefix length, or with
 *   bits set beyond its prefix
 * - a proposal string that names an unknown algorithm
 * - a certificate, key or CA that does not parse or does not fit (the
 *   log names which)
 */
L2TPSEC_API int l2tpsec_ike_new(l2tpsec_ike **pike,
                                const l2tpsec_ike_settings *settings,
                                const l2tpsec_ike_callbacks *callbacks,
                                void *user_data);

/* Deletes every SA without sending anything, wipes keys; NULL is a no-op.
 * child_sa_down and ike_sa_down are not called. */
L2TPSEC_API void l2tpsec_ike_del(l2tpsec_ike *ike);

/*
 * Processes one datagram received on `local` from `remote`. Returns 0
 * when it was processed or dropped (the stats count each drop), or
 * L2TPSEC_ERR_NOMEM.
 */
L2TPSEC_API int l2tpsec_ike_input(l2tpsec_ike *ike, const uint8_t *data,
                                  size_t len, const l2tpsec_ike_endpoint *local,
                                  const l2tpsec_ike_endpoint *remote,
                                  l2tpsec_tstamp now);

/*
 * Starts main mode to remote as initiator; quick mode for L2TP follows
 * once phase 1 is established. Writes the new SA's id to *ike_sa_id when
 * not NULL. Returns 0, L2TPSEC_ERR_INVALID_ARGUMENT, L2TPSEC_ERR_NOMEM
 * or L2TPSEC_ERR_CRYPTO.
 */
L2TPSEC_API int l2tpsec_ike_connect(l2tpsec_ike *ike,
                                    const l2tpsec_ike_endpoint *local,
                                    const l2tpsec_ike_endpoint *remote,
                                    l2tpsec_tstamp now, uint64_t *ike_sa_id);

/*
 * Ends the phase-1 SA ike_sa_id and its child SAs: sends a protected
 * DELETE for each ESP SA and for the ISAKMP SA, then reports them down
 * with L2TPSEC_IKE_DOWN_DELETED. Returns 0 or L2TPSEC_ERR_NOT_FOUND.
 */
L2TPSEC_API int l2tpsec_ike_close(l2tpsec_ike *ike, uint64_t ike_sa_id,
                                  l2tpsec_tstamp now);

/* Returns the earliest time handle_timeout must run, or
 * L2TPSEC_TSTAMP_NEVER. */
L2TPSEC_API l2tpsec_tstamp l2tpsec_ike_next_deadline(const l2tpsec_ike *ike);

/* Runs retransmissions and expiries due at now. Returns 0 or
 * L2TPSEC_ERR_NOMEM. */
L2TPSEC_API int l2tpsec_ike_handle_timeout(l2tpsec_ike *ike,
                                           l2tpsec_tstamp now);

/*
 * Writes the algorithms of the established phase-1 SA ike_sa_id as
 * "cipher-hash-group" text, e.g. "aes128-sha256-modp2048". Returns 0,
 * L2TPSEC_ERR_INVALID_ARGUMENT, or L2TPSEC_ERR_NOT_FOUND (buf is then
 * empty).
 */
L2TPSEC_API int l2tpsec_ike_sa_algorithms(const l2tpsec_ike *ike,
                                          uint64_t ike_sa_id, char *buf,
                                          size_t cap);

/*
 * Writes the algorithms of a child SA as text such as "aes256-sha1" or
 * "aes128gcm16": the cipher with its key length, then the integrity
 * algorithm unless the cipher is AES-GCM.
 */
L2TPSEC_API void l2tpsec_ike_child_sa_algorithms(const l2tpsec_ike_child_sa *sa,
                                                 char *buf, size_t cap);

/* Returns whether l2tpsec_ike_new accepts id as psk_id: a numeric IPv4
 * or IPv6 address, or a DNS name or user@domain of 1 to 251 letters,
 * digits, '-', '.' and '_'. */
L2TPSEC_API bool l2tpsec_ike_psk_id_valid(const char *id);

/* Copies the counters. */
L2TPSEC_API void l2tpsec_ike_get_stats(const l2tpsec_ike *ike,
                                       l2tpsec_ike_stats *stats);

#ifdef __cplusplus
}
#endif

#endif
