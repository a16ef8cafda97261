/* The in-memory link between two PPP endpoints (see ppp_harness.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "l2tpsec/errors.h"
#include "ppp_harness.h"

static uint32_t net_random(struct harness *h, uint32_t range) {
  uint8_t b[4];

  l2tpsec_rand_bytes(&h->rand_net, b, 4);
  return range == 0 ? 0
                    : ((uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
                       (uint32_t)b[2] << 8 | b[3]) %
                          range;
}

static void enqueue(struct harness *h, int to, const uint8_t *data,
                    size_t len) {
  unsigned span = h->delay_max_ms - h->delay_min_ms + 1;

  for (int i = 0; i < HARNESS_MAX_FRAMES; i++) {
    struct harness_frame *f = &h->frames[i];

    if (f->used)
      continue;
    f->used = true;
    f->to = to;
    f->len = len < HARNESS_FRAME_MAX ? len : HARNESS_FRAME_MAX;
    memcpy(f->data, data, f->len);
    f->at = h->now + (h->delay_min_ms + net_random(h, span)) *
                         L2TPSEC_MILLISECONDS;
    return;
  }
}

/* Information field length: the frame minus FF 03 and protocol. */
static size_t information_len(const uint8_t *p, size_t len) {
  size_t skip = 0;

  if (len >= 2 && p[0] == 0xff && p[1] == 0x03)
    skip = 2;
  skip += len > skip && (p[skip] & 1) ? 1 : 2;
  return len > skip ? len - skip : 0;
}

static void record_sent(struct harness *h, int from, const uint8_t *data,
                        size_t len) {
  int slot = h->sent_count % 64;

  h->sent[slot].from = from;
  h->sent[slot].len = len < HARNESS_FRAME_MAX ? len : HARNESS_FRAME_MAX;
  memcpy(h->sent[slot].data, data, h->sent[slot].len);
  h->sent_count++;
}

const uint8_t *harness_find_sent(struct harness *h, int from,
                                 uint16_t protocol, int code, size_t *len) {
  for (int i = h->sent_count - 1; i >= 0 && i >= h->sent_count - 64; i--) {
    const uint8_t *p = h->sent[i % 64].data;
    size_t n = h->sent[i % 64].len;

    if (h->sent[i % 64].from != from)
      continue;
    if (n >= 2 && p[0] == 0xff && p[1] == 0x03) {
      p += 2;
      n -= 2;
    }
    if (n < 3 || (uint16_t)(p[0] << 8 | p[1]) != protocol)
      continue;
    if (code >= 0 && p[2] != code)
      continue;
    *len = n - 2;
    return p + 2;
  }
  return NULL;
}

static void send_frame(void *user_data, l2tpsec_pkt *frame) {
  struct harness_end *e = user_data;
  struct harness *h = e->h;
  int to = 1 - e->index;
  size_t info = information_len(frame->data, frame->len);

  if (info > e->max_frame_sent)
    e->max_frame_sent = info;
  record_sent(h, e->index, frame->data, frame->len);
  if (h->tap != NULL && h->tap(h, e->index, frame->data, frame->len))
    return;
  if (h->cut || (to == 0 && h->cut_to_server) ||
      (to == 1 && h->cut_to_client))
    return;
  if (net_random(h, 100) < h->loss)
    return;
  enqueue(h, to, frame->data, frame->len);
  if (net_random(h, 100) < h->duplicate)
    enqueue(h, to, frame->data, frame->len);
}

static void deliver_ip(void *user_data, l2tpsec_pkt *packet) {
  struct harness_end *e = user_data;

  e->ip_delivered++;
  e->last_ip_len = packet->len;
  memcpy(e->last_ip, packet->data,
         packet->len < HARNESS_FRAME_MAX ? packet->len : HARNESS_FRAME_MAX);
}

static void on_event(void *user_data, const l2tpsec_ppp_event *ev) {
  struct harness_end *e = user_data;

  switch (ev->type) {
  case L2TPSEC_PPP_EVENT_IPCP_UP:
    e->ipcp_up++;
    memcpy(e->local_address, ev->local_address, 4);
    memcpy(e->peer_address, ev->peer_address, 4);
    memcpy(e->dns, ev->dns, sizeof(e->dns));
    break;
  case L2TPSEC_PPP_EVENT_IPCP_DOWN:
    e->ipcp_down++;
    break;
  case L2TPSEC_PPP_EVENT_IPV6CP_UP:
    e->ipv6cp_up++;
    break;
  case L2TPSEC_PPP_EVENT_AUTH_SUCCESS:
    e->auth_success++;
    break;
  case L2TPSEC_PPP_EVENT_AUTH_FAILURE:
    e->auth_failure++;
    e->last_auth_reason = ev->auth_reason;
    break;
  case L2TPSEC_PPP_EVENT_DEAD:
    e->dead++;
    e->down_reason = ev->down_reason;
    break;
  default:
    break;
  }
}

static void on_auth_request(void *user_data, const l2tpsec_auth_request *req) {
  struct harness_end *e = user_data;
  struct harness *h = e->h;
  l2tpsec_auth_result r;
  int rc;

  h->auth_requests++;
  if (h->auth_mode == AUTH_MODE_DEFER) {
    h->pending = req;
    return;
  }
  if (h->auth_mode == AUTH_MODE_CALLBACK) {
    h->auth_fn(h, req);
    return;
  }
  memset(&r, 0, sizeof(r));
  rc = l2tpsec_auth_check_secret(req, (const uint8_t *)h->secret,
                                 strlen(h->secret), r.auth_response);
  r.accept = rc == 0;
  r.has_auth_response = rc == 0;
  r.reason = rc == 0 ? L2TPSEC_AUTH_REASON_NONE
                     : L2TPSEC_AUTH_REASON_WRONG_PASSWORD;
  l2tpsec_auth_complete(req, &r, req->now);
}

static void on_auth_cancel(void *user_data, const l2tpsec_auth_request *req) {
  struct harness_end *e = user_data;

  e->h->auth_cancels++;
  if (e->h->pending == req)
    e->h->pending = NULL;
}

static int on_address_request(void *user_data,
                              const l2tpsec_ppp_address_request *req,
                              uint8_t address[4]) {
  struct harness_end *e = user_data;

  if (req->attributes != NULL && req->attributes->has_address)
    memcpy(address, req->attributes->address, 4);
  else
    memcpy(address, e->h->pool_address, 4);
  e->h->addresses_held++;
  return 0;
}

static void on_address_release(void *user_data, const uint8_t address[4]) {
  struct harness_end *e = user_data;

  (void)address;
  e->h->addresses_held--;
}

/* With PPP_TEST_LOG set, every log line goes to stderr (debugging). */
static void print_log(void *user_data, enum l2tpsec_log_level level,
                      enum l2tpsec_log_category category, const char *message) {
  struct harness_end *e = user_data;

  fprintf(stderr, "%8.3f %s %s: %s\n", (double)e->h->now / 1e9,
          e->index == 0 ? "server" : "client",
          l2tpsec_log_category_name(category), message);
  (void)level;
}

void harness_settings(struct harness *h, int index, l2tpsec_ppp_settings *s) {
  static const uint8_t local[4] = {198, 51, 100, 1};
  static const uint8_t dns[4] = {198, 51, 100, 53};

  l2tpsec_ppp_settings_default(s, index == 0 ? L2TPSEC_PPP_SERVER
                                             : L2TPSEC_PPP_CLIENT);
  s->rand = l2tpsec_rand_test(&h->rng[index], 1000 + (uint64_t)index);
  s->echo_interval = 0;
  if (getenv("PPP_TEST_LOG") != NULL) {
    h->end[index].h = h;
    h->end[index].index = index;
    s->log.fn = print_log;
    s->log.user_data = &h->end[index];
    s->log.max_level = L2TPSEC_LOG_DEBUG;
  }
  s->peer = index == 0 ? "203.0.113.9:1701" : "198.51.100.1:1701";
  if (index == 0) {
    memcpy(s->local_address, local, 4);
    memcpy(s->dns[0], dns, 4);
  } else {
    s->user = "alice";
    s->password = "clientPass";
  }
}

void harness_start(struct harness *h, uint64_t seed,
                   const l2tpsec_ppp_settings *server,
                   const l2tpsec_ppp_settings *client) {
  static const uint8_t pool[4] = {198, 51, 100, 10};
  l2tpsec_ppp_callbacks cb = {
      .send_frame = send_frame,
      .deliver_ip = deliver_ip,
      .event = on_event,
      .auth_request = on_auth_request,
      .auth_cancel = on_auth_cancel,
      .address_request = on_address_request,
      .address_release = on_address_release,
  };
  l2tpsec_ppp_settings s[2];

  h->rand_net = l2tpsec_rand_test(&h->net_rng, seed);
  if (h->delay_max_ms < h->delay_min_ms)
    h->delay_max_ms = h->delay_min_ms;
  if (h->secret == NULL)
    h->secret = "clientPass";
  memcpy(h->pool_address, pool, 4);
  harness_settings(h, 0, &s[0]);
  harness_settings(h, 1, &s[1]);
  if (server != NULL)
    s[0] = *server;
  if (client != NULL)
    s[1] = *client;
  for (int i = 0; i < 2; i++) {
    h->end[i].h = h;
    h->end[i].index = i;
  }
  /* The client starts first so that its Configure-Request is not lost
   * in a server that does not exist yet. */
  for (int i = 1; i >= 0; i--)
    if ((i == 0 && h->client_only) || (i == 1 && h->server_only))
      h->end[i].ppp = NULL;
    else if (l2tpsec_ppp_new(&h->end[i].ppp, &s[i], &cb, &h->end[i], h->now) != 0)
      h->end[i].ppp = NULL;
}

void harness_stop(struct harness *h) {
  for (int i = 0; i < 2; i++) {
    l2tpsec_ppp_del(h->end[i].ppp);
    h->end[i].ppp = NULL;
  }
}

static l2tpsec_tstamp next_event(struct harness *h, int *frame) {
  l2tpsec_tstamp t = L2TPSEC_TSTAMP_NEVER;

  *frame = -1;
  for (int i = 0; i < HARNESS_MAX_FRAMES; i++) {
    if (h->frames[i].used && h->frames[i].at < t) {
      t = h->frames[i].at;
      *frame = i;
    }
  }
  for (int i = 0; i < 2; i++) {
    l2tpsec_tstamp d = h->end[i].ppp != NULL
                           ? l2tpsec_ppp_next_deadline(h->end[i].ppp)
                           : L2TPSEC_TSTAMP_NEVER;
    if (d < t) {
      t = d;
      *frame = -1;
    }
  }
  return t;
}

int harness_inject(struct harness *h, int to, const uint8_t *frame,
                   size_t len) {
  uint8_t storage[128 + HARNESS_FRAME_MAX];
  l2tpsec_pkt pkt;

  if (h->end[to].ppp == NULL || len > HARNESS_FRAME_MAX)
    return L2TPSEC_ERR_INVALID_ARGUMENT;
  l2tpsec_pkt_init(&pkt, storage, sizeof(storage), 128);
  memcpy(l2tpsec_pkt_put(&pkt, len), frame, len);
  return l2tpsec_ppp_input(h->end[to].ppp, &pkt, h->now);
}

bool harness_run(struct harness *h, l2tpsec_tstamp until,
                 bool (*pred)(struct harness *h)) {
  int frame;

  while (pred == NULL || !pred(h)) {
    l2tpsec_tstamp t = next_event(h, &frame);

    if (t == L2TPSEC_TSTAMP_NEVER || t > until) {
      h->now = until;
      break;
    }
    if (t > h->now)
      h->now = t;
    if (frame >= 0) {
      struct harness_frame *f = &h->frames[frame];

      f->used = false;
      harness_inject(h, f->to, f->data, f->len);
      continue;
    }
    for (int i = 0; i < 2; i++)
      if (h->end[i].ppp != NULL &&
          l2tpsec_ppp_next_deadline(h->end[i].ppp) <= h->now)
        l2tpsec_ppp_handle_timeout(h->end[i].ppp, h->now);
  }
  return pred != NULL && pred(h);
}

bool harness_both_up(struct harness *h) {
  return h->end[0].ipcp_up > 0 && h->end[1].ipcp_up > 0 &&
         h->end[0].ppp != NULL &&
         l2tpsec_ppp_phase(h->end[0].ppp) == L2TPSEC_PPP_PHASE_NETWORK &&
         l2tpsec_ppp_phase(h->end[1].ppp) == L2TPSEC_PPP_PHASE_NETWORK;
}

bool harness_any_dead(struct harness *h) {
  return h->end[0].dead > 0 || h->end[1].dead > 0;
}

int harness_send_ip(struct harness *h, int from, size_t len, uint8_t tag) {
  uint8_t storage[128 + HARNESS_FRAME_MAX];
  l2tpsec_pkt pkt;
  uint8_t *p;

  if (len < 20 || len > HARNESS_FRAME_MAX)
    return L2TPSEC_ERR_INVALID_ARGUMENT;
  l2tpsec_pkt_init(&pkt, storage, sizeof(storage), 128);
  p = l2tpsec_pkt_put(&pkt, len);
  memset(p, tag, len);
  p[0] = 0x45;
  p[2] = (uint8_t)(len >> 8);
  p[3] = (uint8_t)len;
  return l2tpsec_ppp_send_ip(h->end[from].ppp, &pkt, h->now);
}
