"""The notebook pod's own tooling: environments in custom-conda-envs/ that are kernels, cont-init.d/ scripts."""
