/*
 * The L2TP/IPsec server on a libuv loop: it owns the outer sockets (UDP
 * 500 and 4500, raw ESP), the TUN device, the address pool and one timer,
 * and feeds the protocol layers. This is the only public object that does
 * I/O; it never blocks and runs entirely on the loop it is given.
 */
#ifndef L2TPSEC_SERVER_H
#define L2TPSEC_SERVER_H

#include <stdbool.h>
#include <uv.h>

#include "l2tpsec/auth.h"
#include "l2tpsec/common.h"
#include "l2tpsec/ike.h"
#include "l2tpsec/log.h"
#include "l2tpsec/rand.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct l2tpsec_server l2tpsec_server;

/* An address pool an authenticator selects by name (RADIUS Framed-Pool). */
typedef struct l2tpsec_server_pool {
  const char *name;          /* 1 to 63 bytes */
  const char *const *ranges; /* in the syntax of pool_ranges */
  size_t range_count;
} l2tpsec_server_pool;

/* When the IKE responder's fake_client_nat is on (see l2tpsec/ike.h). */
enum l2tpsec_server_fake_nat {
  /* On when some listen address has no raw ESP socket, so that every
   * client puts ESP in UDP 4500, which the server can receive. */
  L2TPSEC_SERVER_FAKE_NAT_AUTO = 0,
  L2TPSEC_SERVER_FAKE_NAT_ON = 1,
  L2TPSEC_SERVER_FAKE_NAT_OFF = 2,
};

/* Fill with l2tpsec_server_settings_default, then set what differs. */
typedef struct l2tpsec_server_settings {
  /* Numeric IPv4 or IPv6 addresses to listen on; at least one. */
  const char *const *listen_addresses;
  size_t listen_address_count;
  uint16_t ike_port;  /* 500; tests use a high port to run unprivileged */
  uint16_t natt_port; /* 4500 */
  bool raw_esp;       /* try a raw IP protocol 50 socket: true */

  /*
   * L2TP over plain UDP without IPsec, as some routers' "L2TP only" mode
   * does: false. Without it L2TP is accepted only inside an ESP SA.
   */
  bool allow_plain_l2tp;
  uint16_t l2tp_port; /* 1701 */
  /*
   * Plain-UDP peers (source address and port) at once: 64. A peer exists
   * while it has an L2TP tunnel, even one still in set-up. Datagrams from
   * new peers beyond this are dropped, so an SCCRQ flood from forged
   * sources cannot take the tunnels that IPsec clients need.
   */
  size_t max_plain_peers;

  /* Pre-shared key of IKE main mode; copied and wiped on delete. */
  const uint8_t *psk;
  size_t psk_len;
  /* Algorithms IKE and ESP accept: L2TPSEC_IKE_PRESET_COMPATIBLE. */
  enum l2tpsec_ike_preset ike_preset;
  /*
   * Certificate authentication, beside the PSK or instead of it: our
   * certificate (intermediates may follow the leaf), its private key and
   * the CAs that issue client certificates, each PEM or DER and copied.
   * The ID we send: L2TPSEC_IKE_ID_ADDRESS (0), FQDN or USER_FQDN with
   * local_id, or the certificate's subject DN. NULL cert: PSK only.
   */
  const uint8_t *cert;
  size_t cert_len;
  const uint8_t *private_key;
  size_t private_key_len;
  const uint8_t *ca_certs;
  size_t ca_certs_len;
  enum l2tpsec_ike_id_type local_id_type;
  const char *local_id;

  /* Client addresses: "a.b.c.d-e.f.g.h", "a.b.c.d/nn" or one address. */
  const char *const *pool_ranges;
  size_t pool_range_count;
  const char *local_address; /* server end of every PPP link: required */
  /* Pools chosen by the accept's attributes.pool; a session naming a
   * pool that is not here gets no address. Ranges of all pools must not
   * overlap. */
  const l2tpsec_server_pool *named_pools;
  size_t named_pool_count;
  const char *dns[2]; /* offered by IPCP (RFC 1877); NULL: none */
  const char *nbns[2];

  /*
   * TUN device. With tun_configure the library sets the MTU, adds
   * local_address with the prefix covering the pool and brings the link
   * up; without it the application does that. tun_fd >= 0 hands the
   * library a TUN descriptor the application opened (tun_name is then
   * ignored).
   */
  const char *tun_name; /* "" lets the kernel pick "tunN" */
  unsigned tun_mtu;     /* 1400 */
  bool tun_configure;   /* true */
  int tun_fd;           /* -1 */

  /*
   * PPP authentication methods offered, in this order, zero-terminated
   * when shorter; all zero (the default) offers MS-CHAPv2, CHAP-MD5,
   * PAP. PAM, and a RADIUS server checking password+code, need PAP.
   */
  enum l2tpsec_auth_method auth_methods[4];

  /*
   * Keepalives that find a client that went away without a word. PPP
   * sends an LCP Echo-Request every lcp_echo_interval and ends the
   * session after lcp_echo_failure unanswered ones (as pppd's
   * lcp-echo-interval and lcp-echo-failure): 30 s and 4. IKE dead peer
   * detection (RFC 3706), with clients that announce it, sends
   * R-U-THERE after dpd_delay without a message and deletes the SAs
   * when no ACK comes within dpd_timeout: 30 s and 120 s. A zero
   * interval or delay turns that keepalive off.
   */
  l2tpsec_duration lcp_echo_interval;
  unsigned lcp_echo_failure;
  l2tpsec_duration dpd_delay;
  l2tpsec_duration dpd_timeout;

  /*
   * IKE responder settings, each described in l2tpsec/ike.h. A warning
   * is logged at start when fake_client_nat or aggressive_responder is
   * on. Lifetimes are in seconds; zero keeps the IKE defaults of 28800 s
   * (phase 1) and 3600 s (ESP), and a zero rekey_margin keeps 540 s.
   * psk_id NULL sends the listen address as our ID with the PSK.
   */
  enum l2tpsec_server_fake_nat fake_client_nat; /* AUTO */
  bool aggressive_responder;                    /* false */
  uint32_t ike_lifetime, esp_lifetime;
  l2tpsec_duration rekey_margin;
  const char *psk_id;

  l2tpsec_log log;
  l2tpsec_rand rand;
} l2tpsec_server_settings;

enum l2tpsec_server_event_type {
  L2TPSEC_SERVER_SESSION_UP,   /* PPP authenticated, address assigned */
  L2TPSEC_SERVER_SESSION_DOWN, /* the session ended; its address is free */
};

/*
 * Reason a session ended. The values are the RADIUS Acct-Terminate-Cause
 * codes of RFC 2866 section 5.10, so accounting can send them as they
 * are.
 */
enum l2tpsec_server_end_cause {
  L2TPSEC_SERVER_END_NONE = 0,
  L2TPSEC_SERVER_END_USER_REQUEST = 1,    /* the client closed PPP or L2TP */
  L2TPSEC_SERVER_END_LOST_CARRIER = 2,    /* echo, DPD or L2TP timeout */
  L2TPSEC_SERVER_END_IDLE_TIMEOUT = 4,    /* no IP packet for idle_timeout_s */
  L2TPSEC_SERVER_END_SESSION_TIMEOUT = 5, /* session_timeout_s ran out */
  L2TPSEC_SERVER_END_ADMIN_RESET = 6,     /* l2tpsec_server_disconnect */
  L2TPSEC_SERVER_END_NAS_ERROR = 9,       /* a protocol error on our side */
  L2TPSEC_SERVER_END_NAS_REQUEST = 10,    /* the server closed it */
};

/* Returns a short English name such as "idle timeout". */
L2TPSEC_API const char *
l2tpsec_server_end_cause_name(enum l2tpsec_server_end_cause cause);

/* Maximum size of an accounting session id (Acct-Session-Id), with NUL. */
#define L2TPSEC_SERVER_ACCT_ID_MAX 24

typedef struct l2tpsec_server_event {
  enum l2tpsec_server_event_type type;
  const char *user;   /* authenticated user name; "" when none */
  const char *peer;   /* outer address and port as text */
  uint8_t address[4]; /* the client's inner IPv4 address, network order */
  const char *reason; /* SESSION_DOWN: why, in English */

  /* Unique for the life of the server object; the Acct-Session-Id. */
  const char *acct_session_id;
  uint16_t tunnel_id, session_id;          /* our L2TP ids; also the NAS-Port */
  enum l2tpsec_server_end_cause end_cause; /* SESSION_DOWN */
  l2tpsec_duration uptime;                 /* SESSION_DOWN: since IPCP */
  uint64_t packets_in, bytes_in;   /* SESSION_DOWN: IP from the client */
  uint64_t packets_out, bytes_out; /* SESSION_DOWN: IP to the client */
  /* Attributes of the authenticator's accept (Class values to echo in
   * accounting, timeouts, pool); valid during the call only. */
  const l2tpsec_auth_attributes *attributes;
} l2tpsec_server_event;

typedef struct l2tpsec_server_callbacks {
  /*
   * Decides on a user's credentials (see l2tpsec/auth.h): complete the
   * request with l2tpsec_auth_complete, now or later. Required.
   * l2tpsec_local_auth_request fits here directly.
   */
  l2tpsec_auth_request_fn auth_request;
  /* The request will never be completed; forget it. May be NULL. */
  l2tpsec_auth_cancel_fn auth_cancel;
  /* Reports sessions coming and going. May be NULL. */
  void (*event)(void *user_data, const l2tpsec_server_event *event);
} l2tpsec_server_callbacks;

/* Counters of the whole server since it started. */
typedef struct l2tpsec_server_stats {
  uint64_t ike_received;
  uint64_t esp_received;
  uint64_t plain_l2tp_received;
  uint64_t nat_keepalives;
  uint64_t tun_received;       /* packets read from the TUN device */
  uint64_t tun_sent;           /* packets written to the TUN device */
  uint64_t dropped_no_session; /* TUN packets for no connected client */
  uint64_t dropped_unhandled;  /* outer packets no layer could take */
  uint64_t dropped_malformed;  /* TUN packets that are not IPv4 or IPv6 */
  uint64_t dropped_esp;        /* ESP that failed to decrypt (any reason) */
  uint64_t dropped_selector;   /* decrypted, but not UDP to the L2TP port
                                  or from another address than the SA's */
  uint64_t icmp_too_big;       /* ICMP errors sent for oversized packets */
  uint64_t fragmented;         /* IPv4 packets with DF clear that were split
                                  to fit the client's MRU */
  uint64_t esp_unknown_spi;    /* ESP for no inbound SA; part of dropped_esp */
  uint64_t esp_replayed;  /* anti-replay rejections; part of dropped_esp */
  uint64_t esp_integrity; /* ICV check failures; part of dropped_esp */
  uint64_t l2tp_malformed;     /* L2TP datagrams with an invalid header or
                                  AVP encoding, or a version other than 2 */
  uint64_t dropped_plain_tunnel_rate; /* plain L2TP tunnel requests over
                                         the per-address limit */
  uint64_t dropped_plain_limit; /* plain L2TP from a new peer while
                                   max_plain_peers peers exist */
  l2tpsec_ike_stats ike;        /* the IKE layer's counters and drops */
  size_t connections;          /* ESP SA pairs and plain L2TP peers */
  size_t sessions;
  size_t addresses_leased;
} l2tpsec_server_stats;

/* One connected PPP session, for a status page. */
typedef struct l2tpsec_server_session_info {
  char user[L2TPSEC_AUTH_NAME_MAX + 1]; /* "" before authentication */
  char peer[64];                        /* outer address and port as text */
  bool natt;          /* ESP in UDP (NAT-T) rather than raw ESP */
  bool plain;         /* L2TP without IPsec */
  uint8_t address[4]; /* inner IPv4 address, network order; 0 before IPCP */
  uint16_t tunnel_id, session_id; /* our L2TP ids */
  l2tpsec_duration uptime;
  uint64_t packets_in, bytes_in;   /* IP packets from the client */
  uint64_t packets_out, bytes_out; /* IP packets to the client */
  char acct_session_id[L2TPSEC_SERVER_ACCT_ID_MAX]; /* "" before IPCP */
  /* Negotiated algorithms as text, "" for plain L2TP or fixed keys: IKE
   * phase 1 ("aes128-sha256-modp2048") and the newest ESP SA pair
   * ("aes128gcm16", "aes256-sha1"). */
  char ike_algorithms[48];
  char esp_algorithms[48];
} l2tpsec_server_session_info;

/*
 * Selects sessions to end, as a RADIUS Disconnect-Request does: every
 * field given must match, and at least one must be given.
 */
typedef struct l2tpsec_server_selector {
  const char *user;            /* NULL: any user */
  const char *acct_session_id; /* NULL: any session */
  bool has_address;
  uint8_t address[4]; /* inner IPv4 address, network order */
} l2tpsec_server_selector;

/* Fills the defaults listed in the comments of the settings fields. */
L2TPSEC_API void
l2tpsec_server_settings_default(l2tpsec_server_settings *settings);

/*
 * Opens the sockets and the TUN device on `loop` and starts serving.
 * Settings and callbacks are copied. Returns
 * L2TPSEC_ERR_INVALID_ARGUMENT for a NULL argument, no listen address or
 * no auth_request callback; L2TPSEC_ERR_CONFIG for an invalid address, range or
 * MTU (the log says which); L2TPSEC_ERR_IO when a socket cannot be bound or the
 * TUN device cannot be opened or configured (the log gives the reason);
 * L2TPSEC_ERR_NOMEM. On failure nothing is left open once the loop has
 * run again.
 */
L2TPSEC_API int l2tpsec_server_new(l2tpsec_server **pserver, uv_loop_t *loop,
                                   const l2tpsec_server_settings *settings,
                                   const l2tpsec_server_callbacks *callbacks,
                                   void *user_data);

/*
 * Closes every socket, the TUN device and the timer, wipes the PSK and
 * frees the server during a later turn of the loop. Accepts NULL.
 */
L2TPSEC_API void l2tpsec_server_del(l2tpsec_server *server);

/*
 * Copies up to `max` sessions into `out` and returns how many sessions
 * exist (which may be more than `max`).
 */
L2TPSEC_API size_t l2tpsec_server_sessions(const l2tpsec_server *server,
                                           l2tpsec_server_session_info *out,
                                           size_t max);

/*
 * Ends every session the selector matches with an LCP Terminate-Request;
 * SESSION_DOWN reports each with `cause`. Only sessions past IPCP are
 * matched. Returns how many sessions it started to close, or
 * L2TPSEC_ERR_INVALID_ARGUMENT for a NULL argument or a selector with no
 * field set.
 */
L2TPSEC_API int l2tpsec_server_disconnect(l2tpsec_server *server,
                                          const l2tpsec_server_selector *sel,
                                          enum l2tpsec_server_end_cause cause);

/*
 * Tells every connected client that the server is going away: LCP
 * Terminate-Request for each session, StopCCN for each L2TP tunnel and
 * IKE DELETE for the ESP SAs and the ISAKMP SA of each connection, one
 * log line per connection. The packets go out at once. Call
 * l2tpsec_server_del after a grace period of a second or two on the
 * loop, so that late retransmissions and acknowledgements are handled.
 * Returns how many connections it closed, L2TPSEC_ERR_INVALID_ARGUMENT
 * for NULL or L2TPSEC_ERR_NOMEM.
 */
L2TPSEC_API int l2tpsec_server_shutdown(l2tpsec_server *server);

/* Copies the counters into *stats. */
L2TPSEC_API void l2tpsec_server_stats_get(const l2tpsec_server *server,
                                          l2tpsec_server_stats *stats);

/*
 * Checks one pool range in the syntax of pool_ranges, so that a
 * configuration checker can report it before starting a server: its
 * syntax, and at most 2^20 addresses (a /12). Overlaps between ranges
 * are found only when the server starts. Returns 0 or
 * L2TPSEC_ERR_CONFIG.
 */
L2TPSEC_API int l2tpsec_server_check_range(const char *range);

/* Returns the name of the TUN device, or "" when the application owns it. */
L2TPSEC_API const char *l2tpsec_server_tun_name(const l2tpsec_server *server);

#ifdef __cplusplus
}
#endif

#endif
