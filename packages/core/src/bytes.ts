// Text to bytes without Node's byte buffers or the DOM's TextEncoder (neither is in the pure core's
// libraries): UTF-8 through node-forge's util, the same code the PKI uses.
import util from "node-forge/lib/util.js";

export function utf8Encode(text: string): Uint8Array {
  const binary = util.encodeUtf8(text);
  const bytes = new Uint8Array(binary.length);
  for (let index = 0; index < binary.length; index += 1) bytes[index] = binary.charCodeAt(index);
  return bytes;
}
