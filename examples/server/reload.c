/* Reports of a SIGHUP reload; see reload.h. */
#include <string.h>

#include "reload.h"

void reload_log_errors(struct log_sink *log, const char *path,
                       const struct config_errors *errors) {
  log_line(log, L2TPSEC_LOG_ERROR,
           "reload of %s failed: %zu error(s); keeping the running "
           "configuration",
           path, errors->count);
  for (size_t i = 0; i < errors->count; i++) {
    const struct config_error *e = &errors->items[i];

    if (e->line > 0)
      log_line(log, L2TPSEC_LOG_ERROR, "%s:%u: %s", path, e->line, e->message);
    else
      log_line(log, L2TPSEC_LOG_ERROR, "%s: %s", path, e->message);
  }
}

static bool lists_differ(const struct config_list *a,
                         const struct config_list *b) {
  if (a->count != b->count)
    return true;
  for (size_t i = 0; i < a->count; i++) {
    if (strcmp(a->items[i], b->items[i]) != 0)
      return true;
  }
  return false;
}

static bool psk_differs(const struct server_config *a,
                        const struct server_config *b) {
  return a->psk_len != b->psk_len || memcmp(a->psk, b->psk, a->psk_len) != 0;
}

/* One key that the server reads only at start. */
struct restart_key {
  const char *section, *key;
  bool changed;
};

/* Fills `keys` with every restart-only key; returns how many there are. */
static size_t compare_restart_keys(const struct server_config *a,
                                   const struct server_config *b,
                                   struct restart_key *keys) {
  const struct restart_key all[] = {
      {"server", "listen", lists_differ(&a->listen, &b->listen)},
      {"server", "ike_port", a->ike_port != b->ike_port},
      {"server", "natt_port", a->natt_port != b->natt_port},
      {"server", "l2tp_port", a->l2tp_port != b->l2tp_port},
      {"server", "raw_esp", a->raw_esp != b->raw_esp},
      {"server", "allow_plain_l2tp",
       a->allow_plain_l2tp != b->allow_plain_l2tp},
      {"server", "control_socket",
       strcmp(a->control_socket, b->control_socket) != 0},
      {"server", "lcp_echo_interval",
       a->lcp_echo_interval != b->lcp_echo_interval},
      {"server", "lcp_echo_failure",
       a->lcp_echo_failure != b->lcp_echo_failure},
      {"server", "dpd_delay", a->dpd_delay != b->dpd_delay},
      {"server", "dpd_timeout", a->dpd_timeout != b->dpd_timeout},
      {"ipsec", "psk", psk_differs(a, b)},
      {"ipsec", "proposals", strcmp(a->proposals, b->proposals) != 0},
      {"pool", "range", lists_differ(&a->ranges, &b->ranges)},
      {"pool", "local_address",
       strcmp(a->local_address, b->local_address) != 0},
      {"pool", "dns", lists_differ(&a->dns, &b->dns)},
      {"pool", "nbns", lists_differ(&a->nbns, &b->nbns)},
      {"tun", "name", strcmp(a->tun_name, b->tun_name) != 0},
      {"tun", "mtu", a->tun_mtu != b->tun_mtu},
      {"tun", "configure", a->tun_configure != b->tun_configure},
      {"log", "level", a->log_level != b->log_level},
      {"log", "syslog", a->syslog != b->syslog},
  };

  memcpy(keys, all, sizeof(all));
  return sizeof(all) / sizeof(all[0]);
}

void reload_log_restart_keys(struct log_sink *log,
                             const struct server_config *running,
                             const struct server_config *fresh,
                             bool control_socket_overridden) {
  struct restart_key keys[32];
  size_t count = compare_restart_keys(running, fresh, keys);

  for (size_t i = 0; i < count; i++) {
    if (!keys[i].changed)
      continue;
    if (control_socket_overridden && strcmp(keys[i].key, "control_socket") == 0)
      continue;
    log_line(log, L2TPSEC_LOG_WARNING,
             "%s in [%s] changed; it takes effect after a restart, the "
             "server keeps the running value",
             keys[i].key, keys[i].section);
  }
}
