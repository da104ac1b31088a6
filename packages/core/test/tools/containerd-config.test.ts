import { checkContainerdConfig } from "./containerd-config.js";

const criConfig = `version = 2

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "registry.k8s.io/pause:3.10"

[plugins."io.containerd.grpc.v1.cri".containerd]
  snapshotter = "overlayfs"
  default_runtime_name = "runc"

[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
  runtime_type = "io.containerd.runc.v2"

[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
  SystemdCgroup = true

[plugins."io.containerd.grpc.v1.cri".cni]
  bin_dir = "/opt/cni/bin"
  conf_dir = "/etc/cni/net.d"

[plugins."io.containerd.grpc.v1.cri".registry]
  config_path = "/etc/containerd/certs.d"
`;

describe("checkContainerdConfig", () => {
  it("keeps every key of a version-2 CRI configuration", () => {
    const result = checkContainerdConfig(criConfig);
    expect(result).toMatchObject({
      status: 0,
      error: undefined,
      warnings: [],
      droppedKeys: [],
      changedValues: [],
    });
    expect(result.dump).toContain('runtime_type = "io.containerd.runc.v2"');
    expect(result.dump).toContain("SystemdCgroup = true");
  });

  it("reads TOML written other ways: dotted keys, inline tables, literal strings, arrays, comments", () => {
    const result = checkContainerdConfig(`# generated
version = 0x2
root = '/var/lib/containerd'   # literal string
grpc.address = "/run/containerd/containerd.sock"
[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
  runtime_type = "io.containerd.runc.v2"
  options = { SystemdCgroup = true, BinaryName = "/usr/bin/runc" }
[plugins."io.containerd.grpc.v1.cri".registry.mirrors."docker.io"]
  endpoint = [
    "https://mirror.example", # first
    'https://registry-1.docker.io',
  ]
`);
    expect(result).toMatchObject({ status: 0, droppedKeys: [], changedValues: [] });
  });

  it("reports a misspelt key and a misspelt section as dropped", () => {
    const result = checkContainerdConfig(
      criConfig.replace("snapshotter =", "snapshoter =") +
        '\n[grpcc]\n  address = "/run/containerd/containerd.sock"\n',
    );
    expect(result.status).toBe(0);
    expect(result.droppedKeys).toEqual([
      'plugins."io.containerd.grpc.v1.cri".containerd.snapshoter',
      "[grpcc]",
    ]);
  });

  it("reports the section of a plugin that does not exist", () => {
    const result = checkContainerdConfig(
      `${criConfig}\n[plugins."io.containerd.grpc.v1.crii"]\n  sandbox_image = "x"\n`,
    );
    expect(result.droppedKeys).toEqual(['[plugins."io.containerd.grpc.v1.crii"]']);
  });

  it("reports a value containerd changed: version 3 is silently read as 2 by containerd 1.6", () => {
    const result = checkContainerdConfig(criConfig.replace("version = 2", "version = 3"));
    expect(result).toMatchObject({ status: 0, droppedKeys: [] });
    expect(result.changedValues).toEqual([{ key: "version", input: "3", dump: "2" }]);
  });

  it("warns on version-1 files, whose plugin names do not survive the move to version 2", () => {
    const result = checkContainerdConfig('[plugins.cri]\n  sandbox_image = "registry.k8s.io/pause:3.10"\n');
    expect(result).toMatchObject({ status: 0, droppedKeys: ["[plugins.cri]"] });
    expect(result.warnings.join("\n")).toContain("containerd config version `1` has been deprecated");
  });

  it("cannot see into runtime options, which containerd keeps as a free-form map", () => {
    const result = checkContainerdConfig(criConfig.replace("SystemdCgroup = true", 'SystemdCgroup = "yes"'));
    expect(result).toMatchObject({ status: 0, droppedKeys: [], changedValues: [] });
  });

  it("fails on bad TOML with containerd's first line", () => {
    const unclosed = checkContainerdConfig('version = 2\n[plugins."io.containerd.grpc.v1.cri"\n');
    expect(unclosed).toMatchObject({ status: 1, dump: "", droppedKeys: [] });
    expect(unclosed.error).toMatch(
      /^containerd: failed to load TOML: .*config\.toml: \(2, 2\): unexpected token unclosed table key/,
    );
  });

  it("fails when containerd's TOML parser panics", () => {
    const result = checkContainerdConfig("version = 2\noom_score = [1,,2]\n");
    expect(result).toMatchObject({ status: 2, error: 'panic: unhandled token: "," [recovered]' });
  });

  it("fails on a wrong type in a known field", () => {
    const result = checkContainerdConfig(criConfig.replace('"registry.k8s.io/pause:3.10"', "3"));
    expect(result).toMatchObject({
      status: 1,
      error: "containerd: (4, 3): Can't convert 3(int64) to string",
    });
  });
});
