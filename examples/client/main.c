/*
 * l2tpsec-client: connects to an L2TP/IPsec server (IKEv1 with a
 * pre-shared key or certificates) entirely in user space and brings up
 * a TUN device with the address the server assigns. SIGINT or SIGTERM
 * disconnects.
 *
 *   l2tpsec-client --server 198.51.100.1 --psk-file psk --user alice \
 *       --otp-command 'oathtool --totp -b SECRET'
 */
#include <arpa/inet.h>
#include <getopt.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "../ike_id.h"
#include "dns.h"
#include "l2tpsec/client.h"
#include "l2tpsec/errors.h"
#include "l2tpsec/mem.h"

#define SECRET_MAX 256
#define ROUTES_MAX 16

struct options {
  const char *server, *local, *user, *psk_file, *tun;
  char otp_command[1024]; /* "" without --otp-command; may hold a secret */
  const char *ike_proposals, *esp_proposals; /* NULL: the preset */
  bool ike_offer_all; /* the whole preset, not its short list */
  const char *cert_file, *key_file, *ca_file, *id, *remote_id;
  char psk[SECRET_MAX], password[SECRET_MAX];
  const char *routes[ROUTES_MAX];
  size_t route_count;
  unsigned ike_port, natt_port;
  long keepalive; /* seconds; -1: the library's defaults */
  struct dns_setup dns;
  bool verbose;
};

/* Certificate, key and CA files read into memory. */
struct cert_files {
  uint8_t *cert, *key, *ca;
  size_t cert_len, key_len, ca_len;
};

struct app {
  struct options o;
  struct cert_files files;
  uv_loop_t loop;
  uv_signal_t sigint, sigterm;
  uv_timer_t deadline;
  l2tpsec_client *client;
  int status;
  bool stopping;
  bool disconnecting; /* a signal asked for the disconnect */
};

static void usage(FILE *out) {
  fprintf(out,
          "usage: l2tpsec-client --server ADDRESS --user NAME "
          "(--psk KEY | --psk-file FILE | --cert FILE --key FILE --ca FILE)"
          " [options]\n"
          "  --cert FILE           our certificate (PEM or DER) for IKE\n"
          "  --key FILE            its private key, RSA or EC P-256/384/521\n"
          "  --ca FILE             CA certificates that issue the server's\n"
          "  --id ID               our IKE ID: dn (default), address, an\n"
          "                        FQDN or user@domain from the certificate\n"
          "  --remote-id NAME      name the server's certificate must list\n"
          "                        (DNS name, user@domain or IPv4 address)\n"
          "  --password PASSWORD   PPP password (prompted when missing)\n"
          "  --otp-command CMD     run CMD and append its first output line\n"
          "                        to the password (e.g. oathtool --totp)\n"
          "  --local ADDRESS       local IPv4 address to send from\n"
          "  --tun NAME            TUN device name (default: kernel's "
          "choice)\n"
          "  --route PREFIX        route a.b.c.d/nn through the tunnel; "
          "repeatable\n"
          "  --ike-port N, --natt-port N   UDP ports on both sides "
          "(500, 4500)\n"
          "  --ike-proposals LIST  phase-1 proposals offered, e.g. "
          "aes128-sha1-modp2048\n"
          "  --esp-proposals LIST  ESP proposals offered, e.g. aes128gcm16 "
          "or aes128-sha1\n"
          "  --ike-offer-all       offer every phase-1 proposal the preset\n"
          "                        accepts (64, about 2.5 KB, which needs IP\n"
          "                        fragments) instead of 16 strong ones\n"
          "  --keepalive SECONDS   LCP echo and IKE DPD interval; the server\n"
          "                        counts as gone after 3 unanswered probes\n"
          "                        (without it: every 30 s, gone after 4\n"
          "                        echoes or 120 s of DPD; 0 turns both off)\n"
          "  --dns                 hand the assigned DNS servers to "
          "resolvconf(8)\n"
          "  --resolv-conf PATH    write the assigned DNS servers to PATH and\n"
          "                        put its old content back at disconnect\n"
          "  -v, --verbose         log every layer's debug messages\n"
          "exit status: 0 after a disconnect by SIGINT or SIGTERM, 1 when "
          "the\nconnection failed or was lost, 2 for invalid options\n");
}

static void log_stderr(void *user_data, enum l2tpsec_log_level level,
                       enum l2tpsec_log_category category,
                       const char *message) {
  fprintf(stderr, "%s %s: %s\n", l2tpsec_log_level_name(level),
          l2tpsec_log_category_name(category), message);
}

/* Reads a line from the terminal without echo, as passwords are typed. */
static int prompt_secret(const char *prompt, char *out, size_t cap) {
  struct termios saved, quiet;
  bool tty = tcgetattr(STDIN_FILENO, &saved) == 0;

  fputs(prompt, stderr);
  if (tty) {
    quiet = saved;
    quiet.c_lflag &= ~(tcflag_t)ECHO;
    tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
  }
  if (fgets(out, (int)cap, stdin) == NULL)
    out[0] = '\0';
  if (tty) {
    tcsetattr(STDIN_FILENO, TCSANOW, &saved);
    fputc('\n', stderr);
  }
  out[strcspn(out, "\r\n")] = '\0';
  return out[0] != '\0' ? 0 : -1;
}

/* The password from the terminal, or the first line of a pipe. */
static int read_password(struct options *o) {
  if (prompt_secret("Password: ", o->password, sizeof(o->password)) == 0)
    return 0;
  fprintf(stderr,
          "l2tpsec-client: the PPP password is needed: give --password "
          "PASSWORD, type it at the prompt, or pipe it as the first line "
          "of standard input%s\n",
          isatty(STDIN_FILENO) ? ""
                               : " (standard input is not a terminal "
                                 "and gave no line)");
  return -1;
}

static int read_first_line(FILE *f, char *out, size_t cap) {
  if (f == NULL || fgets(out, (int)cap, f) == NULL)
    return -1;
  out[strcspn(out, "\r\n")] = '\0';
  return 0;
}

/* Appends the one-time code, from --otp-command or a prompt. */
static int append_code(struct options *o) {
  char code[64] = "";
  size_t len = strlen(o->password);

  if (o->otp_command[0] != '\0') {
    FILE *p = popen(o->otp_command, "r");
    int rv = read_first_line(p, code, sizeof(code));

    if (p != NULL && pclose(p) != 0)
      rv = -1;
    if (rv != 0) {
      fprintf(stderr,
              "l2tpsec-client: --otp-command failed or printed nothing; "
              "run the command by hand to see why\n");
      return -1;
    }
  } else if (isatty(STDIN_FILENO)) {
    prompt_secret("One-time code (empty for none): ", code, sizeof(code));
  }
  if (len + strlen(code) >= sizeof(o->password)) {
    fprintf(stderr, "l2tpsec-client: password and code are too long\n");
    return -1;
  }
  strcat(o->password, code);
  l2tpsec_wipe(code, sizeof(code));
  return 0;
}

static int load_psk(struct options *o) {
  FILE *f;
  int rv;

  if (o->psk[0] != '\0')
    return 0;
  if (o->psk_file == NULL) {
    fprintf(stderr, "l2tpsec-client: missing --psk or --psk-file\n");
    return -1;
  }
  f = fopen(o->psk_file, "r");
  rv = read_first_line(f, o->psk, sizeof(o->psk));
  if (f != NULL)
    fclose(f);
  if (rv != 0 || o->psk[0] == '\0')
    fprintf(stderr,
            "l2tpsec-client: cannot read a key from --psk-file "
            "'%s'\n",
            o->psk_file);
  return rv != 0 || o->psk[0] == '\0' ? -1 : 0;
}

/*
 * Copies a secret option into `out` of `cap` bytes, then blanks it in
 * argv: other local users can read /proc/PID/cmdline for as long as the
 * client runs. A short window at start remains, so --psk-file and the
 * password prompt are the safer ways.
 */
static int copy_secret(const char *option, char *out, size_t cap,
                       char *value) {
  size_t len = strlen(value);

  if (len >= cap) {
    fprintf(stderr, "l2tpsec-client: %s is too long: at most %zu bytes\n",
            option, cap - 1);
    return -1;
  }
  memcpy(out, value, len + 1);
  l2tpsec_wipe(value, len);
  return 0;
}

/* Reads a whole file of at most 1 MiB; prints what failed. */
static int read_file(const char *option, const char *path, uint8_t **data,
                     size_t *len) {
  FILE *f = fopen(path, "rb");
  long size = -1;

  if (f != NULL && fseek(f, 0, SEEK_END) == 0)
    size = ftell(f);
  if (f != NULL && size > 0 && size <= 1024 * 1024 &&
      fseek(f, 0, SEEK_SET) == 0) {
    *data = malloc((size_t)size);
    if (*data != NULL && fread(*data, 1, (size_t)size, f) == (size_t)size)
      *len = (size_t)size;
  }
  if (f != NULL)
    fclose(f);
  if (*len > 0)
    return 0;
  fprintf(stderr,
          "l2tpsec-client: cannot read %s '%s': missing, empty or over "
          "1 MiB; give a PEM or DER file\n",
          option, path);
  return -1;
}

/* With --cert, reads the three certificate files; --key and --ca are
 * then required. */
static int load_cert_files(const struct options *o, struct cert_files *f) {
  if (o->cert_file == NULL)
    return 0;
  if (o->key_file == NULL || o->ca_file == NULL) {
    fprintf(stderr, "l2tpsec-client: --cert needs --key (its private key) "
                    "and --ca (the CAs that issue the server's "
                    "certificate)\n");
    return -1;
  }
  if (read_file("--cert", o->cert_file, &f->cert, &f->cert_len) != 0 ||
      read_file("--key", o->key_file, &f->key, &f->key_len) != 0 ||
      read_file("--ca", o->ca_file, &f->ca, &f->ca_len) != 0)
    return -1;
  return 0;
}

static void free_cert_files(struct cert_files *f) {
  if (f->key != NULL)
    l2tpsec_wipe(f->key, f->key_len);
  free(f->cert);
  free(f->key);
  free(f->ca);
}

static int parse_keepalive(const char *text, long *out) {
  char *end;
  long v = strtol(text, &end, 10);

  if (*text == '\0' || *end != '\0' || v < 0 || v > 3600) {
    fprintf(stderr,
            "l2tpsec-client: invalid --keepalive '%s': expected 0 to 3600 "
            "seconds\n",
            text);
    return -1;
  }
  *out = v;
  return 0;
}

/* Checks a --route value, a.b.c.d/nn, before connecting, so a typo
 * fails at once instead of after the tunnel is up. */
static int check_route(const char *text) {
  char address[INET_ADDRSTRLEN] = "";
  const char *slash = strchr(text, '/');
  size_t len = slash != NULL ? (size_t)(slash - text) : strlen(text);
  struct in_addr net;
  char *end = NULL;
  long bits = 32;

  if (len < sizeof(address))
    memcpy(address, text, len);
  if (slash != NULL)
    bits = strtol(slash + 1, &end, 10);
  if (inet_pton(AF_INET, address, &net) == 1 && bits >= 0 && bits <= 32 &&
      (slash == NULL || (slash[1] != '\0' && *end == '\0')))
    return 0;
  fprintf(stderr,
          "l2tpsec-client: invalid --route '%s': expected an IPv4 prefix "
          "a.b.c.d/nn with nn from 0 to 32, e.g. 198.51.100.0/24\n",
          text);
  return -1;
}

static int check_tun_name(const char *name) {
  if (strlen(name) < IFNAMSIZ)
    return 0;
  fprintf(stderr,
          "l2tpsec-client: --tun name '%s' is too long: at most %d "
          "characters\n",
          name, IFNAMSIZ - 1);
  return -1;
}

/* Parses a UDP port number for option; prints what failed. */
static int parse_port(const char *option, const char *text, unsigned *out) {
  char *end;
  long v = strtol(text, &end, 10);

  if (*text == '\0' || *end != '\0' || v < 1 || v > 65535) {
    fprintf(stderr,
            "l2tpsec-client: invalid %s '%s': expected a port from 1 to "
            "65535\n",
            option, text);
    return -1;
  }
  *out = (unsigned)v;
  return 0;
}

static int check_required(const struct options *o) {
  const char *missing = o->server == NULL ? "--server ADDRESS"
                        : o->user == NULL ? "--user NAME"
                                          : NULL;

  if (missing == NULL)
    return 0;
  usage(stderr);
  fprintf(stderr, "l2tpsec-client: missing %s\n", missing);
  return -1;
}

static int parse_options(int argc, char **argv, struct options *o) {
  static const struct option longs[] = {
      {"server", required_argument, NULL, 's'},
      {"local", required_argument, NULL, 'l'},
      {"user", required_argument, NULL, 'u'},
      {"password", required_argument, NULL, 'p'},
      {"psk", required_argument, NULL, 'k'},
      {"psk-file", required_argument, NULL, 'K'},
      {"otp-command", required_argument, NULL, 'o'},
      {"cert", required_argument, NULL, 'c'},
      {"key", required_argument, NULL, 'y'},
      {"ca", required_argument, NULL, 'a'},
      {"id", required_argument, NULL, 'i'},
      {"remote-id", required_argument, NULL, 'R'},
      {"tun", required_argument, NULL, 't'},
      {"route", required_argument, NULL, 'r'},
      {"ike-port", required_argument, NULL, 'I'},
      {"natt-port", required_argument, NULL, 'N'},
      {"ike-proposals", required_argument, NULL, 'P'},
      {"esp-proposals", required_argument, NULL, 'E'},
      {"ike-offer-all", no_argument, NULL, 'F'},
      {"keepalive", required_argument, NULL, 'A'},
      {"dns", no_argument, NULL, 'D'},
      {"resolv-conf", required_argument, NULL, 'W'},
      {"verbose", no_argument, NULL, 'v'},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0}};
  int opt;

  o->local = "0.0.0.0";
  o->tun = "";
  o->ike_port = 500;
  o->natt_port = 4500;
  o->id = "dn";
  o->keepalive = -1;
  while ((opt = getopt_long(argc, argv, "vh", longs, NULL)) != -1) {
    switch (opt) {
    case 's':
      o->server = optarg;
      break;
    case 'l':
      o->local = optarg;
      break;
    case 'u':
      o->user = optarg;
      break;
    case 'p':
      if (copy_secret("--password", o->password, sizeof(o->password),
                      optarg) != 0)
        return -1;
      break;
    case 'k':
      if (copy_secret("--psk", o->psk, sizeof(o->psk), optarg) != 0)
        return -1;
      break;
    case 'K':
      o->psk_file = optarg;
      break;
    case 'o':
      if (copy_secret("--otp-command", o->otp_command,
                      sizeof(o->otp_command), optarg) != 0)
        return -1;
      break;
    case 'c':
      o->cert_file = optarg;
      break;
    case 'y':
      o->key_file = optarg;
      break;
    case 'a':
      o->ca_file = optarg;
      break;
    case 'i':
      o->id = optarg;
      break;
    case 'R':
      o->remote_id = optarg;
      break;
    case 't':
      if (check_tun_name(optarg) != 0)
        return -1;
      o->tun = optarg;
      break;
    case 'r':
      if (o->route_count == ROUTES_MAX) {
        fprintf(stderr, "l2tpsec-client: at most %d --route options\n",
                ROUTES_MAX);
        return -1;
      }
      if (check_route(optarg) != 0)
        return -1;
      o->routes[o->route_count++] = optarg;
      break;
    case 'I':
      if (parse_port("--ike-port", optarg, &o->ike_port) != 0)
        return -1;
      break;
    case 'N':
      if (parse_port("--natt-port", optarg, &o->natt_port) != 0)
        return -1;
      break;
    case 'P':
      o->ike_proposals = optarg;
      break;
    case 'E':
      o->esp_proposals = optarg;
      break;
    case 'F':
      o->ike_offer_all = true;
      break;
    case 'A':
      if (parse_keepalive(optarg, &o->keepalive) != 0)
        return -1;
      break;
    case 'D':
      o->dns.use_resolvconf = true;
      break;
    case 'W':
      o->dns.resolv_conf = optarg;
      break;
    case 'v':
      o->verbose = true;
      break;
    case 'h':
      usage(stdout);
      exit(0);
    default:
      usage(stderr);
      return -1;
    }
  }
  return check_required(o);
}

static void stop(struct app *app) {
  if (app->stopping)
    return;
  app->stopping = true;
  uv_close((uv_handle_t *)&app->sigint, NULL);
  uv_close((uv_handle_t *)&app->sigterm, NULL);
  uv_close((uv_handle_t *)&app->deadline, NULL);
  dns_restore(&app->o.dns);
  l2tpsec_client_del(app->client);
  app->client = NULL;
}

static void add_routes(struct app *app, const char *tun) {
  for (size_t i = 0; i < app->o.route_count; i++) {
    if (l2tpsec_client_add_route(app->client, app->o.routes[i]) != 0)
      fprintf(stderr, "l2tpsec-client: cannot add route %s via %s\n",
              app->o.routes[i], tun);
  }
}

/* Stops after DOWN, or 5 s after a disconnect request without DOWN. */
static void on_deadline(uv_timer_t *timer) {
  stop(timer->data);
}

static void on_event(void *user_data, const l2tpsec_client_event *ev) {
  struct app *app = user_data;
  char addr[INET_ADDRSTRLEN], peer[INET_ADDRSTRLEN], dns[INET_ADDRSTRLEN];

  if (ev->type == L2TPSEC_CLIENT_DOWN) {
    fprintf(stderr, "l2tpsec-client: disconnected: %s\n", ev->reason);
    app->status = app->disconnecting ? 0 : 1;
    /* The client may not be deleted inside its own callback. */
    uv_timer_start(&app->deadline, on_deadline, 0, 0);
    return;
  }
  inet_ntop(AF_INET, ev->address, addr, sizeof(addr));
  inet_ntop(AF_INET, ev->peer_address, peer, sizeof(peer));
  if (memcmp(ev->dns[0], "\0\0\0\0", 4) == 0)
    strcpy(dns, "none assigned");
  else
    inet_ntop(AF_INET, ev->dns[0], dns, sizeof(dns));
  printf("connected: address %s, server %s, DNS %s, TUN %s\n", addr, peer, dns,
         ev->tun_name);
  fflush(stdout);
  add_routes(app, ev->tun_name);
  if (dns_apply(&app->o.dns, &ev->dns[0][0], 2, ev->tun_name) != 0)
    fprintf(stderr, "l2tpsec-client: the tunnel is up, but DNS is not set\n");
}

static void on_signal(uv_signal_t *handle, int signum) {
  struct app *app = handle->data;

  app->disconnecting = true;
  if (app->client == NULL || l2tpsec_client_disconnect(app->client) != 0) {
    stop(app);
    return;
  }
  fprintf(stderr, "l2tpsec-client: disconnecting\n");
  uv_timer_start(&app->deadline, on_deadline, 5000, 0);
}

/* Three unanswered LCP echoes or DPD probes end the connection. */
static void set_keepalive(l2tpsec_client_settings *s, long seconds) {
  if (seconds < 0)
    return;
  s->lcp_echo_interval = (l2tpsec_duration)seconds * L2TPSEC_SECONDS;
  s->lcp_echo_failure = 3;
  s->dpd_delay = s->lcp_echo_interval;
  s->dpd_timeout = 3 * s->lcp_echo_interval;
}

static int run(struct app *app) {
  const l2tpsec_client_callbacks cb = {on_event};
  l2tpsec_client_settings s;
  int rv;

  uv_loop_init(&app->loop);
  uv_signal_init(&app->loop, &app->sigint);
  uv_signal_init(&app->loop, &app->sigterm);
  uv_timer_init(&app->loop, &app->deadline);
  app->sigint.data = app->sigterm.data = app->deadline.data = app;
  uv_signal_start(&app->sigint, on_signal, SIGINT);
  uv_signal_start(&app->sigterm, on_signal, SIGTERM);

  l2tpsec_client_settings_default(&s);
  s.server = app->o.server;
  s.local_address = app->o.local;
  s.ike_port = (uint16_t)app->o.ike_port;
  s.natt_port = (uint16_t)app->o.natt_port;
  s.psk = (const uint8_t *)app->o.psk;
  s.psk_len = strlen(app->o.psk);
  if (app->files.cert != NULL) {
    s.psk = NULL;
    s.psk_len = 0;
    s.cert = app->files.cert;
    s.cert_len = app->files.cert_len;
    s.private_key = app->files.key;
    s.private_key_len = app->files.key_len;
    s.ca_certs = app->files.ca;
    s.ca_certs_len = app->files.ca_len;
    parse_ike_id(app->o.id, &s.local_id_type, &s.local_id);
    s.remote_id = app->o.remote_id;
  }
  s.user = app->o.user;
  s.password = app->o.password;
  s.tun_name = app->o.tun;
  s.ike_proposals = app->o.ike_proposals;
  s.ike_offer_all = app->o.ike_offer_all;
  s.esp_proposals = app->o.esp_proposals;
  set_keepalive(&s, app->o.keepalive);
  s.log =
      (l2tpsec_log){log_stderr, NULL,
                    app->o.verbose ? L2TPSEC_LOG_DEBUG : L2TPSEC_LOG_NOTICE};
  rv = l2tpsec_client_new(&app->client, &app->loop, &s, &cb, app);
  if (rv != 0) {
    fprintf(stderr, "l2tpsec-client: cannot start: %s\n", l2tpsec_strerror(rv));
    app->status = 1;
    stop(app);
  }
  uv_run(&app->loop, UV_RUN_DEFAULT);
  uv_loop_close(&app->loop);
  return app->status;
}

int main(int argc, char **argv) {
  static struct app app;
  int status;

  if (parse_options(argc, argv, &app.o) != 0)
    return 2;
  if (app.o.cert_file != NULL ? load_cert_files(&app.o, &app.files) != 0
                              : load_psk(&app.o) != 0)
    return 2;
  if (app.o.password[0] == '\0' && read_password(&app.o) != 0)
    return 2;
  if (append_code(&app.o) != 0)
    return 2;
  status = run(&app);
  free_cert_files(&app.files);
  l2tpsec_wipe(&app.o, sizeof(app.o));
  return status;
}
