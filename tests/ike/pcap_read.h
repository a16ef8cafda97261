/*
 * Minimal reader for the shared capture corpus: classic pcap (Ethernet,
 * DLT_NULL or raw IP link types) and pcapng enhanced packet blocks. It
 * returns the UDP payloads of IPv4 packets with their addresses, so
 * tests can feed real messages to the IKE codec.
 */
#ifndef L2TPSEC_TESTS_PCAP_READ_H
#define L2TPSEC_TESTS_PCAP_READ_H

#include <stddef.h>
#include <stdint.h>

#include "l2tpsec/ike.h"

#define PCAP_MAX_DATAGRAMS 64

typedef struct pcap_datagram {
  l2tpsec_ike_endpoint src, dst;
  const uint8_t *data; /* points into pcap_file.buf */
  size_t len;          /* captured UDP payload bytes (may be truncated) */
} pcap_datagram;

typedef struct pcap_file {
  uint8_t *buf;
  size_t buf_len;
  size_t n;
  pcap_datagram dg[PCAP_MAX_DATAGRAMS];
} pcap_file;

/*
 * Loads path (relative to the captures folder) and extracts its UDP
 * datagrams. Returns 0, or -1 with a message on stderr when the file is
 * missing or not a capture.
 */
int pcap_load(pcap_file *f, const char *relative_path);
void pcap_free(pcap_file *f);

#endif
