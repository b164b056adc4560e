"""Janus orchestration: generated config, supervision, rooms, tokens, the browser proxy.

Frames are end-to-end encrypted in the browser (web/src/media/); nothing here sees keys.
See docs/media.md.
"""
