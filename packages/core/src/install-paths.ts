// What both sides of a node's install name: the components write these files and units, and the
// bundle's install.sh and validate scripts place, order and check them. A path or name that only its
// own component uses stays with that component.

/** The kubelet's static pod folder (its --config / staticPodPath); install.sh creates it empty. */
export const MANIFEST_DIR = "/etc/kubernetes/manifests";

/**
 * The kubelet's resolv.conf when the spec names none: install.sh links it to systemd-resolved's
 * upstream list where resolved runs (as kubeadm picks /run/systemd/resolve/resolv.conf), else to
 * /etc/resolv.conf. A stub 127.0.0.53 handed to CoreDNS would have it forward to itself.
 */
export const RESOLV_CONF_LINK = "/etc/kubernetes/resolv.conf";

/** The hygiene component's package installer, which install.sh runs once the services are up. */
export const HYGIENE_PACKAGES_PATH = "/etc/kubernetes/hygiene/install-packages.sh";

/** The highly available API endpoint's files (keepalived-haproxy) and units. */
const ENDPOINT_DIRECTORY = "/etc/kubernetes/apiserver-endpoint";
export const HAPROXY_CONFIG_PATH = `${ENDPOINT_DIRECTORY}/haproxy.cfg`;
export const KEEPALIVED_CONFIG_PATH = `${ENDPOINT_DIRECTORY}/keepalived.conf`;
export const CHECK_SCRIPT_PATH = `${ENDPOINT_DIRECTORY}/check-apiserver.sh`;
export const HAPROXY_UNIT = "kube-apiserver-lb.service";
export const KEEPALIVED_UNIT = "kube-apiserver-vip.service";
export const ENDPOINT_UNITS: readonly string[] = [HAPROXY_UNIT, KEEPALIVED_UNIT];

/**
 * The images validate-cluster.sh runs: its probe pod and the nginx example it serves through a
 * Service (images.txt lists them for mirroring).
 */
export const CHECK_IMAGES = { probe: "busybox:1.28", web: "nginx:1.27" } as const;
