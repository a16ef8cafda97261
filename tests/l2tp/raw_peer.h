/*
 * A hand-driven L2TP peer for one endpoint under test: the test writes
 * each message byte by byte and reads back what the endpoint sent.
 */
#ifndef L2TP_TEST_RAW_PEER_H
#define L2TP_TEST_RAW_PEER_H

#include <stdbool.h>

#include "l2tp/avp.h"
#include "l2tpsec/l2tp.h"

#define RAW_MAX_OUT 512
#define RAW_MAX_EVENTS 64
#define RAW_MAX_LOG 64

struct raw_out {
  uint64_t transport;
  l2tpsec_tstamp at;
  size_t len;
  uint8_t data[1500];
};

struct raw {
  l2tpsec_l2tp *ep;
  l2tpsec_rand_test_state rand_state;
  l2tpsec_tstamp now;
  struct raw_out out[RAW_MAX_OUT];
  int out_count; /* wraps; out_total counts every datagram */
  int out_total;
  l2tpsec_l2tp_event events[RAW_MAX_EVENTS];
  char messages[RAW_MAX_EVENTS][132];
  int event_count;
  char log[RAW_MAX_LOG][200];
  int log_count;
  uint8_t last_frame[1500]; /* last PPP frame delivered */
  size_t last_frame_len;
  /* The established tunnel made by raw_establish. */
  uint16_t tunnel;      /* endpoint's id */
  uint16_t peer_tunnel; /* ours, as the raw peer */
  uint16_t ns, nr;      /* raw peer's next Ns and expected Nr */
  /* Like a server's plain-UDP peer, transport 1 is released when the
   * endpoint frees its last tunnel; sends to it then fail. */
  bool release_transport;
  bool transport_released;
  int freed_count; /* TUNNEL_FREED events, which events[] leaves out */
};

/* Settings for the endpoint: LNS role, test random source, log capture. */
void raw_settings(struct raw *r, l2tpsec_l2tp_settings *s);
void raw_start(struct raw *r, const l2tpsec_l2tp_settings *s);
void raw_stop(struct raw *r);

/* Appends an AVP; returns the bytes written. */
size_t avp(uint8_t *p, bool mandatory, uint16_t attr, const void *value,
           size_t len);
size_t avp16(uint8_t *p, uint16_t attr, uint16_t value);

/* Builds a control message around `avps` and feeds it to the endpoint. */
int raw_send_ctl(struct raw *r, uint64_t transport, uint16_t tunnel,
                 uint16_t session, uint16_t ns, uint16_t nr,
                 const uint8_t *avps, size_t len);

/* SCCRQ with the AVPs of a minimal client, assigned tunnel `peer_tid`. */
size_t sccrq_avps(uint8_t *p, uint16_t peer_tid, const char *host);

/* SCCRQ, SCCRP, SCCCN on transport 1 with peer tunnel 9. */
void raw_establish(struct raw *r);

/* Sends the next in-sequence control message of the established tunnel. */
int raw_send_next(struct raw *r, uint16_t session, const uint8_t *avps,
                  size_t len);

/* Parses the i-th output's AVPs; returns its message type or -1. */
int raw_out_type(struct raw *r, int i, l2tpsec__l2tp_msg *msg);

/* Index of the last output of a message type, or -1. */
int raw_find_out(struct raw *r, uint16_t type, l2tpsec__l2tp_msg *msg);

/* Runs the endpoint's timers up to `until`. */
void raw_advance(struct raw *r, l2tpsec_tstamp until);

bool raw_logged(const struct raw *r, const char *needle);

#endif
