"""Hugging Face models from a directory saved with save_pretrained (config.json, *.safetensors, tokenizer files):
the console guide's Hugging Face runtime tasks. Nothing is downloaded: the hub is switched off in this process.

OIP v1 `instances` (and a v2 BYTES input) are texts. Per task the prediction is, as KServe's Hugging Face server:
sequence_classification → the class index (or {index: probability} with return_probabilities), token_classification
→ the class index of each token, fill_mask → the word(s) for the mask token(s), text_generation /
text2text_generation → the generated text (a causal model's includes the prompt). Generative models also answer
the OpenAI routes (serving/openai.py) through a `Generator` (serving/generation.py).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from .loaded import Loaded, LoadError, parameter

TASKS = {
    "sequence_classification": "AutoModelForSequenceClassification",
    "token_classification": "AutoModelForTokenClassification",
    "fill_mask": "AutoModelForMaskedLM",
    "text_generation": "AutoModelForCausalLM",
    "text2text_generation": "AutoModelForSeq2SeqLM",
}
SUFFIXES = (
    ("ForSequenceClassification", "sequence_classification"),
    ("ForTokenClassification", "token_classification"),
    ("ForMaskedLM", "fill_mask"),
)
GENERATIVE = ("text_generation", "text2text_generation")
DTYPES = ("float32", "float16", "bfloat16")


def task_of(config: Any, parameters: dict[str, str]) -> str:
    given = parameter(parameters, "task")
    if given:
        task = given.strip().lower().replace("-", "_")
        if task not in TASKS:
            raise LoadError(f"task '{given}' is not served; the Hugging Face runtime serves: {', '.join(TASKS)}")
        return task
    for architecture in getattr(config, "architectures", None) or []:
        if architecture.endswith(("ForCausalLM", "LMHeadModel")):
            return "text_generation"
        if architecture.endswith("ForConditionalGeneration") and getattr(config, "is_encoder_decoder", False):
            return "text2text_generation"
        for suffix, task in SUFFIXES:
            if architecture.endswith(suffix):
                return task
    raise LoadError(
        f"cannot tell the task from config.json's architectures {getattr(config, 'architectures', None)}; "
        f"give the model parameter task ({', '.join(TASKS)})"
    )


def load(path: Path, parameters: dict[str, str]) -> Loaded:
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    try:
        import torch
        import transformers
    except ImportError:
        raise LoadError(
            "Hugging Face serving needs transformers and torch: pip install 'jupyter-easymaker[hf]'"
        ) from None
    transformers.utils.logging.disable_progress_bar()
    dtype = parameter(parameters, "dtype", "float32")
    if dtype not in DTYPES:
        raise LoadError(f"dtype '{dtype}' is not one of {', '.join(DTYPES)}")
    try:
        config = transformers.AutoConfig.from_pretrained(path)
        task = task_of(config, parameters)
        auto = getattr(transformers, TASKS[task])
        model = auto.from_pretrained(path, use_safetensors=True, dtype=getattr(torch, dtype))
        tokenizer = transformers.AutoTokenizer.from_pretrained(path)
    except (OSError, ValueError, ImportError) as err:
        raise LoadError(f"the Hugging Face model in {path} does not load: {err}") from None
    model.eval()
    if tokenizer.pad_token is None and tokenizer.eos_token is not None:
        tokenizer.pad_token = tokenizer.eos_token
    max_length = int(parameter(parameters, "max_length") or min(tokenizer.model_max_length, 4096))
    if task in GENERATIVE:
        from .generation import Generator, Sampling

        generator = Generator(model, tokenizer, task == "text2text_generation", parameters)

        def generate(texts: Any) -> list[str]:
            new_tokens = int(parameter(parameters, "max_new_tokens", "64") or 64)
            results = []
            for text in _texts(texts):
                run = generator.start(text, Sampling(max_tokens=None, default_tokens=new_tokens))
                "".join(run)  # as KServe: a causal model's text is the prompt's and the completion's tokens decoded
                results.append(generator.tokenizer.decode(run.output_ids, skip_special_tokens=True))
            return results

        return Loaded(generate, "huggingface", text=True, generator=generator)
    return Loaded(_predictor(task, model, tokenizer, max_length, parameters), "huggingface", text=True)


def _texts(texts: Any) -> list[str]:
    items = texts.tolist() if hasattr(texts, "tolist") else list(texts)
    if not all(isinstance(t, str) for t in items):
        raise ValueError("each instance must be a text (a JSON string)")
    return items


def _predictor(task: str, model: Any, tokenizer: Any, max_length: int, parameters: dict[str, str]) -> Any:
    import torch

    probabilities = (parameter(parameters, "return_probabilities", "false") or "").lower() in ("1", "true", "yes")

    def predict(texts: Any) -> list:
        batch = tokenizer(_texts(texts), padding=True, truncation=True, max_length=max_length, return_tensors="pt")
        with torch.no_grad():
            logits = model(**batch).logits
        if task == "sequence_classification":
            if probabilities:
                return [{str(i): p for i, p in enumerate(row)} for row in torch.softmax(logits, -1).tolist()]
            return logits.argmax(-1).tolist()
        if task == "token_classification":
            mask = batch["attention_mask"].bool()
            return [row[m].tolist() for row, m in zip(logits.argmax(-1), mask, strict=True)]
        results = []  # fill_mask
        for ids, row in zip(batch["input_ids"], logits, strict=True):
            where = (ids == tokenizer.mask_token_id).nonzero().flatten().tolist()
            if not where:
                raise ValueError(f"each text needs the mask token {tokenizer.mask_token}")
            words = [tokenizer.decode([int(row[i].argmax())]).strip() for i in where]
            results.append(words[0] if len(words) == 1 else words)
        return results

    return predict
