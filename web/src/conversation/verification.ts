// The verification code members compare aloud (docs/delivery.md, "Verification code").
//
// 16 bytes from the MLS exporter (RFC 9420 §8.5) with label "indaba verification
// code" and an empty context; each 4-byte big-endian word modulo 100000 gives one
// group of 5 digits: "01234 56789 01234 56789". Everyone in the same epoch of the
// same group sees the same code; it changes with every commit.

export const VERIFICATION_LABEL = 'indaba verification code';
export const VERIFICATION_BYTES = 16;

export function formatVerificationCode(secret: Uint8Array): string {
  if (secret.length !== VERIFICATION_BYTES) throw new Error('the exporter gives 16 bytes');
  const view = new DataView(secret.buffer, secret.byteOffset, secret.byteLength);
  const groups: string[] = [];
  for (let i = 0; i < 4; i += 1) groups.push(String(view.getUint32(i * 4) % 100_000).padStart(5, '0'));
  return groups.join(' ');
}
