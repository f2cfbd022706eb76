"""Each framework's runtime, tiny models made in the test: in-process through the data plane, then one real
model-server process serving them all over HTTP (OIP v1/v2, OpenAI completions and chat, streamed)."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import numpy as np
import pytest
import requests
from runtime_models import affine, save_bert, save_gpt2, save_mar, save_savedmodel, save_t5, save_triton_onnx

from jupyter_easymaker.backends.local.modelserver import LocalModelServers, ServedModelSpec
from jupyter_easymaker.serving import hf, loaders, openai, triton
from jupyter_easymaker.serving.dataplane import DataPlane, InferenceError, ServedModel
from jupyter_easymaker.serving.pbtxt import parse

RNG = np.random.default_rng(0)
W1, B1 = RNG.normal(size=(4, 3)), RNG.normal(size=3)
W2, B2 = RNG.normal(size=(4, 3)), RNG.normal(size=3)
X = [[1.0, 2.0, 3.0, 4.0], [-1.0, 0.5, 0.0, 2.0]]


def plane(name: str, framework: str, path, parameters=None) -> DataPlane:
    loaded = loaders.load(framework, path, parameters or {})
    return DataPlane([ServedModel(name, framework, loaded, parameters=parameters or {})])


def tensor(name, rows, datatype="FP32"):
    array = np.asarray(rows)
    return {"name": name, "shape": list(array.shape), "datatype": datatype, "data": array.ravel().tolist()}


def test_the_jupyter_server_side_imports_no_framework():
    """Frameworks load in the model-server process only: importing the extension and every API module pulls in
    none of them (the serving package's own modules import them inside the loaders)."""
    code = (
        "import sys, pkgutil, importlib, jupyter_easymaker.app, jupyter_easymaker.api as api\n"
        "for m in pkgutil.iter_modules(api.__path__): importlib.import_module(f'jupyter_easymaker.api.{m.name}')\n"
        "import jupyter_easymaker.serving.server, jupyter_easymaker.serving.batch\n"
        "print(sorted({'torch', 'transformers', 'onnxruntime', 'onnx', 'tensorflow', 'sklearn'} & set(sys.modules)))"
    )
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert found.strip() == "[]"


# -- Triton layout -----------------------------------------------------------------------------------------------------


def test_config_pbtxt_is_read_with_comments_lists_and_nested_messages():
    config = parse("""
        name: "m"  # a comment
        platform: "onnxruntime_onnx"
        max_batch_size: 8
        input [ { name: "a", data_type: TYPE_FP32, dims: [ 4, -1 ] }, { name: "b" data_type: TYPE_INT64 dims: 1 } ]
        version_policy: { specific { versions: 1 versions: 3 } }
        instance_group [ { count: 2 kind: KIND_CPU } ]
    """)
    assert config["platform"] == "onnxruntime_onnx" and config["max_batch_size"] == 8
    assert config["input"] == [{"name": "a", "data_type": "TYPE_FP32", "dims": [4, -1]},
                               {"name": "b", "data_type": "TYPE_INT64", "dims": [1]}]  # fmt: skip
    assert config["version_policy"] == {"specific": {"versions": [1, 3]}}


def test_triton_onnx_serves_the_latest_version_with_named_tensors(tmp_path):
    model = save_triton_onnx(tmp_path / "affine", {1: (W1, B1), 2: (W2, B2)})
    served = plane("affine", "TRITON", model)
    y, z = affine(X, W2, B2)
    answer = served.v2_infer("affine", None, {"inputs": [tensor("x", X)]})
    assert answer["model_version"] == "2"
    outputs = {o["name"]: o for o in answer["outputs"]}
    assert outputs["y"]["datatype"] == "FP32" and outputs["y"]["shape"] == [2, 3]
    np.testing.assert_allclose(outputs["y"]["data"], y.ravel(), rtol=1e-5)
    np.testing.assert_allclose(outputs["z"]["data"], z, rtol=1e-5)
    only_z = served.v2_infer("affine", "2", {"inputs": [tensor("x", X, "FP64")], "outputs": [{"name": "z"}]})
    assert [o["name"] for o in only_z["outputs"]] == ["z"]
    # v1 as TensorFlow Serving: rows in; with two outputs, rows of {output: value} out
    rows = served.v1_predict("affine", {"instances": X})["predictions"]
    np.testing.assert_allclose([r["y"] for r in rows], y, rtol=1e-5)
    assert served.v1_predict("affine", {"instances": [{"x": row} for row in X]})["predictions"] == rows
    metadata = served.v2_metadata("affine", None)
    assert metadata["inputs"] == [{"name": "x", "datatype": "FP32", "shape": [-1, 4]}]
    assert metadata["platform"] == "onnxruntime_onnx"
    for body, says in (
        ({"inputs": [tensor("w", X)]}, "has no input 'w'"),
        ({"inputs": [tensor("x", [[1.0, 2.0]])]}, "the model takes [-1, 4]"),
        ({"inputs": [tensor("x", X)], "outputs": [{"name": "q"}]}, "has no output 'q'"),
    ):
        with pytest.raises(InferenceError, match=says.replace("[", r"\[").replace("]", r"\]")) as caught:
            served.v2_infer("affine", None, body)
        assert caught.value.status == 400


def test_a_version_policy_picks_the_version_and_config_names_must_exist(tmp_path):
    config = 'platform: "onnxruntime_onnx"\nversion_policy: { specific: { versions: [1] } }'
    model = save_triton_onnx(tmp_path / "affine", {1: (W1, B1), 2: (W2, B2)}, config)
    served = plane("affine", "TRITON", tmp_path)  # a repository holding the model
    answer = served.v2_infer("affine", None, {"inputs": [tensor("x", X)], "outputs": [{"name": "y"}]})
    assert answer["model_version"] == "1"
    np.testing.assert_allclose(answer["outputs"][0]["data"], affine(X, W1, B1)[0].ravel(), rtol=1e-5)
    (model / "config.pbtxt").write_text('backend: "onnxruntime"\ninput [ { name: "nope" data_type: TYPE_FP32 } ]')
    with pytest.raises(loaders.LoadError, match="names the input 'nope'"):
        triton.load(model, {})
    (model / "config.pbtxt").write_text('platform: "tensorrt_plan"')
    with pytest.raises(loaders.LoadError, match="tensorrt_plan models are not served here"):
        triton.load(model, {})


def test_triton_torchscript_model(tmp_path):
    import torch

    module = torch.jit.script(torch.nn.Linear(4, 2).eval())
    (tmp_path / "lin" / "1").mkdir(parents=True)
    module.save(str(tmp_path / "lin" / "1" / "model.pt"))
    (tmp_path / "lin" / "config.pbtxt").write_text(
        'platform: "pytorch_libtorch"\nmax_batch_size: 4\ninput [{name: "INPUT__0" data_type: TYPE_FP32 dims: [4]}]'
        '\noutput [{name: "OUTPUT__0" data_type: TYPE_FP32 dims: [2]}]'
    )
    served = plane("lin", "TRITON", tmp_path / "lin")
    want = module(torch.tensor(X, dtype=torch.float32)).detach().numpy()
    np.testing.assert_allclose(served.v1_predict("lin", {"instances": X})["predictions"], want, rtol=1e-5)


# -- TensorFlow SavedModel ---------------------------------------------------------------------------------------------


def test_a_savedmodel_is_served_by_its_signature_from_the_latest_version(tmp_path):
    save_savedmodel(tmp_path / "affine" / "1", W1, B1)
    save_savedmodel(tmp_path / "affine" / "2", W2, B2)  # TensorFlow Serving's base path: the highest version
    served = plane("affine", "TENSORFLOW", tmp_path / "affine")
    y, z = affine(X, W2, B2)
    answer = served.v2_infer("affine", None, {"inputs": [tensor("x", X)]})
    assert answer["model_version"] == "2"
    outputs = {o["name"]: o for o in answer["outputs"]}
    assert outputs["y"]["datatype"] == "FP32" and outputs["y"]["shape"] == [2, 3]
    np.testing.assert_allclose(outputs["y"]["data"], y.ravel(), rtol=1e-5)
    np.testing.assert_allclose(outputs["z"]["data"], z, rtol=1e-5)
    rows = served.v1_predict("affine", {"instances": X})["predictions"]
    np.testing.assert_allclose([r["y"] for r in rows], y, rtol=1e-5)
    metadata = served.v2_metadata("affine", None)
    assert metadata["platform"] == "tensorflow"
    assert metadata["inputs"] == [{"name": "x", "datatype": "FP32", "shape": [-1, 4]}]
    with pytest.raises(InferenceError, match="has no input 'w'") as caught:
        served.v2_infer("affine", None, {"inputs": [tensor("w", X)]})
    assert caught.value.status == 400
    with pytest.raises(loaders.LoadError, match=r"no signature 'predict' \(its signatures: serving_default\)"):
        loaders.load("TENSORFLOW", tmp_path / "affine", {"signature_name": "predict"})


def test_triton_tensorflow_savedmodel_platform(tmp_path):
    save_savedmodel(tmp_path / "tfaffine" / "1" / "model.savedmodel", W1, B1)
    (tmp_path / "tfaffine" / "config.pbtxt").write_text(TRITON_TF_CONFIG)
    served = plane("tfaffine", "TRITON", tmp_path / "tfaffine")
    answer = served.v2_infer("tfaffine", None, {"inputs": [tensor("x", X)], "outputs": [{"name": "z"}]})
    np.testing.assert_allclose(answer["outputs"][0]["data"], affine(X, W1, B1)[1], rtol=1e-5)
    assert served.v2_metadata("tfaffine", None)["platform"] == "tensorflow"


TRITON_TF_CONFIG = """
platform: "tensorflow_savedmodel"
max_batch_size: 8
input [ { name: "x", data_type: TYPE_FP32, dims: [ 4 ] } ]
output [ { name: "y" data_type: TYPE_FP32 dims: [ 3 ] }, { name: "z" data_type: TYPE_FP32 dims: [ ] } ]
"""

# -- PyTorch .mar ------------------------------------------------------------------------------------------------------


def test_a_mar_archive_is_unpacked_and_served_through_its_handler(tmp_path, monkeypatch):
    import torch

    monkeypatch.setenv("EM_MAR_CACHE", str(tmp_path / "cache"))
    archive, module = save_mar(tmp_path / "doubler.mar")
    served = plane("doubler", "PYTORCH", archive)
    rows = [[1.0, 2.0], [3.0, 4.0]]
    want = module(torch.tensor(rows)).flatten().tolist()
    np.testing.assert_allclose(served.v1_predict("doubler", {"instances": rows})["predictions"], want, rtol=1e-5)


# -- Hugging Face ------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def hf_models(tmp_path_factory):
    root = tmp_path_factory.mktemp("hf")
    return {
        "gpt2": save_gpt2(root / "gpt2"),
        "plain": save_gpt2(root / "plain", chat_template=None),
        "sequence": save_bert(root / "sequence", "sequence"),
        "token": save_bert(root / "token", "token"),
        "mask": save_bert(root / "mask", "mask"),
        "t5": save_t5(root / "t5"),
    }


def reference_logits(kind: str, path, texts: list[str]):
    import torch
    from transformers import (
        AutoModelForMaskedLM,
        AutoModelForSequenceClassification,
        AutoModelForTokenClassification,
        AutoTokenizer,
    )

    cls = {"sequence": AutoModelForSequenceClassification, "token": AutoModelForTokenClassification,
           "mask": AutoModelForMaskedLM}[kind]  # fmt: skip
    tokenizer = AutoTokenizer.from_pretrained(path)
    batch = tokenizer(texts, padding=True, return_tensors="pt")
    with torch.no_grad():
        return cls.from_pretrained(path).eval()(**batch).logits, batch


def test_hugging_face_classifiers_and_fill_mask_answer_v1_and_v2(hf_models):
    texts = ["the quick brown fox", "hello world this is a small test"]
    logits, batch = reference_logits("sequence", hf_models["sequence"], texts)
    served = plane("sentiment", "HUGGING_FACE", hf_models["sequence"])
    assert served.v1_predict("sentiment", {"instances": texts}) == {"predictions": logits.argmax(-1).tolist()}
    v2 = served.v2_infer("sentiment", None, {"inputs": [tensor("text", texts, "BYTES")]})
    assert v2["outputs"][0]["data"] == logits.argmax(-1).tolist() and v2["outputs"][0]["datatype"] == "INT64"
    with pytest.raises(InferenceError, match="takes texts"):
        served.v1_predict("sentiment", {"instances": [[1, 2]]})
    probabilities = plane("p", "HUGGING_FACE", hf_models["sequence"], {"return_probabilities": "true"})
    first = probabilities.v1_predict("p", {"instances": texts})["predictions"][0]
    assert set(first) == {"0", "1", "2"} and abs(sum(first.values()) - 1) < 1e-5

    logits, batch = reference_logits("token", hf_models["token"], texts)
    tokens = plane("ner", "HUGGING_FACE", hf_models["token"]).v1_predict("ner", {"instances": texts})["predictions"]
    assert tokens[0] == logits[0].argmax(-1)[batch["attention_mask"][0].bool()].tolist()
    assert len(tokens[0]) == 4 and len(tokens[1]) == 7

    masked = ["the quick [MASK] fox"]
    logits, batch = reference_logits("mask", hf_models["mask"], masked)
    from transformers import AutoTokenizer

    word = AutoTokenizer.from_pretrained(hf_models["mask"]).decode([int(logits[0, 2].argmax())]).strip()
    filled = plane("fill", "HUGGING_FACE", hf_models["mask"]).v1_predict("fill", {"instances": masked})
    assert filled == {"predictions": [word]}


def test_hugging_face_task_is_told_by_the_parameter_or_the_architecture(hf_models, tmp_path):
    with pytest.raises(loaders.LoadError, match="task 'summarization' is not served"):
        hf.load(hf_models["sequence"], {"task": "summarization"})
    config = json.loads((hf_models["sequence"] / "config.json").read_text())
    assert hf.task_of(type("C", (), {"architectures": config["architectures"]}), {}) == "sequence_classification"
    assert hf.task_of(type("C", (), {"architectures": ["X"]}), {"TASK": "text-generation"}) == "text_generation"


def test_a_text2text_model_generates_its_own_text(hf_models):
    import torch
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

    from jupyter_easymaker.serving.generation import Sampling

    tokenizer = AutoTokenizer.from_pretrained(hf_models["t5"])
    ids = tokenizer("the quick brown", return_tensors="pt")["input_ids"]
    with torch.no_grad():
        out = AutoModelForSeq2SeqLM.from_pretrained(hf_models["t5"]).eval().generate(ids, max_new_tokens=5)
    want = tokenizer.decode(out[0], skip_special_tokens=True)
    served = plane("t5", "HUGGING_FACE", hf_models["t5"], {"max_new_tokens": "5"})
    assert served.v1_predict("t5", {"instances": ["the quick brown"]}) == {"predictions": [want]}
    run = served.models["t5"].model.generator.start("the quick brown", Sampling(max_tokens=5))
    assert "".join(run) == want and run.completion_tokens == 5 and run.finish_reason == "length"


def test_batch_inference_runs_a_text_model(hf_models):
    from jupyter_easymaker.serving import batch

    batch._init({"name": "sentiment", "framework": "HUGGING_FACE", "path": str(hf_models["sequence"])})
    text, counts, failures = batch._answer(0, ['"hello world"', '"the quick brown fox"', "[1, 2]"])
    lines = [json.loads(line) for line in text.splitlines()]
    logits, _ = reference_logits("sequence", hf_models["sequence"], ["hello world", "the quick brown fox"])
    assert [line["prediction"] for line in lines[:2]] == logits.argmax(-1).tolist()
    assert lines[2]["status"] == 400 and counts == [2, 1, 0]
    assert failures == [(2, 400, lines[2]["error"])]  # what a batch with log management logs


def test_generation_holds_back_a_stop_sequence_and_ends_there(hf_models):
    from jupyter_easymaker.serving.generation import Sampling

    generator = hf.load(hf_models["gpt2"], {}).generator
    full = "".join(generator.start("the quick brown", Sampling(max_tokens=12)))
    words = full.split()
    stop = f"{words[3]} {words[4]}" if len(words) > 4 else words[-1]
    cut = full[: full.index(stop)]
    run = generator.start("the quick brown", Sampling(max_tokens=12, stop=[stop]))
    pieces = list(run)
    assert "".join(pieces) == cut and run.finish_reason == "stop" and stop not in "".join(pieces)


# -- one real model server: HTTP, OpenAI routes, streaming -------------------------------------------------------------


@pytest.fixture(scope="module")
def model_server(hf_models, tmp_path_factory):
    root = tmp_path_factory.mktemp("runtimes")
    archive, module = save_mar(root / "doubler.mar")
    specs = [
        ServedModelSpec("gen", "HUGGING_FACE", str(hf_models["gpt2"]), {"max_new_tokens": "8"}),
        ServedModelSpec("plain", "HUGGING_FACE", str(hf_models["plain"]), {}),
        ServedModelSpec("sentiment", "HUGGING_FACE", str(hf_models["sequence"]), {}),
        ServedModelSpec("affine", "TRITON", str(save_triton_onnx(root / "affine", {1: (W1, B1), 2: (W2, B2)})), {}),
        ServedModelSpec("doubler", "PYTORCH", str(archive), {}),
        ServedModelSpec("tfaffine", "TENSORFLOW", str(save_savedmodel(root / "tfaffine", W1, B1)), {}),
    ]
    servers = LocalModelServers(root / "stages")
    servers.deploy("rt", "r1", specs, pods=1)
    deadline = time.time() + 120
    seen = servers.observe("rt", "r1")
    while seen.phase == "starting" and time.time() < deadline:
        time.sleep(0.2)
        seen = servers.observe("rt", "r1")
    assert seen.phase == "ready", (seen, servers.log_tail("rt", "r1"))
    yield f"http://{seen.address}", module
    servers.remove("rt")


def reference_completion(path, prompt: str, max_tokens: int) -> str:
    """What transformers itself generates greedily: the server's text must be exactly this."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(path)
    model = AutoModelForCausalLM.from_pretrained(path).eval()
    ids = tokenizer(prompt, return_tensors="pt")["input_ids"]
    with torch.no_grad():
        out = model.generate(ids, attention_mask=torch.ones_like(ids), max_new_tokens=max_tokens, do_sample=False,
                             pad_token_id=tokenizer.pad_token_id)  # fmt: skip
    return tokenizer.decode(out[0][ids.shape[1] :], skip_special_tokens=True)


def events(response: requests.Response) -> list:
    """The SSE stream's `data:` payloads, as the client reads them off the wire."""
    assert response.headers["Content-Type"].startswith("text/event-stream")
    found = []
    for line in response.iter_lines(decode_unicode=True):
        if line.startswith("data: "):
            payload = line[len("data: ") :]
            found.append(payload if payload == "[DONE]" else json.loads(payload))
        else:
            assert line == "", line
    return found


def test_every_runtime_answers_over_http_in_one_server(model_server):
    url, module = model_server
    import torch

    rows = [[1.0, 2.0], [3.0, 4.0]]
    doubled = requests.post(f"{url}/v1/models/doubler/predict", json={"instances": rows}).json()["predictions"]
    np.testing.assert_allclose(doubled, module(torch.tensor(rows)).flatten().tolist(), rtol=1e-5)
    v2 = requests.post(f"{url}/v2/models/affine/versions/2/infer", json={"inputs": [tensor("x", X)]}).json()
    np.testing.assert_allclose(v2["outputs"][0]["data"], affine(X, W2, B2)[0].ravel(), rtol=1e-5)
    assert (
        requests.post(f"{url}/v2/models/affine/versions/1/infer", json={"inputs": [tensor("x", X)]}).status_code == 404
    )
    sentiment = requests.post(f"{url}/v1/models/sentiment/predict", json={"instances": ["hello world"]}).json()
    assert sentiment["predictions"][0] in (0, 1, 2)
    generated = requests.post(f"{url}/v1/models/gen/predict", json={"instances": ["the quick brown"]}).json()
    assert generated["predictions"][0].startswith("the quick brown ")
    # OIP v1 keeps /v1/models; the OpenAI model list is under /openai/v1/models and holds generative models only
    tf_rows = requests.post(f"{url}/v1/models/tfaffine:predict", json={"instances": X}).json()["predictions"]
    np.testing.assert_allclose([r["y"] for r in tf_rows], affine(X, W1, B1)[0], rtol=1e-5)
    models = ["gen", "plain", "sentiment", "affine", "doubler", "tfaffine"]
    assert requests.get(f"{url}/v1/models").json() == {"models": models}
    listed = requests.get(f"{url}/openai/v1/models").json()
    assert listed["object"] == "list" and [m["id"] for m in listed["data"]] == ["gen", "plain"]


def test_completions_stream_token_by_token_and_match_the_plain_answer(model_server, hf_models):
    url, _ = model_server
    body = {"model": "gen", "prompt": "the quick brown", "max_tokens": 10, "temperature": 0}
    plain = requests.post(f"{url}/openai/v1/completions", json=body).json()
    assert plain["object"] == "text_completion" and plain["model"] == "gen"
    choice = plain["choices"][0]
    assert choice["text"] == reference_completion(hf_models["gpt2"], "the quick brown", 10)
    assert choice["finish_reason"] == "length" and choice["index"] == 0
    assert plain["usage"] == {"prompt_tokens": 3, "completion_tokens": 10, "total_tokens": 13}
    streamed = {**body, "stream": True, "stream_options": {"include_usage": True}}
    with requests.post(f"{url}/openai/v1/completions", stream=True, json=streamed) as response:
        chunks = events(response)
    assert chunks[-1] == "[DONE]" and chunks[-2]["usage"]["completion_tokens"] == 10 and chunks[-2]["choices"] == []
    texts = [c["choices"][0]["text"] for c in chunks[:-2]]
    assert len(texts) > 3 and "".join(texts) == choice["text"]
    assert chunks[-3]["choices"][0]["finish_reason"] == "length"
    assert all(c["choices"][0]["finish_reason"] is None for c in chunks[:-3])
    # echo, a list of prompts, a seed with sampling: the same seed gives the same text
    echoed = requests.post(f"{url}/openai/v1/completions", json={**body, "echo": True, "max_tokens": 2}).json()
    assert echoed["choices"][0]["text"].startswith("the quick brown")
    seeded = {**body, "prompt": ["hello world", "a model"], "temperature": 1.5, "seed": 7, "n": 2}
    first = requests.post(f"{url}/openai/v1/completions", json=seeded).json()
    assert [c["index"] for c in first["choices"]] == [0, 1, 2, 3]
    assert first["choices"] == requests.post(f"{url}/openai/v1/completions", json=seeded).json()["choices"]


def test_chat_completions_use_the_chat_template_and_stream_deltas(model_server, hf_models):
    url, _ = model_server
    messages = [{"role": "system", "content": "be brief"}, {"role": "user", "content": "hello"}]
    body = {"model": "gen", "messages": messages, "max_tokens": 6, "temperature": 0}
    plain = requests.post(f"{url}/openai/v1/chat/completions", json=body).json()
    assert plain["object"] == "chat.completion" and plain["id"].startswith("chatcmpl-")
    message = plain["choices"][0]["message"]
    templated = "system said be brief user said hello assistant said"
    assert message == {"role": "assistant", "content": reference_completion(hf_models["gpt2"], templated, 6)}
    assert plain["usage"]["prompt_tokens"] == len(templated.split())
    with requests.post(f"{url}/openai/v1/chat/completions", json={**body, "stream": True}, stream=True) as response:
        chunks = events(response)
    assert chunks[-1] == "[DONE]" and all(c["object"] == "chat.completion.chunk" for c in chunks[:-1])
    assert chunks[0]["choices"][0]["delta"] == {"role": "assistant", "content": ""}
    assert "".join(c["choices"][0]["delta"].get("content", "") for c in chunks[1:-1]) == message["content"]
    assert chunks[-2]["choices"][0]["finish_reason"] == "length" and "usage" not in chunks[-2]
    # without max_tokens the answer may fill the model's context (64 tokens), and not more
    roomy = requests.post(f"{url}/openai/v1/chat/completions", json={**body, "max_tokens": None}).json()
    assert roomy["usage"]["total_tokens"] == 64 and roomy["choices"][0]["finish_reason"] == "length"
    # without a chat template: role-prefixed lines and an open assistant turn
    plain_chat = requests.post(f"{url}/openai/v1/chat/completions", json={**body, "model": "plain"}).json()
    lines = "system: be brief\nuser: hello\nassistant:"
    assert plain_chat["choices"][0]["message"]["content"] == reference_completion(hf_models["plain"], lines, 6)


@pytest.mark.parametrize(
    ("route", "body", "status", "param", "says"),
    [
        ("completions", {"model": "gen"}, 400, "prompt", "'prompt' must be"),
        ("completions", {"model": "nope", "prompt": "a"}, 404, "model", "does not exist"),
        ("completions", {"model": "sentiment", "prompt": "a"}, 400, "model", "not a generative"),
        ("completions", {"model": "gen", "prompt": "a", "max_tokens": 0}, 400, "max_tokens", "at least 1"),
        ("completions", {"model": "gen", "prompt": "a", "temperature": 3}, 400, "temperature", "from 0"),
        ("completions", {"model": "gen", "prompt": "a", "max_tokens": 100}, 400, "prompt", "maximum context length"),
        ("completions", {"model": "gen", "prompt": "a", "bogus": 1}, 400, "bogus", "Unrecognized request argument"),
        ("completions", {"model": "gen", "prompt": "a", "stop": [1]}, 400, "stop", "'stop' must be"),
        ("chat/completions", {"model": "gen", "messages": []}, 400, "messages", "non-empty list"),
        ("chat/completions", {"model": "gen", "messages": [{"role": "robot", "content": "x"}]}, 400, "messages[0]",
         "must be an object with a role"),
        ("chat/completions", {"model": "gen", "messages": [{"role": "user", "content": "x"}], "tools": [{}]}, 400,
         "tools", "not supported"),
    ],
)  # fmt: skip
def test_bad_openai_requests_get_openai_error_bodies(model_server, route, body, status, param, says):
    url, _ = model_server
    answer = requests.post(f"{url}/openai/v1/{route}", json=body)
    assert answer.status_code == status and answer.headers["Content-Type"].startswith("application/json")
    error = answer.json()["error"]
    assert set(error) == {"message", "type", "param", "code"} and error["param"] == param and says in error["message"]


def test_openai_requests_are_parsed_without_a_server(hf_models):
    served = plane("gen", "HUGGING_FACE", hf_models["gpt2"])
    request = openai.parse(served, {"prompt": "a", "stop": "x", "seed": 3}, chat=False)  # the only generative model
    assert request.model.name == "gen" and request.sampling.stop == ["x"] and request.sampling.max_tokens is None
    assert request.sampling.default_tokens == 16
    assert openai.parse(served, {"prompt": "a", "frequency_penalty": 0, "best_of": 1}, chat=False).n == 1
    assert openai.parse(served, {"messages": [{"role": "user", "content": "x"}], "tools": []}, chat=True).chat
    with pytest.raises(openai.OpenAIError) as caught:
        openai.parse(served, {"prompt": "a", "n": 9}, chat=False)
    assert caught.value.body["error"]["param"] == "n"
    with pytest.raises(openai.OpenAIError) as caught:
        openai.parse(served, {"messages": [{"role": "user", "content": "x"}], "logprobs": True}, chat=True)
    assert caught.value.body["error"]["code"] == "unsupported_parameter"


# -- through the gateway -----------------------------------------------------------------------------------------------


def test_a_generative_model_streams_through_the_gateway_and_is_counted(shared_server, api, hf_models):
    from serving_helpers import wait_for

    model = api.post("/models", {"modelName": "rt-gen", "modelFormatCode": "HUGGING_FACE",
                                 "modelUploadUri": str(hf_models["gpt2"])})["model"]  # fmt: skip
    assert model["modelStatusCode"] == "ACTIVE", model
    created = api.post("/endpoints", {"endpointName": "rt-gen-ep", "flavorId": api.flavor_id(), "nodeCount": 1,
                                      "endpointModelResourceList": [{"modelId": model["modelId"]}]})  # fmt: skip
    endpoint_id = created["endpoint"]["endpointId"]
    found = wait_for(api, f"/endpoints/{endpoint_id}", "endpoint", "endpointStatusCode", ("ACTIVE", "CREATE FAILED"),
                     timeout=120)  # fmt: skip
    assert found["endpointStatusCode"] == "ACTIVE", found
    key = {"x-nhn-apikey": created["endpoint"]["apiKey"]}
    base = f"{shared_server.url}easymaker/gateway/rt-gen-ep/rt-gen"  # appendix 10: /{model_name}/openai/v1/…
    body = {"model": "rt-gen", "messages": [{"role": "user", "content": "hello"}], "max_tokens": 8, "temperature": 0}
    plain = requests.post(f"{base}/openai/v1/chat/completions", json=body, headers=key)
    assert plain.status_code == 200, plain.text
    with requests.post(f"{base}/openai/v1/chat/completions", json={**body, "stream": True}, headers=key,
                       stream=True) as response:  # fmt: skip
        assert response.status_code == 200
        chunks = events(response)
    assert chunks[-1] == "[DONE]" and len(chunks) > 4
    content = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks[:-1])
    assert content == plain.json()["choices"][0]["message"]["content"]
    via_stage = requests.post(f"{shared_server.url}easymaker/gateway/rt-gen-ep/default/rt-gen/openai/v1/completions",
                              json={"prompt": "hello", "max_tokens": 2}, headers=key)  # fmt: skip
    assert via_stage.json()["usage"]["completion_tokens"] == 2
    assert requests.post(f"{base}/openai/v1/completions", json={"prompt": "a"}).status_code == 401
    bad = requests.post(f"{base}/openai/v1/completions", json={"prompt": 5}, headers=key)
    assert bad.status_code == 400 and bad.json()["error"]["param"] == "prompt"
    v1 = requests.post(base, json={"instances": ["hello world"]}, headers=key).json()  # the resource path: OIP v1
    assert v1["predictions"][0].startswith("hello world")
    chat = requests.post(base, json=body, headers=key).json()  # … or OpenAI's, by the body
    assert chat["choices"][0]["message"] == plain.json()["choices"][0]["message"]
    stage_id = found["defaultEndpointStageId"]
    deadline = time.time() + 10
    while time.time() < deadline:
        stats = api.get(f"/endpoint-stages/{stage_id}/statistics")["statistics"]
        if stats["callCount"] >= 6:
            break
        time.sleep(0.3)
    assert stats["callCount"] == 6 and stats["successCount"] == 5 and stats["clientErrorCount"] == 1
    api.delete(f"/endpoints/{endpoint_id}")
