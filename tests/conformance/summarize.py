#!/usr/bin/env python3
"""Joins an `engine conformance --report` JSON with node-index.tsv: how many of the node tests that
ONNX Runtime passes we pass too, and which of those we fail. Usage: summarize.py REPORT.json INDEX.tsv"""
import csv, json, sys

report = json.load(open(sys.argv[1]))
status = {t["name"]: t for t in report["tests"]}
ort = {row["test"]: row["ort_dotnet_1.31.1"] for row in csv.DictReader(open(sys.argv[2]), delimiter="\t")}
ort_pass = [n for n, s in ort.items() if s == "pass"]
ours = [n for n in ort_pass if status.get(n, {}).get("status") == "passed"]
print(f"node tests ORT passes: {len(ort_pass)}; we pass {len(ours)} of them")
for n in sorted(set(ort_pass) - set(ours)):
    print(f"  fail {n}: {status.get(n, {}).get('reason', 'not run')[:160]}")
