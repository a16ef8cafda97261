/*
 * Authentication of PPP peers.
 *
 * PPP in the server role does not decide who may log in. When a peer has
 * sent its credentials, PPP calls the application's request callback with
 * an l2tpsec_auth_request and carries on (answering echoes and ignoring
 * retransmitted credentials) until the application completes the request
 * with l2tpsec_auth_complete(), possibly much later: after a RADIUS round
 * trip or a push approval on a phone. When the session dies first, PPP
 * calls the cancel callback and the request must not be completed.
 *
 * The second half of this header is a ready authenticator that composes
 * a chap-secrets user store with a TOTP second factor (RFC 6238), so that
 * a server works without RADIUS. It completes requests synchronously.
 */
#ifndef L2TPSEC_AUTH_H
#define L2TPSEC_AUTH_H

#include <stdbool.h>

#include "l2tpsec/common.h"
#include "l2tpsec/log.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Authentication methods, named by their PPP protocol and algorithm. */
enum l2tpsec_auth_method {
  L2TPSEC_AUTH_NONE = 0,
  L2TPSEC_AUTH_PAP = 1,      /* RFC 1334: clear password */
  L2TPSEC_AUTH_CHAP_MD5 = 2, /* RFC 1994: MD5(id | secret | challenge) */
  L2TPSEC_AUTH_MSCHAPV2 = 3, /* RFC 2759 */
  L2TPSEC_AUTH_EAP = 4,      /* reserved; not implemented yet */
};

/* Returns "none", "PAP", "CHAP-MD5", "MS-CHAPv2" or "EAP". */
L2TPSEC_API const char *
l2tpsec_auth_method_name(enum l2tpsec_auth_method method);

/* Maximum user name and PAP password length PPP accepts, in bytes. */
#define L2TPSEC_AUTH_NAME_MAX 255
#define L2TPSEC_AUTH_PASSWORD_MAX 255

struct l2tpsec_auth_result;

/* Sizes of the MS-CHAPv2 values (RFC 2759 section 4). */
#define L2TPSEC_MSCHAPV2_CHALLENGE_LEN 16
#define L2TPSEC_MSCHAPV2_NT_RESPONSE_LEN 24
#define L2TPSEC_MSCHAPV2_AUTH_RESPONSE_LEN 20

/*
 * One authentication to decide. PPP owns the struct and everything it
 * points to; all of it stays valid and unchanged from the request
 * callback until the request is completed or cancelled, so an
 * asynchronous authenticator may keep the pointer instead of copying.
 */
typedef struct l2tpsec_auth_request {
  enum l2tpsec_auth_method method;

  /* User name as the peer sent it, NUL-terminated; may contain any byte
   * except NUL (a name with a NUL byte is rejected by PPP). */
  const char *user;
  size_t user_len;

  /* Peer's transport address as text ("198.51.100.7:1701"), for rate
   * limiting and logs; "" when the engine did not give one. */
  const char *peer;

  /* PAP: the clear password, not NUL-terminated. Never log it. */
  const uint8_t *password;
  size_t password_len;

  /* CHAP-MD5: the identifier, our challenge and the peer's 16-byte
   * response MD5(identifier | secret | challenge) (RFC 1994 section 4.1).
   * MS-CHAPv2: the identifier, our 16-byte authenticator challenge, and
   * the peer challenge and NT-Response from the Response packet. */
  uint8_t chap_id;
  const uint8_t *challenge;
  size_t challenge_len;
  const uint8_t *response; /* CHAP-MD5 response; NULL for MS-CHAPv2 */
  size_t response_len;
  const uint8_t *peer_challenge; /* MS-CHAPv2 only, 16 bytes */
  const uint8_t *nt_response;    /* MS-CHAPv2 only, 24 bytes */

  /* Monotonic time of the request, for authenticators that complete
   * synchronously inside the callback. */
  l2tpsec_tstamp now;

  /* Owner's completion hook; set by PPP, not for applications. */
  void (*complete_fn)(void *owner, const struct l2tpsec_auth_request *req,
                      const struct l2tpsec_auth_result *result,
                      l2tpsec_tstamp now);
  void *owner;
} l2tpsec_auth_request;

/* Reason a request was rejected; logs and events show its name. */
enum l2tpsec_auth_reason {
  L2TPSEC_AUTH_REASON_NONE = 0,
  L2TPSEC_AUTH_REASON_UNKNOWN_USER,
  L2TPSEC_AUTH_REASON_WRONG_PASSWORD,
  L2TPSEC_AUTH_REASON_WRONG_CODE,     /* second factor did not match */
  L2TPSEC_AUTH_REASON_WRONG_PASSWORD_OR_CODE, /* CHAP: cannot tell which */
  L2TPSEC_AUTH_REASON_REPLAYED_CODE,  /* code's time step already used */
  L2TPSEC_AUTH_REASON_MISSING_CODE,   /* field too short to hold a code */
  L2TPSEC_AUTH_REASON_LOCKED_OUT,     /* too many recent failures */
  L2TPSEC_AUTH_REASON_METHOD_UNUSABLE, /* e.g. hashed password with CHAP */
  L2TPSEC_AUTH_REASON_BACKEND_ERROR,  /* RADIUS down, file unreadable... */
  L2TPSEC_AUTH_REASON_POLICY,         /* rejected by the application */
  L2TPSEC_AUTH_REASON_TIMEOUT,        /* no decision in time */
};

/* Returns a short English name such as "wrong password". */
L2TPSEC_API const char *
l2tpsec_auth_reason_name(enum l2tpsec_auth_reason reason);

/* Most Class values an accept carries into accounting, and their size. */
#define L2TPSEC_AUTH_MAX_CLASS 4
#define L2TPSEC_AUTH_CLASS_MAX 253

/* Maximum size of an address pool name (RADIUS Framed-Pool), with NUL. */
#define L2TPSEC_AUTH_POOL_NAME_MAX 64

/* An opaque value the authenticator wants back in accounting records
 * (RADIUS Class, RFC 2865 section 5.25). */
typedef struct l2tpsec_auth_class {
  uint8_t len;
  uint8_t data[L2TPSEC_AUTH_CLASS_MAX];
} l2tpsec_auth_class;

/* Session attributes an accept may carry; zero means "not given". */
typedef struct l2tpsec_auth_attributes {
  bool has_address;      /* a static IPv4 address for this user */
  uint8_t address[4];    /* network byte order */
  uint32_t session_timeout_s; /* 0 = none (RADIUS Session-Timeout) */
  uint32_t idle_timeout_s;    /* 0 = none (RADIUS Idle-Timeout) */
  /* Name of the address pool to lease from (RADIUS Framed-Pool); "" for
   * the default pool. */
  char pool[L2TPSEC_AUTH_POOL_NAME_MAX];
  l2tpsec_auth_class classes[L2TPSEC_AUTH_MAX_CLASS];
  size_t class_count;
} l2tpsec_auth_attributes;

/* The decision that completes a request. */
typedef struct l2tpsec_auth_result {
  bool accept;
  enum l2tpsec_auth_reason reason; /* on reject */

  /* Text for the peer (PAP message, CHAP message, the M= part of an
   * MS-CHAPv2 Success or Failure); NULL for a default. Printable ASCII,
   * shown to users by some clients: never put a secret in it. */
  const char *message;

  /* MS-CHAPv2 accept: the 20-byte authenticator response that goes into
   * "S=<40 hex>" (RFC 2759 section 8.7). The party that verified the
   * NT-Response computes it (l2tpsec_auth_check_secret, or RADIUS's
   * MS-CHAP2-Success). PPP rejects an MS-CHAPv2 accept without it. */
  bool has_auth_response;
  uint8_t auth_response[L2TPSEC_MSCHAPV2_AUTH_RESPONSE_LEN];

  /* MS-CHAPv2 reject: the E= error code; 0 means 691 (authentication
   * failure). 646..649 as in RFC 2759 section 6. */
  uint16_t mschap_error;

  l2tpsec_auth_attributes attributes;
} l2tpsec_auth_result;

/*
 * Completes a request, inside the request callback or later. The result
 * is copied; the request must not be used afterwards. Returns
 * L2TPSEC_ERR_INVALID_ARGUMENT for a NULL argument, L2TPSEC_ERR_STATE
 * when the owner no longer waits for this request (it was completed
 * already), or an error from the owner's processing of the decision.
 */
L2TPSEC_API int l2tpsec_auth_complete(const l2tpsec_auth_request *req,
                                      const l2tpsec_auth_result *result,
                                      l2tpsec_tstamp now);

/*
 * Receives a request. The callee completes it with
 * l2tpsec_auth_complete(), now or later, exactly once, unless the cancel
 * callback reports the request first.
 */
typedef void (*l2tpsec_auth_request_fn)(void *user_data,
                                        const l2tpsec_auth_request *req);

/*
 * Reports that a request will never be completed (the session died or
 * timed out). Forget the pointer: it is invalid after this call.
 */
typedef void (*l2tpsec_auth_cancel_fn)(void *user_data,
                                       const l2tpsec_auth_request *req);

/* ---- Checking a secret against a request ------------------------------ */

/*
 * Checks a clear secret against a request of any method: PAP compares in
 * constant time, CHAP-MD5 recomputes the response, MS-CHAPv2 recomputes
 * the NT-Response and, when it matches and auth_response is not NULL,
 * writes the 20-byte authenticator response. Returns 0 on a match,
 * L2TPSEC_ERR_AUTH_FAILED on a mismatch, L2TPSEC_ERR_INVALID_ARGUMENT
 * for a malformed request, L2TPSEC_ERR_CRYPTO when hashing fails.
 */
L2TPSEC_API int l2tpsec_auth_check_secret(const l2tpsec_auth_request *req,
                                          const uint8_t *secret,
                                          size_t secret_len,
                                          uint8_t *auth_response);

/* ---- Second factor: TOTP (RFC 6238) ----------------------------------- */

enum l2tpsec_totp_hash {
  L2TPSEC_TOTP_SHA1 = 0,
  L2TPSEC_TOTP_SHA256,
  L2TPSEC_TOTP_SHA512,
};

/*
 * Computes the TOTP value for Unix time `unix_time` with a step of
 * `step_s` seconds (T0 = 0), as a NUL-terminated string of `digits`
 * (6, 7 or 8) decimal digits. Returns L2TPSEC_ERR_INVALID_ARGUMENT for
 * a bad digit count, step or key, L2TPSEC_ERR_CRYPTO when HMAC fails.
 */
L2TPSEC_API int l2tpsec_totp_code(enum l2tpsec_totp_hash hash,
                                  const uint8_t *key, size_t key_len,
                                  int64_t unix_time, uint32_t step_s,
                                  unsigned digits, char *out);

/*
 * Splits "password immediately followed by a code" from the right: the
 * last `digits` bytes are the code, the rest the password. Returns the
 * password length, or -1 when the field is shorter than `digits` or the
 * tail is not all decimal digits.
 */
L2TPSEC_API long l2tpsec_auth_split_code(const uint8_t *field, size_t len,
                                         unsigned digits);

/* ---- The local authenticator: chap-secrets + TOTP --------------------- */

/* Not thread-safe: use one per thread, or serialise requests. */
typedef struct l2tpsec_local_auth l2tpsec_local_auth;

/* Returns the current Unix time in seconds; injected for tests. */
typedef int64_t (*l2tpsec_unix_time_fn)(void *user_data);

typedef struct l2tpsec_local_auth_settings {
  l2tpsec_log log;

  /* pppd chap-secrets file: "client server secret [ip...]" per line.
   * NULL for none (then only users added by the API exist). */
  const char *chap_secrets_path;

  /* Accept crypt(3) hashes ("$y$...", "$6$...", "$5$...") as secrets.
   * They work for PAP only: CHAP and MS-CHAPv2 need the clear secret, so
   * such users get REASON_METHOD_UNUSABLE for them. Default false: a
   * secret starting with '$' is then a clear password. */
  bool hashed_passwords;

  /* Second factor. require_code: every user must type password+code and
   * must have a TOTP secret; users without one are rejected. When false,
   * users with a secret need the code and users without one do not. */
  bool require_code;
  const char *oath_users_path;     /* pam_oath users.oath; NULL for none */
  /* Path of the google-authenticator files, where "%u" stands for the
   * user name: "/home/%u/.google_authenticator". NULL: none. */
  const char *google_auth_dir;
  bool google_auth_rewrite;        /* remove used scratch codes from file */
  enum l2tpsec_totp_hash totp_hash;   /* for users.oath and API users */
  unsigned totp_digits;               /* 6 (default) or 8 */
  uint32_t totp_step_s;               /* 30 */
  unsigned totp_window;               /* steps each side accepted: 1 */

  /* Failure limits, applied per user and per peer address. After
   * max_failures failures within failure_window_s, further attempts are
   * rejected as LOCKED_OUT for lockout_s, without checking credentials. */
  unsigned max_failures;    /* 5 */
  uint32_t failure_window_s; /* 300 */
  uint32_t lockout_s;        /* 900 */

  l2tpsec_unix_time_fn unix_time; /* NULL: the system's real-time clock */
  void *unix_time_user_data;
} l2tpsec_local_auth_settings;

/* Fills the defaults given in the comments above. */
L2TPSEC_API void
l2tpsec_local_auth_settings_default(l2tpsec_local_auth_settings *settings);

/*
 * Creates the authenticator and reads the configured files. Returns
 * L2TPSEC_ERR_INVALID_ARGUMENT for a NULL argument,
 * L2TPSEC_ERR_CONFIG for a bad setting or a malformed file (the log
 * names the file and line), L2TPSEC_ERR_IO when a file cannot be read,
 * L2TPSEC_ERR_NOMEM.
 */
L2TPSEC_API int l2tpsec_local_auth_new(l2tpsec_local_auth **pauth,
                                       const l2tpsec_local_auth_settings *s);

/* Frees the authenticator, wiping every secret. Accepts NULL. */
L2TPSEC_API void l2tpsec_local_auth_del(l2tpsec_local_auth *auth);

/*
 * Adds or replaces a user. secret is a clear password (or a crypt hash
 * when hashed_passwords is set); totp_key, when not NULL, is the raw
 * TOTP key; address, when not NULL, a static IPv4 address. Returns
 * L2TPSEC_ERR_INVALID_ARGUMENT or L2TPSEC_ERR_NOMEM.
 */
L2TPSEC_API int l2tpsec_local_auth_add_user(l2tpsec_local_auth *auth,
                                            const char *user,
                                            const char *secret,
                                            const uint8_t *totp_key,
                                            size_t totp_key_len,
                                            const uint8_t *address);

/*
 * Decides a request and completes it before returning. Its signature is
 * l2tpsec_auth_request_fn with the authenticator as user data, so it can
 * be given to PPP directly.
 */
L2TPSEC_API void l2tpsec_local_auth_request(void *auth,
                                            const l2tpsec_auth_request *req);

#ifdef __cplusplus
}
#endif

#endif
