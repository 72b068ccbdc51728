"""MNIST for the GAN labs: an IDX reader, a verified download, a shipped subset, Stacked MNIST.

`load_mnist()` returns the whole split as one preloaded uint8 tensor (60,000 images are 47 MB),
so training draws batches by indexing, with no DataLoader. The four official .gz files are
fetched once into a cache folder, trying each mirror in turn and checking every file's MD5.
Without a network the labs still run: we fall back to 5,000 real MNIST digits shipped inside
the package (see MNIST_SUBSET.md) and say so once.

Where the files go: `root=` if given, else `$GAN_TOY_DATA/mnist`, else `~/.cache/gan_toy/mnist`.
"""

from __future__ import annotations

import gzip
import hashlib
import http.client
import os
import tempfile
import urllib.request
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
import torch

from gan_toy.metrics import mode_of_digits

# Tried in order; the first two are the mirrors torchvision uses, LeCun's page is the original.
MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
    "http://yann.lecun.com/exdb/mnist/",
)
SPLITS = {  # split -> (images, labels) file names, without the .gz
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}
# Published MD5s of the .gz files (sizes 9912422, 28881, 1648877 and 4542 bytes); a wrong size
# is a wrong MD5, so a truncated download or cache file is caught by this check alone.
MD5 = {
    "train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
    "train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
    "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
    "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c",
}
TIMEOUT_S = 20.0
SUBSET_TRAIN = 4000  # the shipped subset: first 4000 images train, last 1000 test (balanced)
IMAGES_MAGIC, LABELS_MAGIC = 2051, 2049  # IDX: 0x08 = unsigned byte, then 3 or 1 dimensions

_subset_warned = False  # the offline fallback is announced once per process


class IDXError(ValueError):
    """An IDX file that is not what MNIST's should be (bad magic, truncated, wrong shape)."""


def _split_files(split: str) -> tuple[str, str]:
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; valid choices: {', '.join(map(repr, SPLITS))}")
    return SPLITS[split]


# --------------------------------------------------------------------------- IDX files


def read_idx(path: str | os.PathLike, magic: int) -> torch.Tensor:
    """An unsigned-byte IDX file (gzip or raw) as a uint8 tensor of the shape in its header.

    The header is a big-endian magic number (0x0000_08_nd: unsigned bytes, nd dimensions) and nd
    sizes; the payload must hold exactly their product of bytes.
    """
    path = Path(path)
    with open(path, "rb") as f:
        data = f.read()
    if data[:2] == b"\x1f\x8b":  # gzip's own magic: decompress whatever the file name says
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as err:
            raise IDXError(f"{path}: corrupt or truncated gzip data ({err})") from None
    if len(data) < 4 or int.from_bytes(data[:4], "big") != magic:
        found = int.from_bytes(data[:4], "big") if len(data) >= 4 else None
        raise IDXError(f"{path}: IDX magic number is {found}, expected {magic}; not an MNIST file")
    ndim = data[3]
    header = 4 + 4 * ndim
    if len(data) < header:
        raise IDXError(f"{path}: truncated IDX header")
    shape = tuple(int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    expected = header + int(np.prod(shape))
    if len(data) != expected:
        raise IDXError(
            f"{path}: header says shape {shape} ({expected} bytes), file has {len(data)} bytes"
            + (" (truncated)" if len(data) < expected else "")
        )
    array = np.frombuffer(data, dtype=np.uint8, offset=header).reshape(shape)
    return torch.from_numpy(array.copy())


def read_images(path: str | os.PathLike) -> torch.Tensor:
    """MNIST images (N×28×28 uint8) from an IDX file."""
    images = read_idx(path, IMAGES_MAGIC)
    if images.shape[1:] != (28, 28):
        raise IDXError(f"{path}: images are {tuple(images.shape[1:])}, expected 28×28")
    return images


def read_labels(path: str | os.PathLike) -> torch.Tensor:
    """MNIST labels (N, int64) from an IDX file."""
    labels = read_idx(path, LABELS_MAGIC)
    if len(labels) and labels.max() > 9:
        raise IDXError(f"{path}: label {int(labels.max())} is not a digit 0..9")
    return labels.long()


# --------------------------------------------------------------------------- download


def default_root() -> Path:
    """The cache folder: $GAN_TOY_DATA/mnist if that is set, else ~/.cache/gan_toy/mnist."""
    base = os.environ.get("GAN_TOY_DATA")
    return (Path(base).expanduser() if base else Path.home() / ".cache" / "gan_toy") / "mnist"


def md5sum(path: str | os.PathLike) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def fetch(url: str, dest: str | os.PathLike, timeout: float) -> None:
    """Copy `url` to the file `dest`. Module-level so tests can replace it (no network)."""
    with urllib.request.urlopen(url, timeout=timeout) as response, open(dest, "wb") as out:
        while block := response.read(1 << 20):
            out.write(block)


class ChecksumError(Exception):
    """A downloaded file whose MD5 is not the published one."""


def download_file(name: str, root: Path, mirrors: Sequence[str], md5: str) -> Path:
    """`root/name`, fetched from the first mirror that serves it with the right MD5.

    A cached file is used only if its MD5 matches; otherwise it is deleted and fetched again.
    Each attempt goes to a temporary file in `root` that replaces the target only once verified,
    so an interrupted download never leaves a half-written file under the real name.
    Raises OSError listing every mirror's failure when none works.
    """
    target = root / name
    if target.exists():
        if md5sum(target) == md5:
            return target
        target.unlink()  # corrupt or truncated: never use it
    root.mkdir(parents=True, exist_ok=True)
    failures = []
    for mirror in mirrors:
        url = mirror.rstrip("/") + "/" + name
        fd, tmp = tempfile.mkstemp(dir=root, prefix=name + ".", suffix=".part")
        os.close(fd)
        try:
            fetch(url, tmp, TIMEOUT_S)
            if (got := md5sum(tmp)) != md5:
                raise ChecksumError(f"MD5 {got}, expected {md5}")
            os.replace(tmp, target)
            return target
        # URLError/HTTPError/timeouts are OSErrors; a dropped connection can be an HTTPException.
        except (OSError, ValueError, http.client.HTTPException, ChecksumError) as err:
            failures.append(f"{url}: {type(err).__name__}: {err}")
        finally:
            if os.path.exists(tmp):
                os.remove(tmp)
    raise OSError(f"could not download {name} from any mirror:\n  " + "\n  ".join(failures))


# --------------------------------------------------------------------------- datasets


def to_float(images: torch.Tensor) -> torch.Tensor:
    """uint8 pixels 0..255 → float32 in [-1, 1], the range of a tanh generator's output."""
    return images.float().div_(127.5).sub_(1.0)


@dataclass
class MNISTData:
    """One split of MNIST held in memory: images (N×28×28 uint8) and labels (N, int64)."""

    images: torch.Tensor
    labels: torch.Tensor
    source: str  # "full" (official files) or "subset" (the 5,000 digits shipped with gan_toy)
    split: str

    def __len__(self) -> int:
        return len(self.labels)

    @property
    def device(self) -> torch.device:
        return self.images.device

    def to(self, device) -> MNISTData:
        """Move to `device` as uint8 (4× smaller than float): convert batches, not the set."""
        return MNISTData(self.images.to(device), self.labels.to(device), self.source, self.split)

    def float_images(self, device=None) -> torch.Tensor:
        """All images as N×1×28×28 float32 in [-1, 1] on `device` (default: where they are)."""
        return to_float(self.images.to(device).unsqueeze(1))


def load_subset(split: str = "train") -> MNISTData:
    """The real MNIST digits shipped with gan_toy: 4,000 train / 1,000 test, balanced by class."""
    _split_files(split)  # validates the name
    rows = slice(0, SUBSET_TRAIN) if split == "train" else slice(SUBSET_TRAIN, None)
    with resources.files(__package__).joinpath("mnist_subset.npz").open("rb") as f:
        npz = np.load(f)
        images, labels = npz["images"][rows], npz["labels"][rows]
    return MNISTData(torch.from_numpy(images), torch.from_numpy(labels).long(), "subset", split)


def load_mnist(
    split: str = "train",
    root: str | os.PathLike | None = None,
    download: bool = True,
    mirrors: Sequence[str] | None = None,
    allow_subset: bool = True,
    checksums: Mapping[str, str] | None = None,
) -> MNISTData:
    """MNIST's `split` ("train": 60,000 images, "test": 10,000), downloading it if needed.

    root: folder holding the four .gz files (default: see `default_root`).
    download: fetch missing or corrupt files from `mirrors` (default `MIRRORS`), in order.
    allow_subset: when the full files cannot be had, return the shipped subset (with one warning
        per process) instead of raising OSError. Check `.source` to see which one you got.
    checksums: file name → MD5, replacing the published `MD5` (for tests and custom mirrors).
    """
    root = Path(root).expanduser() if root is not None else default_root()
    mirrors = MIRRORS if mirrors is None else mirrors
    checksums = MD5 if checksums is None else checksums
    paths = [root / (name + ".gz") for name in _split_files(split)]
    try:
        for path in paths:
            if download:
                download_file(path.name, root, mirrors, checksums[path.name])
            elif not (path.exists() and md5sum(path) == checksums[path.name]):
                raise OSError(f"{path} is missing or corrupt, and download=False")
    except OSError as err:
        if not allow_subset:
            raise
        _warn_subset(root, err)
        return load_subset(split)
    images, labels = read_images(paths[0]), read_labels(paths[1])
    if len(images) != len(labels):
        raise IDXError(f"{root}: {len(images)} images but {len(labels)} labels")
    return MNISTData(images, labels, "full", split)


def load_digits(mnist_source: str = "auto", split: str = "train") -> MNISTData:
    """MNIST's `split` by the name a config uses: "full" (downloaded, or an OSError), "subset"
    (shipped) or "auto" (full if it can be had, else the subset with one warning)."""
    if mnist_source == "subset":
        return load_subset(split)
    return load_mnist(split, allow_subset=mnist_source == "auto")


def _warn_subset(root: Path, err: OSError) -> None:
    global _subset_warned
    if _subset_warned:
        return
    _subset_warned = True
    warnings.warn(
        f"Full MNIST is not available in {root} ({err}).\nUsing the 5,000 real MNIST digits "
        f"shipped with gan_toy instead (4,000 train / 1,000 test). For full MNIST, connect to "
        f"the internet and call load_mnist() again, or put the four .gz files from "
        f"{MIRRORS[0]} into {root} (or set GAN_TOY_DATA).",
        stacklevel=3,
    )


# --------------------------------------------------------------------------- Stacked MNIST


class StackedMNIST:
    """Stacked MNIST (Metz et al. 2017; Srivastava et al. 2017, VEEGAN): 1000 modes.

    Each sample stacks three independently drawn digits as the three channels of one 3×28×28
    image; its mode is the digit triple read as a number, 100·d1 + 10·d2 + d3. Samples are drawn
    on the fly on the images' device, so there is no fixed 3-channel data set to store.
    """

    n_modes = 1000

    def __init__(self, data: MNISTData):
        self.images, self.labels = data.images, data.labels

    @property
    def device(self) -> torch.device:
        return self.images.device

    @staticmethod
    def mode_of(digits: torch.Tensor) -> torch.Tensor:
        """Mode index 0..999 of digit triples (n×3, channel order), e.g. (3, 0, 7) → 307."""
        return mode_of_digits(digits)

    def sample(
        self, n: int, generator: torch.Generator | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """n images (n×3×28×28 float in [-1, 1]) and their modes (n, int64).

        Pass a `generator` on the images' device for a private, reproducible random stream.
        """
        idx = torch.randint(len(self.labels), (n, 3), device=self.device, generator=generator)
        return to_float(self.images[idx]), self.mode_of(self.labels[idx])
