/*
 * ESP (RFC 4303): security associations that encrypt and decrypt packets
 * in place, anti-replay, SA lifetimes, an SA table, and the UDP
 * encapsulation of RFC 3948. Nothing here does I/O: the caller feeds
 * packets and the current time, and reads the results from the packet
 * buffer and the event callback.
 */
#ifndef L2TPSEC_ESP_H
#define L2TPSEC_ESP_H

#include <stdbool.h>

#include "l2tpsec/common.h"
#include "l2tpsec/log.h"
#include "l2tpsec/packet.h"
#include "l2tpsec/rand.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct l2tpsec_esp_sa l2tpsec_esp_sa;
typedef struct l2tpsec_esp_table l2tpsec_esp_table;

enum l2tpsec_esp_direction {
  L2TPSEC_ESP_INBOUND,
  L2TPSEC_ESP_OUTBOUND,
};

enum l2tpsec_esp_mode {
  /* The payload is an upper-layer datagram (UDP/1701 for L2TP). */
  L2TPSEC_ESP_TRANSPORT,
  /* The payload is a whole inner IP packet. */
  L2TPSEC_ESP_TUNNEL,
};

/* Family of the outer IP header. */
enum l2tpsec_esp_family {
  L2TPSEC_ESP_IPV4,
  L2TPSEC_ESP_IPV6,
};

/*
 * Encryption transforms, numbered as the IANA "IPsec ESP transform
 * identifiers" that IKEv1 negotiates (RFC 2407 section 4.4.4, RFC 4106).
 */
enum l2tpsec_esp_encr {
  L2TPSEC_ESP_ENCR_3DES_CBC = 3,   /* legacy; needs allow_legacy */
  L2TPSEC_ESP_ENCR_NULL = 11,      /* testing; needs allow_legacy */
  L2TPSEC_ESP_ENCR_AES_CBC = 12,   /* key 16, 24 or 32 bytes */
  L2TPSEC_ESP_ENCR_AES_GCM_8 = 18, /* key 16, 24 or 32 bytes + 4 salt */
  L2TPSEC_ESP_ENCR_AES_GCM_12 = 19,
  L2TPSEC_ESP_ENCR_AES_GCM_16 = 20,
};

/*
 * Integrity transforms, numbered as the IKEv1 "Authentication Algorithm"
 * attribute (RFC 2407 section 4.5, RFC 4868). The ICV lengths are those
 * of RFC 2403, 2404 and 4868.
 */
enum l2tpsec_esp_integ {
  L2TPSEC_ESP_INTEG_NONE = 0,            /* AES-GCM, or legacy SAs */
  L2TPSEC_ESP_INTEG_HMAC_MD5_96 = 1,     /* key 16 */
  L2TPSEC_ESP_INTEG_HMAC_SHA1_96 = 2,    /* key 20 */
  L2TPSEC_ESP_INTEG_HMAC_SHA256_128 = 5, /* key 32 */
  L2TPSEC_ESP_INTEG_HMAC_SHA384_192 = 6, /* key 48 */
  L2TPSEC_ESP_INTEG_HMAC_SHA512_256 = 7, /* key 64 */
};

/*
 * ICV length for HMAC-SHA2-256. Android 6 and 7 and some older Linux
 * kernels follow a pre-RFC 4868 draft that truncates it to 96 bits under
 * the same IKE identifier, so negotiation succeeds and every packet then
 * fails the integrity check.
 */
enum l2tpsec_esp_sha256_icv {
  L2TPSEC_ESP_SHA256_ICV_128, /* RFC 4868 */
  L2TPSEC_ESP_SHA256_ICV_96,  /* the draft's truncation ("truncbug") */
  /*
   * Inbound: the first packet that authenticates with either length
   * fixes the length for the SA (128 is tried first). Outbound: 128 until
   * l2tpsec_esp_sa_set_sha256_icv96() or the SA table switches it.
   */
  L2TPSEC_ESP_SHA256_ICV_DETECT,
};

/* Events reported through l2tpsec_esp_callbacks.event. */
enum l2tpsec_esp_event {
  /* A soft lifetime ran out: the owner should rekey. Raised once. */
  L2TPSEC_ESP_EVENT_SOFT_EXPIRED,
  /*
   * A hard lifetime ran out or the sequence number space is used up: the
   * SA rejects every further packet. Raised once.
   */
  L2TPSEC_ESP_EVENT_HARD_EXPIRED,
  /* An inbound SA in DETECT mode found that the peer uses 96 bits. */
  L2TPSEC_ESP_EVENT_SHA256_ICV96_DETECTED,
};

typedef struct l2tpsec_esp_callbacks {
  /*
   * Reports an event on sa. Do not delete sa inside the callback: a
   * table deletes hard-expired SAs in l2tpsec_esp_table_handle_timeout.
   */
  void (*event)(void *user_data, l2tpsec_esp_sa *sa,
                enum l2tpsec_esp_event event);
} l2tpsec_esp_callbacks;

/* SA lifetime limits; zero means no limit. */
typedef struct l2tpsec_esp_lifetime {
  l2tpsec_duration time;
  uint64_t bytes; /* payload bytes before encryption or after decryption */
  uint64_t packets;
} l2tpsec_esp_lifetime;

/* Maximum key length in bytes: HMAC-SHA-512's 64-byte key. */
#define L2TPSEC_ESP_KEY_MAX 64

typedef struct l2tpsec_esp_sa_settings {
  uint32_t spi; /* host byte order; 256 and above (RFC 4303 section 2.1) */
  enum l2tpsec_esp_direction direction;
  enum l2tpsec_esp_mode mode;
  enum l2tpsec_esp_family family;

  enum l2tpsec_esp_encr encr;
  /* Cipher key; for AES-GCM followed by the 4-byte salt (RFC 4106). */
  uint8_t encr_key[L2TPSEC_ESP_KEY_MAX];
  size_t encr_key_len;

  enum l2tpsec_esp_integ integ;
  uint8_t integ_key[L2TPSEC_ESP_KEY_MAX];
  size_t integ_key_len;
  enum l2tpsec_esp_sha256_icv sha256_icv;

  /*
   * Allows 3DES-CBC, NULL encryption and encryption without integrity.
   * Off by default: only for old peers and tests.
   */
  bool allow_legacy;

  /*
   * Extended sequence numbers (RFC 4303 section 2.2.1). Not implemented
   * yet: true returns L2TPSEC_ERR_UNSUPPORTED.
   */
  bool esn;

  /* Anti-replay window in packets, 64 to 4096 (inbound only). */
  uint32_t replay_window;

  l2tpsec_esp_lifetime soft;
  l2tpsec_esp_lifetime hard;
  l2tpsec_tstamp created; /* the current time; time limits count from it */

  /*
   * UDP encapsulation (RFC 3948): both ports non-zero when the SA runs
   * over UDP, for example 4500 and the peer's NAT-mapped port. They are
   * stored for the caller, and switch on the inner-checksum handling of
   * UDP-encapsulated transport mode described at l2tpsec_esp_decrypt.
   */
  uint16_t encap_local_port;
  uint16_t encap_remote_port;

  /* Owner identifier, for example the IKE SA; outbound table key. */
  uint64_t owner;

  l2tpsec_rand rand; /* CBC IVs; l2tpsec_rand_system() in production */
  l2tpsec_log log;
} l2tpsec_esp_sa_settings;

/*
 * Defaults: inbound transport mode over IPv4, AES-CBC with
 * HMAC-SHA2-256-128 and no keys, replay window 128, no lifetime limits,
 * no UDP encapsulation, the system random source, no logging.
 */
L2TPSEC_API void l2tpsec_esp_sa_settings_default(l2tpsec_esp_sa_settings *s);

/*
 * Creates an SA and copies the keys into it (the caller may wipe its
 * copy). Returns L2TPSEC_ERR_INVALID_ARGUMENT for a NULL pointer,
 * L2TPSEC_ERR_CONFIG for an SPI below 256, a key length the algorithm
 * does not take, a replay window outside 64..4096, a soft limit above
 * its hard limit, an integrity transform with AES-GCM, or a legacy
 * transform without allow_legacy; L2TPSEC_ERR_UNSUPPORTED for ESN or an
 * unknown transform; L2TPSEC_ERR_NOMEM; L2TPSEC_ERR_CRYPTO when the
 * backend rejects a key.
 */
L2TPSEC_API int l2tpsec_esp_sa_new(l2tpsec_esp_sa **psa,
                                   const l2tpsec_esp_sa_settings *settings,
                                   const l2tpsec_esp_callbacks *callbacks,
                                   void *user_data);

/* Wipes the keys and frees the SA. Accepts NULL. */
L2TPSEC_API void l2tpsec_esp_sa_del(l2tpsec_esp_sa *sa);

L2TPSEC_API uint32_t l2tpsec_esp_sa_spi(const l2tpsec_esp_sa *sa);
L2TPSEC_API enum l2tpsec_esp_direction
l2tpsec_esp_sa_direction(const l2tpsec_esp_sa *sa);
L2TPSEC_API uint64_t l2tpsec_esp_sa_owner(const l2tpsec_esp_sa *sa);
L2TPSEC_API void *l2tpsec_esp_sa_user_data(const l2tpsec_esp_sa *sa);

/* Returns the ICV length in bytes that the SA currently uses. */
L2TPSEC_API size_t l2tpsec_esp_sa_icv_len(const l2tpsec_esp_sa *sa);

/*
 * Switches an HMAC-SHA2-256 SA to the 96-bit ICV. Returns
 * L2TPSEC_ERR_STATE for an SA with another integrity transform.
 */
L2TPSEC_API int l2tpsec_esp_sa_set_sha256_icv96(l2tpsec_esp_sa *sa);

/* Per-SA counters, all since creation. */
typedef struct l2tpsec_esp_sa_stats {
  uint64_t packets;            /* packets encrypted or accepted */
  uint64_t bytes;              /* payload bytes of those packets */
  uint64_t replay_drops;       /* duplicates and packets left of the window */
  uint64_t icv_failures;       /* integrity check failed */
  uint64_t padding_errors;     /* bad pad bytes, pad length or next header */
  uint64_t malformed;          /* wrong length, alignment or inner length */
  uint64_t next_header_errors; /* next header invalid for the mode */
  uint64_t dummy_packets;      /* next header 59 (RFC 4303 section 2.6) */
  uint64_t expired_drops;      /* rejected after the hard lifetime */
  uint64_t seq;                /* outbound: last sequence number sent;
                                  inbound: highest accepted */
} l2tpsec_esp_sa_stats;

/* Copies the SA's counters into stats. */
L2TPSEC_API void l2tpsec_esp_sa_stats_get(const l2tpsec_esp_sa *sa,
                                          l2tpsec_esp_sa_stats *stats);

/*
 * Bytes that l2tpsec_esp_encrypt needs in front of the payload (ESP
 * header and IV) and after it (padding, trailer and ICV, at most).
 */
L2TPSEC_API size_t l2tpsec_esp_sa_overhead_head(const l2tpsec_esp_sa *sa);
L2TPSEC_API size_t l2tpsec_esp_sa_overhead_tail(const l2tpsec_esp_sa *sa);

/*
 * Encrypts pkt in place for an outbound SA. On entry pkt contains
 * the payload (transport mode: the upper-layer datagram; tunnel mode: the
 * inner IP packet) and next_header is its protocol number (17 for UDP,
 * 4 for IPv4, 41 for IPv6). On success pkt contains the ESP packet from
 * the SPI to the ICV; the headroom in front is kept for outer headers.
 * Returns L2TPSEC_ERR_INVALID_ARGUMENT for an inbound SA or NULL;
 * L2TPSEC_ERR_NOBUFS when the packet lacks head- or tailroom (see
 * l2tpsec_esp_sa_overhead_*), leaving pkt unchanged;
 * L2TPSEC_ERR_EXHAUSTED after the hard lifetime or when the sequence
 * number would wrap; L2TPSEC_ERR_CRYPTO when the random source or the
 * cipher fails.
 */
L2TPSEC_API int l2tpsec_esp_encrypt(l2tpsec_esp_sa *sa, l2tpsec_pkt *pkt,
                                    uint8_t next_header, l2tpsec_tstamp now);

/*
 * Decrypts pkt in place for an inbound SA. On entry pkt contains the ESP
 * packet from the SPI on; on success it contains the payload and
 * *next_header its protocol. TFC padding (RFC 4303 section 2.7) after an
 * inner IPv4, IPv6 or UDP datagram is removed by its own length field. A
 * dummy packet (next header 59) returns 0 with an empty payload; the
 * caller drops it.
 *
 * UDP-encapsulated transport mode over IPv4 (RFC 3948 section 3.1.2):
 * the peer computed the inner UDP checksum with its private address,
 * which the NAT changed, so it cannot be verified. Because the ICV
 * already authenticated the datagram, this layer sets the inner UDP
 * checksum to zero ("no checksum") and the receiver must not check it.
 *
 * The anti-replay window is checked before the ICV and updated only
 * after it verified (RFC 4303 section 3.4.3). Errors, each counted:
 * L2TPSEC_ERR_TRUNCATED or L2TPSEC_ERR_MALFORMED for a wrong length,
 * alignment or SPI; L2TPSEC_ERR_REPLAY; L2TPSEC_ERR_INTEGRITY;
 * L2TPSEC_ERR_MALFORMED for bad padding or an invalid inner length;
 * L2TPSEC_ERR_UNSUPPORTED for a next header the mode does not carry
 * (IPComp, UDP in tunnel mode); L2TPSEC_ERR_EXHAUSTED after the hard
 * lifetime; L2TPSEC_ERR_INVALID_ARGUMENT for an outbound SA. After
 * an error the packet contents are undefined.
 */
L2TPSEC_API int l2tpsec_esp_decrypt(l2tpsec_esp_sa *sa, l2tpsec_pkt *pkt,
                                    l2tpsec_tstamp now, uint8_t *next_header);

/*
 * Returns when the SA's next time limit expires, or
 * L2TPSEC_TSTAMP_NEVER.
 */
L2TPSEC_API l2tpsec_tstamp
l2tpsec_esp_sa_next_deadline(const l2tpsec_esp_sa *sa);

/* Raises the soft or hard expiry event when its time has come. */
L2TPSEC_API void l2tpsec_esp_sa_handle_timeout(l2tpsec_esp_sa *sa,
                                               l2tpsec_tstamp now);

/* Returns true once a hard limit was reached. */
L2TPSEC_API bool l2tpsec_esp_sa_expired(const l2tpsec_esp_sa *sa);

/* ---- SA table ----------------------------------------------------------- */

typedef struct l2tpsec_esp_table_settings {
  size_t max_sas; /* upper bound of SAs held; buckets are sized from it */
  l2tpsec_log log;
} l2tpsec_esp_table_settings;

/* Defaults: 4096 SAs, no logging. */
L2TPSEC_API void
l2tpsec_esp_table_settings_default(l2tpsec_esp_table_settings *settings);

/*
 * Creates an empty table. Returns L2TPSEC_ERR_INVALID_ARGUMENT for NULL
 * or max_sas of 0, L2TPSEC_ERR_NOMEM.
 */
L2TPSEC_API int
l2tpsec_esp_table_new(l2tpsec_esp_table **ptable,
                      const l2tpsec_esp_table_settings *settings);

/* Deletes the table and every SA it holds. Accepts NULL. */
L2TPSEC_API void l2tpsec_esp_table_del(l2tpsec_esp_table *table);

/*
 * Adds sa; the table owns it from then on. Inbound SAs are found by SPI,
 * outbound SAs by owner (the most recently added one wins, so a rekeyed
 * SA takes over at once). Returns L2TPSEC_ERR_CONFIG when an inbound SA
 * with the same SPI is present, L2TPSEC_ERR_LIMIT when the table is full,
 * L2TPSEC_ERR_INVALID_ARGUMENT for NULL.
 */
L2TPSEC_API int l2tpsec_esp_table_add(l2tpsec_esp_table *table,
                                      l2tpsec_esp_sa *sa);

/*
 * Takes sa out of the table and gives it back to the caller. Returns
 * L2TPSEC_ERR_NOT_FOUND when the table does not hold it.
 */
L2TPSEC_API int l2tpsec_esp_table_remove(l2tpsec_esp_table *table,
                                         l2tpsec_esp_sa *sa);

/* Returns the inbound SA with this SPI (host order), or NULL. */
L2TPSEC_API l2tpsec_esp_sa *
l2tpsec_esp_table_find_inbound(const l2tpsec_esp_table *table, uint32_t spi);

/* Returns the newest outbound SA of owner, or NULL. */
L2TPSEC_API l2tpsec_esp_sa *
l2tpsec_esp_table_find_outbound(const l2tpsec_esp_table *table, uint64_t owner);

/* Returns how many SAs the table holds. */
L2TPSEC_API size_t l2tpsec_esp_table_count(const l2tpsec_esp_table *table);

/*
 * Picks a random SPI of 256 or more that no inbound SA of the table uses,
 * for IKE to offer. Returns L2TPSEC_ERR_CRYPTO when rand fails,
 * L2TPSEC_ERR_LIMIT after 64 collisions in a row.
 */
L2TPSEC_API int l2tpsec_esp_table_pick_spi(const l2tpsec_esp_table *table,
                                           const l2tpsec_rand *rand,
                                           uint32_t *spi);

/*
 * Looks the SPI of pkt up and decrypts it with that SA, as
 * l2tpsec_esp_decrypt. *sa receives the SA (NULL when none matched).
 * When an inbound SA in DETECT mode finds the 96-bit SHA2-256 ICV, the
 * table also switches the outbound SAs of the same owner to it. Returns
 * L2TPSEC_ERR_NOT_FOUND (counted) for an unknown SPI and
 * L2TPSEC_ERR_TRUNCATED for fewer than 8 bytes, else as
 * l2tpsec_esp_decrypt.
 */
L2TPSEC_API int l2tpsec_esp_table_decrypt(l2tpsec_esp_table *table,
                                          l2tpsec_pkt *pkt, l2tpsec_tstamp now,
                                          l2tpsec_esp_sa **sa,
                                          uint8_t *next_header);

/* Table-wide counters. */
typedef struct l2tpsec_esp_table_stats {
  uint64_t unknown_spi; /* packets with no matching inbound SA */
  uint64_t truncated;   /* packets too short to hold an SPI */
} l2tpsec_esp_table_stats;

L2TPSEC_API void l2tpsec_esp_table_stats_get(const l2tpsec_esp_table *table,
                                             l2tpsec_esp_table_stats *stats);

/* Returns the earliest deadline of all SAs, or L2TPSEC_TSTAMP_NEVER. */
L2TPSEC_API l2tpsec_tstamp
l2tpsec_esp_table_next_deadline(const l2tpsec_esp_table *table);

/*
 * Runs every SA's timeout handling, then removes and deletes the SAs
 * that reached a hard limit (after their HARD_EXPIRED event).
 */
L2TPSEC_API void l2tpsec_esp_table_handle_timeout(l2tpsec_esp_table *table,
                                                  l2tpsec_tstamp now);

/* ---- Batches ------------------------------------------------------------ */

/*
 * Encrypts n packets for one outbound SA, each as l2tpsec_esp_encrypt
 * with the same next header. results[i] receives each packet's code.
 * Returns how many succeeded.
 */
L2TPSEC_API size_t l2tpsec_esp_encrypt_batch(l2tpsec_esp_sa *sa,
                                             l2tpsec_pkt *const *pkts, size_t n,
                                             uint8_t next_header,
                                             l2tpsec_tstamp now, int *results);

/*
 * Decrypts n packets through the table, each as
 * l2tpsec_esp_table_decrypt. results[i] receives each code,
 * next_headers[i] each protocol and sas[i] each SA (sas may be NULL).
 * Returns how many succeeded.
 */
L2TPSEC_API size_t l2tpsec_esp_decrypt_batch(l2tpsec_esp_table *table,
                                             l2tpsec_pkt *const *pkts, size_t n,
                                             l2tpsec_tstamp now, int *results,
                                             uint8_t *next_headers,
                                             l2tpsec_esp_sa **sas);

/* ---- UDP encapsulation (RFC 3948) --------------------------------------- */

/* Content type of a UDP/4500 datagram (RFC 3948 section 2). */
enum l2tpsec_esp_udp_kind {
  L2TPSEC_ESP_UDP_ESP,       /* an ESP packet: the SPI is not zero */
  L2TPSEC_ESP_UDP_IKE,       /* a non-ESP marker (4 zero bytes) + IKE */
  L2TPSEC_ESP_UDP_KEEPALIVE, /* the one-byte NAT keepalive 0xFF: drop it */
  L2TPSEC_ESP_UDP_INVALID,   /* none of these: drop it */
};

/*
 * Classifies a UDP/4500 payload. An ESP packet needs at least the SPI
 * and sequence number (8 bytes); an IKE message after the marker at
 * least its 28-byte ISAKMP header.
 */
L2TPSEC_API enum l2tpsec_esp_udp_kind
l2tpsec_esp_udp_classify(const uint8_t *payload, size_t len);

/* The NAT keepalive payload (RFC 3948 section 2.3): one byte, 0xFF. */
#define L2TPSEC_ESP_NAT_KEEPALIVE 0xFF

/*
 * Writes a NAT keepalive payload into out (cap bytes) and returns its
 * length (1), or 0 when cap is 0. Send it every 20 s or so from the side
 * behind the NAT while the SA is idle.
 */
L2TPSEC_API size_t l2tpsec_esp_nat_keepalive(uint8_t *out, size_t cap);

/*
 * Prepends the UDP header of RFC 3948 to an ESP packet (checksum zero, as
 * section 2.1 allows for IPv4), for callers that send through a raw
 * socket. Returns L2TPSEC_ERR_NOBUFS without change when the headroom is
 * too small, L2TPSEC_ERR_INVALID_ARGUMENT when the datagram would exceed
 * 65535 bytes.
 */
L2TPSEC_API int l2tpsec_esp_udp_encap(l2tpsec_pkt *pkt, uint16_t src_port,
                                      uint16_t dst_port);

#ifdef __cplusplus
}
#endif

#endif
