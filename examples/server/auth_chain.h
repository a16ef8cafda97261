/*
 * The authenticator chain of [auth]: local, radius and pam, asked in the
 * configured order. The next one is asked only when the current one
 * cannot decide: an unknown user, a method it cannot check (PAM with
 * CHAP), or its backend failing (every RADIUS server timed out). Any
 * other reject, such as a wrong password, is final.
 */
#ifndef L2TPSEC_EXAMPLE_SERVER_AUTH_CHAIN_H
#define L2TPSEC_EXAMPLE_SERVER_AUTH_CHAIN_H

#include <uv.h>

#include "config.h"
#include "l2tpsec/auth.h"
#include "l2tpsec/radius_uv.h"
#include "log_sink.h"

struct auth_chain;

/*
 * Ends the sessions a RADIUS Disconnect-Request selects; returns how
 * many it ended.
 */
typedef int (*auth_chain_disconnect_fn)(void *user_data,
                                        const l2tpsec_radius_disconnect *sel);

/*
 * Creates every authenticator the chain names: the local store from
 * [auth] and [user] sections, the RADIUS client from [radius] with its
 * Disconnect-Request listener, PAM from [pam]. Returns 0 or the
 * library's error; the log names what failed.
 */
int auth_chain_open(struct auth_chain **pchain, uv_loop_t *loop,
                    const struct server_config *config, struct log_sink *log,
                    auth_chain_disconnect_fn disconnect, void *user_data);

/*
 * Closes the authenticators; RADIUS and PAM finish closing during later
 * turns of the loop. Call it after the server, which cancels every
 * request still waiting. Accepts NULL.
 */
void auth_chain_close(struct auth_chain *chain);

/* Starts deciding a request; an l2tpsec_auth_request_fn. */
void auth_chain_request(void *chain, const l2tpsec_auth_request *req);

/* Forgets a request PPP gave up on; an l2tpsec_auth_cancel_fn. */
void auth_chain_cancel(void *chain, const l2tpsec_auth_request *req);

/*
 * Rebuilds the local store from `config` (on SIGHUP) and keeps the
 * running one when that fails. Returns 0 or the library's error.
 */
int auth_chain_reload_local(struct auth_chain *chain,
                            const struct server_config *config);

/* Returns the RADIUS client for accounting, or NULL without radius. */
l2tpsec_radius_uv *auth_chain_radius(struct auth_chain *chain);

#endif
