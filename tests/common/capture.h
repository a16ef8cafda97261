/*
 * Reads the shared capture corpus for known-answer tests: classic pcap in
 * either byte order and pcapng, with Ethernet, BSD loopback (DLT_NULL) or
 * raw IP link types. It yields the IPv4 packets it finds; each test folder
 * filters them for its own protocol.
 */
#ifndef L2TPSEC_TESTS_CAPTURE_H
#define L2TPSEC_TESTS_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct capture_packet {
  uint32_t src, dst; /* IPv4 addresses, host byte order */
  uint8_t proto;     /* IP protocol number */
  bool fragment;     /* a fragment other than the first */
  bool truncated;    /* the IP total length exceeds the captured bytes */
  const uint8_t *l4; /* the bytes after the IP header; points into buf */
  size_t l4_len;     /* captured, clipped to the IP total length */
} capture_packet;

typedef struct capture {
  uint8_t *buf; /* the whole file */
  size_t buf_len;
  capture_packet *pkt;
  size_t n;
  size_t cap;
} capture;

/*
 * Loads the file at path and indexes its IPv4 packets. Returns 0, or -1
 * with a message on stderr when the file cannot be read or is neither
 * pcap nor pcapng. Packets of other link types or protocols are skipped.
 */
int capture_load(capture *c, const char *path);

void capture_free(capture *c);

#endif
