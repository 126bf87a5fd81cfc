"""Train the digit CNN on MNIST and write everything the app and the Hub need into model/.

    python train.py                              # ylecun/mnist through `datasets`
    python train.py --data ../shared/data/mnist.npz --resume
    python train.py evaluate --data ../shared/data/mnist.npz   # test accuracy of model/
    python train.py card              # model/README.md, and the README's model figures
    python train.py convert           # model/web: the browser's TF.js model (training/convert.py)
    python publish.py --model you/digit-cnn --space you/digit-studio  # after training

    python train.py --data D --seed 15 --start-from model --small-scans 0.5 --network-only
    python train.py finish --data D --networks runs/seed-15   # join, calibrate, check, save

How the shipped model was made, stage by stage (an ensemble teacher, a distilled network, five
fine-tunings): docs/training-log.md and model/metrics.json's "commands".

The steps, one module each, read top to bottom: training/__init__.py lists them.
"""

import argparse
import json
from pathlib import Path

from training import convert
from training.data import HUB_DATASET, limited, load_mnist
from training.finish import evaluate_on_test, finish
from training.fit import train
from training.report import with_model_figures, write_model_card

ROOT = Path(__file__).resolve().parent


def evaluate(args) -> None:
    out = Path(args.out)
    results = evaluate_on_test(out, load_mnist(args.data))
    metrics = json.loads((out / "metrics.json").read_text())
    for key in ("test_accuracy", "test_errors"):
        print(f"{key}: now {results[key]}, metrics.json {metrics.get(key)}")


def finish_command(args) -> None:
    finish(
        [Path(run) for run in args.networks],
        limited(load_mnist(args.data), args.limit),
        args.data,
        Path(args.out),
        args.note,
    )
    if Path(convert.CONVERTER).exists():
        convert_command(args)
    else:
        print(
            f"model/web not made: no converter at {convert.CONVERTER}; install it as "
            "training/convert.py says, then run `python train.py convert`"
        )


def convert_command(args) -> None:
    """The browser's model from the served weights, checked against Keras on validation."""
    out = Path(args.out)
    found = convert.browser_model(
        out / "digit_cnn.keras", out / "web", args.data, out / "metrics.json"
    )
    print(json.dumps(found, indent=2))


def card(args) -> None:
    """Rewrite --out/README.md from --out/metrics.json (no data, no training), and for the
    project's own model/ the README's model figures too."""
    out = Path(args.out)
    metrics = json.loads((out / "metrics.json").read_text())
    write_model_card(out, metrics)
    if out.resolve() == ROOT / "model":
        readme = ROOT / "README.md"
        readme.write_text(with_model_figures(readme.read_text(), metrics))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument(
        "command",
        nargs="?",
        choices=["train", "evaluate", "finish", "card", "convert"],
        default="train",
    )
    p.add_argument(
        "--data",
        default=HUB_DATASET,
        help="a `datasets` name or folder (default ylecun/mnist), or a Keras .npz",
    )
    p.add_argument("--out", default="model", help="where the weights, metrics and card go")
    p.add_argument("--epochs", type=int, default=32)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--learning-rate", type=float, default=2e-3, help="the peak, after warm-up")
    p.add_argument(
        "--start-from",
        metavar="FOLDER",
        help="train: begin from this served model's or runs/seed-N's network",
    )
    p.add_argument(
        "--small-scans",
        type=float,
        default=0.0,
        metavar="SHARE",
        help="train: this share of the blurry scans shrunk to 7-10 px, not 6-20",
    )
    p.add_argument("--european", type=float, default=0.0, help="train: 1s and 7s made European")
    p.add_argument("--touching-pairs", type=int, default=0, help="train: pairs learnt as no digit")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--resume", action="store_true", help="continue from runs/seed-N/checkpoints")
    p.add_argument(
        "--network-only",
        action="store_true",
        help="train: stop after the network (join networks later with `finish`)",
    )
    p.add_argument(
        "--networks",
        nargs="+",
        metavar="RUN",
        help="finish: the runs/seed-N folders of the networks to serve together",
    )
    p.add_argument(
        "--note",
        default="",
        help="finish: what this candidate is, for the record of test-split readings",
    )
    p.add_argument("--limit", type=int, default=0, help="use only the first N digits (smoke runs)")
    p.add_argument(
        "--teacher",
        metavar="FOLDER",
        help="train: also imitate this served model's answers (distillation)",
    )
    p.add_argument(
        "--extra-data",
        metavar="FOLDER",
        help="also train on the corrections the app saved in this folder",
    )
    args = p.parse_args()
    commands = {
        "train": train,
        "evaluate": evaluate,
        "finish": finish_command,
        "card": card,
        "convert": convert_command,
    }
    commands[args.command](args)


if __name__ == "__main__":
    main()
