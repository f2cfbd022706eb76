"""OpenAI chat completions from a generative Hugging Face model, streamed and not, called on the stage model
server directly and through the gateway in the Jupyter server.

The model is a GPT-2 with random weights made here (no download; `--layers`, `--width`), with a word-level
tokenizer trained on a few sentences, generating `--tokens` tokens greedily. For each way the client measures
the time to the first content event (streamed) or to the answer (not streamed), and the time to the end.
Streaming works when the first event comes long before the end (a gateway that gathered the stream first would
give a first event only at the end), and the gateway's cost is the through-gateway time over the direct time.

A measurement, not a test: nothing is asserted. Usage:

    .venv/bin/python benchmarks/streaming.py [--repeat 10] [--tokens 200] [--layers 4] [--width 256]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import requests

from jupyter_easymaker.testing import TOKEN, ServerProcess

HERE = Path(__file__).resolve().parent
API = "easymaker/v1.0/appkeys/local"
SENTENCES = ["the quick brown fox jumps over the lazy dog", "a model answers questions about the weather today",
             "tokens stream one by one from the model", "hello world this is a test of generation"]  # fmt: skip


def save_model(directory: Path, layers: int, width: int, positions: int) -> None:
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import GPT2Config, GPT2LMHeadModel, PreTrainedTokenizerFast

    words = Tokenizer(models.WordLevel(unk_token="[UNK]"))
    words.pre_tokenizer, words.decoder = pre_tokenizers.Whitespace(), decoders.WordPiece()
    words.train_from_iterator(SENTENCES, trainers.WordLevelTrainer(special_tokens=["[PAD]", "[UNK]", "</s>"]))
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=words, unk_token="[UNK]", pad_token="[PAD]",
                                        eos_token="</s>", model_max_length=positions)  # fmt: skip
    tokenizer.save_pretrained(directory)
    eos = tokenizer.eos_token_id
    config = GPT2Config(vocab_size=len(tokenizer), n_layer=layers, n_embd=width, n_head=4, n_positions=positions,
                        bos_token_id=eos, eos_token_id=eos)  # fmt: skip
    torch.manual_seed(0)
    model = GPT2LMHeadModel(config)
    with torch.no_grad():
        model.transformer.wte.weight[eos] = 0  # never ends early: every call generates --tokens tokens
    model.save_pretrained(directory)


def call(url: str, body: dict, headers: dict, stream: bool) -> tuple[float, float, int]:
    """(seconds to the first content, seconds to the end, content events)."""
    began = time.perf_counter()
    first, events = None, 0
    with requests.post(url, json={**body, "stream": stream}, headers=headers, stream=stream, timeout=600) as answer:
        answer.raise_for_status()
        if not stream:
            answer.json()
            return time.perf_counter() - began, time.perf_counter() - began, 1
        for line in answer.iter_lines(decode_unicode=True):
            if line.startswith("data: {") and json.loads(line[6:])["choices"][0]["delta"].get("content"):
                events += 1
                first = first or time.perf_counter() - began
    return first or 0.0, time.perf_counter() - began, events


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--tokens", type=int, default=200)
    parser.add_argument("--layers", type=int, default=4)
    parser.add_argument("--width", type=int, default=256)
    parser.add_argument("--out", type=Path, default=HERE / "results" / "streaming.json")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="em-bench-streaming-"))
    save_model(work / "model", args.layers, args.width, positions=args.tokens + 64)
    results: dict = {"when": datetime.now(timezone.utc).isoformat(), "machine": platform.platform(),
                     "cpus": os.cpu_count(), "settings": vars(args) | {"out": str(args.out)}, "ways": {}}  # fmt: skip
    server = ServerProcess(work / "em-data", work / "root").start()
    try:
        session = requests.Session()
        session.headers["X-EasyMaker-Token"] = TOKEN
        flavor = next(f["id"] for f in session.get(f"{server.url}{API}/flavors").json()["flavorList"])
        model_id = session.post(f"{server.url}{API}/models", json={
            "modelName": "gen", "modelFormatCode": "HUGGING_FACE", "modelUploadUri": str(work / "model")},
        ).json()["model"]["modelId"]  # fmt: skip
        created = session.post(f"{server.url}{API}/endpoints", json={
            "endpointName": "stream", "flavorId": flavor, "endpointModelResourceList": [{"modelId": model_id}]},
        ).json()  # fmt: skip
        key = {"x-nhn-apikey": created["endpoint"]["apiKey"]}
        stage_id = created["endpoint"]["defaultEndpointStageId"]
        while session.get(f"{server.url}{API}/endpoint-stages/{stage_id}").json()["endpointStage"][
                "endpointStageStatusCode"] != "ACTIVE":  # fmt: skip
            time.sleep(0.2)
        record = next(server.data_dir.glob("stages/*/gen-*/generation.json"))
        port = json.loads(record.read_text())["port"]
        urls = {"direct": (f"http://127.0.0.1:{port}/openai/v1/chat/completions", {}),
                "gateway": (f"{server.url}easymaker/gateway/stream/gen/openai/v1/chat/completions", key)}  # fmt: skip
        body = {"model": "gen", "messages": [{"role": "user", "content": "hello"}], "max_tokens": args.tokens,
                "temperature": 0}  # fmt: skip
        for url, headers in urls.values():  # warm-up
            call(url, {**body, "max_tokens": 4}, headers, True)
        runs: dict[str, list] = {f"{w} {m}": [] for w in urls for m in ("streamed", "plain")}
        for _ in range(args.repeat):  # the ways take turns
            for way, (url, headers) in urls.items():
                for mode in ("streamed", "plain"):
                    runs[f"{way} {mode}"].append(call(url, body, headers, mode == "streamed"))
        for name, samples in runs.items():
            first = statistics.median(s[0] for s in samples)
            total = statistics.median(s[1] for s in samples)
            results["ways"][name] = {"first_ms": 1000 * first, "total_ms": 1000 * total,
                                     "first_over_total": first / total, "events": samples[0][2],
                                     "samples": samples}  # fmt: skip
    finally:
        server.stop()
    ways = results["ways"]
    print(f"{'way':<18} {'first ms':>9} {'total ms':>9} {'first/total':>11} {'events':>7} {'total vs direct':>16}")
    for name, row in ways.items():
        direct = ways[name.replace("gateway", "direct")]["total_ms"]
        print(f"{name:<18} {row['first_ms']:9.1f} {row['total_ms']:9.1f} {row['first_over_total']:11.3f} "
              f"{row['events']:7d} {row['total_ms'] / direct:16.3f}")  # fmt: skip
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
