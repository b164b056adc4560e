// Stands in for Node's "crypto" in the browser build: @hpke/common falls back to
// `import("crypto")` only where globalThis.crypto is missing (old Node). A browser
// without WebCrypto gets no fallback; the conversation page refuses to join instead.
export const webcrypto = undefined;
