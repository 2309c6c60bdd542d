#!/usr/bin/env python3
"""bench/report.py OUT — medians, ratios and PASS/FAIL per target from what
bench/run left in OUT (hyperfine JSON, go test -bench output); prints a
Markdown summary and writes it to OUT/summary.md."""

import json
import os
import re
import sys

out = sys.argv[1]


def read(name, default=""):
    try:
        with open(os.path.join(out, name)) as f:
            return f.read().strip()
    except OSError:
        return default


def hyperfine(name):
    try:
        with open(os.path.join(out, name)) as f:
            data = json.load(f)
    except OSError:
        return {}
    return {r["command"]: r for r in data["results"]}


def rounds(prefix):
    """Merges hyperfine's PREFIX-r1.json, -r2.json... (bench/run times each
    command in rounds) into one result per command, recomputed over all
    its runs."""
    merged = {}
    k = 1
    while os.path.exists(os.path.join(out, "%s-r%d.json" % (prefix, k))):
        for cmd, r in hyperfine("%s-r%d.json" % (prefix, k)).items():
            merged.setdefault(cmd, []).extend(r["times"])
        k += 1
    res = {}
    for cmd, t in merged.items():
        t = sorted(t)
        n = len(t)
        mean = sum(t) / n
        med = t[n // 2] if n % 2 else (t[n // 2 - 1] + t[n // 2]) / 2
        sd = (sum((x - mean) ** 2 for x in t) / (n - 1)) ** 0.5 if n > 1 else 0.0
        res[cmd] = {"command": cmd, "times": t, "median": med, "mean": mean, "stddev": sd, "min": t[0]}
    return res


def gobench(name):
    """name -> ns/op, plus any extra metrics as name:unit."""
    res = {}
    for line in read(name).splitlines():
        m = re.match(r"^(Benchmark\S+?)(?:-\d+)?\s+\d+\s+(.*)$", line)
        if not m:
            continue
        fields = m.group(2).split()
        for val, unit in zip(fields[::2], fields[1::2]):
            key = m.group(1) if unit == "ns/op" else m.group(1) + ":" + unit
            res[key] = float(val)
    return res


get = rounds("get") or hyperfine("get.json")
setls = hyperfine("set-ls.json")
ms = lambda r: r["median"] * 1e3  # noqa: E731

lines = ["# ward bench summary", ""]
lines += ["```", read("machine.txt"), "ward commit: " + read("commit.txt", "(no ward binary)"),
          "load average before/after: %s / %s" % (read("load-before.txt"), read("load-after.txt")), "```", ""]

try:
    if float(read("load-before.txt", "0").split()[0]) > os.cpu_count() / 2:
        lines += ["**The 1-minute load average was above half the cores when measuring started: "
                  "other work was running, expect noisy figures.**", ""]
except ValueError:
    pass

lines += ["| command | median | mean ± σ | min | runs |", "| --- | ---: | ---: | ---: | ---: |"]
for r in list(get.values()) + list(setls.values()):
    lines.append("| %s | %.2f ms | %.2f ± %.2f ms | %.2f ms | %d |" % (
        r["command"], ms(r), r["mean"] * 1e3, r["stddev"] * 1e3, r["min"] * 1e3, len(r["times"])))
lines.append("")

verdicts = []


def target(what, value, limit, unit, ok):
    verdicts.append((what, value, limit, unit, ok))


def g(name):
    return ms(get[name]) if name in get else None


first, warm, off = g("ward get (first of session)"), g("ward get (cache warm)"), g("ward get (WARD_CACHE_IDLE=0)")
kr, st, agem, pas = g("keyring-read (Go)"), g("secret-tool lookup"), g("age -d"), g("pass show")
if first and kr:
    target("ward get, first of session ≤ 1.2 × keyring-read (DESIGN)", first / kr, 1.2, "×", first / kr <= 1.2)
if off and kr:
    target("ward get, WARD_CACHE_IDLE=0 ≤ 1.2 × keyring-read (DESIGN; +1 exec of env)", off / kr, 1.2, "×", off / kr <= 1.2)
if first and st:
    target("ward get, first of session ≤ 1.5 × secret-tool lookup (issue)", first / st, 1.5, "×", first / st <= 1.5)
if warm and st:
    target("ward get, cache warm ≤ 1.5 × secret-tool lookup (issue)", warm / st, 1.5, "×", warm / st <= 1.5)
if warm and agem:
    target("ward get, cache warm ≤ 1.5 × age -d (DESIGN)", warm / agem, 1.5, "×", warm / agem <= 1.5)
if warm and pas:
    target("ward get, cache warm ≥ 5 × faster than pass show", pas / warm, 5, "× faster", pas / warm >= 5)
if first and pas:
    target("ward get, first of session ≥ 5 × faster than pass show", pas / first, 5, "× faster", pas / first >= 5)
if "ward set" in setls:
    v = ms(setls["ward set"])
    target("ward set p50 ≤ 20 ms (fsync included)", v, 20, "ms", v <= 20)
if "ward ls" in setls:
    v = ms(setls["ward ls"])
    target("ward ls ≤ 300 ms", v, 300, "ms", v <= 300)
ui = gobench("go-ui.txt")
if "BenchmarkFirstFrame" in ui:
    v = ui["BenchmarkFirstFrame"] / 1e6
    target("TUI first frame ≤ 200 ms (BenchmarkFirstFrame)", v, 200, "ms", v <= 200)
keys = {k: v for k, v in ui.items() if k.startswith("BenchmarkFilterKeystroke/") and ":" not in k}
if keys:
    worst = max(keys, key=keys.get)
    v = keys[worst] / 1e6
    target("TUI filter keystroke → frame ≤ 16 ms (worst of %s: %s)" % (
        ", ".join(k.split("/")[1] for k in keys), worst.split("/")[1]), v, 16, "ms", v <= 16)
if "BenchmarkFilterTyping:ms/keystroke" in ui:
    v = ui["BenchmarkFilterTyping:ms/keystroke"]
    target("TUI typing a 9-rune query, per keystroke ≤ 16 ms", v, 16, "ms", v <= 16)

# Where a ward get's time goes, from the differences between rows (medians
# of separate processes: a rough split, good to a few tenths of a ms).
sg_start, sg_unlock = g("store-get -stop start (process start)"), g("store-get -stop unlock (start+open+unlock, warm)")
sg_warm, sg_first = g("store-get (cache warm)"), g("store-get (first of session)")
split = []
if sg_start:
    split.append(("process start of a Go binary that links the store (runtime, package init)", sg_start))
if sg_start and sg_unlock:
    split.append(("Open (bbolt read-only open, header read; the handle is kept for the Get) + unlock from the session cache", sg_unlock - sg_start))
if sg_unlock and sg_warm:
    split.append(("audited Get: read in the kept transaction, audit entry appended to the tail file (not synced)", sg_warm - sg_unlock))
if sg_first and sg_warm:
    split.append(("first of session: keyring read over D-Bus, identity parse, age unwrap, cache put", sg_first - sg_warm))
if warm and sg_warm:
    split.append(("the CLI on top of the store calls (cache warm): cobra, init of everything ward links, hardening", warm - sg_warm))
if first and sg_first:
    split.append(("the CLI on top of the store calls (first of session)", first - sg_first))
w = g("ward get (cache warm, plain go build)")
if w and warm:
    split.append(("plain `go build` (cgo, dynamic linking) instead of the release build", w - warm))
if split:
    lines += ["Where the time of a get goes (differences of medians):", "",
              "| part | ms |", "| --- | ---: |"]
    lines += ["| %s | %.2f |" % (what, v) for what, v in split]
    lines.append("")

lines += ["| target | measured | limit | verdict |", "| --- | ---: | ---: | --- |"]
for what, value, limit, unit, ok in verdicts:
    lines.append("| %s | %.2f %s | %g %s | %s |" % (what, value, unit, limit, unit, "PASS" if ok else "**FAIL**"))
lines.append("")

for name, title in (("go-store.txt", "store"), ("go-crypto.txt", "crypto"), ("go-ui.txt", "ui")):
    b = gobench(name)
    if not b:
        continue
    lines += ["Go benchmarks, %s:" % title, "", "```"]
    lines += [l for l in read(name).splitlines() if l.startswith("Benchmark")]
    lines += ["```", ""]

text = "\n".join(lines)
with open(os.path.join(out, "summary.md"), "w") as f:
    f.write(text + "\n")
print(text)
