/* L2TP header parsing (RFC 2661 section 3.1). */
#include "l2tp/bytes.h"
#include "l2tp/internal.h"
#include "l2tpsec/errors.h"

/* Section 3.1: control messages set T, L and S and clear O and P. */
static bool control_flags_valid(uint16_t flags) {
  uint16_t required = L2TP_FLAG_L | L2TP_FLAG_S;
  uint16_t forbidden = L2TP_FLAG_O | L2TP_FLAG_P;

  return (flags & required) == required && (flags & forbidden) == 0;
}

/* Reads the optional Length field; fixes the message length. */
static int read_length(const uint8_t *data, size_t len, size_t *pos,
                       l2tpsec__l2tp_header *h) {
  if (!(h->flags & L2TP_FLAG_L)) {
    h->message_len = len;
    return 0;
  }
  if (len < *pos + 2)
    return L2TPSEC_ERR_TRUNCATED;
  h->message_len = l2tp_get16(data + *pos);
  *pos += 2;
  /* A Length past the datagram is a truncated message; bytes after
   * Length (link padding) are ignored. */
  return h->message_len > len ? L2TPSEC_ERR_TRUNCATED : 0;
}

int l2tpsec__l2tp_header_parse(const uint8_t *data, size_t len,
                               l2tpsec__l2tp_header *h) {
  size_t pos = 2;
  int rc;

  if (len < 6)
    return L2TPSEC_ERR_TRUNCATED;
  h->flags = l2tp_get16(data);
  /* Section 3.1: a packet with an unknown Ver is discarded; 1 is L2F
   * and 3 is L2TPv3 (RFC 3931). */
  if ((h->flags & L2TP_VERSION_MASK) != L2TP_VERSION)
    return L2TPSEC_ERR_UNSUPPORTED;
  if ((h->flags & L2TP_FLAG_T) && !control_flags_valid(h->flags))
    return L2TPSEC_ERR_MALFORMED;

  rc = read_length(data, len, &pos, h);
  if (rc != 0)
    return rc;
  if (h->message_len < pos + 4)
    return L2TPSEC_ERR_TRUNCATED;
  h->tunnel_id = l2tp_get16(data + pos);
  h->session_id = l2tp_get16(data + pos + 2);
  pos += 4;

  h->ns = h->nr = 0;
  if (h->flags & L2TP_FLAG_S) {
    if (h->message_len < pos + 4)
      return L2TPSEC_ERR_TRUNCATED;
    h->ns = l2tp_get16(data + pos);
    h->nr = l2tp_get16(data + pos + 2);
    pos += 4;
  }

  if (h->flags & L2TP_FLAG_O) {
    if (h->message_len < pos + 2)
      return L2TPSEC_ERR_TRUNCATED;
    pos += 2 + (size_t)l2tp_get16(data + pos);
    if (pos > h->message_len)
      return L2TPSEC_ERR_MALFORMED;
  }

  h->header_len = pos;
  return 0;
}
