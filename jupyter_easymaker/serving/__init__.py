"""Model serving: artifacts checked per framework (artifacts.py), models loaded per framework (loaders.py: scikit-learn,
PyTorch and .mar, Hugging Face, Triton's layout with ONNX or TorchScript), OIP v1 / v2 on one data plane, and the
OpenAI routes for generative models (openai.py, generation.py)."""
