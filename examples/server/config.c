/*
 * INI parsing with libinih, which calls one handler per "key = value".
 * libinih in Debian is built without line numbers in its handler, so the
 * line reader below counts lines itself.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <ini.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base32.h"
#include "config.h"
#include "config_auth.h"
#include "config_lines.h"
#include "config_net.h"
#include "config_values.h"
#include "l2tpsec/mem.h"
#include "l2tpsec/server.h"

/* Lines where required keys were set, for messages about missing ones. */
struct seen_lines {
  unsigned ipsec, pool, auth, certificate, psk, listen, range;
  unsigned local_address;
  unsigned psk_key, psk_file,
      natt_port; /* each key, even when its value is bad */
};

/* A [user NAME] header and its line, to find a user defined twice. */
struct user_header {
  char name[64];
  unsigned line;
};

struct parse_state {
  struct server_config *config;
  struct config_errors *errors;
  FILE *file;
  unsigned line;
  struct seen_lines seen;
  struct user_header user_headers[CONFIG_MAX_USERS];
  size_t user_header_count;
  struct config_key_lines key_lines;
  bool inline_comment; /* the current line's value has " ;" */
  bool in_repeated_user; /* inside a [user NAME] header seen before */
};

typedef int (*value_parser)(struct parse_state *st, const char *value);

struct key_spec {
  const char *section;
  const char *key;
  value_parser parse;
};

static void add_error_va(struct config_errors *errors, unsigned line,
                         const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

static void add_error_va(struct config_errors *errors, unsigned line,
                         const char *fmt, va_list ap) {
  struct config_error *e;

  if (errors->count == sizeof(errors->items) / sizeof(errors->items[0]))
    return;
  e = &errors->items[errors->count++];
  e->line = line;
  vsnprintf(e->message, sizeof(e->message), fmt, ap);
}

void config_add_error(struct config_errors *errors, unsigned line,
                      const char *fmt, ...) {
  va_list ap;

  va_start(ap, fmt);
  add_error_va(errors, line, fmt, ap);
  va_end(ap);
}

void config_defaults(struct server_config *c) {
  memset(c, 0, sizeof(*c));
  c->ike_port = 500;
  c->natt_port = 4500;
  c->l2tp_port = 1701;
  c->max_plain_peers = 64;
  c->raw_esp = true;
  c->lcp_echo_interval = 30;
  c->lcp_echo_failure = 4;
  c->dpd_delay = 30;
  c->dpd_timeout = 120;
  snprintf(c->control_socket, sizeof(c->control_socket),
           "/run/l2tpsec-server.sock");
  snprintf(c->proposals, sizeof(c->proposals), "compatible");
  snprintf(c->local_id, sizeof(c->local_id), "dn");
  snprintf(c->tun_name, sizeof(c->tun_name), "l2tpsec0");
  c->tun_mtu = 1400;
  c->tun_configure = true;
  c->chain.count = 1;
  snprintf(c->chain.items[0], sizeof(c->chain.items[0]), "local");
  c->totp_digits = 6;
  c->totp_window = 1;
  c->lockout_failures = 5;
  c->lockout_window = 300;
  c->lockout_time = 900;
  c->log_level = L2TPSEC_LOG_INFO;
  c->syslog = SYSLOG_AUTO;
  config_auth_defaults(c);
}

/* ---- Value parsers: each returns 0 or -1 after adding an error. ---- */

static int bad(struct parse_state *st, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int bad(struct parse_state *st, const char *fmt, ...) {
  va_list ap;

  va_start(ap, fmt);
  add_error_va(st->errors, st->line, fmt, ap);
  va_end(ap);
  return -1;
}

static int parse_bool(struct parse_state *st, const char *value, bool *out) {
  return config_parse_bool(st->errors, st->line, value, out);
}

static int parse_uint(struct parse_state *st, const char *value,
                      unsigned long min, unsigned long max,
                      unsigned long *out) {
  return config_parse_number(st->errors, st->line, value, min, max, out);
}

static int parse_port(struct parse_state *st, const char *value,
                      uint16_t *out) {
  unsigned long v;

  if (parse_uint(st, value, 1, 65535, &v) != 0)
    return -1;
  *out = (uint16_t)v;
  return 0;
}

static int copy_string(struct parse_state *st, const char *value, char *out,
                       size_t cap) {
  if (strlen(value) >= cap) {
    config_add_error(st->errors, st->line, "value too long: at most %zu bytes",
                     cap - 1);
    return -1;
  }
  strcpy(out, value);
  return 0;
}

typedef int (*item_check)(const char *item);

static int check_ip(const char *item) {
  uint8_t buf[16];

  return inet_pton(AF_INET, item, buf) == 1 ||
                 inet_pton(AF_INET6, item, buf) == 1
             ? 0
             : -1;
}

static int check_ipv4(const char *item) {
  uint8_t buf[4];

  return inet_pton(AF_INET, item, buf) == 1 ? 0 : -1;
}

static int check_range(const char *item) {
  return l2tpsec_server_check_range(item) == 0 ? 0 : -1;
}

static int check_chain_item(const char *item) {
  return strcmp(item, "local") == 0 || strcmp(item, "radius") == 0 ||
                 strcmp(item, "pam") == 0
             ? 0
             : -1;
}

/* Splits at commas and blanks; a key given twice adds to the list. */
static int parse_list(struct parse_state *st, const char *value,
                      struct config_list *list, item_check check,
                      const char *expected) {
  struct config_items items;
  int rv = 0;

  for (char *tok = config_first_item(&items, value); tok != NULL;
       tok = config_next_item(&items)) {
    if (list->count == CONFIG_MAX_LIST ||
        strlen(tok) >= sizeof(list->items[0])) {
      config_add_error(st->errors, st->line,
                       "too many or too long items: at most "
                       "%d of 63 bytes",
                       CONFIG_MAX_LIST);
      return -1;
    }
    if (check != NULL && check(tok) != 0) {
      config_add_error(st->errors, st->line, "invalid item '%s': expected %s",
                       tok, expected);
      rv = -1;
      continue;
    }
    strcpy(list->items[list->count++], tok);
  }
  return rv;
}

/* The number of addresses that "A-B" or "A/N" covers; 0 for another
 * form or an invalid one. */
static uint64_t range_addresses(const char *range) {
  char first[64], last[64];
  struct in_addr a, b;
  unsigned prefix;

  if (sscanf(range, "%63[0-9.]-%63[0-9.]", first, last) == 2 &&
      inet_pton(AF_INET, first, &a) == 1 && inet_pton(AF_INET, last, &b) == 1 &&
      ntohl(a.s_addr) <= ntohl(b.s_addr))
    return (uint64_t)ntohl(b.s_addr) - ntohl(a.s_addr) + 1;
  if (sscanf(range, "%63[0-9.]/%u", first, &prefix) == 2 && prefix <= 32)
    return (uint64_t)1 << (32 - prefix);
  return 0;
}

/* Adds an error that explains why a range of valid addresses cannot be a pool:
 * written backwards, starting at 0.0.0.0 (which covers 0.0.0.0/0), or
 * larger than a pool can be. */
static int explain_range(struct parse_state *st, const char *range) {
  char first[64], last[64];
  struct in_addr a, b;
  uint64_t size = range_addresses(range);

  if (sscanf(range, "%63[0-9.]-%63[0-9.]", first, last) == 2 &&
      inet_pton(AF_INET, first, &a) == 1 && inet_pton(AF_INET, last, &b) == 1 &&
      ntohl(a.s_addr) > ntohl(b.s_addr)) {
    config_add_error(st->errors, st->line,
                     "range '%s' is reversed: write the lower address first, "
                     "%s-%s",
                     range, last, first);
    return -1;
  }
  if (strncmp(range, "0.0.0.0", 7) == 0 && strchr("-/", range[7]) != NULL &&
      range[7] != '\0') {
    config_add_error(st->errors, st->line,
                     "range '%s' starts at 0.0.0.0, which no client can "
                     "use: give a private prefix such as 192.0.2.0/24",
                     range);
    return -1;
  }
  if (size > (uint64_t)1 << 20) {
    config_add_error(st->errors, st->line,
                     "range '%s' holds %llu addresses, but a pool holds at "
                     "most 1048576 (a /12): give a smaller range",
                     range, (unsigned long long)size);
    return -1;
  }
  return 0;
}

static int explain_bad_ranges(struct parse_state *st, const char *value) {
  struct config_items items;
  int rv = 0;

  for (char *tok = config_first_item(&items, value); tok != NULL;
       tok = config_next_item(&items))
    rv |= explain_range(st, tok);
  return rv;
}

/* ---- [server] ---- */

static int p_listen(struct parse_state *st, const char *v) {
  st->seen.listen = st->line;
  return parse_list(st, v, &st->config->listen, check_ip,
                    "a numeric IPv4 or IPv6 address such as 192.0.2.1");
}
static int p_ike_port(struct parse_state *st, const char *v) {
  return parse_port(st, v, &st->config->ike_port);
}
static int p_natt_port(struct parse_state *st, const char *v) {
  st->seen.natt_port = st->line;
  return parse_port(st, v, &st->config->natt_port);
}
static int p_l2tp_port(struct parse_state *st, const char *v) {
  return parse_port(st, v, &st->config->l2tp_port);
}
static int p_raw_esp(struct parse_state *st, const char *v) {
  return parse_bool(st, v, &st->config->raw_esp);
}
static int p_plain_l2tp(struct parse_state *st, const char *v) {
  return parse_bool(st, v, &st->config->allow_plain_l2tp);
}
static int p_control(struct parse_state *st, const char *v) {
  return copy_string(st, v, st->config->control_socket,
                     sizeof(st->config->control_socket));
}

static int parse_seconds(struct parse_state *st, const char *v,
                         unsigned long min, unsigned long max, unsigned *out) {
  unsigned long n;

  if (parse_uint(st, v, min, max, &n) != 0)
    return -1;
  *out = (unsigned)n;
  return 0;
}

/* A count such as failures or peers; the same range check as seconds. */
static int parse_count(struct parse_state *st, const char *v, unsigned long min,
                       unsigned long max, unsigned *out) {
  return parse_seconds(st, v, min, max, out);
}
static int p_max_plain_peers(struct parse_state *st, const char *v) {
  return parse_count(st, v, 1, 65535, &st->config->max_plain_peers);
}
static int p_echo_interval(struct parse_state *st, const char *v) {
  return parse_seconds(st, v, 0, 3600, &st->config->lcp_echo_interval);
}
static int p_echo_failure(struct parse_state *st, const char *v) {
  return parse_seconds(st, v, 1, 100, &st->config->lcp_echo_failure);
}
static int p_dpd_delay(struct parse_state *st, const char *v) {
  return parse_seconds(st, v, 0, 3600, &st->config->dpd_delay);
}
static int p_dpd_timeout(struct parse_state *st, const char *v) {
  return parse_seconds(st, v, 1, 86400, &st->config->dpd_timeout);
}

/* ---- [ipsec] ---- */

/* psk and psk_file both set would leave one of them unused. */
static int one_psk_source(struct parse_state *st, unsigned *seen,
                          unsigned other) {
  *seen = st->line;
  if (other == 0)
    return 0;
  config_add_error(st->errors, st->line,
                   "psk and psk_file are both set (other one on line %u): "
                   "keep only one of them",
                   other);
  return -1;
}

static int p_psk(struct parse_state *st, const char *v) {
  size_t len = strlen(v);

  if (one_psk_source(st, &st->seen.psk_key, st->seen.psk_file) != 0)
    return -1;
  if (len > sizeof(st->config->psk))
    return bad(st, "PSK too long: at most 256 bytes%s", "");
  memcpy(st->config->psk, v, len);
  st->config->psk_len = len;
  st->seen.psk = st->line;
  return 0;
}

static int p_psk_file(struct parse_state *st, const char *v) {
  FILE *f;
  char buf[258];
  size_t len;

  if (one_psk_source(st, &st->seen.psk_file, st->seen.psk_key) != 0 ||
      copy_string(st, v, st->config->psk_file, sizeof(st->config->psk_file)))
    return -1;
  f = fopen(v, "r");
  if (f == NULL) {
    config_add_error(st->errors, st->line, "cannot read psk_file '%s': %s", v,
                     strerror(errno));
    return -1;
  }
  len = fread(buf, 1, sizeof(buf), f);
  fclose(f);
  while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
    len--;
  /* The client reads the first line only, so a second line would make
   * the two keys differ. */
  if (memchr(buf, '\n', len) != NULL || memchr(buf, '\r', len) != NULL) {
    l2tpsec_wipe(buf, sizeof(buf));
    return bad(st,
               "psk_file '%s' has more than one line: put the key alone "
               "on the first line",
               v);
  }
  if (len == 0 || len > sizeof(st->config->psk)) {
    l2tpsec_wipe(buf, sizeof(buf));
    return bad(st, "psk_file '%s' must hold 1 to 256 bytes", v);
  }
  memcpy(st->config->psk, buf, len);
  st->config->psk_len = len;
  st->seen.psk = st->line;
  l2tpsec_wipe(buf, sizeof(buf));
  return 0;
}

static int readable_path(struct parse_state *st, const char *v, char *out) {
  if (access(v, R_OK) != 0) {
    config_add_error(st->errors, st->line, "cannot read '%s': %s", v,
                     strerror(errno));
    return -1;
  }
  return copy_string(st, v, out, CONFIG_MAX_VALUE);
}

static int p_certificate(struct parse_state *st, const char *v) {
  st->seen.certificate = st->line;
  return readable_path(st, v, st->config->certificate);
}
static int p_private_key(struct parse_state *st, const char *v) {
  return readable_path(st, v, st->config->private_key);
}
static int p_ca(struct parse_state *st, const char *v) {
  return readable_path(st, v, st->config->ca);
}

static int p_id(struct parse_state *st, const char *v) {
  return copy_string(st, v, st->config->local_id, sizeof(st->config->local_id));
}

static int p_proposals(struct parse_state *st, const char *v) {
  if (strcmp(v, "compatible") != 0 && strcmp(v, "strict") != 0 &&
      strcmp(v, "legacy") != 0)
    return bad(st,
               "invalid proposals '%s': expected compatible (AES with SHA-1 "
               "or SHA-2, MODP-2048 or better: current Windows, macOS, iOS "
               "and Linux clients), strict (SHA-2 only) or legacy "
               "(also MODP-1024, 3DES and MD5 for Android 11 and older)",
               v);
  return copy_string(st, v, st->config->proposals,
                     sizeof(st->config->proposals));
}

/* ---- [pool] ---- */

static int p_range(struct parse_state *st, const char *v) {
  st->seen.range = st->line;
  if (explain_bad_ranges(st, v) != 0)
    return -1;
  return parse_list(st, v, &st->config->ranges, check_range,
                    "a.b.c.d-e.f.g.h, a.b.c.d/nn or a.b.c.d");
}
static int p_local_address(struct parse_state *st, const char *v) {
  st->seen.local_address = st->line;
  if (check_ipv4(v) != 0)
    return bad(st, "invalid local_address '%s': expected an IPv4 address", v);
  return copy_string(st, v, st->config->local_address,
                     sizeof(st->config->local_address));
}
static int p_dns(struct parse_state *st, const char *v) {
  return parse_list(st, v, &st->config->dns, check_ipv4, "an IPv4 address");
}
static int p_nbns(struct parse_state *st, const char *v) {
  return parse_list(st, v, &st->config->nbns, check_ipv4, "an IPv4 address");
}

/* ---- [tun] ---- */

static int p_tun_name(struct parse_state *st, const char *v) {
  return copy_string(st, v, st->config->tun_name, sizeof(st->config->tun_name));
}
static int p_tun_mtu(struct parse_state *st, const char *v) {
  unsigned long mtu;

  if (parse_uint(st, v, 576, 65535, &mtu) != 0)
    return -1;
  st->config->tun_mtu = (unsigned)mtu;
  return 0;
}
static int p_tun_configure(struct parse_state *st, const char *v) {
  return parse_bool(st, v, &st->config->tun_configure);
}

/* ---- [auth] ---- */

static int p_chain(struct parse_state *st, const char *v) {
  st->config->chain.count = 0;
  st->seen.auth = st->line;
  return parse_list(st, v, &st->config->chain, check_chain_item,
                    "local, radius or pam");
}
static int p_chap_secrets(struct parse_state *st, const char *v) {
  return readable_path(st, v, st->config->chap_secrets);
}
static int p_oath_users(struct parse_state *st, const char *v) {
  return readable_path(st, v, st->config->oath_users);
}
static int p_google_auth(struct parse_state *st, const char *v) {
  return copy_string(st, v, st->config->google_authenticator, CONFIG_MAX_VALUE);
}
static int p_require_code(struct parse_state *st, const char *v) {
  return parse_bool(st, v, &st->config->require_code);
}
static int p_hashed(struct parse_state *st, const char *v) {
  return parse_bool(st, v, &st->config->hashed_passwords);
}
static int p_digits(struct parse_state *st, const char *v) {
  unsigned long d;

  if (parse_uint(st, v, 6, 8, &d) != 0)
    return -1;
  st->config->totp_digits = (unsigned)d;
  return 0;
}
static int p_lockout_failures(struct parse_state *st, const char *v) {
  return parse_count(st, v, 0, 1000, &st->config->lockout_failures);
}
static int p_lockout_window(struct parse_state *st, const char *v) {
  return parse_seconds(st, v, 1, 86400, &st->config->lockout_window);
}
static int p_lockout_time(struct parse_state *st, const char *v) {
  return parse_seconds(st, v, 1, 86400, &st->config->lockout_time);
}
static int p_window(struct parse_state *st, const char *v) {
  unsigned long w;

  if (parse_uint(st, v, 0, 10, &w) != 0)
    return -1;
  st->config->totp_window = (unsigned)w;
  return 0;
}

/* ---- [log] ---- */

static int p_level(struct parse_state *st, const char *v) {
  for (int level = L2TPSEC_LOG_ERROR; level <= L2TPSEC_LOG_DEBUG; level++) {
    if (strcmp(v, l2tpsec_log_level_name(level)) == 0) {
      st->config->log_level = level;
      return 0;
    }
  }
  return bad(st,
             "invalid level '%s': expected error, warning, notice, info or "
             "debug",
             v);
}
static int p_syslog(struct parse_state *st, const char *v) {
  if (strcmp(v, "auto") == 0)
    st->config->syslog = SYSLOG_AUTO;
  else if (strcmp(v, "yes") == 0)
    st->config->syslog = SYSLOG_ALWAYS;
  else if (strcmp(v, "no") == 0)
    st->config->syslog = SYSLOG_NEVER;
  else
    return bad(st, "invalid syslog '%s': expected auto, yes or no", v);
  return 0;
}

static const struct key_spec keys[] = {
    {"server", "listen", p_listen},
    {"server", "ike_port", p_ike_port},
    {"server", "natt_port", p_natt_port},
    {"server", "l2tp_port", p_l2tp_port},
    {"server", "raw_esp", p_raw_esp},
    {"server", "allow_plain_l2tp", p_plain_l2tp},
    {"server", "max_plain_peers", p_max_plain_peers},
    {"server", "control_socket", p_control},
    {"server", "lcp_echo_interval", p_echo_interval},
    {"server", "lcp_echo_failure", p_echo_failure},
    {"server", "dpd_delay", p_dpd_delay},
    {"server", "dpd_timeout", p_dpd_timeout},
    {"ipsec", "psk", p_psk},
    {"ipsec", "psk_file", p_psk_file},
    {"ipsec", "certificate", p_certificate},
    {"ipsec", "private_key", p_private_key},
    {"ipsec", "ca", p_ca},
    {"ipsec", "id", p_id},
    {"ipsec", "proposals", p_proposals},
    {"pool", "range", p_range},
    {"pool", "local_address", p_local_address},
    {"pool", "dns", p_dns},
    {"pool", "nbns", p_nbns},
    {"tun", "name", p_tun_name},
    {"tun", "mtu", p_tun_mtu},
    {"tun", "configure", p_tun_configure},
    {"auth", "chain", p_chain},
    {"auth", "chap_secrets", p_chap_secrets},
    {"auth", "oath_users", p_oath_users},
    {"auth", "google_authenticator", p_google_auth},
    {"auth", "require_code", p_require_code},
    {"auth", "hashed_passwords", p_hashed},
    {"auth", "totp_digits", p_digits},
    {"auth", "totp_window", p_window},
    {"auth", "lockout_failures", p_lockout_failures},
    {"auth", "lockout_window", p_lockout_window},
    {"auth", "lockout_time", p_lockout_time},
    {"log", "level", p_level},
    {"log", "syslog", p_syslog},
};

/* ---- [user NAME] sections ---- */

static struct config_user *user_for(struct parse_state *st, const char *name) {
  struct server_config *c = st->config;

  for (size_t i = 0; i < c->user_count; i++) {
    if (strcmp(c->users[i].name, name) == 0)
      return &c->users[i];
  }
  if (c->user_count == CONFIG_MAX_USERS || strlen(name) == 0 ||
      strlen(name) >= sizeof(c->users[0].name)) {
    config_add_error(
        st->errors, st->line,
        "invalid [user %s]: names are 1 to 63 bytes and at most %d "
        "users fit in this file; use chap_secrets for more",
        name, CONFIG_MAX_USERS);
    return NULL;
  }
  snprintf(c->users[c->user_count].name, sizeof(c->users[0].name), "%s", name);
  return &c->users[c->user_count++];
}

/*
 * The minimum length of a [user] password, in bytes. A TOTP code, when
 * required, comes on top of it.
 */
#define MIN_PASSWORD_LEN 8

static int user_password(struct parse_state *st, struct config_user *u,
                         const char *value) {
  size_t len = strlen(value);

  if (!st->config->hashed_passwords && len < MIN_PASSWORD_LEN)
    return bad(st,
               "password of user %s is %zu character%s long: use at least "
               "%d characters",
               u->name, len, len == 1 ? "" : "s", MIN_PASSWORD_LEN);
  return copy_string(st, value, u->password, sizeof(u->password));
}

static int user_key(struct parse_state *st, const char *name, const char *key,
                    const char *value) {
  struct config_user *u = user_for(st, name);
  int n;

  if (u == NULL)
    return -1;
  if (strcmp(key, "password") == 0)
    return user_password(st, u, value);
  if (strcmp(key, "totp_secret") != 0)
    return bad(st,
               "unknown key '%s' in a [user] section: expected password "
               "or totp_secret",
               key);

  n = base32_decode(value, u->totp_key, sizeof(u->totp_key));
  if (n < 10)
    return bad(st,
               "invalid totp_secret (value not shown, %zu characters): "
               "expected base32 of at least 10 bytes (16 characters)",
               strlen(value));
  u->totp_key_len = (size_t)n;
  return 0;
}

static void unknown_key(struct parse_state *st, const char *section,
                        const char *key) {
  char expected[256] = "";
  bool known_section = false;

  for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
    if (strcmp(keys[i].section, section) != 0)
      continue;
    known_section = true;
    snprintf(expected + strlen(expected), sizeof(expected) - strlen(expected),
             "%s%s", expected[0] ? ", " : "", keys[i].key);
  }
  if (known_section)
    config_add_error(st->errors, st->line,
                     "unknown key '%s' in [%s]; expected one "
                     "of: %s",
                     key, section, expected);
  else
    config_add_error(st->errors, st->line,
                     "unknown section [%s]; expected server, "
                     "ipsec, ike, pool, tun, auth, radius, pam, log or user "
                     "NAME",
                     section);
}

/* libinih would let the last of two settings win without a word. */
static void check_repeated_key(struct parse_state *st, const char *section,
                               const char *key) {
  unsigned first = config_key_repeated(&st->key_lines, section, key, st->line);

  /* The repeated header has its error already, which covers its keys. */
  if (first != 0 && !st->in_repeated_user)
    config_add_error(st->errors, st->line,
                     "duplicate key '%s' in [%s]: line %u sets it too, and "
                     "only the last value would be used; keep one of the two "
                     "lines",
                     key, section, first);
}

/* The value is not shown: it is a secret, and it was cut anyway. */
static void check_cut_secret(struct parse_state *st, const char *section,
                             const char *key) {
  const char *fix = "write the value without a blank before ';'";

  if (!st->inline_comment || !config_key_is_secret(section, key))
    return;
  if (strcmp(key, "psk") == 0)
    fix = "put the key alone in a file and set psk_file = PATH instead";
  config_add_error(st->errors, st->line,
                   "%s in [%s] has a ';' after a blank, where the INI parser "
                   "starts a comment and cuts the value (value not shown): "
                   "if the ';' belongs to the value, %s; if it starts a "
                   "comment, put the comment on a line of its own",
                   key, section, fix);
}

static int on_key(void *user, const char *section, const char *key,
                  const char *value) {
  struct parse_state *st = user;

  check_repeated_key(st, section, key);
  check_cut_secret(st, section, key);

  if (strncmp(section, "user ", 5) == 0) {
    user_key(st, section + 5, key, value);
    return 1;
  }
  /* [radius] and [pam] are parsed in config_auth.c. */
  if (config_auth_key(st->config, st->errors, st->line, section, key, value))
    return 1;
  if (config_ike_key(&st->config->ike, st->errors, st->line, section, key,
                     value))
    return 1;
  if (strcmp(section, "pool") == 0)
    st->seen.pool = st->seen.pool ? st->seen.pool : st->line;
  if (strcmp(section, "ipsec") == 0)
    st->seen.ipsec = st->seen.ipsec ? st->seen.ipsec : st->line;

  for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
    if (strcmp(keys[i].section, section) == 0 &&
        strcmp(keys[i].key, key) == 0) {
      keys[i].parse(st, value);
      return 1;
    }
  }
  unknown_key(st, section, key);
  return 1; /* keep going: report every error of the file at once */
}

/*
 * Reports a [user NAME] header that appeared before: libinih would merge
 * both sections into one user, so a copied block would silently change
 * the first user's password.
 */
static void check_user_header(struct parse_state *st, const char *line) {
  const char *start = line + strspn(line, " \t");
  const char *end;
  size_t len;

  if (strncmp(start, "[user ", 6) != 0 || (end = strchr(start, ']')) == NULL)
    return;
  start += 6;
  len = (size_t)(end - start);
  if (len == 0 || len >= sizeof(st->user_headers[0].name))
    return;

  for (size_t i = 0; i < st->user_header_count; i++) {
    const struct user_header *h = &st->user_headers[i];

    if (strlen(h->name) == len && memcmp(h->name, start, len) == 0) {
      st->in_repeated_user = true;
      config_add_error(st->errors, st->line,
                       "duplicate section [user %s]; the first is at line %u: "
                       "merge them or rename one",
                       h->name, h->line);
      return;
    }
  }
  if (st->user_header_count < CONFIG_MAX_USERS) {
    struct user_header *h = &st->user_headers[st->user_header_count++];

    memcpy(h->name, start, len);
    h->name[len] = '\0';
    h->line = st->line;
  }
}

/*
 * Reads one whole line for libinih and counts it. A line longer than
 * libinih's buffer is cut, and reported, rather than split in two.
 */
static char *read_line(char *str, int num, void *stream) {
  struct parse_state *st = stream;
  char *line = NULL;
  size_t cap = 0;
  ssize_t len = getline(&line, &cap, st->file);

  if (len < 0) {
    free(line);
    return NULL;
  }
  st->line++;
  if (line[strspn(line, " \t")] == '[')
    st->in_repeated_user = false;
  check_user_header(st, line);
  st->inline_comment = config_line_has_inline_comment(line);
  if (len >= num) {
    config_add_error(st->errors, st->line, "line too long: at most %d bytes",
                     num - 2);
    len = num - 2;
    line[len++] = '\n';
  }
  memcpy(str, line, (size_t)len);
  str[len] = '\0';
  l2tpsec_wipe(line, cap);
  free(line);
  return str;
}

/* ---- Checks across keys ---- */

static void check_certificate(struct parse_state *st) {
  char err[sizeof(st->errors->items[0].message)];

  if (config_cert_load(st->config, err, sizeof(err)) != 0)
    config_add_error(st->errors, st->seen.certificate, "%s", err);
}

/* A PSK and a certificate may both be set: the server then accepts
 * clients of either kind. */
static void check_ipsec(struct parse_state *st) {
  struct server_config *c = st->config;

  if (c->certificate[0] != '\0')
    check_certificate(st);
  /* A psk or psk_file that was given but bad has its own error. */
  if (c->psk_len == 0 && c->certificate[0] == '\0' && st->seen.psk_key == 0 &&
      st->seen.psk_file == 0)
    config_add_error(st->errors, st->seen.ipsec,
                     "missing psk (or psk_file, or certificate) in [ipsec]");
  else if (c->psk_len > 0 && c->psk_len < 8)
    config_add_error(st->errors, st->seen.psk,
                     "psk of %zu bytes is too short: use at least 8, better 20 "
                     "random characters",
                     c->psk_len);
}

static bool chain_has(const struct server_config *c, const char *name) {
  for (size_t i = 0; i < c->chain.count; i++) {
    if (strcmp(c->chain.items[i], name) == 0)
      return true;
  }
  return false;
}

static void check_auth(struct parse_state *st) {
  struct server_config *c = st->config;

  if (chain_has(c, "local") && c->chap_secrets[0] == '\0' && c->user_count == 0)
    config_add_error(
        st->errors, st->seen.auth,
        "no users for the local authenticator: set chap_secrets in "
        "[auth] or add a [user NAME] section");
  config_auth_check(c, st->errors, st->seen.auth);
  if (c->chain.count == 0)
    config_add_error(st->errors, st->seen.auth,
                     "empty chain in [auth]: expected local, radius or pam");
}

/* A listen address the host lacks would fail at bind time, at start. */
static void check_listen_addresses(struct parse_state *st) {
  const struct config_list *listen = &st->config->listen;

  for (size_t i = 0; i < listen->count; i++) {
    if (!config_host_has_address(listen->items[i]))
      config_add_error(st->errors, st->seen.listen,
                       "listen address %s is not assigned to any interface of "
                       "this host: add it to an interface, or listen on an "
                       "address that 'ip address' lists",
                       listen->items[i]);
  }
}

/* The server's end of every PPP link must not be leased to a client. */
static void check_local_outside_pool(struct parse_state *st) {
  const struct server_config *c = st->config;

  for (size_t i = 0; i < c->ranges.count && c->local_address[0]; i++) {
    if (config_range_contains(c->ranges.items[i], c->local_address))
      config_add_error(
          st->errors, st->seen.local_address,
          "local_address %s is inside the pool range %s: choose an "
          "address outside every range",
          c->local_address, c->ranges.items[i]);
  }
}

/* One socket cannot serve both: IKE on 500 and NAT-T on 4500 differ
 * in framing (the non-ESP marker, RFC 3948 section 2.2). */
static void check_ports(struct parse_state *st) {
  const struct server_config *c = st->config;

  if (c->ike_port == c->natt_port)
    config_add_error(st->errors, st->seen.natt_port,
                     "ike_port and natt_port are both %u: give them different "
                     "ports (usually 500 and 4500)",
                     c->ike_port);
}

static void check_all(struct parse_state *st) {
  struct server_config *c = st->config;

  /* A key that was given but invalid already has its error. */
  if (c->listen.count == 0 && st->seen.listen == 0)
    config_add_error(st->errors, 0, "missing listen in [server]");
  check_ipsec(st);
  if (c->ranges.count == 0 && st->seen.range == 0)
    config_add_error(st->errors, st->seen.pool, "missing range in [pool]");
  if (c->local_address[0] == '\0')
    config_add_error(
        st->errors, st->seen.pool,
        "missing local_address in [pool]: the server's own address "
        "on every PPP link, e.g. 192.0.2.1");
  check_auth(st);
  check_listen_addresses(st);
  check_local_outside_pool(st);
  check_ports(st);
}

/* Orders errors by line, keeping the order of errors on one line. */
static void sort_by_line(struct config_errors *errors) {
  for (size_t i = 1; i < errors->count; i++) {
    struct config_error e = errors->items[i];
    size_t j = i;

    for (; j > 0 && errors->items[j - 1].line > e.line; j--)
      errors->items[j] = errors->items[j - 1];
    errors->items[j] = e;
  }
}

int config_load(struct server_config *config, const char *path,
                struct config_errors *errors) {
  struct parse_state st = {.config = config, .errors = errors};
  int rv;

  errors->count = 0;
  snprintf(config->path, sizeof(config->path), "%s", path);
  st.file = fopen(path, "r");
  if (st.file == NULL) {
    config_add_error(errors, 0, "cannot open the configuration file: %s",
                     strerror(errno));
    return -1;
  }

  rv = ini_parse_stream(read_line, &st, on_key, &st);
  fclose(st.file);
  if (rv > 0)
    config_add_error(errors, (unsigned)rv,
                     "syntax error: expected '[section]', 'key = value' or a "
                     "comment starting with ';' or '#'");
  check_all(&st);
  sort_by_line(errors);
  return errors->count == 0 ? 0 : -1;
}

struct control_socket_search {
  char *out;
  size_t cap;
  bool too_long;
};

static int on_control_socket_key(void *user, const char *section,
                                 const char *key, const char *value) {
  struct control_socket_search *search = user;

  if (strcmp(section, "server") != 0 || strcmp(key, "control_socket") != 0)
    return 1;
  if (strlen(value) >= search->cap)
    search->too_long = true;
  else
    strcpy(search->out, value);
  return 1;
}

int config_read_control_socket(const char *path, char *out, size_t cap,
                               char *err, size_t err_cap) {
  struct control_socket_search search = {out, cap, false};
  int rv;

  snprintf(out, cap, "/run/l2tpsec-server.sock");
  rv = ini_parse(path, on_control_socket_key, &search);
  if (rv < 0) {
    snprintf(err, err_cap, "cannot read the configuration file: %s",
             strerror(errno));
    return -1;
  }
  if (search.too_long) {
    snprintf(err, err_cap,
             "control_socket in [server] is longer than %zu bytes", cap - 1);
    return -1;
  }
  return 0;
}

void config_print_errors(const char *path, const struct config_errors *errors) {
  for (size_t i = 0; i < errors->count; i++) {
    if (errors->items[i].line > 0)
      fprintf(stderr, "%s:%u: %s\n", path, errors->items[i].line,
              errors->items[i].message);
    else
      fprintf(stderr, "%s: %s\n", path, errors->items[i].message);
  }
}

void config_wipe(struct server_config *config) {
  l2tpsec_wipe(config->psk, sizeof(config->psk));
  l2tpsec_wipe(config->radius_secret, sizeof(config->radius_secret));
  l2tpsec_wipe(config->users, sizeof(config->users));
  config_cert_free(config);
}
