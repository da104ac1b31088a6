// Text to UTF-8 bytes and SHA-256, without Node's byte buffers or the DOM's TextEncoder (neither is
// in the pure core's libraries). Bundles hash and pack tens of megabytes for large clusters, so the
// encoder has an ASCII fast path and hashing uses @noble/hashes (about 3 times node-forge's speed).
import { sha256 } from "@noble/hashes/sha256";

export function utf8Encode(text: string): Uint8Array {
  const out = new Uint8Array(text.length * 3);
  let length = 0;
  for (let index = 0; index < text.length; index += 1) {
    let code = text.charCodeAt(index);
    if (code < 0x80) {
      out[length++] = code;
      continue;
    }
    if (code >= 0xd800 && code < 0xdc00 && index + 1 < text.length) {
      const low = text.charCodeAt(index + 1);
      if (low >= 0xdc00 && low < 0xe000) {
        code = 0x10000 + ((code - 0xd800) << 10) + (low - 0xdc00);
        index += 1;
      }
    }
    if (code >= 0xd800 && code < 0xe000) code = 0xfffd;
    if (code < 0x800) {
      out[length++] = 0xc0 | (code >> 6);
    } else if (code < 0x10000) {
      out[length++] = 0xe0 | (code >> 12);
      out[length++] = 0x80 | ((code >> 6) & 0x3f);
    } else {
      out[length++] = 0xf0 | (code >> 18);
      out[length++] = 0x80 | ((code >> 12) & 0x3f);
      out[length++] = 0x80 | ((code >> 6) & 0x3f);
    }
    out[length++] = 0x80 | (code & 0x3f);
  }
  return out.slice(0, length);
}

const HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, "0"));

export function sha256Hex(bytes: Uint8Array): string {
  let hex = "";
  for (const byte of sha256(bytes)) hex += HEX[byte];
  return hex;
}
