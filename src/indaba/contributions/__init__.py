"""The consultation's deliberate contributions: statements, votes, reports, moderation.

Everything here is readable by the convener by design (the client says so at the moment
of contributing). The math lives in :mod:`indaba.consult`; this package stores and serves.
"""
