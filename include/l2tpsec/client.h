/*
 * The L2TP/IPsec client on a libuv loop: IKEv1 initiator with a
 * pre-shared key, ESP, an L2TP LAC and a PPP client, bound to a TUN
 * device. It needs no kernel ESP, L2TP or PPP support.
 */
#ifndef L2TPSEC_CLIENT_H
#define L2TPSEC_CLIENT_H

#include <stdbool.h>
#include <uv.h>

#include "l2tpsec/common.h"
#include "l2tpsec/ike.h"
#include "l2tpsec/log.h"
#include "l2tpsec/rand.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct l2tpsec_client l2tpsec_client;

/* Fill with l2tpsec_client_settings_default, then set what differs. */
typedef struct l2tpsec_client_settings {
  const char *server;        /* numeric IPv4 address: required */
  const char *local_address; /* numeric address to send from: "0.0.0.0" */
  uint16_t ike_port;         /* 500, on both sides */
  uint16_t natt_port;        /* 4500, on both sides */

  const uint8_t *psk; /* IKE pre-shared key, or NULL with cert; copied */
  size_t psk_len;
  enum l2tpsec_ike_preset ike_preset; /* COMPATIBLE */
  /* strongSwan-style proposals ("aes128-sha1-modp2048", "aes128gcm16")
   * offered in place of the preset for phase 1 and for ESP; NULL keeps
   * the preset. l2tpsec_client_new returns L2TPSEC_ERR_CONFIG for a
   * string the IKE layer cannot parse. */
  const char *ike_proposals;
  const char *esp_proposals;
  /* With a preset: offer every phase-1 combination it accepts (about
   * 2.5 KB) in place of its short list; see offer_all_proposals in
   * l2tpsec/ike.h. false. */
  bool ike_offer_all;
  /*
   * Certificate authentication instead of the PSK, as in
   * l2tpsec_ike_settings: our certificate and key, the CAs that issue
   * the server's certificate, our ID, and remote_id, a name (DNS name,
   * user@domain or IPv4 address) that the server's certificate must
   * list. PEM or DER, copied.
   */
  const uint8_t *cert;
  size_t cert_len;
  const uint8_t *private_key;
  size_t private_key_len;
  const uint8_t *ca_certs;
  size_t ca_certs_len;
  enum l2tpsec_ike_id_type local_id_type;
  const char *local_id;
  const char *remote_id;

  const char *user;     /* PPP user name: required; copied */
  const char *password; /* password, with a TOTP code appended if the
                           server wants one: required; copied, wiped */

  const char *tun_name; /* "" lets the kernel pick "tunN" */
  unsigned tun_mtu;     /* 1400 */
  bool tun_configure;   /* set address, peer and MTU, bring up: true */
  /* Open a TUN device: true. With false the client opens none, and the
   * packets the server sends through the tunnel are dropped; for
   * programs that only need the connection, such as a benchmark that
   * holds many sessions from one process. */
  bool tun_open;

  /*
   * Keepalives that find a server that went away, as the server's
   * settings of the same names. PPP sends an LCP Echo-Request every
   * lcp_echo_interval and goes down after lcp_echo_failure unanswered
   * ones (30 s, 4). IKE DPD probes after dpd_delay of silence and goes
   * down without an ACK within dpd_timeout (30 s, 120 s). Zero turns
   * one off.
   */
  l2tpsec_duration lcp_echo_interval;
  unsigned lcp_echo_failure;
  l2tpsec_duration dpd_delay;
  l2tpsec_duration dpd_timeout;

  l2tpsec_log log;
  l2tpsec_rand rand;
} l2tpsec_client_settings;

enum l2tpsec_client_event_type {
  L2TPSEC_CLIENT_UP,   /* PPP is up: addresses below are valid */
  L2TPSEC_CLIENT_DOWN, /* the connection ended or failed: reason set */
};

typedef struct l2tpsec_client_event {
  enum l2tpsec_client_event_type type;
  uint8_t address[4];      /* ours, network byte order */
  uint8_t peer_address[4]; /* the server's end of the link */
  uint8_t dns[2][4];       /* from IPCP; zero when none */
  const char *tun_name;
  const char *reason; /* DOWN: what ended it, in English */
} l2tpsec_client_event;

typedef struct l2tpsec_client_callbacks {
  /* Reports UP and DOWN. Do not delete the client inside the callback:
   * schedule l2tpsec_client_del for a later loop turn. */
  void (*event)(void *user_data, const l2tpsec_client_event *event);
} l2tpsec_client_callbacks;

/* Fills the defaults listed at the settings fields. */
L2TPSEC_API void
l2tpsec_client_settings_default(l2tpsec_client_settings *settings);

/*
 * Opens the sockets and the TUN device and starts IKE main mode; quick
 * mode, L2TP and PPP follow, and the event callback reports UP or DOWN.
 * Returns L2TPSEC_ERR_INVALID_ARGUMENT for a missing server, user,
 * password, or PSK and cert both missing; L2TPSEC_ERR_CONFIG for an
 * address that is not numeric or a certificate, key or CA that IKE
 * rejects (the log says why);
 * L2TPSEC_ERR_IO when a socket or the TUN device cannot be opened (the
 * log says why); L2TPSEC_ERR_NOMEM.
 */
L2TPSEC_API int l2tpsec_client_new(l2tpsec_client **pclient, uv_loop_t *loop,
                                   const l2tpsec_client_settings *settings,
                                   const l2tpsec_client_callbacks *callbacks,
                                   void *user_data);

/*
 * Closes the sockets and the TUN device, wipes the secrets and frees the
 * client during a later turn of the loop. Accepts NULL. It does not say
 * goodbye: call l2tpsec_client_disconnect first and wait for DOWN.
 */
L2TPSEC_API void l2tpsec_client_del(l2tpsec_client *client);

/*
 * Ends the connection in order: PPP Terminate-Request, and L2TP StopCCN
 * once PPP is down; DOWN follows. Returns L2TPSEC_ERR_STATE when it is
 * not connected.
 */
L2TPSEC_API int l2tpsec_client_disconnect(l2tpsec_client *client);

/*
 * Routes an IPv4 prefix ("a.b.c.d/nn", or one address) through the TUN
 * device; call it after UP. Returns L2TPSEC_ERR_INVALID_ARGUMENT for a
 * malformed prefix, L2TPSEC_ERR_STATE when the client has no TUN device
 * (tun_open false), L2TPSEC_ERR_IO when the kernel refuses (errno set).
 */
L2TPSEC_API int l2tpsec_client_add_route(l2tpsec_client *client,
                                         const char *prefix);

#ifdef __cplusplus
}
#endif

#endif
