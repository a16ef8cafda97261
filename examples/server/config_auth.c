/* [radius], [pam], [pool NAME] and methods of [auth]: parsing, and the
 * checks against the [auth] chain. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "config_auth.h"
#include "config_values.h"
#include "l2tpsec/radius.h"

/* Destination of a parsed value and of its errors. */
struct key_context {
  struct server_config *config;
  struct config_errors *errors;
  unsigned line;
};

typedef int (*auth_value_parser)(struct key_context *ctx, const char *value);

void config_auth_defaults(struct server_config *c) {
  struct radius_config *r = &c->radius;

  r->auth_port = 1812;
  r->acct_port = 1813;
  /* Push-approval MFA waits for a human, so a server gets 30 s. */
  r->timeout_s = 30;
  r->retry_s = 5;
  r->dead_time_s = 60;
  snprintf(r->nas_identifier, sizeof(r->nas_identifier), "l2tpsec");
  r->require_message_authenticator = true;
  r->acct_require_message_authenticator = true;
  r->dae_port = 0;
  snprintf(c->pam_service, sizeof(c->pam_service), "l2tpsec");
  c->pam_check_account = true;
}

/* ---- Value parsers: each returns 0, or -1 after adding an error ---- */

static int bool_value(struct key_context *ctx, const char *value, bool *out) {
  return config_parse_bool(ctx->errors, ctx->line, value, out);
}

static int number_value(struct key_context *ctx, const char *value,
                        unsigned long min, unsigned long max,
                        unsigned long *out) {
  return config_parse_number(ctx->errors, ctx->line, value, min, max, out);
}

static int port_value(struct key_context *ctx, const char *value,
                      unsigned long min, uint16_t *out) {
  unsigned long v;

  if (number_value(ctx, value, min, 65535, &v) != 0)
    return -1;
  *out = (uint16_t)v;
  return 0;
}

static int seconds_value(struct key_context *ctx, const char *value,
                         unsigned long min, unsigned *out) {
  unsigned long v;

  /* A day bounds every RADIUS timer this server has. */
  if (number_value(ctx, value, min, 86400, &v) != 0)
    return -1;
  *out = (unsigned)v;
  return 0;
}

static bool numeric_address(const char *text) {
  uint8_t buf[16];

  return inet_pton(AF_INET, text, buf) == 1 ||
         inet_pton(AF_INET6, text, buf) == 1;
}

/* ---- [radius] ---- */

static int r_server(struct key_context *ctx, const char *value) {
  struct config_list *list = &ctx->config->radius_servers;
  struct config_items items;
  int rv = 0;

  for (char *tok = config_first_item(&items, value); tok != NULL;
       tok = config_next_item(&items)) {
    if (!numeric_address(tok)) {
      config_add_error(ctx->errors, ctx->line,
                       "invalid RADIUS server '%s': expected a numeric IPv4 or "
                       "IPv6 address such as 192.0.2.10; set the ports with "
                       "auth_port and acct_port",
                       tok);
      rv = -1;
    } else if (list->count == L2TPSEC_RADIUS_MAX_SERVERS) {
      config_add_error(ctx->errors, ctx->line,
                       "too many RADIUS servers: at most %d",
                       L2TPSEC_RADIUS_MAX_SERVERS);
      return -1;
    } else {
      snprintf(list->items[list->count++], sizeof(list->items[0]), "%s", tok);
    }
  }
  return rv;
}

/* The message never repeats the value: it is the shared secret. */
static int r_secret(struct key_context *ctx, const char *value) {
  size_t len = strlen(value);

  if (len == 0 || len > L2TPSEC_RADIUS_SECRET_MAX) {
    config_add_error(ctx->errors, ctx->line,
                     "invalid secret of %zu bytes: expected 1 to %d bytes", len,
                     L2TPSEC_RADIUS_SECRET_MAX);
    return -1;
  }
  memcpy(ctx->config->radius_secret, value, len + 1);
  return 0;
}

static int r_auth_port(struct key_context *ctx, const char *value) {
  return port_value(ctx, value, 1, &ctx->config->radius.auth_port);
}
static int r_acct_port(struct key_context *ctx, const char *value) {
  return port_value(ctx, value, 0, &ctx->config->radius.acct_port);
}
static int r_timeout(struct key_context *ctx, const char *value) {
  return seconds_value(ctx, value, 1, &ctx->config->radius.timeout_s);
}
static int r_retry(struct key_context *ctx, const char *value) {
  return seconds_value(ctx, value, 1, &ctx->config->radius.retry_s);
}
static int r_dead_time(struct key_context *ctx, const char *value) {
  return seconds_value(ctx, value, 1, &ctx->config->radius.dead_time_s);
}
/* Any interval of a second or more is accepted because tests need a
 * short one; production setups usually send one every 10 minutes. */
static int r_interim(struct key_context *ctx, const char *value) {
  return seconds_value(ctx, value, 0, &ctx->config->radius.interim_s);
}
static int r_nas_identifier(struct key_context *ctx, const char *value) {
  struct radius_config *r = &ctx->config->radius;

  if (strlen(value) == 0 || strlen(value) >= sizeof(r->nas_identifier)) {
    config_add_error(ctx->errors, ctx->line,
                     "invalid nas_identifier '%s': expected 1 to %zu bytes",
                     value, sizeof(r->nas_identifier) - 1);
    return -1;
  }
  snprintf(r->nas_identifier, sizeof(r->nas_identifier), "%s", value);
  return 0;
}
static int r_require_ma(struct key_context *ctx, const char *value) {
  return bool_value(ctx, value,
                    &ctx->config->radius.require_message_authenticator);
}
static int r_acct_require_ma(struct key_context *ctx, const char *value) {
  return bool_value(ctx, value,
                    &ctx->config->radius.acct_require_message_authenticator);
}
static int r_dae_listen(struct key_context *ctx, const char *value) {
  struct radius_config *r = &ctx->config->radius;

  if (!numeric_address(value)) {
    config_add_error(ctx->errors, ctx->line,
                     "invalid dae_listen '%s': expected a numeric IPv4 or IPv6 "
                     "address of this host",
                     value);
    return -1;
  }
  snprintf(r->dae_listen, sizeof(r->dae_listen), "%s", value);
  return 0;
}
static int r_dae_port(struct key_context *ctx, const char *value) {
  return port_value(ctx, value, 0, &ctx->config->radius.dae_port);
}
static int r_require_timestamp(struct key_context *ctx, const char *value) {
  return bool_value(ctx, value, &ctx->config->radius.require_event_timestamp);
}

/* ---- [pam] ---- */

static int p_service(struct key_context *ctx, const char *value) {
  struct server_config *c = ctx->config;

  /* The name becomes a file name under /etc/pam.d. */
  if (strlen(value) == 0 || strlen(value) >= sizeof(c->pam_service) ||
      strchr(value, '/') != NULL) {
    config_add_error(ctx->errors, ctx->line,
                     "invalid PAM service '%s': expected a file name under "
                     "/etc/pam.d, 1 to %zu bytes without '/'",
                     value, sizeof(c->pam_service) - 1);
    return -1;
  }
  snprintf(c->pam_service, sizeof(c->pam_service), "%s", value);
  return 0;
}
static int p_check_account(struct key_context *ctx, const char *value) {
  return bool_value(ctx, value, &ctx->config->pam_check_account);
}

struct auth_key {
  const char *section;
  const char *key;
  auth_value_parser parse;
};

static const struct auth_key auth_keys[] = {
    {"radius", "server", r_server},
    {"radius", "secret", r_secret},
    {"radius", "auth_port", r_auth_port},
    {"radius", "acct_port", r_acct_port},
    {"radius", "timeout", r_timeout},
    {"radius", "retry_interval", r_retry},
    {"radius", "dead_time", r_dead_time},
    {"radius", "interim_interval", r_interim},
    {"radius", "nas_identifier", r_nas_identifier},
    {"radius", "require_message_authenticator", r_require_ma},
    {"radius", "acct_require_message_authenticator", r_acct_require_ma},
    {"radius", "dae_listen", r_dae_listen},
    {"radius", "dae_port", r_dae_port},
    {"radius", "require_event_timestamp", r_require_timestamp},
    {"pam", "service", p_service},
    {"pam", "check_account", p_check_account},
};

/* The [radius] key list is too long for one message, so the message
 * points at the sample configuration, which shows every key. */
static void unknown_auth_key(struct key_context *ctx, const char *section,
                             const char *key) {
  config_add_error(ctx->errors, ctx->line,
                   "unknown key '%s' in [%s]; examples/server/server.ini lists "
                   "every key of this section",
                   key, section);
}

/* "pap, mschapv2": the PPP methods offered, in order. */
static int parse_methods(struct key_context *ctx, const char *value) {
  static const struct {
    const char *name;
    enum l2tpsec_auth_method method;
  } names[] = {{"pap", L2TPSEC_AUTH_PAP},
               {"chap", L2TPSEC_AUTH_CHAP_MD5},
               {"mschapv2", L2TPSEC_AUTH_MSCHAPV2}};
  struct server_config *c = ctx->config;
  struct config_items items;
  size_t n = 0;

  memset(c->auth_methods, 0, sizeof(c->auth_methods));
  c->methods_line = ctx->line;
  for (char *tok = config_first_item(&items, value); tok != NULL;
       tok = config_next_item(&items)) {
    size_t i = 0;

    while (i < 3 && strcmp(tok, names[i].name) != 0)
      i++;
    if (i == 3 || n == 3) {
      config_add_error(
          ctx->errors, ctx->line,
          "invalid methods item '%s': expected up to three of pap, "
          "chap and mschapv2",
          tok);
      return -1;
    }
    c->auth_methods[n++] = names[i].method;
  }
  return 0;
}

/* ---- [pool NAME] ---- */

static struct config_named_pool *named_pool(struct key_context *ctx,
                                            const char *name) {
  struct server_config *c = ctx->config;
  struct config_named_pool *p;

  for (size_t i = 0; i < c->named_pool_count; i++) {
    if (strcmp(c->named_pools[i].name, name) == 0)
      return &c->named_pools[i];
  }
  if (c->named_pool_count == CONFIG_MAX_POOLS || name[0] == '\0' ||
      strlen(name) >= sizeof(c->named_pools[0].name)) {
    config_add_error(
        ctx->errors, ctx->line,
        "invalid [pool %s]: names are 1 to 63 bytes and at most %d "
        "named pools fit",
        name, CONFIG_MAX_POOLS);
    return NULL;
  }
  p = &c->named_pools[c->named_pool_count++];
  snprintf(p->name, sizeof(p->name), "%s", name);
  p->line = ctx->line;
  return p;
}

static void named_pool_key(struct key_context *ctx, const char *name,
                           const char *key, const char *value) {
  struct config_named_pool *p = named_pool(ctx, name);
  struct config_items items;

  if (p == NULL)
    return;
  if (strcmp(key, "range") != 0) {
    config_add_error(ctx->errors, ctx->line,
                     "unknown key '%s' in [pool %s]: expected range", key,
                     name);
    return;
  }
  p->range_seen = true;
  for (char *tok = config_first_item(&items, value); tok != NULL;
       tok = config_next_item(&items)) {
    if (l2tpsec_server_check_range(tok) != 0)
      config_add_error(
          ctx->errors, ctx->line,
          "invalid range '%s' in [pool %s]: expected a.b.c.d-e.f.g.h, "
          "a.b.c.d/nn or a.b.c.d",
          tok, name);
    else if (p->ranges.count == CONFIG_MAX_LIST)
      config_add_error(ctx->errors, ctx->line,
                       "too many ranges in [pool %s]: at most %d", name,
                       CONFIG_MAX_LIST);
    else
      snprintf(p->ranges.items[p->ranges.count++], sizeof(p->ranges.items[0]),
               "%s", tok);
  }
}

void config_fill_named_pools(const struct server_config *c,
                             struct named_pool_settings *storage,
                             l2tpsec_server_settings *settings) {
  for (size_t p = 0; p < c->named_pool_count; p++) {
    const struct config_named_pool *pool = &c->named_pools[p];

    for (size_t i = 0; i < pool->ranges.count; i++)
      storage->ranges[p][i] = pool->ranges.items[i];
    storage->pools[p].name = pool->name;
    storage->pools[p].ranges = storage->ranges[p];
    storage->pools[p].range_count = pool->ranges.count;
  }
  settings->named_pools = storage->pools;
  settings->named_pool_count = c->named_pool_count;
}

bool config_auth_key(struct server_config *config, struct config_errors *errors,
                     unsigned line, const char *section, const char *key,
                     const char *value) {
  struct key_context ctx = {config, errors, line};

  if (strncmp(section, "pool ", 5) == 0) {
    named_pool_key(&ctx, section + 5, key, value);
    return true;
  }
  if (strcmp(section, "auth") == 0 && strcmp(key, "methods") == 0) {
    parse_methods(&ctx, value);
    return true;
  }
  if (strcmp(section, "radius") != 0 && strcmp(section, "pam") != 0)
    return false;
  if (strcmp(section, "radius") == 0 && config->radius.line == 0)
    config->radius.line = line;

  for (size_t i = 0; i < sizeof(auth_keys) / sizeof(auth_keys[0]); i++) {
    if (strcmp(auth_keys[i].section, section) == 0 &&
        strcmp(auth_keys[i].key, key) == 0) {
      auth_keys[i].parse(&ctx, value);
      return true;
    }
  }
  unknown_auth_key(&ctx, section, key);
  return true;
}

/* ---- Checks across keys ---- */

static bool chain_uses(const struct server_config *c, const char *name) {
  for (size_t i = 0; i < c->chain.count; i++) {
    if (strcmp(c->chain.items[i], name) == 0)
      return true;
  }
  return false;
}

static void check_radius(const struct server_config *c,
                         struct config_errors *errors, unsigned chain_line) {
  const struct radius_config *r = &c->radius;
  unsigned line = r->line ? r->line : chain_line;

  if (c->radius_servers.count == 0)
    config_add_error(errors, line,
                     "missing server in [radius]: the chain in [auth] uses "
                     "radius; add server = the RADIUS server's address");
  if (c->radius_secret[0] == '\0')
    config_add_error(
        errors, line,
        "missing secret in [radius]: set secret = the shared secret "
        "the RADIUS server has for this host");
  if (r->retry_s > r->timeout_s)
    config_add_error(errors, line,
                     "retry_interval (%u s) is longer than timeout (%u s) in "
                     "[radius]: a server would get one copy only; lower "
                     "retry_interval",
                     r->retry_s, r->timeout_s);
  if (r->dae_port != 0 && r->dae_listen[0] == '\0')
    config_add_error(
        errors, line,
        "dae_port is set but dae_listen is not in [radius]: set "
        "dae_listen = this host's address for Disconnect-Requests");
}

/* Linux-PAM reads /etc/pam.d and, when built with a vendor directory,
 * /usr/lib/pam.d. */
static void check_pam(const struct server_config *c,
                      struct config_errors *errors, unsigned chain_line) {
  char etc[128], usr[128];

  snprintf(etc, sizeof(etc), "/etc/pam.d/%s", c->pam_service);
  snprintf(usr, sizeof(usr), "/usr/lib/pam.d/%s", c->pam_service);
  if (access(etc, R_OK) != 0 && access(usr, R_OK) != 0)
    config_add_error(
        errors, chain_line,
        "PAM service '%s' not found: create %s (docs/"
        "authentication.md has an example) or set service in [pam]",
        c->pam_service, etc);
}

static bool offers_only_pap(const struct server_config *c) {
  return c->auth_methods[0] == L2TPSEC_AUTH_PAP &&
         c->auth_methods[1] == L2TPSEC_AUTH_NONE;
}

void config_auth_check(const struct server_config *c,
                       struct config_errors *errors, unsigned chain_line) {
  for (size_t i = 0; i < c->named_pool_count; i++) {
    if (!c->named_pools[i].range_seen)
      config_add_error(errors, c->named_pools[i].line,
                       "missing range in [pool %s]", c->named_pools[i].name);
  }
  if (chain_uses(c, "radius"))
    check_radius(c, errors, chain_line);
  if (chain_uses(c, "pam"))
    check_pam(c, errors, chain_line);
  /* With PAM alone every CHAP or MS-CHAPv2 login would fail. */
  if (c->chain.count == 1 && chain_uses(c, "pam") && !offers_only_pap(c))
    config_add_error(errors, c->methods_line ? c->methods_line : chain_line,
                     "the chain has only pam, which checks PAP passwords only: "
                     "set methods = pap in [auth]");
}
