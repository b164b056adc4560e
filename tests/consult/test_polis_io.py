"""Pol.is open-data import and export: round trip, and refusal of malformed files."""

from __future__ import annotations

import filecmp
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from indaba.consult import (
    OpinionMap,
    PolisFormatError,
    conversation_from_votes,
    polis_vote_matrix,
    read_polis_export,
    write_polis_export,
)
from tests.conftest import SHARED

POLIS = SHARED / "data" / "polis"
CONVERSATIONS = sorted(p.name for p in POLIS.iterdir() if p.is_dir()) if POLIS.exists() else []

pytestmark = pytest.mark.skipif(not CONVERSATIONS, reason="shared Pol.is data not present")


@pytest.mark.parametrize("name", CONVERSATIONS)
def test_round_trip_is_byte_identical(name: str, tmp_path: Path) -> None:
    conv = read_polis_export(POLIS / name)
    write_polis_export(conv, tmp_path)
    for written in tmp_path.iterdir():
        assert filecmp.cmp(written, POLIS / name / written.name, shallow=False), written.name
    assert read_polis_export(tmp_path) == conv


def test_vote_sign_and_latest_vote() -> None:
    conv = read_polis_export(POLIS / "london.youth.policing")
    matrix = polis_vote_matrix(conv)
    dense = matrix.to_dense()
    assert conv.participants is not None
    for p in conv.participants:
        row = int(np.searchsorted(matrix.participant_ids, p.participant))
        for cid, vote in p.votes.items():
            col = int(np.searchsorted(matrix.statement_ids, cid))
            assert dense[row, col] == vote  # 1 = agree in both files
    assert matrix.n_votes == sum(p.n_votes for p in conv.participants)


def test_export_of_indaba_data_reads_back(tmp_path: Path) -> None:
    conv = read_polis_export(POLIS / "london.youth.policing")
    matrix = polis_vote_matrix(conv)
    est = OpinionMap().fit(matrix)
    groups = {int(p): int(g) for p, g in zip(est.participant_ids_, est.labels_, strict=True)
              if g >= 0}
    out = conversation_from_votes(matrix, conv.comments, events=conv.votes, groups=groups,
                                  summary=conv.summary)
    write_polis_export(out, tmp_path)
    back = read_polis_export(tmp_path)
    np.testing.assert_array_equal(polis_vote_matrix(back).to_dense(), matrix.to_dense())
    assert back.participants is not None
    assert {p.participant: p.group_id for p in back.participants if p.group_id is not None} \
        == groups


def _folder(tmp_path: Path, **files: str) -> Path:
    shutil.copy(POLIS / "london.youth.policing" / "summary.csv", tmp_path / "summary.csv")
    shutil.copy(POLIS / "london.youth.policing" / "comments.csv", tmp_path / "comments.csv")
    for name, text in files.items():
        (tmp_path / name.replace("_", "-").replace("-csv", ".csv")).write_text(text)
    return tmp_path


COMMENTS = "timestamp,datetime,comment-id,author-id,agrees,disagrees,moderated,comment-body\n"
VOTES = "timestamp,datetime,comment-id,voter-id,vote\n"


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({"votes_csv": VOTES + "1,x,1,2,1\n2,x,1,3,2\n"},
         "votes.csv, line 3: vote must be -1, 0 or 1, got 2"),
        ({"votes_csv": VOTES + "1,x,1,2\n"}, "votes.csv, line 2: expected 5 fields, found 4"),
        ({"votes_csv": "time,comment,voter,vote\n"},
         "votes.csv, line 1: header must be timestamp,datetime,comment-id,voter-id,vote"),
        ({"votes_csv": VOTES + "1,x,one,2,1\n"},
         "votes.csv, line 2: comment-id is not an integer: 'one'"),
        ({"votes_csv": ""}, "votes.csv, line 1: empty file, expected a header"),
        ({"comments_csv": COMMENTS + '1,x,1,0,0,0,1,"two\nlines"\n1,x,1,0,0,0,1,again\n'},
         "comments.csv, line 4: duplicate comment-id 1"),
        ({"comments_csv": COMMENTS + "1,x,1,0,0,0,5,body\n"},
         "comments.csv, line 2: moderated must be -1, 0 or 1, got 5"),
        ({"comments_csv": COMMENTS + '1,x,1,0,0,0,1,"open quote\n'},
         "comments.csv, line 2: bad CSV (unexpected end of data)"),
        ({"participants_votes_csv":
          "participant,group-id,n-comments,n-votes,n-agree,n-disagree,1,4\n1,0,0,1,1,0,1,x\n"},
         "participants-votes.csv, line 2: vote on comment 4 is not an integer: 'x'"),
        ({"participants_votes_csv":
          "participant,group-id,n-comments,n-votes,n-agree,n-disagree,1,one\n"},
         "participants-votes.csv, line 1: comment column is not an integer: 'one'"),
        ({"summary_csv": "topic,a,b\n"}, "summary.csv, line 1: expected 2 fields, found 3"),
    ],
)
def test_malformed_files_are_refused(tmp_path: Path, files: dict[str, str], message: str) -> None:
    folder = _folder(tmp_path, **files)
    with pytest.raises(PolisFormatError) as err:
        read_polis_export(folder)
    assert str(err.value) == message
    assert err.value.file in message and err.value.line >= 1


def test_missing_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(PolisFormatError, match=r"^comments\.csv, line 0: cannot open file"):
        read_polis_export(tmp_path)


def test_non_utf8_is_refused(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    (folder / "votes.csv").write_bytes(VOTES.encode() + b"1,\xff,1,2,1\n")
    with pytest.raises(PolisFormatError, match=r"votes\.csv, line \d+: not UTF-8 text"):
        read_polis_export(folder)


_FILES = ("votes.csv", "comments.csv", "participants-votes.csv", "summary.csv")
_HEADERS = {
    "votes.csv": VOTES,
    "comments.csv": COMMENTS,
    "participants-votes.csv": "participant,group-id,n-comments,n-votes,n-agree,n-disagree,1,2\n",
    "summary.csv": "",
}


@settings(max_examples=150, deadline=None)
@given(name=st.sampled_from(_FILES),
       body=st.binary(max_size=200) | st.text(alphabet="0123456789,-\"\n x", max_size=120))
def test_reader_parses_or_refuses(name: str, body: bytes | str) -> None:
    """Any file content either parses or raises PolisFormatError, nothing else."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = _folder(Path(tmp))
        data = body if isinstance(body, bytes) else body.encode()
        (folder / name).write_bytes(_HEADERS[name].encode() + data)
        try:
            read_polis_export(folder)
        except PolisFormatError as exc:
            assert exc.file == name
