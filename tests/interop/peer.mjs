// A ts-mls peer driven over stdin/stdout, one JSON object per line.
//
// Request:  {"id": 7, "op": "add", "client": "alice", ...}      (bytes as hex strings)
// Response: {"id": 7, "ok": true, ...} or {"id": 7, "ok": false, "error": "..."}
//
// The peer holds any number of named clients (each a ts-mls ClientState plus its
// key package), so one process can play several members, or time ts-mls operations
// for bench/mls_bench.py ("bench_*" ops report milliseconds measured inside Node).
// Pinned to ts-mls 1.6.4; see ../../../shared/notes/ts-mls.md for its quirks (P-256
// signature keys are generated here, uncompressed, because ts-mls compresses them).

import { createInterface } from "node:readline";
import { performance } from "node:perf_hooks";
import {
  acceptAll,
  createApplicationMessage,
  createCommit,
  createGroup,
  decodeMlsMessage,
  defaultCapabilities,
  defaultLifetime,
  emptyPskIndex,
  encodeMlsMessage,
  generateKeyPackageWithKey,
  getCiphersuiteImpl,
  joinGroup,
  mlsExporter,
  processMessage,
} from "ts-mls";
import { getCiphersuiteFromId } from "ts-mls/crypto/ciphersuite.js";
import { decodeRatchetTree, encodeRatchetTree } from "ts-mls/ratchetTree.js";

const hex = (b) => Buffer.from(b).toString("hex");
const unhex = (s) => new Uint8Array(Buffer.from(s, "hex"));
const utf8 = (s) => new TextEncoder().encode(s);

const impls = new Map();
async function suiteImpl(id) {
  if (!impls.has(id)) impls.set(id, await getCiphersuiteImpl(getCiphersuiteFromId(id)));
  return impls.get(id);
}

async function signatureKeyPair(suite, impl) {
  if (suite === 2) {
    const { p256 } = await import("@noble/curves/nist.js");
    const signKey = p256.utils.randomSecretKey();
    return { signKey, publicKey: p256.getPublicKey(signKey, false) };
  }
  return impl.signature.keygen();
}

const clients = new Map(); // name -> {suite, impl, kp, priv, state}

function client(name) {
  const c = clients.get(name);
  if (c === undefined) throw new Error(`unknown client ${name}`);
  return c;
}

function decode(bytesHex) {
  const decoded = decodeMlsMessage(unhex(bytesHex), 0);
  if (decoded === undefined) throw new Error("cannot decode MLSMessage");
  return decoded[0];
}

function summary(state) {
  return {
    epoch: Number(state.groupContext.epoch),
    tree_hash: hex(state.groupContext.treeHash),
    epoch_authenticator: hex(state.keySchedule.epochAuthenticator),
    n_nodes: state.ratchetTree.length,
  };
}

async function newKeyPackage(name, suite, identity) {
  const impl = await suiteImpl(suite);
  const credential = { credentialType: "basic", identity: utf8(identity ?? name) };
  const keys = await signatureKeyPair(suite, impl);
  const { publicPackage, privatePackage } = await generateKeyPackageWithKey(
    credential,
    defaultCapabilities(),
    defaultLifetime,
    [],
    keys,
    impl,
  );
  const c = { suite, impl, kp: publicPackage, priv: privatePackage, state: undefined };
  clients.set(name, c);
  return c;
}

function encodeKeyPackage(kp) {
  return encodeMlsMessage({ keyPackage: kp, wireformat: "mls_key_package", version: "mls10" });
}

async function commit(c, proposals, req) {
  const result = await createCommit(
    { state: c.state, cipherSuite: c.impl },
    {
      extraProposals: proposals,
      wireAsPublicMessage: req.public === true,
      ratchetTreeExtension: req.ratchet_tree_extension !== false,
    },
  );
  c.state = result.newState;
  const out = { commit: hex(encodeMlsMessage(result.commit)), ...summary(c.state) };
  if (result.welcome !== undefined) {
    out.welcome = hex(
      encodeMlsMessage({ welcome: result.welcome, wireformat: "mls_welcome", version: "mls10" }),
    );
  }
  out.ratchet_tree = hex(encodeRatchetTree(c.state.ratchetTree));
  return out;
}

function addProposals(keyPackages) {
  return keyPackages.map((kpHex) => {
    const m = decode(kpHex);
    if (m.wireformat !== "mls_key_package") throw new Error("expected a KeyPackage");
    return { proposalType: "add", add: { keyPackage: m.keyPackage } };
  });
}

function removeProposals(leaves) {
  return leaves.map((leaf) => ({ proposalType: "remove", remove: { removed: leaf } }));
}

async function timed(fn) {
  const t0 = performance.now();
  const value = await fn();
  return [value, performance.now() - t0];
}

const ops = {
  async key_package(req) {
    const c = await newKeyPackage(req.client, req.suite, req.identity);
    return { key_package: hex(encodeKeyPackage(c.kp)) };
  },

  async create_group(req) {
    const c = await newKeyPackage(req.client, req.suite, req.identity);
    c.state = await createGroup(unhex(req.group_id), c.kp, c.priv, [], c.impl);
    return summary(c.state);
  },

  async add(req) {
    const c = client(req.client);
    return commit(c, addProposals(req.key_packages), req);
  },

  async remove(req) {
    const c = client(req.client);
    return commit(c, removeProposals(req.leaves), req);
  },

  async update(req) {
    return commit(client(req.client), [], req);
  },

  async join(req) {
    const c = client(req.client);
    const m = decode(req.welcome);
    if (m.wireformat !== "mls_welcome") throw new Error("expected a Welcome");
    let tree;
    if (req.ratchet_tree !== undefined && req.ratchet_tree !== null) {
      const decoded = decodeRatchetTree(unhex(req.ratchet_tree), 0);
      if (decoded === undefined) throw new Error("cannot decode ratchet tree");
      tree = decoded[0];
    }
    c.state = await joinGroup(m.welcome, c.kp, c.priv, emptyPskIndex, c.impl, tree);
    return summary(c.state);
  },

  async process(req) {
    const c = client(req.client);
    const m = decode(req.message);
    const result = await processMessage(m, c.state, emptyPskIndex, acceptAll, c.impl);
    c.state = result.newState;
    const out = { kind: result.kind, ...summary(c.state) };
    if (result.kind === "applicationMessage") out.message = hex(result.message);
    return out;
  },

  async send(req) {
    const c = client(req.client);
    const result = await createApplicationMessage(c.state, unhex(req.data), c.impl);
    c.state = result.newState;
    const message = encodeMlsMessage({
      privateMessage: result.privateMessage,
      wireformat: "mls_private_message",
      version: "mls10",
    });
    return { message: hex(message) };
  },

  async export(req) {
    const c = client(req.client);
    const secret = await mlsExporter(
      c.state.keySchedule.exporterSecret,
      req.label,
      unhex(req.context),
      req.length,
      c.impl,
    );
    return { secret: hex(secret) };
  },

  async state(req) {
    const c = client(req.client);
    return { ...summary(c.state), ratchet_tree: hex(encodeRatchetTree(c.state.ratchetTree)) };
  },

  async forget(req) {
    clients.delete(req.client);
    return {};
  },

  // --- benchmark: a group of n members built in ts-mls, operations timed in Node ----
  async bench_group(req) {
    const { suite, n } = req;
    const prefix = req.prefix ?? "bench";
    const creator = `${prefix}-0`;
    const c = await newKeyPackage(creator, suite);
    c.state = await createGroup(utf8(prefix), c.kp, c.priv, [], c.impl);
    const kps = [];
    for (let i = 1; i < n; i++) kps.push((await newKeyPackage(`${prefix}-${i}`, suite)).kp);
    const proposals = kps.map((kp) => ({ proposalType: "add", add: { keyPackage: kp } }));
    const [res, addMs] = await timed(() =>
      createCommit({ state: c.state, cipherSuite: c.impl }, { extraProposals: proposals }),
    );
    c.state = res.newState;
    const out = { build_add_ms: addMs, ...summary(c.state) };
    if (n > 1) {
      // The last member joins (timed) so that it can process later commits.
      const joiner = client(`${prefix}-${n - 1}`);
      const [state, joinMs] = await timed(() =>
        joinGroup(res.welcome, joiner.kp, joiner.priv, emptyPskIndex, joiner.impl, c.state.ratchetTree),
      );
      joiner.state = state;
      out.join_ms = joinMs;
      // Every other key package holder is dropped: only creator and joiner are needed.
      for (let i = 1; i < n - 1; i++) clients.delete(`${prefix}-${i}`);
    }
    return out;
  },

  async bench_op(req) {
    // One commit by the creator ("add" one new member, "remove" leaf 1, or "update"),
    // processed by the joiner.  The group state is not advanced, so it can repeat.
    const prefix = req.prefix ?? "bench";
    const c = client(`${prefix}-0`);
    const joiner = client(req.receiver ?? `${prefix}-${req.n - 1}`);
    let proposals = [];
    if (req.kind === "add") {
      const extra = await newKeyPackage(`${prefix}-extra`, c.suite);
      proposals = [{ proposalType: "add", add: { keyPackage: extra.kp } }];
    } else if (req.kind === "remove") {
      proposals = [{ proposalType: "remove", remove: { removed: req.leaf ?? 1 } }];
    }
    const [res, commitMs] = await timed(() =>
      createCommit(
        { state: c.state, cipherSuite: c.impl },
        { extraProposals: proposals, wireAsPublicMessage: req.public === true },
      ),
    );
    const message = encodeMlsMessage(res.commit);
    const [, processMs] = await timed(() =>
      processMessage(decode(hex(message)), joiner.state, emptyPskIndex, acceptAll, joiner.impl),
    );
    return { commit_ms: commitMs, process_ms: processMs, commit_bytes: message.length };
  },
};

const rl = createInterface({ input: process.stdin, crlfDelay: Infinity });
let queue = Promise.resolve();
rl.on("line", (line) => {
  if (line.trim() === "") return;
  queue = queue.then(async () => {
    let req;
    try {
      req = JSON.parse(line);
      const op = ops[req.op];
      if (op === undefined) throw new Error(`unknown op ${req.op}`);
      const result = await op(req);
      process.stdout.write(JSON.stringify({ id: req.id, ok: true, ...result }) + "\n");
    } catch (err) {
      const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      process.stdout.write(JSON.stringify({ id: req?.id ?? null, ok: false, error: message }) + "\n");
    }
  });
});
