"""Where the encoders run (``NEWSRAG_DEVICE``): ``cpu``; ``cuda`` (a GPU, which torch must see:
the document and query encoders in fp16 by default, bigger batches, the ONNX paths skipped);
``auto`` (the default): CUDA when torch sees a GPU, else the CPU. Deciding costs nothing on a
machine without an NVIDIA driver (torch is not imported to find out)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from index.settings import Device, Precision

GPU_BATCH = 256  # document batch on a GPU (the CPU's default, 32, leaves it idle)
_DRIVER = (Path("/proc/driver/nvidia/version"), Path("/dev/nvidiactl"))


class DeviceUnavailable(RuntimeError):
    """``NEWSRAG_DEVICE=cuda`` on a machine where torch sees no GPU."""


def resolve_device(requested: Device) -> str:
    """``"cuda"`` or ``"cpu"``, as torch names them."""
    if requested is Device.CPU:
        return "cpu"
    if cuda_available():
        return "cuda"
    if requested is Device.CUDA:
        raise DeviceUnavailable(
            "NEWSRAG_DEVICE=cuda, but torch sees no CUDA GPU here (no NVIDIA driver, or a "
            "CPU build of torch): set NEWSRAG_DEVICE=auto or cpu"
        )
    return "cpu"


@cache
def cuda_available() -> bool:
    if not any(path.exists() for path in _DRIVER):
        return False
    try:
        import torch

        return bool(torch.cuda.is_available())
    except Exception:  # a broken CUDA install is no GPU
        return False


def precision_on(device: str, requested: Precision) -> Precision:
    """On a GPU: fp16 unless fp32 or bf16 is asked for. On the CPU fp16 is refused (slow and
    lossy there); the other precisions are as asked (AUTO: the CPU's bf16 probe decides)."""
    if device == "cuda":
        return Precision.FP16 if requested in (Precision.AUTO, Precision.FP16) else requested
    if requested is Precision.FP16:
        raise ValueError("NEWSRAG_PRECISION=fp16 is for a GPU (NEWSRAG_DEVICE=cuda); use bf16")
    return requested


def batch_on(device: str, batch_size: int) -> int:
    return max(batch_size, GPU_BATCH) if device == "cuda" else batch_size
