/* Helpers for the ESP tests that run an external program. */
#ifndef ESP_INTEROP_UTIL_H
#define ESP_INTEROP_UTIL_H

#include <stddef.h>
#include <stdint.h>

/*
 * Runs command with stdin from the file `input` and returns its whole
 * output (malloc'ed, NUL-terminated), or NULL when it cannot run.
 */
char *run_with_input(const char *command, const char *input);

/* Fails the test unless path is an executable program, naming the fix. */
void require_program(const char *path, const char *package);

#endif
