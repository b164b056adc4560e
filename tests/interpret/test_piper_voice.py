"""Piper voices, on tiny voices the tests build themselves.

A Piper voice is an ONNX model with Piper's interface (``input`` phoneme ids,
``input_lengths``, ``scales`` and, with several speakers, ``sid``; audio out) and its
``.onnx.json`` config.  :func:`build_voice` writes one whose graph is a few ONNX
operators: every phoneme id becomes ``hop × length_scale`` samples of a sine whose
pitch is the id (plus the speaker id), so the audio's length counts the phoneme ids
and its content depends on them.  piper-tts phonemizes with the espeak-ng data in its
wheel, offline.  Needs the ``interpret-test`` extra (``onnx`` builds the graph).
"""

from __future__ import annotations

import json
import logging
import math
import wave
from pathlib import Path
from typing import Any

import pytest

from indaba.cli import main
from indaba.interpret.base import EngineError, EngineUnavailable, SpeechSynthesizer
from indaba.interpret.registry import EngineConfig, create

EXTRA = "pip install -e '.[interpret-test]' (./dev test does)"
HOP = 64
RATE = 22050


def build_voice(
    folder: Path, name: str = "voice", espeak: str = "en-us", *, sample_rate: int = RATE,
    length_scale: float = 1.0, speakers: tuple[str, ...] = (), phoneme_type: str = "espeak",
) -> Path:  # fmt: skip
    """Write ``folder/name.onnx`` and ``folder/name.onnx.json``; return the .onnx path."""
    from onnx import TensorProto, checker, helper, save
    from piper.phoneme_ids import DEFAULT_PHONEME_ID_MAP

    def constant(name: str, value: list[float] | float, dtype: int = TensorProto.FLOAT) -> Any:
        values = value if isinstance(value, list) else [value]
        dims = [len(values)] if isinstance(value, list) else []
        return helper.make_tensor(name, dtype, dims, values)

    inputs = [
        helper.make_tensor_value_info("input", TensorProto.INT64, [1, "phonemes"]),
        helper.make_tensor_value_info("input_lengths", TensorProto.INT64, [1]),
        helper.make_tensor_value_info("scales", TensorProto.FLOAT, [3]),
    ]
    pitch = "ids_column"
    nodes = [
        helper.make_node("Cast", ["input"], ["ids"], to=TensorProto.FLOAT),
        helper.make_node("Reshape", ["ids", "column"], ["ids_column"]),
    ]
    if speakers:  # a second voice per speaker: the pitch moves up by the speaker id
        inputs.append(helper.make_tensor_value_info("sid", TensorProto.INT64, [1]))
        nodes += [
            helper.make_node("Cast", ["sid"], ["speaker"], to=TensorProto.FLOAT),
            helper.make_node("Add", ["ids_column", "speaker"], ["pitched"]),
        ]
        pitch = "pitched"
    nodes += [
        # samples per phoneme id: hop × length_scale (scales = noise, length, noise_w)
        helper.make_node("Gather", ["scales", "length_index"], ["length_scale"]),
        helper.make_node("Mul", ["hop", "length_scale"], ["per_id"]),
        helper.make_node("ReduceMax", ["per_id"], ["samples"], keepdims=0),
        helper.make_node("Range", ["zero", "samples", "one"], ["k"]),
        # sample k of id i: sin(2π (i + 1) k / hop)
        helper.make_node("Add", [pitch, "one"], ["frequency"]),
        helper.make_node("Mul", ["frequency", "step"], ["omega"]),
        helper.make_node("Mul", ["omega", "k"], ["phase"]),
        helper.make_node("Sin", ["phase"], ["wave"]),
        helper.make_node("Reshape", ["wave", "audio_shape"], ["output"]),
    ]
    initializers = [
        constant("zero", 0.0), constant("one", 1.0), constant("hop", [float(HOP)]),
        constant("step", 2 * math.pi / HOP), constant("length_index", [1], TensorProto.INT64),
        constant("column", [-1, 1], TensorProto.INT64),
        constant("audio_shape", [1, 1, -1], TensorProto.INT64),
    ]  # fmt: skip
    output = helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, 1, "samples"])
    graph = helper.make_graph(nodes, "tiny-piper-voice", inputs, [output], initializers)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    checker.check_model(model, full_check=True)
    path = folder / f"{name}.onnx"
    save(model, str(path))
    config = {
        "audio": {"sample_rate": sample_rate},
        "espeak": {"voice": espeak},
        "phoneme_type": phoneme_type,
        "num_symbols": 256,
        "num_speakers": max(1, len(speakers)),
        "speaker_id_map": {speaker: i for i, speaker in enumerate(speakers)},
        "inference": {"noise_scale": 0.667, "length_scale": length_scale, "noise_w": 0.8},
        "phoneme_id_map": DEFAULT_PHONEME_ID_MAP,
        "piper_version": "1.0.0",
    }
    path.with_name(path.name + ".json").write_text(json.dumps(config), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def voices(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder of tiny voices: en (en-us), es, ar, ru, zh (espeak's cmn), a slow en."""
    for module in ("piper", "onnx"):
        pytest.importorskip(module, reason=f"{module} missing: {EXTRA}")
    folder = tmp_path_factory.mktemp("piper")
    for name, espeak in (("en", "en-us"), ("es", "es"), ("ar", "ar"), ("ru", "ru"),
                         ("zh", "cmn")):  # fmt: skip
        build_voice(folder, name, espeak)
    build_voice(folder, "en-slow", length_scale=2.0)
    build_voice(folder, "en-two", speakers=("amina", "bo"))
    return folder


def phoneme_ids(path: Path, text: str) -> int:
    """How many phoneme ids piper feeds the model for ``text`` (all sentences)."""
    from piper import PiperVoice

    voice = PiperVoice.load(str(path))
    return sum(len(voice.phonemes_to_ids(p)) for p in voice.phonemize(text) if p)


def test_a_tiny_voice_speaks_at_its_rate_and_length_follows_the_text(voices: Path) -> None:
    engine = create("synthesizer", "piper", voices={"en": voices / "en.onnx"})
    assert isinstance(engine, SpeechSynthesizer) and engine.name == "piper"
    assert engine.languages() == frozenset({"en"})
    short = engine.synthesize("Clean water.", "en")
    longer = engine.synthesize("Clean water is a human right, for everyone.", "en")
    assert short.sample_rate == longer.sample_rate == RATE  # the config's audio.sample_rate
    for text, speech in (("Clean water.", short),
                         ("Clean water is a human right, for everyone.", longer)):  # fmt: skip
        assert len(speech.pcm) == 2 * HOP * phoneme_ids(voices / "en.onnx", text)
    assert len(longer.pcm) > 2 * len(short.pcm)
    assert max(abs(s) for s in memoryview(short.pcm).cast("h")) > 30000  # normalised
    two = engine.synthesize("Clean water. Young people.", "en")  # one chunk per sentence
    assert len(two.pcm) == 2 * HOP * phoneme_ids(voices / "en.onnx", "Clean water. Young people.")
    assert engine.synthesize("Clean water.", "en") == short  # deterministic
    assert engine.synthesize("", "en").pcm == b""


def test_different_texts_of_one_length_give_different_audio(voices: Path) -> None:
    engine = create("synthesizer", "piper", voices={"en": voices / "en.onnx"})
    first, second = engine.synthesize("bat", "en"), engine.synthesize("cat", "en")
    assert len(first.pcm) == len(second.pcm) and first.pcm != second.pcm


def test_the_config_sets_the_length_scale(voices: Path) -> None:
    engine = create("synthesizer", "piper",
                    voices={"en": voices / "en.onnx", "es": voices / "en-slow.onnx"})  # fmt: skip
    normal = engine.synthesize("Clean water.", "en")
    slow = engine.synthesize("Clean water.", "es")  # the same en-us voice, length_scale 2
    assert len(slow.pcm) == 2 * len(normal.pcm)


def test_voices_for_arabic_russian_and_chinese_phonemize_offline(voices: Path) -> None:
    paths = {code: voices / f"{code}.onnx" for code in ("ar", "ru", "zh", "es")}
    engine = create("synthesizer", "piper", voices=paths)
    for code, text in (("ar", "الماء النظيف حق من حقوق الإنسان"),  # tashkeel: in the wheel
                       ("ru", "Чистая вода — право человека."),
                       ("zh", "清洁的水是一项人权。"),
                       ("es", "El agua limpia es un derecho humano.")):  # fmt: skip
        speech = engine.synthesize(text, code)
        assert len(speech.pcm) == 2 * HOP * phoneme_ids(paths[code], text) > 0


def test_a_speaker_of_a_multi_speaker_voice_is_chosen_by_name_or_id(voices: Path) -> None:
    two = voices / "en-two.onnx"
    by_name = {name: create("synthesizer", "piper", voices={"en": two}, speakers={"en": name})
               for name in ("amina", "bo")}  # fmt: skip
    default = create("synthesizer", "piper", voices={"en": two})
    by_id = create("synthesizer", "piper", voices={"en": two}, speakers={"en": 1})
    said = {name: engine.synthesize("water", "en").pcm for name, engine in by_name.items()}
    assert said["amina"] != said["bo"]
    assert default.synthesize("water", "en").pcm == said["amina"]  # speaker 0
    assert by_id.synthesize("water", "en").pcm == said["bo"]
    with pytest.raises(ValueError, match=r"has no speaker 'carol' \(amina, bo\)"):
        create("synthesizer", "piper", voices={"en": two}, speakers={"en": "carol"})
    with pytest.raises(ValueError, match="has one speaker"):
        create("synthesizer", "piper", voices={"en": voices / "en.onnx"}, speakers={"en": 1})
    with pytest.raises(ValueError, match=r"speakers given for \['fr'\], which have no voice"):
        create("synthesizer", "piper", voices={"en": two}, speakers={"fr": "bo"})


def test_an_unknown_language_is_a_clear_engine_error(voices: Path) -> None:
    engine = create("synthesizer", "piper", voices={"en": voices / "en.onnx"})
    with pytest.raises(EngineError, match=r"^no Piper voice for 'fr' \(voices: en\)$"):
        engine.synthesize("Bonjour.", "fr")


def _break(folder: Path, how: str) -> Path:
    folder.mkdir(exist_ok=True)
    voice = build_voice(folder)
    config = voice.with_name(voice.name + ".json")
    data = json.loads(config.read_text())
    if how == "no model":
        voice.unlink()
    elif how == "no config":
        config.unlink()
    elif how == "corrupt model":
        voice.write_bytes(b"\x08\x07 this is not a protobuf \xff\xfe" * 50)
    elif how == "empty model":
        voice.write_bytes(b"")
    elif how == "corrupt config":
        config.write_text('{"audio": {"sample_rate": 22050}, "espeak": ')
    elif how == "config without phoneme_id_map":
        del data["phoneme_id_map"]
        config.write_text(json.dumps(data))
    elif how == "unknown espeak voice":
        data["espeak"]["voice"] = "xx-nonesuch"
        config.write_text(json.dumps(data))
    elif how == "not a piper model":  # a valid ONNX model with another interface
        from onnx import TensorProto, helper, save

        x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1])
        y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1])
        graph = helper.make_graph([helper.make_node("Neg", ["x"], ["y"])], "other", [x], [y])
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
        model.ir_version = 8
        save(model, str(voice))
    elif how == "one speaker short":  # the config says two speakers, the model takes no sid
        data["num_speakers"] = 2
        config.write_text(json.dumps(data))
    return voice


BROKEN = {
    "no model": (EngineUnavailable, r"voice .*voice\.onnx does not exist"),
    "no config": (EngineUnavailable, r"voice config .*voice\.onnx\.json does not exist"),
    "corrupt model": (EngineError, r"voice .*voice\.onnx is not an ONNX model onnxruntime can"),
    "empty model": (EngineError, r"voice .*voice\.onnx is not an ONNX model onnxruntime can"),
    "corrupt config": (EngineError, r"voice\.onnx\.json is not a Piper voice config .*: Expect"),
    "config without phoneme_id_map": (EngineError, r"is not a Piper voice config .*: no 'phon"),
    "unknown espeak voice": (EngineError, r"espeak-ng has no voice 'xx-nonesuch'"),
    "not a piper model": (EngineError, r"is not a Piper voice: its model takes \['x'\]"),
    "one speaker short": (EngineError, r"with 2 speaker\(s\) takes \['input', 'input_lengths"),
}


@pytest.mark.parametrize("how", sorted(BROKEN))
def test_a_broken_voice_fails_at_load_with_a_clear_error(
    voices: Path, tmp_path: Path, how: str
) -> None:
    error, message = BROKEN[how]
    voice = _break(tmp_path, how)
    with pytest.raises(error, match=message) as raised:
        create("synthesizer", "piper", voices={"en": voices / "en.onnx", "fr": voice})
    assert type(raised.value) is error  # not onnxruntime's, json's or piper's own
    assert "Traceback" not in str(raised.value)


def test_a_pinyin_voice_is_refused_rather_than_downloading_g2pw(
    voices: Path, tmp_path: Path
) -> None:
    voice = build_voice(tmp_path, "zh-pinyin", "cmn", phoneme_type="pinyin")
    with pytest.raises(EngineUnavailable, match=r"piper-tts\[zh\]|g2pW"):
        create("synthesizer", "piper", voices={"zh": voice})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["zh-pinyin.onnx", "zh-pinyin.onnx.json"]


def test_piper_never_logs_the_text_it_speaks(
    voices: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    engine = create("synthesizer", "piper", voices={"en": voices / "en.onnx"})
    engine.synthesize("Confidential proposal about the harbour.", "en")
    assert "onfidential" not in caplog.text and "harbour" not in caplog.text


def piper_toml(folder: Path, voices: dict[str, Path], speakers: str = "") -> Path:
    """An engine configuration (``--engines``) that speaks with ``voices``."""
    table = ", ".join(f'{code} = "{path}"' for code, path in voices.items())
    toml = folder / "engines.toml"
    toml.write_text(
        f'[interpret]\nsynthesizer = "piper"\n[interpret.options.piper]\nvoices = {{ {table} }}\n'
        + (f"speakers = {{ {speakers} }}\n" if speakers else "")
    )
    return toml


def test_an_engine_configuration_names_piper_and_its_voices(voices: Path, tmp_path: Path) -> None:
    toml = piper_toml(tmp_path, {"es": voices / "es.onnx", "en": voices / "en-two.onnx"},
                      speakers='en = "bo"')  # fmt: skip
    config = EngineConfig.from_toml(toml)
    assert "piper" in config.engine_names()
    engine = config.synthesizer_engine()
    assert engine is not None and engine.name == "piper"
    assert engine.languages() == frozenset({"en", "es"})
    assert engine.synthesize("Agua limpia.", "es").sample_rate == RATE


def test_interpret_speaks_translations_with_a_configured_piper_voice(
    capsys: pytest.CaptureFixture[str], apertium: object, speech_wav: Path,
    pocketsphinx_available: None, voices: Path, tmp_path: Path,
) -> None:  # fmt: skip
    toml = piper_toml(tmp_path, {"es": voices / "es.onnx"})
    out = tmp_path / "voice"
    command = ["interpret", str(speech_wav), "--to", "es", "--voice", str(out),
               "--engines", str(toml)]  # fmt: skip
    assert main(command) == 0
    assert f"voice (es): {out}.es.wav" in capsys.readouterr().out
    with wave.open(str(tmp_path / "voice.es.wav"), "rb") as wav:
        assert wav.getframerate() == RATE and wav.getnframes() > 20 * HOP
    broken = _break(tmp_path / "broken", "corrupt model")
    piper_toml(tmp_path, {"es": broken})
    assert main(command) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"indaba: voice {broken} is not an ONNX model onnxruntime can load")
    assert "Traceback" not in err


def test_engines_says_what_arabic_chinese_and_russian_lack(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["engines"]) == 0
    out = capsys.readouterr().out
    lines = {line.split(":")[0].strip(): line for line in out.splitlines() if ":" in line}
    for code, name in (("ar", "Arabic"), ("zh", "Chinese"), ("ru", "Russian")):
        line = lines[f"{code} {name}"]
        assert "missing speech recognition (a Whisper-class model: faster-whisper)" in line
        assert "translation to " in line and "(e.g. an OPUS-MT model: ctranslate2)" in line
        assert "en" in line.split("translation to ")[1].split("(")[0]
    assert "synthesizer piper" in out and "give it local model files" in out
