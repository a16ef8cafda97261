/* QR codes drawn with Unicode half blocks, for otpauth:// URIs. */
#ifndef L2TPSEC_EXAMPLE_SERVER_QR_H
#define L2TPSEC_EXAMPLE_SERVER_QR_H

#include <stdio.h>

/*
 * Draws `text` as a QR code (libqrencode, error correction level M) on
 * `out`, two modules per character row, light modules as full blocks so
 * that it scans on a dark terminal. Returns 0, or -1 when encoding fails.
 */
int qr_print(FILE *out, const char *text);

#endif
