"""Tiny models of each served framework, made on the spot with no download: a word-level tokenizer trained on a
few sentences, Hugging Face models with random weights, an ONNX graph in Triton's layout, a TorchServe .mar."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np

SENTENCES = [
    "the quick brown fox jumps over the lazy dog",
    "a model answers questions about the weather today",
    "tokens stream one by one from the tiny model",
    "hello world this is a small test of generation",
    "system user assistant said hi and asked what comes next",
]
SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "</s>"]
CHAT_TEMPLATE = (
    "{% for m in messages %}{{ m['role'] }} said {{ m['content'] }} {% endfor %}"
    "{% if add_generation_prompt %}assistant said{% endif %}"
)


def save_tokenizer(directory: Path, chat_template: str | None = None):
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    words = Tokenizer(models.WordLevel(unk_token="[UNK]"))
    words.pre_tokenizer = pre_tokenizers.Whitespace()
    words.decoder = decoders.WordPiece()
    words.train_from_iterator(SENTENCES, trainers.WordLevelTrainer(special_tokens=SPECIALS))
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=words, unk_token="[UNK]", pad_token="[PAD]",
                                        cls_token="[CLS]", sep_token="[SEP]", mask_token="[MASK]",
                                        eos_token="</s>", model_max_length=64)  # fmt: skip
    if chat_template:
        tokenizer.chat_template = chat_template
    tokenizer.save_pretrained(directory)
    return tokenizer


def save_gpt2(directory: Path, chat_template: str | None = CHAT_TEMPLATE) -> Path:
    """A 2-layer GPT-2 whose end-of-text logit is always 0, so greedy generation runs to max_tokens."""
    import torch
    from transformers import GPT2Config, GPT2LMHeadModel

    tokenizer = save_tokenizer(directory, chat_template)
    eos = tokenizer.eos_token_id
    config = GPT2Config(vocab_size=len(tokenizer), n_layer=2, n_embd=32, n_head=2, n_positions=64,
                        bos_token_id=eos, eos_token_id=eos, pad_token_id=tokenizer.pad_token_id)  # fmt: skip
    torch.manual_seed(0)
    model = GPT2LMHeadModel(config)
    with torch.no_grad():
        model.transformer.wte.weight[eos] = 0
    model.save_pretrained(directory)
    return directory


def save_t5(directory: Path) -> Path:
    """A 1-layer T5 (text2text_generation), its end-of-text logit 0 as the GPT-2's."""
    import torch
    from transformers import T5Config, T5ForConditionalGeneration

    tokenizer = save_tokenizer(directory)
    config = T5Config(vocab_size=len(tokenizer), d_model=16, d_kv=8, d_ff=32, num_layers=1, num_heads=2,
                      pad_token_id=tokenizer.pad_token_id, eos_token_id=tokenizer.eos_token_id,
                      decoder_start_token_id=tokenizer.pad_token_id)  # fmt: skip
    torch.manual_seed(0)
    model = T5ForConditionalGeneration(config)
    with torch.no_grad():
        model.shared.weight[tokenizer.eos_token_id] = 0
    model.save_pretrained(directory)
    return directory


def save_bert(directory: Path, kind: str = "sequence") -> Path:
    import torch
    from transformers import BertConfig, BertForMaskedLM, BertForSequenceClassification, BertForTokenClassification

    tokenizer = save_tokenizer(directory)
    config = BertConfig(vocab_size=len(tokenizer), hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
                        intermediate_size=64, max_position_embeddings=64, num_labels=3,
                        pad_token_id=tokenizer.pad_token_id)  # fmt: skip
    torch.manual_seed(1)
    cls = {"sequence": BertForSequenceClassification, "token": BertForTokenClassification, "mask": BertForMaskedLM}
    cls[kind](config).save_pretrained(directory)
    return directory


def onnx_affine(weight: np.ndarray, bias: np.ndarray):
    """y = relu(x @ W + b), z = sum(x, axis=1): two named outputs of a named input."""
    from onnx import TensorProto, helper, numpy_helper

    nodes = [
        helper.make_node("MatMul", ["x", "W"], ["xw"]),
        helper.make_node("Add", ["xw", "b"], ["pre"]),
        helper.make_node("Relu", ["pre"], ["y"]),
        helper.make_node("ReduceSum", ["x", "axes"], ["z"], keepdims=0),
    ]
    graph = helper.make_graph(
        nodes, "affine",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", weight.shape[0]])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", weight.shape[1]]),
         helper.make_tensor_value_info("z", TensorProto.FLOAT, ["batch"])],
        [numpy_helper.from_array(weight.astype(np.float32), "W"), numpy_helper.from_array(bias.astype(np.float32), "b"),
         numpy_helper.from_array(np.array([1], dtype=np.int64), "axes")],
    )  # fmt: skip
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8)


TRITON_CONFIG = """
name: "affine"   # Triton's own example layout
platform: "onnxruntime_onnx"
max_batch_size: 8
input [ { name: "x", data_type: TYPE_FP32, dims: [ 4 ] } ]
output [
  { name: "y" data_type: TYPE_FP32 dims: [ 3 ] },
  { name: "z" data_type: TYPE_FP32 dims: [ ] }
]
"""


def save_triton_onnx(directory: Path, versions: dict[int, tuple[np.ndarray, np.ndarray]], config: str = TRITON_CONFIG):
    import onnx

    directory.mkdir(parents=True, exist_ok=True)
    (directory / "config.pbtxt").write_text(config)
    for version, (weight, bias) in versions.items():
        (directory / str(version)).mkdir()
        onnx.save(onnx_affine(weight, bias), directory / str(version) / "model.onnx")
    return directory


def affine(x: np.ndarray, weight: np.ndarray, bias: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x = np.asarray(x, dtype=np.float32)
    return np.maximum(x @ weight.astype(np.float32) + bias.astype(np.float32), 0), x.sum(axis=1)


def save_savedmodel(directory: Path, weight: np.ndarray, bias: np.ndarray) -> Path:
    """The same affine model as a TensorFlow SavedModel: serving_default takes x, gives y and z."""
    from jupyter_easymaker.serving.savedmodel import import_tensorflow

    tf = import_tensorflow()  # after Triton, as the model server does

    class Affine(tf.Module):
        def __init__(self):
            super().__init__()
            self.w = tf.Variable(weight.astype(np.float32))
            self.b = tf.Variable(bias.astype(np.float32))

        @tf.function(input_signature=[tf.TensorSpec([None, weight.shape[0]], tf.float32, name="x")])
        def serve(self, x):
            return {"y": tf.nn.relu(tf.matmul(x, self.w) + self.b), "z": tf.reduce_sum(x, axis=1)}

    module = Affine()
    tf.saved_model.save(module, str(directory), signatures={"serving_default": module.serve})
    return directory


MAR_MODEL = """
import torch

class Doubler(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.linear = torch.nn.Linear(2, 1)

    def forward(self, x):
        return self.linear(x) * 2
"""
MAR_HANDLER = """
import torch
from ts.torch_handler.base_handler import BaseHandler

class DoublerHandler(BaseHandler):
    def preprocess(self, data):
        return torch.tensor(data, dtype=torch.float32)

    def postprocess(self, data):
        return data.flatten().tolist()
"""


def save_mar(path: Path) -> tuple[Path, object]:
    """A .mar as torch-model-archiver lays it out; the module the weights belong to, for reference answers."""
    import torch

    namespace: dict = {}
    exec(MAR_MODEL, namespace)
    torch.manual_seed(2)
    module = namespace["Doubler"]().eval()
    weights = path.parent / "doubler.pt"
    torch.save(module.state_dict(), weights)
    manifest = {"createdOn": "21/11/2026 08:00:00", "runtime": "python", "archiverVersion": "0.11.0",
                "model": {"modelName": "doubler", "serializedFile": "doubler.pt", "handler": "doubler_handler.py",
                          "modelFile": "doubler_model.py", "modelVersion": "1.0"}}  # fmt: skip
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("MAR-INF/MANIFEST.json", json.dumps(manifest))
        archive.writestr("doubler_model.py", MAR_MODEL)
        archive.writestr("doubler_handler.py", MAR_HANDLER)
        archive.write(weights, "doubler.pt")
    weights.unlink()
    return path, module
