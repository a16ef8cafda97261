#!/usr/bin/python3
"""Plot the JSON lines of bench/path.sh as a PNG.

Usage: path_plot.py RESULTS.jsonl OUT.png

Left: each VPN's rate as a ratio to the null VPN loop of the same
backend and suite in the same run. Right: the CPU time both VPN ends
used per MB received, the null VPN loops included.
"""
import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402 (after the backend choice)

CASES = ("tcp", "udp1300", "udp64")


def main():
    rows = [json.loads(line) for line in open(sys.argv[1])]
    rows = [r for r in rows if r.get("bench") == "path" and "ratio" in r
            and not r["vpn"].startswith("anchor")]
    setups = sorted({(r["vpn"], r["suite"]) for r in rows})
    by_key = {(r["vpn"], r["suite"], r["case"]): r for r in rows}

    figure, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    width = 0.8 / max(len(setups), 1)
    for i, (vpn, suite) in enumerate(setups):
        positions = [c + (i - (len(setups) - 1) / 2) * width
                     for c in range(len(CASES))]
        ratios = [by_key.get((vpn, suite, c), {}).get("null_ratio") or 0
                  for c in CASES]
        cpu = [by_key.get((vpn, suite, c), {}).get("cpu_ms_per_MB", 0)
               for c in CASES]
        label = f"{vpn} {suite}"
        color = f"C{i % 10}"
        if not vpn.startswith("nullvpn"):
            left.bar(positions, ratios, width, color=color)
        right.bar(positions, cpu, width, label=label, color=color)

    for axes in (left, right):
        axes.set_xticks(range(len(CASES)))
        axes.set_xticklabels(["TCP", "UDP 1300 B", "UDP 64 B"])
        axes.grid(axis="y", alpha=0.3)
    left.set_ylabel("rate / null VPN loop rate (same run)")
    left.set_title("Throughput relative to the null VPN loop")
    left.axhline(1, color="black", linewidth=0.8)
    right.set_ylabel("CPU ms per MB received (both ends)")
    right.set_title("CPU cost")
    right.set_yscale("log")
    right.legend(fontsize=7)
    figure.tight_layout()
    figure.savefig(sys.argv[2], dpi=100)


main()
