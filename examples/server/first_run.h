/*
 * The built-in configuration used when no configuration file exists:
 * loopback only, a random PSK and a demo user with a random password and
 * TOTP secret, printed so that a client can connect at once.
 */
#ifndef L2TPSEC_EXAMPLE_SERVER_FIRST_RUN_H
#define L2TPSEC_EXAMPLE_SERVER_FIRST_RUN_H

#include <stdio.h>

#include "config.h"

/*
 * Fills `config` with the built-in configuration and fresh secrets.
 * Returns 0, or -1 when the random generator fails.
 */
int first_run_config(struct server_config *config);

/* Prints the secrets, the otpauth:// URI with its QR code, and how to
 * listen publicly. */
void first_run_print(FILE *out, const struct server_config *config,
                     const char *default_path);

#endif
