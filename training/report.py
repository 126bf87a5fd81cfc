"""What a finished model is shown with: training curves, the confusion matrix, the misread test
digits, and the model card (model/README.md) from metrics.json."""

from pathlib import Path

import matplotlib
import numpy as np

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (after choosing the file-only backend)


def read_history(path: Path) -> dict[str, list[float]]:
    rows = np.genfromtxt(path, delimiter=",", names=True)
    rows = np.atleast_1d(rows)
    history = {name: rows[name].tolist() for name in rows.dtype.names}
    for key in ("loss", "accuracy"):  # trained with the check: the digits' own loss and accuracy
        for prefix in ("", "val_"):
            history[prefix + key] = history.get(
                f"{prefix}probabilities_{key}", history.get(prefix + key)
            )
    return history


def plot_training_curves(out: Path, histories: list[dict[str, list[float]]]) -> None:
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
    for i, history in enumerate(histories):
        epochs = np.arange(1, len(history["loss"]) + 1)
        name = f"network {i + 1} " if len(histories) > 1 else ""
        for ax, key in zip(axes, ("loss", "accuracy")):
            ax.plot(epochs, history[key], color=f"C{i}", label=f"{name}train (augmented)")
            ax.plot(
                epochs,
                history[f"val_{key}"],
                color=f"C{i}",
                linestyle="--",
                label=f"{name}validation",
            )
    for ax, key in zip(axes, ("loss", "accuracy")):
        ax.set(xlabel="epoch", title=key)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    axes[0].set_yscale("log")
    fig.tight_layout()
    fig.savefig(out / "training_curves.png", dpi=100)
    plt.close(fig)


def plot_confusion_and_errors(out: Path, x_test, y_test, predicted) -> None:
    confusion = np.zeros((10, 10), int)
    np.add.at(confusion, (y_test, predicted), 1)
    fig, ax = plt.subplots(figsize=(5.5, 5))
    ax.imshow(np.log1p(confusion), cmap="Blues")
    for (i, j), n in np.ndenumerate(confusion):
        ax.text(j, i, n, ha="center", va="center", fontsize=7, color="white" if i == j else "black")
    ax.set(
        xticks=range(10),
        yticks=range(10),
        xlabel="predicted",
        ylabel="true",
        title=f"MNIST test: {(predicted != y_test).sum()} errors in {len(y_test)}",
    )
    fig.tight_layout()
    fig.savefig(out / "confusion_matrix.png", dpi=100)
    plt.close(fig)

    wrong = np.flatnonzero(predicted != y_test)[:40]
    cols = 10
    rows = max(1, -(-len(wrong) // cols))
    fig, axes = plt.subplots(rows, cols, figsize=(cols * 1.1, rows * 1.3), squeeze=False)
    for ax in axes.ravel():
        ax.axis("off")
    for ax, i in zip(axes.ravel(), wrong):
        ax.imshow(x_test[i], cmap="gray")
        ax.set_title(f"{y_test[i]} -> {predicted[i]}", fontsize=9, color="crimson")
    fig.suptitle("Misclassified test digits (true -> predicted)")
    fig.tight_layout()
    fig.savefig(out / "misclassified.png", dpi=100)
    plt.close(fig)


def write_model_card(out: Path, metrics: dict) -> None:
    """model/README.md from metrics.json: the Hub's metadata (with the test result as a
    model-index) and the text of model_card.md."""
    from huggingface_hub import EvalResult, ModelCardData

    data = ModelCardData(
        library_name="keras",
        license="mit",
        datasets=["ylecun/mnist"],
        metrics=["accuracy"],
        pipeline_tag="image-classification",
        tags=["mnist", "digits", "litert"],
        model_name="digit-cnn",
        eval_results=[
            EvalResult(
                task_type="image-classification",
                dataset_type="ylecun/mnist",
                dataset_name="MNIST",
                dataset_split="test",
                metric_type="accuracy",
                metric_value=metrics["test_accuracy"],
            )
        ],
    )
    fields = {k: ", ".join(map(str, v)) if isinstance(v, list) else v for k, v in metrics.items()}
    n = metrics["members"]
    fields["networks"] = (
        "A small convolutional network"
        if n == 1
        else f"{n} small convolutional networks side by side (an ensemble)"
    )
    fields["commands"] = "\n".join(f"    {c}" for c in metrics.get("commands", []))
    fields["earlier_stages"] = "\n".join(f"- {stage}" for stage in metrics["earlier_stages"])
    fields["test_split_readings"] = "\n".join(
        f"- {r['candidate']}: {r['test_accuracy']:.2%} ({r['test_errors']} errors)"
        for r in metrics.get("test_split_readings", [])
    )
    template = (Path(__file__).parent / "model_card.md").read_text()
    (out / "README.md").write_text(f"---\n{data.to_yaml()}\n---\n\n{template.format(**fields)}")


README_FIGURES = ("<!-- model figures: python train.py card -->\n", "<!-- /model figures -->\n")


def model_figures(metrics: dict) -> str:
    """The README's table of the served model's figures, copied from metrics.json."""
    rows = [
        (
            "MNIST test split, 10,000 digits (read once per served model)",
            f"{metrics['test_accuracy']:.2%} ({metrics['test_errors']} errors)",
        ),
        (
            "MNIST validation split, the last 6,000 training digits",
            f"{metrics['validation_accuracy']:.2%}",
        ),
        ("calibration error (ECE, test split)", f"{metrics['test_ece']:.4f}"),
        ("parameters", f"{metrics['parameters']:,}"),
    ]
    return "| the served model | measured | from |\n|---|---|---|\n" + "".join(
        f"| {what} | {value} | `model/metrics.json` |\n" for what, value in rows
    )


def with_model_figures(readme: str, metrics: dict) -> str:
    """The README with its model-figures block rewritten from metrics.json."""
    start, end = README_FIGURES
    head, rest = readme.split(start)
    _, tail = rest.split(end)
    return head + start + model_figures(metrics) + end + tail
