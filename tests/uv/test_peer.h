/*
 * A client for the server tests, built from the library's own layers
 * with fixed ESP keys where IKE would negotiate them: ESP in UDP on a
 * socket of its own, an L2TP LAC and a PPP client. The test drives it
 * with test_peer_poll while the server's loop runs.
 */
#ifndef L2TPSEC_TESTS_UV_TEST_PEER_H
#define L2TPSEC_TESTS_UV_TEST_PEER_H

#include <stdbool.h>
#include <sys/socket.h>

#include "l2tpsec/esp.h"
#include "l2tpsec/ike.h"
#include "l2tpsec/l2tp.h"
#include "l2tpsec/ppp.h"
#include "l2tpsec/server.h"

struct test_peer {
  int fd;                          /* UDP, connected to the NAT-T port */
  struct sockaddr_storage address; /* the peer's own outer address */
  l2tpsec_esp_sa *out, *in;
  l2tpsec_l2tp *lac;
  l2tpsec_ppp *ppp;
  l2tpsec_rand_test_state rand_state;
  uint16_t tunnel_id, session_id;
  uint16_t inner_dst_port; /* UDP port its L2TP is sent to: 1701 */
  bool tunnel_up, session_up, ipcp_up, dead;
  uint8_t address4[4]; /* from IPCP */
  const char *password;
  enum l2tpsec_auth_method method; /* the only one offered; 0: defaults */
  l2tpsec_ike *ike;                /* NULL: fixed SAs over UDP encapsulation */
  uint64_t ike_sa_id;              /* the phase-1 SA test_peer_open_ike began */
  int ike_fd, raw_fd;
  l2tpsec_ike_endpoint ike_local, ike_remote;
  bool child_up;
  int echo_replies;       /* ICMP echo replies received through PPP */
  l2tpsec_esp_sa *in_old; /* the inbound SA before the last rekey */
  int child_sas;          /* ESP SA pairs installed, rekeys included */
  /* Optional: receives every IP packet that PPP delivers. */
  void (*on_ip)(struct test_peer *p, const uint8_t *packet, size_t len);
};

/*
 * Fills the SA settings for both directions of one client: `in` and `out`
 * as the server sees them. `index` makes the SPIs and keys unique.
 */
void test_peer_sa_settings(int index, l2tpsec_esp_sa_settings *server_in,
                           l2tpsec_esp_sa_settings *server_out);

/*
 * Binds to `local` (e.g. "127.0.0.1", port) and connects to the server
 * at 127.0.0.1:natt_port, with the reverse of the server's SAs. The
 * tunnel ids come from a test generator seeded with `seed`, so two peers
 * with one seed pick the same ids, as two Windows clients often do.
 */
void test_peer_open(struct test_peer *p, const char *local, uint16_t port,
                    uint16_t natt_port, int index, uint64_t seed,
                    const char *password);

/*
 * Like test_peer_open, but IKE main and quick mode with `psk` negotiate
 * the SAs, from `local`:500 to 127.0.0.1:500. Without a NAT in between,
 * ESP then runs as raw IP protocol 50. L2TP starts once the SAs are up.
 */
void test_peer_open_ike(struct test_peer *p, const char *local, uint64_t seed,
                        const char *psk, const char *password);
/* test_peer_open_ike with an ESP lifetime of esp_lifetime seconds, so
 * that both sides rekey the ESP SA pair while the test runs. */
void test_peer_open_ike_lifetime(struct test_peer *p, const char *local,
                                 uint64_t seed, const char *psk,
                                 const char *password, uint32_t esp_lifetime);

void test_peer_close(struct test_peer *p);

/* Installs the SAs of test_peer_sa_settings(index) as a rekey does: the
 * peer sends on the new pair and still decrypts with the old one. */
void test_peer_switch_sas(struct test_peer *p, int index);

/*
 * Fills server settings that test peers can reach: listening on
 * 127.0.0.1 with NAT-T on natt_port, the PSK "unused until IKE", the
 * pool 192.0.2.10-192.0.2.20 and inner address 192.0.2.1, on TUN
 * device tun_name. Callers add what their test needs.
 */
void test_peer_server_settings(l2tpsec_server_settings *s, uint16_t natt_port,
                               const char *tun_name);

/*
 * Installs the server's side of peer p's fixed SAs (test_peer_sa_settings
 * with index) as a connection from p's address. Returns the connection id.
 */
uint64_t test_peer_add_to_server(struct test_peer *p, l2tpsec_server *server,
                                 int index);

/* Starts L2TP: SCCRQ, then ICRQ and PPP once the tunnel is up. */
void test_peer_connect(struct test_peer *p);

/* Reads what arrived and runs the peer's timers. */
void test_peer_poll(struct test_peer *p);

/* Sends an ICMP echo request to `dst` (network order) through PPP. */
int test_peer_ping(struct test_peer *p, const uint8_t dst[4]);

/* Sends a raw L2TP datagram inside ESP to an inner UDP port. */
void test_peer_send_l2tp(struct test_peer *p, uint16_t dst_port,
                         const uint8_t *data, size_t len);

#endif
