/* Names of the Result and Error Code values (RFC 2661 section 4.4.2),
 * so that log lines need no table to read. */
#include <stddef.h>

#include "l2tp/internal.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const char *name_of(const char *const *names, size_t count,
                           uint16_t value, const char *fallback) {
  return value < count && names[value] != NULL ? names[value] : fallback;
}

const char *l2tpsec__l2tp_stopccn_result_name(uint16_t result) {
  static const char *const names[] = {
      NULL,
      "general request to clear the tunnel",
      "general error, see the error code",
      "control channel already exists",
      "requester is not authorized",
      "protocol version not supported",
      "requester is being shut down",
      "finite state machine error",
  };

  return name_of(names, COUNT(names), result, "unknown result");
}

const char *l2tpsec__l2tp_cdn_result_name(uint16_t result) {
  static const char *const names[] = {
      NULL,
      "lost carrier",
      "error, see the error code",
      "administrative reasons",
      "no appropriate facilities, temporary",
      "no appropriate facilities, permanent",
      "invalid destination",
      "no carrier detected",
      "busy signal",
      "no dial tone",
      "not established in the time the LAC allows",
      "connected, but no framing detected",
  };

  return name_of(names, COUNT(names), result, "unknown result");
}

const char *l2tpsec__l2tp_error_name(uint16_t error) {
  static const char *const names[] = {
      "no error",
      "no control connection yet",
      "wrong length",
      "value out of range or reserved bit set",
      "insufficient resources",
      "invalid session id",
      "vendor-specific error",
      "try another peer",
      "unknown mandatory AVP",
  };

  return name_of(names, COUNT(names), error, "unknown error");
}
