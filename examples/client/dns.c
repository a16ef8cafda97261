/* See dns.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dns.h"

#define RESOLVCONF "/sbin/resolvconf"

/* Writes a "nameserver a.b.c.d" line for each non-zero address. */
static void write_servers(FILE *f, const uint8_t *dns, size_t count) {
  static const uint8_t zero[4];
  char text[INET_ADDRSTRLEN];

  for (size_t i = 0; i < count; i++) {
    if (memcmp(dns + 4 * i, zero, 4) == 0)
      continue;
    inet_ntop(AF_INET, dns + 4 * i, text, sizeof(text));
    fprintf(f, "nameserver %s\n", text);
  }
}

/* Reads the whole file into setup->saved; a missing file saves NULL. */
static int save_file(struct dns_setup *setup) {
  FILE *f = fopen(setup->resolv_conf, "r");
  char *buf = NULL;
  size_t cap = 0;
  FILE *mem;

  if (f == NULL)
    return errno == ENOENT ? 0 : -1;
  mem = open_memstream(&buf, &cap);
  if (mem == NULL) {
    fclose(f);
    return -1;
  }
  for (int c; (c = fgetc(f)) != EOF;)
    fputc(c, mem);
  fclose(f);
  fclose(mem);
  setup->saved = buf;
  setup->saved_len = cap;
  return 0;
}

static int apply_file(struct dns_setup *setup, const uint8_t *dns,
                      size_t count) {
  FILE *f;

  if (save_file(setup) != 0) {
    fprintf(stderr, "l2tpsec-client: cannot read --resolv-conf '%s': %s\n",
            setup->resolv_conf, strerror(errno));
    return -1;
  }
  f = fopen(setup->resolv_conf, "w");
  if (f == NULL) {
    fprintf(stderr, "l2tpsec-client: cannot write --resolv-conf '%s': %s\n",
            setup->resolv_conf, strerror(errno));
    free(setup->saved);
    setup->saved = NULL;
    return -1;
  }
  fprintf(f, "# written by l2tpsec-client; restored at disconnect\n");
  write_servers(f, dns, count);
  fclose(f);
  return 0;
}

static int apply_resolvconf(struct dns_setup *setup, const uint8_t *dns,
                            size_t count, const char *tun_name) {
  char command[96];
  FILE *p;

  if (strspn(tun_name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                       "0123456789_.-") != strlen(tun_name)) {
    fprintf(stderr,
            "l2tpsec-client: TUN name '%s' has characters resolvconf "
            "entries cannot carry; DNS not set\n",
            tun_name);
    return -1;
  }
  if (access(RESOLVCONF, X_OK) != 0) {
    fprintf(stderr,
            "l2tpsec-client: --dns needs %s (Debian package resolvconf "
            "or openresolv); use --resolv-conf PATH instead\n",
            RESOLVCONF);
    return -1;
  }
  snprintf(setup->tun_name, sizeof(setup->tun_name), "%s", tun_name);
  snprintf(command, sizeof(command), RESOLVCONF " -a '%s.l2tpsec'",
           setup->tun_name);
  p = popen(command, "w");
  if (p == NULL)
    return -1;
  write_servers(p, dns, count);
  if (pclose(p) != 0) {
    fprintf(stderr, "l2tpsec-client: '%s' failed\n", command);
    return -1;
  }
  return 0;
}

int dns_apply(struct dns_setup *setup, const uint8_t *dns, size_t count,
              const char *tun_name) {
  int rv = 0;

  if (setup->applied)
    return 0;
  if (setup->resolv_conf != NULL)
    rv = apply_file(setup, dns, count);
  else if (setup->use_resolvconf)
    rv = apply_resolvconf(setup, dns, count, tun_name);
  else
    return 0;
  setup->applied = rv == 0;
  return rv;
}

static void restore_file(struct dns_setup *setup) {
  FILE *f;

  if (setup->saved == NULL) {
    unlink(setup->resolv_conf);
    return;
  }
  f = fopen(setup->resolv_conf, "w");
  if (f == NULL) {
    fprintf(stderr, "l2tpsec-client: cannot restore '%s': %s\n",
            setup->resolv_conf, strerror(errno));
  } else {
    fwrite(setup->saved, 1, setup->saved_len, f);
    fclose(f);
  }
  free(setup->saved);
  setup->saved = NULL;
}

void dns_restore(struct dns_setup *setup) {
  char command[96];

  if (!setup->applied)
    return;
  setup->applied = false;
  if (setup->resolv_conf != NULL) {
    restore_file(setup);
    return;
  }
  snprintf(command, sizeof(command), RESOLVCONF " -d '%s.l2tpsec'",
           setup->tun_name);
  if (system(command) != 0)
    fprintf(stderr, "l2tpsec-client: '%s' failed\n", command);
}
