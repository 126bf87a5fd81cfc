"""Publish: the model to a Hub model repo, then the app to a Space that loads exactly that model.

    export HF_TOKEN=hf_...            # a token with write access (huggingface.co/settings/tokens)
    python publish.py --model you/digit-cnn --space you/digit-studio --dry-run  # list, send nothing
    python publish.py --model you/digit-cnn --space you/digit-studio

1. model/ goes to the model repo (`upload_folder`: binaries stored the way the Hub requires), and
   the commit it returns is written, with the repo id and the files' sha256, to model/hub.json,
   the pin the app's loader reads (digit_core/weights.py). Commit that file.
2. The Space gets exactly SPACE_FILES (hub.json included), its README's `models:` naming the
   model repo, in one commit.
3. It prints the Space's address and the pinned revision.
"""

import argparse
import json
from pathlib import Path

from huggingface_hub import CommitOperationAdd, HfApi, SpaceCard, constants

from digit_core.weights import KERAS_FILE, LITERT_FILE, PIN, served_sha256

ROOT = Path(__file__).resolve().parent
# What the Space runs, and what installs it as a package: nothing else (no tests, benchmarks,
# training, runs or feedback).
SPACE_FILES = [
    "app.py",
    "studio/*.py",
    "studio/*.css",
    "requirements.txt",
    "README.md",
    ".gitattributes",
    "digit_core/*.py",
    "model/*",
    "examples/*.png",
    "examples/*.jpg",
    "docs/*",
    # what the Draw tab runs in the visitor's browser (docs/in-browser.md)
    "model/web/*",
    "studio/browser/dist/*",
    # so that `pip install git+https://huggingface.co/spaces/...` installs the bulk reader
    "pyproject.toml",
    "digit_bulk/*.py",
]


def model_files(root: Path) -> list[Path]:
    """model/, its browser copy (model/web/) included."""
    return sorted(p for p in (root / "model").rglob("*") if p.is_file() and p.name != PIN)


def space_files(root: Path) -> list[Path]:
    """Every file the Space receives, relative to `root`."""
    return sorted(
        {p.relative_to(root) for pattern in SPACE_FILES for p in root.glob(pattern) if p.is_file()}
    )


def space_readme(root: Path, model_repo: str) -> bytes:
    """The README with its front matter naming the model the Space loads."""
    card = SpaceCard.load(root / "README.md")
    card.data.models = [model_repo]
    return str(card).encode()


def publish_model(api: HfApi, root: Path, repo: str) -> dict:
    api.create_repo(repo, exist_ok=True)
    commit = api.upload_folder(
        repo_id=repo,
        folder_path=root / "model",
        ignore_patterns=[PIN],
        commit_message="Digit CNN: weights, metrics and card",
    )
    pin = {"repo_id": repo, "revision": commit.oid, "sha256": served_sha256(root / "model")}
    (root / "model" / PIN).write_text(json.dumps(pin, indent=2) + "\n")
    return pin


def publish_space(api: HfApi, root: Path, space: str, model_repo: str) -> str:
    api.create_repo(space, repo_type="space", space_sdk="gradio", exist_ok=True)
    operations = [
        CommitOperationAdd(
            str(path), space_readme(root, model_repo) if str(path) == "README.md" else root / path
        )
        for path in space_files(root)
    ]
    commit = api.create_commit(
        space, operations, repo_type="space", commit_message=f"Digit Studio, serving {model_repo}"
    )
    return commit.oid


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--model", required=True, metavar="ORG/NAME", help="the Hub model repo")
    p.add_argument("--space", required=True, metavar="ORG/NAME", help="the Space")
    p.add_argument("--dry-run", action="store_true", help="list what would be sent; send nothing")
    p.add_argument("--root", type=Path, default=ROOT, help="the project folder to publish from")
    args = p.parse_args()
    root = args.root.resolve()
    for name in (KERAS_FILE, LITERT_FILE):
        if not (root / "model" / name).is_file():
            raise SystemExit(f"model/{name} is missing: train first (train.py finish).")
    if args.dry_run:
        print(f"model repo {args.model}:")
        print("".join(f"  {p.relative_to(root)}\n" for p in model_files(root)), end="")
        print(f"Space {args.space} (README's models: [{args.model}], plus model/{PIN}):")
        print("".join(f"  {p}\n" for p in space_files(root)), end="")
        return
    api = HfApi()
    pin = publish_model(api, root, args.model)
    print(f"model: {args.model} at {pin['revision']} (pinned in model/{PIN}: commit it)")
    space_commit = publish_space(api, root, args.space, args.model)
    print(f"Space: {constants.ENDPOINT}/spaces/{args.space} (commit {space_commit})")
    print(f"pinned revision: {pin['revision']}")


if __name__ == "__main__":
    main()
