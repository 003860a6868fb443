"""Load another script of compat-tests as a module: the bench scripts share their run and
measure helpers, and their file names have hyphens, so `import` cannot reach them."""
import importlib.util
import os

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))


def release_dir():
    """Where cargo puts the release binaries (CARGO_TARGET_DIR or the workspace's target/)."""
    return os.path.join(os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target")), "release")


def load(relpath):
    """The module of `relpath` (relative to this directory), e.g. "live-bench.py"."""
    path = os.path.join(HERE, relpath)
    name = os.path.basename(relpath).removesuffix(".py").replace("-", "_")
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod
