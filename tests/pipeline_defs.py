"""Real KFP pipelines the pipeline tests compile with the kfp SDK and run (small: each task is a subprocess)."""

from pathlib import Path

from kfp import compiler, dsl
from kfp.dsl import Dataset, Input, Metrics, Model, Output

IMAGE = "python:3.11"


@dsl.component(base_image=IMAGE)
def make_data(rows: int, data: Output[Dataset]):
    with open(data.path, "w") as f:
        f.write("\n".join(str(i) for i in range(rows)))


@dsl.component(base_image=IMAGE)
def train(data: Input[Dataset], lr: float, model: Output[Model], metrics: Output[Metrics]) -> float:
    rows = len(open(data.path).read().split())
    with open(model.path, "w") as f:
        f.write(f"model rows={rows} lr={lr}")
    metrics.log_metric("accuracy", 0.9)
    print(f"trained on {rows} rows accuracy=0.9")
    return rows * lr


@dsl.component(base_image=IMAGE)
def report(score: float) -> str:
    return f"score {score}"


@dsl.pipeline(name="three-step", description="data -> train -> report")
def three_step(rows: int = 5, lr: float = 0.1):
    data = make_data(rows=rows)
    trained = train(data=data.outputs["data"], lr=lr)
    report(score=trained.outputs["Output"])


@dsl.component(base_image=IMAGE)
def flip(seed: int) -> str:
    return "heads" if seed % 2 == 0 else "tails"


@dsl.component(base_image=IMAGE)
def square(x: int) -> int:
    print(f"squaring {x}")
    return x * x


@dsl.pipeline(name="loop-condition")
def loop_condition(seed: int = 2, items: list = [1, 2, 3]):  # noqa: B006 - KFP reads the default from here
    coin = flip(seed=seed)
    with dsl.If(coin.output == "heads"):
        with dsl.ParallelFor(items) as item:
            square(x=item)


@dsl.component(base_image=IMAGE)
def sleeper(marker_dir: str, side: str, seconds: int) -> str:
    import os
    import time

    with open(os.path.join(marker_dir, side), "a") as f:
        f.write(f"{os.getpid()}\n")
    time.sleep(seconds)
    return "woke"


@dsl.pipeline(name="two-sleepers")
def two_sleepers(marker_dir: str, seconds: int = 120):
    left = sleeper(marker_dir=marker_dir, side="left", seconds=seconds)
    right = sleeper(marker_dir=marker_dir, side="right", seconds=seconds)
    report(score=1.0).after(left, right)


@dsl.component(base_image=IMAGE)
def tick(note: str) -> str:
    return note


@dsl.pipeline(name="one-step")
def one_step(note: str = "tick"):
    tick(note=note)


@dsl.component(base_image=IMAGE)
def boom(message: str):
    raise RuntimeError(message)


@dsl.pipeline(name="fails")
def fails(message: str = "boom on purpose"):
    broken = boom(message=message)
    fine = tick(note="independent")
    report(score=1.0).after(broken, fine)


@dsl.container_component
def echo():
    return dsl.ContainerSpec(image="alpine", command=["echo"], args=["hello"])


@dsl.pipeline(name="container-step")
def container_step():
    echo()


PIPELINES = {
    "three_step": three_step,
    "loop_condition": loop_condition,
    "two_sleepers": two_sleepers,
    "one_step": one_step,
    "container_step": container_step,
    "fails": fails,
}


def compile_all(directory: Path) -> dict[str, Path]:
    paths = {}
    for name, func in PIPELINES.items():
        paths[name] = directory / f"{name}.yaml"
        compiler.Compiler().compile(func, str(paths[name]))
    return paths
