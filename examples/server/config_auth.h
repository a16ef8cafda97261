/*
 * The [radius] and [pam] sections of the configuration, and the checks
 * that the authenticators named in [auth] chain have what they need.
 */
#ifndef L2TPSEC_EXAMPLE_SERVER_CONFIG_AUTH_H
#define L2TPSEC_EXAMPLE_SERVER_CONFIG_AUTH_H

#include <stdbool.h>

#include "config.h"

/* Fills the defaults of [radius] and [pam]. */
void config_auth_defaults(struct server_config *config);

/*
 * Parses `key = value` when `section` is radius or pam and returns true;
 * an invalid value or an unknown key adds an error for `line`. Returns
 * false for other sections. Error messages never contain the secret.
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

#endif
