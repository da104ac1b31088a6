// The Debian mirror this machine's apt uses: debootstrap and the image stand-ins fetch from it.
import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";

/** The Debian mirror of this machine's own apt sources (the one debootstrap can reach). */
export async function debianMirror(): Promise<string> {
  const folders = ["/etc/apt/sources.list.d"];
  for (const folder of folders) {
    if (!existsSync(folder)) continue;
    for (const file of await readdir(folder)) {
      const text = await readFile(join(folder, file), "utf8");
      const uri = /^URIs:\s*(\S+\/debian)\/?\s*$/m.exec(text);
      if (uri?.[1]) return uri[1];
    }
  }
  if (existsSync("/etc/apt/sources.list")) {
    const line = /^deb\s+(?:\[[^\]]*\]\s+)?(\S+\/debian)\/?\s+/m.exec(
      await readFile("/etc/apt/sources.list", "utf8"),
    );
    if (line?.[1]) return line[1];
  }
  return "http://deb.debian.org/debian";
}
