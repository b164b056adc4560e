"""Engines for operator models, on tiny models the tests build themselves.

Marian (CTranslate2) and Whisper (faster-whisper) are built at random and converted
here; Piper voices are built and tested in test_piper_voice.py.  Needs the
``interpret-test`` extra (``./dev test`` installs it); otherwise skipped.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from indaba.interpret.registry import create
from indaba.interpret.routing import Router

EXTRA = "pip install -e '.[interpret-test]' (./dev test does)"

CORPUS = [
    "we must protect the oceans for our children",
    "clean water is a human right",
    "young people need good jobs and education",
    "the climate is changing faster than expected",
] * 10


@pytest.fixture(scope="module")
def tiny_marian(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A randomly initialised MarianMT model, converted with CTranslate2's converter."""
    for module in ("ctranslate2", "sentencepiece", "transformers", "torch"):
        pytest.importorskip(module, reason=f"{module} missing: {EXTRA}")
    import sentencepiece
    import torch
    from transformers import MarianConfig, MarianMTModel, MarianTokenizer

    root = tmp_path_factory.mktemp("marian")
    corpus = root / "corpus.txt"
    corpus.write_text("\n".join(CORPUS))
    sentencepiece.SentencePieceTrainer.train(
        input=str(corpus), model_prefix=str(root / "spm"), vocab_size=40,
        model_type="unigram", bos_id=-1, eos_id=-1, unk_id=0, pad_id=-1,
        minloglevel=2,
    )  # fmt: skip
    processor = sentencepiece.SentencePieceProcessor(model_file=str(root / "spm.model"))
    pieces = [processor.id_to_piece(i) for i in range(processor.get_piece_size())]
    vocab = {piece: i for i, piece in enumerate(p for p in pieces if p != "<unk>")}
    for special in ("</s>", "<unk>", "<pad>"):  # <pad> must be the last id
        vocab[special] = len(vocab)
    hf = root / "hf"
    hf.mkdir()
    for name in ("source.spm", "target.spm"):
        (hf / name).write_bytes((root / "spm.model").read_bytes())
    (hf / "vocab.json").write_text(json.dumps(vocab))
    tokenizer = MarianTokenizer(str(hf / "source.spm"), str(hf / "target.spm"),
                                str(hf / "vocab.json"))  # fmt: skip
    config = MarianConfig(
        vocab_size=len(vocab), d_model=16, encoder_layers=1, decoder_layers=1,
        encoder_attention_heads=2, decoder_attention_heads=2, encoder_ffn_dim=32,
        decoder_ffn_dim=32, max_position_embeddings=64, pad_token_id=vocab["<pad>"],
        eos_token_id=vocab["</s>"], decoder_start_token_id=vocab["<pad>"],
        forced_eos_token_id=vocab["</s>"],
    )  # fmt: skip
    torch.manual_seed(0)
    MarianMTModel(config).save_pretrained(hf)
    tokenizer.save_pretrained(hf)
    out = root / "ct2"
    converter = Path(sys.executable).parent / "ct2-transformers-converter"
    subprocess.run(
        [str(converter), "--model", str(hf), "--output_dir", str(out),
         "--copy_files", "source.spm", "target.spm"],
        check=True, capture_output=True,
    )  # fmt: skip
    return out


def test_ctranslate2_loads_and_translates_a_tiny_marian_model(tiny_marian: Path) -> None:
    engine = create("translator", "ctranslate2", models={"en-xx": tiny_marian}, max_length=32)
    assert engine.pairs() == frozenset({("en", "xx")})
    text = engine.translate("we must protect the oceans", "en", "xx")
    assert isinstance(text, str)  # random weights: any words from its vocabulary
    again = engine.translate("we must protect the oceans", "en", "xx")
    assert text == again  # deterministic
    result = Router([engine]).translate("clean water", "en", "xx")
    assert result.engine == "ctranslate2" and result.route == ("en", "xx")
    engine.close()


def test_model_engines_without_models_say_so(tmp_path: Path) -> None:
    pytest.importorskip("faster_whisper", reason=f"faster-whisper missing: {EXTRA}")
    from indaba.interpret.base import EngineUnavailable

    with pytest.raises(EngineUnavailable, match="does not exist"):
        create("recognizer", "faster-whisper", model=tmp_path / "none")
    pytest.importorskip("piper", reason=f"piper-tts missing: {EXTRA}")
    with pytest.raises(EngineUnavailable, match="does not exist"):
        create("synthesizer", "piper", voices={"en": tmp_path / "none.onnx"})


def _byte_alphabet() -> list[str]:
    """GPT-2's byte-to-character map: a byte-level BPE vocabulary with no merges."""
    printable = [*range(ord("!"), ord("~") + 1), *range(ord("¡"), ord("¬") + 1),
                 *range(ord("®"), ord("ÿ") + 1)]  # fmt: skip
    chars = {b: chr(b) for b in printable}
    extra = 0
    for b in range(256):
        if b not in chars:
            chars[b] = chr(256 + extra)
            extra += 1
    return [chars[b] for b in sorted(chars)]


@pytest.fixture(scope="module")
def tiny_whisper(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A randomly initialised Whisper model with a byte-level tokenizer, for CTranslate2."""
    for module in ("faster_whisper", "transformers", "torch"):
        pytest.importorskip(module, reason=f"{module} missing: {EXTRA}")
    import torch
    from transformers import (
        WhisperConfig,
        WhisperFeatureExtractor,
        WhisperForConditionalGeneration,
        WhisperTokenizer,
    )

    root = tmp_path_factory.mktemp("whisper")
    hf = root / "hf"
    hf.mkdir()
    (hf / "vocab.json").write_text(json.dumps({c: i for i, c in enumerate(_byte_alphabet())}))
    (hf / "merges.txt").write_text("#version: 0.2\n")
    end = "<|endoftext|>"
    tokenizer = WhisperTokenizer(str(hf / "vocab.json"), str(hf / "merges.txt"),
                                 unk_token=end, bos_token=end, eos_token=end)  # fmt: skip
    specials = ["<|startoftranscript|>", "<|en|>", "<|es|>", "<|translate|>", "<|transcribe|>",
                "<|startoflm|>", "<|startofprev|>", "<|nocaptions|>", "<|notimestamps|>"]
    tokenizer.add_special_tokens({"additional_special_tokens": specials})
    tokenizer.save_pretrained(hf)
    ids = {token: tokenizer.convert_tokens_to_ids(token) for token in [end, *specials]}
    config = WhisperConfig(
        vocab_size=len(tokenizer) + 1, num_mel_bins=80, encoder_layers=1, decoder_layers=1,
        encoder_attention_heads=2, decoder_attention_heads=2, encoder_ffn_dim=32,
        decoder_ffn_dim=32, d_model=16, max_source_positions=1500, max_target_positions=64,
        pad_token_id=ids[end], bos_token_id=ids[end], eos_token_id=ids[end],
        decoder_start_token_id=ids["<|startoftranscript|>"], suppress_tokens=[],
        begin_suppress_tokens=[],
    )  # fmt: skip
    torch.manual_seed(0)
    model = WhisperForConditionalGeneration(config)
    model.generation_config.lang_to_id = {"<|en|>": ids["<|en|>"], "<|es|>": ids["<|es|>"]}
    model.generation_config.alignment_heads = [[0, 0]]
    model.generation_config.no_timestamps_token_id = ids["<|notimestamps|>"]
    model.generation_config.is_multilingual = True
    model.save_pretrained(hf)
    WhisperFeatureExtractor(feature_size=80).save_pretrained(hf)
    out = root / "ct2"
    converter = Path(sys.executable).parent / "ct2-transformers-converter"
    subprocess.run(
        [str(converter), "--model", str(hf), "--output_dir", str(out),
         "--copy_files", "tokenizer.json", "preprocessor_config.json"],
        check=True, capture_output=True,
    )  # fmt: skip
    return out


def test_faster_whisper_loads_and_streams_with_a_tiny_model(tiny_whisper: Path) -> None:
    from indaba.interpret.audio import silence
    from indaba.interpret.base import SpeechRecognizer

    recognizer = create("recognizer", "faster-whisper", model=tiny_whisper,
                        partial_every=0.5, max_new_tokens=8)  # fmt: skip
    assert isinstance(recognizer, SpeechRecognizer) and recognizer.sample_rate == 16000
    recognizer.start()
    partials = [recognizer.feed(silence(0.25)) for _ in range(4)]
    assert partials[0] is None  # decoded for a partial only once 0.5 s of audio arrived
    final = recognizer.finish()
    assert final.final and isinstance(final.text, str)  # random weights: any text
    assert recognizer.finish().text == ""  # an empty utterance decodes nothing
