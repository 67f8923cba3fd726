#!/usr/bin/env python3
"""Writes OUT/report.md and OUT/report.json from what build.sh left in OUT.

usage: report.py OUT SELECTION_TSV CALLS_TSV [NOTES_TSV]
A server passes when its tools/call, through `nxp exec` in the sandbox, returned a result
that is not an error and that contains the call's reviewed expected text (calls.tsv, fourth
column; mcp_call.py checks it): a call without one does not pass. Otherwise the report names the step that failed and its message:
import, lint, pack, install (the MCP health check at install included), start, initialize,
tools/list, timeout or call. NOTES_TSV (plugin, diagnosis) adds a reviewed diagnosis."""
import datetime
import json
import os
import sys


def read(path):
    try:
        with open(path, errors="replace") as f:
            return f.read().strip()
    except OSError:
        return ""


def one_line(text, limit=300):
    text = " ".join(line.strip() for line in text.splitlines() if line.strip())
    return text[:limit]


def main():
    out, sel, calls_tsv = sys.argv[1:4]
    notes_tsv = sys.argv[4] if len(sys.argv) > 4 else os.path.join(os.path.dirname(calls_tsv),
                                                                    "notes.tsv")
    calls, notes = {}, {}
    for path, dest in ((calls_tsv, calls), (notes_tsv, notes)):
        if os.path.exists(path):
            with open(path) as f:
                for line in f:
                    cols = line.rstrip("\n").split("\t")
                    if len(cols) >= 2 and not line.startswith("#"):
                        dest[cols[0]] = cols[1:]
    rows = []
    with open(sel) as f:
        for line in f:
            npm, version, name = line.rstrip("\n").split("\t")[:3]
            row = {"plugin": name, "npm": "%s@%s" % (npm, version), "pass": False,
                   "step": "", "message": "", "tools": [], "call": None}
            status = os.path.join(out, "status", name)
            for step in ("import", "lint", "pack", "install"):
                msg = read(status + "." + step)
                if msg:
                    row["step"], row["message"] = step, one_line(msg)
                    break
            res_path = os.path.join(out, "results", name + ".json")
            if not row["step"]:
                if not os.path.exists(res_path):
                    row["step"], row["message"] = "not run", "no result (the run stopped before it)"
                else:
                    try:
                        res = json.loads(read(res_path))
                    except ValueError:
                        res = {"stage": "call", "error": "the MCP client printed no result: " +
                               one_line(read(os.path.join(out, "logs", name + ".call.log")))}
                    row["tools"] = res.get("tools") or []
                    row["call"] = res.get("call")
                    if res.get("stage") == "ok":
                        row["pass"] = True
                    else:
                        row["step"] = res.get("stage", "call")
                        msg = res.get("error", "")
                        if res.get("stderr"):
                            msg += " | stderr: " + one_line(res["stderr"], 400)
                        row["message"] = one_line(msg, 600)
            if name in calls:
                row["example"] = {"tool": calls[name][0],
                                  "arguments": calls[name][1] if len(calls[name]) > 1 else "{}",
                                  "expect": calls[name][2] if len(calls[name]) > 2 else ""}
            # A pass needs a reviewed expected text (mcp_call.py checked the answer for it).
            if row["pass"] and not (row.get("example") or {}).get("expect"):
                row["pass"], row["step"] = False, "call"
                row["message"] = "no expected text for this call (catalogue/calls.tsv)"
            if name in notes:
                row["diagnosis"] = notes[name][0]
            rows.append(row)
    n = len(rows)
    p = sum(r["pass"] for r in rows)
    rate = "%d of %d pass (%.1f %%)" % (p, n, 100.0 * p / n if n else 0.0)
    when = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    by_step = {}
    for r in rows:
        if not r["pass"]:
            by_step[r["step"]] = by_step.get(r["step"], 0) + 1
    with open(os.path.join(out, "report.json"), "w") as f:
        json.dump({"schema": 1, "generated": when, "servers": n, "passed": p, "rate": rate,
                   "failed_by_step": by_step, "results": rows}, f, indent=1)
        f.write("\n")
    md = ["# nxp catalogue compatibility report", "",
          "Generated %s by `catalogue/build.sh` (selection: catalogue/servers.tsv, "
          "permissions: catalogue/permissions.tsv, calls: catalogue/calls.tsv)." % when, "",
          "A server passes when one real `tools/call` from the reviewed table, made through "
          "`nxp exec` (the sandbox with exactly the declared grants) after `initialize` and "
          "`tools/list`, returns a result that is not an error and contains the text the "
          "table expects of it (and no known failure text such as a failed name lookup).", "",
          "**%s**" % rate, ""]
    if by_step:
        md.append("Failures by step: " + ", ".join("%s %d" % kv for kv in sorted(by_step.items())))
        md.append("")
    md += ["| plugin | npm | tools | call | outcome |", "| --- | --- | --- | --- | --- |"]
    for r in rows:
        ex = r.get("example") or {}
        call = ("`%s`" % ex["tool"]) if ex.get("tool") else "-"
        if ex.get("expect"):
            call += " (expects “%s”)" % ex["expect"]
        if r["pass"]:
            outcome = "pass: " + (r["call"] or {}).get("text", "")[:100]
        else:
            outcome = "**%s**: %s" % (r["step"], r["message"][:400])
        if r.get("diagnosis"):
            outcome += " — diagnosis: " + r["diagnosis"]
        outcome = outcome.replace("|", "\\|")
        md.append("| %s | %s | %d | %s | %s |" % (r["plugin"], r["npm"], len(r["tools"]), call,
                                                  outcome))
    md += ["", rate, ""]
    with open(os.path.join(out, "report.md"), "w") as f:
        f.write("\n".join(md))


if __name__ == "__main__":
    main()
