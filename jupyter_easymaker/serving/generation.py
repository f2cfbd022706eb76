"""Text generation for the OpenAI routes and v1 predict: a `Run` generates in its own thread and yields the text
as transformers' TextIteratorStreamer produces it, token by token. Stop sequences are found in the text as it
comes (what could be the start of one is held back until it is not), and end the generation early. One run at
a time per model: a seed then means the same thing on every call."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from .loaded import parameter


@dataclass
class Sampling:
    max_tokens: int | None  # None: default_tokens, or fewer if the context has less room
    default_tokens: int = 16
    temperature: float = 0.0
    top_p: float = 1.0
    stop: list[str] = field(default_factory=list)
    seed: int | None = None


class ContextTooLong(ValueError):
    pass


class Generator:
    def __init__(self, model: Any, tokenizer: Any, seq2seq: bool, parameters: dict[str, str]) -> None:
        self.model, self.tokenizer, self.seq2seq = model, tokenizer, seq2seq
        self.lock = threading.Lock()
        config = model.config
        limit = parameter(parameters, "max_model_len") or next(
            (getattr(config, a) for a in ("max_position_embeddings", "n_positions", "n_ctx") if hasattr(config, a)),
            None,
        )
        self.context = int(limit) if limit else None

    @property
    def has_chat_template(self) -> bool:
        return bool(getattr(self.tokenizer, "chat_template", None))

    def chat_prompt(self, messages: list[dict[str, str]]) -> str:
        """The tokenizer's chat template with the assistant's turn opened; else role-prefixed lines."""
        if self.has_chat_template:
            return self.tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
        lines = [f"{m['role']}: {m['content']}" for m in messages]
        return "\n".join([*lines, "assistant:"])

    def encode(self, prompt: str | list[int], templated: bool = False) -> list[int]:
        if isinstance(prompt, list):
            return prompt
        return self.tokenizer(prompt, add_special_tokens=not templated)["input_ids"]

    def start(self, prompt: str | list[int], sampling: Sampling, templated: bool = False) -> Run:
        ids = self.encode(prompt, templated)
        if not ids and not self.seq2seq:
            raise ValueError("the prompt is empty")
        room = self.context - len(ids) if self.context is not None and not self.seq2seq else None
        if sampling.max_tokens is None:
            fits = sampling.default_tokens if room is None else min(sampling.default_tokens, room)
            sampling = replace(sampling, max_tokens=max(1, fits))
        assert sampling.max_tokens is not None
        if room is not None and sampling.max_tokens > room:
            raise ContextTooLong(
                f"This model's maximum context length is {self.context} tokens. However, you requested "
                f"{len(ids) + sampling.max_tokens} tokens ({len(ids)} in the prompt, {sampling.max_tokens} for the "
                "completion). Please reduce the prompt or max_tokens."
            )
        return Run(self, ids, sampling)


class Run:
    """One choice: iterate for its text pieces; then `finish_reason`, `prompt_tokens`, `completion_tokens`."""

    def __init__(self, generator: Generator, ids: list[int], sampling: Sampling) -> None:
        from transformers import TextIteratorStreamer

        self.generator, self.ids, self.sampling = generator, ids, sampling
        self.cancelled = threading.Event()
        self.prompt_tokens, self.completion_tokens = len(ids), 0
        self.finish_reason = "stop"
        self.output_ids: list[int] = []
        self.error: BaseException | None = None
        self.streamer = TextIteratorStreamer(generator.tokenizer, skip_prompt=not generator.seq2seq,
                                             skip_special_tokens=True)  # fmt: skip
        self._stopped_by_text = False
        self.thread = threading.Thread(target=self._generate, daemon=True)
        self.thread.start()

    def cancel(self) -> None:
        self.cancelled.set()

    def _generate(self) -> None:
        import torch
        from transformers import StoppingCriteria, StoppingCriteriaList

        cancelled = self.cancelled

        class Cancelled(StoppingCriteria):
            def __call__(self, input_ids: Any, scores: Any, **kwargs: Any) -> Any:
                return torch.full((input_ids.shape[0],), cancelled.is_set(), dtype=torch.bool)

        generator, sampling = self.generator, self.sampling
        tokenizer = generator.tokenizer
        ids = torch.tensor([self.ids], dtype=torch.long)
        kwargs: dict[str, Any] = {
            "input_ids": ids,
            "attention_mask": torch.ones_like(ids),
            "max_new_tokens": sampling.max_tokens,
            "streamer": self.streamer,
            "stopping_criteria": StoppingCriteriaList([Cancelled()]),
            "pad_token_id": tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id,
        }
        if sampling.temperature > 0:
            kwargs.update(do_sample=True, temperature=sampling.temperature, top_p=sampling.top_p)
        else:
            kwargs.update(do_sample=False, temperature=None, top_p=None, top_k=None)
        try:
            with generator.lock, torch.no_grad():
                if sampling.seed is not None:
                    torch.manual_seed(sampling.seed)
                output = generator.model.generate(**kwargs)
            self.output_ids = output[0].tolist()
            new = output[0] if generator.seq2seq else output[0][len(self.ids) :]
            eos = generator.model.generation_config.eos_token_id
            eos = set(eos if isinstance(eos, list) else [eos] if eos is not None else [])
            special = 1 if generator.seq2seq else 0  # a seq2seq output starts with the decoder start token
            self.completion_tokens = max(0, len(new) - special)
            ended_on_eos = len(new) > 0 and int(new[-1]) in eos
            if not ended_on_eos and self.completion_tokens >= sampling.max_tokens:
                self.finish_reason = "length"
        except BaseException as err:  # said to the caller by __iter__; the streamer must still end
            self.error = err
            self.streamer.end()

    def __iter__(self) -> Iterator[str]:
        try:
            yield from self._pieces()
        finally:  # the caller went away (a closed stream): stop generating for nobody
            self.cancel()

    def _pieces(self) -> Iterator[str]:
        text, sent = "", 0
        stops = [s for s in self.sampling.stop if s]
        for piece in self.streamer:
            text += piece
            found = [i for i in (text.find(s, sent) for s in stops) if i >= 0]
            if found:
                cut = min(found)
                if cut > sent:
                    yield text[sent:cut]
                self._stopped_by_text = True
                self.cancel()
                for _ in self.streamer:  # let the generation thread finish
                    pass
                break
            held = max((k for s in stops for k in range(1, len(s)) if text.endswith(s[:k])), default=0)
            if len(text) - held > sent:
                yield text[sent : len(text) - held]
                sent = len(text) - held
        else:
            if len(text) > sent:
                yield text[sent:]
        self.thread.join()
        if self.error is not None:
            raise self.error
        if self._stopped_by_text:
            self.finish_reason = "stop"
