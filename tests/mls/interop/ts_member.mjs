// A ts-mls group member driven over stdin/stdout, one JSON object per line.
// Used by tests/mls/test_interop_ts_mls.py; all byte strings travel as hex.
import * as readline from "node:readline";
import {
  createApplicationMessage, createCommit, createGroup, decodeMlsMessage, defaultCapabilities,
  defaultLifetime, emptyPskIndex, encodeMlsMessage, generateKeyPackage, getCiphersuiteFromName, getCiphersuiteImpl, joinGroup, makePskIndex,
  mlsExporter, processMessage, acceptAll,
} from "ts-mls";
import { decodeRatchetTree, encodeRatchetTree } from "ts-mls/ratchetTree.js";

const hex = (b) => Buffer.from(b).toString("hex");
const unhex = (s) => new Uint8Array(Buffer.from(s, "hex"));
const SUITES = {
  1: "MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519",
  2: "MLS_128_DHKEMP256_AES128GCM_SHA256_P256",
  3: "MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_Ed25519",
};

let impl, kp, state;

const handlers = {
  async init({ suite }) {
    impl = await getCiphersuiteImpl(getCiphersuiteFromName(SUITES[suite]));
    return {};
  },
  async key_package({ name }) {
    const cred = { credentialType: "basic", identity: new TextEncoder().encode(name) };
    kp = await generateKeyPackage(cred, defaultCapabilities(), defaultLifetime, [], impl);
    return { key_package: hex(encodeMlsMessage({ version: "mls10", wireformat: "mls_key_package", keyPackage: kp.publicPackage })) };
  },
  async create({ group_id }) {
    state = await createGroup(unhex(group_id), kp.publicPackage, kp.privatePackage, [], impl);
    return {};
  },
  async add({ key_package, public_message }) {
    const [msg] = decodeMlsMessage(unhex(key_package), 0);
    const res = await createCommit({ state, cipherSuite: impl }, {
      extraProposals: [{ proposalType: "add", add: { keyPackage: msg.keyPackage } }],
      ratchetTreeExtension: true, wireAsPublicMessage: !!public_message,
    });
    state = res.newState;
    return {
      commit: hex(encodeMlsMessage(res.commit)),
      welcome: hex(encodeMlsMessage({ version: "mls10", wireformat: "mls_welcome", welcome: res.welcome })),
    };
  },
  async commit({ public_message }) {
    const res = await createCommit({ state, cipherSuite: impl }, { wireAsPublicMessage: !!public_message });
    state = res.newState;
    return { commit: hex(encodeMlsMessage(res.commit)) };
  },
  async join({ welcome, tree }) {
    const [msg] = decodeMlsMessage(unhex(welcome), 0);
    const ratchetTree = tree ? decodeRatchetTree(unhex(tree), 0)[0] : undefined;
    state = await joinGroup(msg.welcome, kp.publicPackage, kp.privatePackage, emptyPskIndex, impl, ratchetTree);
    return {};
  },
  async process({ message }) {
    const [msg] = decodeMlsMessage(unhex(message), 0);
    const res = await processMessage(msg, state, makePskIndex(state, {}), acceptAll, impl);
    state = res.newState;
    return res.kind === "applicationMessage" ? { kind: "application", data: hex(res.message) } : { kind: "state" };
  },
  async encrypt({ data }) {
    const res = await createApplicationMessage(state, unhex(data), impl);
    state = res.newState;
    return { message: hex(encodeMlsMessage({ version: "mls10", wireformat: "mls_private_message", privateMessage: res.privateMessage })) };
  },
  async status() {
    return {
      epoch: Number(state.groupContext.epoch),
      epoch_authenticator: hex(state.keySchedule.epochAuthenticator),
      tree: hex(encodeRatchetTree(state.ratchetTree)),
    };
  },
  async export({ label, context, length }) {
    return { secret: hex(await mlsExporter(state.keySchedule.exporterSecret, label, unhex(context), length, impl)) };
  },
};

const rl = readline.createInterface({ input: process.stdin });
for await (const line of rl) {
  const req = JSON.parse(line);
  try {
    const out = await handlers[req.cmd](req);
    process.stdout.write(JSON.stringify({ ok: true, ...out }) + "\n");
  } catch (e) {
    process.stdout.write(JSON.stringify({ ok: false, error: String(e && e.stack || e) }) + "\n");
  }
}
