/*
 * The RADIUS client on a libuv loop: one UDP socket for requests to the
 * servers (bound once, so every retransmission leaves from the same
 * port), an optional UDP socket that listens for Disconnect-Requests, and
 * a timer for retransmissions and failover. Everything runs on the
 * caller's loop thread.
 */
#ifndef L2TPSEC_RADIUS_UV_H
#define L2TPSEC_RADIUS_UV_H

#include <uv.h>

#include "l2tpsec/radius.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct l2tpsec_radius_uv l2tpsec_radius_uv;

typedef struct l2tpsec_radius_uv_settings {
  l2tpsec_radius_settings
      radius; /* fill with l2tpsec_radius_settings_default */
  /*
   * Numeric local address of the request socket, or NULL for the
   * wildcard address of the first server's family. The port is chosen by
   * the kernel.
   */
  const char *bind_address;
  /* Numeric address and port for Disconnect-Requests; port 0: none. */
  const char *dae_address;
  uint16_t dae_port;
} l2tpsec_radius_uv_settings;

/* Fills radius defaults, the wildcard request address and no listener. */
L2TPSEC_API void
l2tpsec_radius_uv_settings_default(l2tpsec_radius_uv_settings *s);

/* The client callbacks without send, which the binding provides. */
typedef struct l2tpsec_radius_uv_callbacks {
  void (*auth_done)(void *user_data, uint64_t login,
                    const l2tpsec_radius_auth_result *result);
  void (*acct_dropped)(void *user_data, const char *session_id,
                       enum l2tpsec_radius_drop_reason reason);
  int (*disconnect)(void *user_data, const l2tpsec_radius_disconnect *sel);
} l2tpsec_radius_uv_callbacks;

/*
 * Creates the client and its sockets on `loop`. Returns the codes of
 * l2tpsec_radius_client_new, L2TPSEC_ERR_CONFIG for an address that is
 * not numeric, or L2TPSEC_ERR_IO when a socket cannot be bound (the log
 * line names the address and the reason).
 */
L2TPSEC_API int
l2tpsec_radius_uv_new(l2tpsec_radius_uv **pradius, uv_loop_t *loop,
                      const l2tpsec_radius_uv_settings *settings,
                      const l2tpsec_radius_uv_callbacks *callbacks,
                      void *user_data);

/*
 * Closes the sockets and the timer; the object is freed during a later
 * turn of the loop and pending logins get no callback. Accepts NULL. May
 * be called from a callback.
 */
L2TPSEC_API void l2tpsec_radius_uv_close(l2tpsec_radius_uv *radius);

/* l2tpsec_radius_client_auth with the loop's clock; same error codes. */
L2TPSEC_API int l2tpsec_radius_uv_auth(l2tpsec_radius_uv *radius,
                                       const l2tpsec_radius_auth_request *req,
                                       uint64_t *login);

/* l2tpsec_radius_client_cancel; same error codes. */
L2TPSEC_API int l2tpsec_radius_uv_cancel(l2tpsec_radius_uv *radius,
                                         uint64_t login);

/* l2tpsec_radius_client_acct with the loop's clock; same error codes. */
L2TPSEC_API int l2tpsec_radius_uv_acct(l2tpsec_radius_uv *radius,
                                       const l2tpsec_radius_acct_record *rec);

/* Copies the client's counters. */
L2TPSEC_API void l2tpsec_radius_uv_stats(const l2tpsec_radius_uv *radius,
                                         l2tpsec_radius_stats *stats);

/*
 * Stores the local port of the request socket (servers see requests
 * from it) or of the Disconnect-Request socket (dae true). Returns
 * L2TPSEC_ERR_NOT_FOUND when there is no such socket, L2TPSEC_ERR_IO.
 */
L2TPSEC_API int l2tpsec_radius_uv_local_port(const l2tpsec_radius_uv *radius,
                                             bool dae, uint16_t *port);

/* ---- The RADIUS authenticator for PPP (l2tpsec/auth.h) ------------------ */

struct l2tpsec_auth_request;
typedef struct l2tpsec_radius_authenticator l2tpsec_radius_authenticator;

/*
 * Creates an authenticator that decides PPP's requests with RADIUS, on a
 * RADIUS client of its own. callbacks->auth_done is not used; the other
 * callbacks are passed on. Returns the codes of l2tpsec_radius_uv_new.
 */
L2TPSEC_API int l2tpsec_radius_authenticator_new(
    l2tpsec_radius_authenticator **pauth, uv_loop_t *loop,
    const l2tpsec_radius_uv_settings *settings,
    const l2tpsec_radius_uv_callbacks *callbacks, void *user_data);

/*
 * Closes the authenticator and its client during a later turn of the
 * loop. Requests still waiting are never completed, so close it only
 * after PPP has cancelled them. Accepts NULL.
 */
L2TPSEC_API void
l2tpsec_radius_authenticator_close(l2tpsec_radius_authenticator *auth);

/*
 * Sends a request to RADIUS and completes it when the reply comes: an
 * Access-Accept with its Framed-IP-Address, Session-Timeout, Reply-Message
 * and, for MS-CHAPv2, the authenticator response from MS-CHAP2-Success;
 * an Access-Reject with the MS-CHAP-Error code; an Access-Challenge or a
 * timeout as a reject that says so. Its signature is
 * l2tpsec_auth_request_fn with the authenticator as user data.
 */
L2TPSEC_API void
l2tpsec_radius_authenticator_request(void *auth,
                                     const struct l2tpsec_auth_request *req);

/* Forgets a request PPP gave up on; an l2tpsec_auth_cancel_fn. */
L2TPSEC_API void
l2tpsec_radius_authenticator_cancel(void *auth,
                                    const struct l2tpsec_auth_request *req);

/* Returns the RADIUS client, for accounting records and counters. */
L2TPSEC_API l2tpsec_radius_uv *
l2tpsec_radius_authenticator_client(l2tpsec_radius_authenticator *auth);

#ifdef __cplusplus
}
#endif

#endif
