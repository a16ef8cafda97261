/*
 * CHAP-MD5 (RFC 1994) and MS-CHAPv2 (RFC 2759) computations, used by
 * both PPP roles and by the authenticators. Functions return 0 or
 * L2TPSEC_ERR_CRYPTO / L2TPSEC_ERR_INVALID_ARGUMENT.
 */
#ifndef L2TPSEC_AUTH_CHAP_H
#define L2TPSEC_AUTH_CHAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Maximum password length of MS-CHAPv2, in characters (RFC 2759 8.3). */
#define MSCHAPV2_PASSWORD_MAX 256

/* RFC 1994 section 4.1: MD5(identifier | secret | challenge). */
int l2tpsec__chap_md5_response(uint8_t id, const uint8_t *secret,
                               size_t secret_len, const uint8_t *challenge,
                               size_t challenge_len, uint8_t out[16]);

/* RFC 2759 8.3 NtPasswordHash: MD4 of the UTF-16LE password. The
 * password is read as UTF-8; bytes that are not valid UTF-8 are taken as
 * Latin-1 characters, as Windows clients with a legacy code page send. */
int l2tpsec__nt_password_hash(const uint8_t *password, size_t len,
                              uint8_t out[16]);

/* RFC 2759 8.2 ChallengeHash over the user name without a "DOMAIN\"
 * prefix (Windows clients send it; the hash covers the name only). */
int l2tpsec__mschapv2_challenge_hash(const uint8_t peer_challenge[16],
                                     const uint8_t auth_challenge[16],
                                     const char *user, size_t user_len,
                                     uint8_t out[8]);

/* RFC 2759 8.1 GenerateNTResponse from a password hash. */
int l2tpsec__mschapv2_nt_response(const uint8_t auth_challenge[16],
                                  const uint8_t peer_challenge[16],
                                  const char *user, size_t user_len,
                                  const uint8_t password_hash[16],
                                  uint8_t out[24]);

/* RFC 2759 8.7 GenerateAuthenticatorResponse, as 20 raw bytes. */
int l2tpsec__mschapv2_auth_response(const uint8_t password_hash[16],
                                    const uint8_t nt_response[24],
                                    const uint8_t peer_challenge[16],
                                    const uint8_t auth_challenge[16],
                                    const char *user, size_t user_len,
                                    uint8_t out[20]);

/* Writes 2*len upper-case hex digits and a NUL. */
void l2tpsec__hex_upper(const uint8_t *in, size_t len, char *out);

/* Decodes 2*len hex digits of either case; returns false on a non-digit. */
bool l2tpsec__hex_decode(const char *in, size_t len, uint8_t *out);

#endif
