"""SFrame in Python (indaba.media.sframe) against the browser's web/src/media/sframe.ts.

The TypeScript is compiled with the web client's ``tsc`` and run in Node (WebCrypto), so
these are the very functions the meeting page uses.  Each side decrypts what the other
encrypted, AES-GCM being deterministic the ciphertexts are byte-identical, and tampered
frames, wrong keys and wrong epochs are refused on both sides.
"""

from __future__ import annotations

import json
import secrets
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from indaba.media import sframe
from indaba.media.sframe import SFrameContext, SFrameError

ROOT = Path(__file__).resolve().parents[2]
TS_SOURCE = ROOT / "web" / "src" / "media" / "sframe.ts"
TSC = ROOT / "web" / "node_modules" / ".bin" / "tsc"

DRIVER = """
import * as s from './sframe.js';
import { readFileSync } from 'node:fs';
const hex = (b) => Buffer.from(b).toString('hex');
const bytes = (h) => new Uint8Array(Buffer.from(h, 'hex'));
const out = [];
for (const r of JSON.parse(readFileSync(0, 'utf8'))) {
  try {
    if (r.op === 'header') {
      const h = s.encodeHeader(BigInt(r.kid), BigInt(r.ctr));
      const d = s.decodeHeader(h);
      out.push({ ok: true, header: hex(h), kid: d.kid.toString(), ctr: d.ctr.toString() });
      continue;
    }
    const kid = s.keyId(r.sender, r.epoch);
    const key = await s.deriveKey(await s.baseKey(bytes(r.secret), r.sender), kid);
    const clear = s.clearBytesFor(r.kind, r.frameType);
    if (r.op === 'encrypt') {
      const data = await s.encryptFrame(key, BigInt(r.ctr), bytes(r.frame), clear);
      out.push({ ok: true, data: hex(data), salt: hex(key.salt), kid: kid.toString() });
    } else {
      out.push({ ok: true, frame: hex(await s.decryptFrame(key, bytes(r.data), clear)) });
    }
  } catch (e) {
    out.push({ ok: false, error: String(e && e.message) });
  }
}
process.stdout.write(JSON.stringify(out));
"""


def _missing() -> str | None:
    if shutil.which("node") is None:
        return "node is not installed"
    if not TSC.exists():
        return "the web client's npm packages are missing (./dev setup)"
    return None


@pytest.fixture(scope="module")
def ts_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    reason = _missing()
    if reason:
        pytest.skip(reason)
    work = tmp_path_factory.mktemp("sframe_ts")
    shutil.copy(TS_SOURCE, work / "sframe.ts")
    subprocess.run(
        [str(TSC), "--target", "es2022", "--module", "es2022", "--lib", "es2022,dom",
         "--skipLibCheck", "--outDir", str(work), str(work / "sframe.ts")],
        check=True, capture_output=True,
    )  # fmt: skip
    (work / "driver.mjs").write_text(DRIVER)
    yield work


def ts(ts_dir: Path, requests: list[dict[str, Any]]) -> list[dict[str, Any]]:
    done = subprocess.run(
        ["node", str(ts_dir / "driver.mjs")], cwd=ts_dir, input=json.dumps(requests),
        capture_output=True, text=True, check=True, timeout=60,
    )  # fmt: skip
    answers: list[dict[str, Any]] = json.loads(done.stdout)
    assert len(answers) == len(requests)
    return answers


OPUS = bytes([0x78]) + secrets.token_bytes(60)  # TOC byte (SILK WB 20 ms) + payload
VP8_KEY = bytes.fromhex("1002009d012a80026801") + secrets.token_bytes(300)  # key frame header
VP8_DELTA = bytes([0x31, 0x05, 0x00]) + secrets.token_bytes(120)
FRAMES = [("audio", None, OPUS), ("video", "key", VP8_KEY), ("video", "delta", VP8_DELTA),
          ("audio", None, b"\xfc")]  # fmt: skip
COUNTERS = [1, 7, 8, 255, 256, 2**40 + 3, 2**64 - 1]


def test_header_codec_matches_typescript(ts_dir: Path) -> None:
    pairs = [(0, 0), (7, 7), (8, 0), (0, 8), (0x35, 1), (255, 256), (2**16, 2**24),
             (2**63, 2**64 - 1)]  # fmt: skip
    answers = ts(ts_dir, [{"op": "header", "kid": str(k), "ctr": str(c)} for k, c in pairs])
    for (kid, ctr), answer in zip(pairs, answers, strict=True):
        header = sframe.encode_header(kid, ctr)
        assert header.hex() == answer["header"]
        assert sframe.decode_header(header) == (kid, ctr, len(header))
    assert sframe.encode_header(3, 5) == bytes([0x35])
    assert sframe.encode_header(0x35, 300) == bytes([0x89, 0x35, 0x01, 0x2C])
    with pytest.raises(SFrameError):
        sframe.decode_header(bytes([0x89, 0x35, 0x01]))  # CTR cut short
    with pytest.raises(ValueError):
        sframe.encode_header(2**64, 0)


def test_typescript_frames_decrypt_in_python_and_are_byte_identical(ts_dir: Path) -> None:
    secret = secrets.token_bytes(32)
    epoch, sender = 37, 3  # KID 0x35: a long KID
    requests = [
        {"op": "encrypt", "secret": secret.hex(), "epoch": epoch, "sender": sender,
         "kind": kind, "frameType": frame_type, "frame": frame.hex(), "ctr": str(ctr)}
        for kind, frame_type, frame in FRAMES for ctr in COUNTERS
    ]  # fmt: skip
    answers = ts(ts_dir, requests)
    key = sframe.sender_key(secret, sender, epoch)
    assert answers[0]["kid"] == str(key.kid) == str(0x35)
    assert answers[0]["salt"] == key.salt.hex()
    context = SFrameContext(lambda: 0.0)
    context.set_epoch(epoch, secret)
    for request, answer in zip(requests, answers, strict=True):
        assert answer["ok"], answer
        data = bytes.fromhex(answer["data"])
        frame = bytes.fromhex(request["frame"])
        clear = sframe.clear_bytes_for(request["kind"], request["frameType"])
        assert data[:clear] == frame[:clear]  # the codec bytes stay readable
        assert frame[clear:] not in data or len(frame) <= clear
        assert sframe.decrypt_frame(key, data, clear) == frame
        assert sframe.encrypt_frame(key, int(request["ctr"]), frame, clear) == data
        got = context.decrypt(data, request["kind"], request["frameType"])
        assert (got.sender_index, got.epoch, got.frame) == (sender, epoch, frame)


def test_python_frames_decrypt_in_typescript(ts_dir: Path) -> None:
    secret = secrets.token_bytes(32)
    epoch, sender = 2, 0  # KID 2: a short KID
    context = SFrameContext(lambda: 0.0)
    context.set_epoch(epoch, secret, sender_index=sender)
    sent = []
    for kind, frame_type, frame in FRAMES * 3:
        data = context.encrypt(frame, kind, frame_type)  # type: ignore[arg-type]
        sent.append((kind, frame_type, frame, data))
    assert sframe.decode_header(sent[0][3], 1)[:2] == (2, 1)  # counters start at 1
    assert sframe.decode_header(sent[-1][3], 1)[:2] == (2, len(sent))
    tampered = bytearray(sent[0][3])
    tampered[-1] ^= 1
    requests = [
        {"op": "decrypt", "secret": secret.hex(), "epoch": epoch, "sender": sender,
         "kind": kind, "frameType": frame_type, "data": data.hex()}
        for kind, frame_type, _, data in sent
    ] + [
        {"op": "decrypt", "secret": secret.hex(), "epoch": epoch, "sender": sender,
         "kind": "audio", "frameType": None, "data": bytes(tampered).hex()},
        {"op": "decrypt", "secret": secrets.token_bytes(32).hex(), "epoch": epoch,
         "sender": sender, "kind": "audio", "frameType": None, "data": sent[0][3].hex()},
        {"op": "decrypt", "secret": secret.hex(), "epoch": epoch, "sender": 1,
         "kind": "audio", "frameType": None, "data": sent[0][3].hex()},
    ]  # fmt: skip
    answers = ts(ts_dir, requests)
    for (_, _, frame, _), answer in zip(sent, answers, strict=False):
        assert answer == {"ok": True, "frame": frame.hex()}
    assert answers[-3] == {"ok": False, "error": "authentication failed"}
    assert answers[-2] == {"ok": False, "error": "authentication failed"}
    assert answers[-1] == {"ok": False, "error": "wrong key id"}


def test_tampered_frames_are_refused(ts_dir: Path) -> None:
    secret = secrets.token_bytes(32)
    answer = ts(ts_dir, [{"op": "encrypt", "secret": secret.hex(), "epoch": 5, "sender": 9,
                          "kind": "video", "frameType": "key", "frame": VP8_KEY.hex(),
                          "ctr": "300"}])[0]  # fmt: skip
    data = bytes.fromhex(answer["data"])
    key = sframe.sender_key(secret, 9, 5)
    assert sframe.decrypt_frame(key, data, 10) == VP8_KEY
    header_length = sframe.decode_header(data, 10)[2]
    for position in (0, 9, 10 + header_length - 1, 10 + header_length, len(data) - 1):
        changed = bytearray(data)
        changed[position] ^= 0x01
        with pytest.raises(SFrameError):
            sframe.decrypt_frame(key, bytes(changed), 10)
    with pytest.raises(SFrameError, match="truncated"):
        sframe.decrypt_frame(key, data[: 10 + header_length + 15], 10)
    with pytest.raises(SFrameError):
        sframe.decrypt_frame(key, data, 3)  # read as a delta frame: header misplaced


def test_wrong_key_and_wrong_epoch_are_refused() -> None:
    secret, other = secrets.token_bytes(32), secrets.token_bytes(32)
    sender = SFrameContext(lambda: 0.0)
    sender.set_epoch(21, secret, sender_index=4)
    data = sender.encrypt(OPUS, "audio")
    wrong_key = SFrameContext(lambda: 0.0)
    wrong_key.set_epoch(21, other)
    with pytest.raises(SFrameError, match="authentication failed"):
        wrong_key.decrypt(data, "audio")
    wrong_epoch = SFrameContext(lambda: 0.0)
    wrong_epoch.set_epoch(22, secret)  # other epoch bits: no candidate at all
    with pytest.raises(SFrameError, match="no key"):
        wrong_epoch.decrypt(data, "audio")
    with pytest.raises(SFrameError, match="not an SFrame"):
        wrong_key.decrypt(b"\x78", "audio")
    empty = SFrameContext(lambda: 0.0)
    with pytest.raises(SFrameError, match="no key to send"):
        empty.encrypt(OPUS, "audio")  # never in the clear
    with pytest.raises(ValueError):
        empty.set_epoch(1, b"short")


def test_previous_epoch_is_kept_for_the_grace_period_then_forgotten() -> None:
    now = [100.0]
    first, second = secrets.token_bytes(32), secrets.token_bytes(32)
    alice = SFrameContext(lambda: now[0])
    alice.set_epoch(7, first, sender_index=1)
    old = alice.encrypt(OPUS, "audio")
    listener = SFrameContext(lambda: now[0])
    listener.set_epoch(7, first)
    listener.set_epoch(8, second)  # the listener processed the commit first
    now[0] += 9.5
    assert listener.decrypt(old, "audio").epoch == 7
    alice.set_epoch(8, second, sender_index=1)
    new = alice.encrypt(OPUS, "audio")
    assert sframe.decode_header(new, 1)[1] == 1  # the counter restarted with the epoch
    assert listener.decrypt(new, "audio").epoch == 8
    now[0] += 0.6  # 10.1 s after the epoch changed
    with pytest.raises(SFrameError, match="no key"):
        listener.decrypt(old, "audio")
    assert listener.decrypt(new, "audio").frame == OPUS
    listener.remove()
    with pytest.raises(SFrameError):
        listener.decrypt(new, "audio")


def test_epochs_sixteen_apart_are_told_apart_by_authentication() -> None:
    now = [0.0]
    a, b = secrets.token_bytes(32), secrets.token_bytes(32)
    listener = SFrameContext(lambda: now[0])
    listener.set_epoch(3, a)
    listener.set_epoch(19, b)  # same 4 KID bits
    old_sender, new_sender = SFrameContext(lambda: 0.0), SFrameContext(lambda: 0.0)
    old_sender.set_epoch(3, a, sender_index=2)
    new_sender.set_epoch(19, b, sender_index=2)
    assert listener.decrypt(old_sender.encrypt(OPUS, "audio"), "audio").epoch == 3
    assert listener.decrypt(new_sender.encrypt(OPUS, "audio"), "audio").epoch == 19


def test_vp8_frame_type_from_the_clear_byte() -> None:
    assert sframe.vp8_frame_type(VP8_KEY) == "key"
    assert sframe.vp8_frame_type(VP8_DELTA) == "delta"
    assert sframe.clear_bytes_for("video", sframe.vp8_frame_type(VP8_KEY)) == 10
    assert sframe.key_id(3, 37) == 0x35 and sframe.split_key_id(0x35) == (3, 5)


def test_an_epoch_number_announced_again_with_another_secret_replaces_it() -> None:
    first, second = secrets.token_bytes(32), secrets.token_bytes(32)
    listener = SFrameContext(lambda: 0.0)
    listener.set_epoch(4, first)
    listener.set_epoch(4, first)  # the same epoch again: nothing changes
    assert listener.epochs == (4,)
    old, new = SFrameContext(lambda: 0.0), SFrameContext(lambda: 0.0)
    old.set_epoch(4, first, sender_index=1)
    new.set_epoch(4, second, sender_index=1)
    assert listener.decrypt(old.encrypt(OPUS, "audio"), "audio").frame == OPUS
    listener.set_epoch(4, second)  # as worker.ts: the new secret wins
    assert listener.epochs == (4,)
    assert listener.decrypt(new.encrypt(OPUS, "audio"), "audio").frame == OPUS
    with pytest.raises(SFrameError):
        listener.decrypt(old.encrypt(OPUS, "audio"), "audio")
