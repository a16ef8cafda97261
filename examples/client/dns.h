/*
 * Opt-in DNS set-up of the example client: the servers IPCP assigned go
 * either into a resolv.conf file given by path, whose earlier content
 * comes back at disconnect, or to resolvconf(8) for the TUN interface.
 */
#ifndef L2TPSEC_EXAMPLE_CLIENT_DNS_H
#define L2TPSEC_EXAMPLE_CLIENT_DNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct dns_setup {
  const char *resolv_conf; /* --resolv-conf PATH, or NULL */
  bool use_resolvconf;     /* --dns: hand the servers to resolvconf(8) */

  /* State while applied. */
  bool applied;
  char *saved; /* earlier content of resolv_conf; NULL: no file */
  size_t saved_len;
  char tun_name[32]; /* interface name of the resolvconf entry */
};

/*
 * Installs the non-zero ones of `count` IPv4 addresses at `dns` (4 bytes
 * each, network byte order). Returns 0, or -1 after printing why to
 * stderr. With neither option set it does nothing and returns 0.
 */
int dns_apply(struct dns_setup *setup, const uint8_t *dns, size_t count,
              const char *tun_name);

/* Puts the earlier resolv.conf back, or removes the resolvconf entry. */
void dns_restore(struct dns_setup *setup);

#endif
