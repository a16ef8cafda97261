/* See config_net.h. */
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config_net.h"

static bool is_wildcard(int family, const uint8_t *addr) {
  static const uint8_t zero[16];

  return memcmp(addr, zero, family == AF_INET ? 4 : 16) == 0;
}

static bool interface_matches(const struct ifaddrs *ifa, int family,
                              const uint8_t *addr) {
  const struct sockaddr *sa = ifa->ifa_addr;

  if (sa == NULL || sa->sa_family != family)
    return false;
  if (family == AF_INET)
    return memcmp(&((const struct sockaddr_in *)sa)->sin_addr, addr, 4) == 0;
  return memcmp(&((const struct sockaddr_in6 *)sa)->sin6_addr, addr, 16) == 0;
}

bool config_host_has_address(const char *address) {
  uint8_t addr[16];
  int family = strchr(address, ':') != NULL ? AF_INET6 : AF_INET;
  struct ifaddrs *list;
  bool found = false;

  if (inet_pton(family, address, addr) != 1)
    return false;
  if (is_wildcard(family, addr))
    return true;
  if (getifaddrs(&list) != 0)
    return false;
  for (const struct ifaddrs *ifa = list; ifa != NULL && !found;
       ifa = ifa->ifa_next)
    found = interface_matches(ifa, family, addr);
  freeifaddrs(list);
  return found;
}

/* Parses a numeric IPv4 address into host byte order. */
static bool parse_ipv4(const char *text, uint32_t *out) {
  struct in_addr in;

  if (inet_pton(AF_INET, text, &in) != 1)
    return false;
  *out = ntohl(in.s_addr);
  return true;
}

/* Converts a range in one of the three forms to its first and last. */
static bool range_bounds(const char *range, uint32_t *first, uint32_t *last) {
  char buf[64];
  char *sep;

  if (strlen(range) >= sizeof(buf))
    return false;
  strcpy(buf, range);
  if ((sep = strchr(buf, '-')) != NULL) {
    *sep = '\0';
    return parse_ipv4(buf, first) && parse_ipv4(sep + 1, last);
  }
  if ((sep = strchr(buf, '/')) != NULL) {
    char *end;
    long bits = strtol(sep + 1, &end, 10);
    uint32_t mask;

    *sep = '\0';
    if (*end != '\0' || bits < 0 || bits > 32 || !parse_ipv4(buf, first))
      return false;
    mask = bits == 0 ? 0 : 0xffffffffu << (32 - bits);
    *first &= mask;
    *last = *first | ~mask;
    return true;
  }
  if (!parse_ipv4(buf, first))
    return false;
  *last = *first;
  return true;
}

bool config_range_contains(const char *range, const char *address) {
  uint32_t first, last, addr;

  return range_bounds(range, &first, &last) && parse_ipv4(address, &addr) &&
         addr >= first && addr <= last;
}
