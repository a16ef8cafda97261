/*
 * A per-source limit on new plain-L2TP tunnels. The SCCRP sent in reply to
 * an SCCRQ is larger than the request and is resent until acknowledged,
 * so without a limit anyone who can forge a source address could use the
 * server to flood that address. Only datagrams that ask for a new tunnel
 * (control messages to tunnel id 0, RFC 2661 section 3.1) count.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "core/log_internal.h"
#include "uv/server_internal.h"

/* New tunnels one source address may request per window. */
#define PLAIN_TUNNELS_BURST 5
#define PLAIN_TUNNELS_WINDOW (10 * L2TPSEC_SECONDS)

/* Sources tracked at once. A hash collision replaces the older source,
 * which then starts with a fresh allowance. */
#define PLAIN_SOURCES 256

struct l2tpsec__plain_source {
  bool used;
  uint8_t address[16]; /* IPv4 in the first 4 bytes */
  l2tpsec__ratelimit limit;
};

/* A control message (T bit set) whose Tunnel ID field is 0. */
static bool asks_for_tunnel(const uint8_t *data, size_t len) {
  size_t offset;

  if (len < 6 || (data[0] & 0x80) == 0)
    return false;
  offset = (data[0] & 0x40) ? 4 : 2; /* the L bit adds a Length field */
  if (len < offset + 2)
    return false;
  return data[offset] == 0 && data[offset + 1] == 0;
}

static void address_of(const struct sockaddr *peer, uint8_t address[16]) {
  memset(address, 0, 16);
  if (peer->sa_family == AF_INET)
    memcpy(address, &((const struct sockaddr_in *)peer)->sin_addr, 4);
  else
    memcpy(address, &((const struct sockaddr_in6 *)peer)->sin6_addr, 16);
}

/* FNV-1a over the address bytes. */
static size_t slot_of(const uint8_t address[16]) {
  uint32_t h = 2166136261u;

  for (size_t i = 0; i < 16; i++)
    h = (h ^ address[i]) * 16777619u;
  return h % PLAIN_SOURCES;
}

static struct l2tpsec__plain_source *source_for(l2tpsec_server *server,
                                                const uint8_t address[16]) {
  struct l2tpsec__plain_source *s;

  if (server->plain_sources == NULL) {
    server->plain_sources = calloc(PLAIN_SOURCES, sizeof(*s));
    if (server->plain_sources == NULL)
      return NULL;
  }
  s = &server->plain_sources[slot_of(address)];
  if (!s->used || memcmp(s->address, address, 16) != 0) {
    s->used = true;
    memcpy(s->address, address, 16);
    l2tpsec__ratelimit_init(&s->limit, PLAIN_TUNNELS_WINDOW,
                            PLAIN_TUNNELS_BURST);
  }
  return s;
}

bool l2tpsec__server_plain_allowed(l2tpsec_server *server,
                                   const struct sockaddr *peer,
                                   const uint8_t *data, size_t len) {
  uint8_t address[16];
  struct l2tpsec__plain_source *s;
  l2tpsec_tstamp now = l2tpsec__now();
  char text[64];

  if (!asks_for_tunnel(data, len))
    return true;
  address_of(peer, address);
  s = source_for(server, address);
  if (s != NULL && l2tpsec__ratelimit_allow(&s->limit, now, NULL))
    return true;

  server->stats.dropped_plain_tunnel_rate++;
  l2tpsec__log_limited(
      &server->log, &server->plain_log, now, L2TPSEC_LOG_WARNING,
      L2TPSEC_LOG_L2TP,
      "dropped a plain L2TP tunnel request from %s: more than %d new "
      "tunnels in %d s from one address, which may be a forged source "
      "(the replies are larger than the requests)",
      l2tpsec__sockaddr_text(peer, text, sizeof(text)), PLAIN_TUNNELS_BURST,
      (int)(PLAIN_TUNNELS_WINDOW / L2TPSEC_SECONDS));
  return false;
}

void l2tpsec__server_plain_limit_free(l2tpsec_server *server) {
  free(server->plain_sources);
  server->plain_sources = NULL;
}
