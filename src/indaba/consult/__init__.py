"""Consultation analysis: the Pol.is opinion map and Pol.is open-data interchange.

No I/O beyond the explicit Pol.is file readers and writers; the server calls these
with data it loaded itself.
"""

from indaba.consult.consensus import ConsensusStatement
from indaba.consult.matrix import AGREE, DISAGREE, PASS, VoteMatrix
from indaba.consult.opinion_map import OpinionMap
from indaba.consult.polis_format import (
    PolisComment,
    PolisConversation,
    PolisFormatError,
    PolisParticipant,
    PolisVote,
)
from indaba.consult.polis_read import polis_vote_matrix, read_polis_export
from indaba.consult.polis_write import conversation_from_votes, write_polis_export
from indaba.consult.repness import RepStatement

__all__ = [
    "AGREE",
    "DISAGREE",
    "PASS",
    "ConsensusStatement",
    "OpinionMap",
    "PolisComment",
    "PolisConversation",
    "PolisFormatError",
    "PolisParticipant",
    "PolisVote",
    "RepStatement",
    "VoteMatrix",
    "conversation_from_votes",
    "polis_vote_matrix",
    "read_polis_export",
    "write_polis_export",
]
