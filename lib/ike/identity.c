/*
 * Phase-1 identities (RFC 2407 section 4.6.2.1). Ours with the
 * pre-shared key is the local address unless settings.psk_id names
 * another address, an FQDN or a user FQDN. A server behind a NAT sends
 * its public address or name there, because peers such as Libreswan
 * compare our ID with the one they expect. The peer's ID is written for
 * log lines.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "core/log_internal.h"
#include "ike/ike_internal.h"
#include "l2tpsec/errors.h"

/* Letters, digits, '-', '.' and '_' as in host names, plus one '@'
 * before the domain of a user FQDN. */
static bool is_name(const char *text, size_t len) {
  size_t at = 0;

  for (size_t i = 0; i < len; i++) {
    char c = text[i];
    bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                 (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_';
    if (c == '@')
      at++;
    else if (!plain)
      return false;
  }
  return at <= 1 && text[0] != '@' && text[len - 1] != '@';
}

/* Fills type, data and len for a psk_id text; false when it is invalid.
 * data has room for IKE_ID_MAX bytes. */
static bool parse_psk_id(const char *text, uint8_t *type, uint8_t *data,
                         size_t *len) {
  size_t n = strlen(text);

  if (inet_pton(AF_INET, text, data) == 1) {
    *type = IPSEC_ID_IPV4_ADDR;
    *len = 4;
  } else if (inet_pton(AF_INET6, text, data) == 1) {
    *type = IPSEC_ID_IPV6_ADDR;
    *len = 16;
  } else if (n > 0 && n < IKE_ID_MAX - 4 && is_name(text, n)) {
    *type = strchr(text, '@') != NULL ? IPSEC_ID_USER_FQDN : IPSEC_ID_FQDN;
    memcpy(data, text, n);
    *len = n;
  } else {
    return false;
  }
  return true;
}

bool l2tpsec_ike_psk_id_valid(const char *text) {
  uint8_t type, data[IKE_ID_MAX];
  size_t len;

  return text != NULL && parse_psk_id(text, &type, data, &len);
}

int l2tpsec__ike_psk_id_configure(l2tpsec_ike *ike, const char *text) {
  if (text == NULL ||
      parse_psk_id(text, &ike->psk_id_type, ike->psk_id, &ike->psk_id_len))
    return 0;
  L2TPSEC_LOG(&ike->settings.log, L2TPSEC_LOG_ERROR, L2TPSEC_LOG_IKE,
              "invalid psk_id \"%.64s\": expected a numeric IPv4 or IPv6 "
              "address, a DNS name or user@domain of 1 to %d characters",
              text, IKE_ID_MAX - 5);
  return L2TPSEC_ERR_CONFIG;
}

/* Phase-1 IDs carry protocol and port 0 (RFC 2407 4.6.2 allows 0/0 or
 * UDP/500). */
size_t l2tpsec__ike_put_id_payload(ike_writer *w, uint8_t type,
                                   const void *data, size_t len) {
  size_t off = l2tpsec__ike_payload_begin(w, ISAKMP_NP_ID);

  ike_put8(w, type);
  ike_put8(w, 0);
  ike_put16(w, 0);
  ike_put_bytes(w, data, len);
  l2tpsec__ike_payload_end(w, off);
  return off;
}

size_t l2tpsec__ike_put_id(ike_writer *w, const l2tpsec_ike_endpoint *ep) {
  bool v6 = ep->family == 6;

  return l2tpsec__ike_put_id_payload(
      w, v6 ? IPSEC_ID_IPV6_ADDR : IPSEC_ID_IPV4_ADDR, ep->addr, v6 ? 16 : 4);
}

size_t l2tpsec__ike_put_psk_id(const l2tpsec_ike *ike, ike_writer *w,
                               const l2tpsec_ike_endpoint *local) {
  if (ike->psk_id_len == 0)
    return l2tpsec__ike_put_id(w, local);
  return l2tpsec__ike_put_id_payload(w, ike->psk_id_type, ike->psk_id,
                                     ike->psk_id_len);
}

/* Offset of the identification data in an ID payload body, after the
 * type, protocol and port. */
#define ID_DATA_OFFSET 4

void l2tpsec__ike_id_text(const isakmp_payload *id, char *out, size_t cap) {
  const uint8_t *data = id->body + ID_DATA_OFFSET;
  size_t len = id->len - ID_DATA_OFFSET;
  size_t n = 0;

  if (id->body[0] == IPSEC_ID_IPV4_ADDR && len == 4) {
    snprintf(out, cap, "address %u.%u.%u.%u", data[0], data[1], data[2],
             data[3]);
    return;
  }
  if (id->body[0] == IPSEC_ID_IPV6_ADDR && len == 16) {
    char text[INET6_ADDRSTRLEN];
    inet_ntop(AF_INET6, data, text, sizeof(text));
    snprintf(out, cap, "address %s", text);
    return;
  }
  if (id->body[0] != IPSEC_ID_FQDN && id->body[0] != IPSEC_ID_USER_FQDN) {
    snprintf(out, cap, "ID type %u of %zu bytes", id->body[0], len);
    return;
  }
  for (size_t i = 0; i < len && n + 1 < cap; i++)
    out[n++] = data[i] >= 0x20 && data[i] < 0x7f ? (char)data[i] : '?';
  out[n] = '\0';
}

void l2tpsec__ike_log_peer_id(l2tpsec_ike *ike, const ike_sa *sa,
                              const isakmp_payload *id) {
  char text[96];

  if (id->len < ID_DATA_OFFSET)
    return;
  l2tpsec__ike_id_text(id, text, sizeof(text));
  L2TPSEC_LOG(&ike->settings.log, L2TPSEC_LOG_INFO, L2TPSEC_LOG_IKE,
              "IKE SA %llu: the peer authenticated as %s",
              (unsigned long long)sa->id, text);
}
