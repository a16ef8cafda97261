/*
 * The [radius], [pam] and [pool NAME] sections of the configuration,
 * methods in [auth], and the checks that the authenticators named in
 * the [auth] chain have what they need.
 */
#ifndef L2TPSEC_EXAMPLE_SERVER_CONFIG_AUTH_H
#define L2TPSEC_EXAMPLE_SERVER_CONFIG_AUTH_H

#include <stdbool.h>

#include "config.h"
#include "l2tpsec/server.h"

/* Fills the defaults of [radius] and [pam]. */
void config_auth_defaults(struct server_config *config);

/*
 * Parses `key = value` of [radius], [pam], [pool NAME] or methods in
 * [auth] and returns true; an invalid value or an unknown key adds an
 * error for `line`. Returns false for other keys. Error messages never
 * contain the secret.
 */
bool config_auth_key(struct server_config *config, struct config_errors *errors,
                     unsigned line, const char *section, const char *key,
                     const char *value);

/*
 * Checks the sections that the chain uses: RADIUS servers and secret,
 * timing that makes sense, and a PAM service file that exists.
 * `chain_line` is the line of `chain` in [auth], 0 when it was not set.
 */
void config_auth_check(const struct server_config *config,
                       struct config_errors *errors, unsigned chain_line);

/* Storage behind the named pools of l2tpsec_server_settings. */
struct named_pool_settings {
  l2tpsec_server_pool pools[CONFIG_MAX_POOLS];
  const char *ranges[CONFIG_MAX_POOLS][CONFIG_MAX_LIST];
};

/* Points `settings` at the [pool NAME] sections, through `storage`. */
void config_fill_named_pools(const struct server_config *config,
                             struct named_pool_settings *storage,
                             l2tpsec_server_settings *settings);

#endif
