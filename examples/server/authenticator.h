/*
 * The example server's user store: l2tpsec_local_auth built from the
 * [auth] settings and [user] sections, rebuilt on every reload.
 */
#ifndef L2TPSEC_EXAMPLE_SERVER_AUTHENTICATOR_H
#define L2TPSEC_EXAMPLE_SERVER_AUTHENTICATOR_H

#include "config.h"
#include "l2tpsec/auth.h"

/*
 * Creates the authenticator and adds the configured users. Returns 0 or
 * the library's error (the log says which file or user failed).
 */
int authenticator_open(l2tpsec_local_auth **pauth,
                       const struct server_config *config, l2tpsec_log log);

#endif
