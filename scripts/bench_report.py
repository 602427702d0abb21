#!/usr/bin/env python3
"""Turn the samples of scripts/bench into bench/results/latest.md and latest.json.

Input: --meta (machine, versions, scales, rounds, durations) and --samples (JSON lines:
scale, round, variant, seconds, rss_kb, bytes, cpu_s). Output: per scale, the median, min and max
of every variant, the ratios Lifeboat/peer and Lifeboat/limit, upload throughput, peak RSS,
and the goals of issues 9, 21 and 22 each marked met or not met. Standard library only.
"""

import argparse
import json
import statistics
import sys

MB = 1e6      # throughput and file sizes in MB (10^6 bytes)
MIB = 1024    # RSS is in kB (KiB) from /usr/bin/time; MiB = 1024 KiB

# variant -> (operation, label); the order is the order of the tables.
VARIANTS = {
    "backup_limit": ("backup", "limit: `pg_dump > plain.sql`"),
    "backup_peer": ("backup", "peer: `pg_dump | gzip -6 | gpg -e`"),
    "backup_peer_pigz": ("backup", "parallel peer: `pg_dump | pigz -6 | gpg -e`"),
    "backup_lifeboat": ("backup", "Lifeboat: `backup --compress --encrypt`"),
    "backup_lifeboat_level6": ("backup", "Lifeboat, gzip level 6: `BACKUP_COMPRESSION_LEVEL=6 backup …` (not a goal)"),
    "backup_lifeboat_signed": ("backup", "Lifeboat, signed: `BACKUP_SIGNING_KEY=… backup …` (not a goal)"),
    "restore_limit": ("restore", "limit: `psql < plain.sql`"),
    "restore_peer": ("restore", "peer: `gpg -d | gunzip | psql`"),
    "restore_lifeboat": ("restore", "Lifeboat: `restore --force` (new database)"),
    "restore_lifeboat_signed": ("restore", "Lifeboat, signed: signature and segments checked (not a goal)"),
    "verify_lifeboat": ("verify", "Lifeboat: `verify`"),
    "upload_aws": ("upload", "`aws s3 cp` of the plain dump"),
    "aws_startup": ("upload", "`aws s3api head-bucket` (aws CLI start-up, for reference)"),
    "upload_lifeboat": ("upload", "Lifeboat: `sync` of the same file"),
    "recovery_manual": ("recovery", "manual total loss: `aws s3 cp`, `createdb`, `gpg -d | gunzip | psql`"),
    "recovery_total_loss": ("recovery", "Lifeboat: `runbook run total-loss --yes` (RTO, whole command)"),
    "recovery_recent_corruption": ("recovery", "Lifeboat: `runbook run recent-corruption --yes` (whole command)"),
    "recovery_downtime": ("recovery", "Lifeboat: recent-corruption's downtime (services.stop → services.start)"),
}
LIFEBOAT_COMMANDS = {  # peak RSS per command: variant -> name
    "backup_lifeboat": "backup",
    "backup_lifeboat_level6": "backup (level 6)",
    "backup_lifeboat_signed": "backup (signed)",
    "restore_lifeboat_signed": "restore (signed)",
    "upload_lifeboat": "sync",
    "restore_lifeboat": "restore",
    "verify_lifeboat": "verify",
    "recovery_total_loss": "runbook run total-loss",
    "recovery_recent_corruption": "runbook run recent-corruption",
}


def set_order(key):
    """pgbench scales by size, then the named data sets (the text-heavy one)."""
    return (1, 0, key) if isinstance(key, str) else (0, key, "")


def set_label(key):
    return "text-heavy set" if key == "text" else f"scale {key}"


def summarize(samples):
    """{scale: {variant: stats}}"""
    out = {}
    for s in samples:
        out.setdefault(s["scale"], {}).setdefault(s["variant"], []).append(s)
    summary = {}
    for scale, variants in sorted(out.items(), key=lambda item: set_order(item[0])):
        summary[scale] = {}
        for variant, rows in variants.items():
            secs = [r["seconds"] for r in rows]
            rss = [r["rss_kb"] for r in rows if r.get("rss_kb") is not None]
            sizes = [r["bytes"] for r in rows if r.get("bytes") is not None]
            cpu = [r["cpu_s"] for r in rows if r.get("cpu_s") is not None]
            st = {
                "n": len(secs),
                "median_s": statistics.median(secs),
                "min_s": min(secs),
                "max_s": max(secs),
                "samples_s": secs,
            }
            if rss:
                st["rss_max_kb"] = max(rss)
                st["rss_median_kb"] = statistics.median(rss)
            if sizes:
                st["bytes_median"] = statistics.median(sizes)
            if cpu:
                st["cpu_median_s"] = statistics.median(cpu)
            summary[scale][variant] = st
        add_throughput(summary[scale])
        add_cpu_per_gb(summary[scale])
    return summary


def add_cpu_per_gb(v):
    """CPU seconds per GB of plain dump (the limit's file), so scales and data sets compare."""
    dump = v.get("backup_limit", {}).get("bytes_median")
    for st in v.values():
        if dump and st.get("cpu_median_s") is not None:
            st["cpu_s_per_gb"] = st["cpu_median_s"] / (dump / 1e9)


def add_throughput(v):
    for name in ("upload_aws", "upload_lifeboat"):
        st = v.get(name)
        if st and st.get("bytes_median") and st["median_s"] > 0:
            st["mb_per_s"] = st["bytes_median"] / MB / st["median_s"]


def ratio(v, a, b):
    if a in v and b in v and v[b]["median_s"] > 0:
        return v[a]["median_s"] / v[b]["median_s"]
    return None


def fmt_s(x):
    return f"{x:.2f}" if x < 100 else f"{x:.0f}"


def fmt_ratio(x):
    return "n/a" if x is None else f"{x:.2f}×"


def ratios_text(v, variant):
    parts = []
    if variant in ("backup_lifeboat", "backup_lifeboat_level6"):
        parts = [f"{fmt_ratio(ratio(v, variant, 'backup_peer'))} peer", f"{fmt_ratio(ratio(v, variant, 'backup_peer_pigz'))} pigz peer",
                 f"{fmt_ratio(ratio(v, variant, 'backup_limit'))} limit"]
    elif variant == "restore_lifeboat":
        parts = [f"{fmt_ratio(ratio(v, variant, 'restore_peer'))} peer", f"{fmt_ratio(ratio(v, variant, 'restore_limit'))} limit"]
    elif variant == "backup_lifeboat_signed":
        parts = [f"{fmt_ratio(ratio(v, variant, 'backup_lifeboat'))} unsigned backup"]
    elif variant == "restore_lifeboat_signed":
        parts = [f"{fmt_ratio(ratio(v, variant, 'restore_lifeboat'))} unsigned restore",
                 f"{fmt_ratio(ratio(v, variant, 'restore_peer'))} peer"]
    elif variant == "verify_lifeboat":
        parts = [f"{fmt_ratio(ratio(v, variant, 'restore_lifeboat'))} Lifeboat restore",
                 f"{fmt_ratio(ratio(v, variant, 'restore_peer'))} restore peer"]
    elif variant == "upload_lifeboat":
        parts = [f"{fmt_ratio(ratio(v, variant, 'upload_aws'))} aws s3 cp"]
    elif variant == "recovery_total_loss":
        parts = [f"{fmt_ratio(ratio(v, variant, 'recovery_manual'))} manual"]
    elif variant == "recovery_downtime":
        parts = [f"{fmt_ratio(ratio(v, variant, 'restore_lifeboat'))} bare Lifeboat restore",
                 f"{fmt_ratio(ratio(v, variant, 'restore_peer'))} restore peer"]
    return ", ".join(parts)


def throughput_text(st):
    if "mb_per_s" not in st:
        return ""
    return f"{st['mb_per_s']:.1f}"


def size_ratio(v, a, b):
    x, y = v.get(a, {}).get("bytes_median"), v.get(b, {}).get("bytes_median")
    return x / y if x and y else None


def cpu_ratio(v, a, b):
    x, y = v.get(a, {}).get("cpu_median_s"), v.get(b, {}).get("cpu_median_s")
    return x / y if x is not None and y else None


def goals(summary, meta):
    scales = sorted(k for k in summary if not isinstance(k, str))
    big = 50 if 50 in summary else (scales[-1] if scales else None)
    small = 10 if 10 in summary and big != 10 else (scales[0] if scales else None)
    result = []

    def goal(issue, name, target, data_set, measured, met, detail=""):
        result.append({"issue": issue, "goal": name, "target": target, "scale": data_set, "measured": measured,
                       "met": met, "detail": detail})

    def ratio_goal(issue, name, data_set, a, b, limit, what, measure=ratio, unit="s"):
        v = summary.get(data_set, {})
        r = measure(v, a, b)
        if r is None:
            detail = ""
        elif unit == "s":
            detail = f"{fmt_s(v[a]['median_s'])} s vs {fmt_s(v[b]['median_s'])} s"
        elif unit == "MB":
            detail = f"{v[a]['bytes_median'] / MB:.2f} MB vs {v[b]['bytes_median'] / MB:.2f} MB"
        else:
            detail = f"{v[a]['cpu_median_s']:.2f} CPU s vs {v[b]['cpu_median_s']:.2f} CPU s"
        goal(issue, name, f"≤ {limit:.2f}× {what}", data_set, None if r is None else round(r, 3),
             None if r is None else r <= limit, detail)

    sets_22 = [k for k in (big, "text") if k in summary]
    if big is not None:
        # Issue 21: recovery against the manual procedure and the bare restore.
        ratio_goal(21, "total-loss RTO vs manual", big, "recovery_total_loss", "recovery_manual", 0.80,
                   "manual procedure (aws s3 cp + createdb + gpg -d | gunzip | psql)")
        ratio_goal(21, "recent-corruption downtime vs bare restore", big, "recovery_downtime", "restore_lifeboat", 0.25,
                   "bare `lifeboat restore`")
        ratio_goal(21, "restore vs peer", big, "restore_lifeboat", "restore_peer", 0.85,
                   "restore peer (gpg -d | gunzip | psql)")
    for data_set in sets_22:
        # Issue 22: compression that costs almost nothing.
        ratio_goal(22, "backup vs pigz peer", data_set, "backup_lifeboat", "backup_peer_pigz", 0.60,
                   "parallel peer (pg_dump | pigz -6 | gpg)")
        ratio_goal(22, "backup vs limit", data_set, "backup_lifeboat", "backup_limit", 1.30, "limit (pg_dump > file)")
        ratio_goal(22, "file size vs gzip -6", data_set, "backup_lifeboat", "backup_peer", 1.03,
                   "the gzip -6 peer's file", measure=size_ratio, unit="MB")
        ratio_goal(22, "backup CPU vs gzip peer", data_set, "backup_lifeboat", "backup_peer", 0.50,
                   "the gzip peer's CPU seconds", measure=cpu_ratio, unit="cpu")
    if big is not None:
        # Issue 9's, still held.
        ratio_goal(9, "backup vs gzip peer", big, "backup_lifeboat", "backup_peer", 0.9, "peer (pg_dump | gzip -6 | gpg)")
        ratio_goal(9, "verify vs restore", big, "verify_lifeboat", "restore_lifeboat", 1.1, "Lifeboat's restore")

    # Peak RSS: every Lifeboat run on every data set.
    worst = max(((st["rss_max_kb"], scale, LIFEBOAT_COMMANDS[var])
                 for scale, vs in summary.items() for var, st in vs.items()
                 if var in LIFEBOAT_COMMANDS and "rss_max_kb" in st), default=None)
    if worst:
        kb, scale, cmd = worst
        result.append({"issue": "9, 21, 22", "goal": "peak RSS", "target": "≤ 64 MiB", "scale": "all",
                       "measured": round(kb / MIB, 1), "met": kb <= 64 * MIB,
                       "detail": f"largest: {cmd} on {set_label(scale)}, {kb / MIB:.1f} MiB"})
    if small is not None and small != big:
        diffs = []
        for var, cmd in LIFEBOAT_COMMANDS.items():
            a = summary[small].get(var, {}).get("rss_max_kb")
            b = summary[big].get(var, {}).get("rss_max_kb")
            if a and b:
                diffs.append((abs(b - a) / a, cmd, a, b))
        if diffs:
            d, cmd, a, b = max(diffs)
            result.append({"issue": "9, 21, 22", "goal": "peak RSS growth", "target": f"within 10 % from scale {small} to {big}",
                           "scale": f"{small}→{big}", "measured": round(d * 100, 1), "met": d <= 0.10,
                           "detail": f"largest change: {cmd}, {a / MIB:.1f} → {b / MIB:.1f} MiB ({d * 100:.1f} %)"})
    else:
        result.append({"issue": "9, 21, 22", "goal": "peak RSS growth", "target": "within 10 % between two scales", "scale": big,
                       "measured": None, "met": None, "detail": "needs two scales"})

    v = summary.get(big, {})
    lb, aws = v.get("upload_lifeboat", {}), v.get("upload_aws", {})
    if lb.get("mb_per_s") and aws.get("mb_per_s"):
        r = lb["mb_per_s"] / aws["mb_per_s"]
        goal(9, "upload throughput", "≥ aws s3 cp (same file, whole commands)", big, round(r, 3), r >= 1.0,
             f"{lb['mb_per_s']:.1f} MB/s vs {aws['mb_per_s']:.1f} MB/s ({lb['median_s']:.2f} s vs {aws['median_s']:.2f} s)")
    for g in result:
        if meta.get("rounds", 0) < 3 and g["met"] is not None:
            g["detail"] += " (fewer than 3 rounds)"
    return result


def row(*cells):
    """A Markdown table row; `|` inside a cell (even in a code span) must be escaped."""
    return "| " + " | ".join(str(c).replace("|", "\\|") for c in cells) + " |"


def mark(met):
    return "n/a" if met is None else ("met" if met else "**not met**")


def measured_text(g):
    m = g["measured"]
    if m is None:
        return "n/a"
    if g["goal"] == "peak RSS":
        return f"{m:.1f} MiB"
    if g["goal"] == "peak RSS growth":
        return f"{m:.1f} %"
    return f"{m:.2f}×"


def markdown(meta, summary, goal_list):
    ver = meta.get("versions", {})
    changed = meta.get("git_sources_changed", 0)
    lines = [
        f"Run of {meta['date']}: `make bench`, scales {', '.join(map(str, meta['scales']))} "
        f"(`pgbench -i -s N`)" + (f" and a text-heavy set ({meta['text_mb']} MB)" if meta.get("text_mb") else "")
        + f", {meta['rounds']} interleaved round{'s' if meta['rounds'] != 1 else ''}. Times are wall-clock seconds, "
        "median (min–max); MB = 10^6 bytes; RSS is the peak resident set size from `/usr/bin/time -f %M`.",
        "",
        f"- Machine: {meta['nproc']} cores (`nproc`), {meta['cpu_model']}, {meta['memory_mib']} MiB RAM; "
        f"load average {meta['load_average_before']} before the rounds, {meta['load_average_after']} after",
        f"- Lifeboat {ver.get('lifeboat', '?')} release build, commit {meta['git_commit']}"
        + (f" with {changed} uncommitted change(s) under Sources/" if changed else ""),
        f"- PostgreSQL server {ver.get('postgresql_server', '?')} (the `scripts/test-env` cluster: fsync off); "
        f"{ver.get('pg_dump', '?')}; {ver.get('psql', '?')}",
        f"- {ver.get('gzip', '?')}; {ver.get('gpg', '?')}; {ver.get('aws', '?')} against moto_server on loopback; "
        f"{ver.get('swift', '?')}",
        f"- The run took {meta['duration_seconds'] / 60:.1f} min, of which {meta['rounds_seconds'] / 60:.1f} min "
        "for the rounds (the rest: install check, build, pgbench databases)",
        "",
        "#### Goals",
        "",
        "| issue | goal | target | data set | measured | result | detail |",
        "|---|---|---|---|---|---|---|",
    ]
    for g in goal_list:
        data_set = g["scale"] if g["scale"] in ("all",) or "→" in str(g["scale"]) else set_label(g["scale"])
        lines.append(row(g["issue"], g["goal"], g["target"], data_set, measured_text(g), mark(g["met"]), g["detail"]))
    for scale, v in summary.items():
        heading = set_label(scale).capitalize()
        if scale == "text":
            heading += f" ({meta.get('text_mb', '?')} MB plain dump of md5()/random() text rows)"
        lines += ["", f"#### {heading}", "",
                  "| operation | variant | median s | min–max s | ratio | MB/s | peak RSS MiB | file MB | CPU s per GB of dump |",
                  "|---|---|---|---|---|---|---|---|---|"]
        for variant, (op, label) in VARIANTS.items():
            st = v.get(variant)
            if not st:
                continue
            rss = f"{st['rss_max_kb'] / MIB:.1f}" if "rss_max_kb" in st else ""
            size = f"{st['bytes_median'] / MB:.1f}" if st.get("bytes_median") else ""
            cpu = f"{st['cpu_s_per_gb']:.1f}" if "cpu_s_per_gb" in st else ""
            lines.append(row(op, label, fmt_s(st["median_s"]), f"{fmt_s(st['min_s'])}–{fmt_s(st['max_s'])}",
                             ratios_text(v, variant), throughput_text(st), rss, size, cpu))
    lines += [
        "",
        "Notes: every timed command follows a `sync` (not timed), so that none pays for the page-cache "
        "write-back of the one before (the test cluster runs with fsync off). "
        "The peers' restores get an empty database made beforehand (not timed); Lifeboat's restore "
        "creates its database, restores with `--single-transaction`, validates the row counts and renames it. "
        "The uploads send the same file, the plain dump (the compressed backups are too small for the transfer "
        "to outweigh the aws CLI's start-up), as whole commands: `aws s3 cp FILE s3://…` and `lifeboat sync` of a "
        "folder holding only that file under a backup name (it lists the bucket, uploads, and reads the object "
        "back with a HEAD request). `aws s3api head-bucket` shows the aws CLI's start-up for reference. "
        "Recovery (pgbench scales): the backup and its manifest are in the bucket and the target database does not "
        "exist; the manual procedure downloads, creates the database and loads it (the application is down "
        "throughout); the total-loss runbook runs as one command with `--yes`, services under the `command` "
        "provider (`true`); recent-corruption then runs on the database total loss brought back, and its downtime "
        "is the report's services.stop → services.start.",
        "",
    ]
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--meta", required=True)
    ap.add_argument("--samples", required=True)
    ap.add_argument("--markdown", required=True)
    ap.add_argument("--json", required=True)
    args = ap.parse_args()
    with open(args.meta) as f:
        meta = json.load(f)
    with open(args.samples) as f:
        samples = [json.loads(line) for line in f if line.strip()]
    if not samples:
        sys.exit("bench_report: no samples")
    summary = summarize(samples)
    goal_list = goals(summary, meta)
    with open(args.markdown, "w") as f:
        f.write(markdown(meta, summary, goal_list))
    with open(args.json, "w") as f:
        json.dump({"meta": meta, "goals": goal_list,
                   "summary": {str(k): v for k, v in summary.items()}, "samples": samples},
                  f, indent=2, ensure_ascii=False)
        f.write("\n")


if __name__ == "__main__":
    main()
