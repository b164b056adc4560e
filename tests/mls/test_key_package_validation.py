"""KeyPackage and leaf validation when adding members (RFC 9420 §10.1, §7.3, §12.2)."""

from __future__ import annotations

import pytest

from indaba.mls.crypto import cipher_suite
from indaba.mls.errors import ValidationError
from indaba.mls.group import create_group, create_key_package
from indaba.mls.group.state import EXT_REQUIRED_CAPABILITIES
from indaba.mls.tree.leaf_node import Capabilities, Credential, Extension, Lifetime
from indaba.mls.wire.key_package import KeyPackage

from .group_helpers import Cluster, identity_bundle

CS = cipher_suite(1)


def _bundle(
    *, lifetime: Lifetime | None = None, capabilities: Capabilities | None = None
) -> KeyPackage:
    sig, _ = CS.generate_signature_key_pair()
    bundle = create_key_package(
        CS,
        Credential.basic(b"x"),
        sig,
        lifetime=lifetime or Lifetime(0, (1 << 64) - 1),
        capabilities=capabilities,
    )
    return bundle.key_package


def test_lifetime_is_checked_against_now() -> None:
    cl = Cluster.start(1)
    kp = _bundle(lifetime=Lifetime(1000, 2000))
    g = cl.members["m0"]
    with pytest.raises(ValidationError, match="lifetime"):
        g.commit(add=[kp], now=3000)
    with pytest.raises(ValidationError, match="lifetime"):
        g.commit(add=[kp], now=10)
    out = g.commit(add=[kp], now=1500)
    assert out.welcome is not None


def test_cipher_suite_capability_required() -> None:
    cl = Cluster.start(1)
    kp = _bundle(capabilities=Capabilities(cipher_suites=(2,)))
    with pytest.raises(ValidationError, match="cipher suite"):
        cl.members["m0"].commit(add=[kp])


def test_required_capabilities_extension() -> None:
    cl = Cluster.start(1)
    g = cl.members["m0"]
    # require extension type 0xff00 and credential type basic
    data = b"\x02\xff\x00" + b"\x00" + b"\x02\x00\x01"
    ext = Extension(EXT_REQUIRED_CAPABILITIES, data)
    with pytest.raises(ValidationError, match="required capabilities"):
        g.commit(extensions=(ext,))  # the creator itself lacks 0xff00
    capable = Capabilities(cipher_suites=(1,), extensions=(0xFF00,))
    sig, _ = CS.generate_signature_key_pair()
    g2 = create_group(
        CS, b"g2", Credential.basic(b"a"), sig, capabilities=capable, extensions=(ext,)
    )
    with pytest.raises(ValidationError, match="required capabilities"):
        g2.commit(add=[_bundle()])
    assert g2.commit(add=[_bundle(capabilities=capable)]).welcome is not None


def test_tampered_key_package_and_duplicates() -> None:
    cl = Cluster.start(1)
    g = cl.members["m0"]
    good = identity_bundle(CS, "dup").key_package
    bad = KeyPackage(
        good.cipher_suite,
        good.init_key,
        good.leaf_node,
        good.extensions,
        bytes(len(good.signature)),
    )
    with pytest.raises(ValidationError, match="signature"):
        g.commit(add=[bad])
    with pytest.raises(ValidationError, match="already in the group"):
        g.commit(add=[good, good])


def test_remove_rules() -> None:
    cl = Cluster.start(1)
    cl.add("m0", "m1")
    g = cl.members["m0"]
    with pytest.raises(ValidationError, match="removes the committer"):
        g.commit(remove=[g.own_leaf])
    with pytest.raises(ValidationError, match="Remove"):
        g.commit(remove=[7])
    with pytest.raises(ValidationError, match="Remove"):
        g.commit(remove=[1, 1])


def test_join_checks_leaf_lifetimes_when_given_now() -> None:
    from indaba.mls.group import join_from_welcome

    sig, _ = CS.generate_signature_key_pair()
    g = create_group(CS, b"g-life", Credential.basic(b"a"), sig)
    short_sig, _ = CS.generate_signature_key_pair()
    short = create_key_package(CS, Credential.basic(b"s"), short_sig, lifetime=Lifetime(0, 100))
    joiner_sig, _ = CS.generate_signature_key_pair()
    joiner = create_key_package(CS, Credential.basic(b"j"), joiner_sig)
    out = g.commit(add=[short.key_package, joiner.key_package], now=50)
    assert out.welcome is not None
    with pytest.raises(ValidationError, match="lifetime"):
        join_from_welcome(out.welcome, joiner, now=500)
    assert join_from_welcome(out.welcome, joiner, now=50).epoch == 1
