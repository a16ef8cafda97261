/*
 * Throwaway ECDSA P-256 certificates for fuzz_ike.c: a CA and a server
 * and a client certificate it issued, valid from 2026-12-04 for 100
 * years, made once with openssl. The keys protect nothing.
 */
#ifndef L2TPSEC_FUZZ_IKE_CERTS_H
#define L2TPSEC_FUZZ_IKE_CERTS_H

/* A Unix time inside every certificate's validity: 2026-12-05. */
#define FUZZ_CERT_UNIX_TIME 1796514446

static const char fuzz_ca_pem[] =
    "-----BEGIN CERTIFICATE-----\n"
    "MIIBuTCCAV+gAwIBAgIUDl/RSHEMHaOLocgP+JPjFgGI3l8wCgYIKoZIzj0EAwIw\n"
    "KTEVMBMGA1UECgwMbDJ0cHNlYyBmdXp6MRAwDgYDVQQDDAdmdXp6IENBMCAXDTI2\n"
    "MTIwNDIzNDcyNVoYDzIxMjYxMTEwMjM0NzI1WjApMRUwEwYDVQQKDAxsMnRwc2Vj\n"
    "IGZ1enoxEDAOBgNVBAMMB2Z1enogQ0EwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNC\n"
    "AARQkPckLdER5nLmJOEY5RKUADFoub32DNbw//GykrWSgMbQPsWS1DbnjVCNF5WQ\n"
    "GQKLsIu9Ml+sESvx2OIcl8Ojo2MwYTAdBgNVHQ4EFgQUUOZmboaMSW2DliYWvu+u\n"
    "F00Fl/0wHwYDVR0jBBgwFoAUUOZmboaMSW2DliYWvu+uF00Fl/0wDwYDVR0TAQH/\n"
    "BAUwAwEB/zAOBgNVHQ8BAf8EBAMCAQYwCgYIKoZIzj0EAwIDSAAwRQIgc40Jv3Ze\n"
    "XTaT367cvV/K9UU0SJygI5uKbWKQyhbAkbYCIQCwE9M772oWVYc9sp555AGNPn8j\n"
    "zk/WjQLzyATdUptMuA==\n"
    "-----END CERTIFICATE-----\n";

static const char fuzz_server_pem[] =
    "-----BEGIN CERTIFICATE-----\n"
    "MIIBxjCCAW2gAwIBAgIUAJysYLz/UcUOvo2vUeBg+EBcA64wCgYIKoZIzj0EAwIw\n"
    "KTEVMBMGA1UECgwMbDJ0cHNlYyBmdXp6MRAwDgYDVQQDDAdmdXp6IENBMCAXDTI2\n"
    "MTIwNDIzNDcyNloYDzIxMjYxMTEwMjM0NzI2WjAoMRUwEwYDVQQKDAxsMnRwc2Vj\n"
    "IGZ1enoxDzANBgNVBAMMBnNlcnZlcjBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IA\n"
    "BC9dW9WK4lN2Vu15r93De9oLOxU88bu995dou84s+2KHLsXMxF0tljpoLHHBDfoC\n"
    "b/Zw2foX6zlT0yMy31moRuyjcjBwMAkGA1UdEwQCMAAwIwYDVR0RBBwwGoISc2Vy\n"
    "dmVyLmV4YW1wbGUuY29thwTGM2QBMB0GA1UdDgQWBBR/P+k3OZs/mft0x1vgBJt+\n"
    "lFGzDDAfBgNVHSMEGDAWgBRQ5mZuhoxJbYOWJha+764XTQWX/TAKBggqhkjOPQQD\n"
    "AgNHADBEAiBqCDhFscUopODWJSyAwYrS6hoOq8cmRNbr6cqo2g1myAIgTwItIgpT\n"
    "lAO6kTumivLPnuPo5MLevC0meLj/qj0FHu0=\n"
    "-----END CERTIFICATE-----\n";

static const char fuzz_server_key[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgXNFMhIYcJEW6sJQC\n"
    "d4gYkPNUUAdEjgCY4yO2EXLTMCKhRANCAAQvXVvViuJTdlbtea/dw3vaCzsVPPG7\n"
    "vfeXaLvOLPtihy7FzMRdLZY6aCxxwQ36Am/2cNn6F+s5U9MjMt9ZqEbs\n"
    "-----END PRIVATE KEY-----\n";

static const char fuzz_client_pem[] =
    "-----BEGIN CERTIFICATE-----\n"
    "MIIByDCCAW2gAwIBAgIUAJysYLz/UcUOvo2vUeBg+EBcA68wCgYIKoZIzj0EAwIw\n"
    "KTEVMBMGA1UECgwMbDJ0cHNlYyBmdXp6MRAwDgYDVQQDDAdmdXp6IENBMCAXDTI2\n"
    "MTIwNDIzNDcyNloYDzIxMjYxMTEwMjM0NzI2WjAoMRUwEwYDVQQKDAxsMnRwc2Vj\n"
    "IGZ1enoxDzANBgNVBAMMBmNsaWVudDBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IA\n"
    "BH0BzSguvFHhubwHB6nhwtAYDCPM6x1SY0TgqfLld0ogvvFs8FlRNr7GnCqtfGm9\n"
    "KWnQuEnqttFrn0RgO5KK+k+jcjBwMAkGA1UdEwQCMAAwIwYDVR0RBBwwGoISY2xp\n"
    "ZW50LmV4YW1wbGUuY29thwTAAAIKMB0GA1UdDgQWBBTRplYtPn9CONKF7Wd0xffT\n"
    "MItMADAfBgNVHSMEGDAWgBRQ5mZuhoxJbYOWJha+764XTQWX/TAKBggqhkjOPQQD\n"
    "AgNJADBGAiEA3mB96lYOw5bMHMHR+FowhhxLnTVNIgoDWrPfI5KPcigCIQDnMRms\n"
    "oumPNRri+oueKqbkF6BDDLFUQdSMFA2QXsCIeA==\n"
    "-----END CERTIFICATE-----\n";

static const char fuzz_client_key[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgDxeiwdd248NYsMJl\n"
    "l0XA0pNl1f7qNdVhlThBSdT6lMShRANCAAR9Ac0oLrxR4bm8Bwep4cLQGAwjzOsd\n"
    "UmNE4Kny5XdKIL7xbPBZUTa+xpwqrXxpvSlp0LhJ6rbRa59EYDuSivpP\n"
    "-----END PRIVATE KEY-----\n";

#endif
