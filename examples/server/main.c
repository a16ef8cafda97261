/*
 * l2tpsec-server: an L2TP/IPsec server built on libl2tpsec.
 *
 *   l2tpsec-server [-c FILE] [--daemon]   run
 *   l2tpsec-server [-c FILE] --check-config
 *   l2tpsec-server [-c FILE] --status
 */
#include <getopt.h>
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../ike_id.h"
#include "accounting.h"
#include "auth_chain.h"
#include "config.h"
#include "config_auth.h"
#include "control.h"
#include "first_run.h"
#include "l2tpsec/l2tpsec.h"
#include "log_sink.h"
#include "reload.h"

#define DEFAULT_CONFIG "/etc/l2tpsec/server.ini"
#define DEFAULT_CONTROL "/run/l2tpsec-server.sock"

struct options {
  const char *config_path; /* NULL: DEFAULT_CONFIG when it exists */
  bool check_config;
  bool status;
  bool daemon;
  const char *control_socket; /* overrides the configuration's */
};

struct app {
  struct options options;
  struct server_config config;
  struct log_sink log;
  uv_loop_t loop;
  l2tpsec_server *server;
  struct auth_chain *auth;
  struct accounting *acct;
  uv_timer_t auth_closer; /* closes auth and acct after the server */
  struct control control;
  uv_signal_t sighup, sigterm, sigint;
  uv_timer_t grace; /* frees the server after shutdown told the clients */
  bool shutting_down, stopped;
  bool final_accounting; /* Stop records went out at shutdown */
  time_t started;
};

static void usage(FILE *out) {
  fprintf(out,
          "usage: l2tpsec-server [options]\n"
          "  -c, --config FILE   configuration file (default %s; without\n"
          "                      it a first-run configuration on loopback)\n"
          "      --check-config  validate the configuration and exit\n"
          "      --status        print the running server's connections\n"
          "      --control-socket PATH  Unix socket of --status (default\n"
          "                      from the configuration, else %s)\n"
          "      --daemon        detach and log to syslog\n"
          "  -h, --help          show this help\n"
          "  -V, --version       print the library version\n",
          DEFAULT_CONFIG, DEFAULT_CONTROL);
}

/*
 * Returns path made absolute, because --daemon changes the working
 * directory to / and SIGHUP reloads the file by this name. A path that
 * does not resolve stays as given, so loading it reports the error.
 */
static const char *absolute_path(const char *path) {
  static char resolved[PATH_MAX];

  if (path[0] == '/' || realpath(path, resolved) == NULL)
    return path;
  return resolved;
}

static int parse_options(int argc, char **argv, struct options *o) {
  static const struct option longs[] = {
      {"config", required_argument, NULL, 'c'},
      {"check-config", no_argument, NULL, 'k'},
      {"status", no_argument, NULL, 's'},
      {"control-socket", required_argument, NULL, 'S'},
      {"daemon", no_argument, NULL, 'd'},
      {"help", no_argument, NULL, 'h'},
      {"version", no_argument, NULL, 'V'},
      {NULL, 0, NULL, 0}};
  int opt;

  while ((opt = getopt_long(argc, argv, "c:hV", longs, NULL)) != -1) {
    switch (opt) {
    case 'c':
      o->config_path = absolute_path(optarg);
      break;
    case 'k':
      o->check_config = true;
      break;
    case 's':
      o->status = true;
      break;
    case 'S':
      if (strlen(optarg) >=
          sizeof(((struct server_config *)0)->control_socket)) {
        fprintf(stderr, "l2tpsec-server: --control-socket path too long\n");
        return -1;
      }
      o->control_socket = optarg;
      break;
    case 'd':
      o->daemon = true;
      break;
    case 'h':
      usage(stdout);
      exit(0);
    case 'V':
      printf("l2tpsec-server %s\n", l2tpsec_version());
      exit(0);
    default:
      usage(stderr);
      return -1;
    }
  }
  if (optind < argc) {
    fprintf(stderr, "l2tpsec-server: unexpected argument '%s'\n", argv[optind]);
    return -1;
  }
  return 0;
}

/* Loads the named or default file; 1 means "none: use the first run". */
static int load_config(struct app *app) {
  const char *path = app->options.config_path;
  struct config_errors errors;

  if (path == NULL && access(DEFAULT_CONFIG, F_OK) != 0)
    return 1;
  if (path == NULL)
    path = DEFAULT_CONFIG;

  config_defaults(&app->config);
  if (config_load(&app->config, path, &errors) != 0) {
    config_print_errors(path, &errors);
    fprintf(stderr, "l2tpsec-server: %zu error(s) in %s\n", errors.count, path);
    return -1;
  }
  return 0;
}

static size_t append(char *buf, size_t cap, size_t used, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static size_t append(char *buf, size_t cap, size_t used, const char *fmt, ...) {
  va_list ap;
  int n;

  if (used >= cap)
    return used;
  va_start(ap, fmt);
  n = vsnprintf(buf + used, cap - used, fmt, ap);
  va_end(ap);
  return n < 0 ? used : used + (size_t)n;
}

/* One line per session, as `ipsec statusall` lists its SAs. */
static size_t append_sessions(struct app *app, char *buf, size_t cap,
                              size_t n) {
  l2tpsec_server_session_info info[64];
  size_t count = l2tpsec_server_sessions(app->server, info, 64);

  for (size_t i = 0; i < count && i < 64; i++) {
    const l2tpsec_server_session_info *s = &info[i];
    unsigned long up = (unsigned long)(s->uptime / L2TPSEC_SECONDS);

    n = append(
        buf, cap, n,
        "  %-16s %u.%u.%u.%u  from %s (%s)  up %lu:%02lu:%02lu  "
        "in %llu pkts %llu B  out %llu pkts %llu B  L2TP %u/%u\n",
        s->user[0] ? s->user : "(authenticating)", s->address[0], s->address[1],
        s->address[2], s->address[3], s->peer,
        s->plain  ? "plain L2TP"
        : s->natt ? "ESP in UDP"
                  : "ESP",
        up / 3600, up / 60 % 60, up % 60, (unsigned long long)s->packets_in,
        (unsigned long long)s->bytes_in, (unsigned long long)s->packets_out,
        (unsigned long long)s->bytes_out, s->tunnel_id, s->session_id);
    if (s->esp_algorithms[0] != '\0')
      n = append(buf, cap, n, "    algorithms: IKE %s, ESP %s\n",
                 s->ike_algorithms[0] ? s->ike_algorithms : "(none)",
                 s->esp_algorithms);
  }
  if (count > 64)
    n = append(buf, cap, n, "  ... and %zu more\n", count - 64);
  return n;
}

/* One number of a --status line and the text printed before it, which
 * carries the separator from the previous number. */
struct status_counter {
  const char *prefix;
  uint64_t value;
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* Appends each counter as its prefix and value, then ends the line. */
static size_t append_counters(char *buf, size_t cap, size_t n,
                              const struct status_counter *counters,
                              size_t count) {
  for (size_t i = 0; i < count; i++)
    n = append(buf, cap, n, "%s%llu", counters[i].prefix,
               (unsigned long long)counters[i].value);
  return append(buf, cap, n, "\n");
}

/* What the server received, by kind. */
static size_t append_received(const l2tpsec_server_stats *st, char *buf,
                              size_t cap, size_t n) {
  const struct status_counter received[] = {
      {"Received: IKE ", st->ike_received},
      {", ESP ", st->esp_received},
      {", plain L2TP ", st->plain_l2tp_received},
      {", NAT keepalives ", st->nat_keepalives},
      {", from TUN ", st->tun_received},
  };

  return append_counters(buf, cap, n, received, COUNT(received));
}

/* The drops of the TUN side and of datagrams no layer could take. */
static size_t append_server_drops(const l2tpsec_server_stats *st, char *buf,
                                  size_t cap, size_t n) {
  const struct status_counter drops[] = {
      {"Dropped: no session ", st->dropped_no_session},
      {", no handler ", st->dropped_unhandled},
      {", TUN not IP ", st->dropped_malformed},
  };

  return append_counters(buf, cap, n, drops, COUNT(drops));
}

/* The drops of the ESP, selector and L2TP layers, on their own line. The
 * ESP total comes first, then its parts in brackets. */
static size_t append_layer_drops(const l2tpsec_server_stats *st, char *buf,
                                 size_t cap, size_t n) {
  const struct status_counter drops[] = {
      {"Dropped: ESP ", st->dropped_esp},
      {" (unknown SPI ", st->esp_unknown_spi},
      {", replayed ", st->esp_replayed},
      {", integrity failed ", st->esp_integrity},
      {"), selector ", st->dropped_selector},
      {", L2TP malformed ", st->l2tp_malformed},
      {", plain L2TP tunnel requests over the per-address limit ",
       st->dropped_plain_tunnel_rate},
  };

  return append_counters(buf, cap, n, drops, COUNT(drops));
}

/* IKE's drops by reason; a flood or a misconfigured peer shows here. */
static size_t append_ike_drops(const l2tpsec_ike_stats *ike, char *buf,
                               size_t cap, size_t n) {
  const struct status_counter drops[] = {
      {"IKE dropped: malformed ", ike->drop_malformed},
      {", unknown SA ", ike->drop_unknown_sa},
      {", unexpected ", ike->drop_unexpected},
      {", decrypt ", ike->drop_decrypt},
      {", integrity ", ike->drop_integrity},
      {", half-open limit ", ike->drop_half_open},
      {", no proposal ", ike->drop_no_proposal},
      {", version ", ike->drop_version},
      {", duplicate ", ike->drop_duplicate},
      {", certificate ", ike->drop_cert},
      {", ID ", ike->drop_id_mismatch},
      {", signature ", ike->drop_signature},
      {", fragments ", ike->drop_fragment},
  };

  return append_counters(buf, cap, n, drops, COUNT(drops));
}

static size_t status_text(void *user_data, char *buf, size_t cap) {
  struct app *app = user_data;
  l2tpsec_server_stats st;
  long up = (long)(time(NULL) - app->started);
  size_t n = 0;

  l2tpsec_server_stats_get(app->server, &st);
  n = append(buf, cap, n,
             "l2tpsec-server %s, up %ldd %02ld:%02ld:%02ld, configuration "
             "%s\n",
             l2tpsec_version(), up / 86400, up / 3600 % 24, up / 60 % 60,
             up % 60, app->config.path[0] ? app->config.path : "(first run)");
  n = append(buf, cap, n, "Listening on:");
  for (size_t i = 0; i < app->config.listen.count; i++)
    n = append(buf, cap, n, " %s", app->config.listen.items[i]);
  n = append(buf, cap, n, " (IKE %u, NAT-T %u", app->config.ike_port,
             app->config.natt_port);
  if (app->config.allow_plain_l2tp)
    n = append(buf, cap, n, ", plain L2TP %u without IPsec",
               app->config.l2tp_port);
  n = append(buf, cap, n, "); TUN %s\n", l2tpsec_server_tun_name(app->server));
  n = append_received(&st, buf, cap, n);
  n = append_server_drops(&st, buf, cap, n);
  n = append_layer_drops(&st, buf, cap, n);
  n = append_ike_drops(&st.ike, buf, cap, n);
  n = append(buf, cap, n,
             "Connections (%zu up, %zu addresses leased, %zu SA pairs or "
             "plain L2TP peers):\n",
             st.sessions, st.addresses_leased, st.connections);
  n = append_sessions(app, buf, cap, n);
  return n < cap ? n : cap - 1;
}

/* The server cancels waiting requests while it is freed, at the end of
 * this loop turn, so the chain must live until the next turn. */
static void on_auth_closer(uv_timer_t *timer) {
  struct app *app = timer->data;

  accounting_close(app->acct);
  app->acct = NULL;
  auth_chain_close(app->auth);
  app->auth = NULL;
  uv_close((uv_handle_t *)timer, NULL);
}

/* Time the RADIUS client keeps running after shutdown to deliver the
 * final Stop records, in ms; records still unanswered then are lost. */
#define FINAL_ACCOUNTING_MS 2000

static void stop(struct app *app) {
  size_t stops;

  if (app->stopped)
    return;
  app->stopped = true;
  stops = accounting_stop_all(app->acct) + app->final_accounting;

  l2tpsec_server_del(app->server);
  app->server = NULL;
  accounting_set_server(app->acct, NULL);
  app->auth_closer.data = app;
  uv_timer_start(&app->auth_closer, on_auth_closer,
                 stops > 0 ? FINAL_ACCOUNTING_MS : 0, 0);
  control_close(&app->control);
  uv_close((uv_handle_t *)&app->sighup, NULL);
  uv_close((uv_handle_t *)&app->sigterm, NULL);
  uv_close((uv_handle_t *)&app->sigint, NULL);
  uv_close((uv_handle_t *)&app->grace, NULL);
}

/* Time the clients get to answer the shutdown's Terminate-Request,
 * StopCCN and DELETE before the server is freed, in ms. */
#define SHUTDOWN_GRACE_MS 1500

static void on_grace_end(uv_timer_t *timer) {
  stop(timer->data);
}

/* The first signal tells the clients and waits; a second one stops at
 * once. */
static void on_terminate(uv_signal_t *handle, int signum) {
  struct app *app = handle->data;
  int closed;

  log_line(&app->log, L2TPSEC_LOG_NOTICE, "received %s: shutting down",
           strsignal(signum));
  if (app->shutting_down || app->server == NULL) {
    stop(app);
    return;
  }
  app->shutting_down = true;
  closed = l2tpsec_server_shutdown(app->server);
  if (closed <= 0) {
    stop(app);
    return;
  }
  app->final_accounting = true;
  log_line(&app->log, L2TPSEC_LOG_NOTICE,
           "told %d connection(s) that the server stops; exiting in %d ms",
           closed, SHUTDOWN_GRACE_MS);
  uv_timer_start(&app->grace, on_grace_end, SHUTDOWN_GRACE_MS, 0);
}

/*
 * Re-reads the configuration file and replaces the user and TOTP
 * stores. Listen, pool and TUN settings need a restart.
 */
static void on_reload(uv_signal_t *handle, int signum) {
  struct app *app = handle->data;
  struct server_config fresh;
  struct config_errors errors;

  if (app->config.path[0] == '\0') {
    log_line(&app->log, L2TPSEC_LOG_NOTICE,
             "received SIGHUP: the first-run configuration has no file to "
             "reload");
    return;
  }
  config_defaults(&fresh);
  if (config_load(&fresh, app->config.path, &errors) != 0) {
    reload_log_errors(&app->log, app->config.path, &errors);
  } else if (auth_chain_reload_local(app->auth, &fresh) != 0) {
    log_line(&app->log, L2TPSEC_LOG_ERROR,
             "reload of %s failed: the user or TOTP store could not be "
             "read; keeping the running users",
             app->config.path);
  } else {
    reload_log_restart_keys(&app->log, &app->config, &fresh,
                            app->options.control_socket != NULL);
    log_line(&app->log, L2TPSEC_LOG_NOTICE,
             "reloaded users and TOTP secrets from %s; sessions are kept",
             app->config.path);
  }
  config_wipe(&fresh);
}

static void authenticate(void *user_data, const l2tpsec_auth_request *req) {
  struct app *app = user_data;

  auth_chain_request(app->auth, req);
}

static void cancel_authentication(void *user_data,
                                  const l2tpsec_auth_request *req) {
  struct app *app = user_data;

  auth_chain_cancel(app->auth, req);
}

static void on_server_event(void *user_data, const l2tpsec_server_event *ev) {
  struct app *app = user_data;

  accounting_event(app->acct, ev);
}

/* Ends the sessions a RADIUS Disconnect-Request selects. */
static int disconnect_sessions(void *user_data,
                               const l2tpsec_radius_disconnect *sel) {
  struct app *app = user_data;
  l2tpsec_server_selector selector;
  int ended;

  if (app->server == NULL)
    return 0;
  memset(&selector, 0, sizeof(selector));
  selector.user = sel->user_name;
  selector.acct_session_id = sel->acct_session_id;
  selector.has_address = sel->has_framed_ip;
  memcpy(selector.address, sel->framed_ip, 4);
  ended = l2tpsec_server_disconnect(app->server, &selector,
                                    L2TPSEC_SERVER_END_ADMIN_RESET);
  return ended > 0 ? ended : 0;
}

/* Creates the chain and, when RADIUS takes accounting, accounting. */
static int open_authentication(struct app *app) {
  l2tpsec_radius_uv *radius;
  int rv;

  uv_timer_init(&app->loop, &app->auth_closer);
  rv = auth_chain_open(&app->auth, &app->loop, &app->config, &app->log,
                       disconnect_sessions, app);
  if (rv != 0)
    return rv;
  radius = auth_chain_radius(app->auth);
  if (radius == NULL || app->config.radius.acct_port == 0)
    return 0;
  return accounting_open(&app->acct, &app->loop, radius, &app->config,
                         &app->log);
}

static void fill_settings(struct app *app, l2tpsec_server_settings *s,
                          const char *listen[], const char *ranges[]) {
  const struct server_config *c = &app->config;

  l2tpsec_server_settings_default(s);
  for (size_t i = 0; i < c->listen.count; i++)
    listen[i] = c->listen.items[i];
  for (size_t i = 0; i < c->ranges.count; i++)
    ranges[i] = c->ranges.items[i];
  s->listen_addresses = listen;
  s->listen_address_count = c->listen.count;
  s->ike_port = c->ike_port;
  s->natt_port = c->natt_port;
  s->raw_esp = c->raw_esp;
  s->allow_plain_l2tp = c->allow_plain_l2tp;
  s->l2tp_port = c->l2tp_port;
  s->max_plain_peers = c->max_plain_peers;
  s->psk = c->psk;
  s->psk_len = c->psk_len;
  if (c->cert.data != NULL) {
    s->cert = c->cert.data;
    s->cert_len = c->cert.len;
    s->private_key = c->private_key_blob.data;
    s->private_key_len = c->private_key_blob.len;
    s->ca_certs = c->ca_blob.data;
    s->ca_certs_len = c->ca_blob.len;
    parse_ike_id(c->local_id, &s->local_id_type, &s->local_id);
  }
  if (strcmp(c->proposals, "strict") == 0)
    s->ike_preset = L2TPSEC_IKE_PRESET_STRICT;
  else if (strcmp(c->proposals, "legacy") == 0)
    s->ike_preset = L2TPSEC_IKE_PRESET_LEGACY;
  else
    s->ike_preset = L2TPSEC_IKE_PRESET_COMPATIBLE;
  s->pool_ranges = ranges;
  s->pool_range_count = c->ranges.count;
  s->local_address = c->local_address;
  for (size_t i = 0; i < 2; i++) {
    s->dns[i] = i < c->dns.count ? c->dns.items[i] : NULL;
    s->nbns[i] = i < c->nbns.count ? c->nbns.items[i] : NULL;
  }
  s->tun_name = c->tun_name;
  s->tun_mtu = c->tun_mtu;
  s->tun_configure = c->tun_configure;
  memcpy(s->auth_methods, c->auth_methods, sizeof(s->auth_methods));
  s->lcp_echo_interval =
      (l2tpsec_duration)c->lcp_echo_interval * L2TPSEC_SECONDS;
  s->lcp_echo_failure = c->lcp_echo_failure;
  s->dpd_delay = (l2tpsec_duration)c->dpd_delay * L2TPSEC_SECONDS;
  s->dpd_timeout = (l2tpsec_duration)c->dpd_timeout * L2TPSEC_SECONDS;
  config_ike_apply(&c->ike, s);
  s->log = log_sink_for_library(&app->log);
}

static void watch_signal(struct app *app, uv_signal_t *handle, int signum,
                         uv_signal_cb cb) {
  uv_signal_init(&app->loop, handle);
  handle->data = app;
  uv_signal_start(handle, cb, signum);
}

static int run(struct app *app) {
  const char *listen[CONFIG_MAX_LIST], *ranges[CONFIG_MAX_LIST];
  static struct named_pool_settings named;
  const l2tpsec_server_callbacks callbacks = {
      authenticate, cancel_authentication, on_server_event};
  l2tpsec_server_settings settings;
  int rv;

  uv_loop_init(&app->loop);
  /* Signals first: a SIGHUP during start-up must not kill the process. */
  watch_signal(app, &app->sighup, SIGHUP, on_reload);
  watch_signal(app, &app->sigterm, SIGTERM, on_terminate);
  watch_signal(app, &app->sigint, SIGINT, on_terminate);
  uv_timer_init(&app->loop, &app->grace);
  app->grace.data = app;

  fill_settings(app, &settings, listen, ranges);
  config_fill_named_pools(&app->config, &named, &settings);
  rv = open_authentication(app);
  if (rv == 0)
    rv = l2tpsec_server_new(&app->server, &app->loop, &settings, &callbacks,
                            app);
  accounting_set_server(app->acct, app->server);
  if (rv != 0) {
    log_line(&app->log, L2TPSEC_LOG_ERROR, "cannot start: %s",
             l2tpsec_strerror(rv));
    stop(app);
    uv_run(&app->loop, UV_RUN_DEFAULT);
    uv_loop_close(&app->loop);
    return 1;
  }

  app->started = time(NULL);
  if (control_listen(&app->control, &app->loop, app->config.control_socket,
                     &app->log, status_text, app) == 0)
    log_line(&app->log, L2TPSEC_LOG_NOTICE,
             "ready; 'l2tpsec-server --status' reads %s",
             app->config.control_socket);
  uv_run(&app->loop, UV_RUN_DEFAULT);
  uv_loop_close(&app->loop);
  log_line(&app->log, L2TPSEC_LOG_NOTICE, "stopped");
  return 0;
}

static int check_only(struct app *app, int loaded) {
  if (loaded == 1)
    printf("no configuration file at %s: the built-in first-run "
           "configuration would be used\n",
           DEFAULT_CONFIG);
  else
    printf("%s: configuration is valid\n", app->config.path);
  return 0;
}

/*
 * --status needs only the control socket's path: from the option, else
 * from the configuration file's control_socket alone, so a file with
 * errors elsewhere still works.
 */
static int request_status(const struct options *o) {
  const char *path = o->config_path;
  char socket[sizeof(((struct server_config *)0)->control_socket)];
  char err[256];

  if (o->control_socket != NULL)
    return control_request_status(o->control_socket);
  if (path == NULL && access(DEFAULT_CONFIG, F_OK) != 0)
    return control_request_status(DEFAULT_CONTROL);
  if (path == NULL)
    path = DEFAULT_CONFIG;

  if (config_read_control_socket(path, socket, sizeof(socket), err,
                                 sizeof(err)) != 0) {
    fprintf(stderr,
            "l2tpsec-server: --status could not find the control socket in "
            "%s: %s; name it with --control-socket PATH\n",
            path, err);
    return 1;
  }
  return control_request_status(socket);
}

/* The control socket: --control-socket, else the configuration's. */
static const char *control_path(const struct app *app, int loaded) {
  if (app->options.control_socket != NULL)
    return app->options.control_socket;
  return loaded == 1 ? DEFAULT_CONTROL : app->config.control_socket;
}

static int start(struct app *app) {
  int loaded;
  bool use_syslog;

  if (app->options.status)
    return request_status(&app->options);
  loaded = load_config(app);
  if (loaded < 0)
    return 1;
  if (loaded == 0)
    config_warn_permissions(&app->config, stderr);
  if (app->options.check_config)
    return check_only(app, loaded);
  /* Before a first run prints fresh secrets that would never be used. */
  if (control_answers(control_path(app, loaded))) {
    fprintf(stderr,
            "l2tpsec-server: another l2tpsec-server is running: its "
            "control socket %s answers; stop it first, or read its state "
            "with --status\n",
            control_path(app, loaded));
    return 1;
  }

  if (loaded == 1) {
    if (first_run_config(&app->config) != 0) {
      fprintf(stderr, "l2tpsec-server: the random generator failed\n");
      return 1;
    }
    first_run_print(stdout, &app->config, DEFAULT_CONFIG);
  }
  if (app->options.control_socket != NULL)
    snprintf(app->config.control_socket, sizeof(app->config.control_socket),
             "%s", app->options.control_socket);
  use_syslog = app->config.syslog == SYSLOG_ALWAYS ||
               (app->config.syslog == SYSLOG_AUTO && app->options.daemon);
  if (app->options.daemon && daemon(0, 0) != 0) {
    perror("l2tpsec-server: daemon");
    return 1;
  }
  log_sink_open(&app->log, use_syslog, app->config.log_level);
  log_line(&app->log, L2TPSEC_LOG_NOTICE, "starting l2tpsec-server %s",
           l2tpsec_version());
  return run(app);
}

int main(int argc, char **argv) {
  static struct app app;
  int status;

  if (parse_options(argc, argv, &app.options) != 0)
    return 2;
  status = start(&app);
  log_sink_close(&app.log);
  config_wipe(&app.config);
  return status;
}
