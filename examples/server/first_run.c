/* Built-in first-run configuration and its printed instructions. */
#include <string.h>

#include "base32.h"
#include "first_run.h"
#include "l2tpsec/rand.h"
#include "qr.h"

#define TOTP_KEY_BYTES                                                         \
  20 /* 160 bits, the HMAC-SHA1 block RFC 4226 suggests                        \
      */

/* Letters and digits without the easily confused 0, O, 1, l and I. */
static const char friendly[] =
    "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";

static int random_text(char *out, size_t len) {
  l2tpsec_rand rand = l2tpsec_rand_system();
  uint8_t bytes[64];

  if (len >= sizeof(bytes) || l2tpsec_rand_bytes(&rand, bytes, len) != 0)
    return -1;
  /* 256 % 57 != 0 leaves a bias of under 1/256 per character; fine for
   * a demo secret of 20 characters (over 110 bits). */
  for (size_t i = 0; i < len; i++)
    out[i] = friendly[bytes[i] % (sizeof(friendly) - 1)];
  out[len] = '\0';
  return 0;
}

int first_run_config(struct server_config *c) {
  l2tpsec_rand rand = l2tpsec_rand_system();
  struct config_user *demo = &c->users[0];
  char psk[21];

  config_defaults(c);
  c->listen.count = 1;
  strcpy(c->listen.items[0], "127.0.0.1");
  c->ranges.count = 1;
  strcpy(c->ranges.items[0], "192.0.2.10-192.0.2.250");
  strcpy(c->local_address, "192.0.2.1");

  if (random_text(psk, 20) != 0)
    return -1;
  memcpy(c->psk, psk, 20);
  c->psk_len = 20;
  memset(psk, 0, sizeof(psk));

  c->user_count = 1;
  strcpy(demo->name, "demo");
  if (random_text(demo->password, 12) != 0 ||
      l2tpsec_rand_bytes(&rand, demo->totp_key, TOTP_KEY_BYTES) != 0)
    return -1;
  demo->totp_key_len = TOTP_KEY_BYTES;
  c->require_code = true;
  return 0;
}

/*
 * Prints a client command for this host. Its tunnel traffic is delivered
 * locally, because both ends are on this host, so it points to
 * scripts/demo.sh for a ping that crosses the tunnel.
 */
static void print_client_hint(FILE *out, const struct server_config *c,
                              const char *secret) {
  fprintf(out,
          "\nTo log in from this host (the client binds 127.0.0.2, because "
          "this server\nholds UDP 500 and 4500 on %s):\n\n"
          "  build/examples/client/l2tpsec-client --server %s --local "
          "127.0.0.2 \\\n"
          "      --psk '%.*s' --user %s \\\n"
          "      --otp-command 'oathtool --totp -b %s'\n\n"
          "It asks for the password without the code. On one host, packets "
          "to the\ntunnel addresses stay local: scripts/demo.sh runs a "
          "server and a client in\ntwo network namespaces and pings "
          "through the tunnel.\n",
          c->listen.items[0], c->listen.items[0], (int)c->psk_len,
          (const char *)c->psk, c->users[0].name, secret);
}

void first_run_print(FILE *out, const struct server_config *c,
                     const char *default_path) {
  const struct config_user *demo = &c->users[0];
  char secret[64], uri[256];

  base32_encode(demo->totp_key, demo->totp_key_len, secret, sizeof(secret));
  snprintf(uri, sizeof(uri),
           "otpauth://totp/l2tpsec:%s?secret=%s&issuer=l2tpsec"
           "&algorithm=SHA1&digits=%u&period=30",
           demo->name, secret, c->totp_digits);

  fprintf(out,
          "No configuration file at %s: running the built-in first-run\n"
          "configuration. It listens on %s only and its secrets are new on\n"
          "every start.\n\n"
          "  Server:          %s (L2TP/IPsec with pre-shared key)\n"
          "  Pre-shared key:  %.*s\n"
          "  User:            %s\n"
          "  Password:        %s followed by the current %u-digit code\n"
          "  TOTP secret:     %s (SHA1, %u digits, 30 s)\n"
          "  Tunnel:          server %s, clients get %s\n"
          "  %s\n\n",
          default_path, c->listen.items[0], c->listen.items[0], (int)c->psk_len,
          (const char *)c->psk, demo->name, demo->password, c->totp_digits,
          secret, c->totp_digits, c->local_address, c->ranges.items[0], uri);
  if (qr_print(out, uri) != 0)
    fprintf(out, "(the QR code could not be drawn)\n");
  print_client_hint(out, c, secret);
  fprintf(out,
          "\nTo accept clients from other hosts, copy "
          "examples/server/server.ini to\n%s, set 'listen' in [server] to "
          "this host's public address,\nchoose a PSK, a pool and users, "
          "check the file with\n'l2tpsec-server --check-config' and start "
          "l2tpsec-server again.\n\n",
          default_path);
  fflush(out);
}
