#!/usr/bin/python3
"""Print the MODP primes of RFC 2409 and RFC 3526, derived from the
formula the RFCs define them by:

    p = 2^n - 2^(n-64) - 1 + 2^64 * (floor(2^(n-130) * pi) + k)

One line per group: the IKE group number, then p in upper-case hex.
test_crypto_dh compares the library's built-in primes with this output,
so a typo in either the table or the library fails the test.
"""

# (IKE group, n, k) from RFC 2409 section 6.2 and RFC 3526 sections 2-5.
GROUPS = [(2, 1024, 129093), (5, 1536, 741804), (14, 2048, 124476),
          (15, 3072, 1690314), (16, 4096, 240904)]


def arctan_inverse(x, one):
    """Return arctan(1/x) * one by its Taylor series, in integers."""
    total = term = one // x
    n = 1
    sign = -1
    while term:
        term //= x * x
        total += sign * (term // (2 * n + 1))
        sign = -sign
        n += 1
    return total


def pi_times_power_of_two(bits):
    """Return floor(pi * 2^bits) using Machin's formula."""
    guard = 64
    one = 1 << (bits + guard)
    pi = 4 * (4 * arctan_inverse(5, one) - arctan_inverse(239, one))
    return pi >> guard


for group, n, k in GROUPS:
    p = 2**n - 2**(n - 64) - 1 + 2**64 * (pi_times_power_of_two(n - 130) + k)
    print(group, format(p, "X"))
