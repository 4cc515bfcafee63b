#!/usr/bin/env python3
"""Copies a GGUF's tokenizer metadata (and chat template) into a JSON file, so that a model with
random weights made on a GPU machine (bench/gpu/random_model.py) tokenizes and chats like the real
one. Needs the `gguf` package (PyPI). Usage: extract_tokenizer.py MODEL.gguf OUT.json.gz"""
import gzip
import json
import sys

import gguf

reader = gguf.GGUFReader(sys.argv[1])
out = {}
for key, field in reader.fields.items():
    if not key.startswith("tokenizer."):
        continue
    value = field.contents()
    out[key] = {"type": field.types[0].name, "sub": field.types[-1].name if len(field.types) > 1 else None, "value": value}
with gzip.open(sys.argv[2], "wt") as f:
    json.dump(out, f)
print(f"{len(out)} tokenizer fields -> {sys.argv[2]}")
