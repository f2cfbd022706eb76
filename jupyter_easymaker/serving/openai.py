"""OpenAI-compatible routes for generative models (console guide, appendix 10): under `/openai/v1/` as KServe's
Hugging Face server has them, since OIP v1 already owns `/v1/models`:

    POST /openai/v1/completions        POST /openai/v1/chat/completions        GET /openai/v1/models

`stream: true` answers Server-Sent Events (`data: {chunk}` … `data: [DONE]`) as the text is generated. Bad
input is a 400 with OpenAI's error body {"error": {"message", "type", "param", "code"}}.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import time
from dataclasses import dataclass
from typing import Any

from tornado import iostream, web

from .dataplane import DataPlane, ServedModel
from .generation import ContextTooLong, Run, Sampling

COMMON = {"model", "max_tokens", "temperature", "top_p", "n", "stream", "stream_options", "stop", "seed", "user",
          "presence_penalty", "frequency_penalty", "logit_bias", "logprobs"}  # fmt: skip
COMPLETION_FIELDS = COMMON | {"prompt", "echo", "best_of", "suffix"}
CHAT_FIELDS = COMMON | {"messages", "max_completion_tokens", "top_logprobs", "tools", "tool_choice",
                        "response_format", "parallel_tool_calls", "metadata", "store"}  # fmt: skip
#: Options this server does not implement, and the values that ask for nothing (so they are accepted).
UNSUPPORTED = {
    "presence_penalty": (None, 0),
    "frequency_penalty": (None, 0),
    "logit_bias": (None, {}),
    "top_logprobs": (None,),
    "tools": (None, []),
    "tool_choice": (None, "none"),
    "response_format": (None, {"type": "text"}),
    "suffix": (None, ""),
    "best_of": (None, 1),
}
ROLES = ("system", "developer", "user", "assistant", "tool")
MAX_N = 8
MAX_STOPS = 4


class OpenAIError(Exception):
    def __init__(self, message: str, param: str | None = None, status: int = 400,
                 kind: str = "invalid_request_error", code: str | None = None) -> None:  # fmt: skip
        super().__init__(message)
        self.status = status
        self.body = {"error": {"message": message, "type": kind, "param": param, "code": code}}


@dataclass
class Request:
    model: ServedModel
    prompts: list[str | list[int]]
    sampling: Sampling
    n: int
    stream: bool
    include_usage: bool
    chat: bool
    echo: bool = False


def _number(body: dict, name: str, default: float, low: float, high: float) -> float:
    value = body.get(name)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
        raise OpenAIError(f"'{name}' must be a number from {low} to {high}", name)
    return float(value)


def _integer(body: dict, name: str, default: int | None, low: int, high: int | None = None) -> int | None:
    value = body.get(name)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int) or value < low or (high is not None and value > high):
        raise OpenAIError(f"'{name}' must be an integer of at least {low}" + (f" and at most {high}" if high else ""),
                          name)  # fmt: skip
    return value


def _unsupported(body: dict, chat: bool) -> None:
    allowed = {**UNSUPPORTED, "logprobs": (None, False) if chat else (None,)}
    for name, values in allowed.items():
        if name in body and body[name] not in values:
            raise OpenAIError(f"'{name}' is not supported by this server", name, code="unsupported_parameter")


def _model(plane: DataPlane, body: dict) -> ServedModel:
    name = body.get("model")
    generative = [m for m in plane.models.values() if m.model.generator is not None]
    if name is None or name == "":
        if len(generative) == 1:
            return generative[0]
        raise OpenAIError("you must provide a model parameter", "model")
    if not isinstance(name, str):
        raise OpenAIError("'model' must be a string", "model")
    model = plane.models.get(name)
    if model is None:
        raise OpenAIError(f"The model `{name}` does not exist.", "model", 404, code="model_not_found")
    if model.model.generator is None:
        raise OpenAIError(f"The model `{name}` is not a generative text model; call it with OIP v1/v2", "model",
                          code="model_not_supported")  # fmt: skip
    return model


def parse(plane: DataPlane, body: Any, chat: bool) -> Request:
    if not isinstance(body, dict):
        raise OpenAIError("the request body must be a JSON object")
    unknown = sorted(set(body) - (CHAT_FIELDS if chat else COMPLETION_FIELDS))
    if unknown:
        raise OpenAIError(f"Unrecognized request argument supplied: {unknown[0]}", unknown[0])
    model = _model(plane, body)
    _unsupported(body, chat)
    generator = model.model.generator
    if chat:
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages:
            raise OpenAIError("'messages' must be a non-empty list of {role, content}", "messages")
        prompts: list[str | list[int]] = [generator.chat_prompt([_message(m, i) for i, m in enumerate(messages)])]
        tokens = _integer(body, "max_completion_tokens", None, 1) or _integer(body, "max_tokens", None, 1)
        default_tokens = 256  # or what room the context leaves
    else:
        prompts = _prompts(body.get("prompt"))
        tokens = _integer(body, "max_tokens", None, 1)
        default_tokens = 16  # OpenAI's default for completions
    stop = body.get("stop")
    stops = [stop] if isinstance(stop, str) else stop if stop is not None else []
    if not isinstance(stops, list) or len(stops) > MAX_STOPS or not all(isinstance(s, str) for s in stops):
        raise OpenAIError(f"'stop' must be a string or a list of at most {MAX_STOPS} strings", "stop")
    stream = body.get("stream") or False
    if not isinstance(stream, bool):
        raise OpenAIError("'stream' must be a boolean", "stream")
    options = body.get("stream_options")
    if options is not None and (not isinstance(options, dict) or set(options) - {"include_usage"}):
        raise OpenAIError("'stream_options' may only hold include_usage", "stream_options")
    if options is not None and not stream:
        raise OpenAIError("'stream_options' is only allowed when 'stream' is true", "stream_options")
    echo = body.get("echo") or False
    if not isinstance(echo, bool):
        raise OpenAIError("'echo' must be a boolean", "echo")
    sampling = Sampling(
        max_tokens=tokens,
        default_tokens=default_tokens,
        temperature=_number(body, "temperature", 1.0, 0, 2),
        top_p=_number(body, "top_p", 1.0, 0, 1) or 1.0,
        stop=stops,
        seed=_integer(body, "seed", None, -(2**63)),
    )
    n = _integer(body, "n", 1, 1, MAX_N) or 1
    return Request(model, prompts, sampling, n, stream, bool(options and options.get("include_usage")), chat, echo)


def _message(message: Any, index: int) -> dict[str, str]:
    where = f"messages[{index}]"
    if not isinstance(message, dict) or message.get("role") not in ROLES:
        raise OpenAIError(f"{where} must be an object with a role ({', '.join(ROLES)}) and content", where)
    content = message.get("content")
    if isinstance(content, list):  # content parts: only text ones
        if not all(isinstance(p, dict) and p.get("type") == "text" and isinstance(p.get("text"), str) for p in content):
            raise OpenAIError(f"{where}.content may only hold text parts", f"{where}.content")
        content = "".join(p["text"] for p in content)
    if content is None and message["role"] == "assistant":
        content = ""
    if not isinstance(content, str):
        raise OpenAIError(f"{where}.content must be a string", f"{where}.content")
    return {"role": "system" if message["role"] == "developer" else message["role"], "content": content}


def _prompts(prompt: Any) -> list[str | list[int]]:
    def tokens(value: Any) -> bool:
        return isinstance(value, list) and bool(value) and all(isinstance(t, int) and t >= 0 for t in value)

    if isinstance(prompt, str):
        return [prompt]
    if tokens(prompt):
        return [prompt]
    if isinstance(prompt, list) and prompt and all(isinstance(p, str) or tokens(p) for p in prompt):
        return list(prompt)
    raise OpenAIError("'prompt' must be a string, a list of strings, or token ids", "prompt")


# -- answers -----------------------------------------------------------------------------------------------------------


class Completions(web.RequestHandler):
    chat = False
    prompt_param = "prompt"

    def initialize(self, plane: DataPlane) -> None:
        self.plane = plane
        self.runs: list[Run] = []

    def fail(self, err: OpenAIError) -> None:
        self.set_status(err.status)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(err.body))

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        """A failure in the model is said in OpenAI's error shape too."""
        error = kwargs.get("exc_info", (None, None))[1]
        message = f"{type(error).__name__}: {error}" if error else self._reason
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps({"error": {"message": message, "type": "server_error", "param": None, "code": None}}))

    def on_connection_close(self) -> None:
        for run in self.runs:
            run.cancel()

    def start(self, request: Request, prompt: str | list[int]) -> Run:
        generator = request.model.model.generator
        try:
            run = generator.start(prompt, request.sampling, templated=request.chat and generator.has_chat_template)
        except ContextTooLong as err:
            raise OpenAIError(str(err), self.prompt_param, code="context_length_exceeded") from None
        except ValueError as err:
            raise OpenAIError(str(err), self.prompt_param) from None
        self.runs.append(run)
        return run

    async def post(self) -> None:
        try:
            body = json.loads(self.request.body or b"null")
        except ValueError as err:
            return self.fail(OpenAIError(f"the request body is not valid JSON: {err}"))
        try:
            request = parse(self.plane, body, self.chat)
        except OpenAIError as err:
            return self.fail(err)
        ident = ("chatcmpl-" if self.chat else "cmpl-") + secrets.token_hex(12)
        head = {"id": ident, "object": "", "created": int(time.time()), "model": request.model.name}
        choices = [(i * request.n + k, prompt) for i, prompt in enumerate(request.prompts) for k in range(request.n)]
        if request.stream:
            return await self.stream(request, head, choices)
        answers, runs = [], []
        loop = asyncio.get_running_loop()
        for index, prompt in choices:
            try:
                run = self.start(request, prompt)
            except OpenAIError as err:
                return self.fail(err)
            text = await loop.run_in_executor(None, lambda run=run: "".join(run))
            runs.append(run)
            answers.append(self.choice(index, request, prompt, text, run.finish_reason))
        prompt_tokens = sum(r.prompt_tokens for r in runs[:: request.n])
        completion_tokens = sum(r.completion_tokens for r in runs)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps({
            **head, "object": "chat.completion" if self.chat else "text_completion", "choices": answers,
            "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                      "total_tokens": prompt_tokens + completion_tokens},
        }))  # fmt: skip

    def choice(self, index: int, request: Request, prompt: str | list[int], text: str, finish: str) -> dict:
        if self.chat:
            return {"index": index, "message": {"role": "assistant", "content": text}, "logprobs": None,
                    "finish_reason": finish}  # fmt: skip
        if request.echo:
            generator = request.model.model.generator
            text = (prompt if isinstance(prompt, str) else generator.tokenizer.decode(prompt)) + text
        return {"index": index, "text": text, "logprobs": None, "finish_reason": finish}

    def chunk(self, head: dict, index: int, text: str | None, finish: str | None, first: bool = False) -> dict:
        if self.chat:
            delta: dict = {"role": "assistant", "content": ""} if first else {} if text is None else {"content": text}
            choice = {"index": index, "delta": delta, "logprobs": None, "finish_reason": finish}
            return {**head, "object": "chat.completion.chunk", "choices": [choice]}
        choice = {"index": index, "text": text or "", "logprobs": None, "finish_reason": finish}
        return {**head, "object": "text_completion", "choices": [choice]}

    async def send(self, data: dict | str) -> None:
        self.write(f"data: {data if isinstance(data, str) else json.dumps(data)}\n\n")
        await self.flush()

    async def stream(self, request: Request, head: dict, choices: list[tuple[int, str | list[int]]]) -> None:
        try:  # a prompt too long is refused before the stream opens
            first = self.start(request, choices[0][1])
        except OpenAIError as err:
            return self.fail(err)
        self.set_header("Content-Type", "text/event-stream")
        self.set_header("Cache-Control", "no-cache")
        self.set_header("X-Accel-Buffering", "no")
        usage = {"prompt_tokens": 0, "completion_tokens": 0}
        loop = asyncio.get_running_loop()
        extra = {"usage": None} if request.include_usage else {}
        try:
            for number, (index, prompt) in enumerate(choices):
                run = first if number == 0 else self.start(request, prompt)
                if self.chat:
                    await self.send({**self.chunk(head, index, None, None, first=True), **extra})
                elif request.echo:
                    echoed = self.choice(index, request, prompt, "", "")["text"]
                    await self.send({**self.chunk(head, index, echoed, None), **extra})
                pieces = iter(run)
                while (piece := await loop.run_in_executor(None, next, pieces, None)) is not None:
                    await self.send({**self.chunk(head, index, piece, None), **extra})
                await self.send({**self.chunk(head, index, None, run.finish_reason), **extra})
                if index % request.n == 0:
                    usage["prompt_tokens"] += run.prompt_tokens
                usage["completion_tokens"] += run.completion_tokens
            if request.include_usage:
                total = usage["prompt_tokens"] + usage["completion_tokens"]
                await self.send({**head, "object": "chat.completion.chunk" if self.chat else "text_completion",
                                 "choices": [], "usage": {**usage, "total_tokens": total}})  # fmt: skip
            await self.send("[DONE]")
        except iostream.StreamClosedError:
            self.on_connection_close()
            return
        except OpenAIError as err:  # headers are sent: the error is the stream's last event
            await self.send(err.body)
        except Exception as err:
            await self.send({"error": {"message": f"{type(err).__name__}: {err}", "type": "server_error",
                                       "param": None, "code": None}})  # fmt: skip
        self.finish()


class ChatCompletions(Completions):
    chat = True
    prompt_param = "messages"


class Models(web.RequestHandler):
    def initialize(self, plane: DataPlane) -> None:
        self.plane = plane

    def get(self) -> None:
        self.set_header("Content-Type", "application/json")
        data = [{"id": m.name, "object": "model", "created": int(self.plane.started), "owned_by": "jupyter-easymaker"}
                for m in self.plane.models.values() if m.model.generator is not None]  # fmt: skip
        self.finish(json.dumps({"object": "list", "data": data}))


def routes(plane: DataPlane) -> list[tuple[str, type, dict]]:
    args = {"plane": plane}
    return [
        (r"/openai/v1/completions", Completions, args),
        (r"/openai/v1/chat/completions", ChatCompletions, args),
        (r"/openai/v1/models", Models, args),
    ]
