#!/usr/bin/env python3
"""Parses a Prometheus textfile with the reference parser (prometheus_client) and prints
every sample as JSON: {"name{label=value,...}": value}. Fails loudly on a malformed file."""
import json
import sys

from prometheus_client.parser import text_string_to_metric_families

samples = {}
types = {}
with open(sys.argv[1], encoding="utf-8") as handle:
    for family in text_string_to_metric_families(handle.read()):
        types[family.name] = family.type
        for sample in family.samples:
            labels = ",".join(f"{k}={v}" for k, v in sorted(sample.labels.items()))
            samples[f"{sample.name}{{{labels}}}"] = sample.value
print(json.dumps({"samples": samples, "types": types}))
