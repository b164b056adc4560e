"""Wire structs of RFC 9420 (messages, framing, Welcome) with strict read/write.

Each struct is a frozen dataclass with ``write(w: Writer)`` and ``read(r: Reader)``;
``encode()``/``decode(data)`` wrap them for whole messages.
"""
