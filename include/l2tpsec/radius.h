/*
 * RADIUS client: authentication (RFC 2865, with the Microsoft MS-CHAP
 * attributes of RFC 2548), accounting (RFC 2866), Message-Authenticator
 * (RFC 3579) and Disconnect-Request handling (RFC 5176).
 *
 * The client is I/O-free. It hands every datagram to the send callback
 * together with its destination, takes received datagrams through
 * l2tpsec_radius_client_input() (requests to our own socket) and
 * l2tpsec_radius_client_dae_input() (Disconnect-Requests to the listening
 * socket), and is driven in time by next_deadline/handle_timeout.
 *
 * The transport must send every request from the same local address and
 * port for the whole life of the client: retransmissions then reach a
 * server with the same Identifier, Request Authenticator and source port,
 * which is what lets it recognise a duplicate (RFC 5080 section 2.2.1).
 *
 * Every reply is checked before any attribute in it is read: the header,
 * the Length field against the datagram, the source address and port,
 * the Identifier, the Response Authenticator and the Message-Authenticator
 * (required by default, as the Blast-RADIUS attack, CVE-2024-3596, calls
 * for).
 */
#ifndef L2TPSEC_RADIUS_H
#define L2TPSEC_RADIUS_H

#include <stdbool.h>
#include <sys/socket.h>

#include "l2tpsec/auth.h"
#include "l2tpsec/common.h"
#include "l2tpsec/log.h"
#include "l2tpsec/rand.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct l2tpsec_radius_client l2tpsec_radius_client;

/* Most servers and most Disconnect-Request clients one client accepts. */
#define L2TPSEC_RADIUS_MAX_SERVERS 8

/* Longest shared secret accepted, in bytes. */
#define L2TPSEC_RADIUS_SECRET_MAX 128

/* Longest PAP password RFC 2865 section 5.2 can carry, in bytes. */
#define L2TPSEC_RADIUS_PASSWORD_MAX 128

/* Most Class attributes kept from an Access-Accept for accounting. */
#define L2TPSEC_RADIUS_MAX_CLASS 4

/* Longest value of one attribute (255 minus the 2-byte header). */
#define L2TPSEC_RADIUS_VALUE_MAX 253

/* A RADIUS server used for authentication and, optionally, accounting. */
typedef struct l2tpsec_radius_server {
  /* IPv4 or IPv6 address; the port stored in it is ignored. */
  struct sockaddr_storage addr;
  uint16_t auth_port;    /* Access-Request port, usually 1812 */
  uint16_t acct_port;    /* Accounting-Request port; 0: no accounting */
  const uint8_t *secret; /* copied by l2tpsec_radius_client_new */
  size_t secret_len;     /* 1 to L2TPSEC_RADIUS_SECRET_MAX bytes */
} l2tpsec_radius_server;

/* A host allowed to send Disconnect-Requests (RFC 5176), by address. */
typedef struct l2tpsec_radius_dae_client {
  struct sockaddr_storage addr; /* the port is ignored */
  const uint8_t *secret;        /* copied */
  size_t secret_len;
} l2tpsec_radius_dae_client;

/* Settings; fill with l2tpsec_radius_settings_default first. */
typedef struct l2tpsec_radius_settings {
  /* Tried in this order; a server that timed out is skipped while dead. */
  l2tpsec_radius_server servers[L2TPSEC_RADIUS_MAX_SERVERS];
  size_t server_count;
  l2tpsec_radius_dae_client dae_clients[L2TPSEC_RADIUS_MAX_SERVERS];
  size_t dae_client_count;

  /* Time between copies of one request to one server (default 5 s). */
  l2tpsec_duration retry_interval;
  /*
   * How long one server has to answer one request before the next server
   * is asked (default 30 s). Push-approval MFA servers answer only when
   * the user taps "approve", so this must exceed human approval time.
   */
  l2tpsec_duration server_timeout;
  /* How long a server that timed out is skipped (default 60 s). */
  l2tpsec_duration dead_time;
  /* Drop Access replies without Message-Authenticator (default true). */
  bool require_message_authenticator;
  /*
   * Drop Accounting-Responses without it (default true). Servers that
   * predate the Blast-RADIUS fixes, such as FreeRADIUS 3.2.1, sign
   * accounting replies only when configured to, so this may need false.
   */
  bool acct_require_message_authenticator;

  /* NAS-Identifier (RFC 2865 section 5.32); copied; NULL to omit. */
  const char *nas_identifier;
  /* NAS-IP-Address (section 5.4) in network order when has_nas_ip. */
  bool has_nas_ip;
  uint8_t nas_ip[4];

  size_t max_pending_auth;       /* logins in flight (default 256) */
  size_t acct_queue_max;         /* accounting records kept (default 512) */
  size_t acct_window;            /* records in flight (default 16) */
  l2tpsec_duration acct_max_age; /* a record is dropped after (1 h) */

  /*
   * Replay protection of Disconnect-Requests (RFC 5176): a request whose
   * Event-Timestamp differs from the wall clock by more than
   * dae_event_window_s (default 300) is dropped without a reply. The
   * client reads no clock itself: unix_time supplies it, and with NULL
   * (the default) Event-Timestamp is not checked. l2tpsec_radius_uv_new
   * fills in the system clock when it is NULL.
   */
  l2tpsec_unix_time_fn unix_time;
  void *unix_time_user_data;
  uint32_t dae_event_window_s;
  /* Drop Disconnect-Requests without Event-Timestamp (default false,
   * because radclient and many servers omit it). */
  bool dae_require_event_timestamp;

  l2tpsec_rand rand; /* Request Authenticators and Identifiers */
  l2tpsec_log log;
} l2tpsec_radius_settings;

/* Fills defaults: no servers, timings as above, the system random source. */
L2TPSEC_API void l2tpsec_radius_settings_default(l2tpsec_radius_settings *s);

enum l2tpsec_radius_method {
  L2TPSEC_RADIUS_PAP,
  L2TPSEC_RADIUS_CHAP_MD5,
  L2TPSEC_RADIUS_MSCHAPV2,
};

/* One login to authenticate. Every pointer is copied by _auth. */
typedef struct l2tpsec_radius_auth_request {
  const char *user_name; /* 1 to 253 bytes */
  enum l2tpsec_radius_method method;
  /* PAP: the clear password, 1 to L2TPSEC_RADIUS_PASSWORD_MAX bytes. */
  const uint8_t *password;
  size_t password_len;
  /* CHAP and MS-CHAPv2: the PPP identifier of the Challenge packet. */
  uint8_t chap_id;
  /* CHAP: 1 to 253 bytes; MS-CHAPv2: the 16-byte authenticator challenge. */
  const uint8_t *challenge;
  size_t challenge_len;
  /*
   * CHAP: the 16-byte MD5 response. MS-CHAPv2: the 49-byte Response value
   * of RFC 2759 section 4 (peer challenge 16, reserved 8, NT-Response 24,
   * flags 1).
   */
  const uint8_t *response;
  size_t response_len;

  uint32_t nas_port;              /* NAS-Port: the session's number */
  const char *calling_station_id; /* the client's outer address; or NULL */
  const char *called_station_id;  /* our outer address; or NULL */
} l2tpsec_radius_auth_request;

enum l2tpsec_radius_outcome {
  L2TPSEC_RADIUS_ACCEPT,
  L2TPSEC_RADIUS_REJECT,
  /* Access-Challenge: state and reply_message hold what the server sent. */
  L2TPSEC_RADIUS_CHALLENGE,
  /* Every server used its whole server_timeout without a valid reply. */
  L2TPSEC_RADIUS_TIMEOUT,
};

/* A Class attribute (RFC 2865 section 5.25), echoed in accounting. */
typedef struct l2tpsec_radius_class {
  uint8_t len;
  uint8_t data[L2TPSEC_RADIUS_VALUE_MAX];
} l2tpsec_radius_class;

/* What a finished login brings back; valid only during the callback. */
typedef struct l2tpsec_radius_auth_result {
  enum l2tpsec_radius_outcome outcome;

  bool has_framed_ip; /* Framed-IP-Address, network order */
  uint8_t framed_ip[4];
  char framed_pool[L2TPSEC_RADIUS_VALUE_MAX + 1]; /* Framed-Pool or "" */
  uint32_t session_timeout;                       /* seconds; 0 when absent */
  uint32_t idle_timeout;                          /* seconds; 0 when absent */
  l2tpsec_radius_class classes[L2TPSEC_RADIUS_MAX_CLASS];
  size_t class_count;
  /* Every Reply-Message joined with newlines, cut to fit. */
  char reply_message[512];

  /* MS-CHAP2-Success: the 42-byte "S=<40 hex digits>" for PPP Success. */
  bool has_mschap2_success;
  char mschap2_success[43];
  /* MS-CHAP-Error text such as "E=691 R=0 C=... V=3", or "". */
  char mschap_error[L2TPSEC_RADIUS_VALUE_MAX + 1];

  /* State of an Access-Challenge (RFC 2865 section 5.24). */
  uint8_t state[L2TPSEC_RADIUS_VALUE_MAX];
  size_t state_len;
} l2tpsec_radius_auth_result;

enum l2tpsec_radius_acct_status {
  L2TPSEC_RADIUS_ACCT_START = 1,
  L2TPSEC_RADIUS_ACCT_STOP = 2,
  L2TPSEC_RADIUS_ACCT_INTERIM = 3,
};

/* One accounting record (RFC 2866 section 5). Pointers are copied. */
typedef struct l2tpsec_radius_acct_record {
  enum l2tpsec_radius_acct_status status;
  const char *session_id; /* Acct-Session-Id, required */
  const char *user_name;  /* or NULL */
  bool has_framed_ip;
  uint8_t framed_ip[4];
  /* Counters from the user's point of view: input is what we received. */
  uint64_t input_octets, output_octets;
  uint64_t input_packets, output_packets;
  uint32_t session_time;    /* seconds since Start */
  uint32_t terminate_cause; /* Stop only: RFC 2866 section 5.10 value */
  const l2tpsec_radius_class *classes; /* from the Access-Accept */
  size_t class_count;
  uint32_t nas_port;
  const char *calling_station_id;
  const char *called_station_id;
} l2tpsec_radius_acct_record;

/* Acct-Terminate-Cause values used by a VPN (RFC 2866 section 5.10). */
enum {
  L2TPSEC_RADIUS_TERM_USER_REQUEST = 1,
  L2TPSEC_RADIUS_TERM_LOST_CARRIER = 2,
  L2TPSEC_RADIUS_TERM_IDLE_TIMEOUT = 4,
  L2TPSEC_RADIUS_TERM_SESSION_TIMEOUT = 5,
  L2TPSEC_RADIUS_TERM_ADMIN_RESET = 6,
  L2TPSEC_RADIUS_TERM_NAS_ERROR = 9,
  L2TPSEC_RADIUS_TERM_NAS_REQUEST = 10,
};

/* Why an accounting record was dropped. */
enum l2tpsec_radius_drop_reason {
  L2TPSEC_RADIUS_DROP_QUEUE_FULL,
  L2TPSEC_RADIUS_DROP_TOO_OLD,
};

/* The session selection of a Disconnect-Request; absent fields are NULL. */
typedef struct l2tpsec_radius_disconnect {
  const char *user_name;
  const char *acct_session_id;
  bool has_framed_ip;
  uint8_t framed_ip[4];
} l2tpsec_radius_disconnect;

/* Which socket a datagram leaves from. */
enum l2tpsec_radius_channel {
  L2TPSEC_RADIUS_CHANNEL_CLIENT, /* requests to servers */
  L2TPSEC_RADIUS_CHANNEL_DAE,    /* replies to Disconnect-Requests */
};

typedef struct l2tpsec_radius_callbacks {
  /* Sends one datagram; a nonzero return is logged and retried later. */
  int (*send)(void *user_data, enum l2tpsec_radius_channel channel,
              const struct sockaddr *to, socklen_t to_len, const uint8_t *data,
              size_t len);
  /* Reports the end of a login started by _auth. */
  void (*auth_done)(void *user_data, uint64_t login,
                    const l2tpsec_radius_auth_result *result);
  /* Optional: reports an accounting record given up. */
  void (*acct_dropped)(void *user_data, const char *session_id,
                       enum l2tpsec_radius_drop_reason reason);
  /*
   * Optional: ends the sessions a Disconnect-Request selects and returns
   * how many it ended. Without it every Disconnect-Request is NAKed.
   */
  int (*disconnect)(void *user_data, const l2tpsec_radius_disconnect *sel);
} l2tpsec_radius_callbacks;

/* Counters; every dropped datagram is counted under one reason. */
typedef struct l2tpsec_radius_stats {
  uint64_t requests_sent;
  uint64_t retransmissions;
  uint64_t failovers;
  uint64_t replies_accepted;
  uint64_t dropped_malformed;      /* header, Length or attribute layout */
  uint64_t dropped_unknown_source; /* not a configured server and port */
  uint64_t dropped_unknown_id;     /* no request with that Identifier */
  uint64_t dropped_bad_authenticator;
  uint64_t dropped_no_message_authenticator;
  uint64_t dropped_bad_message_authenticator;
  uint64_t rejected_invalid_attribute; /* Accept turned into Reject */
  uint64_t acct_dropped;
  uint64_t dae_acked;
  uint64_t dae_naked;
  uint64_t dae_dropped;
  uint64_t dae_duplicates; /* retransmissions answered from the cache */
} l2tpsec_radius_stats;

/*
 * Creates a client. Returns L2TPSEC_ERR_CONFIG for no server, a secret
 * that is empty or longer than L2TPSEC_RADIUS_SECRET_MAX, an address
 * that is neither IPv4 nor IPv6, or a zero timing;
 * L2TPSEC_ERR_INVALID_ARGUMENT for NULL arguments or a missing send or
 * auth_done callback; L2TPSEC_ERR_NOMEM.
 */
L2TPSEC_API int l2tpsec_radius_client_new(
    l2tpsec_radius_client **pclient, const l2tpsec_radius_settings *settings,
    const l2tpsec_radius_callbacks *callbacks, void *user_data);

/*
 * Frees the client, wiping secrets and passwords. Pending logins get no
 * callback. Accepts NULL. Must not be called from a callback.
 */
L2TPSEC_API void l2tpsec_radius_client_del(l2tpsec_radius_client *client);

/*
 * Starts a login: sends an Access-Request to the first live server and
 * stores its number in *login. auth_done reports the outcome exactly
 * once, from a later _input or _handle_timeout call, unless the login is
 * cancelled. Returns L2TPSEC_ERR_INVALID_ARGUMENT for a field outside its
 * documented range, L2TPSEC_ERR_LIMIT when max_pending_auth logins are in
 * flight or every Identifier to the chosen server is in use,
 * L2TPSEC_ERR_CRYPTO when the random source or MD5 fails, or
 * L2TPSEC_ERR_NOMEM.
 */
L2TPSEC_API int
l2tpsec_radius_client_auth(l2tpsec_radius_client *client,
                           const l2tpsec_radius_auth_request *req,
                           l2tpsec_tstamp now, uint64_t *login);

/*
 * Forgets a login (the PPP session went away); its callback never comes.
 * Returns L2TPSEC_ERR_NOT_FOUND when no such login is in flight.
 */
L2TPSEC_API int l2tpsec_radius_client_cancel(l2tpsec_radius_client *client,
                                             uint64_t login);

/*
 * Queues an accounting record and sends it when the window allows.
 * Returns L2TPSEC_ERR_LIMIT when the queue is full (the record is
 * dropped, counted, and reported through acct_dropped),
 * L2TPSEC_ERR_INVALID_ARGUMENT for a missing session id or a string
 * longer than 253 bytes, L2TPSEC_ERR_STATE when no server takes
 * accounting, or L2TPSEC_ERR_NOMEM.
 */
L2TPSEC_API int
l2tpsec_radius_client_acct(l2tpsec_radius_client *client,
                           const l2tpsec_radius_acct_record *rec,
                           l2tpsec_tstamp now);

/*
 * Takes one datagram received on the client socket. Returns 0 when it
 * was a valid reply, or the reason it was dropped:
 * L2TPSEC_ERR_TRUNCATED or L2TPSEC_ERR_MALFORMED (layout),
 * L2TPSEC_ERR_NOT_FOUND (unknown source or Identifier),
 * L2TPSEC_ERR_INTEGRITY (an authenticator failed or is missing).
 * Every drop is counted in the stats and logged at a limited rate.
 */
L2TPSEC_API int l2tpsec_radius_client_input(l2tpsec_radius_client *client,
                                            const struct sockaddr *from,
                                            socklen_t from_len,
                                            const uint8_t *data, size_t len,
                                            l2tpsec_tstamp now);

/*
 * Takes one datagram received on the Disconnect-Request socket and, when
 * it is a valid Disconnect-Request from a configured client, calls the
 * disconnect callback and sends a Disconnect-ACK or -NAK. Returns 0 when
 * a reply was sent, or L2TPSEC_ERR_NOT_FOUND (unknown client),
 * L2TPSEC_ERR_TRUNCATED, L2TPSEC_ERR_MALFORMED,
 * L2TPSEC_ERR_UNSUPPORTED (not a Disconnect-Request) or
 * L2TPSEC_ERR_INTEGRITY when it was dropped without a reply.
 */
L2TPSEC_API int l2tpsec_radius_client_dae_input(l2tpsec_radius_client *client,
                                                const struct sockaddr *from,
                                                socklen_t from_len,
                                                const uint8_t *data, size_t len,
                                                l2tpsec_tstamp now);

/* Returns when handle_timeout must next run, or L2TPSEC_TSTAMP_NEVER. */
L2TPSEC_API l2tpsec_tstamp
l2tpsec_radius_client_next_deadline(const l2tpsec_radius_client *client);

/*
 * Retransmits, fails over to the next server, ends timed-out logins and
 * drops accounting records that became too old. Returns 0.
 */
L2TPSEC_API int
l2tpsec_radius_client_handle_timeout(l2tpsec_radius_client *client,
                                     l2tpsec_tstamp now);

/* Copies the counters. */
L2TPSEC_API void
l2tpsec_radius_client_stats(const l2tpsec_radius_client *client,
                            l2tpsec_radius_stats *stats);

#ifdef __cplusplus
}
#endif

#endif
