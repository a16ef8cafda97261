/*
 * The internal crypto interface. This is the only header the protocol
 * layers use for cryptography; the backend behind it (mbedTLS by default,
 * OpenSSL's libcrypto for the data path optionally) is chosen at build
 * time, and no other file includes a crypto library's headers.
 *
 * Every function returns 0 or a negative L2TPSEC_ERR_* code. Objects are
 * opaque, created by *_new and released by *_del, which wipes key
 * material and accepts NULL.
 */
#ifndef L2TPSEC_CRYPTO_CRYPTO_H
#define L2TPSEC_CRYPTO_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "l2tpsec/rand.h"

/* ---- Hashes and HMAC ---------------------------------------------------- */

enum l2tpsec__hash_alg {
  L2TPSEC_HASH_MD4,
  L2TPSEC_HASH_MD5,
  L2TPSEC_HASH_SHA1,
  L2TPSEC_HASH_SHA256,
  L2TPSEC_HASH_SHA384,
  L2TPSEC_HASH_SHA512,
};

/* Largest digest any algorithm produces (SHA-512), in bytes. */
#define L2TPSEC_HASH_MAX 64

/* Returns the digest length in bytes, or 0 for an unknown algorithm. */
size_t l2tpsec__hash_len(enum l2tpsec__hash_alg alg);

/* Returns the algorithm's block size in bytes (64 or 128), 0 if unknown. */
size_t l2tpsec__hash_block_len(enum l2tpsec__hash_alg alg);

/* A byte range, for hashing several pieces without concatenating them. */
typedef struct l2tpsec__iovec {
  const void *base;
  size_t len;
} l2tpsec__iovec;

/* One-shot digest of the concatenation of n pieces. */
int l2tpsec__hash(enum l2tpsec__hash_alg alg, const l2tpsec__iovec *parts,
                  size_t n, uint8_t *out);

/* One-shot HMAC of the concatenation of n pieces (RFC 2104). */
int l2tpsec__hmac(enum l2tpsec__hash_alg alg, const uint8_t *key,
                  size_t key_len, const l2tpsec__iovec *parts, size_t n,
                  uint8_t *out);

/*
 * Keyed HMAC context for the data path: the key is processed once at
 * creation; each message is start, update..., finish. MD4 is not
 * available here.
 */
typedef struct l2tpsec__hmac_ctx l2tpsec__hmac_ctx;

int l2tpsec__hmac_new(l2tpsec__hmac_ctx **pctx, enum l2tpsec__hash_alg alg,
                      const uint8_t *key, size_t key_len);
void l2tpsec__hmac_del(l2tpsec__hmac_ctx *ctx);
int l2tpsec__hmac_start(l2tpsec__hmac_ctx *ctx);
int l2tpsec__hmac_update(l2tpsec__hmac_ctx *ctx, const uint8_t *data,
                         size_t len);
/* Writes the full digest (l2tpsec__hash_len bytes); callers truncate. */
int l2tpsec__hmac_finish(l2tpsec__hmac_ctx *ctx, uint8_t *out);

/* ---- Symmetric ciphers -------------------------------------------------- */

enum l2tpsec__cipher_alg {
  L2TPSEC_CIPHER_AES_CBC,  /* key 16, 24 or 32 bytes; IV 16 */
  L2TPSEC_CIPHER_DES3_CBC, /* key 24 bytes; IV 8 */
  L2TPSEC_CIPHER_DES_CBC,  /* key 8 bytes; IV 8 (IKE legacy only) */
  L2TPSEC_CIPHER_AES_GCM,  /* key 16, 24 or 32 bytes; AEAD */
  L2TPSEC_CIPHER_NULL,     /* copies; testing and fuzzing only */
};

typedef struct l2tpsec__cipher l2tpsec__cipher;

/*
 * Creates a cipher context holding the expanded key for both directions.
 * Returns L2TPSEC_ERR_INVALID_ARGUMENT for a key length the algorithm
 * does not take.
 */
int l2tpsec__cipher_new(l2tpsec__cipher **pc, enum l2tpsec__cipher_alg alg,
                        const uint8_t *key, size_t key_len);
void l2tpsec__cipher_del(l2tpsec__cipher *c);

/* Returns the block size in bytes: 16 for AES, 8 for DES, 1 for GCM/NULL. */
size_t l2tpsec__cipher_block_len(const l2tpsec__cipher *c);

/*
 * CBC encryption or decryption of len bytes (a multiple of the block
 * size, else L2TPSEC_ERR_INVALID_ARGUMENT). in and out may be the same
 * buffer. iv is read only; the caller keeps chaining state (IKEv1 needs
 * the last ciphertext block, RFC 2409 Appendix B).
 */
int l2tpsec__cbc_encrypt(l2tpsec__cipher *c, const uint8_t *iv,
                         const uint8_t *in, uint8_t *out, size_t len);
int l2tpsec__cbc_decrypt(l2tpsec__cipher *c, const uint8_t *iv,
                         const uint8_t *in, uint8_t *out, size_t len);

/*
 * AES-GCM (RFC 4106 for ESP: nonce = 4-byte salt + 8-byte IV). Tag length
 * 8, 12 or 16. Decrypt verifies the tag in constant time and returns
 * L2TPSEC_ERR_INTEGRITY on mismatch; `out` may then hold unauthenticated
 * bytes, which the caller must discard.
 */
int l2tpsec__gcm_encrypt(l2tpsec__cipher *c, const uint8_t *nonce,
                         size_t nonce_len, const uint8_t *aad, size_t aad_len,
                         const uint8_t *in, uint8_t *out, size_t len,
                         uint8_t *tag, size_t tag_len);
int l2tpsec__gcm_decrypt(l2tpsec__cipher *c, const uint8_t *nonce,
                         size_t nonce_len, const uint8_t *aad, size_t aad_len,
                         const uint8_t *in, uint8_t *out, size_t len,
                         const uint8_t *tag, size_t tag_len);

/*
 * DES-ECB of one 8-byte block with a 7-byte key expanded to 8 bytes with
 * parity, as MS-CHAP's ChallengeResponse needs (RFC 2759 section 8.5).
 */
int l2tpsec__des_ecb_encrypt_7(const uint8_t key7[7], const uint8_t in[8],
                               uint8_t out[8]);

/* ---- Diffie-Hellman ----------------------------------------------------- */

/*
 * Groups by their IKE numbers: MODP 2 (1024, legacy), 5 (1536), 14
 * (2048), 15 (3072), 16 (4096) from RFC 2409/3526; ECP 19, 20, 21 from
 * RFC 5903 (public value x || y, shared secret x only); 31 = Curve25519
 * (RFC 8031: 32-byte little-endian values).
 */
typedef struct l2tpsec__dh l2tpsec__dh;

/* Returns true when the backend implements the group. */
bool l2tpsec__dh_supported(int group);

/* Length in bytes of the public value, or 0 for an unknown group. */
size_t l2tpsec__dh_public_len(int group);

/* Length in bytes of the shared secret, or 0 for an unknown group. */
size_t l2tpsec__dh_shared_len(int group);

/*
 * Generates a key pair from rand. L2TPSEC_ERR_UNSUPPORTED for a group.
 * The object keeps a copy of rand to blind ECP multiplications in
 * l2tpsec__dh_shared, so rand's user_data must outlive the object.
 */
int l2tpsec__dh_new(l2tpsec__dh **pdh, int group, const l2tpsec_rand *rand);

/*
 * Creates a key pair from a given private value, for known-answer tests:
 * a big-endian exponent (MODP) or scalar (ECP), or the 32-byte
 * little-endian X25519 scalar of RFC 7748, which is clamped on use.
 * Returns L2TPSEC_ERR_INVALID_ARGUMENT for a value out of range.
 */
int l2tpsec__dh_new_private(l2tpsec__dh **pdh, int group, const uint8_t *priv,
                            size_t priv_len);
void l2tpsec__dh_del(l2tpsec__dh *dh);

/* Writes exactly l2tpsec__dh_public_len(group) bytes. */
int l2tpsec__dh_public(const l2tpsec__dh *dh, uint8_t *out, size_t out_len);

/*
 * Computes the shared secret into exactly l2tpsec__dh_shared_len bytes
 * (MODP values left-padded with zeros). Rejects a peer value of the
 * wrong length, out of range (MODP: 1, p-1 and above), or not on the
 * curve with L2TPSEC_ERR_MALFORMED.
 */
int l2tpsec__dh_shared(l2tpsec__dh *dh, const uint8_t *peer, size_t peer_len,
                       uint8_t *out, size_t out_len);

/* ---- Public keys, signatures, certificates ------------------------------ */

typedef struct l2tpsec__pkey l2tpsec__pkey;

enum l2tpsec__pkey_type {
  L2TPSEC_PKEY_RSA,
  L2TPSEC_PKEY_ECDSA,
};

/* Parses a private key in PEM or DER (PKCS#1, SEC1 or PKCS#8). */
int l2tpsec__pkey_parse_private(l2tpsec__pkey **pkey, const uint8_t *data,
                                size_t len, const l2tpsec_rand *rand);
void l2tpsec__pkey_del(l2tpsec__pkey *pkey);
enum l2tpsec__pkey_type l2tpsec__pkey_type(const l2tpsec__pkey *pkey);

/*
 * IKEv1 RSA signature (RFC 2409 section 5.1): PKCS#1 v1.5 type-1 padding
 * of the raw hash with no DigestInfo. ECDSA (RFC 4754): the raw r || s
 * encoding, each half the curve's size.
 */
int l2tpsec__pkey_sign_ike(const l2tpsec__pkey *key, const uint8_t *hash,
                           size_t hash_len, uint8_t *sig, size_t *sig_len,
                           size_t sig_cap, const l2tpsec_rand *rand);

/* A parsed X.509 certificate or chain. */
typedef struct l2tpsec__x509 l2tpsec__x509;

/*
 * Adds one certificate (DER, or PEM with one or more) to a chain, which
 * is created when *chain is NULL. Returns L2TPSEC_ERR_MALFORMED when a
 * certificate does not parse; the other certificates of a PEM bundle
 * may still have been added.
 */
int l2tpsec__x509_parse(l2tpsec__x509 **chain, const uint8_t *data, size_t len);
void l2tpsec__x509_del(l2tpsec__x509 *chain);

/*
 * Verifies the first certificate of `chain` (the others are
 * intermediates) against the trust anchors in `cas` at the Unix time
 * `now_unix`. Returns L2TPSEC_ERR_AUTH_FAILED with a reason written into
 * `reason` (when not NULL) on failure.
 */
int l2tpsec__x509_verify(const l2tpsec__x509 *chain, const l2tpsec__x509 *cas,
                         int64_t now_unix, char *reason, size_t reason_len);

/*
 * Verifies an IKEv1 signature (format as for sign) with a leaf's key.
 * Returns L2TPSEC_ERR_AUTH_FAILED for a wrong signature or length.
 */
int l2tpsec__x509_verify_ike_sig(const l2tpsec__x509 *leaf, const uint8_t *hash,
                                 size_t hash_len, const uint8_t *sig,
                                 size_t sig_len);

/* DER of the leaf's subject DN, for ID_DER_ASN1_DN comparison. */
int l2tpsec__x509_subject_der(const l2tpsec__x509 *leaf, const uint8_t **der,
                              size_t *len);

/* DER of the leaf certificate itself, for a CERT payload. */
int l2tpsec__x509_der(const l2tpsec__x509 *leaf, const uint8_t **der,
                      size_t *len);

/*
 * Returns true when the leaf has a subjectAltName of the given type
 * (2 = dNSName, 1 = rfc822Name, 7 = iPAddress) equal to value.
 */
bool l2tpsec__x509_has_san(const l2tpsec__x509 *leaf, int type,
                           const uint8_t *value, size_t len);

/*
 * Writes the key type and size in bits (RSA modulus, or EC group order)
 * of a private key or of a leaf certificate's public key. The leaf
 * variant returns L2TPSEC_ERR_UNSUPPORTED for a key that is neither RSA
 * nor ECDSA.
 */
int l2tpsec__pkey_info(const l2tpsec__pkey *key, enum l2tpsec__pkey_type *type,
                       size_t *bits);
int l2tpsec__x509_key_info(const l2tpsec__x509 *leaf,
                           enum l2tpsec__pkey_type *type, size_t *bits);

/* The certificate after `cert` in its chain, or NULL after the last. */
const l2tpsec__x509 *l2tpsec__x509_next(const l2tpsec__x509 *cert);

/* DER of the leaf's issuer DN, to match a CERTREQ's certificate authority. */
int l2tpsec__x509_issuer_der(const l2tpsec__x509 *leaf, const uint8_t **der,
                             size_t *len);

/* ---- IKEv1 key derivation (RFC 2409 section 5 and Appendix B) ----------- */

/*
 * prf(key, data...) is HMAC with the negotiated hash. SKEYID for
 * pre-shared keys = prf(psk, Ni_b | Nr_b); for signatures
 * = prf(Ni_b | Nr_b, g^xy).
 */
int l2tpsec__ikev1_skeyid_psk(enum l2tpsec__hash_alg prf, const uint8_t *psk,
                              size_t psk_len, const uint8_t *ni, size_t ni_len,
                              const uint8_t *nr, size_t nr_len,
                              uint8_t *skeyid);
int l2tpsec__ikev1_skeyid_sig(enum l2tpsec__hash_alg prf, const uint8_t *ni,
                              size_t ni_len, const uint8_t *nr, size_t nr_len,
                              const uint8_t *gxy, size_t gxy_len,
                              uint8_t *skeyid);

/*
 * SKEYID_d = prf(SKEYID, g^xy | CKY-I | CKY-R | 0)
 * SKEYID_a = prf(SKEYID, SKEYID_d | g^xy | CKY-I | CKY-R | 1)
 * SKEYID_e = prf(SKEYID, SKEYID_a | g^xy | CKY-I | CKY-R | 2)
 * Each output is l2tpsec__hash_len(prf) bytes.
 */
int l2tpsec__ikev1_skeyids(enum l2tpsec__hash_alg prf, const uint8_t *skeyid,
                           const uint8_t *gxy, size_t gxy_len,
                           const uint8_t cky_i[8], const uint8_t cky_r[8],
                           uint8_t *skeyid_d, uint8_t *skeyid_a,
                           uint8_t *skeyid_e);

/*
 * Phase-1 encryption key of key_len bytes from SKEYID_e (Appendix B):
 * SKEYID_e itself when long enough, else K1 | K2 | ... with
 * K1 = prf(SKEYID_e, 0) and Kn = prf(SKEYID_e, Kn-1).
 */
int l2tpsec__ikev1_enc_key(enum l2tpsec__hash_alg prf, const uint8_t *skeyid_e,
                           uint8_t *key, size_t key_len);

/*
 * Quick Mode KEYMAT of out_len bytes (RFC 2409 section 5.5):
 * K1 = prf(SKEYID_d, [g(qm)^xy |] protocol | SPI | Ni_b | Nr_b),
 * Kn = prf(SKEYID_d, Kn-1 | [g(qm)^xy |] protocol | SPI | Ni_b | Nr_b).
 * gqm may be NULL (no PFS). spi is the 4-byte SPI in network order.
 */
int l2tpsec__ikev1_keymat(enum l2tpsec__hash_alg prf, const uint8_t *skeyid_d,
                          const uint8_t *gqm, size_t gqm_len, uint8_t protocol,
                          const uint8_t spi[4], const uint8_t *ni,
                          size_t ni_len, const uint8_t *nr, size_t nr_len,
                          uint8_t *out, size_t out_len);

/* ---- Backend facts ------------------------------------------------------ */

/* Human-readable backend name and version, e.g. "mbedTLS 2.28.3". */
const char *l2tpsec__crypto_backend(void);

/*
 * Reports whether the backend uses AES-NI and carry-less multiply
 * (PCLMULQDQ) on this CPU, for the benchmark's report.
 */
void l2tpsec__crypto_accel(bool *aesni, bool *pclmul);

#endif
