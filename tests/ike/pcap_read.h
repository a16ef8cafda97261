/*
 * The UDP datagrams of a shared capture with their addresses, so tests
 * can feed real messages to the IKE codec. tests/common/capture.c reads
 * the file formats.
 */
#ifndef L2TPSEC_TESTS_PCAP_READ_H
#define L2TPSEC_TESTS_PCAP_READ_H

#include <stddef.h>
#include <stdint.h>

#include "capture.h"
#include "l2tpsec/ike.h"

#define PCAP_MAX_DATAGRAMS 64

typedef struct pcap_datagram {
  l2tpsec_ike_endpoint src, dst;
  const uint8_t *data; /* points into pcap_file.capture */
  size_t len;          /* captured UDP payload bytes (may be truncated) */
} pcap_datagram;

typedef struct pcap_file {
  capture capture;
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
