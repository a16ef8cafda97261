/*
 * Takes ESP packets (IP protocol 50, or UDP port 4500 as RFC 3948 carries
 * them) out of the shared captures, read by tests/common/capture.c.
 */
#ifndef PCAP_READER_H
#define PCAP_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct esp_frame {
  uint8_t data[2048]; /* the ESP packet, or the UDP/4500 payload */
  size_t len;
  bool udp;       /* carried in UDP/4500 */
  bool truncated; /* a length field claims more than was captured */
  uint32_t src;   /* outer IPv4 source, host order */
  uint32_t dst;
};

/*
 * Reads up to cap frames from path into frames and returns how many, or
 * -1 when the file cannot be read or is not a capture. Packets that
 * carry neither ESP nor UDP/4500 are skipped.
 */
long pcap_read_esp(const char *path, struct esp_frame *frames, size_t cap);

#endif
