"""MNIST loader: IDX parsing, verified mirror downloads, the offline subset, Stacked MNIST.

No network: mirrors are folders served through file:// URLs, and failures that a folder cannot
produce (timeouts, HTTP errors) come from a replaced `mnist.fetch`.
"""

import gzip
import hashlib
import http.client
import struct
import urllib.error
import warnings

import numpy as np
import pytest
import torch

from gan_toy.data import mnist
from gan_toy.data.mnist import IDXError, MNISTData, StackedMNIST, load_mnist, load_subset

SIZES = {"train": 10, "test": 6}


def idx_bytes(array: np.ndarray, magic: int) -> bytes:
    """An IDX file written by hand from the format description (not with the code under test)."""
    return struct.pack(">I", magic) + struct.pack(f">{array.ndim}I", *array.shape) + array.tobytes()


def tiny_mnist(seed: int = 0) -> dict[str, np.ndarray]:
    """Arrays for a tiny MNIST: random images, labels cycling through the digits."""
    rng = np.random.default_rng(seed)
    arrays = {}
    for split, n in SIZES.items():
        images_name, labels_name = mnist.SPLITS[split]
        arrays[images_name] = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
        arrays[labels_name] = (np.arange(n) % 10).astype(np.uint8)
    return arrays


def write_mirror(folder, arrays, corrupt: bool = False) -> dict[str, str]:
    """Write the four .gz files into `folder`; return their MD5s (before any corruption)."""
    folder.mkdir(parents=True, exist_ok=True)
    checksums = {}
    for name, array in arrays.items():
        magic = mnist.IMAGES_MAGIC if array.ndim == 3 else mnist.LABELS_MAGIC
        data = gzip.compress(idx_bytes(array, magic), mtime=0)
        checksums[name + ".gz"] = hashlib.md5(data).hexdigest()
        if corrupt:  # same length, one byte different: only the checksum can tell
            data = data[:-1] + bytes([data[-1] ^ 0xFF])
        (folder / (name + ".gz")).write_bytes(data)
    return checksums


@pytest.fixture
def good(tmp_path):
    """A good mirror: (its file:// URL, the MD5s, the arrays it serves)."""
    arrays = tiny_mnist()
    checksums = write_mirror(tmp_path / "good", arrays)
    return (tmp_path / "good").as_uri(), checksums, arrays


@pytest.fixture
def fetched(monkeypatch):
    """Record the URLs `mnist.fetch` is asked for, still fetching them."""
    urls = []
    real_fetch = mnist.fetch

    def spy(url, dest, timeout):
        urls.append(url)
        real_fetch(url, dest, timeout)

    monkeypatch.setattr(mnist, "fetch", spy)
    return urls


def assert_matches(data: MNISTData, arrays, split="train"):
    images_name, labels_name = mnist.SPLITS[split]
    assert data.source == "full" and data.split == split
    assert data.images.dtype == torch.uint8 and data.images.shape == (SIZES[split], 28, 28)
    assert data.labels.dtype == torch.int64
    assert torch.equal(data.images, torch.from_numpy(arrays[images_name]))
    assert torch.equal(data.labels, torch.from_numpy(arrays[labels_name]).long())


# --------------------------------------------------------------------------- IDX files


@pytest.mark.parametrize("compress", [True, False], ids=["gz", "raw"])
def test_read_idx_gzip_and_raw(tmp_path, compress):
    arrays = tiny_mnist()
    images, labels = arrays["train-images-idx3-ubyte"], arrays["train-labels-idx1-ubyte"]
    for name, array, magic in [("im", images, 2051), ("lb", labels, 2049)]:
        data = idx_bytes(array, magic)
        (tmp_path / name).write_bytes(gzip.compress(data) if compress else data)
    assert torch.equal(mnist.read_images(tmp_path / "im"), torch.from_numpy(images))
    assert torch.equal(mnist.read_labels(tmp_path / "lb"), torch.from_numpy(labels).long())


def test_bad_magic_is_a_clear_error(tmp_path):
    labels = idx_bytes(np.arange(10, dtype=np.uint8), 2049)
    (tmp_path / "labels").write_bytes(labels)
    with pytest.raises(IDXError, match="magic number is 2049, expected 2051"):
        mnist.read_images(tmp_path / "labels")
    (tmp_path / "html").write_bytes(b"<html>404 Not Found</html>")
    with pytest.raises(IDXError, match="magic"):
        mnist.read_labels(tmp_path / "html")


def test_truncated_idx_is_a_clear_error(tmp_path):
    data = idx_bytes(tiny_mnist()["train-images-idx3-ubyte"], 2051)
    (tmp_path / "raw").write_bytes(data[:-100])
    with pytest.raises(IDXError, match="truncated"):
        mnist.read_images(tmp_path / "raw")
    (tmp_path / "gz").write_bytes(gzip.compress(data)[:-100])
    with pytest.raises(IDXError, match="gzip"):
        mnist.read_images(tmp_path / "gz")
    (tmp_path / "wrong_size").write_bytes(idx_bytes(np.zeros((2, 27, 27), np.uint8), 2051))
    with pytest.raises(IDXError, match="28×28"):
        mnist.read_images(tmp_path / "wrong_size")


# --------------------------------------------------------------------------- download and cache


def test_loads_from_a_mirror_into_the_cache(tmp_path, good):
    url, checksums, arrays = good
    cache = tmp_path / "cache"
    for split in SIZES:
        data = load_mnist(split, root=cache, mirrors=[url], checksums=checksums)
        assert_matches(data, arrays, split)
    assert sorted(p.name for p in cache.iterdir()) == sorted(checksums)  # no .part left over


def test_good_cache_is_used_without_fetching(tmp_path, good, monkeypatch):
    url, checksums, arrays = good
    load_mnist(root=tmp_path / "cache", mirrors=[url], checksums=checksums)

    def no_network(url, dest, timeout):
        raise AssertionError(f"fetched {url} although the cache is good")

    monkeypatch.setattr(mnist, "fetch", no_network)
    assert_matches(load_mnist(root=tmp_path / "cache", mirrors=[url], checksums=checksums), arrays)
    data = load_mnist(root=tmp_path / "cache", download=False, checksums=checksums)
    assert_matches(data, arrays)


def test_wrong_checksum_moves_to_next_mirror(tmp_path, good, fetched):
    url, checksums, arrays = good
    write_mirror(tmp_path / "bad", arrays, corrupt=True)
    bad = (tmp_path / "bad").as_uri()
    cache = tmp_path / "cache"
    data = load_mnist(root=cache, mirrors=[bad, url], checksums=checksums)
    assert_matches(data, arrays)
    name = "train-images-idx3-ubyte.gz"
    assert fetched[:2] == [f"{bad}/{name}", f"{url}/{name}"]  # tried the corrupt mirror first
    assert mnist.md5sum(cache / name) == checksums[name]
    assert not list(cache.glob("*.part"))


def test_truncated_cached_file_is_refetched(tmp_path, good, fetched):
    url, checksums, arrays = good
    cache = tmp_path / "cache"
    load_mnist(root=cache, mirrors=[url], checksums=checksums)
    name = "train-images-idx3-ubyte.gz"
    full = (cache / name).read_bytes()
    (cache / name).write_bytes(full[: len(full) // 2])  # an interrupted copy
    fetched.clear()

    assert_matches(load_mnist(root=cache, mirrors=[url], checksums=checksums), arrays)
    assert fetched == [f"{url}/{name}"]  # only the damaged file was fetched again
    assert (cache / name).read_bytes() == full


def test_bad_cached_file_is_not_used_without_download(tmp_path, good):
    url, checksums, _ = good
    cache = tmp_path / "cache"
    load_mnist(root=cache, mirrors=[url], checksums=checksums)
    (cache / "train-labels-idx1-ubyte.gz").write_bytes(b"garbage")
    with pytest.raises(OSError, match="missing or corrupt"):
        load_mnist(root=cache, download=False, allow_subset=False, checksums=checksums)


@pytest.mark.parametrize(
    "error",
    [
        urllib.error.URLError("name resolution failed"),
        TimeoutError("timed out"),
        urllib.error.HTTPError("http://x", 503, "Service Unavailable", None, None),
        http.client.IncompleteRead(b"partial"),
    ],
    ids=["url", "timeout", "http", "incomplete"],
)
def test_unreachable_mirror_moves_to_next(tmp_path, good, monkeypatch, error):
    url, checksums, arrays = good
    real_fetch = mnist.fetch
    tried = []

    def flaky(u, dest, timeout):
        tried.append(u)
        if u.startswith("http://down.invalid/"):
            raise error
        real_fetch(u, dest, timeout)

    monkeypatch.setattr(mnist, "fetch", flaky)
    mirrors = ["http://down.invalid/mnist/", (tmp_path / "missing").as_uri(), url]
    assert_matches(
        load_mnist(root=tmp_path / "cache", mirrors=mirrors, checksums=checksums), arrays
    )
    assert tried[0].startswith("http://down.invalid/") and tried[1].startswith("file:")


def test_everything_unreachable_falls_back_to_subset_with_one_warning(tmp_path, monkeypatch):
    monkeypatch.setattr(mnist, "_subset_warned", False)
    cache = tmp_path / "cache"
    mirrors = [(tmp_path / "nowhere").as_uri(), (tmp_path / "nowhere2").as_uri()]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        train = load_mnist("train", root=cache, mirrors=mirrors)
        test = load_mnist("test", root=cache, mirrors=mirrors)
    assert len(caught) == 1, [str(w.message) for w in caught]
    message = str(caught[0].message)
    assert str(cache) in message and "GAN_TOY_DATA" in message and "5,000" in message
    assert (train.source, len(train)) == ("subset", 4000)
    assert (test.source, len(test)) == ("subset", 1000)
    assert not cache.exists() or not list(cache.iterdir())  # nothing half-written left behind


def test_everything_unreachable_without_subset_raises(tmp_path):
    mirrors = [(tmp_path / "nowhere").as_uri()]
    with pytest.raises(OSError, match="any mirror") as info:
        load_mnist(root=tmp_path / "cache", mirrors=mirrors, allow_subset=False)
    assert "nowhere" in str(info.value)


def test_unknown_split_names_the_choices():
    with pytest.raises(ValueError, match=r"'validation'.*'train', 'test'"):
        load_mnist("validation")
    with pytest.raises(ValueError, match="'all'"):
        load_subset("all")


def test_cache_folder_follows_env_var(tmp_path, monkeypatch):
    monkeypatch.setenv("GAN_TOY_DATA", str(tmp_path))
    assert mnist.default_root() == tmp_path / "mnist"
    monkeypatch.delenv("GAN_TOY_DATA")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert mnist.default_root() == tmp_path / "home" / ".cache" / "gan_toy" / "mnist"


# --------------------------------------------------------------------------- shipped subset


def test_subset_is_balanced_real_digits():
    train, test = load_subset("train"), load_subset("test")
    assert train.images.shape == (4000, 28, 28) and test.images.shape == (1000, 28, 28)
    assert train.images.dtype == torch.uint8 and train.labels.dtype == torch.int64
    assert torch.bincount(train.labels, minlength=10).tolist() == [400] * 10
    assert torch.bincount(test.labels, minlength=10).tolist() == [100] * 10
    # MNIST's mean pixel is 33.3 (0.1307 × 255) and its borders are almost empty.
    assert 25 < train.images.float().mean() < 45
    assert train.images[:, :2, :].float().mean() < 1 and train.images.max() == 255
    # No image is in both splits.
    flat_train = {bytes(row) for row in train.images.reshape(len(train), -1).numpy()}
    assert not any(bytes(row) in flat_train for row in test.images.reshape(len(test), -1).numpy())


def test_float_images_span_minus_one_to_one():
    data = MNISTData(torch.tensor([[[0, 255]]], dtype=torch.uint8), torch.tensor([3]), "full", "x")
    x = data.float_images()
    assert x.shape == (1, 1, 1, 2) and x.dtype == torch.float32
    assert x.flatten().tolist() == [-1.0, 1.0]
    images = load_subset("test").float_images()
    assert images.shape == (1000, 1, 28, 28) and images.min() == -1 and images.max() == 1


# --------------------------------------------------------------------------- Stacked MNIST


def test_stacked_mnist_modes_match_the_stacked_digits():
    # Image i is filled with the value i, so each channel tells which image was drawn.
    n = 50
    images = torch.arange(n, dtype=torch.uint8)[:, None, None].expand(n, 28, 28).contiguous()
    labels = torch.randint(10, (n,), generator=torch.Generator().manual_seed(1))
    stacked = StackedMNIST(MNISTData(images, labels, "full", "train"))
    x, modes = stacked.sample(500, generator=torch.Generator().manual_seed(0))
    assert x.shape == (500, 3, 28, 28) and x.dtype == torch.float32 and modes.shape == (500,)
    drawn = ((x[:, :, 0, 0] + 1) * 127.5).round().long()  # n×3 image indices
    assert (x == x[:, :, :1, :1]).all()  # each channel is one whole image
    d = labels[drawn]
    assert torch.equal(modes, 100 * d[:, 0] + 10 * d[:, 1] + d[:, 2])
    assert (drawn[:, 0] != drawn[:, 1]).any()  # channels are drawn independently


def test_stacked_mnist_is_reproducible_and_covers_the_modes():
    stacked = StackedMNIST(load_subset("train"))
    a = stacked.sample(5000, generator=torch.Generator().manual_seed(7))
    b = stacked.sample(5000, generator=torch.Generator().manual_seed(7))
    c = stacked.sample(5000, generator=torch.Generator().manual_seed(8))
    assert torch.equal(a[0], b[0]) and torch.equal(a[1], b[1])
    assert not torch.equal(a[1], c[1])
    # 5 draws per mode on average: about 1000·(1 - e⁻⁵) ≈ 993 distinct modes (sd ≈ 2.6).
    assert 975 <= torch.unique(a[1]).numel() <= StackedMNIST.n_modes
    assert a[1].min() >= 0 and a[1].max() < StackedMNIST.n_modes
    assert StackedMNIST.mode_of(torch.tensor([[3, 0, 7]])).item() == 307
