#!/usr/bin/env python3
"""Writes a llama-architecture GGUF with random F16 weights and a real model's tokenizer (from
extract_tokenizer.py), for timing a GPU where no real model of that size can be carried (the GPU
machine is offline and takes 64 MiB a call). Random weights time like real ones for a dense model;
they say nothing about answer quality. Needs `gguf` (PyPI) and numpy.

Usage: random_model.py TOKENIZER.json.gz OUT.gguf [--layers 16 --embd 2048 --ff 8192 --heads 32 --kv-heads 8]
The defaults are Llama 3.2 1B's shape (config.json of meta-llama/Llama-3.2-1B) with the tokenizer's vocabulary.
"""
import argparse
import gzip
import json
import sys
import types

try:
    import yaml  # noqa: F401  (gguf imports it for model cards, which this script does not write)
except ImportError:
    sys.modules["yaml"] = types.ModuleType("yaml")
import numpy as np
import gguf

ap = argparse.ArgumentParser()
ap.add_argument("tokenizer")
ap.add_argument("out")
ap.add_argument("--layers", type=int, default=16)
ap.add_argument("--embd", type=int, default=2048)
ap.add_argument("--ff", type=int, default=8192)
ap.add_argument("--heads", type=int, default=32)
ap.add_argument("--kv-heads", type=int, default=8)
ap.add_argument("--ctx", type=int, default=8192)
args = ap.parse_args()

with gzip.open(args.tokenizer, "rt") as f:
    tok = json.load(f)
vocab = len(tok["tokenizer.ggml.tokens"]["value"])
head_dim = args.embd // args.heads
rng = np.random.default_rng(0)

w = gguf.GGUFWriter(args.out, "llama")
w.add_name(f"random-llama-{args.layers}L-{args.embd}")
w.add_context_length(args.ctx)
w.add_embedding_length(args.embd)
w.add_block_count(args.layers)
w.add_feed_forward_length(args.ff)
w.add_head_count(args.heads)
w.add_head_count_kv(args.kv_heads)
w.add_rope_dimension_count(head_dim)
w.add_rope_freq_base(500000.0)
w.add_layer_norm_rms_eps(1e-5)
w.add_vocab_size(vocab)
w.add_file_type(gguf.LlamaFileType.MOSTLY_F16)
for key, field in tok.items():
    t = gguf.GGUFValueType[field["type"]]
    sub = gguf.GGUFValueType[field["sub"]] if field["sub"] else None
    w.add_key_value(key, field["value"], t, sub_type=sub)


def rand(*shape, scale=0.02):
    return (rng.standard_normal(shape, dtype=np.float32) * scale).astype(np.float16)


def ones(n):
    return np.ones(n, dtype=np.float32)


kv = args.kv_heads * head_dim
w.add_tensor("token_embd.weight", rand(vocab, args.embd))
for i in range(args.layers):
    p = f"blk.{i}."
    w.add_tensor(p + "attn_norm.weight", ones(args.embd))
    w.add_tensor(p + "attn_q.weight", rand(args.embd, args.embd))
    w.add_tensor(p + "attn_k.weight", rand(kv, args.embd))
    w.add_tensor(p + "attn_v.weight", rand(kv, args.embd))
    w.add_tensor(p + "attn_output.weight", rand(args.embd, args.embd))
    w.add_tensor(p + "ffn_norm.weight", ones(args.embd))
    w.add_tensor(p + "ffn_gate.weight", rand(args.ff, args.embd))
    w.add_tensor(p + "ffn_up.weight", rand(args.ff, args.embd))
    w.add_tensor(p + "ffn_down.weight", rand(args.embd, args.ff))
w.add_tensor("output_norm.weight", ones(args.embd))
w.add_tensor("output.weight", rand(vocab, args.embd))
w.write_header_to_file()
w.write_kv_data_to_file()
w.write_tensors_to_file()
w.close()
print(f"wrote {args.out}: {args.layers} layers, {args.embd} wide, vocab {vocab}")
