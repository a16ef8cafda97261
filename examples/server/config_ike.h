/*
 * The [ike] section of the configuration: IKE responder settings that
 * most servers leave at their defaults.
 */
#ifndef L2TPSEC_EXAMPLE_SERVER_CONFIG_IKE_H
#define L2TPSEC_EXAMPLE_SERVER_CONFIG_IKE_H

#include <stdbool.h>
#include <stdint.h>

#include "l2tpsec/server.h"

struct config_errors;

/* [ike] values; all zero is the default of every key. */
struct ike_config {
  enum l2tpsec_server_fake_nat fake_client_nat;
  bool aggressive_responder;
  unsigned ike_lifetime, esp_lifetime, rekey_margin; /* seconds; 0: default */
  char psk_id[256]; /* "" sends the listen address */
};

/*
 * Parses `key = value` of [ike] into config and returns true; an invalid
 * value or an unknown key adds an error for `line`. Returns false for
 * the keys of other sections.
 */
bool config_ike_key(struct ike_config *config, struct config_errors *errors,
                    unsigned line, const char *section, const char *key,
                    const char *value);

/* Copies the [ike] values into the server settings. */
void config_ike_apply(const struct ike_config *config,
                      l2tpsec_server_settings *settings);

#endif
