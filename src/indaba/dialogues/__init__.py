"""Dialogues, sessions, invites and members: the domain rules behind the API."""
