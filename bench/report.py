"""Turn a pytest-benchmark JSON file into a markdown table of words/s and ratios.

Usage: python -m bench.report RESULTS.json
Ratios are taken within the one run the file holds: each fastw2v figure against gensim's with the
same number of threads, and each multi-thread figure against the same trainer's one-thread figure.
"""

import json
import sys


SPEED_GROUPS = ("training", "end-to-end")


def speed_rows(results):
    """(group, trainer, mode, threads, words/s) of the benchmarks that train words."""
    for bench in results["benchmarks"]:
        info = bench.get("extra_info", {})
        if bench.get("group") in SPEED_GROUPS and info.get("words"):
            yield (bench["group"], info["trainer"], info["mode"], info["threads"],
                   info["words"] / bench["stats"]["median"])


def table(results):
    """Markdown: words/s with ratios, then the other measurements' figures."""
    speeds = list(speed_rows(results))
    speed_of = {row[:4]: row[4] for row in speeds}
    lines = ["| group | trainer | mode | threads | words/s | × gensim (same threads) | × own 1 thread |",
             "|---|---|---|---|---|---|---|"]
    for group, trainer, mode, threads, speed in speeds:
        peer = next((s for (g, t, _, n), s in speed_of.items() if (g, t, n) == (group, "gensim", threads)), None)
        single = speed_of.get((group, trainer, mode, 1))
        lines.append(f"| {group} | {trainer} | {mode} | {threads} | {speed:,.0f} | "
                     f"{_ratio(speed, peer)} | {_ratio(speed, single)} |")
    others = [b for b in results["benchmarks"] if b.get("group") not in SPEED_GROUPS]
    if others:
        lines += ["", "| measurement | median s | figures |", "|---|---|---|"]
        for bench in others:
            figures = ", ".join(f"{k}={v:.3g}" if isinstance(v, float) else f"{k}={v}"
                                for k, v in bench.get("extra_info", {}).items())
            lines.append(f"| {bench['name']} | {bench['stats']['median']:.3f} | {figures} |")
    machine = results.get("machine_info", {})
    cpu = machine.get("cpu", {})
    lines += ["", f"Machine: {cpu.get('brand_raw', machine.get('processor', '?'))}, "
                  f"{cpu.get('count', '?')} cores, Python {machine.get('python_version', '?')}."]
    return "\n".join(lines)


def _ratio(value, reference):
    return f"{value / reference:.2f}" if reference else ""


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        print(__doc__.splitlines()[2], file=sys.stderr)
        return 2
    with open(argv[0], encoding="utf-8") as handle:
        print(table(json.load(handle)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
