/* The [ike] section: see config_ike.h and the comments in server.ini. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config.h"
#include "config_ike.h"
#include "l2tpsec/ike.h"

struct ike_key_context {
  struct ike_config *config;
  struct config_errors *errors;
  unsigned line;
};

typedef void (*ike_value_parser)(struct ike_key_context *ctx,
                                 const char *value);

static bool parse_yes_no(const char *value, bool *out) {
  if (strcasecmp(value, "yes") == 0 || strcasecmp(value, "true") == 0 ||
      strcasecmp(value, "on") == 0 || strcmp(value, "1") == 0) {
    *out = true;
    return true;
  }
  if (strcasecmp(value, "no") == 0 || strcasecmp(value, "false") == 0 ||
      strcasecmp(value, "off") == 0 || strcmp(value, "0") == 0) {
    *out = false;
    return true;
  }
  return false;
}

static void p_fake_client_nat(struct ike_key_context *ctx, const char *value) {
  bool on;

  if (strcmp(value, "auto") == 0)
    ctx->config->fake_client_nat = L2TPSEC_SERVER_FAKE_NAT_AUTO;
  else if (parse_yes_no(value, &on))
    ctx->config->fake_client_nat =
        on ? L2TPSEC_SERVER_FAKE_NAT_ON : L2TPSEC_SERVER_FAKE_NAT_OFF;
  else
    config_add_error(ctx->errors, ctx->line,
                     "invalid fake_client_nat '%s': expected auto (on when "
                     "there is no raw ESP socket), yes or no",
                     value);
}

static void p_aggressive(struct ike_key_context *ctx, const char *value) {
  if (!parse_yes_no(value, &ctx->config->aggressive_responder))
    config_add_error(ctx->errors, ctx->line,
                     "invalid aggressive_responder '%s': expected yes or no",
                     value);
}

/* Seconds from min to max; the key names the value in the message. */
static void parse_seconds(struct ike_key_context *ctx, const char *key,
                          const char *value, unsigned long min,
                          unsigned long max, unsigned *out) {
  char *end;
  unsigned long v;

  errno = 0;
  v = strtoul(value, &end, 10);
  if (*value == '\0' || *value == '-' || *end != '\0' || errno != 0 ||
      v < min || v > max) {
    config_add_error(ctx->errors, ctx->line,
                     "invalid %s '%s': expected %lu to %lu seconds", key, value,
                     min, max);
    return;
  }
  *out = (unsigned)v;
}

static void p_ike_lifetime(struct ike_key_context *ctx, const char *value) {
  parse_seconds(ctx, "ike_lifetime", value, 60, 86400,
                &ctx->config->ike_lifetime);
}
static void p_esp_lifetime(struct ike_key_context *ctx, const char *value) {
  parse_seconds(ctx, "esp_lifetime", value, 60, 86400,
                &ctx->config->esp_lifetime);
}
static void p_rekey_margin(struct ike_key_context *ctx, const char *value) {
  parse_seconds(ctx, "rekey_margin", value, 1, 43200,
                &ctx->config->rekey_margin);
}

static void p_psk_id(struct ike_key_context *ctx, const char *value) {
  if (strlen(value) >= sizeof(ctx->config->psk_id) ||
      !l2tpsec_ike_psk_id_valid(value)) {
    config_add_error(ctx->errors, ctx->line,
                     "invalid psk_id '%.64s': expected a numeric IPv4 or "
                     "IPv6 address, a DNS name or user@domain of at most "
                     "251 characters",
                     value);
    return;
  }
  snprintf(ctx->config->psk_id, sizeof(ctx->config->psk_id), "%s", value);
}

static const struct {
  const char *key;
  ike_value_parser parse;
} ike_keys[] = {
    {"fake_client_nat", p_fake_client_nat},
    {"aggressive_responder", p_aggressive},
    {"ike_lifetime", p_ike_lifetime},
    {"esp_lifetime", p_esp_lifetime},
    {"rekey_margin", p_rekey_margin},
    {"psk_id", p_psk_id},
};

bool config_ike_key(struct ike_config *config, struct config_errors *errors,
                    unsigned line, const char *section, const char *key,
                    const char *value) {
  struct ike_key_context ctx = {config, errors, line};

  if (strcmp(section, "ike") != 0)
    return false;
  for (size_t i = 0; i < sizeof(ike_keys) / sizeof(ike_keys[0]); i++) {
    if (strcmp(ike_keys[i].key, key) == 0) {
      ike_keys[i].parse(&ctx, value);
      return true;
    }
  }
  config_add_error(errors, line,
                   "unknown key '%s' in [ike]; expected one of: "
                   "fake_client_nat, aggressive_responder, ike_lifetime, "
                   "esp_lifetime, rekey_margin, psk_id",
                   key);
  return true;
}

void config_ike_apply(const struct ike_config *config,
                      l2tpsec_server_settings *settings) {
  settings->fake_client_nat = config->fake_client_nat;
  settings->aggressive_responder = config->aggressive_responder;
  settings->ike_lifetime = config->ike_lifetime;
  settings->esp_lifetime = config->esp_lifetime;
  settings->rekey_margin =
      (l2tpsec_duration)config->rekey_margin * L2TPSEC_SECONDS;
  settings->psk_id = config->psk_id[0] != '\0' ? config->psk_id : NULL;
}
