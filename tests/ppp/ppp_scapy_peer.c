/*
 * A PPP server driven line by line over stdin, for the scapy
 * cross-check (scapy_crosscheck.py). Commands:
 *
 *   in HEX        feed one received frame
 *   tick SECONDS  advance the clock and run due timers
 *   ip HEX        send an IP packet through PPP
 *
 * Output lines: "out HEX" for each frame sent, "auth METHOD user=..
 * password=HEX response=HEX challenge=HEX id=N" for each authentication
 * request (accepted when the secret is "clientPass"), "deliver HEX" for
 * each IP packet delivered, "up LOCAL PEER" when IPCP opens, and "." when
 * the command is done. argv[1] picks the method: pap, chap or mschapv2.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hex.h"
#include "l2tpsec/l2tpsec.h"

static l2tpsec_tstamp now;

static void print_hex(const char *tag, const uint8_t *p, size_t len) {
  printf("%s", tag);
  for (size_t i = 0; i < len; i++)
    printf("%02x", p[i]);
}

static void send_frame(void *user_data, l2tpsec_pkt *frame) {
  (void)user_data;
  print_hex("out ", frame->data, frame->len);
  printf("\n");
}

static void deliver_ip(void *user_data, l2tpsec_pkt *packet) {
  (void)user_data;
  print_hex("deliver ", packet->data, packet->len);
  printf("\n");
}

static void on_event(void *user_data, const l2tpsec_ppp_event *ev) {
  const uint8_t *l = ev->local_address, *p = ev->peer_address;

  (void)user_data;
  if (ev->type == L2TPSEC_PPP_EVENT_IPCP_UP)
    printf("up %u.%u.%u.%u %u.%u.%u.%u\n", l[0], l[1], l[2], l[3], p[0], p[1],
           p[2], p[3]);
}

static void on_auth(void *user_data, const l2tpsec_auth_request *req) {
  l2tpsec_auth_result r = {0};
  int rc;

  (void)user_data;
  printf("auth %s user=%s", l2tpsec_auth_method_name(req->method), req->user);
  print_hex(" password=", req->password, req->password_len);
  print_hex(" response=", req->response, req->response_len);
  print_hex(" challenge=", req->challenge, req->challenge_len);
  printf(" id=%u\n", req->chap_id);
  rc = l2tpsec_auth_check_secret(req, (const uint8_t *)"clientPass", 10,
                                 r.auth_response);
  r.accept = rc == 0;
  r.has_auth_response = rc == 0;
  l2tpsec_auth_complete(req, &r, now);
}

static int on_address(void *user_data, const l2tpsec_ppp_address_request *req,
                      uint8_t address[4]) {
  static const uint8_t pool[4] = {198, 51, 100, 10};

  (void)user_data;
  (void)req;
  memcpy(address, pool, 4);
  return 0;
}

static void feed(l2tpsec_ppp *ppp, const char *hex, bool as_ip) {
  uint8_t storage[128 + 2048];
  l2tpsec_pkt pkt;
  long n;
  int rc;

  l2tpsec_pkt_init(&pkt, storage, sizeof(storage), 128);
  n = hex_parse(hex, pkt.data, 2048, 1);
  if (n < 0) {
    printf("error malformed hex frame\n");
    return;
  }
  l2tpsec_pkt_put(&pkt, (size_t)n);
  rc = as_ip ? l2tpsec_ppp_send_ip(ppp, &pkt, now)
             : l2tpsec_ppp_input(ppp, &pkt, now);
  if (rc != 0)
    printf("error %s\n", l2tpsec_strerror(rc));
}

int main(int argc, char **argv) {
  static const uint8_t local[4] = {198, 51, 100, 1};
  static const uint8_t dns[4] = {198, 51, 100, 53};
  l2tpsec_ppp_callbacks cb = {.send_frame = send_frame,
                              .deliver_ip = deliver_ip,
                              .event = on_event,
                              .auth_request = on_auth,
                              .address_request = on_address};
  l2tpsec_rand_test_state rng;
  l2tpsec_ppp_settings s;
  l2tpsec_ppp *ppp;
  char line[8192];
  const char *method = argc > 1 ? argv[1] : "pap";

  setvbuf(stdout, NULL, _IOLBF, 0);
  l2tpsec_ppp_settings_default(&s, L2TPSEC_PPP_SERVER);
  s.rand = l2tpsec_rand_test(&rng, 42);
  s.echo_interval = 0;
  memset(s.methods, 0, sizeof(s.methods));
  s.methods[0] = strcmp(method, "chap") == 0       ? L2TPSEC_AUTH_CHAP_MD5
                 : strcmp(method, "mschapv2") == 0 ? L2TPSEC_AUTH_MSCHAPV2
                                                   : L2TPSEC_AUTH_PAP;
  memcpy(s.local_address, local, 4);
  memcpy(s.dns[0], dns, 4);
  s.hostname = "scapy-server";
  if (l2tpsec_ppp_new(&ppp, &s, &cb, NULL, now) != 0)
    return 1;
  printf(".\n");

  while (fgets(line, sizeof(line), stdin) != NULL) {
    line[strcspn(line, "\n")] = '\0';
    if (strncmp(line, "in ", 3) == 0) {
      feed(ppp, line + 3, false);
    } else if (strncmp(line, "ip ", 3) == 0) {
      feed(ppp, line + 3, true);
    } else if (strncmp(line, "tick ", 5) == 0) {
      now += (l2tpsec_tstamp)atoi(line + 5) * L2TPSEC_SECONDS;
      l2tpsec_ppp_handle_timeout(ppp, now);
    }
    printf(".\n");
  }
  l2tpsec_ppp_del(ppp);
  return 0;
}
